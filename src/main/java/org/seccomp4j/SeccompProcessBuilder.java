package org.seccomp4j;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.lang.ProcessBuilder.Redirect;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Starts a job under a seccomp filter, with the interface of {@link ProcessBuilder}.
 *
 * <pre>{@code
 * Process job = new SeccompProcessBuilder("python3", "train.py")
 *         .directory(workDir)
 *         .redirectErrorStream(true)
 *         .policy(SyscallPolicy.jobDefault())
 *         .start();
 * }</pre>
 *
 * <p>Unless {@link #mode} is called, the mode comes from the JVM's SPUR_SECCOMP variable when
 * {@link #start()} runs. In ENFORCE mode the child sets NO_NEW_PRIVS and installs the policy's
 * program as its last step before execve, so the job and every process it starts run filtered; if
 * that fails, {@code start()} throws and nothing runs. The job gets its own session and process
 * group, and {@link Process#destroy()} signals the whole job tree (see {@link JobTree}).
 *
 * <p>Unless {@link #reportDenials(boolean)} turns it off, the filter reports what it denies to
 * this JVM through a seccomp listener, and {@link SeccompProcess#denials()} lists it. In AUDIT mode
 * denied syscalls run and are only reported.
 *
 * <p>Differences from ProcessBuilder: a command without a slash is looked up in the job's own PATH
 * (from {@link #environment()}), not the JVM's, and the job never inherits fds other than 0, 1 and
 * 2. NOTE: an executable script without a {@code #!} line fails with ENOEXEC, where the JDK's
 * launcher would run it with /bin/sh.
 *
 * <p>Not thread-safe, like ProcessBuilder; {@link #start()} may be called from many threads on
 * different builders at once.
 */
public final class SeccompProcessBuilder {

    private static final String DEFAULT_PATH = "/usr/local/bin:/usr/bin:/bin";
    private static final System.Logger LOG = System.getLogger("org.seccomp4j");
    /** Set once the same-uid warning has been logged, so a daemon logs it once, not per job. */
    private static final AtomicBoolean SAME_UID_WARNED = new AtomicBoolean();
    private static final Charset PLATFORM_CHARSET = platformCharset();

    private List<String> command;
    private File directory;
    private Map<String, String> environment;
    private final Redirect[] redirects = {Redirect.PIPE, Redirect.PIPE, Redirect.PIPE};
    private boolean redirectErrorStream;
    private SyscallPolicy policy = SyscallPolicy.jobDefault();
    private SeccompMode mode;
    private boolean reportDenials = true;
    private final Map<ResourceLimit, long[]> limits = new LinkedHashMap<>();
    private int umask = NativeSpawn.KEEP;
    private int uid = NativeSpawn.KEEP;
    private int gid = NativeSpawn.KEEP;
    private int[] groups;

    public SeccompProcessBuilder(List<String> command) {
        this.command = Objects.requireNonNull(command, "command");
    }

    public SeccompProcessBuilder(String... command) {
        this.command = new ArrayList<>(Arrays.asList(command));
    }

    public List<String> command() {
        return command;
    }

    public SeccompProcessBuilder command(List<String> command) {
        this.command = Objects.requireNonNull(command, "command");
        return this;
    }

    public SeccompProcessBuilder command(String... command) {
        this.command = new ArrayList<>(Arrays.asList(command));
        return this;
    }

    public File directory() {
        return directory;
    }

    /** Sets the job's working directory; null keeps the JVM's. */
    public SeccompProcessBuilder directory(File directory) {
        this.directory = directory;
        return this;
    }

    /**
     * Returns the job's environment, a mutable copy of the JVM's made on first call. It is the map
     * {@link ProcessBuilder#environment()} returns, so it rejects the same invalid names and values.
     */
    public Map<String, String> environment() {
        if (environment == null) {
            environment = new ProcessBuilder().environment();
        }
        return environment;
    }

    public SeccompProcessBuilder redirectInput(Redirect source) {
        if (source.type() == Redirect.Type.WRITE || source.type() == Redirect.Type.APPEND) {
            throw new IllegalArgumentException("redirect invalid for reading: " + source);
        }
        redirects[0] = source;
        return this;
    }

    public SeccompProcessBuilder redirectOutput(Redirect destination) {
        if (destination.type() == Redirect.Type.READ) {
            throw new IllegalArgumentException("redirect invalid for writing: " + destination);
        }
        redirects[1] = destination;
        return this;
    }

    public SeccompProcessBuilder redirectError(Redirect destination) {
        if (destination.type() == Redirect.Type.READ) {
            throw new IllegalArgumentException("redirect invalid for writing: " + destination);
        }
        redirects[2] = destination;
        return this;
    }

    public SeccompProcessBuilder redirectInput(File file) {
        return redirectInput(Redirect.from(file));
    }

    public SeccompProcessBuilder redirectOutput(File file) {
        return redirectOutput(Redirect.to(file));
    }

    public SeccompProcessBuilder redirectError(File file) {
        return redirectError(Redirect.to(file));
    }

    public Redirect redirectInput() {
        return redirects[0];
    }

    public Redirect redirectOutput() {
        return redirects[1];
    }

    public Redirect redirectError() {
        return redirects[2];
    }

    public SeccompProcessBuilder inheritIO() {
        Arrays.fill(redirects, Redirect.INHERIT);
        return this;
    }

    public boolean redirectErrorStream() {
        return redirectErrorStream;
    }

    /** Merges the job's stderr into its stdout, as {@link ProcessBuilder#redirectErrorStream(boolean)}. */
    public SeccompProcessBuilder redirectErrorStream(boolean redirectErrorStream) {
        this.redirectErrorStream = redirectErrorStream;
        return this;
    }

    public SyscallPolicy policy() {
        return policy;
    }

    /** Sets the policy the job runs under in ENFORCE mode; the job default unless set. */
    public SeccompProcessBuilder policy(SyscallPolicy policy) {
        this.policy = Objects.requireNonNull(policy, "policy");
        return this;
    }

    /** Returns the mode set on this builder, or the one SPUR_SECCOMP selects if none was set. */
    public SeccompMode mode() {
        return mode != null ? mode : SeccompMode.fromEnvironment();
    }

    public SeccompProcessBuilder mode(SeccompMode mode) {
        this.mode = Objects.requireNonNull(mode, "mode");
        return this;
    }

    public boolean reportDenials() {
        return reportDenials;
    }

    /**
     * Sets whether the job's denied syscalls are reported to this JVM; on unless set. With reports,
     * each call the policy fails with an errno (other than ENOSYS) or kills goes through the
     * supervisor thread, which fails or kills it as the policy does and records it in
     * {@link SeccompProcess#denials()}. That costs a few microseconds per denied call; allowed
     * calls cost the same as without reports. If the kernel lacks what reports need (Linux 5.6),
     * jobs get plain errno without reports, and this is logged once at DEBUG. AUDIT mode needs
     * reports, so there {@code false} makes {@link #start()} throw.
     */
    public SeccompProcessBuilder reportDenials(boolean reportDenials) {
        this.reportDenials = reportDenials;
        return this;
    }

    /**
     * Sets a resource limit in the job, applied before credentials change. Each value is at least 0,
     * or {@link ResourceLimit#INFINITY}.
     */
    public SeccompProcessBuilder limit(ResourceLimit resource, long soft, long hard) {
        Objects.requireNonNull(resource, "resource");
        if ((soft < 0 && soft != ResourceLimit.INFINITY) || (hard < 0 && hard != ResourceLimit.INFINITY)) {
            throw new IllegalArgumentException("limits " + soft + " and " + hard + " of RLIMIT_" + resource
                    + " must be at least 0 or ResourceLimit.INFINITY");
        }
        if (Long.compareUnsigned(soft, hard) > 0) {
            throw new IllegalArgumentException("soft limit " + soft + " of RLIMIT_" + resource + " exceeds hard limit " + hard);
        }
        limits.put(resource, new long[] {soft, hard});
        return this;
    }

    /** Sets the job's file mode creation mask, such as 0027. */
    public SeccompProcessBuilder umask(int umask) {
        if (umask < 0 || umask > 0777) {
            throw new IllegalArgumentException("umask " + Integer.toOctalString(umask) + " is outside 0-0777");
        }
        this.umask = umask;
        return this;
    }

    /**
     * Runs the job as another user: real, effective and saved ids, and exactly these supplementary
     * groups. The JVM must have CAP_SETUID and CAP_SETGID (normally: run as root). The ids change
     * after resource limits and before the working directory, NO_NEW_PRIVS and the filter.
     */
    public SeccompProcessBuilder user(int uid, int gid, int... groups) {
        if (uid < 0 || gid < 0) {
            throw new IllegalArgumentException("uid " + uid + " and gid " + gid + " must not be negative");
        }
        Objects.requireNonNull(groups, "groups");
        for (int group : groups) {
            if (group < 0) {
                throw new IllegalArgumentException("group " + group + " must not be negative");
            }
        }
        this.uid = uid;
        this.gid = gid;
        this.groups = groups.clone();
        return this;
    }

    /**
     * Starts the job.
     *
     * @throws IOException if the job could not start; the message names the failed step and errno,
     *     for example {@code cannot start job: execve(/no/such) failed: ENOENT (No such file or
     *     directory)}. No process is left running or unreaped.
     * @throws IllegalStateException in AUDIT mode with {@code reportDenials(false)}
     * @throws IndexOutOfBoundsException if the command is empty
     * @throws IllegalArgumentException if the policy's program is too large for the kernel
     * @throws NullPointerException if an element of the command is null
     */
    public Process start() throws IOException {
        List<String> args = List.copyOf(command);
        if (args.isEmpty()) {
            throw new IndexOutOfBoundsException("the command is empty");
        }
        for (String arg : args) {
            if (arg.indexOf('\u0000') >= 0) {
                throw new IOException("invalid null character in command argument '" + arg.replace('\u0000', '?') + "'");
            }
        }
        rejectNulInPath(directory, "directory");
        for (Redirect redirect : redirects) {
            rejectNulInPath(redirect.file(), "redirect file");
        }
        SeccompMode effectiveMode = mode();
        if (effectiveMode != SeccompMode.OFF) {
            warnIfJobSharesDaemonUid();
        }
        Map<String, String> env = environment != null ? environment : System.getenv();

        String executable = resolveExecutable(args.get(0), env);
        byte[] argv = nulTerminated(args);
        List<String> envEntries = new ArrayList<>();
        for (Map.Entry<String, String> entry : env.entrySet()) {
            if (entry.getValue().indexOf('\u0000') >= 0 || entry.getKey().indexOf('\u0000') >= 0) {
                throw new IOException("invalid null character in environment variable " + entry.getKey().replace('\u0000', '?'));
            }
            envEntries.add(entry.getKey() + "=" + entry.getValue());
        }
        byte[] envp = nulTerminated(envEntries);
        byte[] directoryBytes = directory == null ? null : cString(directory.getPath());

        int[] kinds = new int[3];
        byte[][] paths = new byte[3][];
        for (int fd = 0; fd < 3; fd++) {
            Redirect redirect = redirects[fd];
            if (fd == 2 && redirectErrorStream) {
                kinds[fd] = NativeSpawn.REDIRECT_TO_STDOUT;
                continue;
            }
            kinds[fd] = redirectKind(redirect.type());
            if (redirect.file() != null) {
                paths[fd] = cString(redirect.file().getPath());
            }
        }

        NotificationSupervisor supervisor = effectiveMode != SeccompMode.OFF ? supervisorFor(effectiveMode) : null;
        BpfProgram installed = null;
        if (supervisor != null) {
            // A policy too large for BPF is a configuration error with or without reports.
            installed = ReportingProgram.derive(policy.program(), effectiveMode);
        } else if (effectiveMode == SeccompMode.ENFORCE) {
            installed = policy.program();
        }
        byte[] program = installed != null ? installed.toByteArray() : null;
        long[] rlimits = new long[limits.size() * 3];
        int slot = 0;
        for (Map.Entry<ResourceLimit, long[]> limit : limits.entrySet()) {
            rlimits[slot++] = limit.getKey().resource;
            rlimits[slot++] = limit.getValue()[0];
            rlimits[slot++] = limit.getValue()[1];
        }

        int[] result;
        JobDenials denials = null;
        if (supervisor == null) {
            result = NativeSpawn.spawn(cString(executable), argv, args.size(), envp, envEntries.size(),
                    directoryBytes, kinds, paths, program, rlimits, umask, uid, gid, groups);
        } else {
            try {
                denials = supervisor.register(policy, effectiveMode);
            } catch (IllegalStateException e) {
                throw new IOException("cannot start job: " + e.getMessage(), e);
            }
            result = NativeSpawn.spawnWithListener(cString(executable), argv, args.size(), envp, envEntries.size(),
                    directoryBytes, kinds, paths, program, rlimits, umask, uid, gid, groups,
                    supervisor.epollFd(), denials.id(), supervisor.waitKillable());
        }

        SpawnStep step = SpawnStep.of(result[NativeSpawn.RESULT_STEP]);
        if (step != SpawnStep.NONE) {
            if (denials != null) {
                supervisor.forget(denials);
            }
            throw new IOException("cannot start job: " + describeFailure(step, result, executable)
                    + (step == SpawnStep.SECCOMP ? "; program of " + installed.size() + " instructions" : "")
                    + (step == SpawnStep.SECCOMP && supervisor != null && result[NativeSpawn.RESULT_ERRNO] == EBUSY
                            ? "; this JVM already runs under a filter with a listener, so start jobs with"
                                    + " reportDenials(false)"
                            : ""));
        }
        return new SeccompProcess(result, effectiveMode != SeccompMode.OFF ? policy : null, denials);
    }

    /**
     * Logs once that jobs running as the JVM's own uid can open the JVM's /proc/PID/mem read-write:
     * the filter cannot stop that, since jobs need open and pwrite, and the JVM runs unfiltered.
     */
    private void warnIfJobSharesDaemonUid() {
        if (SAME_UID_WARNED.get()) {
            return;
        }
        int daemonUid = Posix.POSIX.getuid();
        if ((uid == NativeSpawn.KEEP || uid == daemonUid) && SAME_UID_WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "jobs run as uid {0}, the JVM''s own uid, so a job can write"
                    + " the JVM''s memory through /proc/{1}/mem, which no syscall filter stops; run jobs as another"
                    + " user with SeccompProcessBuilder.user(uid, gid), or set kernel.yama.ptrace_scope to 1 or more",
                    daemonUid, Long.toString(ProcessHandle.current().pid()));
        }
    }

    /** EBUSY: seccomp() refuses a second listener in one chain of filters (seccomp(2)). */
    private static final int EBUSY = 16;

    /**
     * Returns the supervisor if this job reports denials, or null for plain errno.
     *
     * @throws IllegalStateException in AUDIT mode with {@code reportDenials(false)}
     * @throws IOException in AUDIT mode on a kernel without what denial reports need
     */
    private NotificationSupervisor supervisorFor(SeccompMode effectiveMode) throws IOException {
        if (!reportDenials) {
            if (effectiveMode == SeccompMode.AUDIT) {
                throw new IllegalStateException("AUDIT mode reports denials; it cannot run with reportDenials(false)");
            }
            return null;
        }
        NotificationSupervisor supervisor = NotificationSupervisor.instance();
        if (supervisor == null && effectiveMode == SeccompMode.AUDIT) {
            throw new IOException("cannot start job in AUDIT mode: " + NotificationSupervisor.unsupportedReason());
        }
        return supervisor;
    }

    private String describeFailure(SpawnStep step, int[] result, String executable) {
        int errno = result[NativeSpawn.RESULT_ERRNO];
        int detail = result[NativeSpawn.RESULT_DETAIL];
        String call;
        switch (step) {
            case EXECVE:
                call = "execve(" + executable + ")";
                break;
            case CHDIR:
                call = "chdir(" + directory + ")";
                break;
            case OPEN_REDIRECT:
                call = "open(" + redirects[detail].file() + ") for fd " + detail;
                break;
            case DUP2:
                call = "dup2(fd " + detail + ")";
                break;
            case SETRLIMIT:
                call = "setrlimit(RLIMIT_" + ResourceLimit.of(detail) + ")";
                break;
            case SETUID:
                call = "setresuid(" + uid + ")";
                break;
            case SETGID:
                call = "setresgid(" + gid + ")";
                break;
            default:
                call = step.call;
                break;
        }
        String hint = "";
        if (step == SpawnStep.EXECVE && errno == Errno.EPERM && mode() == SeccompMode.ENFORCE
                && !policy.actionFor("execve").permits()) {
            hint = "; the policy " + policy.name() + " does not allow execve";
        }
        return call + " failed: " + Errno.describe(errno) + hint;
    }

    /** Rejects a path the shim could only pass on cut short at its first NUL byte. */
    private static void rejectNulInPath(File path, String role) throws IOException {
        if (path != null && path.getPath().indexOf('\u0000') >= 0) {
            throw new IOException("invalid null character in " + role + " '" + path.getPath().replace('\u0000', '?') + "'");
        }
    }

    private static int redirectKind(Redirect.Type type) {
        switch (type) {
            case PIPE: return NativeSpawn.REDIRECT_PIPE;
            case INHERIT: return NativeSpawn.REDIRECT_INHERIT;
            case READ: return NativeSpawn.REDIRECT_READ_FILE;
            case WRITE: return NativeSpawn.REDIRECT_WRITE_FILE;
            case APPEND: return NativeSpawn.REDIRECT_APPEND_FILE;
            default: throw new IllegalArgumentException("unknown redirect type " + type);
        }
    }

    /**
     * Looks a command without a slash up in the job's PATH, as execvp would in the child, so the
     * child has nothing to search. Returns the name unchanged if no executable file is found, so
     * that execve fails with ENOENT and the error names the command.
     */
    private String resolveExecutable(String name, Map<String, String> env) {
        if (name.contains("/")) {
            return name;
        }
        String path = env.get("PATH");
        if (path == null) {
            path = DEFAULT_PATH;
        }
        for (String entry : path.split(":", -1)) {
            Path dir = Paths.get(entry.isEmpty() ? "." : entry);
            if (!dir.isAbsolute() && directory != null) {
                dir = directory.toPath().resolve(dir);
            }
            Path candidate = dir.resolve(name);
            if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        return name;
    }

    private static byte[] nulTerminated(List<String> strings) {
        ByteArrayOutputStream block = new ByteArrayOutputStream();
        for (String string : strings) {
            block.writeBytes(string.getBytes(PLATFORM_CHARSET));
            block.write(0);
        }
        return block.toByteArray();
    }

    private static byte[] cString(String string) {
        byte[] bytes = string.getBytes(PLATFORM_CHARSET);
        return Arrays.copyOf(bytes, bytes.length + 1);
    }

    /** Returns the charset the JDK itself uses for file names and arguments (sun.jnu.encoding). */
    private static Charset platformCharset() {
        String name = System.getProperty("sun.jnu.encoding");
        try {
            return name != null ? Charset.forName(name) : StandardCharsets.UTF_8;
        } catch (IllegalArgumentException e) {
            return StandardCharsets.UTF_8;
        }
    }
}
