package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.ArgCondition.Op;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/** Export: the JSON is a valid OCI seccomp profile, and reading it back gives the same policy. */
class ProfileWriterTest {

    /**
     * The seccomp part of the runtime spec's config schema (draft 4, like config-schema.json). Its
     * references to defs-linux.json and defs.json resolve next to it on the classpath.
     */
    private static final Schema SECCOMP_SCHEMA = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4)
            .getSchema(SchemaLocation.of("classpath:oci/schema/config-linux.json#/linux/properties/seccomp"));
    private static final ObjectMapper JSON = new ObjectMapper();

    private static final Action EPERM = Action.errno(1);

    @TempDir
    Path temp;

    /** Returns a policy with every action and every operator, and each way the writer handles a syscall. */
    static SyscallPolicy everyActionAndOperator() {
        return SyscallPolicy.builder()
                .name("every-action")
                .defaultAction(Action.KILL_PROCESS)
                .allow("read", "write", "exit_group")
                .rule("ptrace", EPERM)
                .rule("bpf", Action.errno(38))
                .rule("mount", Action.KILL_THREAD)
                .rule("getppid", Action.TRAP)
                .rule("getpid", Action.LOG)
                .rule("getuid", Action.USER_NOTIF)
                .rule("kill", Action.ALLOW, ArgCondition.equalTo(1, 15), ArgCondition.of(0, Op.NE, 1))
                .rule("mmap", Action.ALLOW, ArgCondition.of(2, Op.LT, 8))
                .rule("fcntl", Action.ALLOW, ArgCondition.of(1, Op.LE, 4))
                .rule("fcntl", Action.TRAP, ArgCondition.of(1, Op.GT, 1030))
                .rule("lseek", Action.ALLOW, ArgCondition.of(1, Op.GE, 0x8000000000000000L))
                .rule("mprotect", Action.errno(13), ArgCondition.maskedEquals(2, 0x4, 0x4))
                .allow("mprotect")
                .rule("personality", Action.KILL_PROCESS, ArgCondition.equalTo(0, 0x0400000))
                .rule("personality", Action.TRAP, ArgCondition.maskedEquals(0, 0xffffffffL, 0x0040000))
                .allow("personality")
                .rule("clone", Action.ALLOW, ArgCondition.maskedEquals(0, 0x7e020000L, 0))
                .rule("ioctl", EPERM, ArgCondition.maskedEquals(1, 0xffffffffL, 0x5412))
                .rule("ioctl", Action.TRAP, ArgCondition.equalTo(1, 0x541c))
                .allow("ioctl")
                .rule("socket", EPERM, ArgCondition.of(0, Op.EQ, 40))
                .rule("socket", Action.errno(97), ArgCondition.of(0, Op.GE, 44))
                .allow("socket")
                .build();
    }

    private static List<Error> validate(String json) throws IOException {
        return SECCOMP_SCHEMA.validate(JSON.readTree(json));
    }

    private static JsonNode entriesFor(JsonNode profile, String syscall) {
        com.fasterxml.jackson.databind.node.ArrayNode entries = JSON.createArrayNode();
        for (JsonNode entry : profile.get("syscalls")) {
            for (JsonNode name : entry.get("names")) {
                if (name.asText().equals(syscall)) {
                    entries.add(entry);
                }
            }
        }
        return entries;
    }

    @Test
    void jobDefaultIsValidAgainstSchema() throws IOException {
        assertEquals(List.of(), validate(OciProfiles.toJson(SyscallPolicy.jobDefault())));
    }

    @Test
    void everyActionAndOperatorIsValidAgainstSchema() throws IOException {
        assertEquals(List.of(), validate(OciProfiles.toJson(everyActionAndOperator())));
    }

    @Test
    void dockerProfileIsValidAgainstSchema() throws IOException {
        String docker = Files.readString(DockerDefaultProfileTest.PROFILE);

        assertEquals(List.of(), validate(docker));
        assertEquals(List.of(), validate(OciProfiles.toJson(DockerDefaultProfileTest.read(ImportOptions.defaults()))));
    }

    @Test
    void schemaCheckCatchesInvalidProfiles() throws IOException {
        assertFalse(validate("{\"defaultAction\": \"SCMP_ACT_PERMIT\"}").isEmpty());
        assertFalse(validate("{\"syscalls\": []}").isEmpty());
        assertFalse(validate("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [], \"action\": \"SCMP_ACT_ALLOW\"}]}").isEmpty());
        assertFalse(validate("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\","
                + " \"args\": [{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}]}").isEmpty());
    }

    @Test
    void jobDefaultReadsBackEqual() {
        SyscallPolicy policy = SyscallPolicy.jobDefault();

        SyscallPolicy again = OciProfiles.parse(OciProfiles.toJson(policy));

        assertEquals(policy, again);
        Verdicts.assertSameVerdicts(policy, again);
    }

    @Test
    void everyActionAndOperatorReadsBackEqual() {
        SyscallPolicy policy = everyActionAndOperator();

        SyscallPolicy again = OciProfiles.parse(OciProfiles.toJson(policy));

        assertEquals(policy, again);
        Verdicts.assertSameVerdicts(policy, again);
    }

    @Test
    void groupsReadBackEqual() {
        SyscallPolicy policy = SyscallPolicy.builder().include(SyscallPolicy.jobDefault())
                .allowGroup("debug").allowGroup("mpi-cma").allowGroup("io-uring").build();

        assertEquals(policy, OciProfiles.parse(OciProfiles.toJson(policy)));
    }

    @Test
    void defaultAndErrnosAreWritten() throws IOException {
        JsonNode profile = JSON.readTree(OciProfiles.toJson(SyscallPolicy.jobDefault()));

        assertEquals("SCMP_ACT_ERRNO", profile.get("defaultAction").asText());
        assertEquals(1, profile.get("defaultErrnoRet").asInt());
        assertEquals("[\"SCMP_ARCH_X86_64\"]", profile.get("architectures").toString());
        JsonNode clone3 = entriesFor(profile, "clone3").get(0);
        assertEquals("SCMP_ACT_ERRNO", clone3.get("action").asText());
        assertEquals(38, clone3.get("errnoRet").asInt());
        JsonNode read = entriesFor(profile, "read").get(0);
        assertEquals("SCMP_ACT_ALLOW", read.get("action").asText());
        assertFalse(read.has("errnoRet"));
        assertTrue(read.get("names").size() > 100, "unconditional allows share one entry");
    }

    @Test
    void maskedEqIsWrittenMaskFirst() throws IOException {
        JsonNode profile = JSON.readTree(OciProfiles.toJson(SyscallPolicy.jobDefault()));

        JsonNode clone = entriesFor(profile, "clone");
        assertEquals(1, clone.size());
        assertEquals(JSON.readTree("[{\"index\": 0, \"value\": " + 0x7e020000L + ", \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]"),
                clone.get(0).get("args"));
    }

    @Test
    void fallbackIsWrittenAsNegation() throws IOException {
        SyscallPolicy policy = SyscallPolicy.builder().defaultAction(Action.KILL_PROCESS)
                .rule("socket", EPERM, ArgCondition.equalTo(0, 40))
                .allow("socket")
                .build();

        JsonNode socket = entriesFor(JSON.readTree(OciProfiles.toJson(policy)), "socket");

        assertEquals(2, socket.size());
        assertEquals("SCMP_ACT_ALLOW", socket.get(1).get("action").asText());
        assertEquals(JSON.readTree("[{\"index\": 0, \"value\": 40, \"op\": \"SCMP_CMP_NE\"}]"), socket.get(1).get("args"));
    }

    /**
     * libseccomp lets an unconditional rule override a syscall's conditional rules, so the job
     * default's "allow ioctl" must not be written as one: that would allow TIOCSTI under runc.
     */
    @Test
    void ioctlOfJobDefaultHasNoUnconditionalEntry() throws IOException {
        JsonNode ioctl = entriesFor(JSON.readTree(OciProfiles.toJson(SyscallPolicy.jobDefault())), "ioctl");

        assertTrue(ioctl.size() > 2, ioctl.toString());
        for (JsonNode entry : ioctl) {
            assertTrue(entry.has("args"), entry.toString());
            assertTrue(entry.get("args").size() > 0, entry.toString());
            assertEquals(1, entry.get("names").size(), entry.toString());
        }
    }

    @Test
    void overlappingRulesAreWrittenDisjoint() {
        SyscallPolicy policy = SyscallPolicy.builder().defaultAction(Action.KILL_PROCESS)
                .rule("socket", EPERM, ArgCondition.of(0, Op.LT, 10))
                .rule("socket", Action.ALLOW, ArgCondition.of(0, Op.LT, 100))
                .rule("kill", Action.ALLOW, ArgCondition.of(1, Op.GE, 5), ArgCondition.of(1, Op.LE, 10))
                .rule("mprotect", Action.TRAP, ArgCondition.of(0, Op.GT, 3), ArgCondition.of(0, Op.LT, 7))
                .allow("mprotect")
                .build();

        SyscallPolicy again = OciProfiles.parse(OciProfiles.toJson(policy));

        assertNotEquals(policy, again);
        Verdicts.assertSameVerdicts(policy, again);
    }

    @Test
    void comparisonTestingNoBitIsNotWritten() {
        SyscallPolicy policy = SyscallPolicy.builder().defaultAction(EPERM)
                .rule("kill", Action.TRAP, ArgCondition.equalTo(1, 9))
                .rule("kill", Action.ALLOW, ArgCondition.maskedEquals(0, 0, 0))
                .build();

        SyscallPolicy again = OciProfiles.parse(OciProfiles.toJson(policy));

        Verdicts.assertSameVerdicts(policy, again);
        assertEquals(Action.TRAP, again.actionFor("kill", 1, 9));
    }

    @Test
    void policyNeedingTooManyEntriesIsRejected() {
        SyscallPolicy policy = SyscallPolicy.builder().defaultAction(EPERM)
                .rule("kill", Action.TRAP, ArgCondition.equalTo(0, 1), ArgCondition.equalTo(1, 2),
                        ArgCondition.equalTo(2, 3), ArgCondition.equalTo(3, 4), ArgCondition.equalTo(4, 5))
                .allow("kill")
                .build();

        InvalidProfileException error = assertThrows(InvalidProfileException.class, () -> OciProfiles.toJson(policy));

        // The trap rule, and for every other call 64 regions per argument: 1 + 5 * 64 entries.
        assertEquals("cannot write policy custom as an OCI profile: the rules of syscall kill need 321 syscalls[]"
                + " entries under libseccomp's rules, more than 256", error.getMessage());
    }

    @Test
    void writeCreatesFileThatReadsBack() throws IOException {
        Path file = temp.resolve("job-default.json");

        OciProfiles.write(SyscallPolicy.jobDefault(), file);

        SyscallPolicy read = OciProfiles.read(file);
        assertEquals("job-default", read.name());
        assertEquals(SyscallPolicy.jobDefault(), read);
        assertTrue(Files.readString(file).endsWith("}\n"));
        assertTrue(SyscallTable.number("ioctl").isPresent());
    }
}
