/*
 * Builds a process tree in one of several shapes and keeps it alive, for the tests of destroy().
 * Every process it creates prints "ROLE PID" on stdout; the leader prints "leader PID" last, after
 * the processes it waits for have reported. Then every process waits in sigsuspend() until a
 * signal ends it.
 *
 * Shapes (argv[1]):
 *   same-group      a child in the leader's process group
 *   setpgid         a child in a process group of its own
 *   setsid          a child in a session of its own
 *   setsid-deep     a child in a session of its own, with a grandchild in a group of its own
 *   orphan          a grandchild whose parent exited, so init or a subreaper adopted it
 *   orphan-setpgid  the same, and the grandchild moved to a group of its own
 *   forker          a child in a session of its own that keeps forking children into groups of
 *                   their own, up to argv[2] of them, one every 200 microseconds
 *   term-handler    a child in a session of its own that prints "term PID" when SIGTERM arrives
 *   daemon          a grandchild in a session of its own whose parent exited: a classic daemon
 *   thread-only     a child in a session of its own whose main thread exited while a second
 *                   thread runs on, so /proc shows the child as a zombie
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void say(const char *role) {
    printf("%s %d\n", role, (int)getpid());
    fflush(stdout);
}

/* Waits for signals until one ends the process; exits with 4 if the wait fails, rather than spin. */
static _Noreturn void wait_forever(void) {
    sigset_t none;
    sigemptyset(&none);
    for (;;) {
        if (sigsuspend(&none) < 0 && errno != EINTR) {
            perror("sigsuspend");
            _exit(4);
        }
    }
}

static void on_term(int signal) {
    (void)signal;
    char line[64];
    int length = snprintf(line, sizeof line, "term %d\n", (int)getpid());
    if (write(STDOUT_FILENO, line, (size_t)length) < 0) {
        _exit(3);
    }
    _exit(0);
}

/* Forks a child that runs body(); returns once the child has printed its line, through a pipe. */
static pid_t spawn(void (*body)(void)) {
    int ready[2];
    if (pipe(ready) < 0) {
        perror("pipe");
        exit(2);
    }
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        exit(2);
    }
    if (pid == 0) {
        close(ready[0]);
        dup2(ready[1], 100);
        close(ready[1]);
        body();
        _exit(0);
    }
    close(ready[1]);
    char byte;
    while (read(ready[0], &byte, 1) > 0) {
    }
    close(ready[0]);
    return pid;
}

/* Called by a process once it has printed its line: closing fd 100 releases the parent's spawn(). */
static void report_ready(void) {
    close(100);
}

static void same_group(void) { say("child"); report_ready(); wait_forever(); }
static void own_group(void) { setpgid(0, 0); say("child"); report_ready(); wait_forever(); }
static void own_session(void) { setsid(); say("child"); report_ready(); wait_forever(); }

static void deep_grandchild(void) { setpgid(0, 0); say("grandchild"); report_ready(); wait_forever(); }
static void own_session_deep(void) {
    setsid();
    spawn(deep_grandchild);
    say("child");
    report_ready();
    wait_forever();
}

static void orphan_grandchild(void) { say("grandchild"); report_ready(); wait_forever(); }
static void orphan_grandchild_setpgid(void) { setpgid(0, 0); say("grandchild"); report_ready(); wait_forever(); }
static void daemon_grandchild(void) { setsid(); say("grandchild"); report_ready(); wait_forever(); }
static void orphaning_parent(void) { spawn(orphan_grandchild); _exit(0); }
static void orphaning_parent_setpgid(void) { spawn(orphan_grandchild_setpgid); _exit(0); }
static void daemonizing_parent(void) { spawn(daemon_grandchild); _exit(0); }

static int forker_limit;
static void forked(void) { setpgid(0, 0); report_ready(); wait_forever(); }
static void forker(void) {
    setsid();
    say("child");
    report_ready();
    struct timespec pause_between = { .tv_sec = 0, .tv_nsec = 200 * 1000 };
    for (int i = 0; i < forker_limit; i++) {
        pid_t pid = fork();
        if (pid == 0) {
            forked();
        }
        nanosleep(&pause_between, NULL);
    }
    wait_forever();
}

static void *wait_in_thread(void *unused) {
    (void)unused;
    wait_forever();
}

static void thread_only(void) {
    setsid();
    pthread_t thread;
    if (pthread_create(&thread, NULL, wait_in_thread, NULL) != 0) {
        _exit(2);
    }
    say("child");
    report_ready();
    pthread_exit(NULL);
}

static void term_handler(void) {
    setsid();
    signal(SIGTERM, on_term);
    say("child");
    report_ready();
    wait_forever();
}

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: jobtree SHAPE [COUNT]\n");
        return 2;
    }
    const char *shape = argv[1];
    pid_t pid;
    if (!strcmp(shape, "same-group")) {
        spawn(same_group);
    } else if (!strcmp(shape, "setpgid")) {
        spawn(own_group);
    } else if (!strcmp(shape, "setsid")) {
        spawn(own_session);
    } else if (!strcmp(shape, "setsid-deep")) {
        spawn(own_session_deep);
    } else if (!strcmp(shape, "orphan") || !strcmp(shape, "orphan-setpgid") || !strcmp(shape, "daemon")) {
        void (*parent)(void) = !strcmp(shape, "orphan") ? orphaning_parent
                : !strcmp(shape, "orphan-setpgid") ? orphaning_parent_setpgid : daemonizing_parent;
        pid = spawn(parent);
        waitpid(pid, NULL, 0);
    } else if (!strcmp(shape, "forker")) {
        forker_limit = argc > 2 ? atoi(argv[2]) : 100;
        spawn(forker);
    } else if (!strcmp(shape, "thread-only")) {
        spawn(thread_only);
    } else if (!strcmp(shape, "term-handler")) {
        spawn(term_handler);
    } else {
        fprintf(stderr, "jobtree: unknown shape %s\n", shape);
        return 2;
    }
    say("leader");
    wait_forever();
}
