package org.seccomp4j;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A job started by {@link SeccompProcessBuilder}: a {@link Process} whose pid is the leader of the
 * job's session and process group.
 *
 * <p>A reaper thread waits for the job with {@code waitid(WNOWAIT)}, which leaves it a zombie, and
 * only then reaps it under the same lock that {@link #destroy()} signals under. So destroy() never
 * signals after the reap, when the pid could belong to an unrelated process.
 */
public final class SeccompProcess extends Process {

    private static final System.Logger LOG = System.getLogger("org.seccomp4j");

    private static final ExecutorService REAPERS = Executors.newCachedThreadPool(new ThreadFactory() {
        private final AtomicInteger count = new AtomicInteger();

        @Override
        public Thread newThread(Runnable task) {
            // A reaper only blocks in waitid and calls waitpid, so a small stack is enough, as in the
            // JDK's own reaper; JNR-POSIX is initialized before any reaper runs (see the constructor).
            Thread thread = new Thread(null, task, "seccomp4j-reaper-" + count.incrementAndGet(), 256 * 1024);
            thread.setDaemon(true);
            return thread;
        }
    });

    private final int pid;
    private final SyscallPolicy policy;
    /** The denials the supervisor collects for this job, or null without denial reports. */
    private final JobDenials denials;
    private final ProcessHandle handle;
    private final OutputStream stdin;
    private final PipeInputStream stdout;
    private final PipeInputStream stderr;
    private final CompletableFuture<Process> exit = new CompletableFuture<>();

    private final Object lock = new Object();
    private boolean reaped;
    private int waitStatus;

    SeccompProcess(int[] spawnResult, SyscallPolicy policy) {
        this(spawnResult, policy, null);
    }

    SeccompProcess(int[] spawnResult, SyscallPolicy policy, JobDenials denials) {
        // Loading JNR's native stub needs more stack than a reaper thread has, so load it here.
        Objects.requireNonNull(Posix.POSIX);
        this.pid = spawnResult[NativeSpawn.RESULT_PID];
        this.policy = policy;
        this.denials = denials;
        this.handle = ProcessHandle.of(pid).orElse(null);
        int stdinFd = spawnResult[NativeSpawn.RESULT_STDIN_FD];
        int stdoutFd = spawnResult[NativeSpawn.RESULT_STDOUT_FD];
        int stderrFd = spawnResult[NativeSpawn.RESULT_STDERR_FD];
        this.stdin = stdinFd >= 0
                ? new BufferedOutputStream(new FileOutputStream(NativeSpawn.newFileDescriptor(stdinFd)))
                : NullOutputStream.INSTANCE;
        this.stdout = new PipeInputStream(stdoutFd);
        this.stderr = new PipeInputStream(stderrFd);
        REAPERS.execute(this::reap);
    }

    private void reap() {
        NativeSpawn.awaitExit(pid);
        synchronized (lock) {
            int[] status = new int[1];
            int result;
            do {
                result = Posix.POSIX.waitpid(pid, status, 0);
            } while (result < 0 && Posix.POSIX.errno() == jnr.constants.platform.Errno.EINTR.intValue());
            if (result < 0) {
                LOG.log(System.Logger.Level.DEBUG, "waitpid({0}) failed: {1}", pid,
                        Errno.describe(Posix.POSIX.errno()));
            }
            waitStatus = status[0];
            reaped = true;
            lock.notifyAll();
        }
        exit.complete(this);
        // A read blocked on a pipe that a leftover grandchild holds open delays this, not the exit.
        stdout.processExited();
        stderr.processExited();
        try {
            stdin.close();
        } catch (IOException e) {
            LOG.log(System.Logger.Level.DEBUG, "closing stdin of job {0} failed: {1}", pid, e.getMessage());
        }
    }

    @Override
    public OutputStream getOutputStream() {
        return stdin;
    }

    @Override
    public InputStream getInputStream() {
        return stdout;
    }

    @Override
    public InputStream getErrorStream() {
        return stderr;
    }

    @Override
    public int waitFor() throws InterruptedException {
        synchronized (lock) {
            while (!reaped) {
                lock.wait();
            }
            return exitCode();
        }
    }

    @Override
    public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
        long deadline = System.nanoTime() + unit.toNanos(timeout);
        synchronized (lock) {
            while (!reaped) {
                long remaining = deadline - System.nanoTime();
                if (remaining <= 0) {
                    return false;
                }
                TimeUnit.NANOSECONDS.timedWait(lock, remaining);
            }
            return true;
        }
    }

    /**
     * Returns the exit status; for a job ended by a signal, 128 plus the signal number, as shells
     * and {@link ProcessBuilder}'s processes report it. A job that the supervisor killed for a
     * {@code kill-process} rule (see {@link #killingSyscall()}) died of SIGKILL, but its value is
     * 128 + SIGSYS (159), the value of a kill by the kernel's filter.
     */
    @Override
    public int exitValue() {
        synchronized (lock) {
            if (!reaped) {
                throw new IllegalThreadStateException("job " + pid + " has not exited");
            }
            return exitCode();
        }
    }

    private int exitCode() {
        int signal = signalCode();
        return signal != 0 ? 128 + signal : Posix.exitCode(waitStatus);
    }

    /** Returns the terminating signal of the reaped job, with a supervisor's kill as SIGSYS; 0 if it exited. */
    private int signalCode() {
        int signal = Posix.terminatingSignal(waitStatus);
        return signal == Posix.SIGKILL && supervisorKill() != null ? Posix.SIGSYS : signal;
    }

    /** Returns the denial whose kill-process rule the supervisor carried out on the leader, or null. */
    private Denial supervisorKill() {
        if (denials == null || Posix.terminatingSignal(waitStatus) != Posix.SIGKILL) {
            return null;
        }
        return denials.killOf(pid);
    }

    /**
     * Returns the signal that ended the job, if it was ended by one; empty while it runs. A kill by
     * the supervisor for a {@code kill-process} rule is returned as SIGSYS.
     */
    public OptionalInt terminatingSignal() {
        synchronized (lock) {
            int signal = reaped ? signalCode() : 0;
            return signal != 0 ? OptionalInt.of(signal) : OptionalInt.empty();
        }
    }

    /**
     * Returns true if a seccomp kill action ended the job: SIGSYS from the kernel, or the
     * supervisor's SIGKILL for a {@code kill-process} rule.
     */
    public boolean killedBySeccomp() {
        return terminatingSignal().orElse(0) == Posix.SIGSYS;
    }

    /**
     * Returns the denied syscall whose {@code kill-process} rule ended the job's leader. With denial
     * reports, such a rule notifies the supervisor, which records the syscall and kills the caller's
     * process with SIGKILL before the syscall runs. Empty for other deaths, without denial reports,
     * and for the kills the kernel makes itself: a syscall of another arch or of the x32 ABI, and
     * {@code kill-thread}.
     */
    public Optional<Denial> killingSyscall() {
        synchronized (lock) {
            return Optional.ofNullable(reaped ? supervisorKill() : null);
        }
    }

    /**
     * Returns a snapshot of what the filter denied, or in AUDIT mode would have denied; empty if
     * the job runs without denial reports (OFF mode, {@code reportDenials(false)}, or a kernel
     * before Linux 5.6). Once {@link #waitFor()} has returned, it contains every denied call that
     * returned before the leader exited. Processes that the job leaves running may add more until
     * {@link DenialReport#isComplete()}.
     */
    public Optional<DenialReport> denials() {
        return Optional.ofNullable(denials).map(JobDenials::snapshot);
    }

    /** Returns the policy the job runs under, or empty if it was started in OFF mode. */
    public Optional<SyscallPolicy> policy() {
        return Optional.ofNullable(policy);
    }

    /**
     * Sends SIGTERM to every process of the job, including those that left its process group or
     * session (see {@link JobTree}), unless the job has already been reaped.
     */
    @Override
    public void destroy() {
        signalTree(Posix.SIGTERM);
    }

    /** Sends SIGKILL to every process of the job, as {@link #destroy()} finds them. */
    @Override
    public Process destroyForcibly() {
        signalTree(Posix.SIGKILL);
        return this;
    }

    private void signalTree(int signal) {
        synchronized (lock) {
            if (reaped) {
                return;
            }
            // The leader is alive or an unreaped zombie, so its pid, and with it the group and
            // session ids, cannot have been reused.
            JobTree.signal(pid, signal);
        }
    }

    @Override
    public boolean supportsNormalTermination() {
        return true;
    }

    @Override
    public boolean isAlive() {
        synchronized (lock) {
            return !reaped;
        }
    }

    @Override
    public long pid() {
        return pid;
    }

    @Override
    public CompletableFuture<Process> onExit() {
        return exit.thenApply(process -> process);
    }

    @Override
    public ProcessHandle toHandle() {
        if (handle == null) {
            throw new IllegalStateException("no process handle for job " + pid);
        }
        return handle;
    }

    @Override
    public String toString() {
        synchronized (lock) {
            return "SeccompProcess[pid=" + pid + ", " + (reaped ? "exitValue=" + exitCode() : "running")
                    + ", policy=" + (policy != null ? policy.name() : "none") + "]";
        }
    }

    /**
     * The parent end of a pipe from the job, or an empty stream if that fd was not a pipe. When the
     * job exits, buffered bytes are kept and the fd is closed, as the JDK's own process streams do,
     * so a caller that never closes the stream does not leak the fd.
     */
    private static final class PipeInputStream extends BufferedInputStream {

        PipeInputStream(int fd) {
            super(fd >= 0 ? new FileInputStream(NativeSpawn.newFileDescriptor(fd)) : InputStream.nullInputStream());
        }

        synchronized void processExited() {
            InputStream source = in;
            if (source == null) {
                return;
            }
            try {
                byte[] rest = drain(source);
                source.close();
                in = rest.length == 0 ? InputStream.nullInputStream() : new ByteArrayInputStream(rest);
            } catch (IOException e) {
                // The caller closed the stream concurrently; there is nothing left to keep.
                in = InputStream.nullInputStream();
            }
        }

        private static byte[] drain(InputStream source) throws IOException {
            java.io.ByteArrayOutputStream rest = new java.io.ByteArrayOutputStream();
            byte[] chunk = new byte[8192];
            int available;
            while ((available = source.available()) > 0) {
                int read = source.read(chunk, 0, Math.min(chunk.length, available));
                if (read < 0) {
                    break;
                }
                rest.write(chunk, 0, read);
            }
            return rest.toByteArray();
        }
    }

    /** The job's stdin when it is not a pipe: writes fail, as with ProcessBuilder. */
    private static final class NullOutputStream extends OutputStream {
        static final NullOutputStream INSTANCE = new NullOutputStream();

        @Override
        public void write(int b) throws IOException {
            throw new IOException("Stream closed: the job's stdin is not a pipe");
        }
    }
}
