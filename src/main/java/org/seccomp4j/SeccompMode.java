package org.seccomp4j;

import java.util.Locale;

/** Whether jobs run under the filter. The daemon chooses with the SPUR_SECCOMP variable. */
public enum SeccompMode {

    /** NO_NEW_PRIVS is set and the policy's program is installed before execve. */
    ENFORCE,

    /** The job starts through the same spawn path, without NO_NEW_PRIVS and without a filter. */
    OFF;

    /** The environment variable that selects the mode. */
    public static final String VARIABLE = "SPUR_SECCOMP";

    /** Reads the mode from the JVM's SPUR_SECCOMP variable; see {@link #parse}. */
    public static SeccompMode fromEnvironment() {
        return parse(System.getenv(VARIABLE));
    }

    /**
     * Parses a SPUR_SECCOMP value: {@code 1} or {@code true} mean ENFORCE; null (unset), empty,
     * {@code 0} or {@code false} mean OFF. Anything else is an error rather than a guess, because
     * a typo must not silently run jobs unfiltered.
     */
    public static SeccompMode parse(String value) {
        if (value == null) {
            return OFF;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "1":
            case "true":
                return ENFORCE;
            case "":
            case "0":
            case "false":
                return OFF;
            default:
                throw new IllegalArgumentException("invalid " + VARIABLE + " value '" + value
                        + "'; accepted values: 1 or true (enforce), 0, false or unset (off)");
        }
    }
}
