package org.seccomp4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;

/**
 * Signals every process of a running job, including those that left its process group or session.
 *
 * <p>The members of a job are the processes in its process group or session (both ids are the
 * leader's pid), and every descendant of those, found through the parent pids in {@code /proc}.
 * The group and session ids cannot be reused while any process still carries them, and the leader
 * carries both until it is reaped, so the caller must hold the job's lock with the leader unreaped.
 *
 * <p>Signalling runs in three steps:
 * <ol>
 *   <li>Freeze: SIGSTOP the group, then scan {@code /proc} and SIGSTOP every member not yet seen,
 *       and wait until each has stopped or died. Repeat until a scan that began after every known
 *       member had stopped finds no new one. A stopped process cannot fork, so that scan finds the
 *       whole tree, including children forked while the stop was on its way.
 *   <li>Signal the group and every member.
 *   <li>Unless the signal was SIGKILL, send SIGCONT, so that stopped processes act on the signal.
 *       A process the job had stopped itself is continued too.
 * </ol>
 *
 * <p>Each member is signalled through a pidfd: the pidfd is opened first, and only if
 * {@code /proc/PID/stat} then shows the start time the scan saw is the signal sent. So on Linux 5.3
 * and later a pid that was reused after the scan is never signalled.
 *
 * <p>NOTE: a process that leaves the session and whose chain of parents no longer leads to a member
 * (a daemon: fork, setsid, fork again, and the middle process exits, so init or a subreaper adopts
 * it) is not found. Catching it needs a cgroup per job (cgroup.kill) or the JVM as child subreaper
 * (PR_SET_CHILD_SUBREAPER), which this library does not set up.
 */
final class JobTree {

    private static final System.Logger LOG = System.getLogger("org.seccomp4j");

    private static final int SIGCONT = 18;
    private static final int SIGSTOP = 19;

    private static final int ESRCH = 3;
    private static final int EPERM = 1;
    private static final int ENOSYS = 38;

    /** Syscall numbers on x86_64; pidfd_send_signal arrived in Linux 5.1 and pidfd_open in 5.3. */
    private static final long SYS_PIDFD_SEND_SIGNAL = 424;
    private static final long SYS_PIDFD_OPEN = 434;

    /**
     * Bounds of the freeze step. They only matter for a member stuck in an uninterruptible sleep,
     * or a tree that forks faster than /proc can be read. Then the signal goes to the members
     * found so far.
     */
    private static final int MAX_ROUNDS = 64;
    private static final long FREEZE_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long POLL_NANOS = TimeUnit.MICROSECONDS.toNanos(200);

    /** SIGKILL passes when the freeze hit a bound, so that members found late die too. */
    private static final int MAX_KILL_PASSES = 3;

    private static final Path PROC = Paths.get("/proc");
    private static final int SELF = (int) ProcessHandle.current().pid();

    private JobTree() {
    }

    /**
     * Sends a signal to every process of the job whose leader is {@code leader}. The caller holds
     * the job's lock, and the leader is alive or an unreaped zombie.
     */
    static void signal(int leader, int signal) {
        int passes = signal == Posix.SIGKILL ? MAX_KILL_PASSES : 1;
        for (int pass = 0; pass < passes; pass++) {
            boolean complete = signalOnce(leader, signal);
            if (complete) {
                return;
            }
        }
    }

    /** Runs freeze, signal and thaw once. Returns false if the freeze hit a bound. */
    private static boolean signalOnce(int leader, int signal) {
        // A fork that races with a signal to its group either restarts or gives the child the
        // signal too (copy_process in kernel/fork.c), so the whole group stops.
        killGroup(leader, SIGSTOP);
        Map<Integer, Member> members = new LinkedHashMap<>();
        boolean complete = freeze(leader, members);

        killGroup(leader, signal);
        for (Member member : members.values()) {
            member.send(signal);
        }
        if (signal != Posix.SIGKILL) {
            killGroup(leader, SIGCONT);
            for (Member member : members.values()) {
                member.send(SIGCONT);
            }
        }
        if (!complete) {
            LOG.log(System.Logger.Level.DEBUG, "job {0}: processes kept appearing while the tree was stopped;"
                    + " signalled the {1} found", leader, members.size());
        }
        return complete;
    }

