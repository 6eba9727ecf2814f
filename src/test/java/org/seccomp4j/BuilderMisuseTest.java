package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.function.Executable;

/**
 * Misuse of SeccompProcessBuilder fails with a clear exception, at the call that is wrong where
 * possible, and leaves nothing behind: no child, no zombie, no open fd.
 */
@EnabledOnOs(OS.LINUX)
class BuilderMisuseTest {

    @TempDir
    Path temp;

    private Map<Integer, String> fdsBefore;
    private List<ProcTable.Entry> childrenBefore;

    @BeforeEach
    void recordProcessState() throws Exception {
        Leaks.startFirstJob();
        fdsBefore = Leaks.openFds();
        childrenBefore = ProcTable.children();
    }

    @AfterEach
    void nothingWasLeftBehind() throws InterruptedException {
        assertEquals(fdsBefore, Leaks.awaitOpenFds(fdsBefore), "open fds");
        assertEquals(0, Leaks.unreapedChild(), "waitid(P_ALL, WNOWAIT) found an unreaped child");
        assertEquals(childrenBefore, ProcTable.children(), "children of the JVM");
    }

    private static SeccompProcessBuilder builder(String... command) {
        return new SeccompProcessBuilder(command).mode(SeccompMode.ENFORCE);
    }

    private static <T extends Throwable> T assertThrowsWithMessage(Class<T> type, String message, Executable call) {
        T error = assertThrows(type, call);
        assertEquals(message, error.getMessage());
        return error;
    }

    @Test
    void nullArgumentsFailAtSetter() {
        assertThrowsWithMessage(NullPointerException.class, "command", () -> new SeccompProcessBuilder((List<String>) null));
        assertThrowsWithMessage(NullPointerException.class, "command", () -> builder("true").command((List<String>) null));
        assertThrowsWithMessage(NullPointerException.class, "policy", () -> builder("true").policy(null));
        assertThrowsWithMessage(NullPointerException.class, "mode", () -> builder("true").mode(null));
        assertThrowsWithMessage(NullPointerException.class, "resource", () -> builder("true").limit(null, 1, 1));
        assertThrowsWithMessage(NullPointerException.class, "groups", () -> builder("true").user(1, 1, (int[]) null));
        assertThrows(NullPointerException.class, () -> builder("true").redirectInput((Redirect) null));
        assertThrows(NullPointerException.class, () -> builder("true").environment().put(null, "value"));
        assertThrows(NullPointerException.class, () -> builder("true").environment().put("NAME", null));
    }

    @Test
    void nullInCommandFailsAtStart() {
        assertThrows(NullPointerException.class, () -> builder("echo", null).start());
        assertThrows(NullPointerException.class, () -> new SeccompProcessBuilder(new ArrayList<>(Arrays.asList("echo", null)))
                .mode(SeccompMode.ENFORCE).start());
    }

    @Test
    void emptyCommandFailsAtStart() {
        assertThrowsWithMessage(IndexOutOfBoundsException.class, "the command is empty", () -> builder().start());
        assertThrowsWithMessage(IndexOutOfBoundsException.class, "the command is empty",
                () -> new SeccompProcessBuilder(new ArrayList<>()).mode(SeccompMode.ENFORCE).start());
    }

    @Test
    void nulByteInArgumentFailsAtStart() {
        assertThrowsWithMessage(IOException.class, "invalid null character in command argument 'a?b'",
                () -> builder("/bin/echo", "a\u0000b").start());
        assertThrowsWithMessage(IOException.class, "invalid null character in command argument '/bin/echo?x'",
                () -> builder("/bin/echo\u0000x").start());
    }

    @Test
    void nulByteInEnvironmentFailsAtPut() {
        Map<String, String> environment = builder("true").environment();

        assertThrows(IllegalArgumentException.class, () -> environment.put("VALUE", "a\u0000b"));
        assertThrows(IllegalArgumentException.class, () -> environment.put("NA\u0000ME", "value"));
        assertThrows(IllegalArgumentException.class, () -> environment.put("NAME=WITH=EQUALS", "value"));
    }

