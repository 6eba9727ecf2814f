package org.seccomp4j;

import java.io.FileDescriptor;

/**
 * JNI entry points of the C shim ({@code native/seccomp4j.c}).
 *
 * <p>Everything the child needs is prepared here, in Java or in the parent half of the shim: the
 * child between clone and execve only makes syscalls (see the contract above {@code child_main}).
 */
final class NativeSpawn {

    // Redirect kinds, one per standard fd of the child; the values are shared with the shim.
    static final int REDIRECT_PIPE = 0;
    static final int REDIRECT_INHERIT = 1;
    static final int REDIRECT_READ_FILE = 2;
    static final int REDIRECT_WRITE_FILE = 3;
    static final int REDIRECT_APPEND_FILE = 4;
    /** Only for stderr: the child's stderr is a copy of its stdout (redirectErrorStream). */
    static final int REDIRECT_TO_STDOUT = 5;

    // Slots of the int[] that spawn() returns.
    static final int RESULT_STEP = 0;
    static final int RESULT_PID = 1;
    static final int RESULT_STDIN_FD = 2;
    static final int RESULT_STDOUT_FD = 3;
    static final int RESULT_STDERR_FD = 4;
    static final int RESULT_ERRNO = 5;
    static final int RESULT_DETAIL = 6;
    static final int RESULT_LENGTH = 7;

    /** Value of an int argument that leaves the inherited setting alone (uid, gid, umask). */
    static final int KEEP = -1;

    static {
        NativeLibrary.load();
    }

    private NativeSpawn() {
    }

    /**
     * Spawns a child with clone(CLONE_VM|CLONE_VFORK) and returns once it has called execve or
     * failed.
     *
     * @param executable NUL-terminated path of the program, already resolved against PATH
     * @param argv each argument NUL-terminated, concatenated
     * @param envp each {@code NAME=value} NUL-terminated, concatenated
     * @param directory NUL-terminated working directory, or null to keep the JVM's
     * @param redirectKinds three {@code REDIRECT_*} values, for fds 0, 1 and 2
     * @param redirectPaths three NUL-terminated paths, non-null where the kind names a file;
     *     relative paths resolve against the JVM's working directory, not {@code directory}
     * @param program the filter as {@code struct sock_filter[]} bytes in native byte order, at
     *     most 4096 instructions, or null to install none
     * @param rlimits triplets of (resource, soft, hard), empty for none; -1 is RLIM_INFINITY
     * @param groups supplementary groups, or null to keep the JVM's
     * @return {@code RESULT_*} slots; a step other than {@link SpawnStep#NONE} means the spawn
     *     failed, nothing is left running and no fd is left open. Then {@code RESULT_PID} is the
     *     pid of the child that was already reaped, or -1 if no child was created.
     * @throws IllegalArgumentException if an argument breaks the format above
     * @throws OutOfMemoryError if the shim cannot allocate its copy of the arguments
     */
    static native int[] spawn(byte[] executable, byte[] argv, int argc, byte[] envp, int envc,
            byte[] directory, int[] redirectKinds, byte[][] redirectPaths, byte[] program,
            long[] rlimits, int umask, int uid, int gid, int[] groups);

    /**
     * Spawns like {@link #spawn}, but the filter gets a seccomp listener, which is added to an epoll
     * set before the child may call execve. The child is made with clone(CLONE_VM|CLONE_PIDFD)
     * instead of CLONE_VFORK, because it has to wait for the parent to take the listener.
     *
     * @param program as for {@link #spawn}, but not null
     * @param epollFd the supervisor's epoll fd; the listener's event data is {@code jobId << 32 | fd}
     * @param waitKillable whether to add SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (Linux 5.19)
     * @return as for {@link #spawn}; the listener, once added, belongs to the epoll set's owner
     *     even when the spawn fails, and it reports EPOLLHUP once the failed child is reaped
     */
    static native int[] spawnWithListener(byte[] executable, byte[] argv, int argc, byte[] envp, int envc,
            byte[] directory, int[] redirectKinds, byte[][] redirectPaths, byte[] program,
            long[] rlimits, int umask, int uid, int gid, int[] groups,
            int epollFd, int jobId, boolean waitKillable);

    /**
     * Blocks until the child exits, without reaping it (waitid with WNOWAIT). It returns at
     * once if the pid is not a child of this process, and {@link #reap} then returns -ECHILD.
     */
    static native void awaitExit(int pid);

    /** Reaps an exited child and returns its wait status as waitpid reports it, or -errno. */
    static native int reap(int pid);

    /** Wraps a raw fd that this process owns into a FileDescriptor. */
    static native FileDescriptor newFileDescriptor(int fd);

    /** Closes a raw fd, ignoring errors; for fds never wrapped into a stream. */
    static native void close(int fd);

    /** Returns strerror(errno) as the C library words it. */
    static native String strerror(int errno);
}
