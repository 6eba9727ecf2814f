package org.seccomp4j;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * One line of a {@link DenialReport}: a syscall that the policy denied, how often, and who called
 * it first. In AUDIT mode it is a syscall that the policy would have denied.
 */
public final class Denial {

    private final int number;
    private final Action action;
    private final long count;
    private final int firstPid;
    private final long[] firstArguments;
    private final String firstProgram;

    Denial(int number, Action action, long count, int firstPid, long[] firstArguments, String firstProgram) {
        this.number = number;
        this.action = Objects.requireNonNull(action, "action");
        this.count = count;
        this.firstPid = firstPid;
        this.firstArguments = Arrays.copyOf(firstArguments, ArgCondition.MAX_ARGS);
        this.firstProgram = Objects.requireNonNull(firstProgram, "firstProgram");
    }

    /** Returns the syscall's name, or its number for one missing from the table. */
    public String syscall() {
        return SyscallTable.nameOrNumber(number);
    }

    /** Returns the x86_64 syscall number. */
    public int number() {
        return number;
    }

    /** Returns the policy's action for these calls, such as {@code errno(EPERM)} or {@code kill-process}. */
    public Action action() {
        return action;
    }

    /** Returns how many calls the policy denied. */
    public long count() {
        return count;
    }

    /**
     * Returns the thread id of the first caller, as the JVM's pid namespace numbers it; for a
     * single-threaded process it is the process id. 0 if the caller is outside that namespace.
     */
    public int firstPid() {
        return firstPid;
    }

    /** Returns the six argument registers of the first call; pointers are addresses in the job. */
    public long[] firstArguments() {
        return firstArguments.clone();
    }

    /**
     * Returns the program of the first caller when it called: the target of {@code /proc/PID/exe},
     * or the {@code comm} name if that link cannot be read, or an empty string.
     */
    public String firstProgram() {
        return firstProgram;
    }

    /** Returns, for example, {@code mount (165) errno(EPERM) x2, first by pid 4711 (/usr/bin/python3.11)}. */
    @Override
    public String toString() {
        StringBuilder text = new StringBuilder()
                .append(syscall()).append(" (").append(number).append(") ")
                .append(action).append(" x").append(count)
                .append(", first by pid ").append(firstPid);
        if (!firstProgram.isEmpty()) {
            // The job chooses its program's path, so control characters must not reach a log line.
            text.append(" (").append(firstProgram.replaceAll("\\p{Cntrl}", "?")).append(')');
        }
        text.append(" with (");
        for (int i = 0; i < firstArguments.length; i++) {
            text.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "0x%x", firstArguments[i]));
        }
        return text.append(')').toString();
    }
}
