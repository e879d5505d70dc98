#!/bin/bash
# errors.t — bad input against real servers: each gets a clear message and
# exit status 2 (usage) or 1 (failure), and never a hang.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"

P="host=$PRIMARY_IP user=lab dbname=lab passfile=$WORK/lab.pgpass"
R="host=$REPLICA_IP user=lab dbname=lab passfile=$WORK/lab.pgpass"

expect 2 'unknown command "frobnicate"' "unknown command" -- pgrepl "$NS_REPLICA" frobnicate
expect 2 'unknown option.*--frob' "unknown option" -- pgrepl "$NS_REPLICA" demo --frob
expect 2 'no command given' "no command" -- pgrepl "$NS_REPLICA"
expect 2 'invalid --probe-interval' "non-numeric probe interval" -- pgrepl "$NS_REPLICA" failover --probe-interval soon
expect 2 'applies to "failover" only' "failover option on demo" -- pgrepl "$NS_REPLICA" demo --wait 5
expect 2 'invalid primary connection string' "malformed conninfo" -- \
	pgrepl "$NS_REPLICA" --primary 'host=10.77.0.10 port' status
expect 2 'no replica to connect to' "demo without a replica" -- \
	in_ns "$NS_REPLICA" env -u PGREPL_REPLICA "$PGREPL" --config /dev/null --primary "$P" demo
expect 1 'could not open config file' "missing --config file" -- \
	in_ns "$NS_REPLICA" "$PGREPL" --config "$WORK/nonexistent.conf" status
printf 'primary = %s\nreplicat = %s\n' "$P" "$R" >"$WORK/typo.conf"
expect 1 'typo.conf:2: unknown key "replicat"' "misspelt key in the config file" -- \
	in_ns "$NS_REPLICA" "$PGREPL" --config "$WORK/typo.conf" status

# Numbers: whole, finite, in range, nothing after them; else a usage error
# naming the option and its range, before anything is done.
for bad in inf -inf nan -1 0 1e3 2.5 0x10 100x ' 100' 99999999999999999999; do
	expect 2 "invalid --rate \"$bad\": expected a whole number from 1 to 10000" "pgrepl load --rate '$bad'" -- \
		pgrepl "$NS_REPLICA" load --rate "$bad"
done
expect 2 'invalid --connect-timeout "nan": expected a whole number from 100 to 600000' \
	"pgrepl --connect-timeout nan" -- pgrepl "$NS_REPLICA" status --connect-timeout nan
expect 2 'invalid --interval "inf"' "pgrepl watch --interval inf" -- pgrepl "$NS_REPLICA" watch --interval inf
test_expect_success 'no load ran: there is no load_test table' '
	is "$(lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "SELECT to_regclass('\''load_test'\'') IS NULL")" t
'

# replab's rates, times and percentages: tc's units, finite, in range.
tc_state() { ip netns exec "$NS_LAB" tc qdisc show; ip netns exec "$NS_LAB" tc class show dev tap-replica; }
tc_state >"$WORK/tc.before"
for bad in inf infmbit nanmbit -1mbit 0mbit 1e3mbit 0x10mbit 1000 1tbit 20gbit 999bit 1mbit/s; do
	expect 2 "invalid --rate \"$bad\": a tc rate from 1kbit to 10gbit" "replab shape replica --rate '$bad'" -- \
		replab shape replica --rate "$bad"
done
expect 2 'invalid --delay "infms": a time from 0 to 60s' "replab shape --delay infms" -- \
	replab shape replica --delay infms
expect 2 'invalid --jitter "-5ms"' "replab shape --jitter -5ms" -- replab shape replica --delay 50ms --jitter -5ms
expect 2 'invalid --loss "101%": a percentage from 0 to 100' "replab shape --loss 101%" -- \
	replab shape replica --loss 101%
expect 2 'invalid --loss "nan"' "replab shape --loss nan" -- replab shape replica --loss nan
expect 2 'invalid --link-rate "inf": a tc rate from 1kbit to 10gbit' "replab experiment --link-rate inf" -- \
	replab experiment partition-reconnect --link-rate inf
expect 2 'invalid --rate "inf": a whole number from 1 to 5000' "replab experiment --rate inf" -- \
	replab experiment partition-reconnect --rate inf
test_expect_success 'nothing changed on the lab'\''s taps' '
	tc_state >"$WORK/tc.after" &&
	diff "$WORK/tc.before" "$WORK/tc.after"
'

# Connection targets from the environment, behind the config file.
test_expect_success 'targets from PGREPL_PRIMARY and PGREPL_REPLICA' '
	in_ns "$NS_REPLICA" env PGREPL_PRIMARY="$P" PGREPL_REPLICA="$R" "$PGREPL" --config /dev/null status --json \
		>"$WORK/env.json"
'
jq_check "$WORK/env.json" '.primary.role == "primary" and .replica.role == "standby"'

# Roles swapped: the tool refuses rather than writing to the wrong server.
expect 1 'given as the primary .* is in recovery' "a primary that is a standby" -- \
	in_ns "$NS_REPLICA" "$PGREPL" --config /dev/null --primary "$R" --replica "$R" demo
expect 1 'given as the replica .* not in recovery' "a replica that is a primary" -- \
	in_ns "$NS_REPLICA" "$PGREPL" --config /dev/null --primary "$P" --replica "$P" demo

# Nobody at 10.77.0.99: the connect attempt is bounded by --connect-timeout.
start=$(date +%s%N)
expect 1 'could not connect to the primary: connection attempt timed out after 1000 ms' \
	"unreachable host" -- in_ns "$NS_REPLICA" "$PGREPL" --config /dev/null --connect-timeout 1000 \
	--primary "host=10.77.0.99 user=lab dbname=lab" status
