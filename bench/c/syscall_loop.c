/*
 * Times three syscalls in a loop under each of several filters.
 *
 * Usage: syscall_loop ROUNDS BATCHES BATCH_SIZE NAME=FILE|NAME=none...
 *
 * The calls:
 *   getppid                   allowed without argument checks, so a kernel with
 *                             the seccomp action cache (Linux 5.11) skips the program
 *   ioctl(pipe, FIONREAD)     allowed after the program tests the request
 *   ptrace(PEEKDATA, pid 0)   denied by the job default with EPERM; without a
 *                             filter the kernel fails it with ESRCH
 *
 * Each round forks one child per filter, in an order that rotates from round
 * to round. The child installs the filter (none for NAME=none), then times
 * BATCHES batches of BATCH_SIZE calls of each syscall, alternating between
 * the syscalls batch by batch, and sends the mean time per call of every
 * batch back over a pipe. The figures are the median and p99 of those batch
 * means over all rounds, and the ratio of each median to that of the filter
 * named "none".
 *
 * Each child also has an offset of its own of a few ns, from causes such as
 * the CPU it runs on or where the JIT placed its program, and that is as
 * large as the difference between two good programs. So "job-default" and "libseccomp" are also
 * compared round by round: the median of the per-round differences of their
 * medians, and the number of rounds in which the job default was as fast.
 */
#include "bench_common.h"

#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/seccomp.h>

#define MAX_FILTERS 8
#define CALLS 3
#define WARM_UP_BATCHES 20

static const char *const call_names[CALLS] = { "getppid", "ioctl(FIONREAD)", "ptrace (denied)" };

struct filter {
    const char *name;
    bool installed;
    struct sock_fprog program;
};

/* Runs one call and returns 0 if its result is the expected one. */
static int call_once(int call, int pipe_read_end, pid_t parent, bool filtered)
{
    switch (call) {
    case 0:
        return getppid() == parent ? 0 : -1;
    case 1: {
        int available;
        return ioctl(pipe_read_end, FIONREAD, &available) == 0 ? 0 : -1;
    }
    default: {
        long result = syscall(SYS_ptrace, PTRACE_PEEKDATA, 0, 0, 0);
        int expected = filtered ? EPERM : ESRCH;
        return result == -1 && errno == expected ? 0 : -1;
    }
    }
}

/* The child: installs the filter, times the batches and writes BATCHES * CALLS doubles (ns per call). */
static _Noreturn void run_child(const struct filter *filter, int batches, int batch_size, int result_fd,
        pid_t parent)
{
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0)
        _exit(10);
    if (filter->installed) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(11);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &filter->program) < 0)
            _exit(12);
    }
    /* ptrace fails with EPERM only under a filter that denies it; allow-all lets it run. */
    bool denies = filter->installed && syscall(SYS_ptrace, PTRACE_PEEKDATA, 0, 0, 0) == -1 && errno == EPERM;

    double *means = malloc(sizeof (double) * (size_t) batches * CALLS);
    if (means == NULL)
        _exit(13);
    for (int batch = -WARM_UP_BATCHES; batch < batches; batch++) {
        for (int call = 0; call < CALLS; call++) {
            int failures = 0;
            int64_t start = now_ns();
            for (int i = 0; i < batch_size; i++)
                failures += call_once(call, ends[0], parent, denies);
            int64_t elapsed = now_ns() - start;
            if (failures != 0)
                _exit(20 + call);
            if (batch >= 0)
                means[batch * CALLS + call] = (double) elapsed / batch_size;
        }
    }

    size_t length = sizeof (double) * (size_t) batches * CALLS;
    const char *next = (const char *) means;
    while (length > 0) {
        ssize_t written = write(result_fd, next, length);
        if (written <= 0)
            _exit(14);
        next += written;
        length -= (size_t) written;
    }
    _exit(0);
}