    /** Stops every member it finds and adds it to {@code members}; returns false if a bound was hit. */
    private static boolean freeze(int leader, Map<Integer, Member> members) {
        long deadline = System.nanoTime() + FREEZE_TIMEOUT_NANOS;
        boolean settled = true;
        for (int round = 0; round < MAX_ROUNDS; round++) {
            List<Member> found = findMembers(leader);
            List<Member> fresh = new ArrayList<>();
            for (Member member : found) {
                Member known = members.get(member.pid);
                if (known == null || known.startTime != member.startTime) {
                    fresh.add(member);
                }
            }
            if (fresh.isEmpty() && settled) {
                return true;
            }
            for (Member member : fresh) {
                members.put(member.pid, member);
                member.send(SIGSTOP);
            }
            settled = awaitStopped(members.values(), deadline);
            if (!settled && System.nanoTime() - deadline >= 0) {
                return false;
            }
        }
        return false;
    }

    /** Waits until every member is stopped, dead or unreachable; returns false at the deadline. */
    private static boolean awaitStopped(Collection<Member> members, long deadline) {
        boolean interrupted = Thread.interrupted();
        try {
            while (true) {
                boolean all = true;
                for (Member member : members) {
                    if (!member.settled && !member.refreshSettled()) {
                        all = false;
                    }
                }
                if (all) {
                    return true;
                }
                if (System.nanoTime() - deadline >= 0) {
                    return false;
                }
                LockSupport.parkNanos(POLL_NANOS);
                // parkNanos returns at once while the interrupt flag is set, which would spin.
                interrupted |= Thread.interrupted();
            }
        } finally {
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Returns the job's processes in one pass over /proc: group and session, then descendants. */
    private static List<Member> findMembers(int leader) {
        Map<Integer, Member> all = new HashMap<>();
        Map<Integer, List<Member>> children = new HashMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(PROC)) {
            for (Path entry : entries) {
                int pid = parsePid(entry.getFileName().toString());
                if (pid <= 1 || pid == SELF) {
                    continue;
                }
                Member member = Member.read(pid);
                if (member != null) {
                    all.put(pid, member);
                    children.computeIfAbsent(member.parent, key -> new ArrayList<>()).add(member);
                }
            }
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "listing /proc for job {0} failed: {1}", leader, e.getMessage());
        }

        Map<Integer, Member> found = new LinkedHashMap<>();
        Deque<Member> pending = new ArrayDeque<>();
        for (Member member : all.values()) {
            if (member.group == leader || member.session == leader) {
                pending.add(member);
            }
        }
        while (!pending.isEmpty()) {
            Member member = pending.poll();
            if (found.putIfAbsent(member.pid, member) == null) {
                pending.addAll(children.getOrDefault(member.pid, List.of()));
            }
        }
        return new ArrayList<>(found.values());
    }

