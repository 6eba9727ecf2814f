package org.seccomp4j;

import static org.seccomp4j.BpfInstruction.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Compiles a {@link SyscallPolicy} into a {@link BpfProgram}.
 *
 * <p>Every program has this shape:
 * <ol>
 *   <li>Load {@code arch}. Unless it is AUDIT_ARCH_X86_64, kill the process: an i386 caller
 *       ({@code int $0x80}) would otherwise reach syscalls by other numbers.
 *   <li>Load {@code nr}. If the x32 bit 0x40000000 is set, kill the process, because x32 syscalls
 *       share the x86_64 arch value but run other entry points. The one exception is nr -1, which a
 *       tracer writes to skip a syscall and which the kernel fails with ENOSYS: it gets the action of
 *       numbers above the table.
 *   <li>Dispatch on {@code nr} by a balanced binary search of {@code jge} instructions over ranges
 *       of numbers. Adjacent numbers with the same action share a range, so the tree has one leaf per
 *       range, not per syscall, and an allowed syscall without argument checks returns after
 *       {@code 5 + ceil(log2(ranges))} instructions.
 *   <li>The last range contains the numbers above the table's highest and returns ENOSYS, so a libc
 *       newer than the table falls back to an older syscall instead of failing.
 *   <li>A leaf for a syscall with conditional rules tests the arguments, rule by rule, each 64-bit
 *       value as two 32-bit halves. A half that the accumulator already contains is not loaded again:
 *       the job default's second ioctl rule tests the same low half of arg1 as its first.
 *   <li>Whatever no rule decides gets the default action.
 * </ol>
 *
 * <p>The program is emitted backwards, from the last instruction to the first, so every jump
 * target already has its position when the jump is written, and no offset is counted by hand. A
 * conditional jump can only skip 255 instructions; a farther target is reached through a
 * {@code ja} placed next to the jump, or for a return through a fresh copy of the return. A last
 * pass then drops every load whose word the accumulator contains on all paths into it, which only
 * shortens jumps.
 *
 * <p>Why the shape matters beyond the syscalls that run it: at install time the kernel emulates the
 * program once per syscall number of x86_64 and of i386 to precompute which numbers are allowed
 * whatever the arguments (seccomp_cache_prepare, Linux 5.11). It also converts every instruction to
 * eBPF and, with the JIT on, compiles it. So the install cost grows with the program's size and with
 * the path of every number, and bench/ measures both against libseccomp's binary tree.
 */
final class ProgramCompiler {

    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARGS = 16;

    /** Instructions in reverse order; "position" below means an index into this list. */
    private final List<BpfInstruction> reversed = new ArrayList<>();
    /** Position of the nearest emitted return of each value. */
    private final Map<Integer, Integer> returnPositions = new HashMap<>();

    private ProgramCompiler() {
    }

    static BpfProgram compile(SyscallPolicy policy) {
        ProgramCompiler compiler = new ProgramCompiler();
        compiler.emitProgram(policy);
        return compiler.finish();
    }

    private void emitProgram(SyscallPolicy policy) {
        List<Range> ranges = ranges(policy);
        int dispatch = emitTree(ranges, 0, ranges.size() - 1, policy.defaultAction());

        int kill = emitReturn(Action.KILL_PROCESS);
        int skippedSyscall = emitJump(BPF_JMP | BPF_JEQ | BPF_K, -1, emitReturn(policy.aboveTableAction()), kill);
        int x32Guard = emitJump(BPF_JMP | BPF_JSET | BPF_K, SyscallPolicy.X32_SYSCALL_BIT, skippedSyscall, dispatch);
        int loadNr = emitStatement(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR, x32Guard);

        int archCheck = emitJump(BPF_JMP | BPF_JEQ | BPF_K, SyscallPolicy.AUDIT_ARCH_X86_64, loadNr,
                emitReturn(Action.KILL_PROCESS));
        emitStatement(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARCH, archCheck);
    }

