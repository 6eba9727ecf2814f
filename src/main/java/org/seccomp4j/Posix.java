package org.seccomp4j;

import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

/** The JNR-POSIX binding used outside the child: waitpid, kill and ids. */
final class Posix {

    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    static final int SIGSYS = 31;

    static final POSIX POSIX = POSIXFactory.getNativePOSIX();

    private Posix() {
    }

    /** Returns true if the wait status shows that the process exited by itself. */
    static boolean exited(int status) {
        return (status & 0x7f) == 0;
    }

    static int exitCode(int status) {
        return (status >> 8) & 0xff;
    }

    /** Returns the signal that ended the process, or 0 if it exited. */
    static int terminatingSignal(int status) {
        int signal = status & 0x7f;
        return signal != 0 && signal != 0x7f ? signal : 0;
    }

    /** Returns the signal's name without the SIG prefix, such as "TERM", or its number. */
    static String signalName(int signal) {
        for (jnr.constants.platform.linux.Signal constant : jnr.constants.platform.linux.Signal.values()) {
            if (constant.intValue() == signal) {
                return constant.name().substring(3);
            }
        }
        return Integer.toString(signal);
    }
}
