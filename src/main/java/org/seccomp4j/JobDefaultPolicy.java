package org.seccomp4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The job default: the syscalls batch jobs (shell scripts, Python, Java, compilers, MPI ranks, GPU
 * programs) need, and nothing that changes the system, other namespaces or other processes' memory.
 *
 * <p>Every allowed syscall carries a one-line reason. What is left out, and so fails with EPERM,
 * includes ptrace, process_vm_readv/writev, mount and umount2, pivot_root, chroot, unshare, setns,
 * bpf, perf_event_open, keyctl, add_key, request_key, userfaultfd, io_uring, kernel modules, kexec,
 * reboot, swapon/swapoff, acct, settimeofday, clock_settime, setuid, setgid and setgroups. Some of
 * these come back in opt-in groups ({@link SyscallGroups}).
 *
 * <p>The list was chosen by tracing real jobs with strace (bash, coreutils, Python, JDK 17 and 25,
 * gcc, make, git, perl, MPI-like programs) and by denying each candidate in turn to see which
 * programs break, then adding the calls that GPU, NUMA and MPI runtimes are documented to use.
 * WorkloadSuiteTest runs such jobs under this policy, and EscapeSuiteTest tries the ways out that
 * it must stop.
 * setresuid and setresgid are allowed because make's posix_spawn resets the child's ids to its own,
 * and setreuid because strace sets its ids to its own before it starts the tracee. Without
 * CAP_SETUID the kernel refuses any other ids, and NO_NEW_PRIVS stops setuid binaries.
 */
final class JobDefaultPolicy {

    static final String NAME = "job-default";

    /** The namespace flags of clone(2): NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET. */
    static final long CLONE_NAMESPACE_FLAGS = 0x00020000L | 0x02000000L | 0x04000000L | 0x08000000L
            | 0x10000000L | 0x20000000L | 0x40000000L;

    /** TIOCSTI pushes bytes into a terminal's input queue: a job could type commands into its parent's shell. */
    static final long TIOCSTI = 0x5412;
    /** TIOCLINUX has subcommands that read and write the Linux console's selection buffer. */
    static final long TIOCLINUX = 0x541c;
    /** personality(0xffffffff) only queries the persona. */
    static final long PERSONALITY_QUERY = 0xffffffffL;
    /** PER_LINUX: the plain persona, which setarch and some runtimes set back explicitly. */
    static final long PER_LINUX = 0;
    private static final long LOW_32_BITS = 0xffffffffL;

    /** Syscalls that get ENOSYS instead of EPERM, so that their callers use the older interface. */
    private static final String[] NEWER_WITH_FALLBACK = {
        "openat2", "futex_waitv", "cachestat", "fchmodat2", "statmount", "listmount", "mseal",
        "getxattrat", "file_getattr",
    };

    /** Syscalls allowed without conditions, in number order, each with why jobs need it. */
    private static final Map<String, String> ALLOWED = new LinkedHashMap<>();

