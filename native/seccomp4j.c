/*
 * JNI shim of seccomp4j: starts a child process that installs a seccomp-BPF
 * filter and then calls execve().
 *
 * How the child is created
 *
 * fork() copies the page tables of the JVM, which costs time in proportion to
 * the heap and can fail with ENOMEM under strict overcommit. vfork() avoids the
 * copy, but the child runs on the parent's stack, so every function it calls
 * overwrites frames that the parent still uses. posix_spawn() cannot set
 * PR_SET_NO_NEW_PRIVS, install a filter, set rlimits or change credentials
 * between its clone and its execve. So this file calls
 * clone(CLONE_VM | CLONE_VFORK) with a stack of the child's own. glibc's
 * posix_spawn has created its child the same way since glibc 2.24 (posix_spawn(3)).
 *
 * The parent half prepares everything in advance: it copies the Java arrays
 * into C memory, creates the pipes, opens the redirect files and builds the
 * filter program. The child half, child_main(), only makes syscalls, one
 * step per line, and installs the filter last before execve().
 *
 * How a failure in the child is reported
 *
 * The child writes a struct failure_report to a close-on-exec pipe, and the
 * parent reads it. EOF means that execve() succeeded, because execve() closed
 * the write end. The child also stores the report in the memory that it shares
 * with the parent before it calls write(). So the report survives a filter that
 * kills or fails the write() call.
 *
 * How denials reach the parent
 *
 * When the caller asks for denial reports, the child installs the filter with
 * SECCOMP_FILTER_FLAG_NEW_LISTENER, and the filter returns
 * SECCOMP_RET_USER_NOTIF for denied syscalls. Such a syscall blocks until someone reads the
 * listener fd, which at first exists only in the child's fd table. So the
 * child must make no syscall between seccomp() and the moment the parent has
 * the listener. That rules out CLONE_VFORK, which would suspend the parent
 * until execve(). This path uses clone(CLONE_VM | CLONE_PIDFD) instead: the
 * child stores the listener's fd number in shared memory and spins on a flag
 * without any syscall. The parent copies the fd with pidfd_getfd(), adds it to
 * the supervisor's epoll set and then sets the flag, and the child calls
 * execve(). The listener is close-on-exec, so the job never has it. The
 * supervisor half at the end of this file receives the notifications and
 * sends the responses that the Java side decides.
 *
 * Requirements: Linux 3.17 for seccomp(2). close_range(2) needs Linux 5.9, and
 * on older kernels the child closes fds with a close() loop. Denial reports
 * need Linux 5.6 (pidfd_getfd); NativeSupervisor.probe() checks for it.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>

#include <jni.h>

/* Written by javac -h. The compiler checks the definitions below against it. */
#include "org_seccomp4j_NativeSpawn.h"
#include "org_seccomp4j_NativeSupervisor.h"

#ifndef __x86_64__
#error "struct kernel_sigaction below has the x86_64 layout; check it before building for another architecture"
#endif

/* close_range(2) arrived in Linux 5.9 and has number 436 on x86_64. */
#ifndef __NR_close_range
#define __NR_close_range 436
#endif

/* Syscall numbers on x86_64 of the pidfd calls, for C library headers older than the kernel. */
#ifndef __NR_pidfd_send_signal
#define __NR_pidfd_send_signal 424 /* Linux 5.1 */
#endif
#ifndef __NR_pidfd_open
#define __NR_pidfd_open 434 /* Linux 5.3 */
#endif
#ifndef __NR_pidfd_getfd
#define __NR_pidfd_getfd 438 /* Linux 5.6 */
#endif

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000 /* Linux 5.2 */
#endif

#ifndef SECCOMP_USER_NOTIF_FLAG_CONTINUE
#define SECCOMP_USER_NOTIF_FLAG_CONTINUE (1UL << 0) /* Linux 5.5 */
#endif

/*
 * Linux 5.19: once the supervisor has received a notification, the caller
 * waits for the response killable-only. Without it, a signal interrupts the
 * wait and the call restarts, so the supervisor sees one call twice.
 */
#ifndef SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV
#define SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV (1UL << 5)
#endif

/*
 * Linux 6.6: the kernel switches between the caller and the supervisor on one
 * CPU, instead of waking the other side on another CPU. On a 2-CPU VM with
 * Linux 6.18 that cut a denied, reported call from about 33 us to 7-12 us
 * (bench/denials.md).
 */
#ifndef SECCOMP_IOCTL_NOTIF_SET_FLAGS
#define SECCOMP_IOCTL_NOTIF_SET_FLAGS SECCOMP_IOW(4, __u64)
#endif
#ifndef SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP
#define SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP (1UL << 0)
#endif

/* Values shared with NativeSpawn.java, taken from the header that javac writes. */
enum {
    REDIRECT_PIPE = org_seccomp4j_NativeSpawn_REDIRECT_PIPE,
    REDIRECT_INHERIT = org_seccomp4j_NativeSpawn_REDIRECT_INHERIT,
    REDIRECT_READ_FILE = org_seccomp4j_NativeSpawn_REDIRECT_READ_FILE,
    REDIRECT_WRITE_FILE = org_seccomp4j_NativeSpawn_REDIRECT_WRITE_FILE,
    REDIRECT_APPEND_FILE = org_seccomp4j_NativeSpawn_REDIRECT_APPEND_FILE,
    REDIRECT_TO_STDOUT = org_seccomp4j_NativeSpawn_REDIRECT_TO_STDOUT,
    KEEP = org_seccomp4j_NativeSpawn_KEEP,
};

/* Codes of the step that failed. SpawnStep.java mirrors these numbers. */
enum spawn_step {
    STEP_NONE = 0,
    STEP_PIPE = 1,
    STEP_OPEN_REDIRECT = 2,
    STEP_STACK = 3,
    STEP_CLONE = 4,
    STEP_SIGNAL_RESET = 10,
    STEP_SIGNAL_MASK = 11,
    STEP_SETSID = 12,
    STEP_DUP2 = 13,
    STEP_CLOSE_FDS = 14,
    STEP_SETRLIMIT = 15,
    STEP_SETGROUPS = 16,
    STEP_SETGID = 17,
    STEP_SETUID = 18,
    STEP_CHDIR = 19,
    STEP_NO_NEW_PRIVS = 20,
    STEP_SECCOMP = 21,
    STEP_EXECVE = 22,
    STEP_LISTENER_HANDOFF = 23,
    STEP_PIDFD_GETFD = 24,
    STEP_EPOLL_CTL = 25,
};

#define STDIO_COUNT 3
#define FIRST_NON_STDIO_FD 3

/* spawn() fills the three fd slots of the result in a loop over the stdio slots. */
_Static_assert(org_seccomp4j_NativeSpawn_RESULT_STDOUT_FD == org_seccomp4j_NativeSpawn_RESULT_STDIN_FD + 1
        && org_seccomp4j_NativeSpawn_RESULT_STDERR_FD == org_seccomp4j_NativeSpawn_RESULT_STDIN_FD + 2,
        "RESULT_STDIN_FD, RESULT_STDOUT_FD and RESULT_STDERR_FD must be consecutive");

/*
 * Size of the child's stack. The frames of child_main() and fail() take 144
 * bytes (gcc 12 -O2 -fstack-usage), and the rest is headroom for glibc's wrappers.
 */
#define CHILD_STACK_SIZE (64 * 1024)

/*
 * One child stack is kept per spawning thread, because mapping, guarding and unmapping a fresh one
 * per spawn costs three syscalls, page faults and, for munmap in a multithreaded JVM, a TLB
 * shootdown. The thread-specific key's destructor unmaps it when the thread exits.
 */
struct cached_stack {
    void *mapping;
    size_t size;
};

static pthread_key_t stack_cache_key;
static pthread_once_t stack_cache_once = PTHREAD_ONCE_INIT;
static bool stack_cache_ready;

static void unmap_cached_stack(void *value)
{
    struct cached_stack *cached = value;
    munmap(cached->mapping, cached->size);
    free(cached);
}

static void create_stack_cache_key(void)
{
    stack_cache_ready = pthread_key_create(&stack_cache_key, unmap_cached_stack) == 0;
}

/* Exit status of a child that failed before execve(), as shells use for "command not found". */
#define CHILD_FAILURE_EXIT_STATUS 127

