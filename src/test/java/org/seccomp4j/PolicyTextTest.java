package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PolicyTextTest {

    @Test
    void jobDefaultRoundTrips() {
        SyscallPolicy policy = SyscallPolicy.jobDefault();
        SyscallPolicy parsed = SyscallPolicy.parse(policy.toText());

        assertEquals(policy, parsed);
        assertEquals(policy.toText(), parsed.toText());
        assertEquals(policy.program(), parsed.program());
    }

    @Test
    void everyActionAndOperatorRoundTrips() {
        SyscallPolicy policy = SyscallPolicy.builder()
                .name("every-form")
                .defaultAction(Action.KILL_PROCESS)
                .allow("read")
                .rule("write", Action.LOG)
                .rule("ptrace", Action.errno(Errno.EPERM))
                .rule("mount", Action.TRAP)
                .rule("bpf", Action.KILL_THREAD)
                .rule("unshare", Action.USER_NOTIF)
                .rule("mmap", Action.ALLOW, ArgCondition.of(2, ArgCondition.Op.LE, 7), ArgCondition.of(3, ArgCondition.Op.NE, 0))
                .rule("ioctl", Action.errno(25), ArgCondition.maskedEquals(1, 0xffffffffL, 0x5412))
                .rule("ioctl", Action.ALLOW, ArgCondition.of(1, ArgCondition.Op.LT, 0x10000))
                .rule("ioctl", Action.ALLOW, ArgCondition.of(1, ArgCondition.Op.GE, 0xffffffff00000000L))
                .rule("lseek", Action.ALLOW, ArgCondition.of(2, ArgCondition.Op.GT, 1))
                .build();

        SyscallPolicy parsed = SyscallPolicy.parse(policy.toText());

        assertEquals(policy, parsed);
        assertEquals("every-form", parsed.name());
    }

    @Test
    void includeAndGroupsAndNumbersParse() {
        SyscallPolicy parsed = SyscallPolicy.parse(String.join("\n",
                "# a site policy",
                "policy site",
                "default errno(EACCES)",
                "include job-default   # the base",
                "include mpi-cma",
                "allow 318",
                "kill-process ptrace",
                ""));

        assertEquals(Action.errno(13), parsed.defaultAction());
        assertEquals(Action.ALLOW, parsed.actionFor("process_vm_readv"));
        assertEquals(Action.ALLOW, parsed.actionFor("getrandom"));
        assertEquals(Action.KILL_PROCESS, parsed.actionFor("ptrace"));
        assertEquals(Action.ALLOW, parsed.actionFor("read"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "allow opne                          | 1 | 7  | did you mean 'open'?",
        "alow read                           | 1 | 1  | unknown action 'alow'",
        "allow 400                           | 1 | 7  | syscall number 400 is not in the x86_64 table",
        "allow read if arg6 == 1             | 1 | 15 | expected an argument arg0 to arg5",
        "allow read if arg0 =< 1             | 1 | 20 | unknown operator '=<'",
        "allow read if arg0 == 0xzz          | 1 | 23 | invalid number '0xzz'",
        "allow read if arg0 == 1 or arg1 < 2 | 1 | 25 | expected 'and'",
        "allow read if arg0 & 0xff == 0x100  | 1 | 30 | bits outside the mask",
        "allow read if arg0 ==               | 1 | 22 | expected a value at the end of the line",
        "allow read write                    | 1 | 12 | expected 'if' or the end of the line",
        "default                             | 1 | 1  | expected 'default ACTION'",
        "errno(EWHAT) read                   | 1 | 1  | unknown errno name 'EWHAT'",
        "include nothing-such                | 1 | 9  | unknown policy 'nothing-such'",
        "allow \u0663                         | 1 | 7  | unknown syscall",
        "allow read if arg0 == \u0663         | 1 | 23 | invalid number",
    })
    void badLineIsReportedWithPosition(String line, int lineNumber, int column, String message) {
        PolicyParseException error = assertThrows(PolicyParseException.class,
                () -> SyscallPolicy.parse(line));
        assertEquals(lineNumber, error.line(), error.getMessage());
        assertEquals(column, error.column(), error.getMessage());
        assertTrue(error.getMessage().contains(message), error.getMessage());
    }

    @Test
    void conflictIsReportedOnItsLine() {
        PolicyParseException error = assertThrows(PolicyParseException.class,
                () -> SyscallPolicy.parse("allow read\n\n# comment\nkill-process read\n"));
        assertEquals(4, error.line());
        assertTrue(error.getMessage().startsWith("<policy>:4:1: conflicting rules for syscall read"), error.getMessage());
    }

    @Test
    void repeatedDefaultIsRejected() {
        PolicyParseException error = assertThrows(PolicyParseException.class,
                () -> SyscallPolicy.parse("default allow\ndefault kill\n"));
        assertEquals(2, error.line());
    }
}
