#!/bin/bash
# experiments.t — replab's experiments against the namespace lab, with
# short durations: partition-reconnect (over 10,000 acknowledged writes, and
# once on a shaped link), wal-retention (a slot keeps the replica alive;
# without one it breaks and is rebuilt) and failover-under-load (the
# primary's server killed under load, writes resuming on the promoted
# replica; more than one trial refused without a saved lab; then, the lab
# made again, under pgbench: transactions lost or in doubt, balances on the
# new primary).  Assertions are on the measured counts.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"

# Bad input: a clear message, and nothing started.
test_expect_success 'unknown experiment: exit 2, named' '
	test_expect_code 2 replab experiment split-personality 2>"$WORK/err" &&
	grep "unknown experiment \"split-personality\"" "$WORK/err"
'
test_expect_success 'crash after the load'\''s end: exit 2' '
	test_expect_code 2 replab experiment failover-under-load --crash-at 9 --duration 5 2>"$WORK/err" &&
	grep "must come before the end" "$WORK/err"
'
test_expect_success '--trials for an experiment without trials: exit 2' '
	test_expect_code 2 replab experiment wal-retention --trials 3 2>"$WORK/err" &&
	grep "applies to rpo and failover-under-load only" "$WORK/err"
'
test_expect_success 'no lab: exit 1, says to start one' '
	REPLAB_STATE=$WORK/nolab test_expect_code 1 "$REPLAB" experiment wal-retention 2>"$WORK/err" &&
	grep "replab up" "$WORK/err"
'
test_expect_success '--workload pgbench elsewhere: exit 2, named' '
	test_expect_code 2 replab experiment wal-retention --workload pgbench 2>"$WORK/err" &&
	grep "applies to partition-reconnect and failover-under-load only" "$WORK/err"
'
test_expect_success 'failover-under-load --workload pgbench --trials 2: exit 2, says why' '
	test_expect_code 2 replab experiment failover-under-load --workload pgbench --trials 2 2>"$WORK/err" &&
	grep "runs one trial" "$WORK/err"
'
test_expect_success 'pgrepl --follow belongs to load' '
	! pgrepl "$NS_REPLICA" watch --follow 2>"$WORK/err" &&
	grep "applies to \"load\" only" "$WORK/err"
'

out=$WORK/pr.json
test_expect_success 'partition-reconnect: exits 0' '
	replab experiment partition-reconnect --cut 8 --rate 500 --json "$out" >"$WORK/pr.out" 2>&1
'
sed -n '/^summary:/,$p' "$WORK/pr.out" | sed 's/^/# /'
jq_check "$out" '.summary.acknowledged_writes >= 10000'
jq_check "$out" '.summary.on_server == .summary.acknowledged_writes and .summary.lost_writes == 0'
jq_check "$out" '.summary.max_lag_bytes > 0'
jq_check "$out" '.summary.longest_lag_gap_ms <= 1000 and .summary.replica_samples > 50'
# where netem would run: the host's taps when its kernel has sch_netem, else the guests
if [ -e /sys/module/sch_netem ] || modprobe -n -q sch_netem 2>/dev/null; then mech=host; else mech=guest; fi
jq_check "$out" ".netem_mechanism == \"$mech\""

jq_check "$out" '.summary.reconnect_after_heal_ms >= 0 and .summary.caught_up_after_heal_ms >= .summary.reconnect_after_heal_ms'
# The load's history: a record per write attempted, every acknowledged one with its commit's LSN.
test_expect_success 'partition-reconnect keeps the history of every write' '
	is "$(jq -s length "$WORK/pr.history.jsonl")" "$(jq .load.attempted "$out")" &&
	is "$(jq -s "[.[] | select(.outcome == \"ok\" and (.lsn | type) == \"string\")] | length" \
		"$WORK/pr.history.jsonl")" "$(jq .load.acknowledged "$out")" &&
	jq -e ".history.file == \"$WORK/pr.history.jsonl\" and (.load.history == null)" "$out" >/dev/null
'
test_expect_success 'replab report draws it, and its page' '
	replab report "$out" >"$WORK/report.out" &&
	grep -qx "${out%.json}.png" "$WORK/report.out" &&
	grep -qx "${out%.json}.html" "$WORK/report.out"
'
test_expect_success 'the page embeds the lag picture and the summary' '
	is "$(grep -c "^<img alt=\"the experiment\" src=\"data:image/png;base64," "${out%.json}.html")" 1 &&
	grep -q "<th>acknowledged_writes</th>" "${out%.json}.html"
'

out=$WORK/shaped.json
test_expect_success 'partition-reconnect on a 4mbit link: exits 0' '
	replab experiment partition-reconnect --cut 12 --rate 300 --link-rate 4mbit --json "$out" \
		>"$WORK/shaped.out" 2>&1
