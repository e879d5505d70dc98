#!/bin/bash
# cascade.t — three VMs: "replab up --replicas 2 --cascade" brings replica2
# up streaming from the replica; replab status shows it there; after a
# failover (the primary crashed, the replica promoted) replica2 follows the
# new timeline by itself.
. "$(dirname "$0")/lib.sh"

# Its own saved lab: the two-VM lab the other tests restore stays saved.
export REPLAB_SAVED=$work/saved
replab down >/dev/null
replab up --replicas 2 --cascade >"$work/up.out" 2>&1
ok $? "replab up --replicas 2 --cascade" || sed 's/^/# /' "$work/up.out" >&2
test_expect_success 'it waited for replica2 to stream' '
	grep "replica2: streaming WAL from its upstream" "$work/up.out"
'
replab status >"$work/status.out" 2>&1
sed -n '/^replication/,$p' "$work/status.out" | sed 's/^/# /'
test_expect_success 'status: three VMs' 'grep -E "^replica2 +[0-9]+ +running +10.77.0.12" "$work/status.out"'
test_expect_success 'status: replica2 streams from the replica' '
	sed -n "/^  replica /,/^  replica2/p" "$work/status.out" |
		grep "standby replica2 from 10.77.0.12: streaming"
'

test_expect_success 'replab run --crash: the replica is promoted' 'replab run --crash >"$work/run.out" 2>&1'
tli() { replab exec replica2 -- sh -c "cd /tmp && runuser -u postgres -- psql -XAtq -c 'SELECT received_tli FROM pg_stat_wal_receiver'" 2>/dev/null; }
on_new_timeline() { [ "$(tli)" = 2 ]; }
has_rows() { [ "$(replab exec replica2 -- sh -c "cd /tmp && runuser -u postgres -- psql -XAtq -d lab -c \"SELECT count(*) FROM users WHERE name = 'Erin (after failover)'\"" 2>/dev/null)" = 1 ]; }
test_expect_success 'replica2 follows the new timeline (2)' 'retry 60 on_new_timeline'
test_expect_success 'and replays the writes made on the new primary' 'retry 60 has_rows'
done_testing
