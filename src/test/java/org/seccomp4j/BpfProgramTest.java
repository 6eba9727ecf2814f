package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BpfProgramTest {

    private static final BpfInstruction RET_ALLOW = new BpfInstruction(0x06, 0, 0, 0x7fff0000);

    private static String rejection(BpfInstruction... instructions) {
        return assertThrows(IllegalArgumentException.class, () -> new BpfProgram(List.of(instructions))).getMessage();
    }

    @Test
    void bytesAreLittleEndianSockFilter() {
        BpfProgram program = new BpfProgram(List.of(new BpfInstruction(0x15, 1, 2, 0xc000003e), RET_ALLOW, RET_ALLOW, RET_ALLOW));
        byte[] bytes = program.toByteArray();

        assertEquals(32, bytes.length);
        assertArrayEquals(new byte[] {0x15, 0, 1, 2, 0x3e, 0, 0, (byte) 0xc0}, java.util.Arrays.copyOf(bytes, 8));
        assertEquals(program, BpfProgram.fromBytes(bytes));
    }

    @Test
    void jumpPastEndIsRejected() {
        String message = rejection(new BpfInstruction(0x15, 0, 5, 1), RET_ALLOW);
        assertTrue(message.contains("instruction 0 jumps to 6, past the end"), message);
    }

    @Test
    void programNotEndingInReturnIsRejected() {
        String message = rejection(RET_ALLOW, new BpfInstruction(0x20, 0, 0, 0));
        assertTrue(message.contains("falls off the end"), message);
    }

    @Test
    void opcodesOutsideSeccompAreRejected() {
        // BPF_LD|BPF_B|BPF_ABS: byte loads are not allowed on seccomp_data.
        assertTrue(rejection(new BpfInstruction(0x30, 0, 0, 0), RET_ALLOW).contains("not accepted by seccomp"));
        // BPF_LD|BPF_W|BPF_IND.
        assertTrue(rejection(new BpfInstruction(0x40, 0, 0, 0), RET_ALLOW).contains("not accepted by seccomp"));
    }

    @Test
    void loadsOutsideSeccompDataAreRejected() {
        assertTrue(rejection(new BpfInstruction(0x20, 0, 0, 64), RET_ALLOW).contains("outside the aligned words"));
        assertTrue(rejection(new BpfInstruction(0x20, 0, 0, 2), RET_ALLOW).contains("outside the aligned words"));
    }

    @Test
    void divisionByZeroConstantIsRejected() {
        assertTrue(rejection(new BpfInstruction(0x34, 0, 0, 0), RET_ALLOW).contains("divides by the constant 0"));
    }

    @Test
    void unwrittenScratchSlotIsRejected() {
        String message = rejection(new BpfInstruction(0x60, 0, 0, 3), RET_ALLOW);
        assertTrue(message.contains("reads scratch slot 3"), message);
        new BpfProgram(List.of(new BpfInstruction(0x02, 0, 0, 3), new BpfInstruction(0x60, 0, 0, 3), RET_ALLOW));
    }

    @Test
    void emptyAndOversizedProgramsAreRejected() {
        assertTrue(rejection().contains("empty"));
        List<BpfInstruction> big = new ArrayList<>();
        for (int i = 0; i < 4097; i++) {
            big.add(RET_ALLOW);
        }
        String message = assertThrows(IllegalArgumentException.class, () -> new BpfProgram(big)).getMessage();
        assertEquals("BPF program too large: 4097 > 4096 instructions", message);
        new BpfProgram(big.subList(0, 4096));
    }

    @Test
    void simulatorCountsInstructions() {
        BpfProgram program = SyscallPolicy.builder().defaultAction(Action.KILL_PROCESS).allow("read", "write").build().program();
        BpfSimulator.Result result = BpfSimulator.run(program, SeccompData.x86_64(1));
        assertEquals(Action.ALLOW, result.action());
        assertEquals(6, result.instructionsExecuted());
    }

    @Test
    void disassemblyNamesSyscallsAndActions() {
        String text = SyscallPolicy.jobDefault().program().disassemble();
        assertTrue(text.contains("; AUDIT_ARCH_X86_64"), text);
        assertTrue(text.contains("ld   [0]"), text);
        assertTrue(text.contains("; kill-process"), text);
        assertTrue(text.contains("; errno(ENOSYS)"), text);
        assertTrue(text.contains("; ioctl"), text);
        assertEquals(SyscallPolicy.jobDefault().program().size(), text.lines().count());
    }
}