'
sed -n '/catch-up throughput/p' "$WORK/shaped.out" | sed 's/^/# /'
jq_check "$out" '.summary.catch_up_share_of_link > 0.3 and .summary.catch_up_share_of_link < 1.2'
test_expect_success 'the shaping is gone afterwards' '
	replab status >"$WORK/status" 2>&1
	! grep -i rate "$WORK/status"
'

out=$WORK/wal.json
test_expect_success 'wal-retention: exits 0' '
	replab experiment wal-retention --segments 4 --json "$out" >"$WORK/wal.out" 2>&1
'
sed -n '/^summary:/,/^$/p' "$WORK/wal.out" | sed 's/^/# /'
jq_check "$out" '.phases[0].phase == "slot" and .phases[0].survived'
jq_check "$out" '.phases[0].pg_wal_bytes_during > .phases[0].pg_wal_bytes_before'
jq_check "$out" '.phases[1].segment_removed and .phases[1].replica_broke and .phases[1].rebuilt'
jq_check "$out" '.phases[1].replica_lsn | test("^[0-9A-F]{1,8}/[0-9A-F]{1,8}$")'
jq_check "$out" '.phases[1].log_line | test("requested WAL segment .* has already been removed")'
# The history: the 4 rows of each phase, each with its commit LSN, none lost on the replica.
hist=$WORK/wal.history.jsonl
jq_check "$out" '.history.file == "'"$hist"'" and (.history.clock | test("host"))'
test_expect_success 'wal-retention: the history holds each phase'"'"'s writes on the primary' '
	is "$(jq -sc "group_by(.writer) | map([.[0].writer, .[0].server, length, ([.[].seq] == [1, 2, 3, 4])])" "$hist")" \
		"[[\"no-slot\",\"primary\",4,true],[\"slot\",\"primary\",4,true]]" &&
	jq -es "all(.[]; .op == \"write\" and .outcome == \"ok\" and (.lsn | test(\"^[0-9A-F]+/[0-9A-F]+$\")))" "$hist" >/dev/null
'
jq_check "$out" 'all(.phases[]; .checks.writes == {"ok": 4, "fail": 0, "unknown": 0} and .checks.lost_writes.count == 0)'
test_expect_success 'wal-retention: replab check reads the history' '
	replab check "$hist" | grep "^8 operations: writes 8 ok, 0 failed, 0 unknown"
'
test_expect_success 'the rebuilt replica streams' 'wait_streaming 30'
test_expect_success 'no slot is left behind' '
	is "$(lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "SELECT count(*) FROM pg_replication_slots")" 0
'

# Trials start from the saved lab: the namespace lab has none, so more than one is refused.
test_expect_success 'failover-under-load --trials 2 without a saved lab: exit 1, says why' '
	test_expect_code 1 replab experiment failover-under-load --trials 2 --crash-at 3 --duration 8 2>"$WORK/err" &&
	grep "needs a saved lab to start each trial from" "$WORK/err"
'
test_expect_success 'and the primary was left alone' '
	is "$(lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "SELECT pg_is_in_recovery()")" f
'

out=$WORK/fo.json
test_expect_success 'failover-under-load: exits 0' '
	replab experiment failover-under-load --rate 200 --crash-at 3 --duration 8 --json "$out" >"$WORK/fo.out" 2>&1