/* States of child_context.handoff, the flag of the listener hand-off. */
enum handoff_state {
    HANDOFF_NONE = 0,       /* the child has not reached the filter yet */
    HANDOFF_INSTALLING = 1, /* child: I am about to install the filter (and wake the parent's futex) */
    HANDOFF_READY = 2,      /* child: listener_fd is set, and I am spinning */
    HANDOFF_RELEASED = 3,   /* parent: I have the listener, go on to execve() */
};

/*
 * How long the spinning child waits for the parent, in time stamp counter
 * ticks: 2^37, which is 46 s at 3 GHz. The parent takes the listener within
 * microseconds, so the limit is only reached if the JVM died or was stopped
 * during the hand-off. The child then exits instead of spinning forever.
 */
#define HANDOFF_TIMEOUT_TICKS (1ULL << 37)

/*
 * Parent: how long it sleeps between looks at the flag while the child is in
 * seccomp(), which takes microseconds. Sleeping, rather than spinning, lets a
 * child that runs on the parent's CPU finish; spinning with sched_yield()
 * delayed it by milliseconds on Linux 6.18.
 */
#define HANDOFF_INSTALL_POLL_NS 10000

/* Parent: the longest futex wait before it checks the error pipe again. */
#define HANDOFF_FUTEX_TIMEOUT_NS 1000000

/*
 * struct sigaction as the x86_64 kernel reads it. glibc's struct has a
 * 128-byte sa_mask, and its sigaction() rejects the two signals that glibc
 * uses internally (32 and 33, see sigaction(2)). So the child calls
 * rt_sigaction directly.
 */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

#define KERNEL_SIGSET_SIZE sizeof(uint64_t)
#define KERNEL_MAX_SIGNAL 64

/* Report of a failed step, in the pipe and in shared memory. error is the errno of the failed call. */
struct failure_report {
    int32_t step;
    int32_t detail;
    int32_t error;
};

struct rlimit_request {
    int resource;
    struct rlimit limit;
};

/*
 * Everything that child_main() reads. The parent fills it in before clone().
 * Because of CLONE_VM the child reads it in place, and the parent reads
 * failure after clone() returns.
 */
struct child_context {
    const char *executable;
    char *const *argv;
    char *const *envp;
    const char *directory;                  /* NULL keeps the parent's */
    int stdio_kinds[STDIO_COUNT];           /* REDIRECT_* for fds 0, 1 and 2 */
    int stdio_fds[STDIO_COUNT];             /* child-side fd for each slot, >= 3, or -1 */
    int error_fd;                           /* write end of the error pipe, >= 3 */
    int close_loop_limit;                   /* RLIMIT_NOFILE soft limit, for the close() fallback */
    const struct rlimit_request *rlimits;
    size_t rlimit_count;
    int umask;                              /* KEEP or 0..0777 */
    int uid;                                /* KEEP or the uid to switch to */
    int gid;                                /* KEEP or the gid to switch to */
    const gid_t *groups;                    /* NULL keeps the supplementary groups */
    size_t group_count;
    const struct sock_fprog *program;       /* NULL installs no filter */
    unsigned long filter_flags;             /* for seccomp(); NEW_LISTENER starts the hand-off */
    volatile int listener_fd;               /* set by the child before HANDOFF_READY */
    int handoff;                            /* enum handoff_state, accessed with __atomic builtins */
    volatile struct failure_report failure; /* step stays STEP_NONE unless the child failed */
};

/* ------------------------------------------------------------------------ */
/* Child half                                                               */
/* ------------------------------------------------------------------------ */

/* Records the failed step in shared memory and in the error pipe, then exits with status 127. */
static _Noreturn void fail(struct child_context *ctx, enum spawn_step step, int detail)
{
    const struct failure_report report = { .step = step, .detail = detail, .error = errno };

    /* A store costs no syscall, so this copy survives a filter that blocks write(). */
    ctx->failure.detail = report.detail;
    ctx->failure.error = report.error;
    ctx->failure.step = report.step;

    ssize_t written;
    do {
        written = write(ctx->error_fd, &report, sizeof report);
    } while (written < 0 && errno == EINTR);
    /* Any other write() failure is ignored, because the parent falls back to ctx->failure. */

    _exit(CHILD_FAILURE_EXIT_STATUS);
}

/* Sets every signal to SIG_DFL. Returns 0, or the signal whose rt_sigaction failed. */
static int reset_signal_dispositions(void)
{
    const struct kernel_sigaction default_action = { .handler = SIG_DFL };

    for (int signo = 1; signo <= KERNEL_MAX_SIGNAL; signo++) {
        /* The kernel rejects any change to these two with EINVAL. */
        if (signo == SIGKILL || signo == SIGSTOP)
            continue;
        if (syscall(SYS_rt_sigaction, signo, &default_action, NULL, KERNEL_SIGSET_SIZE) < 0)
            return signo;
    }
    return 0;
}

/*
 * Points fds 0, 1 and 2 at what the parent prepared. Returns the slot whose
 * dup2() failed, or -1. Every child-side fd is >= 3, so no dup2() overwrites a
 * source that a later slot still needs. dup2() clears FD_CLOEXEC on the copy.
 */
static int redirect_stdio(const struct child_context *ctx)
{
    for (int slot = 0; slot < STDIO_COUNT; slot++) {
        int kind = ctx->stdio_kinds[slot];
        if (kind == REDIRECT_INHERIT)
            continue;

        /* Only stderr can be REDIRECT_TO_STDOUT, and stdout is already in place by then. */
        int source = kind == REDIRECT_TO_STDOUT ? STDOUT_FILENO : ctx->stdio_fds[slot];
        if (dup2(source, slot) < 0)
            return slot;
    }
    return -1;
}

/* Closes every fd above 2 except the error pipe. Returns 0, or -1 with errno set. */
static int close_other_fds(const struct child_context *ctx)
{
    unsigned int keep = (unsigned int) ctx->error_fd;
    long result = 0;

    if (keep > FIRST_NON_STDIO_FD)
        result = syscall(__NR_close_range, FIRST_NON_STDIO_FD, keep - 1, 0);
    if (result == 0)
        result = syscall(__NR_close_range, keep + 1, UINT_MAX, 0);
    if (result == 0)
        return 0;
    if (errno != ENOSYS && errno != EINVAL)
        return -1;

    /*
     * Kernels before 5.9 have no close_range. NOTE: an fd at or above the
     * RLIMIT_NOFILE soft limit, which can exist if the limit was lowered after
     * it was opened, stays open.
     */
    for (int fd = FIRST_NON_STDIO_FD; fd < ctx->close_loop_limit; fd++) {
        if (fd != ctx->error_fd)
            close(fd);
    }
    return 0;
}

/* Applies the requested rlimits in order. Returns -1, or the resource whose setrlimit() failed. */
static int apply_rlimits(const struct child_context *ctx)
{
    for (size_t i = 0; i < ctx->rlimit_count; i++) {
        const struct rlimit_request *request = &ctx->rlimits[i];
        if (setrlimit(request->resource, &request->limit) < 0)
            return request->resource;
    }
    return -1;
}

/*
 * Wakes the parent, which sleeps on ctx->handoff until the child is about to
 * install the filter, the last moment at which the child may make a syscall
 * that the filter cannot hold. A failed wake only delays the parent by up to
 * HANDOFF_FUTEX_TIMEOUT_NS.
 */
