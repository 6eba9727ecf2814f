package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * Starts and reaps many jobs from many threads, then checks that the JVM has the same fds and
 * threads as before and no unreaped child.
 *
 * <p>{@code mvn -B verify} runs 800 jobs. docs/SOAK.md gives the command of the full soak of
 * 20,000 jobs. Both print the rate and the fd and thread counts before and after.
 *
 * <p>The baseline is taken after a first round of jobs, because the first job loads JNR and the
 * shim, and starts reaper threads; those stay for the JVM's lifetime or the pool's idle timeout.
 */
@EnabledOnOs(OS.LINUX)
class SoakTest {

    private static final int JOBS = Integer.getInteger("seccomp4j.soak.jobs", 800);
    private static final int THREADS = Integer.getInteger("seccomp4j.soak.threads", 16);
    /** Waits after the soak until the reaper pool's idle threads have timed out, about a minute. */
    private static final boolean AWAIT_IDLE_REAPERS = Boolean.getBoolean("seccomp4j.soak.awaitIdleReapers");

    /** Thread name prefix of the reaper pool, as /proc shows it: comm is cut to 15 bytes. */
    private static final String REAPER_COMM = "seccomp4j-reape";
    /** Thread name of the JDK's reaper for ProcessBuilder's processes. */
    private static final String JDK_REAPER_COMM = "process reaper";
    /** Runs the jobs with or without denial reports, to compare their cost; with them unless set. */
    private static final boolean REPORT_DENIALS = !"false".equals(System.getProperty("seccomp4j.soak.reportDenials"));

    /** Kinds of job, taken in turn, so that every window of eight jobs has one of each. */
    enum Kind {
        /** echo with its stdout read to the end and every stream closed. */
        ECHO,
        /** A shell that writes to stderr and exits with 3; stdout is left unread. */
        SHELL_EXIT_3,
        /** true, whose streams the caller never touches: the reaper must close them. */
        UNTOUCHED_STREAMS,
        /** execve fails in the child with ENOENT. */
        EXEC_FAILURE,
        /** chdir fails in the child with ENOENT. */
        CHDIR_FAILURE,
        /** sleep, ended by destroy(): SIGTERM. */
        DESTROY,
        /** sleep, ended by destroyForcibly() right after start(): SIGKILL. */
        DESTROY_FORCIBLY,
        /** perl calls ptrace under a policy whose rule for it is kill-process: SIGSYS. */
        SIGSYS
    }

    private static final SyscallPolicy KILL_ON_PTRACE = SyscallPolicy.parse(
            "policy kill-on-ptrace\ninclude job-default\nkill-process ptrace\n");

    @Test
    void soakLeavesNoFdThreadOrZombie() throws Exception {
        // The first jobs load JNR, the shim and the policy, start reapers and warm up the JIT;
        // what they leave is the baseline, not a leak.
        runJobs(Kind.values().length * THREADS, THREADS);
        Leaks.awaitNoListenerFd();

        Map<Integer, String> fdsBefore = Leaks.openFds();
        Map<Integer, String> threadsBefore = Leaks.threads();
        List<ProcTable.Entry> childrenBefore = ProcTable.children();

        long start = System.nanoTime();
        Map<Kind, Integer> counts = runJobs(JOBS, THREADS);
        double seconds = (System.nanoTime() - start) / 1e9;

        Map<Integer, String> fdsAfter = Leaks.awaitOpenFds(fdsBefore);
        Map<Integer, String> threadsAfter = Leaks.threads();
        System.out.printf(Locale.ROOT, "soak: %d jobs from %d threads in %.1f s, %.0f jobs/s, denial reports %s; %s%n",
                JOBS, THREADS, seconds, JOBS / seconds, REPORT_DENIALS ? "on" : "off", counts);
        System.out.printf(Locale.ROOT, "soak: fds before %d, after %d; threads before %d, after %d"
                        + " (idle reapers before %d, after %d)%n",
                fdsBefore.size(), fdsAfter.size(), threadsBefore.size(), threadsAfter.size(),
                count(threadsBefore, REAPER_COMM), count(threadsAfter, REAPER_COMM));

        for (Kind kind : Kind.values()) {
            assertEquals(expectedCount(kind), counts.get(kind), "jobs of kind " + kind);
        }
        assertEquals(fdsBefore, fdsAfter, "open fds before and after the soak");
        assertEquals(0, Leaks.unreapedChild(), "waitid(P_ALL, WNOWAIT) found an unreaped child");
        assertEquals(List.of(), ProcTable.zombieChildren(), "zombie children in /proc");
        assertEquals(childrenBefore, ProcTable.children(), "children of the JVM before and after");
        assertReapersIdle();
        assertEquals(comparableThreads(threadsBefore), comparableThreads(threadsAfter),
                "threads other than idle reapers and HotSpot's on-demand threads, by name");

        if (AWAIT_IDLE_REAPERS) {
            long waitStart = System.nanoTime();
            Map<Integer, String> threadsIdle = Leaks.threads();
            while (count(threadsIdle, REAPER_COMM) > 0 && System.nanoTime() - waitStart < TimeUnit.SECONDS.toNanos(90)) {
                Thread.sleep(1000);
                threadsIdle = Leaks.threads();
            }
            System.out.printf(Locale.ROOT, "soak: threads after the idle reapers timed out %d;"
                            + " before the soak without its reapers %d%n",
                    threadsIdle.size(), threadsBefore.size() - count(threadsBefore, REAPER_COMM));
            assertEquals(0, count(threadsIdle, REAPER_COMM), "reapers left after their idle timeout");
            assertEquals(comparableThreads(threadsBefore), comparableThreads(threadsIdle), "threads by name");
        }
    }

