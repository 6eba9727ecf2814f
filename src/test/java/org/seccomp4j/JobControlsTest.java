package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Live tests of the scheduler controls of SeccompProcessBuilder that need no root: resource
 * limits, umask, and the job's own session and process group. Each is observed from inside the job.
 */
@EnabledOnOs(OS.LINUX)
class JobControlsTest {

    private static final long KIB = 1024;
    private static final long MIB = 1024 * KIB;

    /** Exit status of a job killed by SIGXCPU, the signal of the RLIMIT_CPU soft limit. */
    private static final int SIGXCPU_STATUS = 128 + 24;

    @TempDir
    Path temp;

    /** One resource limit as /proc/PID/limits prints it; -1 stands for "unlimited". */
    record Limit(long soft, long hard) {
    }

    @Test
    void limitsAppearInJobsProcLimits() throws Exception {
        Map<ResourceLimit, Limit> requested = Map.of(
                ResourceLimit.NOFILE, new Limit(64, 128),
                ResourceLimit.NPROC, new Limit(300, 400),
                ResourceLimit.AS, new Limit(1024 * MIB, 2048 * MIB),
                ResourceLimit.CPU, new Limit(30, 60),
                ResourceLimit.CORE, new Limit(0, 0),
                ResourceLimit.MEMLOCK, new Limit(32 * KIB, 64 * KIB));
        SeccompProcessBuilder builder = new SeccompProcessBuilder("/bin/cat", "/proc/self/limits").mode(SeccompMode.ENFORCE);
        Map<ResourceLimit, Limit> jvm = limits(Files.readString(Path.of("/proc/self/limits")));
        Map<ResourceLimit, Limit> expected = new HashMap<>();
        for (Map.Entry<ResourceLimit, Limit> limit : requested.entrySet()) {
            // Without CAP_SYS_RESOURCE a hard limit can only be lowered, so stay below the JVM's.
            Limit fitted = new Limit(lower(limit.getValue().soft(), jvm.get(limit.getKey()).hard()),
                    lower(limit.getValue().hard(), jvm.get(limit.getKey()).hard()));
            builder.limit(limit.getKey(), fitted.soft(), fitted.hard());
            expected.put(limit.getKey(), fitted);
        }

        Jobs.Result result = Jobs.run(builder);

        assertEquals(0, result.exitValue, result.toString());
        Map<ResourceLimit, Limit> seen = limits(result.stdout);
        for (ResourceLimit resource : requested.keySet()) {
            assertEquals(expected.get(resource), seen.get(resource), "RLIMIT_" + resource);
        }
    }

    @Test
    void infinityIsUnlimitedInJob() throws Exception {
        Map<ResourceLimit, Limit> jvm = limits(Files.readString(Path.of("/proc/self/limits")));
        long hard = jvm.get(ResourceLimit.AS).hard();
        assumeTrue(hard == ResourceLimit.INFINITY, "requires an unlimited RLIMIT_AS hard limit in the JVM, which has " + hard);
        SeccompProcessBuilder builder = new SeccompProcessBuilder("/bin/cat", "/proc/self/limits")
                .limit(ResourceLimit.AS, ResourceLimit.INFINITY, ResourceLimit.INFINITY)
                .mode(SeccompMode.ENFORCE);

        Jobs.Result result = Jobs.run(builder);

        assertEquals(new Limit(ResourceLimit.INFINITY, ResourceLimit.INFINITY), limits(result.stdout).get(ResourceLimit.AS));
    }

    @Test
    void cpuLimitKillsBusyJobWithSigxcpu() throws Exception {
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/sh", "-c", "while :; do :; done")
                .limit(ResourceLimit.CPU, 1, 2)
                .mode(SeccompMode.ENFORCE), 60);

        assertEquals(SIGXCPU_STATUS, result.exitValue, result.toString());
    }

    @Test
    void nofileLimitFailsTheSixthOpen() throws Exception {
        // fds 0, 1 and 2 are open, so a limit of 8 leaves room for exactly five more.
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/usr/bin/perl", "-e",
                "my @kept; for my $n (1 .. 20) { open(my $h, '<', '/dev/null') or die \"open $n: $!\\n\"; push @kept, $h }")
                .limit(ResourceLimit.NOFILE, 8, 8)
                .mode(SeccompMode.ENFORCE));

        assertEquals("open 6: Too many open files\n", result.stderr, result.toString());
    }

    @Test
    void addressSpaceLimitFailsLargeAllocation() throws Exception {
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/usr/bin/perl", "-e",
                "my $big = 'x' x (512 * 1024 * 1024); print length($big), \"\\n\"")
                .limit(ResourceLimit.AS, 256 * MIB, 256 * MIB)
                .mode(SeccompMode.ENFORCE));

        assertTrue(result.exitValue != 0, result.toString());
        assertTrue(result.stderr.contains("Out of memory"), result.toString());
        assertEquals("", result.stdout);
    }

    @Test
    void umaskIsSetInJob() throws Exception {
        Path directory = Files.createDirectory(temp.resolve("work"));
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/sh", "-c",
                "umask; grep '^Umask:' /proc/self/status; touch created; mkdir made; stat -c '%a %n' created made")
                .directory(directory.toFile())
                .umask(027)
                .mode(SeccompMode.ENFORCE));

        assertEquals(List.of("0027", "Umask:\t0027", "640 created", "750 made"), result.lines(), result.toString());
    }

    @ParameterizedTest
    @EnumSource(SeccompMode.class)
    void jobLeadsOwnSessionAndGroup(SeccompMode mode) throws Exception {
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder("/bin/cat", "/proc/self/stat").mode(mode));

        // Fields after "(comm)": state ppid pgrp session ...
        String[] fields = result.stdout.substring(result.stdout.lastIndexOf(')') + 2).split(" ");
        String pid = Long.toString(result.process.pid());
        assertEquals(pid, fields[2], "process group id");
        assertEquals(pid, fields[3], "session id");
        assertEquals(Integer.toString(ProcTable.SELF), fields[1], "parent");
    }

    private static long lower(long value, long limit) {
        return Long.compareUnsigned(value, limit) <= 0 ? value : limit;
    }

    /** Parses /proc/PID/limits: a name column 26 characters wide, then soft, hard and units. */
    static Map<ResourceLimit, Limit> limits(String procLimits) throws IOException {
        Map<String, ResourceLimit> names = Map.of(
                "Max cpu time", ResourceLimit.CPU,
                "Max file size", ResourceLimit.FSIZE,
                "Max data size", ResourceLimit.DATA,
                "Max stack size", ResourceLimit.STACK,
                "Max core file size", ResourceLimit.CORE,
                "Max resident set", ResourceLimit.RSS,
                "Max processes", ResourceLimit.NPROC,
                "Max open files", ResourceLimit.NOFILE,
                "Max locked memory", ResourceLimit.MEMLOCK,
                "Max address space", ResourceLimit.AS);
        Map<ResourceLimit, Limit> limits = new HashMap<>();
        for (String line : procLimits.lines().toList()) {
            if (line.length() < 26) {
                continue;
            }
            ResourceLimit resource = names.get(line.substring(0, 26).trim());
            if (resource != null) {
                String[] values = line.substring(26).trim().split("\\s+");
                limits.put(resource, new Limit(parseLimit(values[0]), parseLimit(values[1])));
            }
        }
        assertEquals(names.size(), limits.size(), "limits found in:\n" + procLimits);
        return limits;
    }

    private static long parseLimit(String text) {
        return text.equals("unlimited") ? ResourceLimit.INFINITY : Long.parseUnsignedLong(text);
    }
}
