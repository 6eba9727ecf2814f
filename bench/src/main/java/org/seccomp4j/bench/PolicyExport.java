package org.seccomp4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.BpfInstruction;
import org.seccomp4j.BpfProgram;
import org.seccomp4j.Rule;
import org.seccomp4j.SyscallPolicy;

/**
 * Writes the programs the C benchmarks install, and the job default as rules for libseccomp.
 *
 * <p>Usage: {@code PolicyExport DIRECTORY}. It writes {@code job-default.bpf} (the compiled job
 * default), {@code linear-chain.bpf}, {@code allow-all.bpf} (one {@code ret ALLOW}, the cheapest
 * filter the kernel accepts) and {@code job-default.rules}, which {@code libseccomp_export} reads.
 */
public final class PolicyExport {

    private static final long LOW_32_BITS = 0xffffffffL;

    private PolicyExport() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: PolicyExport DIRECTORY");
            System.exit(2);
        }
        Path directory = Files.createDirectories(Path.of(args[0]));
        SyscallPolicy policy = SyscallPolicy.jobDefault();
        Files.write(directory.resolve("job-default.bpf"), policy.program().toByteArray());
        Files.write(directory.resolve("linear-chain.bpf"), LinearChain.compile(policy).toByteArray());
        Files.write(directory.resolve("allow-all.bpf"), allowAll().toByteArray());
        Files.writeString(directory.resolve("job-default.rules"), libseccompRules(policy));
    }

    static BpfProgram allowAll() {
        return new BpfProgram(List.of(new BpfInstruction(0x06, 0, 0, Action.ALLOW.returnValue())));
    }

    /**
     * Returns the policy in the rule format of {@code libseccomp_export}: one libseccomp rule per
     * line, with the same default action, bad-arch action and per-syscall actions.
     *
     * <p>libseccomp rejects a rule whose action is the default one, and it has no "not equal under a
     * mask". So a syscall that the policy allows except for a few argument values that get the
     * default (ioctl except TIOCSTI and TIOCLINUX) becomes allow rules that cover every other value:
     * {@code < first}, the gaps between the excluded values as aligned blocks (masked {@code ==}),
     * and {@code > last}. libseccomp compares 64-bit values, so these rules match the policy when the
     * argument's high half is zero; with high bits set they allow every value, where the policy only
     * looks at the low 32 bits the kernel uses.
     *
     * <p>Numbers above the table, which the policy fails with ENOSYS, have no libseccomp rule and get
     * the default action.
     */
    static String libseccompRules(SyscallPolicy policy) {
        StringBuilder text = new StringBuilder();
        text.append("# ").append(policy.name()).append(" for libseccomp_export\n");
        text.append(line("badarch", Action.KILL_PROCESS.returnValue()));
        text.append(line("default", policy.defaultAction().returnValue()));
        Map<Integer, List<Rule>> bySyscall = new LinkedHashMap<>();
        for (Rule rule : policy.rules()) {
            bySyscall.computeIfAbsent(rule.syscall(), number -> new ArrayList<>()).add(rule);
        }
        for (Map.Entry<Integer, List<Rule>> entry : bySyscall.entrySet()) {
            appendSyscall(text, entry.getKey(), entry.getValue(), policy.defaultAction());
        }
        return text.toString();
    }

    private static void appendSyscall(StringBuilder text, int syscall, List<Rule> rules, Action defaultAction) {
        Action fallback = defaultAction;
        List<Rule> conditional = new ArrayList<>();
        for (Rule rule : rules) {
            if (rule.isConditional()) {
                conditional.add(rule);
            } else {
                fallback = rule.action();
            }
        }
        boolean exceptions = conditional.stream().anyMatch(rule -> rule.action().equals(defaultAction));
        if (!exceptions) {
            for (Rule rule : conditional) {
                text.append(ruleLine(syscall, rule.action(), rule.conditions()));
            }
            if (!fallback.equals(defaultAction)) {
                text.append(ruleLine(syscall, fallback, List.of()));
            }
            return;
        }

        int argument = -1;
        TreeSet<Long> excluded = new TreeSet<>();
        for (Rule rule : conditional) {
            ArgCondition condition = rule.conditions().get(0);
            boolean supported = rule.action().equals(defaultAction) && rule.conditions().size() == 1
                    && (argument < 0 || argument == condition.index())
                    && (condition.op() == ArgCondition.Op.EQ
                            || (condition.op() == ArgCondition.Op.MASKED_EQ && condition.mask() == LOW_32_BITS));
            if (!supported) {
                throw new UnsupportedOperationException("libseccomp cannot express the rules of syscall " + syscall
                        + " by this translation: " + rules);
            }
            argument = condition.index();
            excluded.add(condition.value());
        }
        text.append("# ").append(rules.get(0).syscallName()).append(": ").append(fallback)
                .append(" except ").append(excluded).append(", as rules for the other values\n");
        long next = 0;
        for (long value : excluded) {
            if (value == excluded.first()) {
                if (value != 0) {
                    text.append(ruleLine(syscall, fallback, List.of(ArgCondition.of(argument, ArgCondition.Op.LT, value))));
                }
            } else if (Long.compareUnsigned(next, value) < 0) {
                appendAlignedBlocks(text, syscall, fallback, argument, next, value - 1);
            }
            next = value + 1;
        }
        text.append(ruleLine(syscall, fallback,
                List.of(ArgCondition.of(argument, ArgCondition.Op.GT, excluded.last()))));
    }

    /** Covers [first, last] with aligned power-of-two blocks, each a masked {@code ==} rule. */
    private static void appendAlignedBlocks(StringBuilder text, int syscall, Action action, int argument,
            long first, long last) {
        long start = first;
        while (Long.compareUnsigned(start, last) <= 0) {
            long size = start == 0 ? Long.highestOneBit(last) : Long.lowestOneBit(start);
            while (Long.compareUnsigned(start + size - 1, last) > 0) {
                size >>>= 1;
            }
            ArgCondition condition = size == 1 ? ArgCondition.equalTo(argument, start)
                    : ArgCondition.maskedEquals(argument, ~(size - 1), start);
            text.append(ruleLine(syscall, action, List.of(condition)));
            start += size;
        }
    }

    private static String line(String directive, int returnValue) {
        return String.format(Locale.ROOT, "%s 0x%08x%n", directive, returnValue);
    }

    private static String ruleLine(int syscall, Action action, List<ArgCondition> conditions) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "rule %d 0x%08x", syscall, action.returnValue()));
        for (ArgCondition condition : conditions) {
            line.append(String.format(Locale.ROOT, " %d %s 0x%x 0x%x", condition.index(),
                    condition.op().name().toLowerCase(Locale.ROOT), condition.mask(), condition.value()));
        }
        return line.append('\n').toString();
    }
}