    /** The zombie checks above can fail: a child spawned without a reaper shows up in both. */
    @Test
    void zombieChecksSeeUnreapedChild() {
        int[] inherit = {NativeSpawn.REDIRECT_INHERIT, NativeSpawn.REDIRECT_INHERIT, NativeSpawn.REDIRECT_INHERIT};
        int[] result = NativeSpawn.spawn("/bin/true\0".getBytes(StandardCharsets.UTF_8), "true\0".getBytes(StandardCharsets.UTF_8),
                1, new byte[0], 0, null, inherit, new byte[3][], null, new long[0], NativeSpawn.KEEP,
                NativeSpawn.KEEP, NativeSpawn.KEEP, null);
        int pid = result[NativeSpawn.RESULT_PID];
        assertEquals(0, result[NativeSpawn.RESULT_STEP], "spawn step");
        NativeSpawn.awaitExit(pid);

        assertEquals(pid, Leaks.unreapedChild());
        assertEquals(List.of(pid), ProcTable.zombieChildren().stream().map(ProcTable.Entry::pid).toList());

        assertEquals(0, NativeSpawn.reap(pid), "wait status of true");
        assertEquals(0, Leaks.unreapedChild());
    }

    private static int expectedCount(Kind kind) {
        int kinds = Kind.values().length;
        return JOBS / kinds + (kind.ordinal() < JOBS % kinds ? 1 : 0);
    }

    /** Runs and checks the jobs from a fixed pool of threads. Returns how many ran of each kind. */
    private static Map<Kind, Integer> runJobs(int jobs, int threads) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicLongArray counts = new AtomicLongArray(Kind.values().length);
        List<Thread> poolThreads = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(threads, task -> {
            Thread thread = new Thread(task, "soak-" + poolThreads.size());
            poolThreads.add(thread);
            return thread;
        });
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                workers.add(pool.submit(() -> {
                    int index;
                    while ((index = next.getAndIncrement()) < jobs) {
                        Kind kind = Kind.values()[index % Kind.values().length];
                        runJob(kind, index);
                        counts.incrementAndGet(kind.ordinal());
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(30, TimeUnit.MINUTES);
            }
        } finally {
            pool.shutdownNow();
            assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES), "soak threads did not end");
            // A terminated pool's threads may still be on their way out of run(), and a joined
            // thread's kernel task lingers in /proc/self/task for a moment after join() returns.
            for (Thread thread : poolThreads) {
                thread.join(TimeUnit.MINUTES.toMillis(1));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (count(Leaks.threads(), "soak-") > 0 && System.nanoTime() - deadline < 0) {
                Thread.sleep(10);
            }
        }
        Map<Kind, Integer> result = new EnumMap<>(Kind.class);
        for (Kind kind : Kind.values()) {
            result.put(kind, (int) counts.get(kind.ordinal()));
        }
        return result;
    }

