package org.seccomp4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Live tests of destroy() and destroyForcibly() on process trees that leave the job's process
 * group or session, built by the jobtree probe under the job-default policy.
 */
@EnabledOnOs(OS.LINUX)
class JobTreeTest {

    /** A started jobtree probe and the processes it reported, by role. */
    private static final class Tree {
        final SeccompProcess job;
        final BufferedReader output;
        final Map<String, ProcTable.Entry> processes = new LinkedHashMap<>();

        Tree(String... args) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(Jobs.probe("jobtree").toString()));
            command.addAll(List.of(args));
            job = (SeccompProcess) new SeccompProcessBuilder(command).mode(SeccompMode.ENFORCE).start();
            output = new BufferedReader(new InputStreamReader(job.getInputStream(), StandardCharsets.UTF_8));
            String line;
            while ((line = output.readLine()) != null) {
                String[] words = line.split(" ");
                int pid = Integer.parseInt(words[1]);
                processes.put(words[0], ProcTable.read(pid).orElseThrow(
                        () -> new AssertionError("process " + pid + " of the tree is already gone")));
                if (words[0].equals("leader")) {
                    return;
                }
            }
            throw new AssertionError("the probe ended before reporting its leader; exit " + job.waitFor());
        }

        ProcTable.Entry get(String role) {
            ProcTable.Entry entry = processes.get(role);
            assertTrue(entry != null, "the probe reported no " + role + ": " + processes);
            return entry;
        }

        /** Kills whatever is left, so a failed test does not leave processes behind. */
        void cleanUp() {
            for (ProcTable.Entry entry : processes.values()) {
                if (ProcTable.isRunning(entry)) {
                    Posix.POSIX.kill(entry.pid(), Posix.SIGKILL);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({
        "same-group, destroy",
        "same-group, destroyForcibly",
        "setpgid, destroy",
        "setpgid, destroyForcibly",
        "setsid, destroy",
        "setsid, destroyForcibly",
        "setsid-deep, destroy",
        "setsid-deep, destroyForcibly",
        "orphan, destroy",
        "orphan, destroyForcibly",
        "orphan-setpgid, destroy",
        "orphan-setpgid, destroyForcibly",
        "thread-only, destroy",
        "thread-only, destroyForcibly",
    })
    void destroyReachesEveryProcessOfTree(String shape, String method) throws Exception {
        Tree tree = new Tree(shape);
        try {
            assertShape(shape, tree);

            if (method.equals("destroy")) {
                tree.job.destroy();
            } else {
                tree.job.destroyForcibly();
            }

            assertTrue(tree.job.waitFor(10, TimeUnit.SECONDS), "the leader survived " + method);
            assertEquals(method.equals("destroy") ? 143 : 137, tree.job.exitValue());
            List<ProcTable.Entry> processes = new ArrayList<>(tree.processes.values());
            assertEquals(List.of(), ProcTable.awaitGone(processes, 10_000), "processes that survived " + method);
        } finally {
            tree.cleanUp();
        }
    }

    /** Checks that the probe built what the test claims to test. */
    private static void assertShape(String shape, Tree tree) {
        ProcTable.Entry leader = tree.get("leader");
        assertEquals(leader.pid(), leader.session(), "the leader leads its session");
        assertEquals(leader.pid(), leader.group(), "the leader leads its group");
        switch (shape) {
            case "same-group":
                assertEquals(leader.pid(), tree.get("child").group());
                break;
            case "setpgid":
                assertEquals(tree.get("child").pid(), tree.get("child").group());
                assertEquals(leader.pid(), tree.get("child").session());
                break;
            case "setsid":
                assertEquals(tree.get("child").pid(), tree.get("child").session());
                break;
            case "setsid-deep":
                assertEquals(tree.get("child").pid(), tree.get("grandchild").session());
                assertEquals(tree.get("grandchild").pid(), tree.get("grandchild").group());
                break;
            case "orphan":
                assertNotEquals(leader.pid(), tree.get("grandchild").parent(), "adopted by init or a subreaper");
                assertEquals(leader.pid(), tree.get("grandchild").group());
                break;
            case "orphan-setpgid":
                assertNotEquals(leader.pid(), tree.get("grandchild").parent(), "adopted by init or a subreaper");
                assertEquals(tree.get("grandchild").pid(), tree.get("grandchild").group());
                assertEquals(leader.pid(), tree.get("grandchild").session());
                break;
            case "thread-only":
                assertEquals(tree.get("child").pid(), tree.get("child").session());
                awaitState(tree.get("child"), 'Z');
                break;
            default:
                throw new IllegalArgumentException(shape);
        }
    }

    /** Waits until /proc shows the process in the state, such as Z once its main thread has exited. */
    private static void awaitState(ProcTable.Entry process, char state) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (ProcTable.read(process.pid()).map(ProcTable.Entry::state).orElse('?') != state) {
            assertTrue(System.nanoTime() < deadline, "process " + process + " never reached state " + state);
            Thread.onSpinWait();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"destroy", "destroyForcibly"})
    void destroyStopsForkingChildOutsideGroup(String method) throws Exception {
        Tree tree = new Tree("forker", "400");
        int session = tree.get("child").pid();
        try {
            // Let the forker get going, so that destroy() races with its forks.
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (inSession(session).size() < 20) {
                assertTrue(System.nanoTime() < deadline, "the forker did not fork");
                Thread.sleep(1);
            }

            if (method.equals("destroy")) {
                tree.job.destroy();
            } else {
                tree.job.destroyForcibly();
            }

            assertTrue(tree.job.waitFor(10, TimeUnit.SECONDS), "the leader survived " + method);
            assertEquals(List.of(), ProcTable.awaitGone(inSession(session), 10_000),
                    "processes of the forker's session that survived " + method);
        } finally {
            for (ProcTable.Entry entry : inSession(session)) {
                Posix.POSIX.kill(entry.pid(), Posix.SIGKILL);
            }
            tree.cleanUp();
        }
    }

    private static List<ProcTable.Entry> inSession(int session) {
        return ProcTable.all(entry -> entry.session() == session && !entry.isZombieOrDead());
    }

    @Test
    void destroyDeliversSigtermToHandlerOutsideGroup() throws Exception {
        Tree tree = new Tree("term-handler");
        try {
            int child = tree.get("child").pid();

            BlockingQueue<String> lines = new LinkedBlockingQueue<>();
            Thread reader = new Thread(() -> {
                try {
                    String line;
                    while ((line = tree.output.readLine()) != null) {
                        lines.add(line);
                    }
                } catch (IOException e) {
                    lines.add("read failed: " + e);
                }
            });
            reader.setDaemon(true);
            reader.start();

            tree.job.destroy();

            // The child was stopped, sent SIGTERM and continued; its handler prints and exits.
            assertEquals("term " + child, lines.poll(10, TimeUnit.SECONDS));
            reader.join(10_000);
            assertEquals(List.of(), new ArrayList<>(lines), "more output after the handler's line");
            assertEquals(143, tree.job.waitFor());
            assertEquals(List.of(), ProcTable.awaitGone(new ArrayList<>(tree.processes.values()), 10_000));
        } finally {
            tree.cleanUp();
        }
    }

    /**
     * A daemon (fork, setsid, fork, parent exits) is outside the job's session and no longer a
     * descendant of it, so destroy() cannot find it. This pins down the limit that JobTree documents.
     */
    @Test
    void daemonizedGrandchildIsOutsideReach() throws Exception {
        Tree tree = new Tree("daemon");
        try {
            ProcTable.Entry daemon = tree.get("grandchild");
            assertEquals(daemon.pid(), daemon.session());

            tree.job.destroyForcibly();

            assertEquals(137, tree.job.waitFor());
            assertTrue(ProcTable.isRunning(daemon), "a daemon was found after all; update JobTree's NOTE and this test");
        } finally {
            tree.cleanUp();
        }
    }

    @Test
    void destroyAfterExitDoesNothing() throws Exception {
        SeccompProcess job = (SeccompProcess) new SeccompProcessBuilder("true").mode(SeccompMode.ENFORCE).start();
        assertEquals(0, job.waitFor());

        job.destroy();
        job.destroyForcibly();

        assertEquals(0, job.exitValue());
    }
}
