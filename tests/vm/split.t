#!/bin/bash
# split.t — "replab experiment split-brain" on the VMs: both sides take
# writes during a partition, the divergence is reported row by row, and
# pg_rewind turns the old primary into a standby of the new one.
. "$(dirname "$0")/lib.sh"

vm_lab_up
ok 0 "lab up"

out=$work/split.json
test_expect_success 'split-brain: exits 0' 'replab experiment split-brain --json "$out" >"$work/split.out" 2>&1'
sed -n '/^divergence:/,$p' "$work/split.out" | sed 's/^/# /'
jq_check "$out" '.summary.old_primary.timeline == 1 and .summary.new_primary.timeline == 2'
jq_check "$out" '.summary.new_primary.history | test("^1 [0-9A-F]+/[0-9A-F]+ ")'
jq_check "$out" '(.summary.only_on_old_primary | length) == 30 and (.summary.only_on_new_primary | length) == 30'
jq_check "$out" '.summary.discarded_by_rewind == .summary.only_on_old_primary'
jq_check "$out" '.summary.rejoined_as_standby and .summary.same_rows_after'
test_expect_success 'both VMs still run' '
	replab status >"$work/status.out" 2>&1
	grep -E "^primary +[0-9]+" "$work/status.out" &&
	grep -E "^replica +[0-9]+" "$work/status.out"
'
done_testing
