#!/bin/bash
# The shell features a batch script relies on. Prints one line per check; WorkloadSuiteTest
# compares the whole output.
set -u

trap 'echo "exit trap"' EXIT
trap 'echo "usr1 trap"' USR1

echo "pipeline $(printf 'pear\napple\nfig\n' | sort | head -n 2 | paste -sd ' ' -)"

level=outer
(level=inner; echo "subshell $level")
echo "parent $level"

echo "substitution $(( $(echo 6) * $(echo 7) ))"
echo "nested $(echo "$(echo "$(echo deep)")")"

ulimit -S -n 128
echo "ulimit -n $(ulimit -S -n)"
(ulimit -S -c 0; echo "ulimit -c $(ulimit -S -c)")

sleep 0.2 &
sleeper=$!
(exit 3) &
failer=$!
wait "$sleeper"
echo "wait sleeper $?"
wait "$failer"
echo "wait failer $?"
for i in 1 2 3; do (sleep 0.$i; exit $i) & done
wait
echo "wait all $?"

kill -USR1 $$
# A trapped signal interrupts wait, which then returns 128 + the signal number (10).
(sleep 0.3; kill -USR1 $$) &
sleep 2 &
napper=$!
wait "$napper"
echo "wait interrupted $?"
kill "$napper"
wait

name=heredoc
cat <<EOF
$name expands $((1 + 1))
EOF
cat <<'EOF'
$name stays literal
EOF
read -r word <<<"herestring"
echo "$word"
echo "process substitution $(diff <(seq 3) <(seq 3) && echo same)"

timeout 0.3 sleep 5
echo "timeout $?"
timeout -s KILL 0.3 sleep 5
echo "timeout kill $?"
timeout 5 true
echo "timeout not reached $?"

coproc upper { tr a-z A-Z; }
echo "coprocess" >&"${upper[1]}"
exec {upper[1]}>&-
read -r shout <&"${upper[0]}"
echo "$shout"
wait