    static {
        allow("read", "read from files, pipes and sockets");
        allow("write", "write to files, pipes and sockets");
        allow("open", "open files (older binaries and static libcs)");
        allow("close", "close fds");
        allow("stat", "file metadata by path; Temurin 25 and make call it");
        allow("fstat", "file metadata by fd; Temurin 25 calls it");
        allow("lstat", "file metadata without following a symlink; Temurin 25 calls it");
        allow("poll", "wait for fds; shells, Python and MPI progress engines");
        allow("lseek", "move a file offset");
        allow("mmap", "map files and anonymous memory; GPU drivers map device memory this way");
        allow("mprotect", "change page protection; dynamic loader, JITs");
        allow("munmap", "unmap memory");
        allow("brk", "grow the heap; malloc");
        allow("rt_sigaction", "install signal handlers; trap in shells, signal in Python");
        allow("rt_sigprocmask", "block and unblock signals");
        allow("rt_sigreturn", "return from a signal handler");
        allow("pread64", "read at an offset; loaders, databases");
        allow("pwrite64", "write at an offset");
        allow("readv", "scatter read");
        allow("writev", "gather write; glibc stdio, loggers");
        allow("access", "check file permissions; shells test -x");
        allow("pipe", "create a pipe; shell pipelines");
        allow("select", "wait for fds; older programs and Perl");
        allow("sched_yield", "yield the CPU; spin locks in MPI and OpenMP runtimes");
        allow("mremap", "grow a mapping; realloc of large blocks, GPU drivers");
        allow("msync", "flush a file mapping");
        allow("madvise", "memory hints; allocators, JVM, GPU drivers");
        allow("shmget", "System V shared memory; MPI shared-memory transports");
        allow("shmat", "attach System V shared memory");
        allow("shmctl", "control and remove System V shared memory");
        allow("dup", "duplicate an fd; shell redirections");
        allow("dup2", "duplicate an fd onto another; shell redirections");
        allow("pause", "wait for a signal; without it Python's signal.pause() returns at once");
        allow("nanosleep", "sleep");
        allow("alarm", "schedule SIGALRM; timeouts in scripts");
        allow("setitimer", "interval timers; profilers and timeouts");
        allow("getpid", "own process id");
        allow("sendfile", "copy between fds in the kernel; cp, web servers");
        allow("socket", "create sockets; MPI and NCCL over TCP, Unix sockets");
        allow("connect", "connect a socket");
        allow("accept", "accept a connection");
        allow("sendto", "send on a socket");
        allow("recvfrom", "receive on a socket");
        allow("sendmsg", "send with ancillary data; fd passing over Unix sockets");
        allow("recvmsg", "receive with ancillary data");
        allow("shutdown", "shut down a socket direction");
        allow("bind", "bind a socket; servers, Unix sockets");
        allow("listen", "listen on a socket");
        allow("getsockname", "local address of a socket");
        allow("getpeername", "peer address of a socket");
        allow("socketpair", "connected socket pair; Python asyncio and Java NIO, with no fallback");
        allow("setsockopt", "socket options");
        allow("getsockopt", "socket options");
        allow("fork", "create a process; older programs");
        allow("vfork", "create a process cheaply; gcc, make, tar z and Python subprocess, with no fallback");
        allow("execve", "run a program");
        allow("exit", "end a thread");
        allow("wait4", "reap a child; shells wait");
        allow("kill", "signal a process; shells kill, job control");
        allow("uname", "system name and kernel release");
        allow("shmdt", "detach System V shared memory");
        allow("fcntl", "fd flags and record locks");
        allow("flock", "advisory file locks; the JVM's hsperfdata, pip, git");
        allow("fsync", "flush a file to disk");
        allow("fdatasync", "flush file data to disk");
        allow("truncate", "set a file's length by path");
        allow("ftruncate", "set a file's length by fd; shm_open users size their segment this way");
        allow("getcwd", "current directory");
        allow("chdir", "change directory");
        allow("fchdir", "change directory by fd; find, tar");
        allow("rename", "rename files");
        allow("mkdir", "create directories");
        allow("rmdir", "remove directories");
        allow("creat", "create files; tar");
        allow("link", "hard links");
        allow("unlink", "remove files");
        allow("symlink", "symbolic links");
        allow("readlink", "read a symbolic link; /proc/self/exe lookups");
        allow("chmod", "change file mode");
        allow("fchmod", "change file mode by fd");
        allow("chown", "change file owner; cp -a, tar (the kernel still checks permission)");
        allow("fchown", "change file owner by fd");
        allow("umask", "file creation mask");
        allow("gettimeofday", "wall clock, when the vDSO is not used");
        allow("getrlimit", "read resource limits; ulimit");
        allow("getrusage", "resource usage; time, make, Python resource");
        allow("sysinfo", "memory and load figures; JVM, free");
        allow("times", "process times; shells' times builtin");
        allow("getuid", "own user id");
        allow("getgid", "own group id");
        allow("geteuid", "effective user id");
        allow("getegid", "effective group id");
        allow("setpgid", "move a process to a process group; shell job control");
        allow("getppid", "parent process id");
        allow("getpgrp", "own process group");
        allow("setsid", "new session; daemons, setsid, Python start_new_session");
        allow("setreuid", "set own ids; strace run by a non-root user calls setreuid(uid, uid) and exits without it");
        allow("getgroups", "supplementary groups; id, access checks");
        allow("setresuid", "reset ids to the process's own; make's posix_spawn does it per recipe");
        allow("getresuid", "real, effective and saved user ids");
        allow("setresgid", "reset group ids to the process's own; make's posix_spawn");
        allow("getresgid", "real, effective and saved group ids");
        allow("getpgid", "process group of a process; Python os.getpgid raises without it");
        allow("getsid", "session of a process; Python os.getsid");
        allow("rt_sigtimedwait", "wait for a signal; sigwait in threads");
        allow("rt_sigsuspend", "wait for a signal; shells wait");
        allow("sigaltstack", "alternate signal stack; Go, Rust and JVM stack overflow handling");
        allow("statfs", "file system figures by path; df");
        allow("fstatfs", "file system figures by fd");
        allow("getpriority", "scheduling priority");
        allow("setpriority", "lower own priority; nice");
        allow("sched_getparam", "read scheduling parameters; chrt -p, Python os.sched_getparam");
        allow("sched_getscheduler", "read the scheduling policy; chrt -p, Python os.sched_getscheduler");
        allow("sched_get_priority_max", "priority range of a scheduling policy; chrt -m, Python");
        allow("sched_get_priority_min", "priority range of a scheduling policy; chrt -m");
        allow("mlock", "pin memory; RDMA and GPU transfer buffers (bounded by RLIMIT_MEMLOCK)");
        allow("munlock", "unpin memory");
        allow("prctl", "process attributes: the JVM names its threads, runners set PR_SET_PDEATHSIG and NO_NEW_PRIVS");
        allow("arch_prctl", "set the thread pointer; every dynamically linked program");
        allow("setrlimit", "set resource limits; ulimit (raising a hard limit needs privilege)");
        allow("sync", "flush all file systems; the sync command exits 1 without it (unprivileged, like fsync)");
        allow("gettid", "own thread id");
        allow("fsetxattr", "copy extended attributes; cp -a, tar --xattrs");
        allow("getxattr", "extended attributes; cp -a, ls");
        allow("lgetxattr", "extended attributes of a symlink; ls -l");
        allow("fgetxattr", "extended attributes by fd");
        allow("flistxattr", "list extended attributes by fd");
        allow("futex", "locks and condition variables of every thread library");
        allow("sched_setaffinity", "pin threads to CPUs; MPI, OpenMP, taskset");
        allow("sched_getaffinity", "CPU set; nproc, sort, Python; the JVM aborts without it");
        allow("getdents64", "list a directory");
        allow("set_tid_address", "thread start-up in every libc");
        allow("restart_syscall", "restart an interrupted sleep after SIGSTOP and SIGCONT");
        allow("fadvise64", "file access hints; cp, sort, databases");
        allow("timer_create", "POSIX timers; timeout, Python, the JVM");
        allow("timer_settime", "arm a POSIX timer");
        allow("timer_delete", "delete a POSIX timer");
        allow("clock_gettime", "clocks; Temurin 25 calls it directly for thread CPU clocks");
        allow("clock_getres", "clock resolution");
        allow("clock_nanosleep", "sleep on a clock; sleep, Python time.sleep");
        allow("exit_group", "end the process");
        allow("epoll_wait", "wait for events; event loops, the JVM, asyncio");
        allow("epoll_ctl", "register fds with epoll");
        allow("tgkill", "signal a thread; raise, abort, thread cancellation");
        allow("mbind", "NUMA memory placement; MPI, OpenMP, hwloc");
        allow("set_mempolicy", "NUMA memory policy; numactl, hwloc");
        allow("get_mempolicy", "NUMA memory policy; hwloc, the JVM");
        allow("waitid", "wait for a child; Python, posix_spawn");
        allow("ioprio_set", "set the I/O class; ionice -c 3 (the kernel reserves the realtime class for privileged processes)");
        allow("ioprio_get", "read the I/O priority; ionice -p");
        allow("inotify_add_watch", "watch files");
        allow("inotify_rm_watch", "stop watching files");
        allow("openat", "open files; every current libc");
        allow("mkdirat", "create directories relative to an fd");
        allow("mknodat", "create FIFOs; mkfifo (devices need CAP_MKNOD)");
        allow("fchownat", "change file owner relative to an fd; cp -a, tar");
        allow("newfstatat", "file metadata relative to an fd; ls, find, glibc stat");
        allow("unlinkat", "remove files relative to an fd; rm -r");
        allow("renameat", "rename relative to an fd");
        allow("linkat", "hard links relative to an fd");
        allow("symlinkat", "symbolic links relative to an fd");
        allow("readlinkat", "read a symbolic link relative to an fd");
        allow("fchmodat", "change file mode relative to an fd");
        allow("faccessat", "check file permissions relative to an fd");
        allow("pselect6", "wait for fds with a signal mask; glibc select, bash");
        allow("ppoll", "wait for fds with a signal mask; glibc poll");
        allow("set_robust_list", "thread start-up in glibc");
        allow("utimensat", "set file times; touch, cp -p, tar");
        allow("epoll_pwait", "wait for events with a signal mask");
        allow("timerfd_create", "timers as fds; event loops");
        allow("fallocate", "reserve file space; cp, databases");
        allow("timerfd_settime", "arm a timerfd");
        allow("accept4", "accept a connection with flags");
        allow("eventfd2", "event notification fds; event loops, the JVM, CUDA");
        allow("epoll_create1", "event polling");
        allow("dup3", "duplicate an fd with flags");
        allow("pipe2", "create a pipe with flags; every current libc");
        allow("inotify_init1", "watch files with flags; tail -f");
        allow("prlimit64", "read and set resource limits; glibc getrlimit, ulimit");
        allow("syncfs", "flush one file system; sync -f");
        allow("sendmmsg", "send several messages; glibc DNS resolver");
        allow("getcpu", "current CPU and NUMA node; sched_getcpu, hwloc");
        allow("sched_getattr", "read scheduling attributes; chrt -p");
        allow("renameat2", "rename with flags; mv");
        allow("seccomp", "add a stricter filter of the job's own; filters stack and the strictest result wins,"
                + " prctl(PR_SET_SECCOMP) allows the same, and seccomp4j in a job needs seccomp(2)");
        allow("getrandom", "random bytes; shuf, Python, OpenSSL, the JVM");
        allow("memfd_create", "anonymous files; JITs, shared memory between ranks");
        allow("copy_file_range", "copy between files in the kernel; cp");
        allow("statx", "file metadata; ls, stat and cp fail without it, and so does Temurin 25's compiler");
        allow("rseq", "restartable sequences; glibc thread start-up");
        allow("pidfd_send_signal", "signal a process by pidfd; Python subprocess");
        allow("pidfd_open", "a pidfd for a child; Python asyncio and subprocess");
        allow("close_range", "close many fds at once; Python subprocess, posix_spawn");
        allow("faccessat2", "check permissions; glibc 2.36 routes every faccessat through it, gcc, ld, the JVM");
    }

