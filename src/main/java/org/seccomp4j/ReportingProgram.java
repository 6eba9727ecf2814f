package org.seccomp4j;

import static org.seccomp4j.BpfInstruction.*;

import java.util.ArrayList;
import java.util.List;

/**
 * Derives the program a job with denial reports runs under from the policy's own program: every
 * return of a reported action becomes {@code SECCOMP_RET_USER_NOTIF}, and the supervisor decides
 * the response by running the original program on the notification's {@code seccomp_data}.
 *
 * <p>The derived program is the original one behind a guard of seven instructions that kills a
 * caller of another arch than x86_64, or of the x32 ABI, in the kernel, exactly as the original's
 * own first checks do. The guard is needed because the compiler shares one return instruction
 * between every path with the same action, so the kill of a wrong arch cannot be told
 * apart from the kill of a {@code kill-process} rule inside the program.
 *
 * <p>Which returns are reported:
 * <ul>
 *   <li>errno, except ENOSYS: the policy returns ENOSYS to make a caller fall back to an older
 *       syscall (clone3 to clone), which the C library does silently, so the job does not fail.
 *       Such calls stay in the kernel in every mode, and so a policy learned from an audit run
 *       never allows clone3, whose flags a filter cannot read.
 *   <li>kill-process, in both modes: the supervisor records the syscall and kills the caller's
 *       process with SIGKILL before the syscall runs; without this a death by SIGSYS carries no
 *       hint of the syscall.
 *   <li>kill-thread and trap, in AUDIT mode only. In ENFORCE mode they stay in the kernel, because
 *       a supervisor can neither kill one thread nor raise a SIGSYS the job cannot catch.
 *   <li>user-notif returns stay what they are, and the supervisor fails them with ENOSYS, which
 *       is what the kernel returns when a filter has no listener.
 * </ul>
 */
final class ReportingProgram {

    private static final int OFFSET_NR = 0;
    private static final int OFFSET_ARCH = 4;
    private static final int OFFSET_ARG1_LOW = 24;
    private static final int SYSCALL_SECCOMP = 317;
    /** From linux/seccomp.h, Linux 5.0. */
    private static final int SECCOMP_FILTER_FLAG_NEW_LISTENER = 1 << 3;

    private ReportingProgram() {
    }

    /**
     * Returns the derived program.
     *
     * @throws IllegalArgumentException if the program returns the accumulator, whose action cannot
     *     be known before it runs, or if the derived program exceeds 4096 instructions
     */
    static BpfProgram derive(BpfProgram original, SeccompMode mode) {
        if (mode == SeccompMode.OFF) {
            throw new IllegalArgumentException("OFF mode installs no program");
        }
        List<BpfInstruction> derived = new ArrayList<>(guard());
        for (BpfInstruction instruction : original.instructions()) {
            derived.add(rewrite(instruction, mode));
        }
        if (derived.size() > BpfProgram.MAX_INSTRUCTIONS) {
            throw new IllegalArgumentException("policy too large for denial reports: the reporting program has "
                    + derived.size() + " instructions, more than the kernel's limit of " + BpfProgram.MAX_INSTRUCTIONS
                    + "; start the job with reportDenials(false) (bin/seccomp4j run --no-reports)");
        }
        return new BpfProgram(derived);
    }

    /** Returns true if a syscall that gets this action from the original program gets a notification. */
    static boolean isReported(Action action, SeccompMode mode) {
        switch (action.kind()) {
            case ERRNO:
                return action.errnoValue() != Errno.ENOSYS;
            case KILL_PROCESS:
            case USER_NOTIF:
                return true;
            case KILL_THREAD:
            case TRAP:
                return mode == SeccompMode.AUDIT;
            default:
                return false;
        }
    }

    private static BpfInstruction rewrite(BpfInstruction instruction, SeccompMode mode) {
        if ((instruction.code() & 0x07) != BPF_RET) {
            return instruction;
        }
        if ((instruction.code() & 0x18) == BPF_A) {
            throw new IllegalArgumentException("the program returns the accumulator, so its actions cannot be"
                    + " rewritten for denial reports; start the job with reportDenials(false)");
        }
        Action action = Action.fromReturnValue(instruction.k());
        return isReported(action, mode) ? statement(BPF_RET | BPF_K, Action.USER_NOTIF.returnValue()) : instruction;
    }

    /**
     * The arch check and x32 guard, in the order and with the outcome of the compiler's: the
     * syscall number -1, which a tracer writes to skip a syscall, goes on to the original program.
     *
     * <p>Then a check the original program does not have: seccomp() with
     * SECCOMP_FILTER_FLAG_NEW_LISTENER fails with EPERM. While the supervisor holds this filter's
     * listener the kernel refuses a second one with EBUSY, but once the listener is closed (the
     * JVM exited or crashed) a job could install a filter with a listener of its own. The kernel
     * hands a notification to the newest filter that asks for one, so the job would then answer
     * its own denied calls with "continue".
     */
    private static List<BpfInstruction> guard() {
        final int loadArch = 0;
        final int checkArch = 1;
        final int killArch = 2;
        final int loadNr = 3;
        final int checkX32 = 4;
        final int checkSkipped = 5;
        final int killX32 = 6;
        final int checkSeccomp = 7;
        final int loadFlags = 8;
        final int checkNewListener = 9;
        final int denyNewListener = 10;
        final int original = 11;
        int kill = Action.KILL_PROCESS.returnValue();

        BpfInstruction[] guard = new BpfInstruction[original];
        guard[loadArch] = statement(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARCH);
        guard[checkArch] = jump(BPF_JMP | BPF_JEQ | BPF_K, SyscallPolicy.AUDIT_ARCH_X86_64,
                offset(checkArch, loadNr), offset(checkArch, killArch));
        guard[killArch] = statement(BPF_RET | BPF_K, kill);
        guard[loadNr] = statement(BPF_LD | BPF_W | BPF_ABS, OFFSET_NR);
        guard[checkX32] = jump(BPF_JMP | BPF_JSET | BPF_K, SyscallPolicy.X32_SYSCALL_BIT,
                offset(checkX32, checkSkipped), offset(checkX32, checkSeccomp));
        guard[checkSkipped] = jump(BPF_JMP | BPF_JEQ | BPF_K, -1, offset(checkSkipped, original),
                offset(checkSkipped, killX32));
        guard[killX32] = statement(BPF_RET | BPF_K, kill);
        guard[checkSeccomp] = jump(BPF_JMP | BPF_JEQ | BPF_K, SYSCALL_SECCOMP,
                offset(checkSeccomp, loadFlags), offset(checkSeccomp, original));
        // seccomp(2) takes its flags as an unsigned int, so the low half of args[1] is all of them.
        guard[loadFlags] = statement(BPF_LD | BPF_W | BPF_ABS, OFFSET_ARG1_LOW);
        guard[checkNewListener] = jump(BPF_JMP | BPF_JSET | BPF_K, SECCOMP_FILTER_FLAG_NEW_LISTENER,
                offset(checkNewListener, denyNewListener), offset(checkNewListener, original));
        guard[denyNewListener] = statement(BPF_RET | BPF_K, Action.errno(Errno.EPERM).returnValue());
        return List.of(guard);
    }

    /** Returns the jump offset from the instruction at {@code from} to the one at {@code to}. */
    private static int offset(int from, int to) {
        return to - from - 1;
    }
}
