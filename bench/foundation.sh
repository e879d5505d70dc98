#!/bin/bash
# foundation.sh — the foundation's speed figures: "make check" wall time,
# namespace lab set-up, and "pgrepl demo" against the namespace tier.
# Prints figures; asserts nothing (the tests do that).  Needs root.
#   usage: bench/foundation.sh [PGREPL] [DEMO-RUNS]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export PGREPL=${1:-$ROOT/build/bin/pgrepl}
runs=${2:-5}
case "$PGREPL" in /*) ;; *) PGREPL=$ROOT/$PGREPL ;; esac

ms_since() { echo $((($(date +%s%N) - $1) / 1000000)); }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"

start=$(date +%s%N)
make -C "$ROOT" -s check >/tmp/replab-bench-check.log 2>&1
rc=$?
echo "make check: $(ms_since "$start") ms wall (exit $rc; target <= 90000 ms)"

# From here on, a lab of our own (tests/ns/lib.sh cleans it up on exit).
. "$ROOT/tests/ns/lib.sh"
start=$(date +%s%N)
lab_up || bail "could not bring the namespace lab up"
echo "namespace lab up (initdb + init script + pg_basebackup + streaming): $(ms_since "$start") ms"

walls=()
for i in $(seq "$runs"); do
	start=$(date +%s%N)
	pgrepl "$NS_REPLICA" demo --json >"$WORK/demo.json" 2>/dev/null || bail "pgrepl demo failed"
	walls+=("$(ms_since "$start")")
	echo "pgrepl demo run $i: $(ms_since "$start") ms wall;" \
		"3 users visible after $(jq '.users.visible_after_ms' "$WORK/demo.json") ms;" \
		"100 inserts $(jq '.bulk.insert_ms' "$WORK/demo.json") ms;" \
		"caught up $(jq '.bulk.caught_up_after_ms' "$WORK/demo.json") ms after;" \
		"peak lag $(jq '.bulk.peak_lag_bytes' "$WORK/demo.json") bytes"
done
sorted=$(printf '%s\n' "${walls[@]}" | sort -n)
echo "pgrepl demo: median $(echo "$sorted" | sed -n "$(((runs + 1) / 2))p") ms, max $(echo "$sorted" | tail -1) ms over $runs runs (target <= 5000 ms)"

pgrepl "$NS_REPLICA" failover --json --probe-interval 100 >"$WORK/failover.json" 2>"$WORK/failover.err" &
client=$!
wait_until_failover_waits "$WORK/failover.err"
kill -KILL "$(postmaster_pid primary)"
wait "$client" || bail "pgrepl failover failed"
echo "pgrepl failover (probe every 100 ms, primary SIGKILLed):" \
	"detected $(jq '.detection.detection_ms' "$WORK/failover.json") ms after its last answer;" \
	"promoted in $(jq '.promotion.promote_ms' "$WORK/failover.json") ms;" \
	"first write $(jq '.rto_ms' "$WORK/failover.json") ms after detection"
