/*
 * Tries one operation per argument and prints "NAME RESULT ERRNO" for each, then "alive".
 * The escape tests run it as a job and judge each line. A denied call prints -1 and its errno. A
 * call that the filter kills prints nothing, and the job dies of SIGSYS.
 *
 * Every attempt is harmless if the kernel does run it (a nonexistent mount target, reboot without
 * its magic numbers, and so on), so that a broken filter fails the test instead of changing the
 * machine that runs it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/perf_event.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

/* A path that exists on no test machine, so that mount, umount2 and swapon fail if they run. */
#define NO_SUCH_PATH "/nonexistent-seccomp4j-escape-target"

/* The errno the stacked filters of the stack_* attempts return for getppid. */
#define STACKED_ERRNO EACCES

static void report(const char *name, long result) {
    int saved = errno;
    printf("%s %ld %s\n", name, result, result < 0 ? strerrorname_np(saved) : "OK");
    fflush(stdout);
}

/* clone(2) with namespace flags; a child that does get created exits at once. */
static long clone_with(unsigned long flags) {
    long pid = syscall(SYS_clone, flags | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        _exit(0);
    }
    if (pid > 0) {
        waitpid((pid_t)pid, NULL, 0);
    }
    return pid;
}

/*
 * Runs ioctl(request) on a fresh pty that is made the probe's controlling terminal. The job is a
 * session leader without one, and TIOCSTI on a terminal other than the caller's controlling one
 * fails with EPERM in the kernel anyway, which would hide what the filter does.
 */
static long terminal_ioctl(unsigned long request) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        return -2;
    }
    int terminal = open(ptsname(master), O_RDWR);
    if (terminal < 0) {
        return -3;
    }
    if (ioctl(terminal, TIOCSCTTY, 0) < 0) {
        return -4;
    }
    char c = 'x';
    struct termios modes;
    void *argument = request == TCGETS ? (void *)&modes : (void *)&c;
    errno = 0;
    long result = syscall(SYS_ioctl, terminal, request, argument);
    int saved = errno;
    /* Closing the master hangs up the terminal, which sends SIGHUP to its session leader: the probe. */
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    struct sigaction previous;
    sigaction(SIGHUP, &ignore, &previous);
    close(terminal);
    close(master);
    sigaction(SIGHUP, &previous, NULL);
    errno = saved;
    return result;
}

static long int80(long number) {
    long result;
    /*
     * seccomp_data.arch is AUDIT_ARCH_I386 for any int $0x80, so the filter kills before it reads the number.
     * The first argument is -1, an invalid ptrace request (EIO), should the call ever run.
     */
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(number), "b"(-1L) : "memory");
    return result;
}

/* PTRACE_ATTACH from one child to another, so that neither is the other's ancestor. */
static long ptrace_attach_sibling(void) {
    pid_t sibling = fork();
    if (sibling < 0) {
        return -2;
    }
    if (sibling == 0) {
        for (;;) {
            pause();
        }
    }
    int channel[2];
    if (pipe(channel) < 0) {
        return -2;
    }
    pid_t tracer = fork();
    if (tracer == 0) {
        long outcome[2];
        errno = 0;
        outcome[0] = ptrace(PTRACE_ATTACH, sibling, 0, 0);
        outcome[1] = errno;
        /* A tracer that exits detaches from its tracee, so nothing stays stopped. */
        _exit(write(channel[1], outcome, sizeof outcome) == sizeof outcome ? 0 : 1);
    }
    long outcome[2] = {-2, 0};
    if (tracer < 0 || read(channel[0], outcome, sizeof outcome) != sizeof outcome) {
        outcome[0] = -2;
    }
    kill(sibling, SIGKILL);
    waitpid(sibling, NULL, 0);
    if (tracer > 0) {
        waitpid(tracer, NULL, 0);
    }
    close(channel[0]);
    close(channel[1]);
    errno = (int)outcome[1];
    return outcome[0];
}

static long process_vm_readv_self(void) {
    char source[8] = "payload";
    char target[8] = {0};
    struct iovec local = {target, sizeof target};
    struct iovec remote = {source, sizeof source};
    return process_vm_readv(getpid(), &local, 1, &remote, 1, 0);
}

/* A software counter on the probe itself: allowed by perf_event_paranoid 2 without privilege. */
static long perf_task_clock(void) {
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_TASK_CLOCK;
    attr.exclude_kernel = 1;
    attr.exclude_hv = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
    if (fd < 0) {
        return fd;
    }
    uint64_t count = 0;
    long n = read((int)fd, &count, sizeof count);
    close((int)fd);
    return n == sizeof count ? 0 : -2;
}

/*
 * One IORING_OP_NOP through a real ring, with raw syscalls because liburing is not a test
 * dependency. Returns the completion's result, 0 for a NOP.
 */