    private BpfProgram finish() {
        List<BpfInstruction> program = new ArrayList<>(reversed);
        Collections.reverse(program);
        program = withoutRedundantLoads(program);
        if (program.size() > BpfProgram.MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("policy too large for BPF: its program has " + program.size()
                    + " instructions, more than the kernel's limit of " + BpfProgram.MAX_INSTRUCTIONS);
        }
        return new BpfProgram(program);
    }

    // ---- Dropping loads of a word already in the accumulator ----

    /** Accumulator state: its contents are not a known word of seccomp_data. */
    private static final int UNKNOWN_WORD = -1;
    /** Accumulator state of an instruction no path has reached yet. */
    private static final int NOT_REACHED = -2;

    /**
     * Removes each {@code ld [k]} that every path reaches with the word at k already in the
     * accumulator, and retargets jumps to what followed it. Every jump goes forward, so one pass in
     * program order visits all paths into an instruction before the instruction itself. Removing
     * instructions only shortens jumps, so every offset still fits.
     */
    static List<BpfInstruction> withoutRedundantLoads(List<BpfInstruction> program) {
        int size = program.size();
        int[] held = new int[size];
        Arrays.fill(held, NOT_REACHED);
        held[0] = UNKNOWN_WORD;
        boolean[] removed = new boolean[size];
        boolean anyRemoved = false;
        for (int i = 0; i < size; i++) {
            BpfInstruction instruction = program.get(i);
            int word = held[i] == NOT_REACHED ? UNKNOWN_WORD : held[i];
            if (instruction.code() == (BPF_LD | BPF_W | BPF_ABS)) {
                removed[i] = word == instruction.k();
                anyRemoved |= removed[i];
                word = instruction.k();
            } else if (!instruction.isJump() && !instruction.isReturn()) {
                word = UNKNOWN_WORD;
            }
            for (int successor : successors(program, i)) {
                held[successor] = held[successor] == NOT_REACHED || held[successor] == word ? word : UNKNOWN_WORD;
            }
        }
        if (!anyRemoved) {
            return program;
        }

        // newIndex[i] is the position of the first kept instruction at or after i.
        int[] newIndex = new int[size + 1];
        newIndex[size] = size;
        int kept = 0;
        for (int i = 0; i < size; i++) {
            newIndex[i] = kept;
            kept += removed[i] ? 0 : 1;
        }
        List<BpfInstruction> result = new ArrayList<>(kept);
        for (int i = 0; i < size; i++) {
            if (removed[i]) {
                continue;
            }
            BpfInstruction instruction = program.get(i);
            int from = newIndex[i] + 1;
            if (instruction.isUnconditionalJump()) {
                result.add(statement(instruction.code(), newIndex[i + 1 + instruction.k()] - from));
            } else if (instruction.isJump()) {
                result.add(jump(instruction.code(), instruction.k(), newIndex[i + 1 + instruction.jt()] - from,
                        newIndex[i + 1 + instruction.jf()] - from));
            } else {
                result.add(instruction);
            }
        }
        return result;
    }

    private static int[] successors(List<BpfInstruction> program, int index) {
        BpfInstruction instruction = program.get(index);
        if (instruction.isReturn()) {
            return new int[0];
        }
        if (instruction.isUnconditionalJump()) {
            return new int[] {index + 1 + instruction.k()};
        }
        if (instruction.isJump()) {
            return new int[] {index + 1 + instruction.jt(), index + 1 + instruction.jf()};
        }
        return new int[] {index + 1};
    }

    // ---- Dispatch on the syscall number ----

    /** A run of consecutive syscall numbers, from {@code first} up to the next range's first. */
    private static final class Range {
        final int first;
        /** The action of every number in the range, or null when rules decide. */
        final Action action;
        /** The syscall's rules, for a one-number range whose rules have conditions. */
        final List<Rule> rules;

        Range(int first, Action action, List<Rule> rules) {
            this.first = first;
            this.action = action;
            this.rules = rules;
        }
    }

