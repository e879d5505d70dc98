#!/bin/bash
# catchup.t — partition-reconnect seen from both ends, short: a 10 s cut
# with the lab's numbered rows (every acknowledged write on the replica
# after the heal, "replab report" draws it), the lag known through the whole cut (no gap
# longer than a second in the series, the replica sampled over its own
# management link) and the catch-up time broken down; then the same cut
# under pgbench, ending with equal tables on primary and replica.
. "$(dirname "$0")/lib.sh"

vm_lab_up
ok 0 "lab up"

out=$work/pr.json
test_expect_success 'partition-reconnect, 10 s cut: exits 0' '
	replab experiment partition-reconnect --cut 10 --rate 200 --json "$out" >"$work/pr.out" 2>&1
'
sed -n '/^summary:/,$p' "$work/pr.out" | sed 's/^/# /'
jq_check "$out" '.summary.acknowledged_writes >= 1000 and .summary.lost_writes == 0'
jq_check "$out" '.summary.on_server == .summary.acknowledged_writes and .summary.max_lag_bytes > 0'
jq_check "$out" '.summary.reconnect_after_heal_ms >= 0 and .summary.caught_up_after_heal_ms >= .summary.reconnect_after_heal_ms'
jq_check "$out" '.summary.longest_lag_gap_ms <= 1000'
# samples with a lag inside the cut
jq_check "$out" '(.events[] | select(.event == "cut") | .t_ms) as $c |
	(.events[] | select(.event == "heal") | .t_ms) as $h |
	[.samples[] | select(.t_ms > $c and .t_ms < $h and (.lag_bytes | type) == "number")] | length > 50'
jq_check "$out" '.summary.catch_up.link_ms >= 0 and (.summary.catch_up | has("replica_cpu_busy"))'
jq_check "$out" '(.summary.catch_up.throughput_not_measured | type) == "string" or .summary.catch_up.replayed_bytes_per_s > 0'
test_expect_success 'replab report draws it, as a PNG' '
	replab report "$out" >"$work/report.out" 2>&1 && head -c 8 "${out%.json}.png" | grep -q PNG
'

out=$work/pgbench.json
test_expect_success 'partition-reconnect --workload pgbench: exits 0' '
	replab experiment partition-reconnect --cut 10 --workload pgbench --json "$out" >"$work/pb.out" 2>&1
'
sed -n '/^summary:/,$p' "$work/pb.out" | sed 's/^/# /'
jq_check "$out" '.workload == "pgbench" and .summary.contents_equal == true'
jq_check "$out" '.summary.pgbench_transactions > 0 and .summary.contents.replica.balanced'
# pgbench -c 4 takes the primary's one vCPU: its sampler answers every ~400 ms, not 100.
jq_check "$out" '.summary.longest_lag_gap_ms <= 3000'
done_testing
