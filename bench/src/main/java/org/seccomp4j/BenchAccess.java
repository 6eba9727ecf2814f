package org.seccomp4j;

/**
 * Gives the benchmarks the package-private steps of a spawn and of compiling, so that each can be
 * timed alone. It lives in the benchmark jar, not in the library.
 */
public final class BenchAccess {

    private static final int[] ALL_PIPES = {
        NativeSpawn.REDIRECT_PIPE, NativeSpawn.REDIRECT_PIPE, NativeSpawn.REDIRECT_PIPE,
    };

    private BenchAccess() {
    }

    /** Compiles a policy afresh; {@link SyscallPolicy#program()} would return its cached program. */
    public static BpfProgram compile(SyscallPolicy policy) {
        return ProgramCompiler.compile(policy);
    }

    /**
     * Calls the shim's spawn as {@link SeccompProcessBuilder#start()} does for a command with three
     * pipes, and returns its result slots.
     *
     * @param program the filter's bytes, or null for OFF mode
     */
    public static int[] spawn(byte[] executable, byte[] argv, int argc, byte[] envp, int envc, byte[] program) {
        int[] result = NativeSpawn.spawn(executable, argv, argc, envp, envc, null, ALL_PIPES.clone(), new byte[3][],
                program, new long[0], NativeSpawn.KEEP, NativeSpawn.KEEP, NativeSpawn.KEEP, null);
        if (result[NativeSpawn.RESULT_STEP] != 0) {
            throw new IllegalStateException("spawn failed at step " + SpawnStep.of(result[NativeSpawn.RESULT_STEP])
                    + ": " + Errno.describe(result[NativeSpawn.RESULT_ERRNO]));
        }
        return result;
    }

    public static int pid(int[] spawnResult) {
        return spawnResult[NativeSpawn.RESULT_PID];
    }

    /** Wraps a spawn result into the SeccompProcess that start() returns in OFF mode. */
    public static Process newProcess(int[] spawnResult) {
        return new SeccompProcess(spawnResult, null);
    }

    /** Waits for the child on the calling thread and reaps it; returns the wait status. */
    public static int awaitAndReap(int[] spawnResult) {
        int pid = spawnResult[NativeSpawn.RESULT_PID];
        NativeSpawn.awaitExit(pid);
        return NativeSpawn.reap(pid);
    }

    /** Closes the parent's ends of the child's stdio pipes. */
    public static void closePipes(int[] spawnResult) {
        for (int slot = NativeSpawn.RESULT_STDIN_FD; slot <= NativeSpawn.RESULT_STDERR_FD; slot++) {
            NativeSpawn.close(spawnResult[slot]);
        }
    }
}
