/*
 * Tries one forbidden operation per argument and prints "NAME RESULT ERRNO" for each, then "alive".
 * The escape tests run it as a job and judge each line: a denied call prints -1 and its errno; a
 * call the filter kills never prints, and the job dies of SIGSYS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/sched.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/personality.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

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

static long tiocsti(unsigned long request) {
    int master = posix_openpt(O_RDWR | O_NOCTTY);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0) {
        return -2;
    }
    int terminal = open(ptsname(master), O_RDWR | O_NOCTTY);
    if (terminal < 0) {
        return -3;
    }
    char c = 'x';
    errno = 0;
    long result = syscall(SYS_ioctl, terminal, request, &c);
    int saved = errno;
    close(terminal);
    close(master);
    errno = saved;
    return result;
}

static long int80_getpid(void) {
    long result;
    /* i386 getpid is 20; the filter sees AUDIT_ARCH_I386 and must kill. */
    __asm__ volatile("int $0x80" : "=a"(result) : "a"(20L) : "memory");
    return result;
}

static long attempt(const char *name) {
    errno = 0;
    if (!strcmp(name, "ptrace_traceme")) return ptrace(PTRACE_TRACEME, 0, 0, 0);
    if (!strcmp(name, "ptrace_attach")) return ptrace(PTRACE_ATTACH, getppid(), 0, 0);
    if (!strcmp(name, "mount")) return mount("none", "/tmp", "tmpfs", 0, NULL);
    if (!strcmp(name, "umount2")) return umount2("/proc", MNT_DETACH);
    if (!strcmp(name, "pivot_root")) return syscall(SYS_pivot_root, "/tmp", "/tmp");
    if (!strcmp(name, "chroot")) return chroot("/");
    if (!strcmp(name, "unshare_user")) return unshare(CLONE_NEWUSER);
    if (!strcmp(name, "unshare_mount")) return unshare(CLONE_NEWNS);
    if (!strcmp(name, "unshare_net")) return unshare(CLONE_NEWNET);
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
    if (!strcmp(name, "keyctl")) return syscall(SYS_keyctl, 0, 0, 0, 0, 0);
    if (!strcmp(name, "add_key")) return syscall(SYS_add_key, "user", "probe", "x", 1, -3);
    if (!strcmp(name, "request_key")) return syscall(SYS_request_key, "user", "probe", NULL, 0);
    if (!strcmp(name, "kexec_load")) return syscall(SYS_kexec_load, 0, 0, NULL, 0);
    if (!strcmp(name, "init_module")) return syscall(SYS_init_module, NULL, 0, "");
    if (!strcmp(name, "finit_module")) return syscall(SYS_finit_module, -1, "", 0);
    if (!strcmp(name, "userfaultfd")) return syscall(SYS_userfaultfd, 0);
    if (!strcmp(name, "io_uring_setup")) return syscall(SYS_io_uring_setup, 1, NULL);
    if (!strcmp(name, "swapon")) return syscall(SYS_swapon, "/nonexistent", 0);
    if (!strcmp(name, "reboot")) return syscall(SYS_reboot, 0, 0, 0, NULL);
    if (!strcmp(name, "settimeofday")) return syscall(SYS_settimeofday, NULL, NULL);
    if (!strcmp(name, "personality_read_implies_exec")) return personality(READ_IMPLIES_EXEC);
    if (!strcmp(name, "personality_query")) return personality(0xffffffff);
    if (!strcmp(name, "tiocsti")) return tiocsti(TIOCSTI);
    if (!strcmp(name, "tiocsti_high_bits")) return tiocsti(0x100000000UL | TIOCSTI);
    if (!strcmp(name, "x32_getpid")) return syscall(0x40000000L | SYS_getpid);
    if (!strcmp(name, "i386_getpid")) return int80_getpid();
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
