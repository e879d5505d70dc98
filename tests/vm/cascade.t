#!/bin/bash
# cascade.t — three VMs: "replab up --replicas 2 --cascade" brings replica2
# up streaming from the replica; replab status shows it there; after a
# failover (the primary crashed, the replica promoted) replica2 follows the
# new timeline by itself.  Before that, replica-reads with reads moving
# between the replica and the cascaded replica2.
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

# Reads that move between the replica (synchronous in on and remote_apply)
# and the cascaded replica2 (never synchronous): under remote_apply the
# replica's reads see the session's own writes; replica2's need not, and
# a session may see less on replica2 than it just saw on the replica.
out=$work/reads.json
hist=$work/reads.history.jsonl
test_expect_success 'replica-reads across the replica and the cascaded replica2: exits 0' '
	replab experiment replica-reads --duration 4 --clients 2 --rate 40 --json "$out" \
		>"$work/reads.out" 2>&1 || { sed "s/^/# /" "$work/reads.out"; false; }
'
sed -n '/^summary/,/^$/p' "$work/reads.out" | sed 's/^/# /'
jq_check "$out" '.standbys == 2 and [.modes[].mode] == ["async", "on", "remote_apply"]'
jq_check "$out" 'all(.modes[]; (.checks.monotonic_reads.count | type) == "number")'
test_expect_success 'reads on both standbys; remote_apply: no read-your-writes violation on the replica' '
	is "$(jq -s "[.[] | select(.op == \"read\") | .server] | unique" -c "$hist")" \
		"[\"replica\",\"replica2\"]" &&
	jq -c "select(.mode == \"remote_apply\" and (.op == \"write\" or .server == \"replica\"))" \
		"$hist" >"$work/apply-replica.jsonl" &&
	replab check "$work/apply-replica.jsonl" --json >"$work/apply-replica.json" &&
	is "$(jq .runs[0].checks.read_your_writes.count "$work/apply-replica.json")" 0 &&
	jq -c "select(.mode == \"remote_apply\" and (.op == \"write\" or .server == \"replica2\"))" \
		"$hist" >"$work/apply-replica2.jsonl" &&
	replab check "$work/apply-replica2.jsonl" --json >"$work/apply-replica2.json" &&
	echo "# remote_apply, replica2 (cascaded): $(jq .runs[0].checks.read_your_writes.count "$work/apply-replica2.json") read-your-writes violations in $(jq .runs[0].checks.reads.ok "$work/apply-replica2.json") reads; monotonic-read violations per mode: $(jq -c "[.modes[].checks.monotonic_reads.count]" "$out")"
'

test_expect_success 'replab run --crash: the replica is promoted' 'replab run --crash >"$work/run.out" 2>&1'
tli() { replab exec replica2 -- sh -c "cd /tmp && runuser -u postgres -- psql -XAtq -c 'SELECT received_tli FROM pg_stat_wal_receiver'" 2>/dev/null; }
on_new_timeline() { [ "$(tli)" = 2 ]; }
has_rows() { [ "$(replab exec replica2 -- sh -c "cd /tmp && runuser -u postgres -- psql -XAtq -d lab -c \"SELECT count(*) FROM users WHERE name = 'Erin (after failover)'\"" 2>/dev/null)" = 1 ]; }
test_expect_success 'replica2 follows the new timeline (2)' 'retry 60 on_new_timeline'
test_expect_success 'and replays the writes made on the new primary' 'retry 60 has_rows'
done_testing
