/*
 * Times seccomp(SECCOMP_SET_MODE_FILTER) in a fresh child for each program given.
 *
 * Usage: install_cost ROUNDS NAME=FILE...
 *
 * Each round forks one child per program, in an order that rotates from round
 * to round, so that drift on a shared machine affects every program alike. The
 * child sets NO_NEW_PRIVS, then times the seccomp() call alone and sends the
 * figure back over a pipe. A fresh child matters: a second filter would be
 * stacked on the first, and the kernel would then only evaluate it for the
 * syscalls the first one allows.
 *
 * At install the kernel validates the program, converts it to eBPF and
 * JIT-compiles it. Then it precomputes its action cache: it emulates the
 * program for every syscall number of x86_64 and of i386, to find the numbers
 * that are allowed whatever the arguments (seccomp_cache_prepare in
 * kernel/seccomp.c, Linux 5.11 and later). So both the size of a program and
 * the number of instructions each syscall number runs through count.
 *
 * Output: one line per program with the median and p99 in microseconds.
 */
#include "bench_common.h"

#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/seccomp.h>

#define MAX_PROGRAMS 8

static int64_t time_install_in_child(const struct sock_fprog *program)
{
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0)
        die_errno("install_cost", "pipe2", "");
    pid_t pid = fork();
    if (pid < 0)
        die_errno("install_cost", "fork", "");
    if (pid == 0) {
        int64_t elapsed = -1;
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0) {
            int64_t start = now_ns();
            long result = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, program);
            int64_t end = now_ns();
            elapsed = result == 0 ? end - start : -errno;
        }
        /* write() is allowed by every program this benchmark installs. */
        ssize_t written = write(ends[1], &elapsed, sizeof elapsed);
        _exit(written == (ssize_t) sizeof elapsed ? 0 : 1);
    }
    close(ends[1]);
    int64_t elapsed = 0;
    ssize_t count = read(ends[0], &elapsed, sizeof elapsed);
    close(ends[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (count != (ssize_t) sizeof elapsed || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "install_cost: child %d failed (read %zd bytes, wait status %#x)\n", pid, count, status);
        exit(1);
    }
    if (elapsed < 0) {
        errno = (int) -elapsed;
        die_errno("install_cost", "seccomp", "SECCOMP_SET_MODE_FILTER");
    }
    return elapsed;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc - 2 > MAX_PROGRAMS) {
        fprintf(stderr, "usage: install_cost ROUNDS NAME=FILE... (at most %d programs)\n", MAX_PROGRAMS);
        return 2;
    }
    int rounds = atoi(argv[1]);
    int programs = argc - 2;
    const char *names[MAX_PROGRAMS];
    struct sock_fprog filters[MAX_PROGRAMS];
    int64_t *samples[MAX_PROGRAMS];
    for (int p = 0; p < programs; p++) {
        char *separator = strchr(argv[p + 2], '=');
        if (separator == NULL) {
            fprintf(stderr, "install_cost: '%s' is not NAME=FILE\n", argv[p + 2]);
            return 2;
        }
        *separator = '\0';
        names[p] = argv[p + 2];
        filters[p] = read_program("install_cost", separator + 1);
        samples[p] = calloc((size_t) rounds, sizeof (int64_t));
    }

    /* Warm-up: page in the code paths and let the CPU frequency settle. */
    for (int i = 0; i < 20; i++)
        time_install_in_child(&filters[i % programs]);

    for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < programs; k++) {
            int p = (round + k) % programs;
            samples[p][round] = time_install_in_child(&filters[p]);
        }
    }

    int ours = -1;
    int theirs = -1;
    int64_t medians[MAX_PROGRAMS];
    printf("seccomp(SET_MODE_FILTER) in a fresh child, %d rounds\n", rounds);
    for (int p = 0; p < programs; p++) {
        medians[p] = quantile(samples[p], (size_t) rounds, 0.5);
        int64_t p99 = quantile(samples[p], (size_t) rounds, 0.99);
        printf("%-14s %4u instructions  median %7.1f us  p99 %7.1f us\n", names[p], filters[p].len,
                (double) medians[p] / 1000.0, (double) p99 / 1000.0);
        if (strcmp(names[p], "job-default") == 0)
            ours = p;
        if (strcmp(names[p], "libseccomp") == 0)
            theirs = p;
    }
    if (ours >= 0 && theirs >= 0) {
        printf("ratio job-default/libseccomp of medians: %.2f\n", (double) medians[ours] / (double) medians[theirs]);
        printf("TARGET %-58s %s (%.1f vs %.1f)\n", "filter install no slower than libseccomp's (median, us)",
                medians[ours] <= medians[theirs] ? "met" : "MISSED", (double) medians[ours] / 1000.0,
                (double) medians[theirs] / 1000.0);
    }
    return 0;
}