took=$((($(date +%s%N) - start) / 1000000))
test_expect_success "it gave up within 2 s (took $took ms)" 'test "$took" -lt 2000'

# Failover when the primary never goes away: bounded by --wait.
expect 1 'still answers after 1 s' "primary that does not stop" -- pgrepl "$NS_REPLICA" failover --wait 1

# A promotion that cannot finish: the standby's startup process is frozen.
test_expect_success 'found the replica'\''s startup process' '
	startup=$(pgrep -P "$(postmaster_pid replica)" -f startup) &&
	echo "startup process $startup"
'
test_expect_success 'failover exits 1 when pg_promote() times out' '
	pgrepl "$NS_REPLICA" failover --json --probe-interval 100 --promote-timeout 1 >"$WORK/f.json" 2>"$WORK/f.err" &
	client=$!
	wait_until_failover_waits "$WORK/f.err"
	kill -STOP "$startup"
	kill -KILL "$(postmaster_pid primary)"
	test_expect_code 1 wait "$client"
'
kill -CONT "$startup"
jq_check "$WORK/f.json" '.ok == false and (.error | test("promotion did not finish within 1 s"))'

# replab report on hostile results: gnuplot gets data, never code.  The
# names try to close gnuplot's quotes, run commands (system, backquotes,
# "!"), use macros and enhanced text; the file's own name has quotes.
rep=$WORK/report
mkdir -p "$rep/tmp"
evil="$rep/it's \"evil\"; \`touch pwned0\`.json"
jq -n --arg dir "$rep" '{
	experiment: "x'"'"'; system('"'"'touch \($dir)/pwned1'"'"'); print '"'"'",
	samples: [{t_ms: 0, lag_bytes: 0}, {t_ms: 100, lag_bytes: 10}, {t_ms: 200, lag_bytes: null}],
	events: [{t_ms: 50, event: "`touch \($dir)/pwned2`"},
		 {t_ms: 60, event: "a'"'"'\nsystem(\"touch \($dir)/pwned3\")\n!touch \($dir)/pwned4\n'"'"'"},
		 {t_ms: 70, event: "\u001b[31m @x {/Symbol a} ^{up} \\\" end"}]}' >"$evil"
expect 0 'evil.*\.png$' "report draws hostile names and a file name with quotes" -- \
	env TMPDIR="$rep/tmp" "$REPLAB" report "$evil"
test_expect_success 'no command ran' '
	for f in "$rep"/pwned0 "$rep"/pwned1 "$rep"/pwned2 "$rep"/pwned3 "$rep"/pwned4 ./pwned0; do
		test ! -e "$f" || { echo "$f exists" && return 1; }
	done
'
test_expect_success 'the drawing is a PNG' 'head -c 4 "${evil%.json}.png" | grep PNG'
test_expect_success 'nothing temporary is left: the JSON, its PNG and its page' '
	is "$(ls -A "$rep/tmp")" "" &&
	is "$(ls "$rep" | wc -l)" 4 &&
	test -s "${evil%.json}.html"
'
jq -n '{experiment: "rpo", trials: 2, summary: [{mode: "`touch pwned5`\u0007\"", p50_ms: 1, p99_ms: 2, lost: 0}]}' \
	>"$rep/rpo.json"
expect 0 'rpo\.png$' "report draws an rpo result with a hostile mode" -- \
	env TMPDIR="$rep/tmp" "$REPLAB" report "$rep/rpo.json"
test_expect_success 'no command ran in gnuplot'\''s directory' '
	is "$(ls -A "$rep/tmp")" "" &&
	test ! -e pwned5
'

# Malformed results: a clear error and exit 1, never a crash.
printf '[1, 2]' >"$rep/array.json"
expect 1 'not an experiment.s result \(a JSON object\)' "report refuses a JSON array" -- \
	"$REPLAB" report "$rep/array.json"
printf '{"experiment": "x", "samples": [{"t_ms": NaN}]}' >"$rep/nan.json"
expect 1 'is not an experiment.s result: line 1' "report refuses NaN" -- "$REPLAB" report "$rep/nan.json"
printf '{"experiment": "x", "samples": [{"t_ms": "soon"}]}' >"$rep/type.json"
expect 1 'samples\[0\]\.t_ms is a string, not a number' "report names a member of the wrong type" -- \
	"$REPLAB" report "$rep/type.json"
printf '{"experiment": "split-brain", "summary": {"rows": {"old_primary": [7]}}}' >"$rep/split.json"
expect 1 'summary\.rows\.old_primary\[0\] is not a row' "report refuses a split-brain row that is not text" -- \
	"$REPLAB" report "$rep/split.json"
jq -n '{experiment: "x", samples: [{t_ms: 0}], events: [range(1001) | {t_ms: ., event: "e"}]}' >"$rep/huge.json"
expect 1 'events has 1001 elements, more than' "report refuses a huge array" -- "$REPLAB" report "$rep/huge.json"
test_expect_success 'no drawing from a malformed result' '
	! ls "$rep" | grep -E "^(array|nan|type|split|huge)\.(png|html)"
'
printf '{"experiment": "x", "samples": [{"t_ms": 0, "lag_bytes": 1}]}' >"$rep/hist.json"
printf '%s\n{"session": "s",\n' '{"session": "s", "op": "write", "server": "primary", "sent_ms": 1, "answered_ms": 2, "outcome": "ok", "writer": "s", "seq": 1}' \
	>"$rep/hist.history.jsonl"
expect 1 'hist\.history\.jsonl line 2: ' "report refuses a history with a broken line, naming it" -- \
	"$REPLAB" report "$rep/hist.json"
test_expect_success 'and draws nothing of that run' '
	! ls "$rep" | grep -E "^hist.*\.(png|html)"
'

done_testing
