package org.seccomp4j;

/**
 * The step of a spawn that failed, as the shim reports it; the codes are shared with
 * {@code native/seccomp4j.c}. Steps up to {@link #CLONE} run in the parent, the rest in the child,
 * except the listener steps of a job with denial reports: {@link #PIDFD_GETFD} and
 * {@link #EPOLL_CTL} run in the parent, and {@link #LISTENER_HANDOFF} is the child giving up
 * (ETIMEDOUT) because the parent did not take the listener within tens of seconds.
 */
enum SpawnStep {
    NONE(0, ""),
    PIPE(1, "pipe2"),
    OPEN_REDIRECT(2, "open"),
    STACK(3, "mmap(child stack)"),
    CLONE(4, "clone"),
    SIGNAL_RESET(10, "rt_sigaction"),
    SIGNAL_MASK(11, "rt_sigprocmask"),
    SETSID(12, "setsid"),
    DUP2(13, "dup2"),
    CLOSE_FDS(14, "close_range"),
    SETRLIMIT(15, "setrlimit"),
    SETGROUPS(16, "setgroups"),
    SETGID(17, "setresgid"),
    SETUID(18, "setresuid"),
    CHDIR(19, "chdir"),
    NO_NEW_PRIVS(20, "prctl(PR_SET_NO_NEW_PRIVS)"),
    SECCOMP(21, "seccomp(SET_MODE_FILTER)"),
    EXECVE(22, "execve"),
    LISTENER_HANDOFF(23, "hand-off of the seccomp listener"),
    PIDFD_GETFD(24, "pidfd_getfd(seccomp listener)"),
    EPOLL_CTL(25, "epoll_ctl(EPOLL_CTL_ADD, seccomp listener)");

    final int code;
    final String call;

    SpawnStep(int code, String call) {
        this.code = code;
        this.call = call;
    }

    static SpawnStep of(int code) {
        for (SpawnStep step : values()) {
            if (step.code == code) {
                return step;
            }
        }
        throw new IllegalStateException("unknown spawn step code from the shim: " + code);
    }
}
