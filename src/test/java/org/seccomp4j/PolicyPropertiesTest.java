package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.statistics.Statistics;

/**
 * Property tests: random policies compile to programs that judge syscalls as the policy model
 * ({@link SyscallPolicy#actionFor}) does, first in the simulator and, for a sample, in the kernel.
 */
class PolicyPropertiesTest {

    /**
     * Syscalls that only read ids, yield or set the umask, whatever their arguments: the only ones a
     * random rule may allow in a real child. Numbers from the x86_64 table.
     */
    private static final int[] HARMLESS = {
        39,  // getpid
        110, // getppid
        102, // getuid
        107, // geteuid
        104, // getgid
        108, // getegid
        186, // gettid
        111, // getpgrp
        24,  // sched_yield
        140, // getpriority
        95,  // umask
        121, // getpgid
        124, // getsid
    };
    private static final Set<Integer> HARMLESS_SET = IntStream.of(HARMLESS).boxed().collect(Collectors.toSet());

    /**
     * Errnos of random errno actions in the kernel property. The calls above fail with small errnos
     * of their own (EINVAL, ESRCH, EPERM), and 512 to 530 are the kernel's internal restart codes, so
     * a value from 900 up names the action that produced it.
     */
    private static final int DEFAULT_ERRNO = 900;
    private static final int FIRST_RULE_ERRNO = 1000;

    private static final int[] COMMON_SYSCALLS = {0, 1, 2, 3, 9, 16, 56, 59, 101, 257, 435};

    // --- generators -------------------------------------------------------------------------

    private static Arbitrary<Action> actions() {
        return Arbitraries.oneOf(
                Arbitraries.of(Action.ALLOW, Action.KILL_PROCESS, Action.KILL_THREAD, Action.TRAP, Action.LOG,
                        Action.USER_NOTIF),
                Arbitraries.integers().between(0, Errno.MAX).map(Action::errno));
    }

    /** Values that sit on the edges of 32-bit halves, where a two-word comparison can go wrong. */
    private static Arbitrary<Long> values() {
        return Arbitraries.oneOf(
                Arbitraries.longs(),
                Arbitraries.longs().between(0, 16),
                Arbitraries.of(0L, 1L, -1L, 0xffffffffL, 0x100000000L, 0x7fffffffL, 0x80000000L,
                        0xffffffff00000000L, Long.MIN_VALUE, Long.MAX_VALUE));
    }

    private static Arbitrary<ArgCondition> conditions() {
        return Combinators.combine(Arbitraries.integers().between(0, ArgCondition.MAX_ARGS - 1),
                        Arbitraries.of(ArgCondition.Op.values()), values(), values())
                .as((index, op, value, mask) -> op == ArgCondition.Op.MASKED_EQ
                        ? ArgCondition.maskedEquals(index, mask, value & mask)
                        : ArgCondition.of(index, op, value));
    }

    private static Arbitrary<Rule> rules(Arbitrary<Integer> syscalls, Arbitrary<Action> actions) {
        return Combinators.combine(syscalls, actions, conditions().list().ofMaxSize(3))
                .as(Rule::new);
    }

    /** Builds a policy from the rules, dropping each rule that build() rejects as a conflict or no-op. */
    private static SyscallPolicy build(String name, Action defaultAction, List<Rule> candidates) {
        List<Rule> rules = new ArrayList<>(new LinkedHashSet<>(candidates));
        while (true) {
            SyscallPolicy.Builder builder = SyscallPolicy.builder().name(name).defaultAction(defaultAction);
            rules.forEach(builder::rule);
            try {
                return builder.build();
            } catch (SyscallPolicy.InvalidRuleException e) {
                assertTrue(rules.remove(e.rule()), "build() rejected a rule it was not given: " + e.rule());
            }
        }
    }

    @Provide
    Arbitrary<SyscallPolicy> policies() {
        // Most rules go to a few syscalls, so that syscalls get several conditional rules in a row.
        Arbitrary<Integer> syscalls = Arbitraries.frequencyOf(
                Tuple.of(3, Arbitraries.of(IntStream.of(COMMON_SYSCALLS).boxed().toList())),
                Tuple.of(1, Arbitraries.of(new ArrayList<>(SyscallTable.all().keySet()))));
        return Combinators.combine(actions(), rules(syscalls, actions()).list().ofMaxSize(40))
                .as((defaultAction, rules) -> build("random", defaultAction, rules));
    }

    @Provide
    Arbitrary<SyscallPolicy> harmlessPolicies() {
        Arbitrary<Integer> syscalls = Arbitraries.of(IntStream.of(HARMLESS).boxed().toList());
        // Each errno is replaced by a distinct one in build order below, so only the kind matters here.
        Arbitrary<Action> kinds = Arbitraries.of(Action.ALLOW, Action.LOG, Action.KILL_PROCESS, Action.KILL_THREAD,
                Action.TRAP, Action.errno(1), Action.errno(1), Action.errno(1));
        return rules(syscalls, kinds).list().ofMinSize(1).ofMaxSize(12).map(PolicyPropertiesTest::harmlessPolicy);
    }

