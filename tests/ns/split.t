#!/bin/bash
# split.t — "replab experiment split-brain" against the namespace lab: two
# primaries take writes, the divergence is reported row by row, and
# pg_rewind turns the old primary into a standby that has exactly the new
# primary's rows.  Every write is a record of the history, and the checker
# finds as lost exactly the old primary's acknowledged writes that the new
# timeline lacks (101-130), each past the fork.
. "$(dirname "$0")/lib.sh"

STREAMING_PRIMARY="SELECT state FROM pg_stat_replication WHERE application_name = 'primary'"

lab_up || bail "could not bring the namespace lab up"

out=$WORK/split.json
hist=$WORK/split.history.jsonl
test_expect_success 'split-brain: exits 0' '
	replab experiment split-brain --json "$out" >"$WORK/split.out" 2>&1
'
sed -n '/^divergence:/,$p' "$WORK/split.out" | sed 's/^/# /'
jq_check "$out" '.summary.old_primary.timeline == 1 and .summary.new_primary.timeline == 2'
jq_check "$out" '.summary.new_primary.history | test("^1 [0-9A-F]+/[0-9A-F]+ ")'
jq_check "$out" '.summary.only_on_old_primary | length == 30'
jq_check "$out" '.summary.only_on_new_primary | length == 30'
jq_check "$out" '[.summary.only_on_old_primary[] | select(endswith(":old primary"))] | length == 30'
jq_check "$out" '.summary.discarded_by_rewind == .summary.only_on_old_primary'
jq_check "$out" '.summary.rejoined_as_standby and .summary.same_rows_after'
# The history: 130 writes by the old primary (1-100 before the split), 30 by the new one.
jq_check "$out" '.history.file == "'"$hist"'" and (.history.clock | test("host"))'
test_expect_success 'the history: one record per row written, each with its server and commit LSN' '
	is "$(wc -l <"$hist")" 160 &&
	is "$(jq -sc "group_by(.writer) | map([.[0].writer, .[0].server, length, ([.[].seq] == [range(1; length + 1)])])" "$hist")" \
		"[[\"new-primary\",\"replica\",30,true],[\"old-primary\",\"primary\",130,true]]" &&
	jq -es "all(.[]; .op == \"write\" and .outcome == \"ok\" and .session == .writer
		and (.lsn | test(\"^[0-9A-F]+/[0-9A-F]+$\")) and .answered_ms >= .sent_ms and .sent_ms > 0)" "$hist" >/dev/null
'
jq_check "$out" '.summary.checks.writes == {"ok": 160, "fail": 0, "unknown": 0}'
# Lost: exactly the old primary's acknowledged writes missing on the new timeline.
jq_check "$out" '.summary.checks.lost_writes.count == 30 and .summary.checks.lost_writes.rows == 30'
jq_check "$out" '[.summary.checks.lost_writes.first[] | "\(.seq):old primary"] == .summary.only_on_old_primary
	and all(.summary.checks.lost_writes.first[]; .writer == "old-primary")'
jq_check "$out" '.summary.checks.lost_writes.by_stage.not_received == 30
	and (.summary.checks.switch_point as $at | .summary.new_primary.history | contains(" " + $at + " "))'
jq_check "$out" '.summary.checks.lost_writes.wal_bytes > 0 and .summary.checks.lost_writes.ms > 0'
test_expect_success 'the summary names the lost writes' 'grep -E "^    lost: old-primary 101-130$" "$WORK/split.out"'
test_expect_success 'replab check reads the history' '
	replab check "$hist" >"$WORK/check.out" &&
	grep "^160 operations: writes 160 ok, 0 failed, 0 unknown" "$WORK/check.out"
'
test_expect_success 'replab report draws it' 'replab report "$out"'
test_expect_success 'as a PNG' 'head -c 8 "${out%.json}.png" | grep PNG'
test_expect_success 'and its history' 'head -c 8 "${out%.json}-history.png" | grep -a PNG'
test_expect_success 'the fencing lesson is printed' 'grep "Why fencing matters" "$WORK/split.out"'
test_expect_success 'the old primary streams from the new one' '
	is "$(lab_psql "$NS_REPLICA" "$REPLICA_IP" "$STREAMING_PRIMARY")" streaming
'
done_testing
