/*
 * A C job that WorkloadSuiteTest compiles with gcc inside the job and then runs: pthreads,
 * posix_spawn, clock_nanosleep, epoll, eventfd and timerfd. Prints one line per check and exits
 * with 0 only if every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define THREADS 4
#define INCREMENTS 100000

static int failures;

static void check(int ok, const char *what) {
    printf("%s %s\n", what, ok ? "ok" : "FAILED");
    if (!ok) {
        failures++;
    }
}

static pthread_mutex_t counter_lock = PTHREAD_MUTEX_INITIALIZER;
static long counter;

static void *count(void *unused) {
    (void)unused;
    for (int i = 0; i < INCREMENTS; i++) {
        pthread_mutex_lock(&counter_lock);
        counter++;
        pthread_mutex_unlock(&counter_lock);
    }
    return NULL;
}

static void check_pthreads(void) {
    pthread_t threads[THREADS];
    for (int i = 0; i < THREADS; i++) {
        pthread_create(&threads[i], NULL, count, NULL);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    check(counter == (long)THREADS * INCREMENTS, "pthreads");

    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    pthread_cond_t condition = PTHREAD_COND_INITIALIZER;
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_nsec += 20 * 1000 * 1000;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&lock);
    int waited = pthread_cond_timedwait(&condition, &lock, &deadline);
    pthread_mutex_unlock(&lock);
    check(waited == ETIMEDOUT, "pthread_cond_timedwait");
}

static void check_posix_spawn(void) {
    char *argv[] = {"sh", "-c", "exit 7", NULL};
    pid_t child;
    int spawned = posix_spawnp(&child, "sh", NULL, NULL, argv, environ);
    int status = 0;
    check(spawned == 0 && waitpid(child, &status, 0) == child && WIFEXITED(status) && WEXITSTATUS(status) == 7,
            "posix_spawn");

    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    char *quiet[] = {"echo", "not shown", NULL};
    spawned = posix_spawnp(&child, "echo", &actions, NULL, quiet, environ);
    posix_spawn_file_actions_destroy(&actions);
    check(spawned == 0 && waitpid(child, &status, 0) == child && status == 0, "posix_spawn file actions");
}

static double elapsed_ms(struct timespec from, struct timespec to) {
    return (to.tv_sec - from.tv_sec) * 1e3 + (to.tv_nsec - from.tv_nsec) / 1e6;
}

static void check_clock_nanosleep(void) {
    struct timespec start, wake, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    struct timespec relative = {0, 30 * 1000 * 1000};
    int slept = clock_nanosleep(CLOCK_MONOTONIC, 0, &relative, NULL);
    wake = start;
    wake.tv_nsec += 60 * 1000 * 1000;
    if (wake.tv_nsec >= 1000000000L) {
        wake.tv_sec++;
        wake.tv_nsec -= 1000000000L;
    }
    int slept_until = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &wake, NULL);
    clock_gettime(CLOCK_MONOTONIC, &end);
    check(slept == 0 && slept_until == 0 && elapsed_ms(start, end) >= 60, "clock_nanosleep");
}

static void check_event_loop(void) {
    int epoll = epoll_create1(EPOLL_CLOEXEC);
    int event = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    int timer = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
    check(epoll >= 0 && event >= 0 && timer >= 0, "epoll eventfd timerfd created");

    struct epoll_event watch = {.events = EPOLLIN};
    watch.data.fd = event;
    epoll_ctl(epoll, EPOLL_CTL_ADD, event, &watch);
    watch.data.fd = timer;
    epoll_ctl(epoll, EPOLL_CTL_ADD, timer, &watch);

    uint64_t one = 1;
    check(write(event, &one, sizeof one) == sizeof one, "eventfd write");
    struct itimerspec in_20ms = {{0, 0}, {0, 20 * 1000 * 1000}};
    check(timerfd_settime(timer, 0, &in_20ms, NULL) == 0, "timerfd_settime");

    int saw_event = 0;
    int saw_timer = 0;
    for (int round = 0; round < 10 && !(saw_event && saw_timer); round++) {
        struct epoll_event ready[2];
        int n = epoll_wait(epoll, ready, 2, 1000);
        for (int i = 0; i < n; i++) {
            uint64_t value = 0;
            if (read(ready[i].data.fd, &value, sizeof value) != sizeof value) {
                continue;
            }
            if (ready[i].data.fd == event) {
                saw_event = value == 1;
            } else if (ready[i].data.fd == timer) {
                saw_timer = value >= 1;
            }
        }
    }
    check(saw_event, "epoll saw eventfd");
    check(saw_timer, "epoll saw timerfd");
    close(timer);
    close(event);
    close(epoll);
}

int main(void) {
    check_pthreads();
    check_posix_spawn();
    check_clock_nanosleep();
    check_event_loop();
    printf("c done, %d failed\n", failures);
    return failures == 0 ? 0 : 1;
}
