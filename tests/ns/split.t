#!/bin/bash
# split.t — "replab experiment split-brain" against the namespace lab: two
# primaries take writes, the divergence is reported row by row, and
# pg_rewind turns the old primary into a standby that has exactly the new
# primary's rows.
. "$(dirname "$0")/lib.sh"

STREAMING_PRIMARY="SELECT state FROM pg_stat_replication WHERE application_name = 'primary'"

lab_up || bail "could not bring the namespace lab up"

out=$WORK/split.json
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
test_expect_success 'replab report draws it' 'replab report "$out"'
test_expect_success 'as a PNG' 'head -c 8 "${out%.json}.png" | grep PNG'
test_expect_success 'the fencing lesson is printed' 'grep "Why fencing matters" "$WORK/split.out"'
test_expect_success 'the old primary streams from the new one' '
	is "$(lab_psql "$NS_REPLICA" "$REPLICA_IP" "$STREAMING_PRIMARY")" streaming
'
done_testing
