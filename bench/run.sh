#!/usr/bin/env bash
# Runs the seccomp4j benchmark suite and prints every figure, ratio and target of BENCHMARKS.md.
#
# Usage: bench/run.sh [--quick] [--wait-quiet]
#   --quick       a few rounds of everything, to check that the suite runs (figures are noisy)
#   --wait-quiet  first wait up to 15 minutes for the 1-minute load average to fall below 0.7
#
# It installs gcc and libseccomp-dev with apt-get when they are missing (as root), builds the
# library into $BENCH_OUT/main and the harness into $BENCH_OUT/bench, and writes the whole output
# to $BENCH_OUT/results.txt. BENCH_OUT defaults to bench/target; JAVA defaults to java on PATH.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
out="${BENCH_OUT:-$root/bench/target}"
java="${JAVA:-java}"
command_line="bench/run.sh $*"
quick=false
wait_quiet=false
for argument in "$@"; do
    case "$argument" in
        --quick) quick=true ;;
        --wait-quiet) wait_quiet=true ;;
        *) echo "usage: bench/run.sh [--quick] [--wait-quiet]" >&2; exit 2 ;;
    esac
done

if $quick; then
    latency_rounds=60; latency_warmup=10; latency_segments=1
    install_rounds=100
    throughput_seconds=0.5; throughput_repetitions=1
    loop_rounds=2; loop_batches=20
    jmh_mode=--quick
else
    latency_rounds=750; latency_warmup=100; latency_segments=2
    install_rounds=2000
    throughput_seconds=2; throughput_repetitions=3
    loop_rounds=100; loop_batches=60
    jmh_mode=--full
fi

# ---- Tools ----

missing=()
command -v gcc >/dev/null || missing+=(gcc libc6-dev)
[ -e /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bench/run.sh needs ${missing[*]}; install them or run as root" >&2
        exit 1
    fi
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# ---- Build ----

mkdir -p "$out/bin" "$out/programs"
rm -rf "$out/latency"
echo "building the library and the harness in $out"
(cd "$root" && mvn -q -B -DskipTests package -Dseccomp4j.build.directory="$out/main")
jar="$out/main/seccomp4j-0.1.0-SNAPSHOT.jar"
mvn -q -B -f "$root/bench/pom.xml" package -Dseccomp4j.jar="$jar" -Dbench.build.directory="$out/bench"
for program in libseccomp_export install_cost syscall_loop spawn_floor; do
    libraries=()
    [ "$program" = libseccomp_export ] && libraries=(-lseccomp)
    gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$out/bin/$program" "$root/bench/c/$program.c" "${libraries[@]}"
done
classpath="$out/bench/classes:$jar:$out/main/lib/*:$out/bench/lib/*"

run_java() {
    "$java" --enable-native-access=ALL-UNNAMED "$@"
}

# The programs the C benchmarks install: ours, libseccomp's build of the same policy, and two
# baselines (a filter that allows everything, and a linear chain).
run_java -cp "$classpath" org.seccomp4j.bench.PolicyExport "$out/programs"
"$out/bin/libseccomp_export" "$out/programs/job-default.rules" "$out/programs/libseccomp.bpf"
programs=(allow-all="$out/programs/allow-all.bpf" job-default="$out/programs/job-default.bpf"
          libseccomp="$out/programs/libseccomp.bpf" linear-chain="$out/programs/linear-chain.bpf")

if $wait_quiet; then
    for _ in $(seq 90); do
        awk '{ exit !($1 < 0.7) }' /proc/loadavg && break
        echo "waiting for a quiet machine: load average $(cut -d' ' -f1-3 /proc/loadavg)"
        sleep 10
    done
fi

suite() {
    echo "== Machine"
    echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')"
    if grep -q hypervisor /proc/cpuinfo; then
        echo "virtualized: $(lscpu | sed -n 's/^Hypervisor vendor: *//p')"
    fi
    echo "memory: $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
    echo "kernel: $(uname -r), bpf_jit_enable $(cat /proc/sys/net/core/bpf_jit_enable 2>/dev/null || echo unknown)"
    echo "java: $("$java" -version 2>&1 | sed -n 2p)"
    echo "gcc $(gcc -dumpfullversion), libseccomp $(dpkg-query -W -f='${Version}' libseccomp-dev 2>/dev/null || echo unknown)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "command: $command_line"
    echo

    echo "== 1. Spawn latency"
    for _ in $(seq "$latency_segments"); do
        run_java -cp "$classpath" org.seccomp4j.bench.SpawnLatency run "$out/latency" default-heap \
            "$latency_rounds" "$latency_warmup" "$out/bin/spawn_floor" "$out/programs/job-default.bpf"
        run_java -Xms8g -Xmx8g -XX:+AlwaysPreTouch -cp "$classpath" org.seccomp4j.bench.SpawnLatency run \
            "$out/latency" 8g-heap "$latency_rounds" "$latency_warmup" "$out/bin/spawn_floor" \
            "$out/programs/job-default.bpf"
    done
    run_java -cp "$classpath" org.seccomp4j.bench.SpawnLatency report "$out/latency"
    echo

    echo "== 2. Filter install cost"
    "$out/bin/install_cost" "$install_rounds" "${programs[@]}"
    echo

    echo "== 3. Spawn throughput"
    run_java -cp "$classpath" org.seccomp4j.bench.SpawnThroughput "$throughput_seconds" "$throughput_repetitions" 1 4 16
    echo

    echo "== 4. In-job syscall cost"
    "$out/bin/syscall_loop" "$loop_rounds" "$loop_batches" 1000 none=none "${programs[@]}"
    echo

    echo "== 5. Instructions executed per syscall"
    run_java -cp "$classpath" org.seccomp4j.bench.InstructionCounts "$out/programs/libseccomp.bpf"
    echo

    echo "== 6. Policy compile time"
    run_java -cp "$classpath" org.seccomp4j.bench.CompileBenchmark "$jmh_mode" | sed -n '/^Policy compile/,$p'
    echo
}

suite 2>&1 | tee "$out/results.txt"
{
    echo "== Targets"
    grep '^TARGET' "$out/results.txt" | sed 's/^TARGET //'
    echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee -a "$out/results.txt"
