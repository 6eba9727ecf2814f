package org.seccomp4j.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.BpfProgram;
import org.seccomp4j.BpfSimulator;
import org.seccomp4j.Rule;
import org.seccomp4j.SeccompData;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/**
 * Counts, in the simulator, the instructions each syscall runs through in three programs of the job
 * default: the compiled program, a linear chain and libseccomp's export.
 *
 * <p>Usage: {@code InstructionCounts LIBSECCOMP_BPF}. The classes of syscalls are:
 * <ul>
 *   <li>allowed: the table's numbers allowed without argument checks, with zero arguments;
 *   <li>argument-checked: the syscalls with conditional rules (clone, ioctl, personality), each
 *       with every value its conditions name, that value plus one, the value with bit 32 set, 0 and
 *       all ones;
 *   <li>denied: the table's numbers that the policy fails (EPERM or ENOSYS) whatever the arguments.
 * </ul>
 *
 * <p>Before counting, it checks that each program makes the policy's decision for every number
 * from 0 to 600, -1, the x32 numbers and an i386 caller, with those argument cases. libseccomp's
 * program is held to this only for the table's numbers and arguments whose high half is zero; the
 * cases left out are counted and printed (see {@link PolicyExport#libseccompRules}).
 */
public final class InstructionCounts {

    private static final int HIGHEST_NUMBER_CHECKED = 600;

    /** The calls bench/c/syscall_loop.c times, with their arguments (FIONREAD 0x541b, PTRACE_PEEKDATA 2). */
    private static final Object[][] LOOP_CALLS = {
        {"getppid", new long[6]},
        {"ioctl(FIONREAD)", new long[] {3, 0x541b, 0, 0, 0, 0}},
        {"ptrace(PEEKDATA)", new long[] {2, 0, 0, 0, 0, 0}},
    };