    /**
     * Returns job-default with its rules for the harmless syscalls replaced by the random ones,
     * each errno action made distinct, and a default of errno(900).
     */
    private static SyscallPolicy harmlessPolicy(List<Rule> random) {
        List<Rule> rules = new ArrayList<>();
        for (Rule rule : SyscallPolicy.jobDefault().rules()) {
            if (!HARMLESS_SET.contains(rule.syscall())) {
                rules.add(rule);
            }
        }
        int nextErrno = FIRST_RULE_ERRNO;
        for (Rule rule : random) {
            Action action = rule.action().kind() == Action.Kind.ERRNO ? Action.errno(nextErrno++) : rule.action();
            rules.add(new Rule(rule.syscall(), action, rule.conditions()));
        }
        return build("random-harmless", Action.errno(DEFAULT_ERRNO), rules);
    }

    // --- simulator against model ------------------------------------------------------------

    @Property(tries = 300, edgeCases = EdgeCasesMode.MIXIN)
    void programAgreesWithModelInSimulator(@ForAll("policies") SyscallPolicy policy, @ForAll long seed) {
        BpfProgram program;
        try {
            program = policy.program();
        } catch (IllegalArgumentException tooLarge) {
            assertTrue(tooLarge.getMessage().startsWith("policy too large for BPF"), tooLarge.getMessage());
            return;
        }
        Statistics.label("rules").collect(policy.rules().size() < 10 ? "< 10" : policy.rules().size() < 25 ? "10-24" : ">= 25");
        for (SeccompData data : probes(policy, new Random(seed), 200)) {
            Action expected = policy.actionFor(data.arch(), data.number(), args(data));
            Action simulated = BpfSimulator.run(program, data).action();
            assertEquals(expected, simulated, () -> describe(data) + " under\n" + policy.toText());
        }
    }

    /** Returns syscalls to judge: each rule's syscall with values on its conditions' edges, and random ones. */
    private static List<SeccompData> probes(SyscallPolicy policy, Random random, int count) {
        List<SeccompData> probes = new ArrayList<>();
        List<Rule> rules = policy.rules();
        for (Rule rule : rules) {
            probes.add(SeccompData.x86_64(rule.syscall(), edgeArgs(rule, random)));
        }
        int x86 = SyscallPolicy.AUDIT_ARCH_X86_64;
        while (probes.size() < count) {
            int choice = random.nextInt(10);
            if (choice < 5 && !rules.isEmpty()) {
                Rule rule = rules.get(random.nextInt(rules.size()));
                // Edge values of another rule of the same syscall, so the rules' order matters.
                long[] args = edgeArgs(policy.rules(rule.syscall()).get(random.nextInt(policy.rules(rule.syscall()).size())), random);
                probes.add(SeccompData.x86_64(rule.syscall(), args));
            } else if (choice < 7) {
                probes.add(SeccompData.x86_64(random.nextInt(SyscallTable.maxNumber() + 1), randomArgs(random)));
            } else if (choice == 7) {
                int[] odd = {-1, SyscallTable.maxNumber() + 1, 1000, 0x3fffffff, 0x80000000, random.nextInt()};
                probes.add(SeccompData.x86_64(odd[random.nextInt(odd.length)], randomArgs(random)));
            } else if (choice == 8) {
                probes.add(SeccompData.x86_64(random.nextInt(SyscallTable.maxNumber() + 1) | SyscallPolicy.X32_SYSCALL_BIT));
            } else {
                probes.add(new SeccompData(random.nextBoolean() ? SyscallPolicy.AUDIT_ARCH_I386 : random.nextInt(),
                        random.nextInt(SyscallTable.maxNumber() + 1), 0, randomArgs(random)));
            }
        }
        return probes;
    }

    /** Returns six arguments, each on or next to an edge of a condition of the rule, or random. */
    private static long[] edgeArgs(Rule rule, Random random) {
        long[] args = randomArgs(random);
        for (ArgCondition condition : rule.conditions()) {
            long value = condition.value();
            long[] candidates = {
                value, value - 1, value + 1,
                value ^ (1L << 32), value ^ 1L, value ^ (1L << 63),
                value | (~condition.mask() & random.nextLong()),
                (value & 0xffffffffL) | ((long) random.nextInt() << 32),
            };
            args[condition.index()] = candidates[random.nextInt(candidates.length)];
        }
        return args;
    }

    private static long[] randomArgs(Random random) {
        long[] args = new long[ArgCondition.MAX_ARGS];
        for (int i = 0; i < args.length; i++) {
            switch (random.nextInt(4)) {
                case 0:
                    args[i] = 0;
                    break;
                case 1:
                    args[i] = random.nextInt(16);
                    break;
                case 2:
                    args[i] = random.nextInt() & 0xffffffffL;
                    break;
                default:
                    args[i] = random.nextLong();
                    break;
            }
        }
        return args;
    }