'
sed -n '/^summary:/,/^$/p' "$WORK/fo.out" | sed 's/^/# /'
jq_check "$out" '.summary.acknowledged_writes > 1000'
jq_check "$out" '.summary.on_server + .summary.lost_writes == .summary.acknowledged_writes'
jq_check "$out" '.load.acknowledged_ranges[-1][1] > 600'
jq_check "$out" '.summary.client_downtime_ms > 0 and .summary.client_downtime_ms < 8000'
test_expect_success 'failover-under-load: the history says which server took each write' '
	is "$(jq -sc "[.[] | select(.outcome == \"ok\") | .server] | unique" "$WORK/fo.history.jsonl")" \
		"[\"primary\",\"replica\"]"
'
# The history checked against the new primary: the same losses as by id, each past the switch point.
sed -n '/the history, checked/,/no answer/p' "$WORK/fo.out" | sed 's/^/# /'
jq_check "$out" '.summary.checks.lost_writes.count == .summary.lost_writes and (.summary.checks.switch_point | test("^[0-9A-F]+/[0-9A-F]+$"))'
jq_check "$out" '.summary.checks.lost_writes | (.by_stage.replayed // 0) == 0 and (.count == 0 or .by_stage.not_received <= .count)'
jq_check "$out" '.summary.checks.unknown_writes | .committed + .not_committed == .count'
# One trial is summary.modes[0] too: 0 or 1 of 1, the figures the same as above.
jq_check "$out" '.summary.modes[0] | .mode == "manual" and .trials == 1 and .trials_with_loss <= 1 and .loss_ci95[0] <= .loss_ci95[1]'
jq_check "$out" '.summary.modes[0].downtime_ms.values == [.summary.client_downtime_ms] and .summary.modes[0].detection_ms.p50 == .summary.detection_ms'
test_expect_success 'replab report draws the client'\''s writes per second' 'replab report "$out"'
test_expect_success 'as a PNG' 'head -c 8 "${out%.json}.png" | grep PNG'
# Beside the history's picture, the writes the experiment resolved against the new primary.
test_expect_success 'the page lists the lost and unknown writes the checks counted' '
	page=${out%.json}.html &&
	test -s "${out%.json}-history.png" &&
	for kind in lost_writes.count:"lost acknowledged writes" \
		unknown_writes.committed:"unknown writes that committed" \
		unknown_writes.not_committed:"unknown writes that did not commit"; do
		page_lists "$page" "${kind#*:}" "$(jq ".summary.checks.${kind%%:*}" "$out")" \
			"load at [0-9.]* s: write load [0-9]" || return 1
	done
'
test_expect_success 'report draws wal-retention'"'"'s history, it has no lag timeline' '
	replab report "$WORK/wal.json" >"$WORK/report.out" &&
	head -c 8 "$WORK/wal-history.png" | grep -a PNG && test ! -e "$WORK/wal.png"
'
test_expect_success 'report refuses a result without samples or history, saying why' '
	jq "del(.history)" "$WORK/wal.json" >"$WORK/bare.json" &&
	! replab report "$WORK/bare.json" 2>"$WORK/report.err" &&
	grep "has no samples to draw" "$WORK/report.err"
'
test_expect_success 'the experiment offered wal-retention'\''s result to the report, for its history' '
	grep -q "^  timeline: $WORK/wal.json (replab report $WORK/wal.json draws it)" "$WORK/wal.out"
'
test_expect_success 'the old replica is now a primary' '
	is "$(lab_psql "$NS_REPLICA" "$REPLICA_IP" "SELECT pg_is_in_recovery()")" f
'

# The lab as it was, for pgbench: the old primary started (its crash recovered), the replica copied from it afresh.
test_expect_success 'the lab again: the old primary started, the replica rebuilt from it' '
	node primary start && node replica rebuild >"$WORK/rebuild.out" 2>&1 && wait_streaming 30
'
out=$WORK/fopg.json
test_expect_success 'failover-under-load --workload pgbench: exits 0' '
	replab experiment failover-under-load --workload pgbench --crash-at 3 --duration 8 --json "$out" \
		>"$WORK/fopg.out" 2>&1
'
sed -n '/^summary/,/^$/p' "$WORK/fopg.out" | sed 's/^/# /'
jq_check "$out" '.workload == "pgbench" and .summary.pgbench.committed_before_crash > 100 and .summary.pgbench.committed_after > 100'
# Every client of the first run aborted with the crash; the second ran to its end.
jq_check "$out" '.pgbench.before.aborted == 4 and .pgbench.before.exit_status == 2 and .pgbench.after.exit_status == 0'
jq_check "$out" '.pgbench.before.committed == .pgbench.before.transactions and .pgbench.after.committed == .pgbench.after.transactions'
# What pgbench saw committed against its history rows on the new primary: at
# most one transaction in doubt per client (one in flight each), and the loss
# of an asynchronous standby a few transactions (a rows count gone wrong is not).
jq_check "$out" '.summary.pgbench | .in_doubt_committed <= 4 and .lost <= 50 and .found_on_new_primary > 100'
jq_check "$out" '.summary.pgbench | .balanced == true and .history_rows == .found_on_new_primary + .committed_after'
jq_check "$out" '.summary.pgbench.downtime_ms > 0 and .summary.pgbench.downtime_ms < 5000'
jq_check "$out" '([.events[] | select(.event == "primary crashed") | .t_ms][0]) as $crash | .pgbench.before.last_commit_t_ms <= $crash + 50 and .pgbench.after.first_commit_t_ms > $crash'
# The commits per 100 ms, from each run's first commit, are the commits its log holds.
jq_check "$out" '.pgbench | (.before.commits_per_100ms | add) == .before.committed and (.after.commits_per_100ms | add) == .after.committed'
test_expect_success 'replab report draws its commits over time, and the page' '
	grep -q "replab report $out draws it" "$WORK/fopg.out" &&
	replab report "$out" >"$WORK/fopg.report" &&
	is "$(cat "$WORK/fopg.report")" "${out%.json}.png
${out%.json}.html" &&
	grep -q "<img .*alt=\"the experiment\"" "${out%.json}.html"
'
test_expect_success 'and the old replica is a primary again' '
	is "$(lab_psql "$NS_REPLICA" "$REPLICA_IP" "SELECT pg_is_in_recovery()")" f
'
done_testing
