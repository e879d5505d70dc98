#!/bin/bash
# experiments.sh — the experiments' figures on the VM lab: partition-reconnect
# with over 10,000 acknowledged writes, the same with the replica's link
# shaped (catch-up throughput against the link rate, in the same run),
# wal-retention, and failover-under-load.  Prints figures; asserts nothing.
# Needs root and make lab; removes any running lab.
#   usage: bench/experiments.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPLAB=$ROOT/build/bin/replab
OUT=$(mktemp -d)
trap '"$REPLAB" down >/dev/null 2>&1; rm -rf "$OUT"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
fresh_lab() { "$REPLAB" down >/dev/null 2>&1; "$REPLAB" up >"$OUT/up.log" 2>&1 || { echo "replab up failed"; exit 1; }; }
fresh_lab
echo "accelerator: $(jq -r .accel "$ROOT/build/lab/up.json")"

run() { # run NAME JSON-FILE ARGS...
	name=$1 json=$2
	shift 2
	"$REPLAB" experiment "$name" --json "$json" "$@" >"$OUT/$name.log" 2>&1 || echo "($name exited $?: see below)"
}

run partition-reconnect "$OUT/pr.json" --cut 20 --rate 400
jq -r '.summary | "partition-reconnect, 20 s cut at 400 writes/s: \(.acknowledged_writes) acknowledged, \(.lost_writes) lost;" +
	" largest lag \(.max_lag_bytes) B; heal -> reconnected \(.reconnect_after_heal_ms | floor) ms, -> lag 0 \(.caught_up_after_heal_ms | floor) ms;" +
	" sampling \(.mean_sample_ms * 100 | floor / 100) ms a query"' "$OUT/pr.json"

for rate in 2mbit 8mbit; do
	run partition-reconnect "$OUT/shaped.json" --cut 15 --rate 200 --link-rate "$rate"
	jq -r --arg r "$rate" '.summary | "partition-reconnect on a \($r) link: catch-up \(.catch_up_bytes_per_s / 1000 | floor) kB/s =" +
		" \((.catch_up_share_of_link // 0) * 100 | floor) % of the link; \(.lost_writes) lost"' "$OUT/shaped.json"
done

run wal-retention "$OUT/wal.json" --segments 6
jq -r '.phases[0] | "wal-retention with a slot: survived \(.survived), slot \(.slot_status), pg_wal \(.pg_wal_bytes_before / 1048576 | floor) -> \(.pg_wal_bytes_during / 1048576 | floor) MB during the cut"' "$OUT/wal.json"
jq -r '.phases[1] | "wal-retention without: segment removed \(.segment_removed), replica broke \(.replica_broke), rebuilt \(.rebuilt)"' "$OUT/wal.json"
grep -E 'rebuild started|rebuilt replica' "$OUT/wal-retention.log" | sed 's/^/  /'

run failover-under-load "$OUT/fo.json" --rate 200 --crash-at 5 --duration 20
jq -r '.summary | "failover-under-load at 200 writes/s: \(.acknowledged_writes) acknowledged, \(.lost_writes) lost on the new primary," +
	" \(.in_doubt) in doubt (\(.in_doubt_committed) committed); client downtime \(.client_downtime_ms | floor) ms;" +
	" detection \(.detection_ms | floor) ms, promotion \(.promote_ms | floor) ms"' "$OUT/fo.json"
