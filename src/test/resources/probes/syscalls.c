/*
 * Makes the syscalls named on the command line and reports each result. Every argument has the
 * form NR,A0,A1,A2,A3,A4,A5 (numbers in C syntax, read as unsigned 64 bits). For call i it writes
 * "i RESULT ERRNO" with write(2) at once, so the lines before a call that the filter kills still
 * arrive, and "done" after the last call. ERRNO is 0 when the call succeeded.
 *
 * The property tests run it under random policies; only they choose which syscalls it makes.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void say(const char *line, size_t length) {
    if (write(STDOUT_FILENO, line, length) != (ssize_t)length) {
        _exit(3);
    }
}

int main(int argc, char **argv) {
    for (int i = 1; i < argc; i++) {
        unsigned long long values[7] = {0};
        char *cursor = argv[i];
        for (int v = 0; v < 7; v++) {
            char *end;
            errno = 0;
            values[v] = strtoull(cursor, &end, 0);
            if (errno != 0 || end == cursor || (*end != ',' && *end != '\0') || (*end == '\0' && v < 6)) {
                fprintf(stderr, "syscalls: invalid call '%s'; expected NR,A0,A1,A2,A3,A4,A5\n", argv[i]);
                return 2;
            }
            cursor = end + 1;
        }
        errno = 0;
        long result = syscall((long)values[0], values[1], values[2], values[3], values[4], values[5], values[6]);
        int error = result == -1 ? errno : 0;
        char line[96];
        int length = snprintf(line, sizeof line, "%d %ld %d\n", i - 1, result, error);
        say(line, (size_t)length);
    }
    say("done\n", 5);
    return 0;
}