    private static List<Range> ranges(SyscallPolicy policy) {
        List<Range> ranges = new ArrayList<>();
        int max = SyscallTable.maxNumber();
        for (int nr = 0; nr <= max + 1; nr++) {
            Range range;
            List<Rule> rules = nr <= max ? policy.rules(nr) : List.of();
            if (nr > max) {
                range = new Range(nr, policy.aboveTableAction(), null);
            } else if (rules.isEmpty()) {
                range = new Range(nr, policy.defaultAction(), null);
            } else if (!rules.get(0).isConditional()) {
                range = new Range(nr, rules.get(0).action(), null);
            } else {
                range = new Range(nr, null, rules);
            }
            Range previous = ranges.isEmpty() ? null : ranges.get(ranges.size() - 1);
            boolean sameAction = previous != null && range.action != null && range.action.equals(previous.action);
            if (!sameAction) {
                ranges.add(range);
            }
        }
        return ranges;
    }

    /** Emits the search over ranges[low..high] and returns the position of its first instruction. */
    private int emitTree(List<Range> ranges, int low, int high, Action defaultAction) {
        if (low == high) {
            Range leaf = ranges.get(low);
            return leaf.action != null ? emitReturn(leaf.action) : emitArgumentChecks(leaf.rules, defaultAction);
        }
        int middle = (low + high + 1) >>> 1;
        int above = emitTree(ranges, middle, high, defaultAction);
        int below = emitTree(ranges, low, middle - 1, defaultAction);
        return emitJump(BPF_JMP | BPF_JGE | BPF_K, ranges.get(middle).first, above, below);
    }

    // ---- Argument checks ----

    private int emitArgumentChecks(List<Rule> rules, Action defaultAction) {
        Rule last = rules.get(rules.size() - 1);
        Action fallback = last.isConditional() ? defaultAction : last.action();
        int next = emitReturn(fallback);
        for (int i = rules.size() - 1; i >= 0; i--) {
            Rule rule = rules.get(i);
            if (!rule.isConditional()) {
                continue;
            }
            int matched = emitReturn(rule.action());
            List<ArgCondition> conditions = rule.conditions();
            for (int c = conditions.size() - 1; c >= 0; c--) {
                matched = emitCondition(conditions.get(c), matched, next);
            }
            next = matched;
        }
        return next;
    }

    /** Emits a 64-bit unsigned test as a test of the high half, then of the low half. */
    private int emitCondition(ArgCondition condition, int onTrue, int onFalse) {
        int lowOffset = OFFSET_ARGS + 8 * condition.index();
        int highOffset = lowOffset + 4;
        int low = (int) condition.value();
        int high = (int) (condition.value() >>> 32);
        int lowTest;
        switch (condition.op()) {
            case EQ:
                lowTest = emitLoad(lowOffset, emitJump(BPF_JMP | BPF_JEQ | BPF_K, low, onTrue, onFalse));
                return emitLoad(highOffset, emitJump(BPF_JMP | BPF_JEQ | BPF_K, high, lowTest, onFalse));
            case NE:
                lowTest = emitLoad(lowOffset, emitJump(BPF_JMP | BPF_JEQ | BPF_K, low, onFalse, onTrue));
                return emitLoad(highOffset, emitJump(BPF_JMP | BPF_JEQ | BPF_K, high, lowTest, onTrue));
            case GT:
                lowTest = emitLoad(lowOffset, emitJump(BPF_JMP | BPF_JGT | BPF_K, low, onTrue, onFalse));
                return emitHighOrdered(highOffset, high, onTrue, lowTest, onFalse);
            case GE:
                lowTest = emitLoad(lowOffset, emitJump(BPF_JMP | BPF_JGE | BPF_K, low, onTrue, onFalse));
                return emitHighOrdered(highOffset, high, onTrue, lowTest, onFalse);
            case LT:
                lowTest = emitLoad(lowOffset, emitJump(BPF_JMP | BPF_JGE | BPF_K, low, onFalse, onTrue));
                return emitHighOrdered(highOffset, high, onFalse, lowTest, onTrue);
            case LE:
                lowTest = emitLoad(lowOffset, emitJump(BPF_JMP | BPF_JGT | BPF_K, low, onFalse, onTrue));
                return emitHighOrdered(highOffset, high, onFalse, lowTest, onTrue);
            case MASKED_EQ:
                int lowMask = (int) condition.mask();
                int highMask = (int) (condition.mask() >>> 32);
                lowTest = emitMaskedHalf(lowOffset, lowMask, low, onTrue, onFalse);
                return emitMaskedHalf(highOffset, highMask, high, lowTest, onFalse);
            default:
                throw new AssertionError(condition.op());
        }
    }

