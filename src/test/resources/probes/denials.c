/*
 * Makes syscalls that the job-default policy denies, with arguments that fail harmlessly when a
 * call is let through, as in AUDIT mode. Each argument is CALL:COUNT; for each the probe prints
 * "CALL xCOUNT: RESULT ERRNO" with the result of the last call, then "done". "time:CALL:COUNT"
 * prints "CALL xCOUNT: NS ns/call" instead, measured with CLOCK_MONOTONIC.
 *
 *   unshare   unshare(CLONE_VFORK), which the kernel rejects with EINVAL: not an unshare flag
 *   unshare0  unshare(0), which does nothing and returns 0
 *   mount     mount of tmpfs on a missing target: ENOENT, even without CAP_SYS_ADMIN
 *   ptrace    ptrace(PTRACE_TRACEME)
 *   openat2   openat2 with a NULL path, which job-default fails with ENOSYS
 *   x32       getpid through the x32 ABI, which every policy kills
 *   getppid   allowed, for comparison
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long call(const char *name) {
    if (!strcmp(name, "unshare")) return syscall(SYS_unshare, CLONE_VFORK);
    if (!strcmp(name, "unshare0")) return syscall(SYS_unshare, 0);
    if (!strcmp(name, "mount")) return mount("none", "/nonexistent-seccomp4j-target", "tmpfs", 0, NULL);
    if (!strcmp(name, "ptrace")) return ptrace(PTRACE_TRACEME, 0, 0, 0);
    if (!strcmp(name, "openat2")) return syscall(SYS_openat2, AT_FDCWD, NULL, NULL, 0);
    if (!strcmp(name, "x32")) return syscall(0x40000000L | SYS_getpid);
    if (!strcmp(name, "getppid")) return syscall(SYS_getppid);
    fprintf(stderr, "unknown call %s\n", name);
    exit(2);
}

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        char spec[256];
        snprintf(spec, sizeof spec, "%s", argv[i]);
        int timed = strncmp(spec, "time:", 5) == 0;
        char *name = timed ? spec + 5 : spec;
        char *colon = strchr(name, ':');
        long count = 1;
        if (colon != NULL) {
            *colon = '\0';
            count = strtol(colon + 1, NULL, 10);
        }
        long result = 0;
        int saved = 0;
        double start = now_ns();
        for (long n = 0; n < count; n++) {
            errno = 0;
            result = call(name);
            saved = errno;
        }
        double elapsed = now_ns() - start;
        if (timed) {
            printf("%s x%ld: %.0f ns/call\n", name, count, elapsed / count);
        } else {
            printf("%s x%ld: %ld %s\n", name, count, result, result < 0 ? strerrorname_np(saved) : "OK");
        }
        fflush(stdout);
    }
    printf("done\n");
    return 0;
}
