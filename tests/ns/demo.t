#!/bin/bash
# demo.t — "pgrepl demo" and "pgrepl status" against a real primary and a
# real pg_basebackup -R standby, each in its own network namespace.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"
ok 0 "primary initialised by primary-init.sh, replica by replica-bootstrap.sh, streaming"

# The primary's set-up is the one the VM image uses.
HBA=$WORK/primary/pg_hba.conf
test_expect_success 'replicator role has REPLICATION' '
	is "$(lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "SELECT rolreplication FROM pg_roles WHERE rolname = '\''replicator'\''")" t
'
test_expect_success 'pg_hba admits replication from the lab subnet only, with scram-sha-256' '
	grep -E "^host +replication +replicator +10\.77\.0\.0/24 +scram-sha-256$" "$HBA"
'
test_expect_success 'no md5 and no "all" address in pg_hba' '
	! grep -Ev "^(#|$)" "$HBA" | grep -E "md5|[[:space:]]all[[:space:]]+(md5|scram|trust|password)"
'
scram_only() {
	as_postgres "$NS_PRIMARY" "$PGBIN/psql" -X -qAt -h "$WORK/primary.sock" -d postgres -c \
		"SELECT bool_and(rolpassword LIKE 'SCRAM-SHA-256\$%') FROM pg_authid WHERE rolname IN ('replicator', 'lab')"
}
test_expect_success 'passwords stored as SCRAM verifiers' 'is "$(scram_only)" t'
test_expect_success 'standby.signal written by pg_basebackup -R' 'test -f "$WORK/replica/standby.signal"'

out=$WORK/demo.json
test_expect_success 'pgrepl demo --json exits 0' '
	pgrepl "$NS_REPLICA" demo --json >"$out" 2>"$WORK/demo.err"
'
jq_check "$out" '.ok == true and .command == "demo"'
jq_check "$out" '.streaming_standbys == 1'
jq_check "$out" '.replication.standbys[0].client_addr == "10.77.0.11" and .replication.standbys[0].application_name == "replica"'
jq_check "$out" '.users.inserted == 3 and .users.visible_on_replica == 3'
jq_check "$out" '.users.visible_after_ms >= 0 and .users.visible_after_ms < 5000'
jq_check "$out" '.replica_write.refused == true and .replica_write.sqlstate == "25006"'
jq_check "$out" '.bulk.rows == 100 and .bulk.primary_count == 103 and .bulk.replica_count == 103'
jq_check "$out" '.bulk.replica_count_after_burst <= 103 and .bulk.caught_up_after_ms >= 0'
jq_check "$out" '.bulk.peak_lag_bytes >= 0 and .bulk.peak_lag_bytes < 10000000'
test_expect_success 'narrative went to stderr and names the read-only error' '
	grep "SQLSTATE 25006" "$WORK/demo.err"
'

# The human form: the same run, readable, on stdout.
test_expect_success 'pgrepl demo (for people) exits 0 on a second run' '
	pgrepl "$NS_REPLICA" demo >"$WORK/demo.txt" 2>&1
'
test_expect_success 'it explains LSNs' 'grep "LSN (log sequence number)" "$WORK/demo.txt"'
test_expect_success 'it shows the SQL it runs' 'grep "sql> INSERT INTO users" "$WORK/demo.txt"'

out=$WORK/status.json
test_expect_success 'pgrepl status --json exits 0' '
	pgrepl "$NS_REPLICA" status --json >"$out" 2>"$WORK/status.err"
'
jq_check "$out" '.primary.role == "primary" and .primary.in_recovery == false'
jq_check "$out" '[.primary.standbys[] | select(.state == "streaming")] | length == 1'
jq_check "$out" '.replica.role == "standby" and .replica.in_recovery == true'
jq_check "$out" '.replica.receiver_status == "streaming" and .replica.sender_host == "10.77.0.10"'
jq_check "$out" '(.replica.receive_lsn | test("^[0-9A-F]+/[0-9A-F]+$")) and .replica.caught_up != null'

done_testing
