package org.seccomp4j;

import static org.seccomp4j.BpfInstruction.*;

import java.util.ArrayList;
import java.util.List;

/** The baseline the compiler is measured against: one {@code jeq} per allowed syscall, in order. */
final class LinearChain {

    private LinearChain() {
    }

    /** Compiles the unconditionally allowed syscalls of a policy; everything else gets the default. */
    static BpfProgram compile(SyscallPolicy policy) {
        List<Integer> allowed = new ArrayList<>();
        for (int number : policy.allowedSyscallNumbers()) {
            if (policy.rules(number).stream().noneMatch(Rule::isConditional)) {
                allowed.add(number);
            }
        }
        int n = allowed.size();
        if (n > MAX_JUMP - 1) {
            throw new IllegalArgumentException("a linear chain of " + n + " syscalls needs chained jumps; at most 254");
        }
        List<BpfInstruction> program = new ArrayList<>();
        program.add(BpfInstruction.statement(BPF_LD | BPF_W | BPF_ABS, 4));
        program.add(BpfInstruction.jump(BPF_JMP | BPF_JEQ | BPF_K, SyscallPolicy.AUDIT_ARCH_X86_64, 1, 0));
        program.add(BpfInstruction.statement(BPF_RET | BPF_K, Action.KILL_PROCESS.returnValue()));
        program.add(BpfInstruction.statement(BPF_LD | BPF_W | BPF_ABS, 0));
        for (int i = 0; i < n; i++) {
            // Skip the remaining checks and the default return to reach the allow return.
            program.add(BpfInstruction.jump(BPF_JMP | BPF_JEQ | BPF_K, allowed.get(i), n - i, 0));
        }
        program.add(BpfInstruction.statement(BPF_RET | BPF_K, policy.defaultAction().returnValue()));
        program.add(BpfInstruction.statement(BPF_RET | BPF_K, Action.ALLOW.returnValue()));
        return new BpfProgram(program);
    }
}
