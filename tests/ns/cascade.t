#!/bin/bash
# cascade.t — a second replica in the namespace lab, cascading from the
# first: pgrepl status shows it under the replica, replab's fault verbs know
# it, and after the primary dies and the replica is promoted, the cascaded
# standby follows the new timeline without being touched.
. "$(dirname "$0")/lib.sh"

as_superuser() { # as_superuser MEMBER SQL: psql as postgres on the member's own server
	node "$1" exec runuser -u postgres -- "$PGBIN/psql" -XAtq -d lab -c "$2"
}
cascaded() { [ "$(as_superuser replica "SELECT state FROM pg_stat_replication WHERE application_name = 'replica2'")" = streaming ]; }
senders_of_primary() { as_superuser primary "SELECT string_agg(application_name, ',') FROM pg_stat_replication"; }
on_new_timeline() { [ "$(as_superuser replica2 "SELECT received_tli FROM pg_stat_wal_receiver")" = 2 ]; }
has_row() { [ "$(as_superuser replica2 "SELECT id FROM after_failover" 2>/dev/null)" = 42 ]; }

lab_up || bail "could not bring the namespace lab up"
replica2_up --cascade || bail "could not add replica2"

test_expect_success 'replica2 streams from the replica' 'retry 30 cascaded'
test_expect_success 'not from the primary' 'is "$(senders_of_primary)" replica'

test_expect_success 'pgrepl status' '
	pgrepl "$NS_REPLICA" --json status >"$WORK/status.json" 2>"$WORK/status.err"
'
jq_check "$WORK/status.json" '.replica.standbys | map(.application_name) == ["replica2"]'
jq_check "$WORK/status.json" '.primary.standbys | map(.application_name) == ["replica"]'

test_expect_success 'replab isolate replica2 (the lab'\''s shape comes from its options.json)' '
	replab isolate replica2
'
test_expect_success 'replica2 streams again after the heal' '
	replab heal &&
	retry 30 cascaded
'
test_expect_success 'an unknown member is named in the error, with the known ones' '
	! replab isolate replica3 2>"$WORK/err" &&
	grep "\"replica2\"" "$WORK/err"
'

test_expect_success 'replica promoted' '
	node primary crash &&
	is "$(as_superuser replica "SELECT pg_promote()")" t
'
test_expect_success 'replica2 follows the new timeline (2)' '
	as_superuser replica "CREATE TABLE after_failover (id int); INSERT INTO after_failover VALUES (42)" &&
	retry 30 on_new_timeline
'
test_expect_success 'and has the new primary'\''s writes' 'retry 30 has_row'
done_testing
