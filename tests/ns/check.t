#!/bin/bash
# check.t — "replab check" on history files, no servers needed: a history
# with one anomaly of each kind gets each located, its JSON the checks'
# format, the writes found resolve unknowns and count losses at their
# stage, a history of two runs (records naming their mode, as
# replica-reads') is checked run by run with the total, and a malformed
# line or a bad option is refused with its reason.
. "$(dirname "$0")/lib.sh"

H=$WORK/demo.history.jsonl
cat >"$H" <<'LINES'
{"session":"c1","op":"write","server":"primary","sent_ms":100,"answered_ms":104.5,"outcome":"ok","writer":"c1","seq":1,"lsn":"0/3000060"}
{"session":"c1","op":"read","server":"replica","sent_ms":105,"answered_ms":107,"outcome":"ok","seen":{},"replay_lsn":"0/3000000"}
{"session":"c2","op":"read","server":"replica","sent_ms":120,"answered_ms":121,"outcome":"ok","seen":{"c1":1},"replay_lsn":"0/3000060"}
{"session":"c1","op":"write","server":"primary","sent_ms":130,"answered_ms":133,"outcome":"ok","writer":"c1","seq":2,"lsn":"0/30000F0"}
{"session":"c2","op":"read","server":"replica","sent_ms":140,"answered_ms":141,"outcome":"ok","seen":{"c1":2},"replay_lsn":"0/30000F0"}
{"session":"c2","op":"read","server":"replica2","sent_ms":150,"answered_ms":152,"outcome":"ok","seen":{"c1":1},"replay_lsn":"0/3000060"}
{"session":"c1","op":"write","server":"primary","sent_ms":160,"answered_ms":null,"outcome":"unknown","writer":"c1","seq":3}
LINES

test_expect_success 'the summary locates each anomaly' '
	replab check "$H" >"$WORK/out" &&
	grep -q "^stale reads: 2$" "$WORK/out" &&
	grep -q "read 5 by c2 (on replica2) at 150.0 ms saw c1 up to 1, 2 acknowledged" "$WORK/out" &&
	grep -q "^read-your-writes violations: 1$" "$WORK/out" &&
	grep -q "read 1 by c1 (on replica) at 105.0 ms saw c1 up to 0, 1 acknowledged" "$WORK/out" &&
	grep -q "read 5 by c2 (on replica2) at 150.0 ms saw c1 up to 1 after its read 4 saw 2" "$WORK/out" &&
	grep -q "ms p50 0.0, p99 0.5, max 17.0; bytes behind p50 0, p99 96, max 144" "$WORK/out" &&
	grep -q "unknown writes: 1, unresolved" "$WORK/out"
'

replab check "$H" --json >"$WORK/checks.json"
jq_check "$WORK/checks.json" '.operations == 7 and .monotonic_reads.first[0].previous_i == 4'
jq_check "$WORK/checks.json" '.staleness.histogram_ms[-1] == [10, 20, 1] and (has("lost_writes") | not)'

printf 'c1 1\nc1 3\n' >"$WORK/found"
replab check "$H" --json --found "$WORK/found" --at-loss 0/3000100,0/3000080,0/3000060 >"$WORK/lost.json"
jq_check "$WORK/lost.json" '.unknown_writes.committed == 1 and .lost_writes.count == 1'
jq_check "$WORK/lost.json" '.lost_writes.first[0].stage == "received_not_flushed"'
jq_check "$WORK/lost.json" '.lost_writes.wal_bytes == 144 and .lost_writes.ms == 28.5'

# Two modes' runs, each on its own table: as one history, m2's first read
# would miss m1's write; run by run, only m2's own stale read counts.
R=$WORK/runs.history.jsonl
cat >"$R" <<'LINES'
{"session":"m1/c1","op":"write","server":"primary","sent_ms":0,"answered_ms":1,"outcome":"ok","writer":"m1/c1","seq":1,"lsn":"0/3000060","mode":"async","delay":null}
{"session":"m1/c1","op":"read","server":"replica","sent_ms":2,"answered_ms":3,"outcome":"ok","seen":{"m1/c1":1},"replay_lsn":"0/3000060","mode":"async","delay":null}
{"session":"m2/c1","op":"write","server":"primary","sent_ms":10,"answered_ms":11,"outcome":"ok","writer":"m2/c1","seq":1,"lsn":"0/3000100","mode":"on","delay":"50ms"}
{"session":"m2/c1","op":"read","server":"replica","sent_ms":12,"answered_ms":13,"outcome":"ok","seen":{"m2/c1":1},"replay_lsn":"0/3000100","mode":"on","delay":"50ms"}
{"session":"m2/c1","op":"read","server":"replica2","sent_ms":20,"answered_ms":21,"outcome":"ok","seen":{},"replay_lsn":"0/3000060","mode":"on","delay":"50ms"}
LINES
test_expect_success 'a history of two runs: checked run by run, then the total' '
	replab check "$R" >"$WORK/runs.out" &&
	grep -qx "run 1 of 2: async (2 operations)" "$WORK/runs.out" &&
	grep -qx "run 2 of 2: on, delay 50ms (3 operations)" "$WORK/runs.out" &&
	grep -q "read 4 by m2/c1 (on replica2) at 20.0 ms saw m2/c1 up to 0, 1 acknowledged" "$WORK/runs.out" &&
	grep -qx "total: 5 operations; unknown writes 0; stale reads 1; read-your-writes violations 1; monotonic-read violations 1" "$WORK/runs.out" &&
	test "$(grep -c "^stale reads: " "$WORK/runs.out")" = 2
'
replab check "$R" --json >"$WORK/runs.json"
jq_check "$WORK/runs.json" '[.runs[] | [.mode, .delay, .checks.operations]] == [["async", null, 2], ["on", "50ms", 3]]'
jq_check "$WORK/runs.json" '[.runs[].checks.stale_reads.count] == [0, 1] and .runs[1].checks.stale_reads.first[0].i == 4'
jq_check "$WORK/runs.json" '.total.operations == 5 and .total.stale_reads.count == 1 and .total.reads.ok == 3'
jq -c 'del(.mode, .delay)' "$R" >"$WORK/flat.jsonl"
replab check "$WORK/flat.jsonl" --json >"$WORK/flat.json"
jq_check "$WORK/flat.json" '.stale_reads.count == 2 and (has("runs") | not)'

sed '3s/"sent_ms":120/"sent_ms":"soon"/' "$H" >"$WORK/bad.jsonl"
expect 1 'bad.jsonl line 3: member "sent_ms": expected a number' "a malformed line, by number and member" -- \
	replab check "$WORK/bad.jsonl"
printf 'c1 one\n' >"$WORK/badfound"
expect 1 'badfound line 1: expected "WRITER SEQ"' "a bad --found line" -- \
	replab check "$H" --found "$WORK/badfound"
expect 2 'invalid --at-loss "0/1"' "a bad --at-loss" -- replab check "$H" --found "$WORK/found" --at-loss 0/1
expect 2 'at-loss needs --found' "--at-loss alone" -- replab check "$H" --at-loss 0/3,0/2,0/1
expect 2 'give one history file' "no file" -- replab check
expect 1 'could not read the history' "a missing file" -- replab check "$WORK/none.jsonl"

done_testing
