package org.seccomp4j.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.seccomp4j.BenchAccess;
import org.seccomp4j.SyscallPolicy;

/**
 * Spawn latency: the time to start {@code /bin/true} and wait for it, for every way of starting it,
 * interleaved in one JVM.
 *
 * <p>{@code SpawnLatency run DIR LABEL ROUNDS WARMUP SPAWN_FLOOR FILTER_BPF} runs one segment: each
 * round starts the command once per variant, in an order that rotates from round to round, and the
 * samples are appended to {@code DIR/LABEL/ID.start} and {@code ID.total}, where start is the time
 * until the start call returned. bench/run.sh runs segments in JVMs with the default heap and with an
 * 8 GB pre-touched heap, alternately, so that drift affects both. {@code SpawnLatency report DIR}
 * pools the segments and prints the figures, ratios and targets.
 *
 * <p>Besides the Java launchers, the variants break the cost down: the shim's spawn call without
 * SeccompProcessBuilder and SeccompProcess, waited for on the same thread; the same followed by
 * {@link ProcessHandle#of}, which SeccompProcess calls right after the spawn; the same waited for
 * by a pooled thread that wakes the caller, as SeccompProcess's reaper does; the same wrapped into a
 * SeccompProcess, the object start() returns; and C programs from
 * {@code spawn_floor}: posix_spawn (the floor), a bare clone and execve, and the same with the job
 * default installed (the kernel's share of a filtered spawn).
 */
public final class SpawnLatency {

    /** Labels of the two heap configurations, as bench/run.sh passes them. */
    static final String DEFAULT_HEAP = "default-heap";
    static final String LARGE_HEAP = "8g-heap";

    /** Starts the command once and waits; returns {time until the start call returned, total} in ns. */
    private interface Variant {
        long[] runOnce() throws Exception;
    }

    private static final class Named {
        final String id;
        final String title;
        final Variant variant;

        Named(String id, String title, Variant variant) {
            this.id = id;
            this.title = title;
            this.variant = variant;
        }
    }