    static final SyscallPolicy INSTANCE = build();

    private JobDefaultPolicy() {
    }

    private static void allow(String syscall, String reason) {
        ALLOWED.put(syscall, reason);
    }

    /** Returns why the job default allows a syscall, or null if it does not allow it unconditionally. */
    static String reason(String syscall) {
        return ALLOWED.get(syscall);
    }

    private static SyscallPolicy build() {
        SyscallPolicy.Builder builder = SyscallPolicy.builder()
                .name(NAME)
                .defaultAction(Action.errno(Errno.EPERM));
        ALLOWED.keySet().forEach(builder::allow);

        // clone: threads and processes, but no new namespaces; unshare and setns are left out for the
        // same reason. clone() reads only the low 32 bits of its flags, so the mask ignores the rest.
        builder.rule("clone", Action.ALLOW, ArgCondition.maskedEquals(0, CLONE_NAMESPACE_FLAGS, 0));

        // clone3 takes its flags in user memory, which a filter cannot read. glibc 2.34 and later try
        // clone3 first and fall back to clone only on ENOSYS, so EPERM would break thread creation.
        builder.rule("clone3", Action.errno(Errno.ENOSYS));

        // Newer interfaces whose callers fall back to an older, allowed syscall on ENOSYS but fail
        // on EPERM: glibc 2.39 (fchmodat2), util-linux 2.40 (statmount, listmount), wine (futex_waitv).
        for (String newer : NEWER_WITH_FALLBACK) {
            builder.rule(newer, Action.errno(Errno.ENOSYS));
        }

        // ioctl: terminals, sockets and GPU drivers all talk through it. The request is an unsigned
        // int to the kernel, so only its low 32 bits are compared; comparing 64 bits could be
        // bypassed by setting the high bits.
        builder.rule("ioctl", Action.errno(Errno.EPERM), ArgCondition.maskedEquals(1, LOW_32_BITS, TIOCSTI));
        builder.rule("ioctl", Action.errno(Errno.EPERM), ArgCondition.maskedEquals(1, LOW_32_BITS, TIOCLINUX));
        builder.allow("ioctl");

        // personality: querying is harmless; READ_IMPLIES_EXEC and the like weaken the job's own
        // memory protection, so only the query and the plain Linux persona are allowed.
        builder.rule("personality", Action.ALLOW, ArgCondition.maskedEquals(0, LOW_32_BITS, PERSONALITY_QUERY));
        builder.rule("personality", Action.ALLOW, ArgCondition.maskedEquals(0, LOW_32_BITS, PER_LINUX));
        return builder.build();
    }
}