static void announce_filter_install(struct child_context *ctx)
{
    __atomic_store_n(&ctx->handoff, HANDOFF_INSTALLING, __ATOMIC_RELEASE);
    syscall(SYS_futex, &ctx->handoff, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/*
 * Waits, without any syscall, until the parent has taken the listener. Any
 * syscall here could be one that the new filter reports, and it would block
 * for good, because no one reads the listener yet. If the parent does not
 * respond within HANDOFF_TIMEOUT_TICKS, the child records the failure in shared
 * memory only, because write() could block for the same reason, and exits.
 */
static void await_listener_handoff(struct child_context *ctx, int listener_fd)
{
    ctx->listener_fd = listener_fd;
    __atomic_store_n(&ctx->handoff, HANDOFF_READY, __ATOMIC_RELEASE);

    uint64_t start = __builtin_ia32_rdtsc();
    while (__atomic_load_n(&ctx->handoff, __ATOMIC_ACQUIRE) != HANDOFF_RELEASED) {
        if (__builtin_ia32_rdtsc() - start > HANDOFF_TIMEOUT_TICKS) {
            ctx->failure.detail = 0;
            ctx->failure.error = ETIMEDOUT;
            ctx->failure.step = STEP_LISTENER_HANDOFF;
            _exit(CHILD_FAILURE_EXIT_STATUS);
        }
        __builtin_ia32_pause();
    }
}

/*
 * Child side of spawn(), started on a stack of its own by
 * clone(CLONE_VM | CLONE_VFORK | SIGCHLD), or by clone(CLONE_VM | CLONE_PIDFD |
 * SIGCHLD) when the filter gets a listener.
 *
 * Contract:
 * - It never returns. It ends in execve(), or in _exit(127) through fail().
 * - It shares the parent's memory. With CLONE_VFORK the parent thread stays
 *   suspended until execve() succeeds or the child exits. Without it the
 *   parent thread runs, but with every signal blocked, and it only polls,
 *   takes the listener and waits for the error pipe (start_reporting_child()).
 *   Apart from its own stack the child writes only ctx->failure,
 *   ctx->listener_fd, ctx->handoff and errno. errno is the parent thread's,
 *   because the child runs with the parent's thread pointer.
 * - It only makes syscalls: no malloc, no locks, no stdio, no JNI, nothing that
 *   is not async-signal-safe. It calls setgroups, setresgid and setresuid
 *   through syscall(), because glibc's wrappers signal every other thread of
 *   the process to change its credentials too (nptl(7)). Those are the JVM's
 *   threads.
 * - It starts with the signals blocked that the parent blocked around clone(),
 *   which are all but glibc's 32 and 33 (see start_child()). It unblocks them
 *   only after it has reset their handlers, which are the JVM's.
 * - The library is linked with -z now, so no PLT entry is resolved lazily here.
 */
static int child_main(void *arg)
{
    struct child_context *ctx = arg;
    const uint64_t no_signals = 0;

    /* 1. Reset every signal to its default action, then unblock all of them. */
    int failed_signal = reset_signal_dispositions();
    if (failed_signal != 0)
        fail(ctx, STEP_SIGNAL_RESET, failed_signal);

    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, NULL, KERNEL_SIGSET_SIZE) < 0)
        fail(ctx, STEP_SIGNAL_MASK, 0);

    /* 2. Leave the JVM's session, so that signals from its controlling terminal miss the child. */
    if (setsid() < 0)
        fail(ctx, STEP_SETSID, 0);

    /* 3. Point stdin, stdout and stderr at the pipes and files. */
    int failed_slot = redirect_stdio(ctx);
    if (failed_slot >= 0)
        fail(ctx, STEP_DUP2, failed_slot);

    /* 4. Close every fd of the JVM except the error pipe, which is close-on-exec. */
    if (close_other_fds(ctx) < 0)
        fail(ctx, STEP_CLOSE_FDS, 0);

    /* 5. Apply the rlimits. */
    int failed_resource = apply_rlimits(ctx);
    if (failed_resource >= 0)
        fail(ctx, STEP_SETRLIMIT, failed_resource);

    /* 6. Set the umask. umask() always succeeds (umask(2)). */
    if (ctx->umask != KEEP)
        umask((mode_t) ctx->umask);

    /* 7. Set credentials. The uid comes last, because without root the child cannot change the rest. */
    if (ctx->groups != NULL && syscall(SYS_setgroups, ctx->group_count, ctx->groups) < 0)
        fail(ctx, STEP_SETGROUPS, (int) ctx->group_count);

    if (ctx->gid != KEEP && syscall(SYS_setresgid, ctx->gid, ctx->gid, ctx->gid) < 0)
        fail(ctx, STEP_SETGID, ctx->gid);

    if (ctx->uid != KEEP && syscall(SYS_setresuid, ctx->uid, ctx->uid, ctx->uid) < 0)
        fail(ctx, STEP_SETUID, ctx->uid);

    /* 8. Change the working directory. */
    if (ctx->directory != NULL && chdir(ctx->directory) < 0)
        fail(ctx, STEP_CHDIR, 0);

    /* 9. Install the filter. An unprivileged process may only do so with no_new_privs set. */
    if (ctx->filter_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
        announce_filter_install(ctx);

    if (ctx->program != NULL && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        fail(ctx, STEP_NO_NEW_PRIVS, 0);

    /* With SECCOMP_FILTER_FLAG_NEW_LISTENER, seccomp() returns the listener fd instead of 0. */
    long listener_fd = -1;
    if (ctx->program != NULL) {
        listener_fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, ctx->filter_flags, ctx->program);
        if (listener_fd < 0)
            fail(ctx, STEP_SECCOMP, ctx->program->len);
    }

    /* 10. With a listener, wait until the parent has it. From here on a denied syscall blocks until the supervisor responds. */
    if (ctx->filter_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER)
        await_listener_handoff(ctx, (int) listener_fd);

    /*
     * 11. Run the program. NOTE: if the filter kills the process at execve(),
     * nothing is reported and spawn() returns success. The caller finds the
     * death by SIGSYS in the wait status.
     */
    execve(ctx->executable, ctx->argv, ctx->envp);
    fail(ctx, STEP_EXECVE, 0);
}

/* ------------------------------------------------------------------------ */
/* Parent half                                                              */
/* ------------------------------------------------------------------------ */

/* Memory and fds that one spawn() call owns. release_spawn_state() frees whatever is set. */
struct spawn_state {
    struct child_context ctx;
    char *executable;
    char *argv_strings;
    char **argv;
    char *envp_strings;
    char **envp;
    char *directory;
    char *redirect_paths[STDIO_COUNT];
    struct sock_filter *instructions;
    struct sock_fprog program;
    struct rlimit_request *rlimits;
    gid_t *groups;
    int parent_fds[STDIO_COUNT]; /* our end of each stdio pipe, or -1 */
    int child_fds[STDIO_COUNT];  /* the child's end of each pipe or its redirect file, or -1 */
    int error_read_fd;
    int error_write_fd;
    void *stack;
    size_t stack_mapping_size;
    int pidfd;                   /* from CLONE_PIDFD on the reporting path, or -1 */
};

/* The listener hand-off of NativeSpawn.spawnWithListener(): the epoll set, job id and filter flags. */
struct listener_request {
    int epoll_fd;                /* the supervisor's epoll instance */
    int job_id;                  /* stored with the listener in its epoll event */
    unsigned long filter_flags;  /* SECCOMP_FILTER_FLAG_NEW_LISTENER, maybe with WAIT_KILLABLE_RECV */
};

static void init_spawn_state(struct spawn_state *state)
{
    memset(state, 0, sizeof *state);
    for (int slot = 0; slot < STDIO_COUNT; slot++) {
        state->parent_fds[slot] = -1;
        state->child_fds[slot] = -1;
    }
    state->error_read_fd = -1;
    state->error_write_fd = -1;
    state->pidfd = -1;
}

static void close_if_open(int *fd)
{
    if (*fd >= 0) {
        close(*fd);
        *fd = -1;
    }
}

/* Closes the fds that only the child needs. The parent calls it once clone() has returned. */
static void close_child_fds(struct spawn_state *state)
{
    for (int slot = 0; slot < STDIO_COUNT; slot++)
        close_if_open(&state->child_fds[slot]);
    close_if_open(&state->error_write_fd);
}

/* Keeps a child stack for this thread's next spawn; returns false if it cannot be kept. */
static bool keep_child_stack(void *mapping, size_t size)
{
    if (!stack_cache_ready || pthread_getspecific(stack_cache_key) != NULL)
        return false;
    struct cached_stack *cached = malloc(sizeof *cached);
    if (cached == NULL)
        return false;
    cached->mapping = mapping;
    cached->size = size;
    if (pthread_setspecific(stack_cache_key, cached) != 0) {
        free(cached);
        return false;
    }
    return true;
}

static void release_spawn_state(struct spawn_state *state)
{
    close_child_fds(state);
    for (int slot = 0; slot < STDIO_COUNT; slot++) {
        close_if_open(&state->parent_fds[slot]);
        free(state->redirect_paths[slot]);
    }
    close_if_open(&state->error_read_fd);
    close_if_open(&state->pidfd);
    if (state->stack != NULL && !keep_child_stack(state->stack, state->stack_mapping_size))
        munmap(state->stack, state->stack_mapping_size);
    free(state->executable);
    free(state->argv_strings);
    free(state->argv);
    free(state->envp_strings);
    free(state->envp);
    free(state->directory);
    free(state->instructions);
    free(state->rlimits);
    free(state->groups);
}

static void throw_new(JNIEnv *env, const char *class_name, const char *message)
{
    jclass exception_class = (*env)->FindClass(env, class_name);
    if (exception_class != NULL)
        (*env)->ThrowNew(env, exception_class, message);
}

static void throw_illegal_argument(JNIEnv *env, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

static void throw_illegal_argument(JNIEnv *env, const char *format, ...)
{
    char message[256];
    va_list arguments;
    va_start(arguments, format);
    vsnprintf(message, sizeof message, format, arguments);
    va_end(arguments);
    throw_new(env, "java/lang/IllegalArgumentException", message);
}

/* Allocates with malloc(), or throws OutOfMemoryError and returns NULL. */
static void *allocate(JNIEnv *env, size_t size, const char *purpose)
{
    void *memory = malloc(size == 0 ? 1 : size);
    if (memory == NULL) {
        char message[128];
        snprintf(message, sizeof message, "malloc(%zu) failed for %s", size, purpose);
        throw_new(env, "java/lang/OutOfMemoryError", message);
    }
    return memory;
}

/*
 * Copies a NUL-terminated byte[] into C memory. A null array gives *copy ==
 * NULL. Throws IllegalArgumentException if the bytes do not end in their only
 * NUL, because an earlier NUL would silently cut the string short.
 */
static bool copy_c_string(JNIEnv *env, jbyteArray array, const char *name, char **copy)
{
    *copy = NULL;
    if (array == NULL)
        return true;

    jsize length = (*env)->GetArrayLength(env, array);
    char *bytes = allocate(env, (size_t) length, name);
    if (bytes == NULL)
        return false;
    (*env)->GetByteArrayRegion(env, array, 0, length, (jbyte *) bytes);

    if (length == 0 || memchr(bytes, '\0', (size_t) length) != bytes + length - 1) {
        free(bytes);
        throw_illegal_argument(env, "%s must end with its only NUL byte", name);
        return false;
    }
    *copy = bytes;
    return true;
}

/*
 * Copies count NUL-terminated strings, stored back to back in a byte[], and
 * builds the NULL-terminated vector that execve() takes.
 */
static bool copy_string_block(JNIEnv *env, jbyteArray block, jint count, const char *name,
        char **strings, char ***vector)
{
    if (block == NULL) {
        throw_illegal_argument(env, "%s is null", name);
        return false;
    }
    if (count < 0) {
        throw_illegal_argument(env, "%s count is negative: %d", name, (int) count);
        return false;
    }

    jsize length = (*env)->GetArrayLength(env, block);
    *strings = allocate(env, (size_t) length, name);
    if (*strings == NULL)
        return false;
    (*env)->GetByteArrayRegion(env, block, 0, length, (jbyte *) *strings);

    jint found = 0;
    for (jsize i = 0; i < length; i++) {
        if ((*strings)[i] == '\0')
            found++;
    }
    if (found != count || (length > 0 && (*strings)[length - 1] != '\0')) {
        throw_illegal_argument(env, "%s must contain %d NUL-terminated strings, found %d%s", name,
                (int) count, (int) found,
                length > 0 && (*strings)[length - 1] != '\0' ? " and unterminated bytes" : "");
        return false;
    }

    *vector = allocate(env, ((size_t) count + 1) * sizeof (char *), name);
    if (*vector == NULL)
        return false;
    char *next = *strings;
    for (jint i = 0; i < count; i++) {
        (*vector)[i] = next;
        next += strlen(next) + 1;
    }
    (*vector)[count] = NULL;
    return true;
}

static bool is_file_redirect(int kind)
{
    return kind == REDIRECT_READ_FILE || kind == REDIRECT_WRITE_FILE || kind == REDIRECT_APPEND_FILE;
}

/* Returns whether kind is allowed for slot. As in ProcessBuilder, stdin only reads, and stdout and stderr only write. */
static bool is_valid_redirect(int slot, int kind)
{
    switch (kind) {
    case REDIRECT_PIPE:
    case REDIRECT_INHERIT:
        return true;
    case REDIRECT_READ_FILE:
        return slot == STDIN_FILENO;
    case REDIRECT_WRITE_FILE:
    case REDIRECT_APPEND_FILE:
        return slot != STDIN_FILENO;
    case REDIRECT_TO_STDOUT:
        return slot == STDERR_FILENO;
    default:
        return false;
    }
}

static bool read_redirects(JNIEnv *env, struct spawn_state *state, jintArray kinds, jobjectArray paths)
{
    if (kinds == NULL || (*env)->GetArrayLength(env, kinds) != STDIO_COUNT) {
        throw_illegal_argument(env, "redirectKinds must have %d elements", STDIO_COUNT);
        return false;
    }
    if (paths == NULL || (*env)->GetArrayLength(env, paths) != STDIO_COUNT) {
        throw_illegal_argument(env, "redirectPaths must have %d elements", STDIO_COUNT);
        return false;
    }

    jint kind_values[STDIO_COUNT];
    (*env)->GetIntArrayRegion(env, kinds, 0, STDIO_COUNT, kind_values);
    for (int slot = 0; slot < STDIO_COUNT; slot++) {
        int kind = kind_values[slot];
        if (!is_valid_redirect(slot, kind)) {
            throw_illegal_argument(env, "redirect kind %d is invalid for fd %d", kind, slot);
            return false;
        }
        state->ctx.stdio_kinds[slot] = kind;
        if (!is_file_redirect(kind))
            continue;

        jbyteArray path = (*env)->GetObjectArrayElement(env, paths, slot);
        if (path == NULL) {
            throw_illegal_argument(env, "redirect kind %d of fd %d needs a path", kind, slot);
            return false;
        }
        bool copied = copy_c_string(env, path, "redirect path", &state->redirect_paths[slot]);
        (*env)->DeleteLocalRef(env, path);
        if (!copied)
            return false;
    }
    return true;
}

/*
 * Copies the filter program. Its bytes are struct sock_filter entries in
 * native byte order. An empty program is passed on, and the kernel rejects it
 * with EINVAL in the child.
 */
static bool read_program(JNIEnv *env, struct spawn_state *state, jbyteArray program)
{
    if (program == NULL)
        return true;

    jsize length = (*env)->GetArrayLength(env, program);
    if (length % (jsize) sizeof (struct sock_filter) != 0) {
        throw_illegal_argument(env, "program length %d is not a multiple of %zu, the size of struct sock_filter",
                (int) length, sizeof (struct sock_filter));
        return false;
    }
    jsize instruction_count = length / (jsize) sizeof (struct sock_filter);
    /* The limit also keeps the count within the unsigned short of sock_fprog.len. */
    if (instruction_count > BPF_MAXINSNS) {
        throw_illegal_argument(env, "program too large: %d instructions > %d (BPF_MAXINSNS)",
                (int) instruction_count, BPF_MAXINSNS);
        return false;
    }

    state->instructions = allocate(env, (size_t) length, "program");
    if (state->instructions == NULL)
        return false;
    (*env)->GetByteArrayRegion(env, program, 0, length, (jbyte *) state->instructions);
    state->program.len = (unsigned short) instruction_count;
    state->program.filter = state->instructions;
    state->ctx.program = &state->program;
    return true;
}

/* Converts a limit from Java, where -1 is RLIM_INFINITY as a signed 64-bit value. */
static bool to_rlim(jlong value, rlim_t *limit)
{
    if (value < -1)
        return false;
    *limit = value == -1 ? RLIM_INFINITY : (rlim_t) value;
    return true;
}

static bool read_rlimits(JNIEnv *env, struct spawn_state *state, jlongArray rlimits)
{
    if (rlimits == NULL) {
        throw_illegal_argument(env, "rlimits is null; pass an empty array for none");
        return false;
    }
    jsize length = (*env)->GetArrayLength(env, rlimits);
    if (length % 3 != 0) {
        throw_illegal_argument(env, "rlimits length %d is not a multiple of 3 (resource, soft, hard)",
                (int) length);
        return false;
    }

    size_t count = (size_t) length / 3;
    jlong *values = allocate(env, (size_t) length * sizeof (jlong), "rlimits");
    if (values == NULL)
        return false;
    (*env)->GetLongArrayRegion(env, rlimits, 0, length, values);

    state->rlimits = allocate(env, count * sizeof (struct rlimit_request), "rlimits");
    if (state->rlimits == NULL) {
        free(values);
        return false;
    }
    for (size_t i = 0; i < count; i++) {
        jlong resource = values[3 * i];
        struct rlimit_request *request = &state->rlimits[i];
        if (resource < 0 || resource >= RLIM_NLIMITS) {
            throw_illegal_argument(env, "rlimit resource %lld is not in [0, %d)", (long long) resource,
                    (int) RLIM_NLIMITS);
            free(values);
            return false;
        }
        request->resource = (int) resource;
        if (!to_rlim(values[3 * i + 1], &request->limit.rlim_cur)
                || !to_rlim(values[3 * i + 2], &request->limit.rlim_max)
                || request->limit.rlim_cur > request->limit.rlim_max) {
            throw_illegal_argument(env, "rlimit of resource %d is invalid: soft %lld, hard %lld"
                    " (each >= 0 or -1 for unlimited, soft <= hard)", request->resource,
                    (long long) values[3 * i + 1], (long long) values[3 * i + 2]);
            free(values);
            return false;
        }
    }
    free(values);
    state->ctx.rlimits = state->rlimits;
    state->ctx.rlimit_count = count;
    return true;
}

static bool read_credentials(JNIEnv *env, struct spawn_state *state, jint umask_value, jint uid,
        jint gid, jintArray groups)
{
    if (umask_value != KEEP && (umask_value < 0 || umask_value > 0777)) {
        throw_illegal_argument(env, "umask %#o is not KEEP (-1) or in [0, 0777]", (unsigned int) umask_value);
        return false;
    }
    if (uid < KEEP || gid < KEEP) {
        throw_illegal_argument(env, "uid %d or gid %d is negative but not KEEP (-1)", (int) uid, (int) gid);
        return false;
    }
    state->ctx.umask = umask_value;
    state->ctx.uid = uid;
    state->ctx.gid = gid;

    if (groups == NULL)
        return true;
    jsize count = (*env)->GetArrayLength(env, groups);
    jint *values = allocate(env, (size_t) count * sizeof (jint), "groups");
    if (values == NULL)
        return false;
    (*env)->GetIntArrayRegion(env, groups, 0, count, values);

    state->groups = allocate(env, (size_t) count * sizeof (gid_t), "groups");
    if (state->groups == NULL) {
        free(values);
        return false;
    }
    for (jsize i = 0; i < count; i++) {
        if (values[i] < 0) {
            throw_illegal_argument(env, "group %d is negative", (int) values[i]);
            free(values);
            return false;
        }
        state->groups[i] = (gid_t) values[i];
    }
    free(values);
    state->ctx.groups = state->groups;
    state->ctx.group_count = (size_t) count;
    return true;
}

/* Sets *failure from errno and returns false, so callers can write "return report_failure(...)". */
static bool report_failure(struct failure_report *failure, enum spawn_step step, int detail)
{
    failure->step = step;
    failure->detail = detail;
    failure->error = errno;
    return false;
}

/*
 * Moves *fd to a number >= 3 if it is 0, 1 or 2, which happens when the JVM
 * runs with a standard fd closed. The child can then dup2() onto 0, 1 and 2
 * without overwriting an fd it still needs.
 */
static bool move_above_stdio(int *fd)
{
    if (*fd >= FIRST_NON_STDIO_FD)
        return true;

    int moved = fcntl(*fd, F_DUPFD_CLOEXEC, FIRST_NON_STDIO_FD);
    int saved_errno = errno;
    close(*fd);
    *fd = moved;
    errno = saved_errno;
    return moved >= 0;
}

static int open_flags(int kind)
{
    switch (kind) {
    case REDIRECT_READ_FILE:
        return O_RDONLY | O_CLOEXEC;
    case REDIRECT_WRITE_FILE:
        return O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC;
    default:
        return O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC;
    }
}

/*
 * Creates the error pipe and the stdio pipes, and opens the redirect files,
 * all close-on-exec so that no other child of the JVM keeps a copy. Relative
 * redirect paths resolve against the JVM's working directory, as in
 * ProcessBuilder. A failure to move an fd above 2 (EMFILE) is reported as the
 * step that created the fd.
 */
static bool open_child_fds(struct spawn_state *state, struct failure_report *failure)
{
    int error_pipe[2];
    if (pipe2(error_pipe, O_CLOEXEC) < 0)
        return report_failure(failure, STEP_PIPE, -1);
    state->error_read_fd = error_pipe[0];
    state->error_write_fd = error_pipe[1];
    if (!move_above_stdio(&state->error_write_fd))
        return report_failure(failure, STEP_PIPE, -1);

    for (int slot = 0; slot < STDIO_COUNT; slot++) {
        int kind = state->ctx.stdio_kinds[slot];

        if (kind == REDIRECT_PIPE) {
            int ends[2];
            if (pipe2(ends, O_CLOEXEC) < 0)
                return report_failure(failure, STEP_PIPE, slot);
            /* The child reads stdin from the read end and writes stdout and stderr to the write end. */
            bool child_reads = slot == STDIN_FILENO;
            state->child_fds[slot] = child_reads ? ends[0] : ends[1];
            state->parent_fds[slot] = child_reads ? ends[1] : ends[0];
            if (!move_above_stdio(&state->child_fds[slot]))
                return report_failure(failure, STEP_PIPE, slot);
        } else if (is_file_redirect(kind)) {
            int fd;
            do {
                fd = open(state->redirect_paths[slot], open_flags(kind), 0666);
            } while (fd < 0 && errno == EINTR);
            if (fd < 0)
                return report_failure(failure, STEP_OPEN_REDIRECT, slot);
            state->child_fds[slot] = fd;
            if (!move_above_stdio(&state->child_fds[slot]))
                return report_failure(failure, STEP_OPEN_REDIRECT, slot);
        }
    }

    state->ctx.error_fd = state->error_write_fd;
    for (int slot = 0; slot < STDIO_COUNT; slot++)
        state->ctx.stdio_fds[slot] = state->child_fds[slot];
    return true;
}

/* Maps the child's stack with a guard page below it. */
static bool map_child_stack(struct spawn_state *state, struct failure_report *failure)
{
    pthread_once(&stack_cache_once, create_stack_cache_key);
    struct cached_stack *cached = stack_cache_ready ? pthread_getspecific(stack_cache_key) : NULL;
    if (cached != NULL) {
        state->stack = cached->mapping;
        state->stack_mapping_size = cached->size;
        pthread_setspecific(stack_cache_key, NULL);
        free(cached);
        return true;
    }
    size_t guard_size = (size_t) sysconf(_SC_PAGESIZE);
    size_t mapping_size = guard_size + CHILD_STACK_SIZE;
    void *mapping = mmap(NULL, mapping_size, PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (mapping == MAP_FAILED)
        return report_failure(failure, STEP_STACK, 0);
    state->stack = mapping;
    state->stack_mapping_size = mapping_size;

    /* A stack overflow in the child hits this page instead of the parent's memory next to the stack. */
    if (mprotect(mapping, guard_size, PROT_NONE) < 0)
        return report_failure(failure, STEP_STACK, 0);
    return true;
}

/* Returns the bound of the child's close() fallback loop: the RLIMIT_NOFILE soft limit. */
static int close_loop_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) < 0 || limit.rlim_cur == RLIM_INFINITY || limit.rlim_cur > INT_MAX)
        return INT_MAX;
    return (int) limit.rlim_cur;
}