    private SpawnLatency() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length == 7 && args[0].equals("run")) {
            run(Path.of(args[1]), args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]), Path.of(args[5]),
                    Path.of(args[6]));
        } else if (args.length == 2 && args[0].equals("report")) {
            report(Path.of(args[1]));
        } else {
            System.err.println("usage: SpawnLatency run DIR LABEL ROUNDS WARMUP SPAWN_FLOOR FILTER_BPF\n"
                    + "       SpawnLatency report DIR");
            System.exit(2);
        }
    }

    // ---- Running a segment ----

    private static void run(Path directory, String label, int rounds, int warmUp, Path floorBinary, Path filter)
            throws Exception {
        try (FloorHelper floor = new FloorHelper(floorBinary, filter)) {
            List<Named> variants = variants(floor);
            Map<String, Samples[]> samples = new LinkedHashMap<>();
            for (Named named : variants) {
                samples.put(named.id, new Samples[] {new Samples(), new Samples()});
            }
            for (int round = -warmUp; round < rounds; round++) {
                for (int k = 0; k < variants.size(); k++) {
                    Named named = variants.get(Math.floorMod(round + k, variants.size()));
                    long[] times = named.variant.runOnce();
                    if (round >= 0) {
                        samples.get(named.id)[0].add(times[0]);
                        samples.get(named.id)[1].add(times[1]);
                    }
                }
            }

            Path segment = Files.createDirectories(directory.resolve(label));
            Files.writeString(segment.resolve("titles"), titles(variants), StandardCharsets.UTF_8);
            Files.writeString(segment.resolve("jvm"), jvmDescription() + "\n", StandardCharsets.UTF_8);
            for (Map.Entry<String, Samples[]> entry : samples.entrySet()) {
                append(entry.getValue()[0], segment.resolve(entry.getKey() + ".start"));
                append(entry.getValue()[1], segment.resolve(entry.getKey() + ".total"));
            }
            System.out.printf(Locale.ROOT, "segment %s: %d rounds; medians (us):", label, rounds);
            for (Named named : variants) {
                System.out.printf(Locale.ROOT, " %s %s", named.id, Samples.micros(samples.get(named.id)[1].median()));
            }
            System.out.println();
        }
    }

    private static List<Named> variants(FloorHelper floor) throws IOException {
        List<Named> variants = new ArrayList<>();
        for (Launchers.Named launcher : Launchers.standard()) {
            variants.add(new Named(launcher.id, launcher.title, () -> {
                long start = System.nanoTime();
                Process process = launcher.launcher.start();
                long started = System.nanoTime();
                int status = process.waitFor();
                long end = System.nanoTime();
                Launchers.close(process);
                checkStatus(status, launcher.title);
                return new long[] {started - start, end - start};
            }));
        }

        byte[] executable = cString(Launchers.COMMAND);
        byte[] argv = cString(Launchers.COMMAND);
        List<String> environment = new ArrayList<>();
        System.getenv().forEach((name, value) -> environment.add(name + "=" + value));
        byte[] envp = nulTerminated(environment);
        int envc = environment.size();
        byte[] program = SyscallPolicy.jobDefault().program().toByteArray();
        variants.add(new Named("shim-off", "shim spawn only, OFF", () -> shimOnce(executable, argv, envp, envc, null, false)));
        variants.add(new Named("shim-enforce", "shim spawn only, ENFORCE",
                () -> shimOnce(executable, argv, envp, envc, program, false)));
        variants.add(new Named("shim-off-handle", "shim spawn only, OFF, then ProcessHandle.of",
                () -> shimOnce(executable, argv, envp, envc, null, true)));
        ExecutorService reaper = Executors.newCachedThreadPool(task -> {
            Thread thread = new Thread(task, "latency-reaper");
            thread.setDaemon(true);
            return thread;
        });
        variants.add(new Named("shim-off-thread", "shim spawn only, OFF, reaped on another thread",
                () -> shimReapedElsewhere(executable, argv, envp, envc, reaper)));
        variants.add(new Named("shim-off-process", "shim spawn, OFF, then new SeccompProcess", () -> {
            long start = System.nanoTime();
            Process process = BenchAccess.newProcess(BenchAccess.spawn(executable, argv, 1, envp, envc, null));
            long started = System.nanoTime();
            int status = process.waitFor();
            long end = System.nanoTime();
            Launchers.close(process);
            checkStatus(status, "shim spawn and SeccompProcess");
            return new long[] {started - start, end - start};
        }));

        variants.add(new Named("c-posix-spawn", "C posix_spawn (floor)", () -> floor.spawn("posix_spawn")));
        variants.add(new Named("c-clone", "C clone(CLONE_VM|CLONE_VFORK) + execve", () -> floor.spawn("clone")));
        variants.add(new Named("c-clone-filter", "C clone + job default filter + execve",
                () -> floor.spawn("clone-filter")));
        return variants;
    }

    private static long[] shimOnce(byte[] executable, byte[] argv, byte[] envp, int envc, byte[] program,
            boolean lookUpHandle) {
        long start = System.nanoTime();
        int[] result = BenchAccess.spawn(executable, argv, 1, envp, envc, program);
        if (lookUpHandle) {
            ProcessHandle.of(BenchAccess.pid(result));
        }
        long started = System.nanoTime();
        int status = BenchAccess.awaitAndReap(result);
        long end = System.nanoTime();
        BenchAccess.closePipes(result);
        checkStatus(status, "shim spawn");
        return new long[] {started - start, end - start};
    }

    /**
     * Spawns through the shim and leaves the wait to a pooled thread, which reaps the child and
     * wakes the caller through a monitor, as SeccompProcess and its reaper threads do.
     */
    private static long[] shimReapedElsewhere(byte[] executable, byte[] argv, byte[] envp, int envc,
            ExecutorService reaper) throws InterruptedException {
        Object lock = new Object();
        int[] status = {-1};
        boolean[] reaped = {false};
        long start = System.nanoTime();
        int[] result = BenchAccess.spawn(executable, argv, 1, envp, envc, null);
        reaper.execute(() -> {
            int waitStatus = BenchAccess.awaitAndReap(result);
            synchronized (lock) {
                status[0] = waitStatus;
                reaped[0] = true;
                lock.notifyAll();
            }
        });
        long started = System.nanoTime();
        synchronized (lock) {
            while (!reaped[0]) {
                lock.wait();
            }
        }
        long end = System.nanoTime();
        BenchAccess.closePipes(result);
        checkStatus(status[0], "shim spawn");
        return new long[] {started - start, end - start};
    }

    private static void checkStatus(int status, String what) {
        if (status != 0) {
            throw new IllegalStateException(Launchers.COMMAND + " started by " + what + " ended with status " + status);
        }
    }

    /** The C helper, driven over its stdin and stdout so that its samples interleave with the JVM's. */
    private static final class FloorHelper implements AutoCloseable {
        private final Process process;
        private final Writer commands;
        private final BufferedReader replies;

        FloorHelper(Path binary, Path filter) throws IOException {
            process = new ProcessBuilder(binary.toString(), filter.toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT)
                    .start();
            commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.US_ASCII);
            replies = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.US_ASCII));
        }

        long[] spawn(String command) throws IOException {
            commands.write(command + "\n");
            commands.flush();
            String reply = replies.readLine();
            if (reply == null) {
                throw new IOException("spawn_floor exited before replying to '" + command + "'");
            }
            String[] fields = reply.trim().split(" ");
            return new long[] {Long.parseLong(fields[0]), Long.parseLong(fields[1])};
        }

        @Override
        public void close() throws Exception {
            commands.close();
            process.waitFor();
            replies.close();
        }
    }

    // ---- Reporting ----

    private static void report(Path directory) throws IOException {
        Map<String, String> titles = readTitles(directory.resolve(DEFAULT_HEAP).resolve("titles"));
        Map<String, Map<String, Samples[]>> byLabel = new LinkedHashMap<>();
        for (String label : List.of(DEFAULT_HEAP, LARGE_HEAP)) {
            Path segment = directory.resolve(label);
            if (!Files.isDirectory(segment)) {
                continue;
            }
            Map<String, Samples[]> samples = new LinkedHashMap<>();
            for (String id : titles.keySet()) {
                samples.put(id, new Samples[] {Samples.read(segment.resolve(id + ".start")),
                    Samples.read(segment.resolve(id + ".total"))});
            }
            byLabel.put(label, samples);
            System.out.println("Spawn latency of " + Launchers.COMMAND + ", start + waitFor, in us; JVM: "
                    + Files.readString(segment.resolve("jvm")).trim() + "; "
                    + samples.get("pb")[1].count() + " samples per variant, interleaved");
            System.out.print(table(titles, samples));
            System.out.println();
        }

        for (Map.Entry<String, Map<String, Samples[]>> entry : byLabel.entrySet()) {
            Map<String, Samples[]> samples = entry.getValue();
            long enforce = samples.get("enforce")[1].median();
            long processBuilder = samples.get("pb")[1].median();
            long floor = samples.get("c-posix-spawn")[1].median();
            String heap = entry.getKey().equals(DEFAULT_HEAP) ? "default heap" : "8 GB heap";
            Targets.check("ENFORCE median <= 0.55x ProcessBuilder's (" + heap + ", us)", micros(enforce),
                    micros(0.55 * processBuilder));
            Targets.check("ENFORCE median <= 1.2x C posix_spawn's (" + heap + ", us)", micros(enforce),
                    micros(1.2 * floor));
        }
        if (byLabel.size() == 2) {
            long normal = byLabel.get(DEFAULT_HEAP).get("enforce")[1].median();
            long large = byLabel.get(LARGE_HEAP).get("enforce")[1].median();
            double change = Math.abs((double) large / normal - 1) * 100;
            Targets.check("8 GB heap changes the ENFORCE median by <= 5% (in %)", Math.round(change * 10) / 10.0, 5);
        }

        Map<String, Samples[]> samples = byLabel.get(DEFAULT_HEAP);
        System.out.println();
        System.out.println("Where the time of an ENFORCE spawn goes (differences of medians, default heap, us):");
        breakdown(samples, "kernel: filter install, exec and exit under it", "c-clone-filter", "c-clone", 1);
        breakdown(samples, "shim spawn call over a bare C clone, until execve", "shim-off", "c-clone", 0);
        breakdown(samples, "shim spawn and reap over a bare C clone", "shim-off", "c-clone", 1);
        breakdown(samples, "ProcessHandle.of right after the spawn", "shim-off-handle", "shim-off", 0);
        breakdown(samples, "ProcessHandle.of right after the spawn", "shim-off-handle", "shim-off", 1);
        breakdown(samples, "waiting on a reaper thread instead of the caller's", "shim-off-thread", "shim-off", 1);
        breakdown(samples, "SeccompProcess over the shim", "shim-off-process", "shim-off", 1);
        breakdown(samples, "SeccompProcessBuilder.start() over the shim and SeccompProcess", "off", "shim-off-process", 1);
        breakdown(samples, "ENFORCE over OFF through the builder", "enforce", "off", 1);
        breakdown(samples, "ENFORCE over the C posix_spawn floor", "enforce", "c-posix-spawn", 1);
        if (samples.containsKey("enforce-reports")) {
            breakdown(samples, "denial reports on over off", "enforce-reports", "enforce", 1);
        }
    }

    private static double micros(double nanos) {
        return Math.round(nanos / 100.0) / 10.0;
    }

    private static void breakdown(Map<String, Samples[]> samples, String what, String id, String baseline, int phase) {
        long difference = samples.get(id)[phase].median() - samples.get(baseline)[phase].median();
        System.out.printf(Locale.ROOT, "  %-58s %8s  (%s %s - %s)%n", what, Samples.micros(difference),
                phase == 0 ? "start call" : "total", id, baseline);
    }

    private static String table(Map<String, String> titles, Map<String, Samples[]> samples) {
        long processBuilder = samples.get("pb")[1].median();
        long floor = samples.get("c-posix-spawn")[1].median();
        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("variant", "median", "p99", "start call median", "x ProcessBuilder", "x posix_spawn"));
        for (Map.Entry<String, String> title : titles.entrySet()) {
            Samples[] pair = samples.get(title.getKey());
            long median = pair[1].median();
            rows.add(List.of(title.getValue(), Samples.micros(median), Samples.micros(pair[1].p99()),
                    Samples.micros(pair[0].median()), Samples.ratio(median, processBuilder), Samples.ratio(median, floor)));
        }
        return Samples.table(rows);
    }

    // ---- Files ----

    private static String titles(List<Named> variants) {
        StringBuilder text = new StringBuilder();
        for (Named named : variants) {
            text.append(named.id).append('\t').append(named.title).append('\n');
        }
        return text.toString();
    }

    private static Map<String, String> readTitles(Path file) throws IOException {
        Map<String, String> titles = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
            String[] fields = line.split("\t", 2);
            titles.put(fields[0], fields[1]);
        }
        return titles;
    }

    private static void append(Samples samples, Path file) throws IOException {
        Path part = Files.createTempFile(file.getParent(), "segment", ".tmp");
        samples.write(part);
        Files.write(file, Files.readAllBytes(part), StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        Files.delete(part);
    }

    static String jvmDescription() {
        List<String> options = new ArrayList<>();
        for (String argument : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (argument.startsWith("-Xm") || argument.startsWith("-XX:")) {
                options.add(argument);
            }
        }
        return System.getProperty("java.vm.name") + " " + System.getProperty("java.version")
                + (options.isEmpty() ? ", default heap" : ", " + String.join(" ", options))
                + ", max heap " + Runtime.getRuntime().maxMemory() / (1024 * 1024) + " MB";
    }

    private static byte[] cString(String text) {
        return nulTerminated(List.of(text));
    }

    private static byte[] nulTerminated(List<String> strings) {
        java.io.ByteArrayOutputStream block = new java.io.ByteArrayOutputStream();
        for (String string : strings) {
            block.writeBytes(string.getBytes(StandardCharsets.UTF_8));
            block.write(0);
        }
        return block.toByteArray();
    }
}
