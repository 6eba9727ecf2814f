package org.seccomp4j;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Helpers for live tests: run jobs, compile C probes, find zombies. */
final class Jobs {

    /** Per test JVM, so that builds running at once do not overwrite each other's probes. */
    private static final Path PROBE_DIR = Paths.get(System.getProperty("java.io.tmpdir"),
            "seccomp4j-probes-" + ProcessHandle.current().pid());
    private static final ConcurrentHashMap<String, Path> PROBES = new ConcurrentHashMap<>();

    /** The output and status of a finished job. */
    static final class Result {
        final int exitValue;
        final String stdout;
        final String stderr;
        final SeccompProcess process;

        Result(int exitValue, String stdout, String stderr, SeccompProcess process) {
            this.exitValue = exitValue;
            this.stdout = stdout;
            this.stderr = stderr;
            this.process = process;
        }

        List<String> lines() {
            return stdout.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exitValue + "\nstdout:\n" + stdout + "\nstderr:\n" + stderr;
        }
    }

    private Jobs() {
    }

    static Result run(SeccompProcessBuilder builder) throws IOException, InterruptedException {
        return run(builder, 120);
    }

    /** Starts the job, reads both streams to the end and waits for it, killing it after the timeout. */
    static Result run(SeccompProcessBuilder builder, int timeoutSeconds) throws IOException, InterruptedException {
        SeccompProcess process = (SeccompProcess) builder.start();
        process.getOutputStream().close();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Thread errReader = new Thread(() -> copy(process.getErrorStream(), err));
        errReader.start();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        copy(process.getInputStream(), out);
        if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor();
            throw new AssertionError("job timed out after " + timeoutSeconds + " s: " + builder.command()
                    + "\nstdout so far:\n" + out.toString(StandardCharsets.UTF_8));
        }
        errReader.join();
        return new Result(process.exitValue(), out.toString(StandardCharsets.UTF_8),
                err.toString(StandardCharsets.UTF_8), process);
    }

    static Result enforce(String... command) throws IOException, InterruptedException {
        return run(new SeccompProcessBuilder(command).mode(SeccompMode.ENFORCE));
    }

    static Result shell(String script) throws IOException, InterruptedException {
        return enforce("/bin/sh", "-c", script);
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try (InputStream source = in) {
            source.transferTo(out);
        } catch (IOException e) {
            throw new IllegalStateException("reading job output failed", e);
        }
    }

    /** Compiles src/test/resources/probes/NAME.c once per test run and returns the binary. */
    static Path probe(String name) {
        return PROBES.computeIfAbsent(name, key -> {
            try {
                Files.createDirectories(PROBE_DIR);
                Path source = Paths.get("src", "test", "resources", "probes", key + ".c").toAbsolutePath();
                Path binary = PROBE_DIR.resolve(key).toAbsolutePath();
                Process gcc = new ProcessBuilder("gcc", "-O1", "-Wall", "-pthread", "-o", binary.toString(), source.toString())
                        .redirectErrorStream(true).start();
                String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (gcc.waitFor() != 0) {
                    throw new IllegalStateException("gcc failed on " + source + ":\n" + output);
                }
                return binary;
            } catch (IOException e) {
                throw new IllegalStateException("cannot compile probe " + key, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        });
    }

    /** Returns the pids of zombie children of this JVM. */
    static List<Long> zombieChildren() throws IOException {
        long self = ProcessHandle.current().pid();
        List<Long> zombies = new ArrayList<>();
        try (Stream<Path> entries = Files.list(Paths.get("/proc"))) {
            for (Path entry : (Iterable<Path>) entries::iterator) {
                String name = entry.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                String stat;
                try {
                    stat = Files.readString(entry.resolve("stat"));
                } catch (IOException gone) {
                    continue;
                }
                // Fields after the command name, which may contain spaces: state ppid ...
                String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                if (fields[0].equals("Z") && Long.parseLong(fields[1]) == self) {
                    zombies.add(Long.parseLong(name));
                }
            }
        }
        return zombies;
    }

    /** Returns the value of a field of /proc/self/status as a job printed it, such as "Seccomp". */
    static String statusField(String status, String field) {
        try (BufferedReader reader = new BufferedReader(new java.io.StringReader(status))) {
            String line;
            while ((line = reader.readLine()) != null) {
                if (line.startsWith(field + ":")) {
                    return line.substring(field.length() + 1).trim();
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        throw new AssertionError("no " + field + " in:\n" + status);
    }

    static String readOwnStatus() throws IOException {
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(
                Files.newInputStream(Paths.get("/proc/self/status")), StandardCharsets.UTF_8))) {
            StringBuilder text = new StringBuilder();
            reader.lines().forEach(line -> text.append(line).append('\n'));
            return text.toString();
        }
    }
}