/* Runs child_main() in a clone and returns its pid once it has called execve() or exited, or -1. */
static pid_t start_child(struct spawn_state *state, struct failure_report *failure)
{
    state->ctx.close_loop_limit = close_loop_limit();
    char *stack_top = (char *) state->stack + state->stack_mapping_size;

    /*
     * The child starts with the JVM's signal handlers, and they must not run in
     * it. sigprocmask() changes only this thread's mask. pthread_sigmask()
     * would do the same, but a build against glibc 2.32 or later binds it to
     * the GLIBC_2.32 symbol version. glibc's sigprocmask() leaves signals 32
     * and 33 unblocked. glibc sends those to threads with tgkill(2) (nptl(7)),
     * and no thread list contains the child's TID.
     */
    sigset_t all_signals;
    sigset_t previous_mask;
    sigfillset(&all_signals);
    sigprocmask(SIG_SETMASK, &all_signals, &previous_mask);

    pid_t pid = clone(child_main, stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, &state->ctx);
    int clone_errno = errno;

    sigprocmask(SIG_SETMASK, &previous_mask, NULL);

    if (pid < 0) {
        errno = clone_errno;
        report_failure(failure, STEP_CLONE, 0);
    }
    return pid;
}

/*
 * Reads the child's report after clone() returned. EOF on the pipe means that
 * execve() succeeded, unless the child stored a report in shared memory and
 * could not write it.
 */
