#!/bin/bash
# experiment.t — the experiments end to end on the VMs, shortened
# (partition-reconnect is catchup.t's): wal-retention (a slot keeps
# the replica; without one it breaks and is rebuilt) and, last because it
# leaves the lab failed over when there is no saved lab, failover-under-load
# (the primary's QEMU killed under load; writes resume on the promoted
# replica; with a saved lab the lab is reset to it after, and two trials
# each from it give the distributions and the losses' interval).
. "$(dirname "$0")/lib.sh"

vm_lab_up
ok 0 "lab up"

out=$work/wal.json
test_expect_success 'wal-retention: exits 0' '
	replab experiment wal-retention --segments 4 --json "$out" >"$work/wal.out" 2>&1
'
sed -n '/^summary:/,/^$/p' "$work/wal.out" | sed 's/^/# /'
jq_check "$out" '.phases[0].survived and .phases[0].pg_wal_bytes_during > .phases[0].pg_wal_bytes_before'
jq_check "$out" '.phases[1].segment_removed and .phases[1].replica_broke and .phases[1].rebuilt'
jq_check "$out" '.phases[1].log_line | test("has already been removed")'

out=$work/fo.json
test_expect_success 'failover-under-load: exits 0' '
	replab experiment failover-under-load --rate 100 --crash-at 5 --duration 20 --json "$out" >"$work/fo.out" 2>&1
'
sed -n '/^summary:/,/^$/p' "$work/fo.out" | sed 's/^/# /'
jq_check "$out" '.summary.on_server + .summary.lost_writes == .summary.acknowledged_writes'
jq_check "$out" '.load.acknowledged_ranges[-1][1] > 1000'
jq_check "$out" '.summary.client_downtime_ms > 0 and .summary.client_downtime_ms < 15000'
# With a saved lab it starts from it and leaves the lab as saved (replab reset);
# without one the lab is left failed over.
if grep -q "^leaving the lab as saved" "$work/fo.out"; then
	replab exec replica -- pgrepl status --json >"$work/fo-status.json" 2>/dev/null
	jq_check "$work/fo-status.json" '.replica.in_recovery == true and .replica.receiver_status == "streaming"'

	# Two trials, each from the saved lab: per trial, and as distributions.
	out=$work/fot.json
	test_expect_success 'failover-under-load --trials 2: exits 0' '
		replab experiment failover-under-load --trials 2 --rate 100 --crash-at 3 --duration 8 --json "$out" >"$work/fot.out" 2>&1
	'
	sed -n '/^summary over/,$p' "$work/fot.out" | sed 's/^/# /'
	jq_check "$out" '.summary.modes[0] | .mode == "manual" and .trials == 2 and (.runs | length) == 2'
	jq_check "$out" '.summary.modes[0] | .trials_with_loss <= .trials and .loss_ci95[0] <= .loss_ci95[1] and .loss_ci95[1] <= 1'
	jq_check "$out" '.summary.modes[0] | all(.detection_ms, .promotion_ms, .downtime_ms; (.values | length) == 2 and .p50 <= .p90 and .p90 <= .max and .max == (.values | max))'
	jq_check "$out" 'all(.summary.modes[0].runs[]; .on_server + .lost_writes == .acknowledged_writes and .client_downtime_ms > 0 and .detection_ms > 0)'
	jq_check "$out" '.summary.acknowledged_writes == ([.summary.modes[0].runs[].acknowledged_writes] | add)'
	test_expect_success 'replab report draws the trials' 'replab report "$out" >/dev/null && head -c 8 "${out%.json}.png" | grep PNG'
	replab exec replica -- pgrepl status --json >"$work/fot-status.json" 2>/dev/null
	jq_check "$work/fot-status.json" '.replica.in_recovery == true and .replica.receiver_status == "streaming"'
else
	test_expect_success 'the primary VM is down' 'replab status 2>&1 | grep -E "^primary +- +down"'
fi
done_testing