static long io_uring_nop(void) {
    struct io_uring_params params;
    memset(&params, 0, sizeof params);
    long ring = syscall(SYS_io_uring_setup, 1, &params);
    if (ring < 0) {
        return ring;
    }
    size_t sq_size = params.sq_off.array + params.sq_entries * sizeof(unsigned);
    size_t cq_size = params.cq_off.cqes + params.cq_entries * sizeof(struct io_uring_cqe);
    char *sq = mmap(NULL, sq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)ring, IORING_OFF_SQ_RING);
    char *cq = mmap(NULL, cq_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)ring, IORING_OFF_CQ_RING);
    struct io_uring_sqe *sqes = mmap(NULL, params.sq_entries * sizeof(struct io_uring_sqe),
            PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, (int)ring, IORING_OFF_SQES);
    if (sq == MAP_FAILED || cq == MAP_FAILED || sqes == MAP_FAILED) {
        return -2;
    }
    unsigned *sq_tail = (unsigned *)(sq + params.sq_off.tail);
    unsigned *sq_array = (unsigned *)(sq + params.sq_off.array);
    unsigned index = *sq_tail & *(unsigned *)(sq + params.sq_off.ring_mask);
    memset(&sqes[index], 0, sizeof sqes[index]);
    sqes[index].opcode = IORING_OP_NOP;
    sqes[index].user_data = 42;
    sq_array[index] = index;
    __atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
    long entered = syscall(SYS_io_uring_enter, (int)ring, 1, 1, IORING_ENTER_GETEVENTS, NULL, 0);
    if (entered < 0) {
        return entered;
    }
    unsigned head = __atomic_load_n((unsigned *)(cq + params.cq_off.head), __ATOMIC_ACQUIRE);
    unsigned mask = *(unsigned *)(cq + params.cq_off.ring_mask);
    struct io_uring_cqe *cqe = &((struct io_uring_cqe *)(cq + params.cq_off.cqes))[head & mask];
    long result = cqe->user_data == 42 ? cqe->res : -3;
    close((int)ring);
    return result;
}

/* The stricter program the stack_* attempts add: getppid fails with STACKED_ERRNO, the rest passes on. */
static struct sock_filter stricter_program[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | STACKED_ERRNO),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* A program that allows every call. The kernel still applies the job's own filter. */
static struct sock_filter allow_all_program[] = {
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

/* ptrace goes to a user-space supervisor that would let it through, everything else passes on. */
static struct sock_filter notify_ptrace_program[] = {
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace, 0, 1),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_USER_NOTIF),
    BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
};

#define PROGRAM(instructions) \
    (struct sock_fprog) { sizeof(instructions) / sizeof(instructions[0]), instructions }

static long install_with_seccomp(struct sock_fprog program, unsigned int flags) {
    return syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &program);
}

static long install_with_prctl(struct sock_fprog program) {
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program, 0, 0);
}

static long notifications_seen;

/* Replies "continue" to every notification, as a supervisor that tries to loosen the filter would. */
static void *supervise(void *listener) {
    int fd = (int)(intptr_t)listener;
    struct seccomp_notif request;
    struct seccomp_notif_resp response;
    for (;;) {
        memset(&request, 0, sizeof request);
        if (ioctl(fd, SECCOMP_IOCTL_NOTIF_RECV, &request) < 0) {
            return NULL;
        }
        __atomic_add_fetch(&notifications_seen, 1, __ATOMIC_SEQ_CST);
        memset(&response, 0, sizeof response);
        response.id = request.id;
        response.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
        ioctl(fd, SECCOMP_IOCTL_NOTIF_SEND, &response);
    }
}

/*
 * Routes ptrace to a supervisor thread that replies "continue". The kernel takes the strictest
 * result of all filters (seccomp(2): ERRNO takes precedence over USER_NOTIF), so the supervisor
 * never hears of the call and the job's own filter still denies it.
 */
static long loosen_with_notify(void) {
    long listener = install_with_seccomp(PROGRAM(notify_ptrace_program), SECCOMP_FILTER_FLAG_NEW_LISTENER);
    if (listener < 0) {
        return listener;
    }
    pthread_t supervisor;
    if (pthread_create(&supervisor, NULL, supervise, (void *)(intptr_t)listener) != 0) {
        return -2;
    }
    pthread_detach(supervisor);
    errno = 0;
    return ptrace(PTRACE_TRACEME, 0, 0, 0);
}

/* Returns the Seccomp_filters count of /proc/self/status: the filters in force for this thread. */
static long filter_count(void) {
    FILE *status = fopen("/proc/self/status", "r");
    if (status == NULL) {
        return -2;
    }
    char line[256];
    long count = -3;
    while (fgets(line, sizeof line, status) != NULL) {
        if (sscanf(line, "Seccomp_filters: %ld", &count) == 1) {
            break;
        }
    }
    fclose(status);
    return count;
}

