package org.seccomp4j.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.seccomp4j.BpfProgram;
import org.seccomp4j.BpfSimulator;
import org.seccomp4j.Denial;
import org.seccomp4j.DenialReport;
import org.seccomp4j.SeccompData;
import org.seccomp4j.SeccompMode;
import org.seccomp4j.SeccompProcess;
import org.seccomp4j.SeccompProcessBuilder;
import org.seccomp4j.SyscallGroups;
import org.seccomp4j.SyscallPolicy;
import org.seccomp4j.SyscallTable;
import org.seccomp4j.oci.ImportOptions;
import org.seccomp4j.oci.OciProfiles;

/**
 * The {@code bin/seccomp4j} command: run a command under a policy, and list, explain and dump
 * policies. Exit status 2 means a usage or policy error.
 */
public final class Main {

    static final int USAGE_ERROR = 2;

    private static final String USAGE = String.join("\n",
            "usage: seccomp4j COMMAND [OPTIONS]",
            "",
            "commands:",
            "  run [--policy NAME|FILE] [--allow-group NAME]... [--off|--audit] [--quiet] [--] CMD [ARG...]",
            "                 run CMD under the policy, stdio inherited; exits with CMD's status",
            "                 and prints a line of denied syscalls on stderr unless --quiet",
            "  learn -o FILE [--base NAME|FILE] [--allow-group NAME]... [--] CMD [ARG...]",
            "                 run CMD in audit mode and write the base policy plus the syscalls",
            "                 CMD needed to FILE; exits with CMD's status",
            "  list [--policy NAME|FILE] [--allow-group NAME]...",
            "                 print the allowlist, one NUMBER<TAB>NAME line per syscall",
            "  explain [--policy NAME|FILE] [--allow-group NAME]... SYSCALL[(ARG0,ARG1,...)]...",
            "                 print name, number, action and instructions executed for each syscall",
            "  dump [--policy NAME|FILE] [--allow-group NAME]... [--format text|bpf|policy|oci]",
            "                 print the program's disassembly (text), its raw bytes (bpf, as",
            "                 bubblewrap's --seccomp FD reads them), the policy file (policy)",
            "                 or the policy as an OCI seccomp profile in JSON (oci)",
            "",
            "options:",
            "  --policy NAME|FILE   a built-in policy (job-default), a policy file, or an OCI or Docker",
            "                       seccomp profile (FILE.json or JSON content); default job-default",
            "  --cap NAME           a capability, such as CAP_SYS_ADMIN, for the includes and excludes",
            "                       of a Docker profile; none unless given",
            "  --allow-group NAME   add an opt-in group: " + String.join(", ", SyscallGroups.names()),
            "  --off                run without NO_NEW_PRIVS and without the filter",
            "  --audit              let denied syscalls run and only report them (Linux 5.6 or later)",
            "  --quiet              do not print the line of denied syscalls",
            "  --no-reports         deny with plain errno, without reporting denied syscalls (run only)",
            "  -o, --output FILE    the policy file that learn writes",
            "  --base NAME|FILE     the policy that learn starts from, as --policy; default job-default",
            "  --help               show this help");

    private final PrintStream out;
    private final PrintStream err;

    Main(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        // The tool prints its own errors; the library's warnings are for daemons that embed it.
        QUIET_LIBRARY_LOGGER.setLevel(java.util.logging.Level.SEVERE);
        System.exit(new Main(System.out, System.err).execute(args));
    }

    /** Held so that the level set in main() is not lost when the logger is garbage collected. */
    private static final java.util.logging.Logger QUIET_LIBRARY_LOGGER = java.util.logging.Logger.getLogger("org.seccomp4j");

    /** Runs one command and returns the exit status. */
    int execute(String[] args) {
        try {
            return dispatch(new ArrayList<>(List.of(args)));
        } catch (UsageException e) {
            err.println("seccomp4j: " + e.getMessage());
            err.println("Try 'seccomp4j --help'.");
            return USAGE_ERROR;
        } catch (IllegalArgumentException e) {
            err.println("seccomp4j: " + e.getMessage());
            return USAGE_ERROR;
        }
    }

    private int dispatch(List<String> args) {
        if (args.isEmpty()) {
            throw new UsageException("missing command");
        }
        String command = args.remove(0);
        switch (command) {
            case "-h":
            case "--help":
            case "help":
                out.println(USAGE);
                return 0;
            case "run":
                return run(new Options(args, true));
            case "learn":
                return learn(new Options(args, true));
            case "list":
                return list(new Options(args, false));
            case "explain":
                return explain(new Options(args, false));
            case "dump":
                return dump(new Options(args, false));
            default:
                throw new UsageException("unknown command '" + command + "'");
        }
    }