    private static long[] args(SeccompData data) {
        long[] args = new long[ArgCondition.MAX_ARGS];
        for (int i = 0; i < args.length; i++) {
            args[i] = data.arg(i);
        }
        return args;
    }

    private static String describe(SeccompData data) {
        StringBuilder text = new StringBuilder(String.format(Locale.ROOT, "arch 0x%x nr %d (%s) args",
                data.arch(), data.number(), SyscallTable.nameOrNumber(data.number())));
        for (long arg : args(data)) {
            text.append(String.format(Locale.ROOT, " 0x%x", arg));
        }
        return text.toString();
    }

    // --- kernel against simulator -----------------------------------------------------------

    @Property(tries = 40, edgeCases = EdgeCasesMode.MIXIN)
    void kernelAgreesWithSimulator(@ForAll("harmlessPolicies") SyscallPolicy policy, @ForAll long seed)
            throws IOException, InterruptedException {
        assertOnlyHarmlessDiffer(policy);
        Random random = new Random(seed);
        List<SeccompData> calls = new ArrayList<>();
        List<Rule> harmlessRules = policy.rules().stream().filter(rule -> HARMLESS_SET.contains(rule.syscall())).toList();
        for (int i = 0; i < 16; i++) {
            if (random.nextInt(4) > 0) {
                Rule rule = harmlessRules.get(random.nextInt(harmlessRules.size()));
                calls.add(SeccompData.x86_64(rule.syscall(), edgeArgs(rule, random)));
            } else {
                calls.add(SeccompData.x86_64(HARMLESS[random.nextInt(HARMLESS.length)], randomArgs(random)));
            }
        }

        List<String> command = new ArrayList<>(List.of(Jobs.probe("syscalls").toString()));
        for (SeccompData call : calls) {
            StringBuilder argument = new StringBuilder(Integer.toString(call.number()));
            for (long arg : args(call)) {
                argument.append(",0x").append(Long.toHexString(arg));
            }
            command.add(argument.toString());
        }
        Jobs.Result result = Jobs.run(new SeccompProcessBuilder(command)
                .policy(policy)
                .limit(ResourceLimit.CORE, 0, 0)
                .mode(SeccompMode.ENFORCE), 60);

        List<String> lines = result.lines();
        BpfProgram program = policy.program();
        for (int i = 0; i < calls.size(); i++) {
            SeccompData call = calls.get(i);
            Action simulated = BpfSimulator.run(program, call).action();
            String context = "call " + i + ": " + describe(call) + ", simulated " + simulated + "\n" + result
                    + "\nunder\n" + harmlessRules;
            assertEquals(policy.actionFor(call.arch(), call.number(), args(call)), simulated, context);
            Action.Kind kind = simulated.kind();
            Statistics.label("outcomes").collect(kind);
            if (kind == Action.Kind.KILL_PROCESS || kind == Action.Kind.KILL_THREAD || kind == Action.Kind.TRAP) {
                // A single-threaded process dies of SIGSYS for all three, at this call.
                assertEquals(i, lines.size(), context);
                assertEquals(128 + Posix.SIGSYS, result.exitValue, context);
                return;
            }
            assertTrue(i < lines.size(), context);
            String[] fields = lines.get(i).split(" ");
            long returned = Long.parseLong(fields[1]);
            int errno = Integer.parseInt(fields[2]);
            if (kind == Action.Kind.ERRNO) {
                assertEquals(-1, returned, context);
                assertEquals(simulated.errnoValue(), errno, context);
            } else {
                assertTrue(returned != -1 || errno < DEFAULT_ERRNO, "the kernel denied an allowed call; " + context);
            }
        }
        assertEquals(calls.size() + 1, lines.size(), result.toString());
        assertEquals("done", lines.get(calls.size()));
        assertEquals(0, result.exitValue, result.toString());
    }

    /** Fails unless the policy differs from job-default only in the harmless syscalls and the default. */
    private static void assertOnlyHarmlessDiffer(SyscallPolicy policy) {
        SyscallPolicy base = SyscallPolicy.jobDefault();
        Set<Integer> syscalls = new HashSet<>();
        policy.rules().forEach(rule -> syscalls.add(rule.syscall()));
        base.rules().forEach(rule -> syscalls.add(rule.syscall()));
        for (int syscall : syscalls) {
            if (!HARMLESS_SET.contains(syscall)) {
                assertEquals(base.rules(syscall), policy.rules(syscall), "rules of " + SyscallTable.nameOrNumber(syscall));
            }
        }
        assertEquals(Action.Kind.ERRNO, policy.defaultAction().kind(), "the default must deny");
    }
}
