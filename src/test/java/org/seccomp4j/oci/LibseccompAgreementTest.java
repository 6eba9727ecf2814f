package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.ArgCondition.Op;
import org.seccomp4j.BpfProgram;
import org.seccomp4j.BpfSimulator;
import org.seccomp4j.Rule;
import org.seccomp4j.SeccompData;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/**
 * Compares seccomp4j with the real libseccomp. A small C program (libseccomp_export.c) adds a
 * profile's rules as runc does and exports libseccomp's program. Both programs then run in the
 * simulator on the same x86_64 calls. This checks the reader against libseccomp's merging of
 * rules, and the writer's output against the policy it was written from.
 *
 * <p>Calls above seccomp4j's syscall table are not compared: seccomp4j gives them ENOSYS, and
 * libseccomp without runc's patch gives them the default action.
 */
@EnabledOnOs(OS.LINUX)
class LibseccompAgreementTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, Integer> OPERATORS = Map.of("SCMP_CMP_NE", 1, "SCMP_CMP_LT", 2, "SCMP_CMP_LE", 3,
            "SCMP_CMP_EQ", 4, "SCMP_CMP_GE", 5, "SCMP_CMP_GT", 6, "SCMP_CMP_MASKED_EQ", 7);
    private static final ImportOptions KERNEL_6_1 = ImportOptions.defaults().withKernelVersion("6.1");

    @TempDir
    static Path temp;

    private static Path helper;

    @BeforeAll
    static void compileHelper() throws Exception {
        Path source = Paths.get("src", "test", "resources", "oci", "libseccomp_export.c").toAbsolutePath();
        helper = temp.resolve("libseccomp_export");
        Process gcc = new ProcessBuilder("gcc", "-O1", "-Wall", "-Wextra", "-o", helper.toString(), source.toString(), "-lseccomp")
                .redirectErrorStream(true).start();
        String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        boolean compiled = gcc.waitFor(60, TimeUnit.SECONDS) && gcc.exitValue() == 0;
        Assumptions.assumeTrue(compiled, "requires libseccomp's headers and library (Debian package libseccomp-dev): " + output);
    }

    // ---- From a profile to libseccomp's program ----

    /**
     * Returns the helper's input for a profile, as Docker and runc hand it to libseccomp on amd64
     * with no capabilities and kernel 6.1: the entries that apply, one rule per name that x86_64 has.
     */
    private static String helperInput(JsonNode profile) {
        StringBuilder input = new StringBuilder();
        input.append("default ").append(action(profile, "defaultAction", "defaultErrnoRet")).append('\n');
        for (JsonNode entry : profile.path("syscalls")) {
            if (!appliesWithoutCapabilities(entry)) {
                continue;
            }
            StringBuilder rule = new StringBuilder().append(action(entry, "action", "errnoRet"));
            JsonNode args = entry.path("args");
            rule.append(' ').append(args.size());
            for (JsonNode arg : args) {
                rule.append(' ').append(arg.get("index").asInt())
                        .append(' ').append(OPERATORS.get(arg.get("op").asText()))
                        .append(' ').append(arg.get("value").bigIntegerValue())
                        .append(' ').append(arg.has("valueTwo") ? arg.get("valueTwo").bigIntegerValue() : BigInteger.ZERO);
            }
            for (JsonNode name : entry.get("names")) {
                Optional<Integer> number = SyscallTable.number(name.asText());
                number.ifPresent(nr -> input.append("rule ").append(nr).append(' ').append(rule).append('\n'));
            }
        }
        return input.toString();
    }

    private static boolean appliesWithoutCapabilities(JsonNode entry) {
        JsonNode includes = entry.path("includes");
        JsonNode excludes = entry.path("excludes");
        if (includes.path("caps").size() > 0) {
            return false;
        }
        if (includes.path("arches").size() > 0 && !includes.get("arches").toString().contains("\"amd64\"")) {
            return false;
        }
        if (excludes.path("arches").toString().contains("\"amd64\"")) {
            return false;
        }
        // Docker's profile only uses minKernel 4.8, which kernel 6.1 reaches.
        return !excludes.has("minKernel");
    }

    private static long action(JsonNode object, String field, String errnoField) {
        String name = object.get(field).asText();
        switch (name) {
            case "SCMP_ACT_KILL":
            case "SCMP_ACT_KILL_THREAD":
                return 0;
            case "SCMP_ACT_KILL_PROCESS":
                return 0x80000000L;
            case "SCMP_ACT_TRAP":
                return 0x30000L;
            case "SCMP_ACT_ERRNO":
                return 0x50000L | (object.has(errnoField) ? object.get(errnoField).asLong() : 1);
            case "SCMP_ACT_NOTIFY":
                return 0x7fc00000L;
            case "SCMP_ACT_LOG":
                return 0x7ffc0000L;
            case "SCMP_ACT_ALLOW":
                return 0x7fff0000L;
            default:
                throw new IllegalArgumentException(name);
        }
    }

    private static BpfProgram libseccompProgram(String profileJson) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(helper.toString()).start();
        try (OutputStream in = process.getOutputStream()) {
            in.write(helperInput(JSON.readTree(profileJson)).getBytes(StandardCharsets.UTF_8));
        }
        ByteArrayOutputStream program = new ByteArrayOutputStream();
        try (InputStream out = process.getInputStream()) {
            out.transferTo(program);
        }
        String errors = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "libseccomp_export timed out");
        assertEquals(0, process.exitValue(), errors);
        return BpfProgram.fromBytes(program.toByteArray());
    }

    // ---- Comparing verdicts ----

    /** Asserts that both programs judge alike every x86_64 syscall of the table, with many arguments. */
    private static void assertAgree(BpfProgram libseccomp, SyscallPolicy policy, String profileJson) throws IOException {
        List<Long> values = interestingValues(policy, JSON.readTree(profileJson));
        Random random = new Random(5);
        BpfProgram ours = policy.program();
        int compared = 0;
        for (int nr = 0; nr <= SyscallTable.maxNumber(); nr++) {
            List<long[]> calls = new ArrayList<>();
            calls.add(new long[6]);
            for (int index = 0; index < ArgCondition.MAX_ARGS; index++) {
                for (long value : values) {
                    long[] args = new long[6];
                    args[index] = value;
                    calls.add(args);
                }
            }
            for (int i = 0; i < 100; i++) {
                long[] args = new long[6];
                for (int index = 0; index < args.length; index++) {
                    args[index] = values.get(random.nextInt(values.size()));
                }
                calls.add(args);
            }
            for (long[] args : calls) {
                SeccompData call = SeccompData.x86_64(nr, args);
                Action expected = BpfSimulator.run(libseccomp, call).action();
                assertEquals(expected, BpfSimulator.run(ours, call).action(), () -> SyscallTable.nameOrNumber(call.number())
                        + java.util.Arrays.toString(args) + ": expected libseccomp's verdict, got seccomp4j's");
                compared++;
            }
        }
        assertTrue(compared > 10_000, compared + " calls compared");
    }

    private static List<Long> interestingValues(SyscallPolicy policy, JsonNode profile) {
        TreeSet<Long> values = new TreeSet<>(List.of(0L, 1L, 2L, -1L, 0x80000000L, 0xffffffffL, 0x8000000000000000L));
        for (Rule rule : policy.rules()) {
            for (ArgCondition condition : rule.conditions()) {
                addAround(values, condition.value());
                addAround(values, condition.value() | ~condition.mask());
            }
        }
        for (JsonNode entry : profile.path("syscalls")) {
            for (JsonNode arg : entry.path("args")) {
                long value = arg.get("value").bigIntegerValue().longValue();
                long valueTwo = arg.has("valueTwo") ? arg.get("valueTwo").bigIntegerValue().longValue() : 0;
                addAround(values, value);
                addAround(values, valueTwo);
                addAround(values, valueTwo | ~value);
            }
        }
        return new ArrayList<>(values);
    }

    private static void addAround(TreeSet<Long> values, long value) {
        values.add(value - 1);
        values.add(value);
        values.add(value + 1);
    }

    private static void assertReaderAgrees(String profileJson) throws Exception {
        assertAgree(libseccompProgram(profileJson), OciProfiles.parse(profileJson, KERNEL_6_1), profileJson);
    }

    private static void assertWriterAgrees(SyscallPolicy policy) throws Exception {
        String exported = OciProfiles.toJson(policy);
        assertAgree(libseccompProgram(exported), policy, exported);
    }

    private static String profile(String... entries) {
        return "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" + String.join(",", entries) + "]}";
    }

    // ---- Reader ----

    @Test
    void dockerProfileAgrees() throws Exception {
        assertReaderAgrees(Files.readString(DockerDefaultProfileTest.PROFILE));
    }

    @Test
    void unconditionalOverrideAgrees() throws Exception {
        String conditional = "{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\","
                + " \"args\": [{\"index\": 1, \"value\": 21505, \"op\": \"SCMP_CMP_EQ\"}]}";
        String unconditional = "{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}";

        assertReaderAgrees(profile(conditional, unconditional));
        assertReaderAgrees(profile(unconditional, conditional));
    }

    @Test
    void firstUnconditionalRuleAgrees() throws Exception {
        assertReaderAgrees(profile("{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\"}",
                "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}"));
    }

    @Test
    void sameArgumentComparisonsAgree() throws Exception {
        assertReaderAgrees(profile("{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
                + "{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
                + "{\"index\": 1, \"value\": 3, \"op\": \"SCMP_CMP_GE\"}]}"));
    }

    @Test
    void defaultActionAndNoOpRulesAgree() throws Exception {
        assertReaderAgrees(profile(
                "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ERRNO\", \"args\": [{\"index\": 1, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}",
                "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 16, \"op\": \"SCMP_CMP_LT\"}]}",
                "{\"names\": [\"tgkill\"], \"action\": \"SCMP_ACT_TRAP\", \"args\": [{\"index\": 2, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}",
                "{\"names\": [\"tgkill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}",
                "{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 1, \"value\": 255, \"valueTwo\": 4660, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}",
                "{\"names\": [\"mprotect\"], \"action\": \"SCMP_ACT_KILL\", \"args\": [{\"index\": 2, \"value\": 4, \"op\": \"SCMP_CMP_GE\"}]}",
                "{\"names\": [\"mprotect\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 2, \"value\": 4, \"op\": \"SCMP_CMP_LT\"}]}",
                "{\"names\": [\"lseek\"], \"action\": \"SCMP_ACT_LOG\", \"args\": [{\"index\": 1, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_LE\"}]}"));
    }

    // ---- Writer ----

    @Test
    void exportedJobDefaultAgrees() throws Exception {
        assertWriterAgrees(SyscallPolicy.jobDefault());
    }

    @Test
    void exportedEveryActionPolicyAgrees() throws Exception {
        assertWriterAgrees(ProfileWriterTest.everyActionAndOperator());
    }

    @Test
    void exportedOverlappingRulesAgree() throws Exception {
        assertWriterAgrees(SyscallPolicy.builder().defaultAction(Action.KILL_PROCESS)
                .rule("socket", Action.errno(1), ArgCondition.of(0, Op.LT, 10))
                .rule("socket", Action.ALLOW, ArgCondition.of(0, Op.LT, 100))
                .rule("kill", Action.ALLOW, ArgCondition.of(1, Op.GE, 5), ArgCondition.of(1, Op.LE, 10))
                .rule("mprotect", Action.TRAP, ArgCondition.of(0, Op.GT, 3), ArgCondition.of(0, Op.LT, 7))
                .allow("mprotect")
                .build());
    }
}