    private int run(Options options) {
        if (options.help) {
            out.println(USAGE);
            return 0;
        }
        if (options.operands.isEmpty()) {
            throw new UsageException("run: missing command to run");
        }
        if (options.off && options.audit) {
            throw new UsageException("run: --off and --audit exclude each other");
        }
        SyscallPolicy policy = options.policy();
        SeccompMode mode = SeccompMode.ENFORCE;
        if (options.off) {
            mode = SeccompMode.OFF;
        } else if (options.audit) {
            mode = SeccompMode.AUDIT;
        }
        SeccompProcess job = startInheritingIO(options.operands, policy, mode, !options.noReports);
        if (job == null) {
            return 127;
        }
        int status = awaitJob(job, policy);
        if (!options.quiet) {
            printDenials(job, policy, mode);
        }
        return status;
    }

    /** Starts a job with the tool's stdio, or prints why it cannot start and returns null. */
    private SeccompProcess startInheritingIO(List<String> command, SyscallPolicy policy, SeccompMode mode,
            boolean reportDenials) {
        SeccompProcessBuilder builder = new SeccompProcessBuilder(command)
                .inheritIO()
                .policy(policy)
                .mode(mode)
                .reportDenials(reportDenials);
        try {
            return (SeccompProcess) builder.start();
        } catch (IOException e) {
            err.println("seccomp4j: " + e.getMessage());
            return null;
        }
    }

    /** Waits for the job, prints how a signal ended it, and returns its exit status. */
    private int awaitJob(SeccompProcess job, SyscallPolicy policy) {
        // The job has its own session, so a Ctrl-C reaches only this JVM: pass it on as SIGTERM.
        Thread forwarder = new Thread(() -> stopJob(job), "seccomp4j-stop-job");
        Runtime.getRuntime().addShutdownHook(forwarder);
        int status = waitUninterruptibly(job);
        try {
            Runtime.getRuntime().removeShutdownHook(forwarder);
        } catch (IllegalStateException shuttingDown) {
            // The hook is already running.
        }

        if (job.killingSyscall().isPresent()) {
            Denial kill = job.killingSyscall().get();
            err.println("seccomp4j: job killed: syscall " + kill.syscall() + " (" + kill.number()
                    + ") is denied by policy " + policy.name());
        } else if (job.terminatingSignal().isPresent()) {
            int signal = job.terminatingSignal().getAsInt();
            if (job.killedBySeccomp()) {
                // A job can also send itself SIGSYS, so this is the likely cause, not a certainty.
                err.println("seccomp4j: job killed by SIGSYS, most likely by a kill action of policy " + policy.name());
            } else {
                err.println("seccomp4j: job killed by signal " + signalName(signal) + " (" + signal + ")");
            }
        }
        return status;
    }

    /** Prints one line such as {@code seccomp4j: denied 3 syscalls: unshare x1, mount x2}, if anything was denied. */
    private void printDenials(SeccompProcess job, SyscallPolicy policy, SeccompMode mode) {
        DenialReport report = job.denials().orElse(null);
        if (report == null || report.isEmpty()) {
            return;
        }
        long calls = report.totalCount();
        String counted = calls + (calls == 1 ? " syscall" : " syscalls");
        if (mode == SeccompMode.AUDIT) {
            err.println("seccomp4j: audit: policy " + policy.name() + " would deny " + counted + ": " + report.summary());
        } else {
            err.println("seccomp4j: denied " + counted + ": " + report.summary());
        }
    }