    /** High half above the constant: {@code whenAbove}; equal: the low test; below: {@code whenBelow}. */
    private int emitHighOrdered(int offset, int high, int whenAbove, int lowTest, int whenBelow) {
        int equal = emitJump(BPF_JMP | BPF_JEQ | BPF_K, high, lowTest, whenBelow);
        return emitLoad(offset, emitJump(BPF_JMP | BPF_JGT | BPF_K, high, whenAbove, equal));
    }

    /** Tests {@code (half & mask) == value}; a zero mask tests nothing, as the value is then 0 too. */
    private int emitMaskedHalf(int offset, int mask, int value, int onTrue, int onFalse) {
        if (mask == 0) {
            return onTrue;
        }
        int test = emitJump(BPF_JMP | BPF_JEQ | BPF_K, value, onTrue, onFalse);
        if (mask != -1) {
            test = emitStatement(BPF_ALU | BPF_AND | BPF_K, mask, test);
        }
        return emitLoad(offset, test);
    }

    // ---- Emitting instructions backwards ----

    private int emitLoad(int offset, int next) {
        return emitStatement(BPF_LD | BPF_W | BPF_ABS, offset, next);
    }

    /** Emits a non-jump instruction that falls through to {@code next}. */
    private int emitStatement(int code, int k, int next) {
        if (next != reversed.size() - 1) {
            next = emitFarJump(next);
        }
        return append(BpfInstruction.statement(code, k));
    }

    private int emitReturn(Action action) {
        int value = action.returnValue();
        Integer position = returnPositions.get(value);
        if (position != null) {
            return position;
        }
        return appendReturn(value);
    }

    private int appendReturn(int value) {
        int position = append(BpfInstruction.statement(BPF_RET | BPF_K, value));
        returnPositions.put(value, position);
        return position;
    }

    /**
     * Emits a conditional jump. A target more than 255 instructions away is first brought near: a
     * return by a fresh copy, anything else by a {@code ja}.
     */
    private int emitJump(int code, int k, int jt, int jf) {
        while (true) {
            int trueOffset = offsetTo(jt);
            int falseOffset = offsetTo(jf);
            if (falseOffset > MAX_JUMP) {
                jf = nearCopy(jf);
            } else if (trueOffset > MAX_JUMP) {
                jt = nearCopy(jt);
            } else {
                return append(BpfInstruction.jump(code, k, trueOffset, falseOffset));
            }
        }
    }

    private int nearCopy(int target) {
        BpfInstruction instruction = reversed.get(target);
        if (instruction.code() == (BPF_RET | BPF_K)) {
            Integer nearest = returnPositions.get(instruction.k());
            if (nearest != null && offsetTo(nearest) <= MAX_JUMP) {
                return nearest;
            }
            return appendReturn(instruction.k());
        }
        return emitFarJump(target);
    }

    private int emitFarJump(int target) {
        return append(BpfInstruction.statement(BPF_JMP | BPF_JA, offsetTo(target)));
    }

    /** Returns the jump offset from the instruction emitted next to a position already emitted. */
    private int offsetTo(int target) {
        return reversed.size() - 1 - target;
    }

    private int append(BpfInstruction instruction) {
        reversed.add(instruction);
        return reversed.size() - 1;
    }
}
