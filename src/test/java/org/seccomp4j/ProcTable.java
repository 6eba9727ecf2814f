package org.seccomp4j;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** Reads processes from /proc for live tests: who is alive, whose child, which group and session. */
final class ProcTable {

    /** One line of /proc/PID/stat; a pid and its start time identify a process even across pid reuse. */
    record Entry(int pid, String command, char state, int parent, int group, int session, long startTime) {

        boolean isZombieOrDead() {
            return state == 'Z' || state == 'X';
        }

        @Override
        public String toString() {
            return pid + " (" + command + ") state " + state + " ppid " + parent + " pgid " + group + " sid " + session;
        }
    }

    static final int SELF = (int) ProcessHandle.current().pid();

    private ProcTable() {
    }

    /** Reads /proc/PID/stat; empty if the process is gone. */
    static Optional<Entry> read(int pid) {
        String stat;
        try {
            stat = new String(Files.readAllBytes(Paths.get("/proc", Integer.toString(pid), "stat")), StandardCharsets.ISO_8859_1);
        } catch (IOException gone) {
            return Optional.empty();
        }
        int open = stat.indexOf('(');
        int close = stat.lastIndexOf(')');
        String[] fields = stat.substring(close + 2).split(" ");
        return Optional.of(new Entry(pid, stat.substring(open + 1, close), fields[0].charAt(0),
                Integer.parseInt(fields[1]), Integer.parseInt(fields[2]), Integer.parseInt(fields[3]),
                Long.parseLong(fields[19])));
    }

    /** Returns every process that matches the filter. */
    static List<Entry> all(Predicate<Entry> filter) {
        List<Entry> matches = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Paths.get("/proc"))) {
            for (Path entry : entries) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                read(Integer.parseInt(name)).filter(filter).ifPresent(matches::add);
            }
        } catch (IOException e) {
            throw new IllegalStateException("listing /proc failed", e);
        }
        return matches;
    }

    /**
     * Returns true while the process the entry describes runs: same pid and start time, and some
     * thread not a zombie. /proc shows a process as a zombie once its main thread has exited, even
     * while other threads run on.
     */
    static boolean isRunning(Entry process) {
        Optional<Entry> now = read(process.pid()).filter(entry -> entry.startTime() == process.startTime());
        if (now.isEmpty()) {
            return false;
        }
        if (!now.get().isZombieOrDead()) {
            return true;
        }
        Path tasks = Paths.get("/proc", Integer.toString(process.pid()), "task");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(tasks)) {
            for (Path task : entries) {
                String stat = new String(Files.readAllBytes(task.resolve("stat")), StandardCharsets.ISO_8859_1);
                char state = stat.charAt(stat.lastIndexOf(')') + 2);
                if (state != 'Z' && state != 'X') {
                    return true;
                }
            }
        } catch (IOException gone) {
            return false;
        }
        return false;
    }

    /** Returns this JVM's children that are zombies. */
    static List<Entry> zombieChildren() {
        return all(entry -> entry.parent() == SELF && entry.isZombieOrDead());
    }

    /** Returns this JVM's children, alive or zombie. */
    static List<Entry> children() {
        return all(entry -> entry.parent() == SELF);
    }

    /** Waits up to the timeout for every process to stop running; returns those still running. */
    static List<Entry> awaitGone(List<Entry> processes, long timeoutMillis) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        while (true) {
            List<Entry> running = processes.stream().filter(ProcTable::isRunning).toList();
            if (running.isEmpty() || System.nanoTime() - deadline >= 0) {
                return running;
            }
            Thread.sleep(10);
        }
    }
}
