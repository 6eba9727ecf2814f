/* Helpers shared by the C benchmarks: timing, reading a BPF program, statistics. */
#ifndef SECCOMP4J_BENCH_COMMON_H
#define SECCOMP4J_BENCH_COMMON_H

#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <linux/filter.h>

static inline int64_t now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t) now.tv_sec * 1000000000 + now.tv_nsec;
}

static inline void die_errno(const char *program, const char *call, const char *argument)
{
    fprintf(stderr, "%s: %s(%s) failed: %s\n", program, call, argument, strerror(errno));
    exit(1);
}

/* Reads a struct sock_filter[] file, as PolicyExport and seccomp_export_bpf() write it. */
static inline struct sock_fprog read_program(const char *program_name, const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        die_errno(program_name, "open", path);
    struct stat st;
    if (fstat(fd, &st) < 0)
        die_errno(program_name, "fstat", path);
    if (st.st_size == 0 || st.st_size % (off_t) sizeof (struct sock_filter) != 0
            || st.st_size / (off_t) sizeof (struct sock_filter) > BPF_MAXINSNS) {
        fprintf(stderr, "%s: %s is %lld bytes, not 1 to %d whole 8-byte instructions\n", program_name, path,
                (long long) st.st_size, BPF_MAXINSNS);
        exit(1);
    }
    struct sock_filter *instructions = malloc((size_t) st.st_size);
    if (instructions == NULL)
        die_errno(program_name, "malloc", path);
    ssize_t done = 0;
    while (done < st.st_size) {
        ssize_t count = read(fd, (char *) instructions + done, (size_t) (st.st_size - done));
        if (count <= 0)
            die_errno(program_name, "read", path);
        done += count;
    }
    close(fd);
    return (struct sock_fprog) { .len = (unsigned short) (st.st_size / (off_t) sizeof (struct sock_filter)),
                                 .filter = instructions };
}

static inline int compare_int64(const void *left, const void *right)
{
    int64_t a = *(const int64_t *) left;
    int64_t b = *(const int64_t *) right;
    return (a > b) - (a < b);
}

/* Sorts the samples and returns the value at quantile q (0..1), by the nearest-rank method. */
static inline int64_t quantile(int64_t *samples, size_t count, double q)
{
    qsort(samples, count, sizeof *samples, compare_int64);
    size_t rank = (size_t) (q * (double) count + 0.999999);
    if (rank < 1)
        rank = 1;
    if (rank > count)
        rank = count;
    return samples[rank - 1];
}

#endif
