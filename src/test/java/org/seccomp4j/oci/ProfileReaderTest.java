package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.ArgCondition.Op;
import org.seccomp4j.Rule;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/** How profiles are read: the runc and libseccomp rules that OciProfiles follows, and its errors. */
class ProfileReaderTest {

    private static final Action EPERM = Action.errno(1);
    private static final Action ENOSYS = Action.errno(38);

    @TempDir
    Path temp;

    /** Returns a profile with default errno(EPERM) and the given syscalls[] entries. */
    private static String profile(String... entries) {
        return "{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"syscalls\": [" + String.join(",", entries) + "]}";
    }

    private static SyscallPolicy parse(String json) {
        return OciProfiles.parse(json, ImportOptions.defaults().withKernelVersion("6.1"));
    }

    private static List<Rule> rules(SyscallPolicy policy, String syscall) {
        return policy.rules(SyscallTable.number(syscall).orElseThrow());
    }

    private static String errorOf(String json) {
        return assertThrows(InvalidProfileException.class, () -> parse(json)).getMessage();
    }

    @Test
    void errnoWithoutErrnoRetIsEperm() {
        SyscallPolicy policy = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                + " \"syscalls\": [{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ERRNO\"}]}");

        assertEquals(Action.ALLOW, policy.defaultAction());
        assertEquals(EPERM, policy.actionFor("ptrace"));
    }

    @Test
    void defaultErrnoRetSetsDefaultErrno() {
        SyscallPolicy policy = parse("{\"defaultAction\": \"SCMP_ACT_ERRNO\", \"defaultErrnoRet\": 38}");

        assertEquals(ENOSYS, policy.defaultAction());
        assertEquals(List.of(), policy.rules());
    }

    @ParameterizedTest
    @CsvSource({
        "SCMP_ACT_KILL, kill-thread",
        "SCMP_ACT_KILL_THREAD, kill-thread",
        "SCMP_ACT_KILL_PROCESS, kill-process",
        "SCMP_ACT_TRAP, trap",
        "SCMP_ACT_LOG, log",
        "SCMP_ACT_ALLOW, allow",
        "SCMP_ACT_NOTIFY, user-notif",
    })
    void actionNamesMapToActions(String name, String expected) {
        SyscallPolicy policy = parse(profile("{\"names\": [\"getpid\"], \"action\": \"" + name + "\"}"));

        assertEquals(Action.parse(expected), policy.actionFor("getpid"));
    }

    @Test
    void errnoRetSetsRuleErrno() {
        SyscallPolicy policy = parse(profile("{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}"));

        assertEquals(ENOSYS, policy.actionFor("clone3"));
    }

    @Test
    void everyNameOfAnEntryGetsItsRule() {
        SyscallPolicy policy = parse(profile("{\"names\": [\"read\", \"write\", \"close\"], \"action\": \"SCMP_ACT_ALLOW\"}"));

        assertEquals(List.of("read", "write", "close"), policy.allowedSyscalls());
    }

    @Test
    void singleNameFormIsAccepted() {
        SyscallPolicy policy = parse(profile("{\"name\": \"getpid\", \"action\": \"SCMP_ACT_ALLOW\"}"));

        assertEquals(List.of("getpid"), policy.allowedSyscalls());
    }

    @Test
    void comparisonsOnDistinctArgumentsAreAnded() {
        SyscallPolicy policy = parse(profile("{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"},"
                + "{\"index\": 1, \"value\": 15, \"op\": \"SCMP_CMP_EQ\"}]}"));

        assertEquals(List.of(new Rule(62, Action.ALLOW,
                List.of(ArgCondition.equalTo(0, 1), ArgCondition.equalTo(1, 15)))), rules(policy, "kill"));
        assertEquals(Action.ALLOW, policy.actionFor("kill", 1, 15));
        assertEquals(EPERM, policy.actionFor("kill", 1, 9));
        assertEquals(EPERM, policy.actionFor("kill", 2, 15));
    }

    @Test
    void sameArgumentComparisonsAreOred() {
        SyscallPolicy policy = parse(profile("{\"names\": [\"personality\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"},"
                + "{\"index\": 0, \"value\": 8, \"op\": \"SCMP_CMP_EQ\"},"
                + "{\"index\": 1, \"value\": 3, \"op\": \"SCMP_CMP_EQ\"}]}"));

        assertEquals(3, rules(policy, "personality").size());
        assertEquals(Action.ALLOW, policy.actionFor("personality", 0));
        assertEquals(Action.ALLOW, policy.actionFor("personality", 8));
        assertEquals(Action.ALLOW, policy.actionFor("personality", 5, 3));
        assertEquals(EPERM, policy.actionFor("personality", 5));
    }

    @Test
    void maskedEqTakesMaskFirst() {
        SyscallPolicy policy = parse(profile("{\"names\": [\"clone\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 0, \"value\": 2114060288, \"valueTwo\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"));

        assertEquals(List.of(new Rule(56, Action.ALLOW, List.of(ArgCondition.maskedEquals(0, 0x7e020000L, 0)))),
                rules(policy, "clone"));
    }

    @Test
    void maskedEqBitsOutsideMaskDropped() {
        SyscallPolicy policy = parse(profile("{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 1, \"value\": 255, \"valueTwo\": 4660, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"));

        assertEquals(List.of(ArgCondition.maskedEquals(1, 0xff, 0x34)), rules(policy, "ioctl").get(0).conditions());
    }

    @Test
    void valuesUseAllSixtyFourBits() {
        SyscallPolicy policy = parse(profile("{\"names\": [\"lseek\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 1, \"value\": 18446744073709551615, \"op\": \"SCMP_CMP_EQ\"}]}"));

        assertEquals(Action.ALLOW, policy.actionFor("lseek", 0, -1L));
        assertEquals(EPERM, policy.actionFor("lseek", 0, 0xffffffffL));
    }

    @Test
    void ruleWithDefaultActionIsDropped() {
        SyscallPolicy policy = parse(profile(
                "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ERRNO\"}",
                "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 1,"
                        + " \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}",
                "{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}"));

        assertEquals(List.of(new Rule(0, Action.ALLOW, List.of())), policy.rules());
    }

    @Test
    void unconditionalRuleOverridesConditionalRulesInAnyOrder() {
        String conditional = "{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ALLOW\","
                + " \"args\": [{\"index\": 1, \"value\": 21505, \"op\": \"SCMP_CMP_EQ\"}]}";
        String unconditional = "{\"names\": [\"ioctl\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38}";

        for (SyscallPolicy policy : List.of(parse(profile(conditional, unconditional)), parse(profile(unconditional, conditional)))) {
            assertEquals(List.of(new Rule(16, ENOSYS, List.of())), rules(policy, "ioctl"));
        }
    }

    @Test
    void firstUnconditionalRuleWins() {
        SyscallPolicy policy = parse(profile(
                "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\"}",
                "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_KILL_PROCESS\"}"));

        assertEquals(Action.ALLOW, policy.actionFor("ptrace"));
    }

    @Test
    void comparisonTestingNoBitMakesRuleUnconditional() {
        SyscallPolicy policy = parse(profile(
                "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_TRAP\", \"args\": [{\"index\": 1, \"value\": 9, \"op\": \"SCMP_CMP_EQ\"}]}",
                "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 0, \"op\": \"SCMP_CMP_MASKED_EQ\"}]}"));

        assertEquals(List.of(new Rule(62, Action.ALLOW, List.of())), rules(policy, "kill"));
    }

    @Test
    void fullCoverageEndsInUnconditionalRule() {
        SyscallPolicy policy = parse(profile(
                "{\"names\": [\"mprotect\"], \"action\": \"SCMP_ACT_KILL_PROCESS\", \"args\": [{\"index\": 2, \"value\": 4, \"op\": \"SCMP_CMP_GE\"}]}",
                "{\"names\": [\"mprotect\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 2, \"value\": 4, \"op\": \"SCMP_CMP_LT\"}]}"));

        assertEquals(List.of(new Rule(10, Action.KILL_PROCESS, List.of(ArgCondition.of(2, Op.GE, 4))),
                new Rule(10, Action.ALLOW, List.of())), rules(policy, "mprotect"));
    }

    @Test
    void overlappingRulesApplyInListedOrder() {
        String errno = "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 97,"
                + " \"args\": [{\"index\": 0, \"value\": 10, \"op\": \"SCMP_CMP_EQ\"}]}";
        String allow = "{\"names\": [\"socket\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 16, \"op\": \"SCMP_CMP_LT\"}]}";

        assertEquals(Action.errno(97), parse(profile(errno, allow)).actionFor("socket", 10));
        assertEquals(Action.ALLOW, parse(profile(allow, errno)).actionFor("socket", 10));
        assertEquals(Action.ALLOW, parse(profile(errno, allow)).actionFor("socket", 2));

        InvalidProfileException strict = assertThrows(InvalidProfileException.class, () -> OciProfiles.parse(
                profile(errno, allow), ImportOptions.defaults().withStrict(true)));
        assertTrue(strict.getMessage().contains("syscalls[1]: the rules of syscalls[0] (errno(EAFNOSUPPORT)) and"
                + " syscalls[1] (allow) both match some calls of socket"), strict.getMessage());
    }

    @Test
    void includesAndExcludesFollowDocker() {
        String json = profile(
                "{\"names\": [\"arch_prctl\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"amd64\", \"x32\"]}}",
                "{\"names\": [\"set_tls\", \"cacheflush\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"arches\": [\"arm64\"]}}",
                "{\"names\": [\"getpid\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"arches\": [\"amd64\"]}}",
                "{\"names\": [\"mount\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}",
                "{\"names\": [\"clone3\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 38, \"excludes\": {\"caps\": [\"CAP_SYS_ADMIN\"]}}",
                "{\"names\": [\"ptrace\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"4.8\"}}",
                "{\"names\": [\"kcmp\"], \"action\": \"SCMP_ACT_ALLOW\", \"excludes\": {\"minKernel\": \"5.0\"}}");

        SyscallPolicy none = OciProfiles.parse(json, ImportOptions.defaults().withKernelVersion("4.19"));
        assertEquals(List.of("ptrace", "arch_prctl", "kcmp"), none.allowedSyscalls());
        assertEquals(ENOSYS, none.actionFor("clone3"));

        SyscallPolicy admin = OciProfiles.parse(json, ImportOptions.defaults().withKernelVersion("6.1")
                .withCapabilities("CAP_SYS_ADMIN"));
        assertEquals(List.of("arch_prctl", "mount"), admin.allowedSyscalls().stream()
                .filter(name -> !name.equals("ptrace")).toList());
        assertEquals(EPERM, admin.actionFor("clone3"));
        assertEquals(EPERM, admin.actionFor("kcmp"));
    }

    @Test
    void wholeOciConfigIsAccepted() {
        SyscallPolicy policy = parse("{\"ociVersion\": \"1.2.0\", \"process\": {\"args\": [\"sh\"]}, \"linux\": {\"seccomp\": "
                + profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}") + "}}");

        assertEquals(List.of("read"), policy.allowedSyscalls());
        assertTrue(errorOf("{\"ociVersion\": \"1.2.0\", \"linux\": {}}").contains("linux.seccomp: missing"));
    }

    @Test
    void architecturesAndFlagsAddNoRules() {
        SyscallPolicy policy = parse("{\"defaultAction\": \"SCMP_ACT_ALLOW\","
                + " \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_X86\", \"SCMP_ARCH_X32\"],"
                + " \"flags\": [\"SECCOMP_FILTER_FLAG_LOG\"], \"listenerPath\": \"/run/agent.sock\"}");

        assertEquals(Action.ALLOW, policy.defaultAction());
        assertEquals(Action.KILL_PROCESS, policy.actionFor(SyscallPolicy.AUDIT_ARCH_I386, 20));
        assertEquals(Action.KILL_PROCESS, policy.actionFor(SyscallPolicy.AUDIT_ARCH_X86_64, SyscallPolicy.X32_SYSCALL_BIT | 39));
    }

    @Test
    void errorsNameLocationAndFault() {
        assertEquals("<profile>: defaultAction: missing", errorOf("{\"syscalls\": []}"));
        assertEquals("<profile>: syscalls[0].action: unknown action 'SCMP_ACT_PERMIT'; expected one of SCMP_ACT_KILL,"
                + " SCMP_ACT_KILL_PROCESS, SCMP_ACT_KILL_THREAD, SCMP_ACT_TRAP, SCMP_ACT_ERRNO, SCMP_ACT_TRACE,"
                + " SCMP_ACT_ALLOW, SCMP_ACT_LOG, SCMP_ACT_NOTIFY",
                errorOf(profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_PERMIT\"}")));

        assertTrue(errorOf(profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_TRACE\"}"))
                .startsWith("<profile>: syscalls[0].action: SCMP_ACT_TRACE is not supported"));
        assertEquals("<profile>: syscalls[0].errnoRet: only valid with SCMP_ACT_ERRNO, not with SCMP_ACT_ALLOW",
                errorOf(profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"errnoRet\": 1}")));
        assertEquals("<profile>: defaultErrnoRet: only valid with SCMP_ACT_ERRNO, not with SCMP_ACT_KILL_PROCESS",
                errorOf("{\"defaultAction\": \"SCMP_ACT_KILL_PROCESS\", \"defaultErrnoRet\": 1}"));
        assertEquals("<profile>: syscalls[0].errnoRet: errno 5000 is out of range; the kernel accepts 0 to 4095",
                errorOf(profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ERRNO\", \"errnoRet\": 5000}")));

        assertEquals("<profile>: syscalls[0].names: empty; each syscalls[] entry needs at least one name",
                errorOf(profile("{\"names\": [], \"action\": \"SCMP_ACT_ALLOW\"}")));
        assertEquals("<profile>: syscalls[0]: has both 'name' and 'names'; use 'names' only",
                errorOf(profile("{\"name\": \"read\", \"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}")));
        assertEquals("<profile>: syscalls[1].args[0].index: argument index 6 is out of range 0-5",
                errorOf(profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}",
                        "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 6, \"value\": 0, \"op\": \"SCMP_CMP_EQ\"}]}")));
        assertEquals("<profile>: syscalls[0].args[0].value: -1 is out of range for a uint64",
                errorOf(profile("{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": -1, \"op\": \"SCMP_CMP_EQ\"}]}")));
        assertEquals("<profile>: syscalls[0].args[0].value: 18446744073709551616 is out of range for a uint64",
                errorOf(profile("{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 18446744073709551616, \"op\": \"SCMP_CMP_EQ\"}]}")));
        assertEquals("<profile>: syscalls[0].args[0].op: unknown operator 'SCMP_CMP_MASKED_NE'; expected one of"
                + " SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT, SCMP_CMP_MASKED_EQ",
                errorOf(profile("{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_MASKED_NE\"}]}")));
        assertEquals("<profile>: syscalls[0].args[0].value: expected an unsigned integer, found string \"1\"",
                errorOf(profile("{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": [{\"index\": 0, \"value\": \"1\", \"op\": \"SCMP_CMP_EQ\"}]}")));

        assertEquals("<profile>: architectures[1]: unknown architecture 'SCMP_ARCH_AMD64'; expected a name such as SCMP_ARCH_X86_64",
                errorOf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\", \"SCMP_ARCH_AMD64\"]}"));
        assertEquals("<profile>: archMap: a profile may give architectures or archMap, not both",
                errorOf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"architectures\": [\"SCMP_ARCH_X86_64\"],"
                        + " \"archMap\": [{\"architecture\": \"SCMP_ARCH_X86_64\"}]}"));
        assertTrue(errorOf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"flags\": [\"SECCOMP_FILTER_FLAG_NEW_LISTENER\"]}")
                .startsWith("<profile>: flags[0]: unknown flag 'SECCOMP_FILTER_FLAG_NEW_LISTENER'"));
        assertEquals("<profile>: syscalls[0].includes.minKernel: invalid kernel version 'four'; expected MAJOR.MINOR such as 4.8",
                errorOf(profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\", \"includes\": {\"minKernel\": \"four\"}}")));
    }

    @Test
    void invalidJsonNamesLineAndColumn() {
        String message = errorOf("{\n  \"defaultAction\": \"SCMP_ACT_ALLOW\",\n  \"syscalls\": [\n}");
        assertTrue(message.startsWith("<profile>: invalid JSON at line 4, column 1: "), message);
    }

    @Test
    void duplicateKeysAreRejected() {
        String message = errorOf("{\"defaultAction\": \"SCMP_ACT_ALLOW\", \"defaultAction\": \"SCMP_ACT_ERRNO\"}");
        assertTrue(message.contains("Duplicate field 'defaultAction'"), message);
    }

    @Test
    void conflictingRulesWithSameConditionsAreRejected() {
        String args = "\"args\": [{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]";
        String message = errorOf(profile("{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", " + args + "}",
                "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_TRAP\", " + args + "}"));

        assertTrue(message.startsWith("<profile>: conflicting rules for syscall kill (62)"), message);
    }

    @Test
    void repeatedRulesAreMerged() {
        String entry = "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 1, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}]}";
        String reordered = "{\"names\": [\"kill\"], \"action\": \"SCMP_ACT_ALLOW\", \"args\": ["
                + "{\"index\": 1, \"value\": 2, \"op\": \"SCMP_CMP_EQ\"}, {\"index\": 0, \"value\": 1, \"op\": \"SCMP_CMP_EQ\"}]}";

        assertEquals(1, rules(parse(profile(entry, reordered, entry)), "kill").size());
    }

    @Test
    void fileNameBecomesPolicyName() throws IOException {
        Path file = temp.resolve("site-profile.json");
        Files.writeString(file, "\uFEFF" + profile("{\"names\": [\"read\"], \"action\": \"SCMP_ACT_ALLOW\"}"), StandardCharsets.UTF_8);

        assertEquals("site-profile", OciProfiles.read(file).name());
        assertEquals("mine", OciProfiles.read(file, ImportOptions.defaults().withName("mine")).name());
    }

    @Test
    void profilesAreRecognisedByNameOrFirstCharacter() throws IOException {
        Path json = Files.writeString(temp.resolve("x.json"), "allow read\n");
        Path braced = Files.writeString(temp.resolve("profile"), "\n  {\"defaultAction\": \"SCMP_ACT_ALLOW\"}");
        Path text = Files.writeString(temp.resolve("my.policy"), "# {\ndefault errno(EPERM)\nallow read\n");

        assertTrue(OciProfiles.isProfile(json));
        assertTrue(OciProfiles.isProfile(braced));
        assertFalse(OciProfiles.isProfile(text));
    }

    @Test
    void optionsRejectInvalidValues() {
        assertThrows(IllegalArgumentException.class, () -> ImportOptions.defaults().withKernelVersion("latest"));
        assertThrows(IllegalArgumentException.class, () -> ImportOptions.defaults().withCapabilities("CAP SYS ADMIN"));
        assertEquals(java.util.Set.of("CAP_SYS_ADMIN", "CAP_NET_RAW"),
                ImportOptions.defaults().withCapabilities("sys_admin", "CAP_NET_RAW").capabilities());
    }
}
