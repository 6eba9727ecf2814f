import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.seccomp4j.DenialReport;
import org.seccomp4j.SeccompMode;
import org.seccomp4j.SeccompProcess;
import org.seccomp4j.SeccompProcessBuilder;

/**
 * Measures what denial reports cost; run it through bench/denials.sh, which builds the jar and the
 * probe. Every figure is the median of several rounds, and the rounds of the compared variants
 * alternate, so that a burst of load from elsewhere hits both.
 *
 * <ol>
 *   <li>A denied syscall (unshare, EPERM) inside the job, in ns per call as the job measures it
 *       with CLOCK_MONOTONIC: with a report, without one ({@code reportDenials(false)}), and an
 *       allowed syscall (getppid) for scale.
 *   <li>The supervisor: one job that makes 100,000 denied calls, from start() to waitFor(), and 16
 *       such jobs of 10,000 calls each at once. Every count in the reports is checked.
 *   <li>start() to waitFor() of /bin/true, with and without reports, because the reporting spawn
 *       path cannot use CLONE_VFORK. This one is the median of single starts.
 * </ol>
 */
public final class DenialBench {

    private static final int ROUNDS = 7;

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: DenialBench PROBE, the binary of src/test/resources/probes/denials.c");
            System.exit(2);
        }
        String probe = args[0];

        double[] reported = new double[ROUNDS];
        double[] unreported = new double[ROUNDS];
        double[] allowed = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            reported[round] = nanosPerCall(probe, "unshare", 20_000, true);
            unreported[round] = nanosPerCall(probe, "unshare", 200_000, false);
            allowed[round] = nanosPerCall(probe, "getppid", 200_000, true);
        }
        System.out.printf(Locale.ROOT, "denied call with report:    %8.0f ns/call (median of %d rounds)%n", median(reported), ROUNDS);
        System.out.printf(Locale.ROOT, "denied call without report: %8.0f ns/call%n", median(unreported));
        System.out.printf(Locale.ROOT, "allowed call (getppid):     %8.0f ns/call%n", median(allowed));

        double[] single = new double[ROUNDS];
        double[] parallel = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            single[round] = secondsForJobs(probe, 1, 100_000);
            parallel[round] = secondsForJobs(probe, 16, 10_000);
        }
        System.out.printf(Locale.ROOT, "1 job, 100,000 denied calls:            %6.3f s, %7.0f calls/s%n",
                median(single), 100_000 / median(single));
        System.out.printf(Locale.ROOT, "16 jobs at once, 10,000 denied calls each: %6.3f s, %7.0f calls/s%n",
                median(parallel), 160_000 / median(parallel));

        int starts = 200;
        double[] withReports = new double[ROUNDS];
        double[] withoutReports = new double[ROUNDS];
        for (int round = 0; round < ROUNDS; round++) {
            withReports[round] = microsPerStart(starts, true);
            withoutReports[round] = microsPerStart(starts, false);
        }
        System.out.printf(Locale.ROOT, "start() to waitFor() of /bin/true, reports:    %6.0f us (median)%n", median(withReports));
        System.out.printf(Locale.ROOT, "start() to waitFor() of /bin/true, no reports: %6.0f us (median)%n", median(withoutReports));
    }

    /** Runs {@code count} calls in one job and returns the job's own measure of ns per call. */
    private static double nanosPerCall(String probe, String call, int count, boolean reports)
            throws IOException, InterruptedException {
        SeccompProcess job = start(new SeccompProcessBuilder(probe, "time:" + call + ":" + count).reportDenials(reports));
        String output = new String(job.getInputStream().readAllBytes());
        check(job.waitFor() == 0, "probe failed: " + output);
        // "unshare x20000: 16760 ns/call"
        String line = output.lines().findFirst().orElseThrow();
        return Double.parseDouble(line.substring(line.indexOf(": ") + 2, line.indexOf(" ns/call")));
    }

    /** Runs {@code jobs} jobs at once, each making {@code calls} denied calls, and returns the wall time. */
    private static double secondsForJobs(String probe, int jobs, int calls) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(jobs);
        try {
            long start = System.nanoTime();
            List<Future<SeccompProcess>> running = new ArrayList<>();
            for (int i = 0; i < jobs; i++) {
                running.add(pool.submit(() -> {
                    SeccompProcess job = start(new SeccompProcessBuilder(probe, "unshare:" + calls));
                    job.getInputStream().readAllBytes();
                    check(job.waitFor() == 0, "probe failed");
                    return job;
                }));
            }
            List<SeccompProcess> finished = new ArrayList<>();
            for (Future<SeccompProcess> job : running) {
                finished.add(job.get());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            for (SeccompProcess job : finished) {
                DenialReport report = job.denials().orElseThrow();
                check(report.totalCount() == calls, "report counts " + report.totalCount() + " calls, not " + calls);
            }
            return seconds;
        } finally {
            pool.shutdownNow();
        }
    }

    /** Returns the median time of {@code starts} runs of /bin/true, because a busy machine delays a few of them by milliseconds. */
    private static double microsPerStart(int starts, boolean reports) throws IOException, InterruptedException {
        double[] micros = new double[starts];
        for (int i = 0; i < starts; i++) {
            long start = System.nanoTime();
            SeccompProcess job = start(new SeccompProcessBuilder("/bin/true").reportDenials(reports));
            check(job.waitFor() == 0, "/bin/true failed");
            micros[i] = (System.nanoTime() - start) / 1e3;
            job.getInputStream().close();
            job.getErrorStream().close();
            job.getOutputStream().close();
        }
        return median(micros);
    }

    private static SeccompProcess start(SeccompProcessBuilder builder) throws IOException {
        return (SeccompProcess) builder.mode(SeccompMode.ENFORCE).start();
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new IllegalStateException(message);
        }
    }
}
