package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/** Live tests of start(), destroy() and waitFor() called from many threads at once. */
@EnabledOnOs(OS.LINUX)
class ConcurrencyTest {

    private static final int THREADS = 16;

    private ExecutorService pool;
    private Map<Integer, String> fdsBefore;

    @BeforeEach
    void startPool() throws Exception {
        pool = Executors.newFixedThreadPool(THREADS);
        Leaks.startFirstJob();
        fdsBefore = Leaks.openFds();
    }

    @AfterEach
    void stopPoolAndCheckLeaks() throws InterruptedException {
        pool.shutdownNow();
        assertTrue(pool.awaitTermination(1, TimeUnit.MINUTES));
        assertEquals(fdsBefore, Leaks.awaitOpenFds(fdsBefore), "open fds");
        assertEquals(0, Leaks.unreapedChild(), "waitid(P_ALL, WNOWAIT) found an unreaped child");
    }

    private static SeccompProcessBuilder builder(String... command) {
        return new SeccompProcessBuilder(command).mode(SeccompMode.ENFORCE);
    }

    /**
     * Sixteen threads start cat at the same moment, then each feeds its own job and closes its
     * stdin. A pipe end leaked into a job started at the same time by another thread would keep
     * that cat from ever seeing EOF.
     */
    @Test
    void simultaneousStartsKeepPipesApart() throws Exception {
        for (int round = 0; round < 10; round++) {
            CyclicBarrier barrier = new CyclicBarrier(THREADS);
            List<Future<String>> outputs = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                String token = "round-" + round + "-job-" + t;
                outputs.add(pool.submit(() -> {
                    barrier.await(30, TimeUnit.SECONDS);
                    Process job = builder("/bin/cat").start();
                    try (OutputStream stdin = job.getOutputStream()) {
                        stdin.write((token + "\n").getBytes(StandardCharsets.UTF_8));
                    }
                    String output;
                    try (InputStream stdout = job.getInputStream()) {
                        output = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
                    }
                    assertTrue(job.waitFor(30, TimeUnit.SECONDS), token + " did not end");
                    assertEquals(0, job.exitValue(), token);
                    return output;
                }));
            }
            for (int t = 0; t < THREADS; t++) {
                assertEquals("round-" + round + "-job-" + t + "\n", outputs.get(t).get(60, TimeUnit.SECONDS));
            }
        }
    }

    /**
     * start() returns only after the job has called execve, so until then there is no Process to
     * destroy. What a caller can do is destroy the Process the moment start() returns it, from
     * another thread, while the job may still be in its dynamic loader and before the reaper has
     * begun to wait. That must end the job, with the status of the signal, every time.
     */
    @Test
    void destroyTheMomentStartReturns() throws Exception {
        SynchronousQueue<Process> handOver = new SynchronousQueue<>();
        int jobs = 200;
        Future<?> starter = pool.submit(() -> {
            for (int i = 0; i < jobs; i++) {
                handOver.put(builder("/bin/sleep", "60").start());
            }
            return null;
        });
        for (int i = 0; i < jobs; i++) {
            Process job = handOver.poll(30, TimeUnit.SECONDS);
            assertTrue(job != null, "no job handed over");
            boolean forcibly = i % 2 == 1;
            if (forcibly) {
                job.destroyForcibly();
            } else {
                job.destroy();
            }
            assertTrue(job.waitFor(30, TimeUnit.SECONDS), "job " + i + " survived");
            assertEquals(forcibly ? 137 : 143, job.exitValue(), "job " + i);
        }
        starter.get(30, TimeUnit.SECONDS);
    }

    /**
     * destroy() races with the job's own exit and its reaping. Either wins, and no other process
     * gets the signal: bystanders, started by the JDK outside any job, stay alive although pids
     * are reused while this runs.
     */
    @Test
    void destroyRacingWithExitHitsNoBystander() throws Exception {
        List<Process> bystanders = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            bystanders.add(new ProcessBuilder("sleep", "120").start());
        }
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < THREADS; t++) {
                workers.add(pool.submit(() -> {
                    for (int i = 0; i < 40; i++) {
                        Process job = builder("/bin/true").start();
                        CompletableFuture<Void> destroyer = CompletableFuture.runAsync(job::destroyForcibly);
                        int status = job.waitFor();
                        destroyer.get(30, TimeUnit.SECONDS);
                        assertTrue(status == 0 || status == 137, "exit value " + status);
                        job.destroy();
                        assertEquals(status, job.exitValue(), "destroy() after the reap changed nothing");
                    }
                    return null;
                }));
            }
            for (Future<?> worker : workers) {
                worker.get(2, TimeUnit.MINUTES);
            }
            for (Process bystander : bystanders) {
                assertTrue(bystander.isAlive(), "a bystander was killed: " + bystander.pid());
            }
        } finally {
            for (Process bystander : bystanders) {
                bystander.destroyForcibly();
                bystander.waitFor();
            }
        }
    }

    @Test
    void interruptedStartStillStarts() throws Exception {
        Thread.currentThread().interrupt();
        Process job;
        try {
            job = builder("/bin/echo", "started").start();
        } finally {
            assertTrue(Thread.interrupted(), "start() cleared the interrupt");
        }
        assertEquals("started\n", new String(job.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, job.waitFor());
    }

    @Test
    void interruptedWaitForLeavesProcessUsable() throws Exception {
        Process job = builder("/bin/cat").start();
        AtomicReference<Throwable> waiterResult = new AtomicReference<>();
        Thread waiter = new Thread(() -> {
            try {
                job.waitFor();
                waiterResult.set(new AssertionError("waitFor() returned while cat waits for input"));
            } catch (Throwable e) {
                waiterResult.set(e);
            }
        });
        waiter.start();
        awaitWaiting(waiter);
        Future<Boolean> otherWaiter = pool.submit(() -> job.waitFor(60, TimeUnit.SECONDS));

        waiter.interrupt();
        waiter.join(10_000);

        assertTrue(waiterResult.get() instanceof InterruptedException, String.valueOf(waiterResult.get()));
        assertTrue(job.isAlive());
        assertFalse(job.waitFor(10, TimeUnit.MILLISECONDS));
        assertThrows(IllegalThreadStateException.class, job::exitValue);
        assertFalse(otherWaiter.isDone(), "the other waiter was woken by an interrupt that was not its own");
        try (OutputStream stdin = job.getOutputStream()) {
            stdin.write("still usable\n".getBytes(StandardCharsets.UTF_8));
        }
        assertEquals("still usable\n", new String(job.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, job.waitFor());
        assertTrue(otherWaiter.get(10, TimeUnit.SECONDS));
        assertEquals(0, job.onExit().get(10, TimeUnit.SECONDS).exitValue());
    }

    @Test
    void interruptedTimedWaitForLeavesProcessUsable() throws Exception {
        Process job = builder("/bin/sleep", "60").start();
        Thread.currentThread().interrupt();

        assertThrows(InterruptedException.class, () -> job.waitFor(30, TimeUnit.SECONDS));

        assertFalse(Thread.currentThread().isInterrupted(), "the exception cleared the flag");
        assertTrue(job.isAlive());
        job.destroy();
        assertTrue(job.waitFor(30, TimeUnit.SECONDS));
        assertEquals(143, job.exitValue());
    }

    @Test
    void manyThreadsDestroyAndWaitOnOneJob() throws Exception {
        Process job = builder("/bin/sleep", "60").start();
        CyclicBarrier barrier = new CyclicBarrier(THREADS);
        List<Future<Integer>> results = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            boolean destroyer = t % 2 == 0;
            results.add(pool.submit(() -> {
                barrier.await(30, TimeUnit.SECONDS);
                if (destroyer) {
                    job.destroyForcibly();
                }
                return job.waitFor();
            }));
        }
        for (Future<Integer> result : results) {
            assertEquals(137, result.get(60, TimeUnit.SECONDS));
        }
    }

    /** Waits until the thread is parked in a wait, so that the interrupt hits waitFor() itself. */
    private static void awaitWaiting(Thread thread) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Set.of(Thread.State.WAITING, Thread.State.TIMED_WAITING).contains(thread.getState())) {
            assertTrue(System.nanoTime() < deadline, "the waiter never blocked: " + thread.getState());
            Thread.sleep(1);
        }
    }
}