static void read_child_report(struct spawn_state *state, struct failure_report *failure)
{
    struct failure_report piped;
    ssize_t count;
    do {
        count = read(state->error_read_fd, &piped, sizeof piped);
    } while (count < 0 && errno == EINTR);

    /* Writes of less than PIPE_BUF bytes are atomic (pipe(7)), so a report arrives whole or not at all. */
    if (count == (ssize_t) sizeof piped) {
        *failure = piped;
    } else if (state->ctx.failure.step != STEP_NONE) {
        failure->step = state->ctx.failure.step;
        failure->detail = state->ctx.failure.detail;
        failure->error = state->ctx.failure.error;
    }
}

/* The epoll data of a listener: the job id in the high half, the fd in the low half. */
static uint64_t listener_key(int job_id, int listener_fd)
{
    return ((uint64_t) (uint32_t) job_id << 32) | (uint32_t) listener_fd;
}

/*
 * Makes a syscall without touching errno and returns -errno on failure. The
 * parent uses it while the child runs, because the child reads errno after
 * each failed step, and errno belongs to this thread, which it shares.
 */
static long raw_syscall(long number, long arg1, long arg2, long arg3, long arg4)
{
    long result;
    register long r10 __asm__("r10") = arg4;
    __asm__ volatile ("syscall"
            : "=a" (result)
            : "a" (number), "D" (arg1), "S" (arg2), "d" (arg3), "r" (r10)
            : "rcx", "r11", "memory");
    return result;
}

