package org.seccomp4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The denials of one job as the supervisor collects them, and the decision for each notification.
 * The supervisor thread writes it, and {@link SeccompProcess} reads snapshots. Every access takes
 * the object's lock.
 *
 * <p>A call is recorded before the response is sent, and a process can only exit after the
 * responses to its denied calls. So once the job's leader has exited, every denied call that returned before
 * its exit is in the record, and {@link SeccompProcess#denials()} needs no wait.
 */
final class JobDenials {

    private final int id;
    private final SyscallPolicy policy;
    private final BpfProgram program;
    private final SeccompMode mode;

    /** Per syscall number and action, in the order of the first call. */
    private final Map<Key, Entry> entries = new LinkedHashMap<>();
    /** The kill-process denial that killed each process, by process id. */
    private final Map<Integer, Key> kills = new HashMap<>();
    private boolean complete;

    JobDenials(int id, SyscallPolicy policy, SeccompMode mode) {
        this.id = id;
        this.policy = Objects.requireNonNull(policy, "policy");
        this.program = policy.program();
        this.mode = Objects.requireNonNull(mode, "mode");
    }

    int id() {
        return id;
    }

    SeccompMode mode() {
        return mode;
    }

    SyscallPolicy policy() {
        return policy;
    }

    /** The response to one notification, as the shim sends it. */
    static final class Response {
        final long error;
        final long flags;
        final int killTgid;

        Response(long error, long flags, int killTgid) {
            this.error = error;
            this.flags = flags;
            this.killTgid = killTgid;
        }

        static Response errno(int errno) {
            return new Response(-errno, 0, 0);
        }

        static final Response CONTINUE = new Response(0, NativeSupervisor.FLAG_CONTINUE, 0);
    }

    /**
     * Decides the response to a notification by running the policy's own program on its data, and
     * records the call unless the program permits it.
     */
    Response decide(int pid, SeccompData data) {
        Action action = BpfSimulator.run(program, data).action();
        if (action.permits()) {
            // The derived program notifies only where the original denies, so this is a syscall
            // the reporting program and the policy judge differently. Let it run, as the policy does.
            return Response.CONTINUE;
        }
        Key key = record(pid, data, action);
        if (mode == SeccompMode.AUDIT) {
            return Response.CONTINUE;
        }
        switch (action.kind()) {
            case ERRNO:
                return Response.errno(action.errnoValue());
            case KILL_PROCESS:
                int tgid = threadGroup(pid);
                synchronized (this) {
                    kills.putIfAbsent(tgid, key);
                }
                // If the kill fails, the shim sends EPERM instead, so the syscall does not run.
                return new Response(-Errno.EPERM, 0, tgid);
            case USER_NOTIF:
                // What the kernel returns for a user-notif filter without a listener (seccomp(2)).
                return Response.errno(Errno.ENOSYS);
            default:
                // kill-thread and trap stay in the kernel in ENFORCE mode; never run what is denied.
                return Response.errno(Errno.EPERM);
        }
    }

    /** Records a denied call. Only the supervisor thread calls it, so no other thread adds entries. */
    private Key record(int pid, SeccompData data, Action action) {
        Key key = new Key(data.number(), action);
        synchronized (this) {
            Entry entry = entries.get(key);
            if (entry != null) {
                entry.count++;
                return key;
            }
        }
        // Read before the response is sent, while the caller waits and its pid cannot be reused.
        String program = programOf(pid);
        long[] args = new long[ArgCondition.MAX_ARGS];
        for (int i = 0; i < args.length; i++) {
            args[i] = data.arg(i);
        }
        synchronized (this) {
            entries.put(key, new Entry(data.number(), action, pid, args, program));
        }
        return key;
    }

    /** Marks the job's last process as gone: no notification can follow. */
    synchronized void finish() {
        complete = true;
    }

    synchronized DenialReport snapshot() {
        List<Denial> denials = new ArrayList<>(entries.size());
        for (Entry entry : entries.values()) {
            denials.add(entry.toDenial());
        }
        return new DenialReport(denials, complete);
    }

    /** Returns the denial whose kill-process action the supervisor carried out on this process, or null. */
    synchronized Denial killOf(int tgid) {
        Key kill = kills.get(tgid);
        return kill == null ? null : entries.get(kill).toDenial();
    }

    /** Returns the process id of a thread, from {@code /proc/TID/status}, or the thread id itself. */
    private static int threadGroup(int tid) {
        try {
            for (String line : Files.readAllLines(Paths.get("/proc", Integer.toString(tid), "status"),
                    StandardCharsets.UTF_8)) {
                if (line.startsWith("Tgid:")) {
                    return Integer.parseInt(line.substring("Tgid:".length()).trim());
                }
            }
        } catch (IOException | NumberFormatException e) {
            // The caller is gone or /proc is unusable; pidfd_open then fails or names the caller itself.
        }
        return tid;
    }

    /** Returns the caller's executable, or its comm name, or "". */
    private static String programOf(int pid) {
        if (pid <= 0) {
            return "";
        }
        Path process = Paths.get("/proc", Integer.toString(pid));
        try {
            return Files.readSymbolicLink(process.resolve("exe")).toString();
        } catch (IOException | UnsupportedOperationException e) {
            try {
                return Files.readString(process.resolve("comm"), StandardCharsets.UTF_8).strip();
            } catch (IOException unreadable) {
                return "";
            }
        }
    }

    private static final class Key {
        final int number;
        final Action action;

        Key(int number, Action action) {
            this.number = number;
            this.action = action;
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key && ((Key) other).number == number && ((Key) other).action.equals(action);
        }

        @Override
        public int hashCode() {
            return 31 * number + action.hashCode();
        }
    }

    private static final class Entry {
        final int number;
        final Action action;
        final int firstPid;
        final long[] firstArguments;
        final String firstProgram;
        long count = 1;

        Entry(int number, Action action, int firstPid, long[] firstArguments, String firstProgram) {
            this.number = number;
            this.action = action;
            this.firstPid = firstPid;
            this.firstArguments = firstArguments;
            this.firstProgram = firstProgram;
        }

        Denial toDenial() {
            return new Denial(number, action, count, firstPid, firstArguments, firstProgram);
        }
    }
}
