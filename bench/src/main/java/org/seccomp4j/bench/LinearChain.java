package org.seccomp4j.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;
import org.seccomp4j.BpfInstruction;
import org.seccomp4j.BpfProgram;
import org.seccomp4j.Rule;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;

/**
 * The naive baseline: the same policy as one {@code jeq} per syscall that has rules, in number order.
 *
 * <p>It keeps the compiler's arch check and x32 guard and its handling of numbers above the table, so
 * it makes the same decision for every input and differs from the compiled program only in the
 * dispatch. A syscall's argument checks follow its {@code jeq} inline, one rule after another.
 * Only {@code ==} and masked {@code ==} conditions are supported, which is all the job default uses.
 */
final class LinearChain {

    // Opcodes from linux/bpf_common.h.
    private static final int LD_W_ABS = 0x20;
    private static final int AND_K = 0x54;
    private static final int JEQ_K = 0x15;
    private static final int JGE_K = 0x35;
    private static final int JSET_K = 0x45;
    private static final int RET_K = 0x06;

    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARGS = 16;

    private LinearChain() {
    }

    static BpfProgram compile(SyscallPolicy policy) {
        int kill = Action.KILL_PROCESS.returnValue();
        int aboveTable = policy.aboveTableAction().returnValue();
        List<BpfInstruction> program = new ArrayList<>();
        program.add(statement(LD_W_ABS, OFFSET_ARCH));
        program.add(jump(JEQ_K, SyscallPolicy.AUDIT_ARCH_X86_64, 1, 0));
        program.add(statement(RET_K, kill));
        program.add(statement(LD_W_ABS, OFFSET_NR));
        program.add(jump(JSET_K, SyscallPolicy.X32_SYSCALL_BIT, 0, 3));
        program.add(jump(JEQ_K, -1, 0, 1));
        program.add(statement(RET_K, aboveTable));
        program.add(statement(RET_K, kill));

        for (Map.Entry<Integer, List<Rule>> entry : rulesBySyscall(policy).entrySet()) {
            List<BpfInstruction> block = syscallBlock(entry.getValue(), policy.defaultAction());
            program.add(jump(JEQ_K, entry.getKey(), 0, block.size()));
            program.addAll(block);
        }

        program.add(jump(JGE_K, SyscallTable.maxNumber() + 1, 0, 1));
        program.add(statement(RET_K, aboveTable));
        program.add(statement(RET_K, policy.defaultAction().returnValue()));
        return new BpfProgram(program);
    }

    private static Map<Integer, List<Rule>> rulesBySyscall(SyscallPolicy policy) {
        Map<Integer, List<Rule>> bySyscall = new LinkedHashMap<>();
        for (Rule rule : policy.rules()) {
            bySyscall.computeIfAbsent(rule.syscall(), number -> new ArrayList<>()).add(rule);
        }
        return bySyscall;
    }

    /** Emits a syscall's rules in order, each falling through to the next when a condition fails. */
    private static List<BpfInstruction> syscallBlock(List<Rule> rules, Action defaultAction) {
        List<BpfInstruction> block = new ArrayList<>();
        Action fallback = defaultAction;
        for (Rule rule : rules) {
            if (!rule.isConditional()) {
                fallback = rule.action();
                continue;
            }
            block.addAll(ruleBlock(rule));
        }
        block.add(statement(RET_K, fallback.returnValue()));
        return block;
    }

    /** Emits the tests of one rule and its return; a failed test jumps past the return. */
    private static List<BpfInstruction> ruleBlock(Rule rule) {
        List<int[]> tests = new ArrayList<>();
        for (ArgCondition condition : rule.conditions()) {
            if (condition.op() != ArgCondition.Op.EQ && condition.op() != ArgCondition.Op.MASKED_EQ) {
                throw new UnsupportedOperationException("the linear chain supports == and masked == only, not '"
                        + condition + "'");
            }
            int low = OFFSET_ARGS + 8 * condition.index();
            tests.add(new int[] {low + 4, (int) (condition.mask() >>> 32), (int) (condition.value() >>> 32)});
            tests.add(new int[] {low, (int) condition.mask(), (int) condition.value()});
        }
        List<BpfInstruction> body = new ArrayList<>();
        List<Integer> failJumps = new ArrayList<>();
        for (int[] test : tests) {
            int offset = test[0];
            int mask = test[1];
            int value = test[2];
            if (mask == 0) {
                continue;
            }
            body.add(statement(LD_W_ABS, offset));
            if (mask != -1) {
                body.add(statement(AND_K, mask));
            }
            failJumps.add(body.size());
            body.add(jump(JEQ_K, value, 0, 0));
        }
        body.add(statement(RET_K, rule.action().returnValue()));
        // A failed test skips the rest of the rule, its return included.
        for (int index : failJumps) {
            BpfInstruction test = body.get(index);
            body.set(index, jump(JEQ_K, test.k(), 0, body.size() - index - 1));
        }
        return body;
    }

    private static BpfInstruction statement(int code, int k) {
        return new BpfInstruction(code, 0, 0, k);
    }

    private static BpfInstruction jump(int code, int k, int jt, int jf) {
        return new BpfInstruction(code, jt, jf, k);
    }
}
