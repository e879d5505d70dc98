#!/bin/bash
# failover.t — "pgrepl failover" on the replica's side while the test kills
# the primary's postmaster (SIGKILL, like a crash): the replica keeps
# serving reads, is promoted, and takes writes.  First "--detect-only": a
# primary that answers is not declared gone, one whose server processes are
# stopped (SIGSTOP: a hung machine) is, after the timeout, and the replica
# stays a standby both times.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"

in_recovery() { # in_recovery: what the replica says of pg_is_in_recovery()
	lab_psql "$NS_REPLICA" "$REPLICA_IP" "SELECT pg_is_in_recovery()"
}

watch=$WORK/watch.json
test_expect_success 'failover --detect-only: a primary that answers for 2 s is not declared gone' '
	pgrepl "$NS_REPLICA" failover --detect-only --json --probe-interval 100 \
		--connect-timeout 500 --wait 2 >"$watch" 2>"$WORK/watch.err"
'
jq_check "$watch" '.ok == true and .detection.detected == false and .detection.probes >= 10'
jq_check "$watch" '(has("promotion") or has("before") or has("writes")) | not'
jq_check "$watch" '(.history | length) == .detection.probes and all(.history[]; .op == "read"
	and .session == "detector" and .server == "primary" and .outcome == "ok" and .seen == {})'

detect=$WORK/detect.json
pgrepl "$NS_REPLICA" failover --detect-only --json --probe-interval 100 --connect-timeout 500 \
	--wait 30 >"$detect" 2>"$WORK/detect.err" &
client=$!
test_expect_success 'failover --detect-only probes the primary' '
	wait_until_failover_waits "$WORK/detect.err"
'
stopped=$(postmaster_pid primary)
stopped="$stopped $(ps --ppid "$stopped" -o pid= | tr '\n' ' ')"
test_expect_success 'the primary'\''s server processes stopped (SIGSTOP), as a hung machine' '
	echo "stopped: $stopped" &&
	kill -STOP $stopped
'
test_expect_success 'failover --detect-only exits 0 once it declares the primary gone' 'wait "$client"'
kill -CONT $stopped
jq_check "$detect" '.detection.detected == true and .detection.detection_ms >= 500 and .detection.detection_ms < 3000'
jq_check "$detect" '(has("promotion") or has("writes")) | not'
# the last probe, to the hung primary, was sent and never answered
jq_check "$detect" '(.history | length) == .detection.probes and (.history[-1] | .outcome == "unknown"
	and .answered_ms == null) and all(.history[:-1][]; .outcome == "ok")'
test_expect_success 'the replica is still a standby' 'is "$(in_recovery)" t'
test_expect_success 'pgrepl failover --help shows --detect-only' '
	pgrepl "$NS_REPLICA" failover --help | grep -e "--detect-only"
'

out=$WORK/failover.json
err=$WORK/failover.err
pgrepl "$NS_REPLICA" failover --json --probe-interval 100 --wait 60 >"$out" 2>"$err" &
client=$!
test_expect_success 'pgrepl failover checked both servers and waits for the primary to stop' '
	wait_until_failover_waits "$err"
'
test_expect_success 'primary postmaster killed' '
	pid=$(postmaster_pid primary) &&
	echo "postmaster $pid" &&
	kill -KILL "$pid"
'
test_expect_success 'pgrepl failover exits 0' 'wait "$client"'

jq_check "$out" '.ok == true and .command == "failover"'
jq_check "$out" '.before.replica_rows >= 1'
jq_check "$out" '.detection.detection_ms >= 0 and .detection.detection_ms < 5000'
jq_check "$out" '.reads_during_outage.ok == true and .reads_during_outage.marker_present == true'
jq_check "$out" '.reads_during_outage.in_recovery == true'
jq_check "$out" '.promotion.ok == true and .promotion.promote_ms > 0'
jq_check "$out" '.writes.insert == true and .writes.update == true and .writes.delete == true'
jq_check "$out" '.new_primary_in_recovery == false'
jq_check "$out" '.rto_ms > 0 and .rto_ms < 10000 and .downtime_ms >= .rto_ms'
echo "# detection $(jq .detection.detection_ms "$out") ms, promotion $(jq .promotion.promote_ms "$out") ms, RTO $(jq .rto_ms "$out") ms"

test_expect_success 'the promoted server takes writes from a plain client' '
	lab_psql "$NS_REPLICA" "$REPLICA_IP" "INSERT INTO users (name, email) VALUES ('\''Grace'\'', '\''grace@example.com'\'')"
'
test_expect_success 'pgrepl status exits 1 while the old primary is down' '
	test_expect_code 1 pgrepl "$NS_REPLICA" status --json >"$WORK/status.json" 2>"$WORK/status.err"
'
jq_check "$WORK/status.json" '.primary.reachable == false and (.error | test("could not connect to the primary"))'
jq_check "$WORK/status.json" '.replica.role == "primary" and .replica.in_recovery == false'
test_expect_success 'status warns that the replica is now a primary' 'grep "was it promoted" "$WORK/status.err"'

done_testing
