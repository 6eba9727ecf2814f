/*
 * Prints one "FD TARGET" line per open fd of this process, from /proc/self/fd, leaving out the fd
 * of the directory listing itself. The hygiene tests run it as a job to see what it inherited.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(void) {
    DIR *listing = opendir("/proc/self/fd");
    if (listing == NULL) {
        perror("opendir /proc/self/fd");
        return 2;
    }
    int own = dirfd(listing);
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL) {
        if (entry->d_name[0] == '.') {
            continue;
        }
        int fd = atoi(entry->d_name);
        if (fd == own) {
            continue;
        }
        char path[64];
        char target[PATH_MAX];
        snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
        ssize_t length = readlink(path, target, sizeof target - 1);
        if (length < 0) {
            perror(path);
            return 2;
        }
        target[length] = '\0';
        printf("%d %s\n", fd, target);
    }
    closedir(listing);
    return 0;
}
