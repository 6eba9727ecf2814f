package org.seccomp4j.bench;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import org.seccomp4j.SeccompMode;
import org.seccomp4j.SeccompProcessBuilder;
import org.seccomp4j.SyscallPolicy;

/** The ways the benchmarks start a job through a Java API, each with a stable id and a title. */
final class Launchers {

    static final String COMMAND = "/bin/true";

    /** Starts one job; every call starts a new process. */
    interface Launcher {
        Process start() throws IOException;
    }

    static final class Named {
        final String id;
        final String title;
        final Launcher launcher;

        Named(String id, String title, Launcher launcher) {
            this.id = id;
            this.title = title;
            this.launcher = launcher;
        }
    }

    private Launchers() {
    }

    /**
     * Returns java.lang.ProcessBuilder, SeccompProcessBuilder in OFF mode and in ENFORCE mode with
     * the job default. The mode is set explicitly, because the builder otherwise reads it from
     * SPUR_SECCOMP. If the builder has a denial-report switch, ENFORCE runs with reports off, and a
     * fourth launcher runs it with reports on.
     */
    static List<Named> standard() {
        List<Named> launchers = new ArrayList<>();
        ProcessBuilder plain = new ProcessBuilder(COMMAND);
        launchers.add(new Named("pb", "java.lang.ProcessBuilder", plain::start));

        SeccompProcessBuilder off = new SeccompProcessBuilder(COMMAND).mode(SeccompMode.OFF);
        launchers.add(new Named("off", "SeccompProcessBuilder OFF", off::start));

        SeccompProcessBuilder enforce = enforcing();
        boolean hasSwitch = setReports(enforce, false);
        launchers.add(new Named("enforce", "SeccompProcessBuilder ENFORCE" + (hasSwitch ? ", reports off" : ""),
                enforce::start));
        if (hasSwitch) {
            SeccompProcessBuilder reporting = enforcing();
            setReports(reporting, true);
            launchers.add(new Named("enforce-reports", "SeccompProcessBuilder ENFORCE, reports on", reporting::start));
        }
        return launchers;
    }

    private static SeccompProcessBuilder enforcing() {
        return new SeccompProcessBuilder(COMMAND).mode(SeccompMode.ENFORCE).policy(SyscallPolicy.jobDefault());
    }

    /**
     * Calls {@code reportDenials(on)} if this version of the builder has it, and returns whether it
     * does. Reflection keeps the harness building against versions with and without the switch.
     */
    static boolean setReports(SeccompProcessBuilder builder, boolean on) {
        Method method;
        try {
            method = SeccompProcessBuilder.class.getMethod("reportDenials", boolean.class);
        } catch (NoSuchMethodException e) {
            return false;
        }
        try {
            method.invoke(builder, on);
        } catch (IllegalAccessException | InvocationTargetException e) {
            throw new IllegalStateException("SeccompProcessBuilder.reportDenials(" + on + ") failed", e);
        }
        return true;
    }

    /** Waits for a job, checks that it exited with 0 and closes its streams. */
    static void finish(Process process) throws IOException, InterruptedException {
        int status = process.waitFor();
        close(process);
        if (status != 0) {
            throw new IllegalStateException(COMMAND + " exited with " + status);
        }
    }

    static void close(Process process) throws IOException {
        process.getOutputStream().close();
        process.getInputStream().close();
        process.getErrorStream().close();
    }
}
