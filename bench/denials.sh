#!/bin/sh
# Measures the cost of denial reports: a denied syscall with and without a report, the supervisor
# under 100,000 denied calls from one job and from 16 jobs at once, and the spawn path. Builds the
# jar into a directory of its own, so it never touches target/. Usage: bench/denials.sh
set -eu

home=$(cd "$(dirname "$0")/.." && pwd)
build=${SECCOMP4J_BENCH_BUILD:-${TMPDIR:-/tmp}/seccomp4j-bench-denials}

mvn -q -f "$home/pom.xml" -DskipTests package -Dseccomp4j.build.directory="$build"
gcc -O2 -Wall -o "$build/denials-probe" "$home/src/test/resources/probes/denials.c"

java=${JAVA_HOME:+$JAVA_HOME/bin/}java
uname -r
nproc
"$java" -version 2>&1 | head -n 1
exec "$java" --enable-native-access=ALL-UNNAMED -cp "$build/seccomp4j-0.1.0-SNAPSHOT.jar:$build/lib/*" \
    "$home/bench/denials/DenialBench.java" "$build/denials-probe"
