#!/bin/bash
# partition.t — cut the replica off with tc (pfifo limit 0 drops all of an
# interface's egress: this kernel has no netem), write on the primary, see
# the rows missing on the replica, heal, see them arrive.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"

count_on_replica() {
	lab_psql "$NS_REPLICA" "$REPLICA_IP" "SELECT count(*) FROM cut_test" 2>/dev/null || echo -1
}
replica_has() { [ "$(count_on_replica)" = "$1" ]; }
reachable() { # reachable FROM-NAMESPACE ADDRESS: does pg_isready get an answer within 2 s?
	PGCONNECT_TIMEOUT=2 ip netns exec "$1" "$PGBIN/pg_isready" -q -h "$2"
}

test_expect_success 'table replicated before the cut' '
	lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "CREATE TABLE cut_test (id int PRIMARY KEY)" &&
	retry 5 replica_has 0
'

# Drop everything towards the replica (its bridge port) and from it (its eth0).
test_expect_success 'the replica is cut off with tc' '
	tc -n "$NS_LAB" qdisc add dev tap-replica root pfifo limit 0 &&
	tc -n "$NS_REPLICA" qdisc add dev eth0 root pfifo limit 0
'
test_expect_success 'the primary can no longer connect to the replica' '! reachable "$NS_PRIMARY" "$REPLICA_IP"'
test_expect_success 'the replica can no longer connect to the primary' '! reachable "$NS_REPLICA" "$PRIMARY_IP"'

test_expect_success '500 rows committed on the primary during the cut' '
	lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "INSERT INTO cut_test SELECT generate_series(1, 500)"
'
test_expect_success 'the rows written during the cut are absent on the replica' '
	sleep 1.5 &&
	is "$(count_on_replica)" 0
'
drops=$(tc -s -n "$NS_LAB" qdisc show dev tap-replica | awk '/dropped/ { sub(",", "", $7); print $7; exit }')
test_expect_success "tc counted dropped packets ($drops)" 'test "${drops:-0}" -gt 0'

heal_at=$(date +%s.%N)
test_expect_success 'the cut is healed' '
	tc -n "$NS_LAB" qdisc del dev tap-replica root &&
	tc -n "$NS_REPLICA" qdisc del dev eth0 root
'
arrived=""
test_expect_success 'after the heal all 500 rows arrive on the replica' '
	for _ in $(seq 300); do
		if replica_has 500; then
			arrived=$(date +%s.%N)
			break
		fi
		sleep 0.05
	done
	test -n "$arrived"
'
[ -n "$arrived" ] && awk "BEGIN { printf \"# rows arrived %.2f s after the heal\\n\", $arrived - $heal_at }"
test_expect_success 'the replica streams again' 'wait_streaming 20'

done_testing