static void run_round(const struct filter *filter, int batches, int batch_size, double *out)
{
    int ends[2];
    if (pipe2(ends, O_CLOEXEC) < 0)
        die_errno("syscall_loop", "pipe2", "");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        die_errno("syscall_loop", "fork", "");
    if (pid == 0) {
        close(ends[0]);
        run_child(filter, batches, batch_size, ends[1], parent);
    }
    close(ends[1]);
    size_t length = sizeof (double) * (size_t) batches * CALLS;
    size_t done = 0;
    while (done < length) {
        ssize_t count = read(ends[0], (char *) out + done, length - done);
        if (count <= 0)
            break;
        done += (size_t) count;
    }
    close(ends[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (done != length || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "syscall_loop: child under %s failed: wait status %#x (exit 20-22: a call returned"
                " an unexpected result)\n", filter->name, status);
        exit(1);
    }
}

static int find_filter(const struct filter *filters, int count, const char *name)
{
    for (int i = 0; i < count; i++) {
        if (strcmp(filters[i].name, name) == 0)
            return i;
    }
    return -1;
}

/* Returns the median batch mean, in picoseconds, of one filter, round and call, using scratch for the batches. */
static int64_t round_median(const double *results, int rounds, size_t per_round, int batches, int filter, int round,
        int call, int64_t *scratch)
{
    const double *means = results + ((size_t) filter * (size_t) rounds + (size_t) round) * per_round;
    for (int batch = 0; batch < batches; batch++)
        scratch[batch] = (int64_t) (means[batch * CALLS + call] * 1000.0);
    return quantile(scratch, (size_t) batches, 0.5);
}

static void print_target(const char *target, double ours, double limit)
{
    printf("TARGET %-58s %s (%.1f vs %.1f)\n", target, ours <= limit ? "met" : "MISSED", ours, limit);
}

int main(int argc, char **argv)
{
    if (argc < 5 || argc - 4 > MAX_FILTERS) {
        fprintf(stderr, "usage: syscall_loop ROUNDS BATCHES BATCH_SIZE NAME=FILE|NAME=none... (at most %d)\n",
                MAX_FILTERS);
        return 2;
    }
    int rounds = atoi(argv[1]);
    int batches = atoi(argv[2]);
    int batch_size = atoi(argv[3]);
    int filter_count = argc - 4;
    struct filter filters[MAX_FILTERS];
    for (int f = 0; f < filter_count; f++) {
        char *separator = strchr(argv[f + 4], '=');
        if (separator == NULL) {
            fprintf(stderr, "syscall_loop: '%s' is not NAME=FILE or NAME=none\n", argv[f + 4]);
            return 2;
        }
        *separator = '\0';
        filters[f].name = argv[f + 4];
        filters[f].installed = strcmp(separator + 1, "none") != 0;
        if (filters[f].installed)
            filters[f].program = read_program("syscall_loop", separator + 1);
    }

    size_t per_round = (size_t) batches * CALLS;
    double *results = malloc(sizeof (double) * per_round * (size_t) rounds * (size_t) filter_count);
    for (int round = 0; round < rounds; round++) {
        for (int k = 0; k < filter_count; k++) {
            int f = (round + k) % filter_count;
            run_round(&filters[f], batches, batch_size,
                    results + ((size_t) f * (size_t) rounds + (size_t) round) * per_round);
        }
    }

    /* Batch means in picoseconds, so that the integer quantile helper keeps a decimal. */
    size_t samples_per_cell = (size_t) rounds * (size_t) batches;
    int64_t *cell = malloc(sizeof (int64_t) * samples_per_cell);
    double median[MAX_FILTERS][CALLS];
    double p99[MAX_FILTERS][CALLS];
    for (int f = 0; f < filter_count; f++) {
        for (int call = 0; call < CALLS; call++) {
            size_t n = 0;
            for (int round = 0; round < rounds; round++) {
                const double *means = results + ((size_t) f * (size_t) rounds + (size_t) round) * per_round;
                for (int batch = 0; batch < batches; batch++)
                    cell[n++] = (int64_t) (means[batch * CALLS + call] * 1000.0);
            }
            median[f][call] = (double) quantile(cell, n, 0.5) / 1000.0;
            p99[f][call] = (double) quantile(cell, n, 0.99) / 1000.0;
        }
    }

    int none = find_filter(filters, filter_count, "none");
    printf("ns per call: median (p99) [ratio of medians to no filter]; %d rounds x %d batches of %d calls\n",
            rounds, batches, batch_size);
    printf("%-18s", "filter");
    for (int call = 0; call < CALLS; call++)
        printf("  %-30s", call_names[call]);
    printf("\n");
    for (int f = 0; f < filter_count; f++) {
        printf("%-18s", filters[f].name);
        for (int call = 0; call < CALLS; call++) {
            char text[64];
            if (none >= 0)
                snprintf(text, sizeof text, "%.1f (%.1f) [%.2fx]", median[f][call], p99[f][call],
                        median[f][call] / median[none][call]);
            else
                snprintf(text, sizeof text, "%.1f (%.1f)", median[f][call], p99[f][call]);
            printf("  %-30s", text);
        }
        printf("\n");
    }

    int ours = find_filter(filters, filter_count, "job-default");
    int theirs = find_filter(filters, filter_count, "libseccomp");
    double paired[CALLS] = { 0 };
    if (ours >= 0 && theirs >= 0) {
        printf("job-default minus libseccomp, paired by round (the two children of a round run back to back):\n");
        for (int call = 0; call < CALLS; call++) {
            int64_t *differences = malloc(sizeof (int64_t) * (size_t) rounds);
            int faster = 0;
            for (int round = 0; round < rounds; round++) {
                int64_t own = round_median(results, rounds, per_round, batches, ours, round, call, cell);
                int64_t other = round_median(results, rounds, per_round, batches, theirs, round, call, cell);
                differences[round] = own - other;
                faster += own <= other;
            }
            paired[call] = (double) quantile(differences, (size_t) rounds, 0.5) / 1000.0;
            printf("  %-18s median difference %+.1f ns, job-default as fast or faster in %d of %d rounds\n",
                    call_names[call], paired[call], faster, rounds);
            free(differences);
        }
    }
    if (ours >= 0 && none >= 0)
        print_target("getppid under the job default <= 1.15x no filter", median[ours][0], 1.15 * median[none][0]);
    if (ours >= 0 && theirs >= 0) {
        print_target("ioctl(FIONREAD) job-default - libseccomp <= 0 (paired, ns)", paired[1], 0);
        print_target("denied ptrace job-default - libseccomp <= 0 (paired, ns)", paired[2], 0);
    }
    return 0;
}
