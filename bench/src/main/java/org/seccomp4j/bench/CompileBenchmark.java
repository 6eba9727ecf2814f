package org.seccomp4j.bench;

import java.util.Collection;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;
import org.seccomp4j.BenchAccess;
import org.seccomp4j.BpfProgram;
import org.seccomp4j.SyscallPolicy;

/**
 * Policy compile time, with JMH in sample mode so that the median and p99 of single calls are known.
 *
 * <p>{@link #compileJobDefault} compiles the job default to its program, bypassing the cache in
 * {@link SyscallPolicy#program()}. {@link #buildAndCompileJobDefault} also builds the policy from
 * its rules, which is what a caller pays for a policy made at run time. {@link #main} runs both and
 * prints the target line.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class CompileBenchmark {

    private final SyscallPolicy jobDefault = SyscallPolicy.jobDefault();

    @Benchmark
    public BpfProgram compileJobDefault() {
        return BenchAccess.compile(jobDefault);
    }

    @Benchmark
    public BpfProgram buildAndCompileJobDefault() {
        return BenchAccess.compile(SyscallPolicy.builder().include(jobDefault).build());
    }

    /** Runs both benchmarks; {@code --quick} cuts warm-up and measurement to one second each. */
    public static void main(String[] args) throws RunnerException {
        boolean quick = args.length > 0 && args[0].equals("--quick");
        OptionsBuilder builder = new OptionsBuilder();
        builder.include(CompileBenchmark.class.getName()).shouldFailOnError(true);
        if (quick) {
            builder.warmupIterations(1).measurementIterations(1);
        }
        Options options = builder.build();
        Collection<RunResult> results = new Runner(options).run();
        System.out.println();
        System.out.println("Policy compile time (JMH sample mode, us per call):");
        double compileMedian = Double.NaN;
        for (RunResult result : results) {
            String name = result.getParams().getBenchmark();
            Statistics statistics = result.getPrimaryResult().getStatistics();
            double median = statistics.getPercentile(50);
            System.out.printf(java.util.Locale.ROOT, "  %-28s median %7.2f  p99 %7.2f  mean %7.2f  (%d samples)%n",
                    name.substring(name.lastIndexOf('.') + 1), median, statistics.getPercentile(99),
                    statistics.getMean(), statistics.getN());
            if (name.endsWith(".compileJobDefault")) {
                compileMedian = median;
            }
        }
        Targets.check("job default compiles in <= 50 us (median)", compileMedian, 50);
    }
}
