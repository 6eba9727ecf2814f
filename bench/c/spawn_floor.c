/*
 * The floor of spawn latency: start /bin/true from C and wait for it.
 *
 * Usage: spawn_floor FILTER_BPF
 *
 * It reads one command per line on stdin, spawns /bin/true once, waits for it
 * and prints two figures in nanoseconds on stdout: the time until the spawn
 * call returned, and the time until waitpid() returned. SpawnLatency drives it
 * from the JVM, so its samples interleave with the JVM's own. The commands:
 *
 *   posix_spawn     glibc's posix_spawn() with default attributes, the floor
 *   clone           clone(CLONE_VM | CLONE_VFORK) and execve(), the way the
 *                   seccomp4j shim creates its child, with no other step
 *   clone-filter    the same, with NO_NEW_PRIVS and seccomp(SET_MODE_FILTER)
 *                   of FILTER_BPF before execve(): the kernel's share of the
 *                   cost of a filtered spawn
 *
 * The child inherits this process's environment and standard fds.
 */
#include "bench_common.h"

#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <linux/seccomp.h>

#define CHILD_STACK_SIZE (64 * 1024)

extern char **environ;

static char *const true_argv[] = { "/bin/true", NULL };

/* The request that the clone child reads in place, because it shares this process's memory as in the shim. */
struct clone_request {
    const struct sock_fprog *program; /* NULL installs no filter */
};

static int clone_child(void *arg)
{
    const struct clone_request *request = arg;
    if (request->program != NULL) {
        if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
            _exit(125);
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, request->program) < 0)
            _exit(126);
    }
    execve(true_argv[0], true_argv, environ);
    _exit(127);
}

static void wait_for(pid_t pid, const char *command)
{
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            die_errno("spawn_floor", "waitpid", command);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "spawn_floor: /bin/true under %s ended with wait status %#x\n", command, status);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: spawn_floor FILTER_BPF\n");
        return 2;
    }
    struct sock_fprog program = read_program("spawn_floor", argv[1]);
    char *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK,
            -1, 0);
    if (stack == MAP_FAILED)
        die_errno("spawn_floor", "mmap", "stack");

    char command[64];
    while (fgets(command, sizeof command, stdin) != NULL) {
        command[strcspn(command, "\n")] = '\0';
        pid_t pid;
        int64_t start = now_ns();
        if (strcmp(command, "posix_spawn") == 0) {
            int error = posix_spawn(&pid, true_argv[0], NULL, NULL, true_argv, environ);
            if (error != 0) {
                errno = error;
                die_errno("spawn_floor", "posix_spawn", true_argv[0]);
            }
        } else if (strcmp(command, "clone") == 0 || strcmp(command, "clone-filter") == 0) {
            struct clone_request request = { .program = strcmp(command, "clone") == 0 ? NULL : &program };
            pid = clone(clone_child, stack + CHILD_STACK_SIZE, CLONE_VM | CLONE_VFORK | SIGCHLD, &request);
            if (pid < 0)
                die_errno("spawn_floor", "clone", command);
        } else {
            fprintf(stderr, "spawn_floor: unknown command '%s'\n", command);
            return 2;
        }
        int64_t spawned = now_ns();
        wait_for(pid, command);
        int64_t reaped = now_ns();
        printf("%lld %lld\n", (long long) (spawned - start), (long long) (reaped - start));
        fflush(stdout);
    }
    return 0;
}
