#!/bin/bash
# reads.t — "replab experiment replica-reads" on the VM lab, a few seconds a
# mode: sessions in the primary write there and read at once on the
# replica, in async, on and remote_apply, then again under a 20 ms delay on
# what reaches the replica (netem).  remote_apply shows no read-your-writes
# violation; async's anomalies are counted (found, not assumed: the count is
# reported) with staleness figures; under the delay a synchronous commit
# waits for the round trip; the history holds every operation, valid.
. "$(dirname "$0")/lib.sh"

vm_lab_up
out=$work/reads.json
hist=$work/reads.history.jsonl
test_expect_success 'replica-reads --delay 20ms: exits 0' '
	replab experiment replica-reads --duration 3 --clients 3 --rate 60 --delay 20ms \
		--json "$out" >"$work/reads.out" 2>&1
'
sed -n '/^\[/p;/^summary/,/^$/p' "$work/reads.out" | sed 's/^/# /'
jq_check "$out" '[.modes[] | .mode + (.delay // "")] == ["async", "on", "remote_apply", "async20ms", "on20ms", "remote_apply20ms"]'
jq_check "$out" 'all(.modes[]; .checks.reads.ok > 10 and .checks.writes.ok > 10)'
jq_check "$out" 'all(.modes[]; (.checks.stale_reads.count | type) == "number"
	and (.checks.read_your_writes.count | type) == "number"
	and (.checks.staleness.ms.p50 | type) == "number" and (.checks.staleness.ms.p99 | type) == "number"
	and .checks.staleness.ms.max >= .checks.staleness.ms.p99
	and (.checks.staleness.bytes.max | type) == "number")'
jq_check "$out" '[.modes[] | select(.mode == "remote_apply") | .checks.read_your_writes.count] == [0, 0]'
jq_check "$out" '[.modes[] | select(.delay and .mode != "async") | .commit_ms.p50 >= 20] == [true, true]'
test_expect_success 'the history: one valid record per operation, on the timeline' '
	is "$(wc -l <"$hist")" "$(jq "[.modes[].checks.operations] | add" "$out")" &&
	jq -es "all(.[]; (.op == \"write\" or .op == \"read\") and (.outcome | IN(\"ok\", \"fail\", \"unknown\"))
		and .sent_ms > 0 and .sent_ms < 900000 and (.answered_ms == null or .answered_ms >= .sent_ms)
		and (if .op == \"write\" then .writer == .session and (.outcome != \"ok\" or (.lsn | type) == \"string\")
		     else .outcome != \"ok\" or ((.seen | type) == \"object\" and (.replay_lsn | type) == \"string\") end))" \
		"$hist" >/dev/null &&
	is "$(jq -s "[.[] | select(.op == \"write\") | [.writer, .seq]] | (length == (unique | length))" "$hist")" true
'
test_expect_success 'afterwards: no shape, synchronous_commit back' '
	! replab status 2>&1 | grep -q "delay 20ms" &&
	is "$(replab exec primary -- sh -c "cd /tmp && runuser -u postgres -- psql -d lab -qAtc \"SHOW synchronous_commit\"")" on
'
done_testing
