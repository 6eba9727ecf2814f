/*
 * Two ranks of an MPI-like job, started as separate processes: "mpilike 0 DIR" and
 * "mpilike 1 DIR". They meet through a rendezvous file in DIR and exchange messages over TCP on
 * 127.0.0.1, over a Unix socket (with an fd passed as SCM_RIGHTS) and through POSIX shared
 * memory in /dev/shm. Then rank 0 tries a single-copy read of rank 1's memory with
 * process_vm_readv, as Open MPI, MPICH and UCX do on one node, and falls back to shared memory
 * when that fails, as they do. Rank 0 prints the results; both exit 0 only if every check passed.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <semaphore.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE_BYTES (1 << 20)
#define CMA_BYTES (64 * 1024)
#define PING_PONG_ROUNDS 1000

/* The shared segment: a semaphore per direction and a message slot. */
struct segment {
    sem_t to_rank0;
    sem_t to_rank1;
    uint64_t slot;
};

/* What rank 0 publishes in the rendezvous file, and rank 1 sends back over TCP. */
struct rendezvous {
    int tcp_port;
    char shm_name[64];
};

struct cma_offer {
    int32_t pid;
    uint64_t address;
};

static void die(const char *rank, const char *what) {
    fprintf(stderr, "mpilike rank %s: %s failed: %s\n", rank, what, strerrorname_np(errno));
    exit(1);
}

static uint64_t checksum(const unsigned char *data, size_t length) {
    uint64_t sum = 1469598103934665603ULL;
    for (size_t i = 0; i < length; i++) {
        sum = (sum ^ data[i]) * 1099511628211ULL;
    }
    return sum;
}

static void fill(unsigned char *data, size_t length, unsigned seed) {
    for (size_t i = 0; i < length; i++) {
        data[i] = (unsigned char)(i * 31 + seed);
    }
}

static int send_all(int fd, const void *data, size_t length) {
    const char *p = data;
    while (length > 0) {
        ssize_t n = send(fd, p, length, 0);
        if (n <= 0) {
            return -1;
        }
        p += n;
        length -= (size_t)n;
    }
    return 0;
}

static int receive_all(int fd, void *data, size_t length) {
    return recv(fd, data, length, MSG_WAITALL) == (ssize_t)length ? 0 : -1;
}

static void unix_path(struct sockaddr_un *address, const char *dir) {
    memset(address, 0, sizeof *address);
    address->sun_family = AF_UNIX;
    snprintf(address->sun_path, sizeof address->sun_path, "%s/rank0.sock", dir);
}