    private InstructionCounts() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            System.err.println("usage: InstructionCounts LIBSECCOMP_BPF");
            System.exit(2);
        }
        SyscallPolicy policy = SyscallPolicy.jobDefault();
        BpfProgram compiled = policy.program();
        BpfProgram linear = LinearChain.compile(policy);
        BpfProgram libseccomp = BpfProgram.fromBytes(Files.readAllBytes(Path.of(args[0])));

        checkAgreement("job default", compiled, policy, false);
        checkAgreement("linear chain", linear, policy, false);
        checkAgreement("libseccomp", libseccomp, policy, true);

        List<List<String>> rows = new ArrayList<>();
        rows.add(List.of("program", "size", "allowed worst", "mean", "arg-checked worst", "mean",
                "denied worst", "mean", "install emulation steps"));
        Counts ours = count(compiled, policy);
        Counts chain = count(linear, policy);
        Counts theirs = count(libseccomp, policy);
        rows.add(ours.row("job default (ours)"));
        rows.add(chain.row("linear chain"));
        rows.add(theirs.row("libseccomp optimize=2"));
        System.out.println("Instructions executed per syscall (simulator; size in instructions)");
        System.out.print(Samples.table(rows));
        System.out.println();
        System.out.printf(Locale.ROOT, "ratios ours/libseccomp: worst allowed %s, size %s, worst arg-checked %s,"
                        + " worst denied %s, emulation steps %s%n",
                Samples.ratio(ours.allowed.worst, theirs.allowed.worst), Samples.ratio(ours.size, theirs.size),
                Samples.ratio(ours.checked.worst, theirs.checked.worst),
                Samples.ratio(ours.denied.worst, theirs.denied.worst),
                Samples.ratio(ours.emulationSteps, theirs.emulationSteps));
        System.out.println("the calls of the in-job syscall loop, instructions in ours / libseccomp's program:");
        for (Object[] call : LOOP_CALLS) {
            String name = (String) call[0];
            int number = SyscallTable.number(name.replaceAll("\\(.*", "")).orElseThrow();
            long[] callArgs = (long[]) call[1];
            System.out.printf(Locale.ROOT, "  %-24s %3d / %3d%n", name,
                    run(compiled, number, callArgs).instructionsExecuted(),
                    run(libseccomp, number, callArgs).instructionsExecuted());
        }
        Targets.check("worst allowed path <= libseccomp's", ours.allowed.worst, theirs.allowed.worst);
        Targets.check("program size <= libseccomp's", ours.size, theirs.size);
    }

    /** Worst and mean of the instructions executed over a class of syscalls. */
    private static final class PathLengths {
        int worst;
        long total;
        int count;

        void add(int instructions) {
            worst = Math.max(worst, instructions);
            total += instructions;
            count++;
        }

        String mean() {
            return String.format(Locale.ROOT, "%.1f", (double) total / count);
        }
    }

    private static final class Counts {
        int size;
        final PathLengths allowed = new PathLengths();
        final PathLengths checked = new PathLengths();
        final PathLengths denied = new PathLengths();
        long emulationSteps;

        List<String> row(String name) {
            return List.of(name, Integer.toString(size), Integer.toString(allowed.worst), allowed.mean(),
                    Integer.toString(checked.worst), checked.mean(), Integer.toString(denied.worst), denied.mean(),
                    Long.toString(emulationSteps));
        }
    }

    private static Counts count(BpfProgram program, SyscallPolicy policy) {
        Counts counts = new Counts();
        counts.size = program.size();
        for (int number : SyscallTable.all().keySet()) {
            List<Rule> rules = policy.rules(number);
            if (rules.stream().anyMatch(Rule::isConditional)) {
                for (long[] args : argumentCases(rules)) {
                    counts.checked.add(run(program, number, args).instructionsExecuted());
                }
            } else if (policy.actionFor(SyscallPolicy.AUDIT_ARCH_X86_64, number).permits()) {
                counts.allowed.add(run(program, number, new long[6]).instructionsExecuted());
            } else {
                counts.denied.add(run(program, number, new long[6]).instructionsExecuted());
            }
        }
        counts.emulationSteps = KernelActionCache.emulationSteps(program, SyscallTable.maxNumber() + 1);
        return counts;
    }

    private static BpfSimulator.Result run(BpfProgram program, int number, long[] args) {
        return BpfSimulator.run(program, SeccompData.x86_64(number, args));
    }

    /** Returns argument vectors that reach every branch of a syscall's conditions. */
    static List<long[]> argumentCases(List<Rule> rules) {
        Set<List<Long>> cases = new LinkedHashSet<>();
        cases.add(List.of(0L, 0L, 0L, 0L, 0L, 0L));
        cases.add(List.of(-1L, -1L, -1L, -1L, -1L, -1L));
        for (Rule rule : rules) {
            for (ArgCondition condition : rule.conditions()) {
                for (long value : new long[] {condition.value(), condition.value() + 1, condition.value() | 1L << 32,
                        0, -1}) {
                    List<Long> args = new ArrayList<>(List.of(0L, 0L, 0L, 0L, 0L, 0L));
                    args.set(condition.index(), value);
                    cases.add(args);
                }
            }
        }
        List<long[]> vectors = new ArrayList<>();
        for (List<Long> args : cases) {
            vectors.add(args.stream().mapToLong(Long::longValue).toArray());
        }
        return vectors;
    }

    /**
     * Checks the program against the policy's own model. With {@code tableOnly}, numbers outside the
     * table and arguments with a nonzero high half are not held to the model, only counted.
     */
    private static void checkAgreement(String name, BpfProgram program, SyscallPolicy policy, boolean tableOnly) {
        List<String> mismatches = new ArrayList<>();
        int outsideTable = 0;
        int highHalves = 0;
        List<int[]> inputs = new ArrayList<>();
        for (int number = -1; number <= HIGHEST_NUMBER_CHECKED; number++) {
            inputs.add(new int[] {SyscallPolicy.AUDIT_ARCH_X86_64, number});
        }
        inputs.add(new int[] {SyscallPolicy.AUDIT_ARCH_X86_64, SyscallPolicy.X32_SYSCALL_BIT});
        inputs.add(new int[] {SyscallPolicy.AUDIT_ARCH_X86_64, SyscallPolicy.X32_SYSCALL_BIT | 1});
        inputs.add(new int[] {SyscallPolicy.AUDIT_ARCH_I386, 1});
        for (int[] input : inputs) {
            int arch = input[0];
            int number = input[1];
            List<Rule> rules = number >= 0 && number <= SyscallTable.maxNumber() ? policy.rules(number) : List.of();
            for (long[] args : argumentCases(rules)) {
                Action expected = policy.actionFor(arch, number, args);
                Action actual = BpfSimulator.run(program, new SeccompData(arch, number, 0, args)).action();
                if (expected.equals(actual)) {
                    continue;
                }
                boolean highHalfSet = false;
                for (long arg : args) {
                    highHalfSet |= (arg >>> 32) != 0;
                }
                if (tableOnly && !SyscallTable.contains(number)) {
                    outsideTable++;
                    continue;
                }
                if (tableOnly && highHalfSet) {
                    highHalves++;
                    continue;
                }
                mismatches.add(String.format(Locale.ROOT, "arch 0x%08x nr %d args %s: expected %s, got %s", arch,
                        number, java.util.Arrays.toString(args), expected, actual));
            }
        }
        if (!mismatches.isEmpty()) {
            throw new IllegalStateException(name + " program disagrees with the policy in " + mismatches.size()
                    + " cases, first: " + mismatches.get(0));
        }
        System.out.println(name + ": agrees with the policy" + (tableOnly ? " on the table's numbers with"
                + " high argument halves zero; differs in " + outsideTable + " cases outside the table and "
                + highHalves + " with a high half set" : ""));
    }
}