    private static void runJob(Kind kind, int index) throws IOException, InterruptedException {
        switch (kind) {
            case ECHO: {
                Process job = start(new SeccompProcessBuilder("/bin/echo", "job-" + index));
                job.getOutputStream().close();
                String output;
                try (InputStream stdout = job.getInputStream()) {
                    output = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
                }
                job.getErrorStream().close();
                assertEquals(0, job.waitFor(), "echo job " + index);
                assertEquals("job-" + index + "\n", output);
                break;
            }
            case SHELL_EXIT_3: {
                Process job = start(new SeccompProcessBuilder("/bin/sh", "-c", "echo to-stderr >&2; exit 3"));
                String error;
                try (InputStream stderr = job.getErrorStream()) {
                    error = new String(stderr.readAllBytes(), StandardCharsets.UTF_8);
                }
                assertEquals(3, job.waitFor(), "shell job " + index);
                assertEquals("to-stderr\n", error);
                break;
            }
            case UNTOUCHED_STREAMS:
                assertEquals(0, start(new SeccompProcessBuilder("/bin/true")).waitFor(), "true job " + index);
                break;
            case EXEC_FAILURE: {
                IOException error = assertThrows(IOException.class,
                        () -> start(new SeccompProcessBuilder("/nonexistent/job-" + index)));
                assertTrue(error.getMessage().endsWith("failed: ENOENT (No such file or directory)"), error.getMessage());
                break;
            }
            case CHDIR_FAILURE: {
                IOException error = assertThrows(IOException.class, () -> start(
                        new SeccompProcessBuilder("/bin/true").directory(new File("/nonexistent/dir-" + index))));
                assertTrue(error.getMessage().contains("chdir("), error.getMessage());
                break;
            }
            case DESTROY: {
                Process job = start(new SeccompProcessBuilder("/bin/sleep", "60"));
                // Half of them are destroyed at once, half after the job had time to settle in.
                if (index % 2 == 0) {
                    Thread.sleep(5);
                }
                job.destroy();
                assertTrue(job.waitFor(30, TimeUnit.SECONDS), "destroyed job " + index + " did not end");
                assertEquals(143, job.exitValue(), "destroyed job " + index);
                break;
            }
            case DESTROY_FORCIBLY: {
                Process job = start(new SeccompProcessBuilder("/bin/sleep", "60"));
                job.destroyForcibly();
                assertTrue(job.waitFor(30, TimeUnit.SECONDS), "destroyed job " + index + " did not end");
                assertEquals(137, job.exitValue(), "forcibly destroyed job " + index);
                break;
            }
            case SIGSYS: {
                SeccompProcess job = (SeccompProcess) start(new SeccompProcessBuilder(
                        "/usr/bin/perl", "-e", "syscall(101, 0, 0, 0, 0); print \"survived\\n\"")
                        .policy(KILL_ON_PTRACE)
                        // The kernel's kill-process action dumps core where RLIMIT_CORE allows it.
                        .limit(ResourceLimit.CORE, 0, 0));
                String output = new String(job.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertEquals(128 + Posix.SIGSYS, job.waitFor(), "perl job " + index + " printed: " + output);
                assertTrue(job.killedBySeccomp(), "perl job " + index);
                assertEquals("", output);
                break;
            }
            default:
                throw new AssertionError(kind);
        }
    }

    private static Process start(SeccompProcessBuilder builder) throws IOException {
        return builder.mode(SeccompMode.ENFORCE).reportDenials(REPORT_DENIALS).start();
    }

    private static long count(Map<Integer, String> threads, String prefix) {
        return threads.values().stream().filter(name -> name.startsWith(prefix)).count();
    }

    /**
     * Returns how many threads have each name, leaving out reapers and the threads HotSpot starts
     * and stops by load: JIT compiler threads (UseDynamicNumberOfCompilerThreads) and GC workers
     * (UseDynamicNumberOfGCThreads). The JDK's own process reapers are left out too: other tests
     * in this JVM start them through ProcessBuilder, and they time out while the soak waits.
     */
    private static Map<String, Long> comparableThreads(Map<Integer, String> threads) {
        Map<String, Long> byName = new TreeMap<>();
        for (String name : threads.values()) {
            boolean hotSpotOnDemand = name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")
                    || name.startsWith("GC Thread#") || name.startsWith("G1 Conc#") || name.startsWith("G1 Refine#");
            if (!name.startsWith(REAPER_COMM) && !hotSpotOnDemand && !name.equals(JDK_REAPER_COMM)) {
                byName.merge(name, 1L, Long::sum);
            }
        }
        return byName;
    }

    /**
     * Checks that every reaper thread waits in its pool for work, none for a job. The pool keeps an
     * idle thread for 60 seconds, so idle reapers are expected here. A reaper still in awaitExit
     * would mean that a job was never reaped.
     */
    private static void assertReapersIdle() {
        for (Map.Entry<Thread, StackTraceElement[]> thread : Thread.getAllStackTraces().entrySet()) {
            if (!thread.getKey().getName().startsWith("seccomp4j-reaper-")) {
                continue;
            }
            for (StackTraceElement frame : thread.getValue()) {
                assertTrue(!frame.getClassName().equals(NativeSpawn.class.getName())
                                && !frame.getClassName().equals(SeccompProcess.class.getName()),
                        thread.getKey().getName() + " is busy: " + List.of(thread.getValue()));
            }
        }
    }
}