    @Test
    void nulByteInPathsFailsAtStart() {
        assertThrowsWithMessage(IOException.class, "invalid null character in directory '/tmp?x'",
                () -> builder("/bin/true").directory(new File("/tmp\u0000x")).start());
        assertThrowsWithMessage(IOException.class, "invalid null character in redirect file '" + temp + "/out?x'",
                () -> builder("/bin/true").redirectOutput(new File(temp + "/out\u0000x")).start());
        assertThrowsWithMessage(IOException.class, "invalid null character in redirect file '" + temp + "/in?x'",
                () -> builder("/bin/true").redirectInput(new File(temp + "/in\u0000x")).start());
    }

    @Test
    void invalidLimitsAndIdsFailAtSetter() {
        assertThrowsWithMessage(IllegalArgumentException.class,
                "limits -2 and 10 of RLIMIT_NOFILE must be at least 0 or ResourceLimit.INFINITY",
                () -> builder("true").limit(ResourceLimit.NOFILE, -2, 10));
        assertThrowsWithMessage(IllegalArgumentException.class, "soft limit 10 of RLIMIT_NOFILE exceeds hard limit 5",
                () -> builder("true").limit(ResourceLimit.NOFILE, 10, 5));
        assertThrowsWithMessage(IllegalArgumentException.class,
                "soft limit -1 of RLIMIT_CPU exceeds hard limit 5",
                () -> builder("true").limit(ResourceLimit.CPU, ResourceLimit.INFINITY, 5));
        assertThrowsWithMessage(IllegalArgumentException.class, "umask 1000 is outside 0-0777", () -> builder("true").umask(01000));
        assertThrowsWithMessage(IllegalArgumentException.class, "umask 37777777777 is outside 0-0777", () -> builder("true").umask(-1));
        assertThrowsWithMessage(IllegalArgumentException.class, "uid -1 and gid 0 must not be negative",
                () -> builder("true").user(-1, 0));
        assertThrowsWithMessage(IllegalArgumentException.class, "group -5 must not be negative",
                () -> builder("true").user(1, 1, 2, -5));
    }

    @Test
    void wrongRedirectDirectionFailsAtSetter() {
        File file = temp.resolve("file").toFile();

        assertThrows(IllegalArgumentException.class, () -> builder("true").redirectInput(Redirect.to(file)));
        assertThrows(IllegalArgumentException.class, () -> builder("true").redirectInput(Redirect.appendTo(file)));
        assertThrows(IllegalArgumentException.class, () -> builder("true").redirectOutput(Redirect.from(file)));
        assertThrows(IllegalArgumentException.class, () -> builder("true").redirectError(Redirect.from(file)));
    }

    @Test
    void policyTooLargeForBpfFailsBeforeSpawn() {
        // 2000 conditional rules need two comparisons each, far more than 4096 instructions.
        SyscallPolicy.Builder rules = SyscallPolicy.builder().name("too-large").defaultAction(Action.ALLOW);
        for (int value = 0; value < 2000; value++) {
            rules.rule("getpid", Action.errno(Errno.EPERM), ArgCondition.equalTo(0, value));
        }
        SyscallPolicy tooLarge = rules.build();

        Exception error = assertThrows(Exception.class, () -> builder("/bin/true").policy(tooLarge).start());

        // The spawn path with denial reports wraps the compiler's IllegalArgumentException in an
        // IOException; both carry the compiler's message with the limit.
        assertTrue(error instanceof IOException || error instanceof IllegalArgumentException, error.toString());
        assertTrue(error.getMessage().contains("policy too large for BPF: its program has "), error.getMessage());
        assertTrue(error.getMessage().contains("more than the kernel's limit of 4096"), error.getMessage());
    }

    @Test
    void sameBuilderStartsAgainAfterFailure() throws Exception {
        SeccompProcessBuilder builder = builder("/nonexistent/first");
        assertThrows(IOException.class, builder::start);

        builder.command("/bin/true");

        assertEquals(0, builder.start().waitFor());
    }
}
