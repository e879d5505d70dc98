#!/bin/bash
# rpo.t — "replab experiment rpo" against the namespace lab, three trials a
# mode: the primary's server killed under load in async, sync and
# remote_apply; synchronous modes lose no acknowledged write; every count
# adds up; the roles swap at each trial through pg_rewind.
. "$(dirname "$0")/lib.sh"

STREAMING_PRIMARY="SELECT state FROM pg_stat_replication WHERE application_name = 'primary'"

lab_up || bail "could not bring the namespace lab up"

out=$WORK/rpo.json
test_expect_success 'rpo: exits 0' '
	replab experiment rpo --trials 3 --rate 1000 --json "$out" >"$WORK/rpo.out" 2>&1
'
sed -n '/^summary/,$p' "$WORK/rpo.out" | sed 's/^/# /'
jq_check "$out" '[.summary[].mode] == ["async", "sync", "remote_apply"] and all(.summary[]; .trials == 3)'
jq_check "$out" 'all(.summary[]; .acknowledged > 100)'
jq_check "$out" '.summary[1].lost == 0 and .summary[2].lost == 0'
jq_check "$out" 'all(.summary[].runs[]; .on_server + .lost_writes == .acknowledged_writes)'
jq_check "$out" 'all(.summary[].runs[]; .in_doubt <= 1 and .in_doubt_committed <= .in_doubt)'
jq_check "$out" 'all(.summary[]; .p50_ms > 0 and .p99_ms >= .p50_ms and .commits_per_s > 0)'
# The losses as trials: k of N with its 95% interval (0 of 3: one-sided, 1 - 0.05^(1/3)).
jq_check "$out" 'all(.summary[]; .trials_with_loss <= .trials and .loss_ci95[0] <= .loss_ci95[1])'
jq_check "$out" 'all(.summary[]; .trials_with_loss == ([.runs[] | select(.lost_writes > 0)] | length))'
jq_check "$out" '.summary[1].trials_with_loss == 0 and .summary[1].loss_ci95[0] == 0 and (.summary[1].loss_ci95[1] * 1000 | round) == 632'
jq_check "$out" '.summary[2].loss_ci95_text | test("^0 of 3: below 63.2% at 95%")'
jq_check "$out" 'all(.summary[]; .lost_writes_per_trial.max >= .lost_writes_per_trial.p50 and .lost_writes_per_trial.max == ([.runs[].lost_writes] | max))'
test_expect_success 'the table gives each interval in words' 'grep -E "^  sync +0 of 3: below 63.2% at 95% \(exact; the rule of three" "$WORK/rpo.out"'
jq_check "$out" '[.summary[].runs[].primary] == ["primary", "replica", "primary", "replica", "primary", "replica", "primary", "replica", "primary"]'
test_expect_success 'replab report draws it' 'replab report "$out"'
test_expect_success 'as a PNG' 'head -c 8 "${out%.json}.png" | grep PNG'
# Nine trials, nine swaps: the replica's server is the primary now.
test_expect_success 'afterwards the old primary streams from the replica'\''s server' '
	is "$(lab_psql "$NS_REPLICA" "$REPLICA_IP" "$STREAMING_PRIMARY")" streaming
'
done_testing
