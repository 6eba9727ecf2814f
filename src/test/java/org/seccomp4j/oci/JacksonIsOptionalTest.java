package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

/**
 * jackson-databind is an optional dependency: an application that never reads or writes profiles
 * leaves it out. This runs the command-line tool in a JVM whose class path lacks it.
 */
@EnabledOnOs(OS.LINUX)
class JacksonIsOptionalTest {

    /** Returns the test class path without Jackson and the schema validator, which depends on it. */
    private static String classPathWithoutJackson() {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> kept = Arrays.stream(classPath.split(File.pathSeparator))
                .filter(entry -> !entry.contains("jackson") && !entry.contains("json-schema-validator"))
                .collect(Collectors.toList());
        assertTrue(kept.stream().anyMatch(entry -> entry.contains("jnr-posix")), classPath);
        return String.join(File.pathSeparator, kept);
    }

    private static String runTool(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=ALL-UNNAMED", "-cp", classPathWithoutJackson(), "org.seccomp4j.cli.Main"));
        command.addAll(List.of(args));
        Process tool = new ProcessBuilder(command).redirectErrorStream(true).start();
        tool.getOutputStream().close();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        try (InputStream in = tool.getInputStream()) {
            in.transferTo(output);
        }
        assertTrue(tool.waitFor(60, TimeUnit.SECONDS), "tool did not finish: " + command);
        return "exit " + tool.exitValue() + "\n" + output.toString(StandardCharsets.UTF_8);
    }

    @Test
    void jobsRunWithoutJackson() throws Exception {
        assertEquals("exit 0\nok\n", runTool("run", "--quiet", "--", "sh", "-c", "echo ok"));
    }

    @Test
    void policiesCompileAndExplainWithoutJackson() throws Exception {
        String explained = runTool("explain", "ptrace", "read");

        assertTrue(explained.startsWith("exit 0\nptrace\t101\terrno(EPERM)\t"), explained);
        assertTrue(runTool("dump", "--format", "bpf").startsWith("exit 0\n"));
    }

    /** Shows that the class path above really lacks Jackson, so the tests above prove something. */
    @Test
    void profileExportNeedsJackson() throws Exception {
        String exported = runTool("dump", "--format", "oci");

        assertFalse(exported.startsWith("exit 0\n"), exported);
        assertTrue(exported.contains("com/fasterxml/jackson"), exported);
    }
}
