package org.seccomp4j.oci;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.seccomp4j.Action;
import org.seccomp4j.ArgCondition;

/**
 * The libseccomp names that profiles use for actions, comparison operators, architectures and
 * filter flags, as the OCI runtime spec lists them (schema/defs-linux.json) and runc reads them.
 */
final class ScmpNames {

    static final String ARCH_X86_64 = "SCMP_ARCH_X86_64";

    /** Every architecture name the runtime spec allows; only x86_64 has rules here. */
    static final Set<String> ARCHITECTURES = Set.of(
            "SCMP_ARCH_X86", ARCH_X86_64, "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
            "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64",
            "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32",
            "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X",
            "SCMP_ARCH_SH", "SCMP_ARCH_SHEB", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64");

    static final Set<String> FLAGS = Set.of("SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG",
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV");

    static final String ACT_ERRNO = "SCMP_ACT_ERRNO";
    static final String ACT_TRACE = "SCMP_ACT_TRACE";

    /**
     * Actions without data. SCMP_ACT_KILL is libseccomp's old name for SCMP_ACT_KILL_THREAD, and runc
     * installs it as such. SCMP_ACT_ERRNO carries an errno and SCMP_ACT_TRACE is not supported.
     */
    private static final Map<String, Action> ACTIONS = Map.of(
            "SCMP_ACT_KILL", Action.KILL_THREAD,
            "SCMP_ACT_KILL_THREAD", Action.KILL_THREAD,
            "SCMP_ACT_KILL_PROCESS", Action.KILL_PROCESS,
            "SCMP_ACT_TRAP", Action.TRAP,
            "SCMP_ACT_ALLOW", Action.ALLOW,
            "SCMP_ACT_LOG", Action.LOG,
            "SCMP_ACT_NOTIFY", Action.USER_NOTIF);

    static final List<String> ACTION_NAMES = List.of("SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS",
            "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", ACT_ERRNO, ACT_TRACE, "SCMP_ACT_ALLOW", "SCMP_ACT_LOG",
            "SCMP_ACT_NOTIFY");

    private static final Map<String, ArgCondition.Op> OPERATORS = Map.of(
            "SCMP_CMP_NE", ArgCondition.Op.NE,
            "SCMP_CMP_LT", ArgCondition.Op.LT,
            "SCMP_CMP_LE", ArgCondition.Op.LE,
            "SCMP_CMP_EQ", ArgCondition.Op.EQ,
            "SCMP_CMP_GE", ArgCondition.Op.GE,
            "SCMP_CMP_GT", ArgCondition.Op.GT,
            "SCMP_CMP_MASKED_EQ", ArgCondition.Op.MASKED_EQ);

    static final List<String> OPERATOR_NAMES = List.of("SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE",
            "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT", "SCMP_CMP_MASKED_EQ");

    private ScmpNames() {
    }

    /** Returns the action of a name other than SCMP_ACT_ERRNO and SCMP_ACT_TRACE, or null. */
    static Action action(String name) {
        return ACTIONS.get(name);
    }

    /** Returns the profile name of an action; errno actions also need an errnoRet field. */
    static String name(Action action) {
        switch (action.kind()) {
            case KILL_PROCESS: return "SCMP_ACT_KILL_PROCESS";
            case KILL_THREAD: return "SCMP_ACT_KILL_THREAD";
            case TRAP: return "SCMP_ACT_TRAP";
            case ERRNO: return ACT_ERRNO;
            case USER_NOTIF: return "SCMP_ACT_NOTIFY";
            case LOG: return "SCMP_ACT_LOG";
            case ALLOW: return "SCMP_ACT_ALLOW";
            default: throw new AssertionError(action);
        }
    }

    /** Returns the operator of a name, or null. */
    static ArgCondition.Op operator(String name) {
        return OPERATORS.get(name);
    }

    static String name(ArgCondition.Op op) {
        return "SCMP_CMP_" + op.name();
    }
}