/*
 * Waits until the child has installed the filter and set HANDOFF_READY, and
 * returns true then. Returns false if the child failed or died first, which
 * the error pipe shows. The parent sleeps on a futex until the child announces
 * the install, because the child's steps before it can block (chdir() on a
 * slow file system), and then sleeps in short steps until the flag says READY.
 */
static bool await_child_ready(struct spawn_state *state)
{
    struct pollfd error_pipe = { .fd = state->error_read_fd, .events = POLLIN };
    const struct timespec futex_timeout = { .tv_nsec = HANDOFF_FUTEX_TIMEOUT_NS };
    const struct timespec install_poll = { .tv_nsec = HANDOFF_INSTALL_POLL_NS };
    int handoff;

    while ((handoff = __atomic_load_n(&state->ctx.handoff, __ATOMIC_ACQUIRE)) != HANDOFF_READY) {
        if (handoff == HANDOFF_NONE)
            raw_syscall(SYS_futex, (long) &state->ctx.handoff, FUTEX_WAIT_PRIVATE, HANDOFF_NONE, (long) &futex_timeout);
        else
            raw_syscall(SYS_nanosleep, (long) &install_poll, 0, 0, 0);

        if (raw_syscall(SYS_poll, (long) &error_pipe, 1, 0, 0) > 0)
            return false;
    }
    return true;
}

/*
 * Copies the child's listener into this process and adds it to the
 * supervisor's epoll set. From then on the supervisor owns the fd: it closes
 * it when the listener reports EPOLLHUP, after the job's last process is gone.
 */
static bool take_listener(struct spawn_state *state, const struct listener_request *request,
        struct failure_report *failure)
{
    /* pidfd_getfd() sets FD_CLOEXEC on the copy (pidfd_getfd(2)). */
    int listener = (int) syscall(__NR_pidfd_getfd, state->pidfd, state->ctx.listener_fd, 0);
    if (listener < 0)
        return report_failure(failure, STEP_PIDFD_GETFD, state->ctx.listener_fd);

    /* Older kernels reject the flag with EINVAL, and then the wake-ups just cost more. */
    ioctl(listener, SECCOMP_IOCTL_NOTIF_SET_FLAGS, SECCOMP_USER_NOTIF_FD_SYNC_WAKE_UP);

    struct epoll_event event = { .events = EPOLLIN, .data.u64 = listener_key(request->job_id, listener) };
    if (epoll_ctl(request->epoll_fd, EPOLL_CTL_ADD, listener, &event) < 0) {
        report_failure(failure, STEP_EPOLL_CTL, request->epoll_fd);
        close(listener);
        return false;
    }
    return true;
}

/*
 * Runs child_main() in a clone whose filter gets a listener, hands the
 * listener to the supervisor and returns the child's pid once it has called
 * execve() or exited, or -1. *failure is set if any step failed; a child that
 * is still spinning then is killed, because it must not run the job.
 *
 * Without CLONE_VFORK this thread runs next to the child, so it keeps every
 * signal blocked until the child has exec'd or died: no handler of the JVM
 * runs, and no EINTR overwrites the errno that the child shares with it.
 */
static pid_t start_reporting_child(struct spawn_state *state, const struct listener_request *request,
        struct failure_report *failure)
{
    state->ctx.close_loop_limit = close_loop_limit();
    state->ctx.filter_flags = request->filter_flags;
    char *stack_top = (char *) state->stack + state->stack_mapping_size;

    sigset_t all_signals;
    sigset_t previous_mask;
    sigfillset(&all_signals);
    sigprocmask(SIG_SETMASK, &all_signals, &previous_mask);

    pid_t pid = clone(child_main, stack_top, CLONE_VM | CLONE_PIDFD | SIGCHLD, &state->ctx, &state->pidfd);
    if (pid < 0) {
        report_failure(failure, STEP_CLONE, 0);
        sigprocmask(SIG_SETMASK, &previous_mask, NULL);
        return -1;
    }

    /* The child has its own copy of the fd table. Closing ours lets the error pipe reach EOF when the child execs or dies. */
    close_child_fds(state);

    if (await_child_ready(state) && take_listener(state, request, failure))
        __atomic_store_n(&state->ctx.handoff, HANDOFF_RELEASED, __ATOMIC_RELEASE);
    else if (failure->step != STEP_NONE)
        syscall(__NR_pidfd_send_signal, state->pidfd, SIGKILL, NULL, 0);

    /* The stack may only be unmapped after this returns: EOF or a report means the child left it. */
    read_child_report(state, failure);
    sigprocmask(SIG_SETMASK, &previous_mask, NULL);
    return pid;
}

static int wait_for_pid(pid_t pid, int *status)
{
    pid_t result;
    do {
        result = waitpid(pid, status, 0);
    } while (result < 0 && errno == EINTR);
    return result < 0 ? -errno : 0;
}

/*
 * Implements NativeSpawn.spawn() and, with a non-NULL request,
 * NativeSpawn.spawnWithListener(). On success the result contains the pid and
 * the parent's ends of the stdio pipes, which the caller must close. On
 * failure it contains the step, errno and detail. Then any child has been
 * reaped, every fd is closed, and the pid slot is the reaped pid or -1. A
 * listener that reached the epoll set stays there even then, and the
 * supervisor closes it on EPOLLHUP.
 */