static int rank0(const char *dir) {
    struct rendezvous meeting;
    memset(&meeting, 0, sizeof meeting);
    snprintf(meeting.shm_name, sizeof meeting.shm_name, "/seccomp4j-mpilike-%d", (int)getpid());

    int shm = shm_open(meeting.shm_name, O_CREAT | O_EXCL | O_RDWR, 0600);
    if (shm < 0 || ftruncate(shm, sizeof(struct segment)) < 0) die("0", "shm_open");
    struct segment *segment = mmap(NULL, sizeof *segment, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
    if (segment == MAP_FAILED) die("0", "mmap");
    sem_init(&segment->to_rank0, 1, 0);
    sem_init(&segment->to_rank1, 1, 0);

    int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(tcp, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in loopback = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t length = sizeof loopback;
    if (bind(tcp, (struct sockaddr *)&loopback, sizeof loopback) < 0 || listen(tcp, 1) < 0
            || getsockname(tcp, (struct sockaddr *)&loopback, &length) < 0) die("0", "tcp listen");
    meeting.tcp_port = ntohs(loopback.sin_port);

    struct sockaddr_un local;
    unix_path(&local, dir);
    int unix_listener = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(unix_listener, (struct sockaddr *)&local, sizeof local) < 0 || listen(unix_listener, 1) < 0)
        die("0", "unix listen");

    /* Publish by rename, so that rank 1 never reads a half-written file. */
    char path[4096], staging[4096];
    snprintf(path, sizeof path, "%s/rendezvous", dir);
    snprintf(staging, sizeof staging, "%s/rendezvous.tmp", dir);
    FILE *file = fopen(staging, "w");
    if (file == NULL || fwrite(&meeting, sizeof meeting, 1, file) != 1 || fclose(file) != 0
            || rename(staging, path) < 0) die("0", "rendezvous");

    int peer = accept4(tcp, NULL, NULL, SOCK_CLOEXEC);
    if (peer < 0) die("0", "accept");
    setsockopt(peer, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    unsigned char *message = malloc(MESSAGE_BYTES);
    uint64_t claimed;
    if (receive_all(peer, message, MESSAGE_BYTES) < 0 || receive_all(peer, &claimed, sizeof claimed) < 0)
        die("0", "tcp receive");
    int tcp_ok = checksum(message, MESSAGE_BYTES) == claimed;
    printf("tcp %d bytes %s\n", MESSAGE_BYTES, tcp_ok ? "intact" : "CORRUPT");
    uint64_t reply = claimed ^ 0xffffffffffffffffULL;
    if (send_all(peer, &reply, sizeof reply) < 0) die("0", "tcp reply");

    int unix_peer = accept4(unix_listener, NULL, NULL, SOCK_CLOEXEC);
    if (unix_peer < 0) die("0", "unix accept");
    char control[CMSG_SPACE(sizeof(int))];
    struct iovec vector = {message, MESSAGE_BYTES};
    struct msghdr header = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control,
            .msg_controllen = sizeof control};
    ssize_t first = recvmsg(unix_peer, &header, MSG_CMSG_CLOEXEC);
    if (first <= 0) die("0", "unix recvmsg");
    struct cmsghdr *passed = CMSG_FIRSTHDR(&header);
    int received_fd = passed != NULL && passed->cmsg_type == SCM_RIGHTS ? *(int *)CMSG_DATA(passed) : -1;
    if (first < MESSAGE_BYTES && receive_all(unix_peer, message + first, MESSAGE_BYTES - (size_t)first) < 0)
        die("0", "unix receive");
    unsigned char *expected = malloc(MESSAGE_BYTES);
    fill(expected, MESSAGE_BYTES, 1);
    int unix_ok = memcmp(message, expected, MESSAGE_BYTES) == 0;
    printf("unix socket %d bytes %s\n", MESSAGE_BYTES, unix_ok ? "intact" : "CORRUPT");
    char note[32] = {0};
    int fd_ok = received_fd >= 0 && pread(received_fd, note, sizeof note - 1, 0) > 0 && !strcmp(note, "passed fd");
    printf("unix socket fd passing %s\n", fd_ok ? "works" : "FAILED");

    int rounds = 0;
    for (uint64_t value = 0; value < PING_PONG_ROUNDS; value++) {
        segment->slot = value;
        sem_post(&segment->to_rank1);
        while (sem_wait(&segment->to_rank0) < 0 && errno == EINTR) {
        }
        if (segment->slot == value + 1) {
            rounds++;
        }
    }
    int shm_ok = rounds == PING_PONG_ROUNDS;
    printf("shared memory ping-pong %d of %d rounds\n", rounds, PING_PONG_ROUNDS);

    struct cma_offer offer;
    if (receive_all(peer, &offer, sizeof offer) < 0) die("0", "cma offer");
    unsigned char *copy = malloc(CMA_BYTES);
    struct iovec into = {copy, CMA_BYTES};
    struct iovec from = {(void *)(uintptr_t)offer.address, CMA_BYTES};
    ssize_t read_bytes = process_vm_readv(offer.pid, &into, 1, &from, 1, 0);
    int cma_ok;
    if (read_bytes < 0) {
        /* What MPI libraries do when CMA is unavailable: keep using the shared-memory path. */
        printf("cma unavailable (%s), shared memory used instead\n", strerrorname_np(errno));
        cma_ok = shm_ok;
    } else {
        fill(expected, CMA_BYTES, 2);
        cma_ok = read_bytes == CMA_BYTES && memcmp(copy, expected, CMA_BYTES) == 0;
        printf("cma read %zd bytes %s\n", read_bytes, cma_ok ? "intact" : "CORRUPT");
    }
    char done = 'd';
    if (send_all(peer, &done, 1) < 0) die("0", "done");

    close(peer);
    close(unix_peer);
    unlink(local.sun_path);
    unlink(path);
    munmap(segment, sizeof *segment);
    shm_unlink(meeting.shm_name);
    int ok = tcp_ok && unix_ok && fd_ok && shm_ok && cma_ok;
    printf("rank 0 %s\n", ok ? "done" : "FAILED");
    return ok ? 0 : 1;
}

static int rank1(const char *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/rendezvous", dir);
    struct rendezvous meeting;
    FILE *file = NULL;
    struct timespec pause = {0, 10 * 1000 * 1000};
    for (int tries = 0; tries < 1000 && (file = fopen(path, "r")) == NULL; tries++) {
        nanosleep(&pause, NULL);
    }
    if (file == NULL || fread(&meeting, sizeof meeting, 1, file) != 1) die("1", "rendezvous");
    fclose(file);

    int shm = shm_open(meeting.shm_name, O_RDWR, 0);
    if (shm < 0) die("1", "shm_open");
    struct segment *segment = mmap(NULL, sizeof *segment, PROT_READ | PROT_WRITE, MAP_SHARED, shm, 0);
    if (segment == MAP_FAILED) die("1", "mmap");

    int tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(tcp, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in rank0_address = {.sin_family = AF_INET, .sin_port = htons((uint16_t)meeting.tcp_port),
            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(tcp, (struct sockaddr *)&rank0_address, sizeof rank0_address) < 0) die("1", "tcp connect");
    unsigned char *message = malloc(MESSAGE_BYTES);
    fill(message, MESSAGE_BYTES, 0);
    uint64_t sum = checksum(message, MESSAGE_BYTES);
    uint64_t reply;
    if (send_all(tcp, message, MESSAGE_BYTES) < 0 || send_all(tcp, &sum, sizeof sum) < 0
            || receive_all(tcp, &reply, sizeof reply) < 0) die("1", "tcp exchange");
    if (reply != (sum ^ 0xffffffffffffffffULL)) {
        fprintf(stderr, "mpilike rank 1: wrong tcp reply\n");
        return 1;
    }

    struct sockaddr_un remote;
    unix_path(&remote, dir);
    int unix_socket = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (connect(unix_socket, (struct sockaddr *)&remote, sizeof remote) < 0) die("1", "unix connect");
    int memory = memfd_create("mpilike", MFD_CLOEXEC);
    if (memory < 0 || pwrite(memory, "passed fd", 9, 0) != 9) die("1", "memfd_create");
    fill(message, MESSAGE_BYTES, 1);
    char control[CMSG_SPACE(sizeof(int))];
    memset(control, 0, sizeof control);
    struct iovec vector = {message, MESSAGE_BYTES};
    struct msghdr header = {.msg_iov = &vector, .msg_iovlen = 1, .msg_control = control,
            .msg_controllen = sizeof control};
    struct cmsghdr *passed = CMSG_FIRSTHDR(&header);
    passed->cmsg_level = SOL_SOCKET;
    passed->cmsg_type = SCM_RIGHTS;
    passed->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(passed), &memory, sizeof memory);
    ssize_t sent = sendmsg(unix_socket, &header, 0);
    if (sent <= 0 || send_all(unix_socket, message + sent, MESSAGE_BYTES - (size_t)sent) < 0)
        die("1", "unix sendmsg");

    for (int round = 0; round < PING_PONG_ROUNDS; round++) {
        while (sem_wait(&segment->to_rank1) < 0 && errno == EINTR) {
        }
        segment->slot++;
        sem_post(&segment->to_rank0);
    }

    unsigned char *exposed = malloc(CMA_BYTES);
    fill(exposed, CMA_BYTES, 2);
    struct cma_offer offer = {(int32_t)getpid(), (uint64_t)(uintptr_t)exposed};
    char done;
    if (send_all(tcp, &offer, sizeof offer) < 0 || receive_all(tcp, &done, 1) < 0) die("1", "cma offer");
    munmap(segment, sizeof *segment);
    return 0;
}

int main(int argc, char **argv) {
    if (argc != 3 || (strcmp(argv[1], "0") && strcmp(argv[1], "1"))) {
        fprintf(stderr, "usage: mpilike 0|1 DIR\n");
        return 2;
    }
    return !strcmp(argv[1], "0") ? rank0(argv[2]) : rank1(argv[2]);
}