    /**
     * Runs the command in AUDIT mode under the base policy and writes the base plus every syscall
     * the run needed; see {@link LearnedPolicy}.
     */
    private int learn(Options options) {
        if (options.help) {
            out.println(USAGE);
            return 0;
        }
        if (options.output == null) {
            throw new UsageException("learn: missing -o FILE, the policy file to write");
        }
        if (options.operands.isEmpty()) {
            throw new UsageException("learn: missing command to run");
        }
        if (options.off || options.audit) {
            throw new UsageException("learn: --off and --audit do not apply; learn always runs in audit mode");
        }
        SyscallPolicy base = options.policy();
        SeccompProcess job = startInheritingIO(options.operands, base, SeccompMode.AUDIT, true);
        if (job == null) {
            return 127;
        }
        int status = awaitJob(job, base);
        DenialReport report = job.denials().orElseThrow(
                () -> new IllegalStateException("an audit run returned no denial report"));

        LearnedPolicy learned = new LearnedPolicy(base, options.builtInBase(), report, options.operands);
        Path file = Paths.get(options.output);
        try {
            Files.writeString(file, learned.text(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("seccomp4j: learn: cannot write " + file + ": " + e.getMessage());
            return 1;
        }
        err.println("seccomp4j: learn: wrote " + file + ": policy " + base.name() + " plus "
                + learned.addedSyscalls().size() + " syscalls" + (learned.addedSyscalls().isEmpty() ? "" : ": "
                + String.join(", ", learned.addedSyscalls())));
        if (status != 0) {
            err.println("seccomp4j: learn: note that the command exited with status " + status
                    + ", so the run may not have used everything it needs");
        }
        return status;
    }

    private static void stopJob(SeccompProcess job) {
        if (!job.isAlive()) {
            return;
        }
        job.destroy();
        try {
            if (!job.waitFor(5, TimeUnit.SECONDS)) {
                job.destroyForcibly();
            }
        } catch (InterruptedException e) {
            job.destroyForcibly();
        }
    }

    private static int waitUninterruptibly(Process job) {
        while (true) {
            try {
                return job.waitFor();
            } catch (InterruptedException e) {
                // Keep waiting: the job's status is the command's status.
            }
        }
    }

    private static String signalName(int signal) {
        for (jnr.constants.platform.linux.Signal constant : jnr.constants.platform.linux.Signal.values()) {
            if (constant.intValue() == signal) {
                return constant.name();
            }
        }
        return "signal " + signal;
    }

    private int list(Options options) {
        if (options.help) {
            out.println(USAGE);
            return 0;
        }
        options.noOperands("list");
        SyscallPolicy policy = options.policy();
        for (int number : policy.allowedSyscallNumbers()) {
            out.println(number + "\t" + SyscallTable.nameOrNumber(number));
        }
        return 0;
    }

    private int explain(Options options) {
        if (options.help) {
            out.println(USAGE);
            return 0;
        }
        if (options.operands.isEmpty()) {
            throw new UsageException("explain: name at least one syscall, such as ptrace or ioctl(1,0x5412)");
        }
        SyscallPolicy policy = options.policy();
        BpfProgram program = policy.program();
        for (String operand : options.operands) {
            SyscallCall call = SyscallCall.parse(operand);
            BpfSimulator.Result result = BpfSimulator.run(program, SeccompData.x86_64(call.number, call.args));
            out.println(call.name + "\t" + call.number + "\t" + result.action() + "\t" + result.instructionsExecuted());
        }
        return 0;
    }

    private int dump(Options options) {
        if (options.help) {
            out.println(USAGE);
            return 0;
        }
        options.noOperands("dump");
        SyscallPolicy policy = options.policy();
        switch (options.format) {
            case "text":
                out.print(policy.program().disassemble());
                return 0;
            case "bpf":
                out.writeBytes(policy.program().toByteArray());
                out.flush();
                return 0;
            case "policy":
                out.print(policy.toText());
                return 0;
            case "oci":
                out.print(OciProfiles.toJson(policy));
                return 0;
            default:
                throw new UsageException("dump: unknown format '" + options.format + "'; expected text, bpf, policy or oci");
        }
    }

    /** A syscall named on the command line, with up to six arguments: {@code ioctl(1,0x5412)}. */
    static final class SyscallCall {
        final String name;
        final int number;
        final long[] args;

        private SyscallCall(String name, int number, long[] args) {
            this.name = name;
            this.number = number;
            this.args = args;
        }

        static SyscallCall parse(String text) {
            String head = text;
            long[] args = new long[0];
            int open = text.indexOf('(');
            if (open >= 0) {
                if (!text.endsWith(")")) {
                    throw new UsageException("explain: missing ')' in '" + text + "'");
                }
                head = text.substring(0, open);
                String inside = text.substring(open + 1, text.length() - 1).trim();
                String[] parts = inside.isEmpty() ? new String[0] : inside.split(",");
                if (parts.length > 6) {
                    throw new UsageException("explain: '" + text + "' has " + parts.length + " arguments; syscalls take at most 6");
                }
                args = new long[parts.length];
                for (int i = 0; i < parts.length; i++) {
                    args[i] = parseValue(parts[i].trim(), text);
                }
            }
            int number;
            String name;
            if (!head.isEmpty() && (head.charAt(0) == '-' || (head.charAt(0) >= '0' && head.charAt(0) <= '9'))) {
                long value = parseValue(head, text);
                // seccomp_data.nr is 32 bits wide; -1 is what a tracer writes to skip a syscall.
                if (value < -1 || value > 0xffffffffL) {
                    throw new UsageException("explain: syscall number " + head + " does not fit 32 bits");
                }
                number = (int) value;
                name = SyscallTable.nameOrNumber(number);
            } else {
                name = head;
                number = SyscallTable.number(name).orElseThrow(() -> new UsageException(
                        "explain: unknown syscall '" + name + "'"));
            }
            return new SyscallCall(name, number, args);
        }

        private static long parseValue(String value, String whole) {
            try {
                String lower = value.toLowerCase(Locale.ROOT);
                if (!lower.matches("-?[0-9]+|0x[0-9a-f]+")) {
                    throw new NumberFormatException(value);
                }
                if (lower.startsWith("-")) {
                    return Long.parseLong(lower);
                }
                return lower.startsWith("0x") ? Long.parseUnsignedLong(lower.substring(2), 16) : Long.parseUnsignedLong(lower);
            } catch (NumberFormatException e) {
                throw new UsageException("explain: invalid number '" + value + "' in '" + whole + "'");
            }
        }
    }

    /** The options every command takes, and the operands after them. */
    static final class Options {
        String policyName = "job-default";
        final List<String> groups = new ArrayList<>();
        final List<String> capabilities = new ArrayList<>();
        boolean off;
        boolean audit;
        boolean quiet;
        boolean noReports;
        String output;
        boolean help;
        String format = "text";
        final List<String> operands = new ArrayList<>();

        Options(List<String> args, boolean stopAtFirstOperand) {
            int i = 0;
            while (i < args.size()) {
                String arg = args.get(i);
                if (arg.equals("--")) {
                    operands.addAll(args.subList(i + 1, args.size()));
                    return;
                }
                if (!arg.startsWith("-") || arg.equals("-")) {
                    if (stopAtFirstOperand) {
                        operands.addAll(args.subList(i, args.size()));
                        return;
                    }
                    operands.add(arg);
                    i++;
                    continue;
                }
                switch (arg) {
                    case "--policy":
                        policyName = value(args, ++i, arg);
                        break;
                    case "--allow-group":
                        groups.add(value(args, ++i, arg));
                        break;
                    case "--cap":
                        capabilities.add(value(args, ++i, arg));
                        break;
                    case "--format":
                        format = value(args, ++i, arg);
                        break;
                    case "--off":
                        off = true;
                        break;
                    case "--audit":
                        audit = true;
                        break;
                    case "--no-reports":
                        noReports = true;
                        break;
                    case "--quiet":
                        quiet = true;
                        break;
                    case "-o":
                    case "--output":
                        output = value(args, ++i, arg);
                        break;
                    case "--base":
                        policyName = value(args, ++i, arg);
                        break;
                    case "-h":
                    case "--help":
                        help = true;
                        break;
                    default:
                        throw new UsageException("unknown option '" + arg + "'");
                }
                i++;
            }
        }

        private static String value(List<String> args, int index, String option) {
            if (index >= args.size()) {
                throw new UsageException("option " + option + " needs a value");
            }
            return args.get(index);
        }

        void noOperands(String command) {
            if (!operands.isEmpty()) {
                throw new UsageException(command + ": unexpected argument '" + operands.get(0) + "'");
            }
        }

        /** Returns the built-in policy's name if the policy is one without groups, else null. */
        String builtInBase() {
            if (!groups.isEmpty() || isFile()) {
                return null;
            }
            return policyName;
        }

        /**
         * Returns whether the policy is a file. A built-in name always means the built-in policy, even
         * when the working directory has a file of that name, so that a file a job leaves behind
         * cannot replace the default; {@code ./job-default} names such a file.
         */
        private boolean isFile() {
            try {
                SyscallPolicy.named(policyName);
                return false;
            } catch (IllegalArgumentException notBuiltIn) {
                return true;
            }
        }

        /** Returns the named or read policy, with the chosen groups added. */
        SyscallPolicy policy() {
            SyscallPolicy base;
            Path file = Paths.get(policyName);
            boolean profile = false;
            if (isFile()) {
                try {
                    profile = OciProfiles.isProfile(file);
                    base = profile
                            ? OciProfiles.read(file, ImportOptions.defaults().withCapabilities(capabilities))
                            : SyscallPolicy.read(file);
                } catch (java.nio.file.NoSuchFileException e) {
                    throw new IllegalArgumentException("policy file " + policyName + " not found; built-in policies: "
                            + "job-default (add groups with --allow-group)", e);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read policy file " + policyName + ": " + e, e);
                }
            } else {
                base = SyscallPolicy.named(policyName);
            }
            if (!profile && !capabilities.isEmpty()) {
                throw new UsageException("--cap applies only to OCI and Docker profiles (JSON), not to policy " + policyName);
            }
            if (groups.isEmpty()) {
                return base;
            }
            SyscallPolicy.Builder builder = SyscallPolicy.builder()
                    .name(base.name() + "+" + String.join("+", groups))
                    .defaultAction(base.defaultAction())
                    .include(base);
            groups.forEach(builder::allowGroup);
            return builder.build();
        }
    }

    /** A command-line mistake: printed with a pointer to --help, exit status 2. */
    static final class UsageException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }
}
