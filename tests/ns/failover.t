#!/bin/bash
# failover.t — "pgrepl failover" on the replica's side while the test kills
# the primary's postmaster (SIGKILL, like a crash): the replica keeps
# serving reads, is promoted, and takes writes.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"

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
