package org.seccomp4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import java.util.TreeMap;
import jnr.ffi.LastError;
import jnr.ffi.LibraryLoader;

/** What a JVM that starts jobs could leak: fds, threads and unreaped children, read from /proc. */
final class Leaks {

    /** waitid(2) constants from sys/wait.h and linux/wait.h. */
    private static final int P_ALL = 0;
    private static final int WNOHANG = 1;
    private static final int WEXITED = 4;
    private static final int WNOWAIT = 0x01000000;
    private static final int ECHILD = 10;
    /** sizeof(siginfo_t) and offsetof(siginfo_t, si_pid) on x86_64. */
    private static final int SIGINFO_BYTES = 128;
    private static final int SI_PID_OFFSET = 16;

    /**
     * The C library's waitid, which JNR-POSIX does not bind. siginfo_t is passed as a byte array:
     * JNR memory objects would start JNR's reference-cleaning thread, which the soak would count.
     */
    public interface LibC {
        int waitid(int idType, int id, byte[] info, int options);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private Leaks() {
    }

    /**
     * Starts and reaps one job, so that what the first job creates for the JVM's lifetime (the
     * loaded shim, JNR, the denial-report supervisor and its epoll fd) exists before a baseline.
     */
    static void startFirstJob() throws IOException, InterruptedException {
        Process job = new SeccompProcessBuilder("/bin/true").mode(SeccompMode.ENFORCE).start();
        // Closed here, the pipes cannot still be open when the caller takes its baseline.
        job.getOutputStream().close();
        job.getInputStream().close();
        job.getErrorStream().close();
        if (job.waitFor() != 0) {
            throw new IllegalStateException("/bin/true failed with " + job.exitValue());
        }
        awaitNoListenerFd();
    }

    /**
     * Waits up to five seconds until no seccomp listener fd is open. The denial-report supervisor
     * closes a job's listener only after the job has ended, so one can outlive waitFor().
     */
    static void awaitNoListenerFd() throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (openFds().containsValue("anon_inode:seccomp notify") && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
        }
    }

    /** Returns the targets of this JVM's open fds by number, as /proc/self/fd shows them. */
    static Map<Integer, String> openFds() {
        Map<Integer, String> fds = new TreeMap<>();
        Path directory = Paths.get("/proc/self/fd");
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(directory)) {
            for (Path entry : entries) {
                String target;
                try {
                    target = Files.readSymbolicLink(entry).toString();
                } catch (IOException closedMeanwhile) {
                    continue;
                }
                fds.put(Integer.parseInt(entry.getFileName().toString()), target);
            }
        } catch (IOException e) {
            throw new IllegalStateException("listing " + directory + " failed", e);
        }
        // The directory stream's own fd was open while the listing ran.
        fds.values().removeIf(target -> target.equals("/proc/" + ProcTable.SELF + "/fd"));
        return fds;
    }

    /**
     * Returns the open fds once they equal the expected ones, or as they are after a second. The
     * reaper closes a job's pipes just after waitFor() returns, so a check right after it can see
     * them still open.
     */
    static Map<Integer, String> awaitOpenFds(Map<Integer, String> expected) throws InterruptedException {
        long deadline = System.nanoTime() + 1_000_000_000L;
        Map<Integer, String> fds = openFds();
        while (!fds.equals(expected) && System.nanoTime() - deadline < 0) {
            Thread.sleep(10);
            fds = openFds();
        }
        return fds;
    }

    /** Returns the name (comm) of each of this JVM's threads by tid, from /proc/self/task. */
    static Map<Integer, String> threads() {
        Map<Integer, String> threads = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(Paths.get("/proc/self/task"))) {
            for (Path entry : entries) {
                try {
                    threads.put(Integer.parseInt(entry.getFileName().toString()),
                            Files.readString(entry.resolve("comm")).strip());
                } catch (IOException exitedMeanwhile) {
                    // The thread ended between the listing and the read.
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("listing /proc/self/task failed", e);
        }
        return threads;
    }

    /**
     * Returns the pid of a child that has exited and is not reaped, or 0 if there is none. It calls
     * waitid(P_ALL, WEXITED | WNOHANG | WNOWAIT), which reports a zombie without reaping it.
     */
    static int unreapedChild() {
        byte[] info = new byte[SIGINFO_BYTES];
        if (LIBC.waitid(P_ALL, 0, info, WEXITED | WNOHANG | WNOWAIT) < 0) {
            int errno = LastError.getLastError(jnr.ffi.Runtime.getRuntime(LIBC));
            if (errno == ECHILD) {
                return 0;
            }
            throw new IllegalStateException("waitid(P_ALL) failed: " + Errno.describe(errno));
        }
        // With WNOHANG and no waitable child, waitid returns 0 and Linux writes 0 to si_pid.
        return ByteBuffer.wrap(info).order(ByteOrder.nativeOrder()).getInt(SI_PID_OFFSET);
    }
}
