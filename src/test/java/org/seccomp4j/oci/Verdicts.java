package org.seccomp4j.oci;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.BpfSimulator;
import org.seccomp4j.Rule;
import org.seccomp4j.SeccompData;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/** Compares the verdicts of two policies on the calls where their rules could differ. */
final class Verdicts {

    private Verdicts() {
    }

    /**
     * Asserts that {@code actual}, both its model and its compiled program, judges like
     * {@code expected} every syscall of the table with arguments at and around the values that
     * either policy's conditions test, plus random arguments.
     */
    static void assertSameVerdicts(SyscallPolicy expected, SyscallPolicy actual) {
        Random random = new Random(42);
        Set<Integer> syscalls = new TreeSet<>(SyscallTable.all().keySet());
        for (int syscall : syscalls) {
            List<Long> values = interestingValues(expected.rules(syscall), actual.rules(syscall));
            List<long[]> calls = new ArrayList<>();
            calls.add(new long[6]);
            if (!expected.rules(syscall).isEmpty() || !actual.rules(syscall).isEmpty()) {
                for (int index = 0; index < ArgCondition.MAX_ARGS; index++) {
                    for (long value : values) {
                        long[] args = new long[6];
                        args[index] = value;
                        calls.add(args);
                    }
                }
                for (int i = 0; i < 300; i++) {
                    long[] args = new long[6];
                    for (int index = 0; index < args.length; index++) {
                        args[index] = values.get(random.nextInt(values.size()));
                    }
                    calls.add(args);
                }
            }
            for (long[] args : calls) {
                Action wanted = expected.actionFor(SyscallPolicy.AUDIT_ARCH_X86_64, syscall, args);
                String call = SyscallTable.nameOrNumber(syscall) + java.util.Arrays.toString(args);
                assertEquals(wanted, actual.actionFor(SyscallPolicy.AUDIT_ARCH_X86_64, syscall, args), call);
                assertEquals(wanted, BpfSimulator.run(actual.program(), SeccompData.x86_64(syscall, args)).action(),
                        "program: " + call);
            }
        }
    }

    private static List<Long> interestingValues(List<Rule> first, List<Rule> second) {
        Set<Long> values = new TreeSet<>(List.of(0L, 1L, -1L, 0x80000000L, 0xffffffffL, 0x8000000000000000L));
        List<Rule> rules = new ArrayList<>(first);
        rules.addAll(second);
        for (Rule rule : rules) {
            for (ArgCondition condition : rule.conditions()) {
                for (long delta = -1; delta <= 1; delta++) {
                    values.add(condition.value() + delta);
                    values.add((condition.value() + delta) | ~condition.mask());
                    values.add((condition.value() + delta) & condition.mask());
                }
            }
        }
        return new ArrayList<>(values);
    }
}
