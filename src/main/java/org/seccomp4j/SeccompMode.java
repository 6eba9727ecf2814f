package org.seccomp4j;

import java.util.Locale;

/** Whether jobs run under the filter. The daemon chooses with the SPUR_SECCOMP variable. */
public enum SeccompMode {

    /** NO_NEW_PRIVS is set and the policy's program is installed before execve. */
    ENFORCE,

    /**
     * The filter is installed as in ENFORCE mode, but denied syscalls run
     * (SECCOMP_USER_NOTIF_FLAG_CONTINUE, Linux 5.5), and the job's denial report lists what the
     * policy would have denied. Callers of another arch or of the x32 ABI are still killed, and
     * calls the policy fails with ENOSYS still fail, so that the C library falls back as it will
     * under ENFORCE. Needs denial reports; see {@link SeccompProcessBuilder#reportDenials}.
     */
    AUDIT,

    /** The job starts through the same spawn path, without NO_NEW_PRIVS and without a filter. */
    OFF;

    /** The environment variable that selects the mode. */
    public static final String VARIABLE = "SPUR_SECCOMP";

    /** Reads the mode from the JVM's SPUR_SECCOMP variable; see {@link #parse}. */
    public static SeccompMode fromEnvironment() {
        return parse(System.getenv(VARIABLE));
    }

    /**
     * Parses a SPUR_SECCOMP value: {@code 1} or {@code true} mean ENFORCE; {@code audit} means
     * AUDIT; null (unset), empty, {@code 0} or {@code false} mean OFF. Anything else is an error
     * rather than a guess, because a typo must not silently run jobs unfiltered.
     */
    public static SeccompMode parse(String value) {
        if (value == null) {
            return OFF;
        }
        switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "1":
            case "true":
                return ENFORCE;
            case "audit":
                return AUDIT;
            case "":
            case "0":
            case "false":
                return OFF;
            default:
                throw new IllegalArgumentException("invalid " + VARIABLE + " value '" + value
                        + "'; accepted values: 1 or true (enforce), audit, 0, false or unset (off)");
        }
    }
}
