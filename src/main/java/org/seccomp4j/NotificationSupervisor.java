package org.seccomp4j;

import static java.lang.System.Logger.Level.DEBUG;
import static java.lang.System.Logger.Level.ERROR;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The one thread that responds to the seccomp notifications of every job with denial reports.
 *
 * <p>Every job's listener sits in one epoll set. The thread's loop is one JNI call per batch
 * ({@link NativeSupervisor#exchange}): it sends the responses of the previous batch, waits, and
 * receives up to {@value NativeSupervisor#MAX_BATCH} notifications, one per ready listener. For
 * each, {@link JobDenials#decide} runs the policy's program in {@link BpfSimulator} and records the
 * call. When a listener reports EPOLLHUP, all processes of its job are gone, and the shim closes it.
 *
 * <p>Kernel requirements, probed once: user notification (Linux 5.0), pidfd_open (5.3),
 * SECCOMP_USER_NOTIF_FLAG_CONTINUE (5.5) and pidfd_getfd (5.6). Without them {@link #instance}
 * returns null and jobs get plain errno without reports. WAIT_KILLABLE_RECV (5.19) is used if the
 * kernel has it.
 *
 * <p>NOTE: EPOLLHUP on a listener whose filter has no users left came with the kernel change
 * "seccomp: notify about unused filter", which may be later than pidfd_getfd; only Linux 6.18 was
 * tested. On a kernel without it the listener of a finished job stays open, and its report never
 * becomes complete.
 */
final class NotificationSupervisor {

    private static final System.Logger LOG = System.getLogger("org.seccomp4j");

    private final int epollFd;
    private final boolean waitKillable;
    private final Map<Integer, JobDenials> jobs = new ConcurrentHashMap<>();
    private final AtomicInteger nextJobId = new AtomicInteger();
    private volatile boolean stopped;

    private NotificationSupervisor(int epollFd, boolean waitKillable) {
        this.epollFd = epollFd;
        this.waitKillable = waitKillable;
    }

    /** Probes the kernel and starts the thread on first use. */
    private static final class Holder {
        static final String UNSUPPORTED_REASON;
        static final NotificationSupervisor INSTANCE;

        static {
            int[] probe = NativeSupervisor.probe();
            String reason = describeMissing(probe[NativeSupervisor.PROBE_MISSING], probe[NativeSupervisor.PROBE_ERRNO]);
            NotificationSupervisor supervisor = null;
            if (reason == null) {
                int epollFd = NativeSupervisor.createEpoll();
                if (epollFd < 0) {
                    reason = "epoll_create1 failed: " + Errno.describe(-epollFd);
                } else {
                    supervisor = new NotificationSupervisor(epollFd, probe[NativeSupervisor.PROBE_WAIT_KILLABLE] != 0);
                    supervisor.start();
                }
            }
            if (reason != null) {
                LOG.log(DEBUG, "Denial reports are off, jobs get plain errno: {0}", reason);
            } else {
                LOG.log(DEBUG, "Denial reports are on; SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV {0}",
                        supervisor.waitKillable ? "is used" : "is not available (Linux 5.19)");
            }
            UNSUPPORTED_REASON = reason;
            INSTANCE = supervisor;
        }
    }

    /** Returns the supervisor, or null if the kernel lacks what denial reports need. */
    static NotificationSupervisor instance() {
        return Holder.INSTANCE;
    }

    /** Returns why {@link #instance} is null, or null. */
    static String unsupportedReason() {
        return Holder.UNSUPPORTED_REASON;
    }

    private static String describeMissing(int missing, int errno) {
        switch (missing) {
            case NativeSupervisor.MISSING_NONE:
                return null;
            case NativeSupervisor.MISSING_USER_NOTIF:
                return "seccomp(SECCOMP_GET_ACTION_AVAIL, SECCOMP_RET_USER_NOTIF) failed: " + Errno.describe(errno)
                        + "; user notification needs Linux 5.0";
            case NativeSupervisor.MISSING_PIDFD_GETFD:
                return "pidfd_getfd is not available: " + Errno.describe(errno) + "; it needs Linux 5.6";
            case NativeSupervisor.MISSING_PIDFD_OPEN:
                return "pidfd_open failed: " + Errno.describe(errno) + "; it needs Linux 5.3";
            default:
                throw new IllegalStateException("unknown probe result from the shim: " + missing);
        }
    }

    int epollFd() {
        return epollFd;
    }

    boolean waitKillable() {
        return waitKillable;
    }

    /**
     * Registers a job before it is spawned, because its first notification can come before spawn
     * returns.
     *
     * @throws IllegalStateException if the supervisor thread has stopped
     */
    JobDenials register(SyscallPolicy policy, SeccompMode mode) {
        if (stopped) {
            throw new IllegalStateException("the seccomp4j supervisor thread has stopped; see the log");
        }
        JobDenials job = new JobDenials(nextJobId.incrementAndGet(), policy, mode);
        jobs.put(job.id(), job);
        return job;
    }

    /** Forgets a job whose spawn failed. Its listener, if it reached the epoll set, hangs up later. */
    void forget(JobDenials job) {
        jobs.remove(job.id());
        job.finish();
    }

    private void start() {
        Thread thread = new Thread(this::run, "seccomp4j-supervisor");
        thread.setDaemon(true);
        thread.start();
    }

    private void run() {
        long[] records = new long[NativeSupervisor.MAX_BATCH * NativeSupervisor.RECORD_SLOTS];
        long[] responses = new long[NativeSupervisor.MAX_BATCH * NativeSupervisor.RESPONSE_SLOTS];
        int responseCount = 0;
        while (true) {
            int count = NativeSupervisor.exchange(epollFd, responses, responseCount, records);
            responseCount = 0;
            if (count < 0) {
                // epoll_wait(2) fails only for an invalid epoll fd or buffer, which no retry mends. The
                // jobs' denied calls block from now on, so this is logged as an error.
                stopped = true;
                LOG.log(ERROR, "seccomp4j supervisor stopped: epoll_wait({0}) failed: {1}", epollFd,
                        Errno.describe(-count));
                return;
            }
            for (int i = 0; i < count; i++) {
                int record = i * NativeSupervisor.RECORD_SLOTS;
                int jobId = (int) records[record + NativeSupervisor.RECORD_JOB];
                if (records[record + NativeSupervisor.RECORD_KIND] == NativeSupervisor.KIND_HANGUP) {
                    JobDenials job = jobs.remove(jobId);
                    if (job != null) {
                        job.finish();
                    }
                    continue;
                }
                JobDenials.Response decision = decide(jobs.get(jobId), records, record);
                int response = responseCount++ * NativeSupervisor.RESPONSE_SLOTS;
                responses[response + NativeSupervisor.RESPONSE_LISTENER_FD] = records[record + NativeSupervisor.RECORD_LISTENER_FD];
                responses[response + NativeSupervisor.RESPONSE_ID] = records[record + NativeSupervisor.RECORD_ID];
                responses[response + NativeSupervisor.RESPONSE_ERROR] = decision.error;
                responses[response + NativeSupervisor.RESPONSE_FLAGS] = decision.flags;
                responses[response + NativeSupervisor.RESPONSE_KILL_TGID] = decision.killTgid;
            }
        }
    }

    /** Decides one response. A fault here returns EPERM rather than stop the thread that every job needs. */
    private static JobDenials.Response decide(JobDenials job, long[] records, int record) {
        int pid = (int) records[record + NativeSupervisor.RECORD_PID];
        int number = (int) records[record + NativeSupervisor.RECORD_NR];
        if (job == null) {
            LOG.log(DEBUG, "Notification of syscall {0} from pid {1} for an unknown job; responding with EPERM", number, pid);
            return JobDenials.Response.errno(Errno.EPERM);
        }
        long[] args = new long[ArgCondition.MAX_ARGS];
        System.arraycopy(records, record + NativeSupervisor.RECORD_ARGS, args, 0, args.length);
        SeccompData data = new SeccompData((int) records[record + NativeSupervisor.RECORD_ARCH], number,
                records[record + NativeSupervisor.RECORD_INSTRUCTION_POINTER], args);
        try {
            return job.decide(pid, data);
        } catch (RuntimeException e) {
            LOG.log(DEBUG, "Deciding syscall " + number + " of pid " + pid + " failed; responding with EPERM", e);
            return JobDenials.Response.errno(Errno.EPERM);
        }
    }
}