static jintArray spawn_job(JNIEnv *env,
        jbyteArray executable, jbyteArray argv, jint argc, jbyteArray envp, jint envc,
        jbyteArray directory, jintArray redirectKinds, jobjectArray redirectPaths, jbyteArray program,
        jlongArray rlimits, jint umask_value, jint uid, jint gid, jintArray groups,
        const struct listener_request *request)
{
    /* The result is allocated first, because once the child runs nothing may stop its pid from reaching the caller. */
    jintArray result = (*env)->NewIntArray(env, org_seccomp4j_NativeSpawn_RESULT_LENGTH);
    if (result == NULL)
        return NULL;

    struct spawn_state state;
    init_spawn_state(&state);

    if (executable == NULL) {
        throw_illegal_argument(env, "executable is null");
        return NULL;
    }
    if (argc < 1) {
        throw_illegal_argument(env, "argc is %d, but argv must contain at least the program name", (int) argc);
        return NULL;
    }
    if (request != NULL && program == NULL) {
        throw_illegal_argument(env, "a listener needs a program");
        return NULL;
    }
    bool valid = copy_c_string(env, executable, "executable", &state.executable)
            && copy_string_block(env, argv, argc, "argv", &state.argv_strings, &state.argv)
            && copy_string_block(env, envp, envc, "envp", &state.envp_strings, &state.envp)
            && copy_c_string(env, directory, "directory", &state.directory)
            && read_redirects(env, &state, redirectKinds, redirectPaths)
            && read_program(env, &state, program)
            && read_rlimits(env, &state, rlimits)
            && read_credentials(env, &state, umask_value, uid, gid, groups);
    if (!valid) {
        release_spawn_state(&state);
        return NULL;
    }
    state.ctx.executable = state.executable;
    state.ctx.argv = state.argv;
    state.ctx.envp = state.envp;
    state.ctx.directory = state.directory;

    struct failure_report failure = { .step = STEP_NONE };
    pid_t pid = -1;
    if (open_child_fds(&state, &failure) && map_child_stack(&state, &failure)) {
        if (request == NULL) {
            pid = start_child(&state, &failure);
            /* With CLONE_VFORK the child has called execve() or exited by now. */
            close_child_fds(&state);
            if (pid > 0)
                read_child_report(&state, &failure);
        } else {
            pid = start_reporting_child(&state, request, &failure);
        }
    }

    /* The child has called execve() or exited, so its stack can be unmapped once a failed child is reaped. */
    if (pid > 0 && failure.step != STEP_NONE) {
        int status;
        wait_for_pid(pid, &status);
    }

    jint slots[org_seccomp4j_NativeSpawn_RESULT_LENGTH];
    slots[org_seccomp4j_NativeSpawn_RESULT_STEP] = failure.step;
    slots[org_seccomp4j_NativeSpawn_RESULT_PID] = pid;
    slots[org_seccomp4j_NativeSpawn_RESULT_ERRNO] = failure.error;
    slots[org_seccomp4j_NativeSpawn_RESULT_DETAIL] = failure.detail;
    for (int slot = 0; slot < STDIO_COUNT; slot++) {
        if (failure.step == STEP_NONE) {
            slots[org_seccomp4j_NativeSpawn_RESULT_STDIN_FD + slot] = state.parent_fds[slot];
            state.parent_fds[slot] = -1;
        } else {
            slots[org_seccomp4j_NativeSpawn_RESULT_STDIN_FD + slot] = -1;
        }
    }
    release_spawn_state(&state);

    (*env)->SetIntArrayRegion(env, result, 0, org_seccomp4j_NativeSpawn_RESULT_LENGTH, slots);
    return result;
}

JNIEXPORT jintArray JNICALL Java_org_seccomp4j_NativeSpawn_spawn(JNIEnv *env, jclass clazz,
        jbyteArray executable, jbyteArray argv, jint argc, jbyteArray envp, jint envc,
        jbyteArray directory, jintArray redirectKinds, jobjectArray redirectPaths, jbyteArray program,
        jlongArray rlimits, jint umask_value, jint uid, jint gid, jintArray groups)
{
    (void) clazz;
    return spawn_job(env, executable, argv, argc, envp, envc, directory, redirectKinds, redirectPaths,
            program, rlimits, umask_value, uid, gid, groups, NULL);
}

JNIEXPORT jintArray JNICALL Java_org_seccomp4j_NativeSpawn_spawnWithListener(JNIEnv *env, jclass clazz,
        jbyteArray executable, jbyteArray argv, jint argc, jbyteArray envp, jint envc,
        jbyteArray directory, jintArray redirectKinds, jobjectArray redirectPaths, jbyteArray program,
        jlongArray rlimits, jint umask_value, jint uid, jint gid, jintArray groups,
        jint epollFd, jint jobId, jboolean waitKillable)
{
    (void) clazz;
    if (epollFd < 0) {
        throw_illegal_argument(env, "epoll fd %d is negative", (int) epollFd);
        return NULL;
    }
    const struct listener_request request = {
        .epoll_fd = epollFd,
        .job_id = jobId,
        .filter_flags = SECCOMP_FILTER_FLAG_NEW_LISTENER
                | (waitKillable ? SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV : 0),
    };
    return spawn_job(env, executable, argv, argc, envp, envc, directory, redirectKinds, redirectPaths,
            program, rlimits, umask_value, uid, gid, groups, &request);
}

JNIEXPORT void JNICALL Java_org_seccomp4j_NativeSpawn_awaitExit(JNIEnv *env, jclass clazz, jint pid)
{
    (void) clazz;
    if (pid <= 0) {
        throw_illegal_argument(env, "pid %d is not a child's pid", (int) pid);
        return;
    }

    /* Errors other than EINTR, such as ECHILD, are left for reap() to return. */
    siginfo_t info;
    while (waitid(P_PID, (id_t) pid, &info, WEXITED | WNOWAIT) < 0 && errno == EINTR) {
    }
}

JNIEXPORT jint JNICALL Java_org_seccomp4j_NativeSpawn_reap(JNIEnv *env, jclass clazz, jint pid)
{
    (void) clazz;
    /* waitpid() with pid <= 0 would reap any child, including those of java.lang.Process. */
    if (pid <= 0) {
        throw_illegal_argument(env, "pid %d is not a child's pid", (int) pid);
        return 0;
    }

    int status = 0;
    int result = wait_for_pid(pid, &status);
    return result < 0 ? result : status;
}

/*
 * Implements NativeSpawn.newFileDescriptor(). JNI ignores access checks, so
 * setting the private field "fd" works on JDK 17 through 25 without
 * --add-opens. The caller must close the stream built on it, because no
 * cleaner is registered for it.
 */
JNIEXPORT jobject JNICALL Java_org_seccomp4j_NativeSpawn_newFileDescriptor(JNIEnv *env, jclass clazz, jint fd)
{
    (void) clazz;
    if (fd < 0) {
        throw_illegal_argument(env, "fd %d is negative", (int) fd);
        return NULL;
    }

    jclass descriptor_class = (*env)->FindClass(env, "java/io/FileDescriptor");
    if (descriptor_class == NULL)
        return NULL;
    jmethodID constructor = (*env)->GetMethodID(env, descriptor_class, "<init>", "()V");
    if (constructor == NULL)
        return NULL;
    jfieldID fd_field = (*env)->GetFieldID(env, descriptor_class, "fd", "I");
    if (fd_field == NULL)
        return NULL;

    jobject descriptor = (*env)->NewObject(env, descriptor_class, constructor);
    if (descriptor == NULL)
        return NULL;
    (*env)->SetIntField(env, descriptor, fd_field, fd);
    return descriptor;
}

JNIEXPORT void JNICALL Java_org_seccomp4j_NativeSpawn_close(JNIEnv *env, jclass clazz, jint fd)
{
    (void) env;
    (void) clazz;
    /* Linux releases the fd even when close() fails with EINTR, so a retry could close another thread's fd. */
    if (fd >= 0)
        close(fd);
}

/* strerror_r() returns an int (XSI) or a char * (GNU), depending on feature macros. STRERROR_TEXT picks the matching helper. */
static inline const char *xsi_strerror_text(int result, const char *buffer)
{
    return result == 0 ? buffer : "Unknown error";
}

static inline const char *gnu_strerror_text(const char *text, const char *buffer)
{
    (void) buffer;
    return text;
}

#define STRERROR_TEXT(result, buffer) \
    _Generic((result), int: xsi_strerror_text, char *: gnu_strerror_text)((result), (buffer))

JNIEXPORT jstring JNICALL Java_org_seccomp4j_NativeSpawn_strerror(JNIEnv *env, jclass clazz, jint errnum)
{
    (void) clazz;
    char buffer[256];
    const char *text = STRERROR_TEXT(strerror_r(errnum, buffer, sizeof buffer), buffer);
    return (*env)->NewStringUTF(env, text);
}

/* ------------------------------------------------------------------------ */
/* Supervisor half                                                          */
/* ------------------------------------------------------------------------ */

/* Values shared with NativeSupervisor.java. */
enum {
    MAX_BATCH = org_seccomp4j_NativeSupervisor_MAX_BATCH,
    RECORD_SLOTS = org_seccomp4j_NativeSupervisor_RECORD_SLOTS,
    RESPONSE_SLOTS = org_seccomp4j_NativeSupervisor_RESPONSE_SLOTS,
};

