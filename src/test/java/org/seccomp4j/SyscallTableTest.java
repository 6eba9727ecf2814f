package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class SyscallTableTest {

    @Test
    void namesAndNumbersMapBothWays() {
        assertEquals(Optional.of(0), SyscallTable.number("read"));
        assertEquals(Optional.of(101), SyscallTable.number("ptrace"));
        assertEquals(Optional.of(435), SyscallTable.number("clone3"));
        assertEquals(Optional.of("execve"), SyscallTable.name(59));
        assertEquals(Optional.of("openat2"), SyscallTable.name(437));
    }

    @Test
    void highestNumberIsTheNewestSyscall() {
        assertEquals(471, SyscallTable.maxNumber());
        assertEquals(Optional.of("rseq_slice_yield"), SyscallTable.name(SyscallTable.maxNumber()));
    }

    @Test
    void gapAndX32NumbersAreNotInTable() {
        assertFalse(SyscallTable.contains(337));
        assertFalse(SyscallTable.contains(423));
        assertFalse(SyscallTable.contains(512));
        assertTrue(SyscallTable.contains(424));
        assertEquals(Optional.empty(), SyscallTable.name(-1));
    }

    @Test
    void unknownNameSuggestsNearest() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SyscallTable.requireNumber("opne"));
        assertEquals("unknown syscall 'opne'; did you mean 'open'?", error.getMessage());
    }

    @Test
    void unrelatedNameSuggestsNothing() {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
                () -> SyscallTable.requireNumber("frobnicate_everything"));
        assertEquals("unknown syscall 'frobnicate_everything'", error.getMessage());
    }
}