/*
 * Opens the parent's /proc/PID/mem for writing and reads one byte of its first readable mapping.
 * The parent is the unfiltered JVM, so a job that can write there can run code outside the filter.
 * The probe only reads. Returns the bytes read, or -1 and errno of the first step that failed.
 */
static long proc_mem_parent(void) {
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/maps", (int)getppid());
    FILE *maps = fopen(path, "r");
    if (maps == NULL) {
        return -1;
    }
    char line[512];
    char permissions[8];
    unsigned long start = 0;
    unsigned long end;
    int found = 0;
    while (!found && fgets(line, sizeof line, maps) != NULL) {
        found = sscanf(line, "%lx-%lx %4s", &start, &end, permissions) == 3 && permissions[0] == 'r';
    }
    fclose(maps);
    if (!found) {
        return -2;
    }
    snprintf(path, sizeof path, "/proc/%d/mem", (int)getppid());
    int memory = open(path, O_RDWR | O_CLOEXEC);
    if (memory < 0) {
        return -1;
    }
    char byte;
    long result = pread(memory, &byte, 1, (off_t)start);
    int saved = errno;
    close(memory);
    errno = saved;
    return result;
}

/* fork and execve /bin/true; returns its exit status, to show that a job still runs programs. */
static long exec_true(void) {
    pid_t child = fork();
    if (child == 0) {
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) < 0) {
        return -2;
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static long attempt(const char *name) {
    errno = 0;
    if (!strcmp(name, "ptrace_traceme")) return ptrace(PTRACE_TRACEME, 0, 0, 0);
    /* PTRACE_SEIZE, not ATTACH: the parent is the test JVM, which must not be stopped if this ever runs. */
    if (!strcmp(name, "ptrace_seize_parent")) return ptrace(PTRACE_SEIZE, getppid(), 0, 0);
    if (!strcmp(name, "ptrace_attach_sibling")) return ptrace_attach_sibling();
    if (!strcmp(name, "process_vm_readv")) return process_vm_readv_self();
    if (!strcmp(name, "proc_mem_parent")) return proc_mem_parent();
    if (!strcmp(name, "mount")) return mount("none", NO_SUCH_PATH, "tmpfs", 0, NULL);
    if (!strcmp(name, "umount2")) return umount2(NO_SUCH_PATH, MNT_DETACH);
    if (!strcmp(name, "pivot_root")) return syscall(SYS_pivot_root, NO_SUCH_PATH, NO_SUCH_PATH);
    if (!strcmp(name, "chroot")) return chroot("/");
    if (!strcmp(name, "unshare_user")) return unshare(CLONE_NEWUSER);
    if (!strcmp(name, "unshare_mount")) return unshare(CLONE_NEWNS);
    if (!strcmp(name, "unshare_net")) return unshare(CLONE_NEWNET);
    if (!strcmp(name, "unshare_pid")) return unshare(CLONE_NEWPID);
    if (!strcmp(name, "unshare_ipc")) return unshare(CLONE_NEWIPC);
    if (!strcmp(name, "unshare_uts")) return unshare(CLONE_NEWUTS);
    if (!strcmp(name, "unshare_cgroup")) return unshare(CLONE_NEWCGROUP);
    if (!strcmp(name, "unshare_time")) return unshare(CLONE_NEWTIME);
    if (!strcmp(name, "setns")) {
        int fd = open("/proc/self/ns/uts", O_RDONLY);
        return fd < 0 ? -2 : setns(fd, 0);
    }
    if (!strcmp(name, "clone_newuser")) return clone_with(CLONE_NEWUSER);
    if (!strcmp(name, "clone_newns")) return clone_with(CLONE_NEWNS);
    if (!strcmp(name, "clone_newuts")) return clone_with(CLONE_NEWUTS);
    if (!strcmp(name, "clone_newipc")) return clone_with(CLONE_NEWIPC);
    if (!strcmp(name, "clone_newpid")) return clone_with(CLONE_NEWPID);
    if (!strcmp(name, "clone_newnet")) return clone_with(CLONE_NEWNET);
    if (!strcmp(name, "clone_newcgroup")) return clone_with(CLONE_NEWCGROUP);
    if (!strcmp(name, "clone_newuser_high_bits")) return clone_with(0x100000000UL | CLONE_NEWUSER);
    if (!strcmp(name, "clone_thread_flags")) return clone_with(0);
    if (!strcmp(name, "clone3")) {
        struct clone_args args;
        memset(&args, 0, sizeof args);
        args.exit_signal = SIGCHLD;
        long pid = syscall(SYS_clone3, &args, sizeof args);
        if (pid == 0) _exit(0);
        if (pid > 0) waitpid((pid_t)pid, NULL, 0);
        return pid;
    }
    if (!strcmp(name, "bpf")) return syscall(SYS_bpf, 0, NULL, 0);
    if (!strcmp(name, "perf_event_open")) return syscall(SYS_perf_event_open, NULL, 0, -1, -1, 0);
    if (!strcmp(name, "perf_task_clock")) return perf_task_clock();
    if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, 0, 0, 0, 0, 0);
    /* KEY_SPEC_PROCESS_KEYRING (-2): a key that did get added would vanish with the probe. */
    if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "probe", "x", 1, -2);
    if (!strcmp(name, "request_key")) return syscall(SYS_request_key, "user", "probe", NULL, 0);
    /* An unknown flag (0x100) makes the kernel return EINVAL. No segments with flags 0 would unload a crash kernel. */
    if (!strcmp(name, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0x100);
    if (!strcmp(name, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
    if (!strcmp(name, "finit_module")) return syscall(SYS_finit_module, -1, "", 0);
    if (!strcmp(name, "userfaultfd")) return syscall(SYS_userfaultfd, 0);
    if (!strcmp(name, "io_uring_setup")) return syscall(SYS_io_uring_setup, 1, NULL);
    if (!strcmp(name, "io_uring_nop")) return io_uring_nop();
    if (!strcmp(name, "swapon")) return syscall(SYS_swapon, NO_SUCH_PATH, 0);
    /* Without the magic numbers the kernel rejects reboot with EINVAL, even for root. */
    if (!strcmp(name, "reboot")) return syscall(SYS_reboot, 0, 0, 0, NULL);
    /* Both arguments NULL: a no-op for root, so a broken filter cannot change the clock. */
    if (!strcmp(name, "settimeofday")) return syscall(SYS_settimeofday, NULL, NULL);
    if (!strcmp(name, "personality_read_implies_exec")) return personality(READ_IMPLIES_EXEC);
    if (!strcmp(name, "personality_query")) return personality(0xffffffff);
    if (!strcmp(name, "tiocsti")) return terminal_ioctl(TIOCSTI);
    if (!strcmp(name, "tiocsti_high_bits")) return terminal_ioctl(0x100000000UL | TIOCSTI);
    if (!strcmp(name, "tcgets")) return terminal_ioctl(TCGETS);
    if (!strcmp(name, "x32_getpid")) return syscall(0x40000000L | SYS_getpid);
    /* Request -1 is invalid (EIO), so the call does nothing even where the x32 ABI runs it. */
    if (!strcmp(name, "x32_ptrace")) return syscall(0x40000000L | SYS_ptrace, -1L, 0, 0, 0);
    /* i386 numbers: 20 is getpid and 26 is ptrace. */
    if (!strcmp(name, "i386_getpid")) return int80(20);
    if (!strcmp(name, "i386_ptrace")) return int80(26);
    if (!strcmp(name, "stack_seccomp")) return install_with_seccomp(PROGRAM(stricter_program), 0);
    if (!strcmp(name, "stack_seccomp_tsync")) return install_with_seccomp(PROGRAM(stricter_program), SECCOMP_FILTER_FLAG_TSYNC);
    if (!strcmp(name, "stack_prctl")) return install_with_prctl(PROGRAM(stricter_program));
    if (!strcmp(name, "loosen_seccomp")) return install_with_seccomp(PROGRAM(allow_all_program), 0);
    if (!strcmp(name, "loosen_prctl")) return install_with_prctl(PROGRAM(allow_all_program));
    if (!strcmp(name, "loosen_notify")) return loosen_with_notify();
    if (!strcmp(name, "notifications")) return __atomic_load_n(&notifications_seen, __ATOMIC_SEQ_CST);
    /* There is no way back to SECCOMP_MODE_DISABLED (0), nor to clear NO_NEW_PRIVS: both are EINVAL. */
    if (!strcmp(name, "seccomp_disable")) return prctl(PR_SET_SECCOMP, SECCOMP_MODE_DISABLED, 0, 0, 0);
    if (!strcmp(name, "no_new_privs_clear")) return prctl(PR_SET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (!strcmp(name, "seccomp_mode")) return prctl(PR_GET_SECCOMP, 0, 0, 0, 0);
    if (!strcmp(name, "no_new_privs")) return prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0);
    if (!strcmp(name, "filters")) return filter_count();
    if (!strcmp(name, "getppid")) return syscall(SYS_getppid) > 0 ? 0 : -1;
    if (!strcmp(name, "exec_true")) return exec_true();
    if (!strcmp(name, "euid")) return geteuid();
    if (!strcmp(name, "getpid")) return getpid() > 0 ? 0 : -1;
    fprintf(stderr, "escape: unknown attempt %s\n", name);
    exit(2);
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        report(argv[i], attempt(argv[i]));
    }
    printf("alive\n");
    return 0;
}
