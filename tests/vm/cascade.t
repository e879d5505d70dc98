#!/bin/bash
# cascade.t — three VMs: "replab up --replicas 2 --cascade" brings replica2
# up streaming from the replica; replab status shows it there; after a
# failover (the primary crashed, the replica promoted) replica2 follows the
# new timeline by itself.
. "$(dirname "$0")/lib.sh"

"$REPLAB" down >/dev/null
"$REPLAB" up --replicas 2 --cascade >"$work/up.out" 2>&1
ok $? "replab up --replicas 2 --cascade" || sed 's/^/# /' "$work/up.out"
check "it waited for replica2 to stream" grep -q 'replica2: streaming WAL from its upstream' "$work/up.out"
"$REPLAB" status >"$work/status.out" 2>&1
sed -n '/^replication/,$p' "$work/status.out" | sed 's/^/# /'
check "status: three VMs" bash -c "grep -Eq '^replica2 +[0-9]+ +running +10.77.0.12' '$work/status.out'"
check "status: replica2 streams from the replica" bash -c \
	"sed -n '/^  replica /,/^  replica2/p' '$work/status.out' | grep -q 'standby replica2 from 10.77.0.12: streaming'"

"$REPLAB" run --crash >"$work/run.out" 2>&1
ok $? "replab run --crash: the replica is promoted"
tli() { "$REPLAB" exec replica2 -- sh -c "cd /tmp && runuser -u postgres -- psql -XAtq -c 'SELECT received_tli FROM pg_stat_wal_receiver'" 2>/dev/null; }
on_new_timeline() { [ "$(tli)" = 2 ]; }
check "replica2 follows the new timeline (2)" retry 60 on_new_timeline
has_rows() { [ "$("$REPLAB" exec replica2 -- sh -c "cd /tmp && runuser -u postgres -- psql -XAtq -d lab -c \"SELECT count(*) FROM users WHERE name = 'Erin (after failover)'\"" 2>/dev/null)" = 1 ]; }
check "and replays the writes made on the new primary" retry 60 has_rows
done_testing
