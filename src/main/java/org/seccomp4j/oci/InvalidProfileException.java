package org.seccomp4j.oci;

/**
 * A profile that cannot be read as a policy, or a policy that cannot be written as a profile. The
 * message names the source, the JSON location (such as {@code syscalls[4].args[0].op}) and the fault.
 */
public final class InvalidProfileException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidProfileException(String message) {
        super(message);
    }

    public InvalidProfileException(String message, Throwable cause) {
        super(message, cause);
    }
}
