package org.seccomp4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;

/**
 * Spawn throughput: jobs of {@code /bin/true} started and reaped per second from 1, 4 and 16
 * threads, for each launcher of {@link Launchers#standard()}.
 *
 * <p>Usage: {@code SpawnThroughput SECONDS REPETITIONS THREADS...}. For each thread count, each
 * repetition runs one window of SECONDS per launcher, in an order that rotates between repetitions.
 * In a window every thread starts a job, waits for it, closes its streams and starts the next. The
 * rate is the median over the repetitions; a failure is a start that threw or a job that did not
 * exit with 0. The JVM's open fds are counted before the first window and after each one, once the
 * jobs' reaper threads have had time to finish.
 */
public final class SpawnThroughput {

    private static final long SETTLE_MILLIS = 200;

    private SpawnThroughput() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            System.err.println("usage: SpawnThroughput SECONDS REPETITIONS THREADS...");
            System.exit(2);
        }
        double seconds = Double.parseDouble(args[0]);
        int repetitions = Integer.parseInt(args[1]);
        int[] threadCounts = new int[args.length - 2];
        for (int i = 2; i < args.length; i++) {
            threadCounts[i - 2] = Integer.parseInt(args[i]);
        }

        List<Launchers.Named> launchers = Launchers.standard();
        for (Launchers.Named launcher : launchers) {
            window(launcher, 4, 1.0);
        }
        int baselineFds = openFds();

        Map<String, Map<Integer, List<Window>>> results = new LinkedHashMap<>();
        Map<String, Integer> maxFdGrowth = new LinkedHashMap<>();
        for (Launchers.Named launcher : launchers) {
            results.put(launcher.id, new LinkedHashMap<>());
            maxFdGrowth.put(launcher.id, 0);
        }
        for (int threads : threadCounts) {
            for (int repetition = 0; repetition < repetitions; repetition++) {
                for (int k = 0; k < launchers.size(); k++) {
                    Launchers.Named launcher = launchers.get((repetition + k) % launchers.size());
                    Window window = window(launcher, threads, seconds);
                    results.get(launcher.id).computeIfAbsent(threads, t -> new ArrayList<>()).add(window);
                    maxFdGrowth.merge(launcher.id, openFds() - baselineFds, Math::max);
                }
            }
        }

        print(launchers, results, maxFdGrowth, threadCounts, repetitions, seconds);
        Map<Integer, List<Window>> processBuilder = results.get("pb");
        Map<Integer, List<Window>> enforce = results.get("enforce");
        for (int threads : threadCounts) {
            Targets.checkAtLeast("ENFORCE jobs/s >= ProcessBuilder's, " + threads + " thread(s)",
                    medianRate(enforce.get(threads)), medianRate(processBuilder.get(threads)));
        }
        long failures = enforce.values().stream().flatMap(List::stream).mapToLong(w -> w.failures).sum();
        Targets.check("ENFORCE failures == 0", failures, 0);
        Targets.check("ENFORCE fd growth == 0", maxFdGrowth.get("enforce"), 0);
    }

    /** One window's outcome. */
    private static final class Window {
        long completed;
        long failures;
        double seconds;
        String firstFailure;
        final Samples latencies = new Samples();

        double rate() {
            return completed / seconds;
        }
    }

    private static Window window(Launchers.Named launcher, int threads, double seconds) throws InterruptedException {
        AtomicLong completed = new AtomicLong();
        AtomicLong failures = new AtomicLong();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        List<Samples> latencies = new ArrayList<>();
        List<Thread> workers = new ArrayList<>();

        long start = System.nanoTime();
        long deadline = start + (long) (seconds * 1e9);
        for (int t = 0; t < threads; t++) {
            Samples own = new Samples();
            latencies.add(own);
            workers.add(new Thread(() -> {
                while (System.nanoTime() < deadline) {
                    long begin = System.nanoTime();
                    try {
                        Launchers.finish(launcher.launcher.start());
                        own.add(System.nanoTime() - begin);
                        completed.incrementAndGet();
                    } catch (IOException | RuntimeException e) {
                        failures.incrementAndGet();
                        firstFailure.compareAndSet(null, e.toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }, "throughput-" + launcher.id + "-" + t));
        }
        workers.forEach(Thread::start);
        for (Thread worker : workers) {
            worker.join();
        }

        Window window = new Window();
        window.seconds = (System.nanoTime() - start) / 1e9;
        window.completed = completed.get();
        window.failures = failures.get();
        window.firstFailure = firstFailure.get();
        latencies.forEach(window.latencies::addAll);
        // Give the reaper threads time to close what they close after the job exits.
        Thread.sleep(SETTLE_MILLIS);
        return window;
    }

    private static double medianRate(List<Window> windows) {
        double[] rates = windows.stream().mapToDouble(Window::rate).sorted().toArray();
        return rates[(rates.length - 1) / 2];
    }

    private static void print(List<Launchers.Named> launchers, Map<String, Map<Integer, List<Window>>> results,
            Map<String, Integer> maxFdGrowth, int[] threadCounts, int repetitions, double seconds) {
        System.out.printf(Locale.ROOT, "Spawn throughput of %s: jobs started and reaped per second, median of %d"
                + " windows of %.1f s, interleaved; in brackets the p99 of one job's start + waitFor in us%n",
                Launchers.COMMAND, repetitions, seconds);
        List<String> header = new ArrayList<>(List.of("launcher"));
        for (int threads : threadCounts) {
            header.add(threads + (threads == 1 ? " thread" : " threads"));
        }
        header.addAll(List.of("failures", "max fd growth"));
        List<List<String>> rows = new ArrayList<>();
        rows.add(header);
        List<String> failureMessages = new ArrayList<>();
        for (Launchers.Named launcher : launchers) {
            List<String> row = new ArrayList<>(List.of(launcher.title));
            long failures = 0;
            for (int threads : threadCounts) {
                List<Window> windows = results.get(launcher.id).get(threads);
                Samples latencies = new Samples();
                for (Window window : windows) {
                    latencies.addAll(window.latencies);
                    failures += window.failures;
                    if (window.firstFailure != null) {
                        failureMessages.add(launcher.title + ", " + threads + " threads: " + window.firstFailure);
                    }
                }
                String p99 = latencies.count() > 0 ? Samples.micros(latencies.p99()) : "-";
                row.add(String.format(Locale.ROOT, "%.0f [%s]", medianRate(windows), p99));
            }
            row.add(Long.toString(failures));
            row.add(Integer.toString(maxFdGrowth.get(launcher.id)));
            rows.add(row);
        }
        System.out.print(Samples.table(rows));
        failureMessages.forEach(message -> System.out.println("failure: " + message));
    }

    private static int openFds() {
        try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
            // The listing itself keeps one fd open while it runs.
            return (int) fds.count() - 1;
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc/self/fd", e);
        }
    }
}
