package org.seccomp4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.oci.ImportOptions;
import org.seccomp4j.oci.OciProfiles;

/** The command-line tool with OCI and Docker profiles: --policy FILE.json, dump --format oci, and raw BPF for bubblewrap. */
class ProfileCommandsTest {

    private static final Path DOCKER_PROFILE = Paths.get("src", "test", "resources", "oci", "docker-default-seccomp.json");

    @TempDir
    Path temp;

    private Path docker;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    @BeforeEach
    void copyDockerProfile() throws IOException {
        docker = Files.copy(DOCKER_PROFILE, temp.resolve("docker-default.json"));
    }

    private int execute(String... args) {
        out.reset();
        err.reset();
        return new Main(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))
                .execute(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void dumpOciPrintsProfileThatReadsBackEqual() {
        assertEquals(0, execute("dump", "--format", "oci"));

        assertTrue(out().startsWith("{\n  \"defaultAction\": \"SCMP_ACT_ERRNO\","), out());
        assertEquals(SyscallPolicy.jobDefault(), OciProfiles.parse(out()));
    }

    @Test
    void dumpOciWithGroupIncludesIt() {
        assertEquals(0, execute("dump", "--format", "oci", "--allow-group", "debug"));

        assertTrue(OciProfiles.parse(out()).allowedSyscalls().contains("ptrace"));
    }

    @Test
    void listAcceptsDockerProfile() throws IOException {
        assertEquals(0, execute("list", "--policy", docker.toString()));

        List<String> lines = out().lines().toList();
        SyscallPolicy expected = OciProfiles.read(docker);
        assertEquals(expected.allowedSyscalls().size(), lines.size());
        assertTrue(lines.contains("0\tread"), out());
        assertTrue(lines.contains("56\tclone"), out());
        assertFalse(lines.contains("272\tunshare"), out());
        assertFalse(lines.contains("161\tchroot"), out());
    }

    @Test
    void capOptionAppliesDockerIncludes() {
        assertEquals(0, execute("list", "--policy", docker.toString(), "--cap", "CAP_SYS_ADMIN", "--cap", "sys_chroot"));

        assertTrue(out().lines().anyMatch("272\tunshare"::equals), out());
        assertTrue(out().lines().anyMatch("161\tchroot"::equals), out());
    }

    @Test
    void explainAcceptsDockerProfile() {
        assertEquals(0, execute("explain", "--policy", docker.toString(), "clone(0x10000011)", "clone(0x11)", "clone3",
                "socket(40,1,0)", "socket(2,1,0)", "personality(8)", "personality(0x400000)"));

        List<String> lines = out().lines().toList();
        assertTrue(lines.get(0).startsWith("clone\t56\terrno(EPERM)\t"), lines.get(0));
        assertTrue(lines.get(1).startsWith("clone\t56\tallow\t"), lines.get(1));
        assertTrue(lines.get(2).startsWith("clone3\t435\terrno(ENOSYS)\t"), lines.get(2));
        assertTrue(lines.get(3).startsWith("socket\t41\terrno(EPERM)\t"), lines.get(3));
        assertTrue(lines.get(4).startsWith("socket\t41\tallow\t"), lines.get(4));
        assertTrue(lines.get(5).startsWith("personality\t135\tallow\t"), lines.get(5));
        assertTrue(lines.get(6).startsWith("personality\t135\terrno(EPERM)\t"), lines.get(6));
    }

    @Test
    void profileIsRecognisedByContentWithoutJsonName() throws IOException {
        Path unnamed = Files.copy(DOCKER_PROFILE, temp.resolve("container-profile"));

        assertEquals(0, execute("dump", "--format", "policy", "--policy", unnamed.toString()));

        SyscallPolicy expected = OciProfiles.read(docker);
        assertEquals(expected, SyscallPolicy.parse(out()));
        assertTrue(out().startsWith("policy container-profile\n"), out());
    }

    @Test
    void dumpOciOfDockerProfileReadsBackEqual() throws IOException {
        assertEquals(0, execute("dump", "--format", "oci", "--policy", docker.toString()));

        assertEquals(OciProfiles.read(docker, ImportOptions.defaults()), OciProfiles.parse(out()));
    }

    @Test
    void invalidProfileExits2WithLocation() throws IOException {
        Path bad = Files.writeString(temp.resolve("bad.json"),
                "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_PERMIT\"}]}");

        assertEquals(2, execute("list", "--policy", bad.toString()));

        assertTrue(err().startsWith("seccomp4j: " + bad + ": syscalls[0].action: unknown action 'SCMP_ACT_PERMIT'"), err());
    }

    @Test
    void capOptionNeedsProfile() {
        assertEquals(2, execute("list", "--cap", "CAP_SYS_ADMIN"));

        assertTrue(err().contains("--cap applies only to OCI and Docker profiles (JSON), not to policy job-default"), err());
    }

    @Test
    void unknownDumpFormatNamesOci() {
        assertEquals(2, execute("dump", "--format", "yaml"));

        assertTrue(err().contains("expected text, bpf, policy or oci"), err());
    }

    /** unshare(CLONE_NEWUSER) exits with its errno: 1 (EPERM) under Docker's profile. */
    @Test
    @EnabledOnOs(OS.LINUX)
    void runUnderDockerProfileDeniesUnshare() {
        assertEquals(1, execute("run", "--quiet", "--policy", docker.toString(), "--",
                "perl", "-e", "exit(syscall(272, 0x10000000) == -1 ? $! + 0 : 0)"));
        assertEquals(38, execute("run", "--quiet", "--policy", docker.toString(), "--",
                "perl", "-e", "exit(syscall(435, 0, 0) == -1 ? $! + 0 : 0)"));
        assertEquals(0, execute("run", "--quiet", "--policy", docker.toString(), "--", "sh", "-c", "echo ok >/dev/null"));
    }

    // ---- Raw BPF for bubblewrap ----

    /** The output and status of a finished command. */
    private static final class Finished {
        final int status;
        final String output;

        Finished(int status, String output) {
            this.status = status;
            this.output = output;
        }
    }

    private static Finished shell(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        process.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(output);
        }
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("timed out: " + script);
        }
        return new Finished(process.exitValue(), output.toString(StandardCharsets.UTF_8));
    }

    private static boolean isRoot() throws IOException {
        for (String line : Files.readAllLines(Paths.get("/proc/self/status"))) {
            if (line.startsWith("Uid:")) {
                return line.split("\\s+")[1].equals("0");
            }
        }
        return false;
    }

    /**
     * bubblewrap reads a program from --seccomp FD, installs it after setting up the sandbox and
     * then execs the command. The job-default program must let sh, grep and perl run, and deny
     * unshare(CLONE_NEWUSER) with EPERM. As root the test also runs bwrap as nobody, which needs
     * an unprivileged user namespace.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void bubblewrapRunsCommandUnderDumpedProgram() throws Exception {
        Finished which = shell("command -v bwrap");
        Assumptions.assumeTrue(which.status == 0, "requires bwrap (Debian package bubblewrap); not found in PATH");

        assertEquals(0, execute("dump", "--format", "bpf"));
        Path program = Files.write(temp.resolve("job-default.bpf"), out.toByteArray());
        assertEquals(SyscallPolicy.jobDefault().program().size() * 8L, Files.size(program));

        List<String> users = new ArrayList<>(List.of(""));
        if (isRoot()) {
            users.add("setpriv --reuid=65534 --regid=65534 --clear-groups -- ");
        }
        String sandbox = "bwrap --ro-bind / / --dev /dev --proc /proc";
        String probe = "'echo ok; grep ^Seccomp: /proc/self/status;"
                + " perl -e \"print syscall(272, 0x10000000), q( ), \\$! + 0, qq(\\n)\"'";
        for (String user : users) {
            Finished setup = shell(user + sandbox + " -- true");
            Assumptions.assumeTrue(setup.status == 0, "bwrap cannot create a sandbox here"
                    + (user.isEmpty() ? "" : " as nobody") + ": " + setup.output.strip());

            Finished run = shell(user + sandbox + " --seccomp 3 -- sh -c " + probe + " 3< '" + program + "'");

            assertEquals(0, run.status, user + run.output);
            assertEquals(List.of("ok", "Seccomp:\t2", "-1 1"), run.output.lines().toList(), user + run.output);
        }
    }

    @Test
    @EnabledOnOs(OS.LINUX)
    void bubblewrapRejectsCorruptProgram() throws Exception {
        Assumptions.assumeTrue(shell("command -v bwrap").status == 0, "requires bwrap (Debian package bubblewrap); not found in PATH");
        Assumptions.assumeTrue(shell("bwrap --ro-bind / / -- true").status == 0, "bwrap cannot create a sandbox here");
        assertEquals(0, execute("dump", "--format", "bpf"));
        byte[] bytes = out.toByteArray();
        // Opcode 0xffff in the first instruction: the kernel's filter check rejects it.
        bytes[0] = (byte) 0xff;
        bytes[1] = (byte) 0xff;
        Path corrupt = Files.write(temp.resolve("corrupt.bpf"), bytes);

        Finished run = shell("bwrap --ro-bind / / --seccomp 3 -- echo ran 3< '" + corrupt + "'");

        assertTrue(run.status != 0, run.output);
        assertFalse(run.output.contains("ran"), run.output);
    }
}
