#!/bin/bash
# experiments.t — replab's experiments against the namespace lab, with
# short durations: partition-reconnect (over 10,000 acknowledged writes, and
# once on a shaped link), wal-retention (a slot keeps the replica alive;
# without one it breaks and is rebuilt) and failover-under-load (the
# primary's server killed under load, writes resuming on the promoted
# replica).  Assertions are on the measured counts.
. "$(dirname "$0")/lib.sh"
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
[ -x "$REPLAB" ] || bail "missing $REPLAB: run make"
replab() { REPLAB_STATE=$STATE "$REPLAB" "$@"; }

lab_up || bail "could not bring the namespace lab up"

# Bad input: a clear message, and nothing started.
replab experiment split-personality >/dev/null 2>"$WORK/err"
check "unknown experiment: exit 2, named" bash -c "[ $? -eq 2 ] && grep -q 'unknown experiment \"split-personality\"' '$WORK/err'"
replab experiment failover-under-load --crash-at 9 --duration 5 >/dev/null 2>"$WORK/err"
check "crash after the load's end: exit 2" bash -c "[ $? -eq 2 ] && grep -q 'must come before the end' '$WORK/err'"
REPLAB_STATE=$WORK/nolab "$REPLAB" experiment wal-retention >/dev/null 2>"$WORK/err"
check "no lab: exit 1, says to start one" bash -c "[ $? -eq 1 ] && grep -q 'replab up' '$WORK/err'"
pgrepl "$NS_REPLICA" watch --follow >/dev/null 2>"$WORK/err"
check "pgrepl --follow belongs to load" grep -q 'applies to "load" only' "$WORK/err"

out=$WORK/pr.json
replab experiment partition-reconnect --cut 8 --rate 500 --json "$out" >"$WORK/pr.out" 2>&1
ok $? "partition-reconnect: exits 0"
sed -n '/^summary:/,$p' "$WORK/pr.out" | sed 's/^/# /'
jq_check "$out" '.summary.acknowledged_writes >= 10000'
jq_check "$out" '.summary.on_server == .summary.acknowledged_writes and .summary.lost_writes == 0'
jq_check "$out" '.summary.max_lag_bytes > 0'
jq_check "$out" '.summary.reconnect_after_heal_ms >= 0 and .summary.caught_up_after_heal_ms >= .summary.reconnect_after_heal_ms'
replab report "$out" >/dev/null 2>&1
ok $? "replab report draws it"

out=$WORK/shaped.json
replab experiment partition-reconnect --cut 12 --rate 300 --link-rate 4mbit --json "$out" >"$WORK/shaped.out" 2>&1
ok $? "partition-reconnect on a 4mbit link: exits 0"
sed -n '/catch-up throughput/p' "$WORK/shaped.out" | sed 's/^/# /'
jq_check "$out" '.summary.catch_up_share_of_link > 0.3 and .summary.catch_up_share_of_link < 1.2'
check "the shaping is gone afterwards" bash -c "! REPLAB_STATE='$STATE' '$REPLAB' status 2>&1 | grep -qi 'rate'"

out=$WORK/wal.json
replab experiment wal-retention --segments 4 --json "$out" >"$WORK/wal.out" 2>&1
ok $? "wal-retention: exits 0"
sed -n '/^summary:/,/^$/p' "$WORK/wal.out" | sed 's/^/# /'
jq_check "$out" '.phases[0].phase == "slot" and .phases[0].survived'
jq_check "$out" '.phases[0].pg_wal_bytes_during > .phases[0].pg_wal_bytes_before'
jq_check "$out" '.phases[1].segment_removed and .phases[1].replica_broke and .phases[1].rebuilt'
jq_check "$out" '.phases[1].replica_lsn | test("^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")'
jq_check "$out" '.phases[1].log_line | test("requested WAL segment .* has already been removed")'
check "the rebuilt replica streams" wait_streaming 30
check "no slot is left behind" test "$(lab_psql "$NS_PRIMARY" "$PRIMARY_IP" 'SELECT count(*) FROM pg_replication_slots')" = 0

out=$WORK/fo.json
replab experiment failover-under-load --rate 200 --crash-at 3 --duration 8 --json "$out" >"$WORK/fo.out" 2>&1
ok $? "failover-under-load: exits 0"
sed -n '/^summary:/,/^$/p' "$WORK/fo.out" | sed 's/^/# /'
jq_check "$out" '.summary.acknowledged_writes > 1000'
jq_check "$out" '.summary.on_server + .summary.lost_writes == .summary.acknowledged_writes'
jq_check "$out" '.load.acknowledged_ranges[-1][1] > 600'
jq_check "$out" '.summary.client_downtime_ms > 0 and .summary.client_downtime_ms < 8000'
REPLAB_STATE=$STATE "$REPLAB" report "$out" >/dev/null 2>&1
ok $? "replab report draws the client's writes per second"
check "as a PNG" bash -c "head -c 8 '${out%.json}.png' | grep -q PNG"
REPLAB_STATE=$STATE "$REPLAB" report "$WORK/wal.json" >"$WORK/report.err" 2>&1
check "report refuses a timeline without samples, saying why" grep -q "has no samples to draw" "$WORK/report.err"
check "the old replica is now a primary" test "$(lab_psql "$NS_REPLICA" "$REPLICA_IP" 'SELECT pg_is_in_recovery()')" = f
done_testing
