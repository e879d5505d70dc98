#!/bin/bash
# cascade.t — a second replica in the namespace lab, cascading from the
# first: pgrepl status shows it under the replica, replab's fault verbs know
# it, and after the primary dies and the replica is promoted, the cascaded
# standby follows the new timeline without being touched.
. "$(dirname "$0")/lib.sh"
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
[ -x "$REPLAB" ] || bail "missing $REPLAB: run make"
replab() { REPLAB_STATE=$STATE "$REPLAB" "$@"; }
as_superuser() { # as_superuser MEMBER SQL: psql as postgres on the member's own server
	node "$1" exec runuser -u postgres -- "$PGBIN/psql" -XAtq -d lab -c "$2"
}

lab_up || bail "could not bring the namespace lab up"
replica2_up --cascade || bail "could not add replica2"

cascaded() { [ "$(as_superuser replica "SELECT state FROM pg_stat_replication WHERE application_name = 'replica2'")" = streaming ]; }
check "replica2 streams from the replica" retry 30 cascaded
check "not from the primary" test "$(as_superuser primary "SELECT string_agg(application_name, ',') FROM pg_stat_replication")" = replica

pgrepl "$NS_REPLICA" --json status >"$WORK/status.json" 2>/dev/null
ok $? "pgrepl status"
jq_check "$WORK/status.json" '.replica.standbys | map(.application_name) == ["replica2"]'
jq_check "$WORK/status.json" '.primary.standbys | map(.application_name) == ["replica"]'

replab isolate replica2 >/dev/null 2>&1
ok $? "replab isolate replica2 (the lab's shape comes from its options.json)"
replab heal >/dev/null 2>&1
check "replica2 streams again after the heal" retry 30 cascaded
replab isolate replica3 >/dev/null 2>"$WORK/err"
check "an unknown member is named in the error, with the known ones" grep -q '"replica2"' "$WORK/err"

node primary crash
check "replica promoted" test "$(as_superuser replica "SELECT pg_promote()")" = t
as_superuser replica "CREATE TABLE after_failover (id int); INSERT INTO after_failover VALUES (42)" >/dev/null
on_new_timeline() { [ "$(as_superuser replica2 "SELECT received_tli FROM pg_stat_wal_receiver")" = 2 ]; }
check "replica2 follows the new timeline (2)" retry 30 on_new_timeline
has_row() { [ "$(as_superuser replica2 "SELECT id FROM after_failover" 2>/dev/null)" = 42 ]; }
check "and has the new primary's writes" retry 30 has_row
done_testing