    private static int parsePid(String name) {
        if (name.isEmpty() || name.length() > 9) {
            return -1;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return -1;
            }
        }
        return Integer.parseInt(name);
    }

    private static void killGroup(int leader, int signal) {
        if (Posix.POSIX.kill(-leader, signal) < 0) {
            LOG.log(System.Logger.Level.DEBUG, "kill(-{0}, {1}) failed: {2}", leader, signal,
                    Errno.describe(Posix.POSIX.errno()));
        }
    }

    /** One process as a scan of /proc saw it, identified by pid and start time. */
    private static final class Member {
        final int pid;
        final int parent;
        final int group;
        final int session;
        final long startTime;
        char state;
        /** Stopped, dead, gone or not ours to signal: nothing to wait for. */
        boolean settled;

        private Member(int pid, char state, int parent, int group, int session, long startTime) {
            this.pid = pid;
            this.state = state;
            this.parent = parent;
            this.group = group;
            this.session = session;
            this.startTime = startTime;
            this.settled = isStoppedOrDead(pid, state);
        }

        /**
         * Reads /proc/PID/stat: "pid (comm) state ppid pgrp session ..." with the start time as
         * field 22 (proc(5)). Returns null if the process is gone.
         */
        static Member read(int pid) {
            String stat;
            try {
                stat = new String(Files.readAllBytes(PROC.resolve(Integer.toString(pid)).resolve("stat")),
                        StandardCharsets.ISO_8859_1);
            } catch (IOException gone) {
                return null;
            }
            // comm may contain spaces and parentheses, so the fields start after the last ')'.
            int end = stat.lastIndexOf(')');
            if (end < 0 || end + 2 >= stat.length()) {
                return null;
            }
            String[] fields = stat.substring(end + 2).split(" ");
            if (fields.length < 20) {
                return null;
            }
            try {
                return new Member(pid, fields[0].charAt(0), Integer.parseInt(fields[1]), Integer.parseInt(fields[2]),
                        Integer.parseInt(fields[3]), Long.parseLong(fields[19]));
            } catch (NumberFormatException e) {
                return null;
            }
        }

        /** Rereads the state; returns true once the process is stopped, dead or gone. */
        boolean refreshSettled() {
            Member now = read(pid);
            if (now == null || now.startTime != startTime || isStoppedOrDead(pid, now.state)) {
                settled = true;
            }
            return settled;
        }

        private static boolean isStoppedOrDead(int pid, char state) {
            // T: stopped by a signal, t: stopped by a tracer, Z: zombie, X: dead.
            if (state == 'Z') {
                return allThreadsStoppedOrDead(pid);
            }
            return state == 'T' || state == 't' || state == 'X';
        }

        /**
         * Checks every thread of a process that /proc shows as a zombie, because it shows Z also
         * when only the main thread has exited and other threads still run and can fork.
         */
        private static boolean allThreadsStoppedOrDead(int pid) {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(PROC.resolve(Integer.toString(pid)).resolve("task"))) {
                for (Path task : tasks) {
                    String stat = new String(Files.readAllBytes(task.resolve("stat")), StandardCharsets.ISO_8859_1);
                    int end = stat.lastIndexOf(')');
                    char state = end >= 0 && end + 2 < stat.length() ? stat.charAt(end + 2) : 'X';
                    if (state != 'T' && state != 't' && state != 'Z' && state != 'X') {
                        return false;
                    }
                }
            } catch (IOException gone) {
                // The process or the thread was reaped meanwhile.
                return true;
            }
            return true;
        }

        /** Signals the process if it is still the one the scan saw. */
        void send(int signal) {
            // A zombie may still have running threads (see allThreadsStoppedOrDead), so it is
            // signalled too. A real zombie discards the signal.
            if (state == 'X') {
                return;
            }
            int pidfd = (int) Syscalls.LIBC.syscall(SYS_PIDFD_OPEN, pid, 0, 0, 0);
            if (pidfd < 0) {
                int errno = Syscalls.errno();
                if (errno == ENOSYS) {
                    sendWithoutPidfd(signal);
                } else if (errno != ESRCH) {
                    LOG.log(System.Logger.Level.DEBUG, "pidfd_open({0}) failed: {1}", pid, Errno.describe(errno));
                }
                return;
            }
            try {
                // Checked after the open: if the pid was reused, the pidfd may name the new process.
                Member now = read(pid);
                if (now == null || now.startTime != startTime) {
                    settled = true;
                    return;
                }
                if (Syscalls.LIBC.syscall(SYS_PIDFD_SEND_SIGNAL, pidfd, signal, 0, 0) < 0) {
                    failed("pidfd_send_signal", signal, Syscalls.errno());
                }
            } finally {
                Posix.POSIX.close(pidfd);
            }
        }

        /**
         * NOTE: kernels before 5.3 have no pidfd_open. Then the start time is checked just before
         * kill(), which leaves a short window in which the pid could be reused.
         */
        private void sendWithoutPidfd(int signal) {
            Member now = read(pid);
            if (now == null || now.startTime != startTime) {
                settled = true;
                return;
            }
            if (Posix.POSIX.kill(pid, signal) < 0) {
                failed("kill", signal, Posix.POSIX.errno());
            }
        }

        private void failed(String call, int signal, int errno) {
            if (errno == ESRCH || errno == EPERM) {
                // Gone, or running as a user this JVM may not signal: nothing to wait for.
                settled = true;
            }
            if (errno != ESRCH) {
                LOG.log(System.Logger.Level.DEBUG, "{0}({1}, {2}) failed: {3}", call, pid, signal, Errno.describe(errno));
            }
        }
    }

    /** The C library's syscall(2), for the pidfd calls that JNR-POSIX does not bind. */
    static final class Syscalls {

        /** syscall(2) with four arguments; the kernel reads only as many as the call takes. */
        public interface LibC {
            long syscall(long number, long arg0, long arg1, long arg2, long arg3);
        }

        static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

        private Syscalls() {
        }

        static int errno() {
            return LastError.getLastError(jnr.ffi.Runtime.getRuntime(LIBC));
        }
    }
}
