#!/bin/bash
# run.t — "make run" end to end on real VMs (TCG here): both VMs come up on
# the lab's network (restored from the saved lab, or booted), pgrepl demo and pgrepl failover run inside, the figures
# are checked; then bad input, a crash-style failover, teardown after kill -9,
# and the host's own network left exactly as it was.
. "$(dirname "$0")/lib.sh"

host_net() { ip -d link show; ip route show table all; tc qdisc show; }
# (functions, not "bash -c": a shell whose command line holds the pattern would match itself)
running() { pgrep -f "$1" >/dev/null; }
not_running() { ! running "$1"; }
nothing_left() { not_running "$STATE" && test ! -e "$STATE"; }
replab down >/dev/null
# make run restores the saved lab the other tests share, or boots from
# power-on (and saves it) when there is none: its milestones are checked.
host_net >"$work/net.before"

# ---- make run ----------------------------------------------------------------
start=$(date +%s)
make -C "$ROOT" -s --no-print-directory run >"$work/run.out" 2>&1
ok $? "make run exits 0 ($(($(date +%s) - start)) s)"
run=$STATE/run.json
test_expect_success 'it printed the milestones of its boot or its restore' '
	grep -e "replica: streaming WAL from its upstream" \
		-e "a row written on the primary read back on the replica" "$work/run.out"
'
test_expect_success 'it streamed pgrepl'\''s narrative' 'grep "SQLSTATE 25006" "$work/run.out"'
test_expect_success 'it ended with a summary' 'grep "first write on the new primary" "$work/run.out"'
jq_check "$run" '.up.streaming_s > 0 and .up.accel != null'
jq_check "$run" '.demo.ok == true and .demo.streaming_standbys == 1'
jq_check "$run" '.demo.replication.standbys[0].client_addr == "10.77.0.11"'
jq_check "$run" '.demo.users.inserted == 3 and .demo.users.visible_on_replica == 3'
jq_check "$run" '.demo.replica_write.refused == true and .demo.replica_write.sqlstate == "25006"'
jq_check "$run" '.demo.bulk.primary_count == 103 and .demo.bulk.replica_count == 103'
jq_check "$run" '.failover.ok == true and .primary_stopped_by == "poweroff"'
jq_check "$run" '.failover.reads_during_outage.ok == true and .failover.reads_during_outage.marker_present == true'
jq_check "$run" '.failover.promotion.ok == true'
jq_check "$run" '.failover.writes.insert and .failover.writes.update and .failover.writes.delete'
jq_check "$run" '.failover.new_primary_in_recovery == false and .failover.rto_ms > 0'
grep -A9 '== Summary' "$work/run.out" | sed 's/^/# /'

# ---- after the failover --------------------------------------------------------
test_expect_success 'replab status' 'replab status >"$work/status" 2>&1'
test_expect_success 'status: the primary VM is down' 'grep -E "^primary +- +down" "$work/status"'
test_expect_success 'status: the old replica is now a primary' '
	grep "replica  10.77.0.11:5432 is a primary" "$work/status"
'
replab exec replica -- pgrepl status --json >"$work/pgrepl-status.json" 2>/dev/null
jq_check "$work/pgrepl-status.json" '.replica.role == "primary"'

expect 1 'already running' "a second replab up is refused" -- replab up
expect 2 'unknown VM "standby"' "an unknown VM name" -- replab exec standby -- true
expect 1 'the primary VM is not running' "exec in a VM that is down" -- replab exec primary -- true
expect 1 'been through a failover' "run on a lab that has failed over" -- replab run
expect 2 'unknown verb' "an unknown verb" -- replab frobnicate
test_expect_success 'the lab is still intact after the refusals' 'replab status | grep -E "^replica +[0-9]+ +running"'

test_expect_success 'replab down' 'replab down >"$work/down" 2>&1'
test_expect_success 'no QEMU of the lab is left' 'not_running "qemu-system.*$STATE"'
test_expect_success 'no namespace holder is left' 'not_running "replab-netns:$STATE"'
test_expect_success 'no state is left' 'test ! -e "$STATE"'
test_expect_success 'a second replab down is fine' 'replab down >"$work/down2" 2>&1'
test_expect_success 'and says there was nothing to do' 'grep "nothing to do" "$work/down2"'

# ---- a crash: the primary's QEMU is killed -------------------------------------
test_expect_success 'replab run --crash (SIGKILL to the primary'\''s QEMU)' 'replab run --crash >"$work/crash.out" 2>&1'
jq_check "$run" '.primary_stopped_by == "sigkill" and .failover.ok == true and .failover.promotion.ok == true'
jq_check "$run" '.failover.detection.detection_ms <= (.failover.detection.probe_timeout_ms + .failover.detection.probe_interval_ms + 1000)'
grep -A9 '== Summary' "$work/crash.out" | sed 's/^/# /'

# ---- teardown after kill -9 of the harness and of a QEMU -----------------------
replab down >/dev/null
"$REPLAB" up >"$work/up.out" 2>&1 &
harness=$!
for _ in $(seq 300); do
	[ -s "$STATE/primary.proc" ] && [ -s "$STATE/replica.proc" ] && break
	sleep 0.1
done
kill -KILL "$harness"
wait "$harness" 2>/dev/null
kill -KILL "$(head -n 1 "$STATE/primary.proc" | cut -d' ' -f1)"
test_expect_success 'the replica'\''s QEMU outlives the killed harness' 'running "qemu-system.*$STATE"'
test_expect_success 'and so does the namespace holder' 'running "replab-netns:$STATE"'
test_expect_success 'replab down after kill -9' 'replab down >/dev/null 2>&1'
test_expect_success 'nothing of the lab is left' 'nothing_left'

test_expect_success 'the host'\''s links, routes and qdiscs are as before' '
	host_net >"$work/net.after" &&
	diff "$work/net.before" "$work/net.after"
'
done_testing