/* Reports which features of the supervisor the kernel lacks, without installing anything. */
JNIEXPORT jintArray JNICALL Java_org_seccomp4j_NativeSupervisor_probe(JNIEnv *env, jclass clazz)
{
    (void) clazz;
    jint slots[org_seccomp4j_NativeSupervisor_PROBE_LENGTH] = { 0 };
    uint32_t user_notif = SECCOMP_RET_USER_NOTIF;
    long pidfd;

    /* SECCOMP_GET_ACTION_AVAIL arrived in Linux 4.14 and SECCOMP_RET_USER_NOTIF in 5.0. */
    if (syscall(SYS_seccomp, SECCOMP_GET_ACTION_AVAIL, 0, &user_notif) < 0) {
        slots[org_seccomp4j_NativeSupervisor_PROBE_MISSING] = org_seccomp4j_NativeSupervisor_MISSING_USER_NOTIF;
        slots[org_seccomp4j_NativeSupervisor_PROBE_ERRNO] = errno;
    } else if (syscall(__NR_pidfd_getfd, -1, 0, 0) >= 0 || errno != EBADF) {
        /* A kernel with pidfd_getfd() rejects fd -1 with EBADF, one without it fails with ENOSYS. */
        slots[org_seccomp4j_NativeSupervisor_PROBE_MISSING] = org_seccomp4j_NativeSupervisor_MISSING_PIDFD_GETFD;
        slots[org_seccomp4j_NativeSupervisor_PROBE_ERRNO] = errno;
    } else if ((pidfd = syscall(__NR_pidfd_open, getpid(), 0)) < 0) {
        slots[org_seccomp4j_NativeSupervisor_PROBE_MISSING] = org_seccomp4j_NativeSupervisor_MISSING_PIDFD_OPEN;
        slots[org_seccomp4j_NativeSupervisor_PROBE_ERRNO] = errno;
    } else {
        close((int) pidfd);
    }

    /*
     * The kernel checks the flags before it reads the program, so with a NULL
     * program it fails with EFAULT if it supports WAIT_KILLABLE_RECV and with
     * EINVAL if not. Nothing is installed either way.
     */
    long result = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
            SECCOMP_FILTER_FLAG_NEW_LISTENER | SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV, NULL);
    slots[org_seccomp4j_NativeSupervisor_PROBE_WAIT_KILLABLE] = result < 0 && errno == EFAULT;

    jintArray array = (*env)->NewIntArray(env, org_seccomp4j_NativeSupervisor_PROBE_LENGTH);
    if (array != NULL)
        (*env)->SetIntArrayRegion(env, array, 0, org_seccomp4j_NativeSupervisor_PROBE_LENGTH, slots);
    return array;
}

JNIEXPORT jint JNICALL Java_org_seccomp4j_NativeSupervisor_createEpoll(JNIEnv *env, jclass clazz)
{
    (void) env;
    (void) clazz;
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

/*
 * Kills the process of a thread that waits for a response, with SIGKILL, so
 * that it never returns from the syscall. tgid is the process of that thread.
 * Returns false if it could not, and the caller then sends a response instead.
 */
static bool kill_caller(int listener_fd, uint64_t id, pid_t tgid)
{
    int pidfd = (int) syscall(__NR_pidfd_open, tgid, 0);
    if (pidfd < 0)
        return false;

    /*
     * A valid id means the caller still waits, so its process existed when
     * pidfd_open() ran, and the pidfd names it even if tgid is reused later
     * (seccomp_unotify(2), "Design goals").
     */
    bool killed = ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) == 0
            && syscall(__NR_pidfd_send_signal, pidfd, SIGKILL, NULL, 0) == 0;
    close(pidfd);
    return killed;
}

/* Sends one response that the Java side decided: an errno, CONTINUE, or a kill. */
static void respond_to_notification(const jlong *decision)
{
    int listener_fd = (int) decision[org_seccomp4j_NativeSupervisor_RESPONSE_LISTENER_FD];
    uint64_t id = (uint64_t) decision[org_seccomp4j_NativeSupervisor_RESPONSE_ID];
    pid_t kill_tgid = (pid_t) decision[org_seccomp4j_NativeSupervisor_RESPONSE_KILL_TGID];

    if (kill_tgid > 0 && kill_caller(listener_fd, id, kill_tgid))
        return;

    struct seccomp_notif_resp response = {
        .id = id,
        .val = 0,
        .error = (int32_t) decision[org_seccomp4j_NativeSupervisor_RESPONSE_ERROR],
        .flags = (uint32_t) decision[org_seccomp4j_NativeSupervisor_RESPONSE_FLAGS],
    };
    /* ENOENT means the caller was killed after the notification arrived, so no one waits for this response. */
    ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_SEND, &response);
}

/*
 * Turns one epoll event into a record. Returns false if there is nothing to
 * report, when the caller was killed between epoll_wait() and the receive.
 */
static bool read_event(int epoll_fd, const struct epoll_event *event, jlong *record)
{
    int listener_fd = (int) (uint32_t) event->data.u64;
    record[org_seccomp4j_NativeSupervisor_RECORD_JOB] = (jint) (event->data.u64 >> 32);
    record[org_seccomp4j_NativeSupervisor_RECORD_LISTENER_FD] = listener_fd;

    if (event->events & EPOLLIN) {
        /*
         * epoll saw a pending notification, and this thread is the only
         * reader, so the receive does not block. It fails with ENOENT if the
         * caller was killed since.
         */
        struct seccomp_notif notification;
        memset(&notification, 0, sizeof notification);
        if (ioctl(listener_fd, SECCOMP_IOCTL_NOTIF_RECV, &notification) < 0)
            return false;

        record[org_seccomp4j_NativeSupervisor_RECORD_KIND] = org_seccomp4j_NativeSupervisor_KIND_NOTIFICATION;
        record[org_seccomp4j_NativeSupervisor_RECORD_ID] = (jlong) notification.id;
        record[org_seccomp4j_NativeSupervisor_RECORD_PID] = notification.pid;
        record[org_seccomp4j_NativeSupervisor_RECORD_NR] = notification.data.nr;
        record[org_seccomp4j_NativeSupervisor_RECORD_ARCH] = (jint) notification.data.arch;
        record[org_seccomp4j_NativeSupervisor_RECORD_INSTRUCTION_POINTER] = (jlong) notification.data.instruction_pointer;
        for (int i = 0; i < 6; i++)
            record[org_seccomp4j_NativeSupervisor_RECORD_ARGS + i] = (jlong) notification.data.args[i];
        return true;
    }

    /* EPOLLHUP: every process that used the filter is gone, so no notification can come any more. */
    epoll_ctl(epoll_fd, EPOLL_CTL_DEL, listener_fd, NULL);
    close(listener_fd);
    record[org_seccomp4j_NativeSupervisor_RECORD_KIND] = org_seccomp4j_NativeSupervisor_KIND_HANGUP;
    return true;
}

/*
 * Implements NativeSupervisor.exchange(): sends the responses of the previous
 * batch, then waits for the next one. One JNI call per batch, not two per
 * notification.
 */
JNIEXPORT jint JNICALL Java_org_seccomp4j_NativeSupervisor_exchange(JNIEnv *env, jclass clazz,
        jint epollFd, jlongArray responses, jint responseCount, jlongArray records)
{
    (void) clazz;
    if (responses == NULL || records == NULL) {
        throw_illegal_argument(env, "responses and records must not be null");
        return -1;
    }
    if (responseCount < 0 || responseCount > MAX_BATCH
            || (*env)->GetArrayLength(env, responses) < responseCount * RESPONSE_SLOTS) {
        throw_illegal_argument(env, "response count %d is not in [0, %d] or exceeds the array", (int) responseCount,
                MAX_BATCH);
        return -1;
    }
    jsize capacity = (*env)->GetArrayLength(env, records) / RECORD_SLOTS;
    if (capacity < 1) {
        throw_illegal_argument(env, "records has room for no record of %d slots", RECORD_SLOTS);
        return -1;
    }
    if (capacity > MAX_BATCH)
        capacity = MAX_BATCH;

    jlong decisions[MAX_BATCH * RESPONSE_SLOTS];
    (*env)->GetLongArrayRegion(env, responses, 0, responseCount * RESPONSE_SLOTS, decisions);
    for (jint i = 0; i < responseCount; i++)
        respond_to_notification(&decisions[i * RESPONSE_SLOTS]);

    struct epoll_event events[MAX_BATCH];
    int ready = epoll_wait(epollFd, events, capacity, -1);
    if (ready < 0)
        return errno == EINTR ? 0 : -errno;

    jlong values[MAX_BATCH * RECORD_SLOTS];
    int count = 0;
    for (int i = 0; i < ready; i++) {
        if (read_event(epollFd, &events[i], &values[count * RECORD_SLOTS]))
            count++;
    }
    (*env)->SetLongArrayRegion(env, records, 0, count * RECORD_SLOTS, values);
    return count;
}
