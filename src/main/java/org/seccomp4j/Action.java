package org.seccomp4j;

import java.util.Locale;
import java.util.Objects;

/**
 * What the filter does with a syscall: the {@code SECCOMP_RET_*} value a program returns.
 *
 * <p>This class is the one place where actions map to kernel return values. Its text form, used by
 * the policy file format and the command-line tool, is {@code allow}, {@code errno(EPERM)},
 * {@code kill-process}, {@code kill-thread}, {@code trap}, {@code log} and {@code user-notif}.
 */
public final class Action {

    /** Kinds of action, with their {@code SECCOMP_RET_*} values from linux/seccomp.h. */
    public enum Kind {
        KILL_PROCESS("kill-process", 0x80000000),
        KILL_THREAD("kill-thread", 0x00000000),
        TRAP("trap", 0x00030000),
        ERRNO("errno", 0x00050000),
        USER_NOTIF("user-notif", 0x7fc00000),
        LOG("log", 0x7ffc0000),
        ALLOW("allow", 0x7fff0000);

        private final String text;
        private final int returnValue;

        Kind(String text, int returnValue) {
            this.text = text;
            this.returnValue = returnValue;
        }
    }

    private static final int ACTION_MASK = 0xffff0000;
    private static final int DATA_MASK = 0x0000ffff;

    public static final Action ALLOW = new Action(Kind.ALLOW, 0);
    public static final Action KILL_PROCESS = new Action(Kind.KILL_PROCESS, 0);
    public static final Action KILL_THREAD = new Action(Kind.KILL_THREAD, 0);
    public static final Action TRAP = new Action(Kind.TRAP, 0);
    public static final Action LOG = new Action(Kind.LOG, 0);
    public static final Action USER_NOTIF = new Action(Kind.USER_NOTIF, 0);

    private final Kind kind;
    private final int errno;

    private Action(Kind kind, int errno) {
        this.kind = kind;
        this.errno = errno;
    }

    /** Returns the action that fails the syscall with {@code -errno} and does not run it. */
    public static Action errno(int errno) {
        return new Action(Kind.ERRNO, Errno.check(errno));
    }

    public Kind kind() {
        return kind;
    }

    /** The errno of an {@link Kind#ERRNO} action; 0 for every other kind. */
    public int errnoValue() {
        return errno;
    }

    /** Returns the 32-bit value a seccomp program returns for this action. */
    public int returnValue() {
        return kind.returnValue | errno;
    }

    /** Returns true for the actions that let the syscall run. */
    public boolean permits() {
        return kind == Kind.ALLOW || kind == Kind.LOG;
    }

    /**
     * Decodes a value a seccomp program returned. Values outside the kernel's known actions decode
     * as {@link #KILL_PROCESS}, which is what the kernel does with them.
     */
    public static Action fromReturnValue(int value) {
        int action = value & ACTION_MASK;
        for (Kind kind : Kind.values()) {
            if (kind.returnValue == action) {
                return kind == Kind.ERRNO ? errno(Math.min(value & DATA_MASK, Errno.MAX)) : of(kind);
            }
        }
        return KILL_PROCESS;
    }

    /** Parses the text form: {@code allow}, {@code errno(EPERM)}, {@code errno(1)}, {@code kill-process}... */
    public static Action parse(String text) {
        String lower = text.trim().toLowerCase(Locale.ROOT);
        if (lower.startsWith("errno(") && lower.endsWith(")")) {
            String inside = text.trim().substring("errno(".length(), text.trim().length() - 1).trim();
            return errno(Errno.parse(inside.toUpperCase(Locale.ROOT)));
        }
        if (lower.equals("kill")) {
            return KILL_PROCESS;
        }
        for (Kind kind : Kind.values()) {
            if (kind != Kind.ERRNO && kind.text.equals(lower)) {
                return of(kind);
            }
        }
        throw new IllegalArgumentException("unknown action '" + text + "'; expected allow, errno(NAME),"
                + " kill-process, kill-thread, trap, log or user-notif");
    }

    private static Action of(Kind kind) {
        switch (kind) {
            case ALLOW: return ALLOW;
            case KILL_PROCESS: return KILL_PROCESS;
            case KILL_THREAD: return KILL_THREAD;
            case TRAP: return TRAP;
            case LOG: return LOG;
            case USER_NOTIF: return USER_NOTIF;
            default: throw new IllegalArgumentException("kind " + kind + " needs data");
        }
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Action && ((Action) other).kind == kind && ((Action) other).errno == errno;
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, errno);
    }

    /** Returns the text form, for example {@code errno(EPERM)}. */
    @Override
    public String toString() {
        return kind == Kind.ERRNO ? "errno(" + Errno.name(errno) + ")" : kind.text;
    }
}
