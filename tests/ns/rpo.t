#!/bin/bash
# rpo.t — "replab experiment rpo" against the namespace lab, three trials a
# mode: the primary's server killed under load in async, sync and
# remote_apply; synchronous modes lose no acknowledged write; every count
# adds up; the roles swap at each trial through pg_rewind.  The trials'
# histories share one file, one writer a trial, and the checker finds in
# each what the count by id found.
. "$(dirname "$0")/lib.sh"

STREAMING_PRIMARY="SELECT state FROM pg_stat_replication WHERE application_name = 'primary'"

lab_up || bail "could not bring the namespace lab up"

out=$WORK/rpo.json
hist=$WORK/rpo.history.jsonl
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
# The history: every trial's writes as writer and session MODE-N, checked per trial.
jq_check "$out" '.history.file == "'"$hist"'" and (.history.clock | type) == "string"'
jq_check "$out" 'all(.summary[].runs[]; .checks.lost_writes.count == .lost_writes
	and .checks.writes.ok == .acknowledged_writes and .checks.unknown_writes.count == .in_doubt
	and .checks.unknown_writes.committed == .in_doubt_committed)'
# A lost write lies past the switch point (or has no LSN: the server died before it was read).
jq_check "$out" 'all(.summary[].runs[]; .checks.lost_writes.by_stage.not_received
	== ([.checks.lost_writes.first[] | select(.lsn != null)] | length)
	and .checks.lost_writes.by_stage.received_not_flushed == 0
	and .checks.lost_writes.by_stage.flushed_not_replayed == 0
	and (.history_clock | test("CLOCK_REALTIME")))'
jq_check "$out" 'all(.summary[]; .checks.lost_writes == .lost and .checks.committed == .in_doubt_committed)'
test_expect_success 'the history: one writer a trial, each writes seq 1, 2, ... once' '
	is "$(wc -l <"$hist")" "$(jq "[.summary[].runs[].checks.operations] | add" "$out")" &&
	is "$(jq -sc "[.[].writer] | unique | sort" "$hist")" \
		"$(jq -c "[.summary[] | .mode + \"-\" + (range(1; .trials + 1) | tostring)] | sort" "$out")" &&
	jq -es "all(.[]; .op == \"write\" and .session == .writer)" "$hist" >/dev/null &&
	jq -es "group_by(.writer) | all(.[]; ([.[].seq] | sort) == [range(1; length + 1)])" "$hist" >/dev/null
'
test_expect_success 'replab check reads the history' '
	replab check "$hist" >"$WORK/check.out" &&
	grep -E "^$(wc -l <"$hist") operations: writes" "$WORK/check.out"
'
test_expect_success 'replab report draws it' 'replab report "$out"'
test_expect_success 'as a PNG' 'head -c 8 "${out%.json}.png" | grep PNG'
test_expect_success 'and its history' 'head -c 8 "${out%.json}-history.png" | grep -a PNG'
test_expect_success 'its page lists the writes the trials lost or left in doubt, as the trials counted them' '
	for kind in lost_writes.count:"lost acknowledged writes" \
		unknown_writes.committed:"unknown writes that committed" \
		unknown_writes.not_committed:"unknown writes that did not commit"; do
		page_lists "${out%.json}.html" "${kind#*:}" \
			"$(jq "[.summary[].runs[].checks.${kind%%:*}] | add" "$out")" \
			"[a-z_]*-[0-9]* at [0-9.]* s: write [a-z_]*-[0-9]* [0-9]" || return 1
	done
'
# Nine trials, nine swaps: the replica's server is the primary now.
test_expect_success 'afterwards the old primary streams from the replica'\''s server' '
	is "$(lab_psql "$NS_REPLICA" "$REPLICA_IP" "$STREAMING_PRIMARY")" streaming
'
done_testing
