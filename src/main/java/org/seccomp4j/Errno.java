package org.seccomp4j;

/** Linux errno names and descriptions, for messages and the policy text format. */
final class Errno {

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINVAL = 22;
    static final int ENOSYS = 38;

    /** The largest errno a filter can return; the kernel caps SECCOMP_RET_ERRNO data at 4095. */
    static final int MAX = 4095;

    private Errno() {
    }

    /** Returns the symbolic name of an errno, such as "EPERM", or the number if it has none. */
    static String name(int errno) {
        jnr.constants.platform.linux.Errno constant = lookup(errno);
        return constant != null ? constant.name() : Integer.toString(errno);
    }

    /** Returns "ENOENT (No such file or directory)", the form every message in this library uses. */
    static String describe(int errno) {
        jnr.constants.platform.linux.Errno constant = lookup(errno);
        return constant != null ? constant.name() + " (" + constant + ")" : "errno " + errno;
    }

    /** Parses an errno given by name ("EPERM") or by number ("1"). */
    static int parse(String text) {
        if (!text.isEmpty() && Character.isDigit(text.charAt(0))) {
            int errno;
            try {
                errno = Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid errno '" + text + "'", e);
            }
            return check(errno);
        }
        try {
            return jnr.constants.platform.linux.Errno.valueOf(text).intValue();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown errno name '" + text
                    + "'; use a name such as EPERM or a number from 1 to " + MAX, e);
        }
    }

    static int check(int errno) {
        if (errno < 0 || errno > MAX) {
            throw new IllegalArgumentException("errno " + errno + " is out of range; the kernel accepts 0 to " + MAX);
        }
        return errno;
    }

    private static jnr.constants.platform.linux.Errno lookup(int errno) {
        for (jnr.constants.platform.linux.Errno constant : jnr.constants.platform.linux.Errno.values()) {
            if (constant.intValue() == errno) {
                return constant;
            }
        }
        return null;
    }
}
