#!/bin/bash
# reads.t — "replab experiment replica-reads" against the namespace lab,
# with replica2 so that reads move between two standbys: sessions write on
# the primary and read at once on a standby in async, on and remote_apply;
# the history has every operation, valid; remote_apply shows no
# read-your-writes violation; every mode reports its counts and staleness.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"
replica2_up || bail "could not add replica2"

test_expect_success 'pgrepl readers --standbys 3: exit 2' '
	test_expect_code 2 pgrepl "$NS_PRIMARY" readers --standbys 3 2>"$WORK/err" &&
	grep "expected a whole number from 1 to 2" "$WORK/err"
'
test_expect_success 'replica-reads --clients 0: exit 2' '
	test_expect_code 2 replab experiment replica-reads --clients 0 2>"$WORK/err" &&
	grep "invalid --clients" "$WORK/err"
'

out=$WORK/reads.json
hist=$WORK/reads.history.jsonl
test_expect_success 'replica-reads: exits 0' '
	replab experiment replica-reads --duration 3 --clients 3 --rate 150 --json "$out" \
		>"$WORK/reads.out" 2>&1
'
sed -n '/^summary/,/^$/p' "$WORK/reads.out" | sed 's/^/# /'
jq_check "$out" '[.modes[].mode] == ["async", "on", "remote_apply"]'
jq_check "$out" '.standbys == 2 and (.history.file | endswith("reads.history.jsonl"))'
jq_check "$out" 'all(.modes[]; .checks.reads.ok > 100 and .checks.writes.ok > 100)'
jq_check "$out" 'all(.modes[]; (.checks.stale_reads.count | type) == "number"
	and (.checks.read_your_writes.count | type) == "number"
	and (.checks.monotonic_reads.count | type) == "number")'
jq_check "$out" 'all(.modes[]; .checks.staleness.ms.max >= .checks.staleness.ms.p99
	and .checks.staleness.ms.p99 >= .checks.staleness.ms.p50 and .checks.staleness.ms.p50 >= 0)'
jq_check "$out" 'all(.modes[]; .checks.staleness | .ms.p50 as $m
	| ([.histogram_ms[] | select(.[0] <= $m) | .[2]] | add) >= .reads / 2)'
jq_check "$out" 'all(.modes[]; .commit_ms.p50 > 0 and .commit_ms.max >= .commit_ms.p99)'
jq_check "$out" '.modes[2].checks.read_your_writes.count == 0'
test_expect_success 'the history: one valid record per operation' '
	is "$(wc -l <"$hist")" "$(jq "[.modes[].checks.operations] | add" "$out")" &&
	jq -es "all(.[]; (.session | type) == \"string\" and (.op == \"write\" or .op == \"read\")
		and (.sent_ms | type) == \"number\" and (.outcome | IN(\"ok\", \"fail\", \"unknown\"))
		and (if .op == \"write\" then (.seq | type) == \"number\" and .writer == .session
			and (.outcome != \"ok\" or (.lsn | test(\"^[0-9A-F]+/[0-9A-F]+$\")))
		     else .outcome != \"ok\" or ((.seen | type) == \"object\" and (.replay_lsn | type) == \"string\") end))" "$hist" >/dev/null &&
	is "$(jq -s "[.[] | select(.op == \"write\") | [.writer, .seq]] | (length == (unique | length))" "$hist")" true &&
	is "$(jq -s "[.[] | select(.op == \"read\") | .server] | unique" -c "$hist")" "[\"replica\",\"replica2\"]"
'
test_expect_success 'times on the timeline: within the run, answers after sends' '
	jq -es "all(.[]; .sent_ms > 0 and .sent_ms < 600000 and (.answered_ms == null or .answered_ms >= .sent_ms))" "$hist" >/dev/null
'
# replab check over the experiment's own history checks it mode by mode,
# as the experiment did: each run's counts are its mode's, and the total
# theirs summed.
test_expect_success 'replab check on the history: the modes counted, run by run' '
	replab check "$hist" --json >"$WORK/check.json" &&
	is "$(jq -c "[.runs[] | [.mode, .checks.operations, .checks.stale_reads.count,
		.checks.read_your_writes.count, .checks.monotonic_reads.count]]" "$WORK/check.json")" \
		"$(jq -c "[.modes[] | [.mode, .checks.operations, .checks.stale_reads.count,
		.checks.read_your_writes.count, .checks.monotonic_reads.count]]" "$out")" &&
	is "$(jq .total.stale_reads.count "$WORK/check.json")" \
		"$(jq "[.modes[].checks.stale_reads.count] | add" "$out")" &&
	replab check "$hist" >"$WORK/check.out" &&
	grep -qx "run 3 of 3: remote_apply ([0-9]* operations)" "$WORK/check.out" &&
	grep -q "^total: [0-9]* operations; unknown writes" "$WORK/check.out"
'
# The report checks the history again, each mode's run on its own, with the
# same checkers: the page's table beside the history's picture counts what
# the modes counted, and locates the first reads on a standby.
test_expect_success 'replab report marks the stale reads, as the modes counted them' '
	replab report "$out" >"$WORK/report.out" &&
	grep -qx "${out%.json}-history.png" "$WORK/report.out" &&
	page=${out%.json}.html &&
	for kind in stale_reads:"stale reads" read_your_writes:"read-your-writes violations" \
		monotonic_reads:"monotonic-read violations"; do
		page_lists "$page" "${kind#*:}" "$(jq "[.modes[].checks.${kind%%:*}.count] | add" "$out")" \
			"[^<]* at [0-9.]* s: read on replica" || return 1
	done &&
	test "$(jq "[.modes[].checks.stale_reads.count] | add" "$out")" -gt 0
'
test_expect_success 'the settings are back afterwards' '
	is "$(lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "SHOW synchronous_commit")" on
'
done_testing
