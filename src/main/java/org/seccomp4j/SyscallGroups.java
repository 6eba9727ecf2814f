package org.seccomp4j;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Opt-in groups of syscalls that the job default denies but some sites need. A group adds allow
 * rules; it is named in {@link SyscallPolicy.Builder#allowGroup}, in a policy file's
 * {@code include} line, and in {@code bin/seccomp4j run --allow-group}.
 */
public final class SyscallGroups {

    /** PER_LINUX | ADDR_NO_RANDOMIZE: gdb turns address randomization off for the program it starts. */
    private static final long ADDR_NO_RANDOMIZE = 0x0040000;

    private static final Map<String, Group> GROUPS = new LinkedHashMap<>();

    static {
        define("mpi-cma", "single-copy transfers between MPI ranks on one node (Open MPI, MPICH and UCX"
                + " cross-memory attach); a rank can read and write the memory of processes of the same user",
                List.of(allow("process_vm_readv"), allow("process_vm_writev")));
        define("debug", "jobs that run gdb, strace or perf; a job can then trace and inspect its own processes",
                List.of(allow("ptrace"), allow("perf_event_open"),
                        new Rule(SyscallTable.requireNumber("personality"), Action.ALLOW,
                                List.of(ArgCondition.maskedEquals(0, 0xffffffffL, ADDR_NO_RANDOMIZE)))));
        define("io-uring", "programs built on io_uring (liburing, some databases and runtimes); io_uring has"
                + " been a frequent source of kernel vulnerabilities, so it is off by default",
                List.of(allow("io_uring_setup"), allow("io_uring_enter"), allow("io_uring_register")));
    }

    private SyscallGroups() {
    }

    /** Returns the group names: mpi-cma, debug, io-uring. */
    public static Set<String> names() {
        return GROUPS.keySet();
    }

    /** Returns what a group is for and what it opens. */
    public static String description(String group) {
        return lookup(group).description;
    }

    /** Returns the allow rules of a group. */
    public static List<Rule> rules(String group) {
        return lookup(group).rules;
    }

    private static Group lookup(String group) {
        Group found = GROUPS.get(group);
        if (found == null) {
            throw new IllegalArgumentException("unknown syscall group '" + group + "'; groups: "
                    + String.join(", ", GROUPS.keySet()));
        }
        return found;
    }

    private static Rule allow(String syscall) {
        return new Rule(SyscallTable.requireNumber(syscall), Action.ALLOW, List.of());
    }

    private static void define(String name, String description, List<Rule> rules) {
        GROUPS.put(name, new Group(description, rules));
    }

    private static final class Group {
        final String description;
        final List<Rule> rules;

        Group(String description, List<Rule> rules) {
            this.description = description;
            this.rules = rules;
        }
    }
}
