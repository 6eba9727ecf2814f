package org.seccomp4j;

/**
 * JNI entry points of the supervisor half of the C shim ({@code native/seccomp4j.c}): the feature
 * probe, the epoll instance that holds every job's listener, and the loop step that sends
 * responses and receives notifications.
 */
final class NativeSupervisor {

    /** The maximum number of notifications one {@link #exchange} call receives or responds to. */
    static final int MAX_BATCH = 64;

    // Slots of one record in the array that exchange() fills.
    static final int RECORD_KIND = 0;
    static final int RECORD_JOB = 1;
    static final int RECORD_LISTENER_FD = 2;
    static final int RECORD_ID = 3;
    static final int RECORD_PID = 4;
    static final int RECORD_NR = 5;
    static final int RECORD_ARCH = 6;
    static final int RECORD_INSTRUCTION_POINTER = 7;
    /** First of six argument slots. */
    static final int RECORD_ARGS = 8;
    static final int RECORD_SLOTS = 14;

    // Kinds of record.
    /** A syscall waits for a response: {@code struct seccomp_notif}. */
    static final int KIND_NOTIFICATION = 0;
    /** The listener reported EPOLLHUP; the shim has removed it from the epoll set and closed it. */
    static final int KIND_HANGUP = 1;

    // Slots of one response in the array that exchange() reads.
    static final int RESPONSE_LISTENER_FD = 0;
    static final int RESPONSE_ID = 1;
    /** 0 or a negative errno, {@code seccomp_notif_resp.error}. */
    static final int RESPONSE_ERROR = 2;
    /** 0 or {@link #FLAG_CONTINUE}. */
    static final int RESPONSE_FLAGS = 3;
    /** The caller's process id to kill with SIGKILL, or 0; if the kill fails, the response is sent. */
    static final int RESPONSE_KILL_TGID = 4;
    static final int RESPONSE_SLOTS = 5;

    /** SECCOMP_USER_NOTIF_FLAG_CONTINUE (Linux 5.5): let the syscall run. */
    static final long FLAG_CONTINUE = 1;

    // Slots of the array that probe() returns.
    static final int PROBE_MISSING = 0;
    static final int PROBE_ERRNO = 1;
    /** 1 if seccomp() accepts SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19). */
    static final int PROBE_WAIT_KILLABLE = 2;
    static final int PROBE_LENGTH = 3;

    // Values of the PROBE_MISSING slot.
    static final int MISSING_NONE = 0;
    static final int MISSING_USER_NOTIF = 1;
    static final int MISSING_PIDFD_GETFD = 2;
    static final int MISSING_PIDFD_OPEN = 3;

    static {
        NativeLibrary.load();
    }

    private NativeSupervisor() {
    }

    /** Checks the kernel for what denial reports need, without installing a filter. */
    static native int[] probe();

    /** Returns a new close-on-exec epoll fd, or -errno. */
    static native int createEpoll();

    /**
     * Sends {@code responseCount} responses from {@code responses}, then blocks in epoll_wait until at
     * least one listener is ready and fills {@code records} with what it received.
     *
     * @return the number of records, 0 if epoll_wait was interrupted, or -errno if it failed
     */
    static native int exchange(int epollFd, long[] responses, int responseCount, long[] records);
}
