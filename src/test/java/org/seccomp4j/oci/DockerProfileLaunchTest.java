package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.seccomp4j.SeccompMode;
import org.seccomp4j.SeccompProcessBuilder;
import org.seccomp4j.SyscallPolicy;

/** A real job under Docker's default profile, read with the running kernel's version and no capabilities. */
@EnabledOnOs(OS.LINUX)
class DockerProfileLaunchTest {

    /**
     * Makes each syscall with perl's syscall() and prints its name and "ok" or the errno number. A
     * clone that the filter failed to stop would return 0 in a child, which exits at once.
     */
    static final String PROBE = String.join("\n",
            "use POSIX ();",
            "sub report { my ($name, $r) = @_; print $name, ' ', ($r == -1 ? $! + 0 : 'ok'), \"\\n\"; }",
            "report('unshare', syscall(272, 0x10000000));",
            "my $pid = syscall(56, 0x10000000 | 17, 0, 0, 0, 0);",
            "POSIX::_exit(0) if $pid == 0;",
            "waitpid($pid, 0) if $pid > 0;",
            "report('clone', $pid);",
            "report('clone3', syscall(435, 0, 0));",
            "report('socket', syscall(41, 40, 1, 0));",
            "report('personality', syscall(135, 0x0400000));",
            "report('personality_query', syscall(135, 0xffffffff));",
            "report('getpid', syscall(39));");

    private static List<String> run(SyscallPolicy policy, SeccompMode mode) throws IOException, InterruptedException {
        Process job = new SeccompProcessBuilder("perl", "-e", PROBE).policy(policy).mode(mode)
                .redirectErrorStream(true).start();
        job.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = job.getInputStream()) {
            in.transferTo(output);
        }
        if (!job.waitFor(60, TimeUnit.SECONDS)) {
            job.destroyForcibly();
            throw new AssertionError("perl probe did not finish in 60 s: " + output);
        }
        String text = output.toString(StandardCharsets.UTF_8);
        assertEquals(0, job.exitValue(), text);
        return text.lines().toList();
    }

    @Test
    void dockerProfileDeniesInRealJob() throws Exception {
        SyscallPolicy docker = OciProfiles.read(DockerDefaultProfileTest.PROFILE);

        assertEquals(List.of("unshare 1", "clone 1", "clone3 38", "socket 1", "personality 1", "personality_query ok",
                "getpid ok"), run(docker, SeccompMode.ENFORCE));
    }

    /** Without the filter the same calls get other results, so the verdicts above come from it. */
    @Test
    void sameProbeUnfilteredGetsKernelResults() throws Exception {
        List<String> lines = run(OciProfiles.read(DockerDefaultProfileTest.PROFILE), SeccompMode.OFF);

        assertEquals("clone3 22", lines.get(2), "clone3 with a null argument fails with EINVAL when unfiltered");
        assertEquals("personality ok", lines.get(4));
        assertEquals("getpid ok", lines.get(6));
    }
}
