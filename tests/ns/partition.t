#!/bin/bash
# partition.t — cut the replica off with tc (pfifo limit 0 drops all of an
# interface's egress: this kernel has no netem), write on the primary, see
# the rows missing on the replica, heal, see them arrive.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"

count_on_replica() {
	lab_psql "$NS_REPLICA" "$REPLICA_IP" "SELECT count(*) FROM cut_test" 2>/dev/null || echo -1
}

lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "CREATE TABLE cut_test (id int PRIMARY KEY)"
for _ in $(seq 50); do
	[ "$(count_on_replica)" = 0 ] && break
	sleep 0.1
done
check "table replicated before the cut" test "$(count_on_replica)" = 0

# Drop everything towards the replica (its bridge port) and from it (its eth0).
tc -n "$NS_LAB" qdisc add dev tap-replica root pfifo limit 0
tc -n "$NS_REPLICA" qdisc add dev eth0 root pfifo limit 0
check "the primary can no longer connect to the replica" \
	bash -c "! PGCONNECT_TIMEOUT=2 ip netns exec '$NS_PRIMARY' '$PGBIN/pg_isready' -q -h $REPLICA_IP"
check "the replica can no longer connect to the primary" \
	bash -c "! PGCONNECT_TIMEOUT=2 ip netns exec '$NS_REPLICA' '$PGBIN/pg_isready' -q -h $PRIMARY_IP"

lab_psql "$NS_PRIMARY" "$PRIMARY_IP" "INSERT INTO cut_test SELECT generate_series(1, 500)"
ok $? "500 rows committed on the primary during the cut"
sleep 1.5
check "the rows written during the cut are absent on the replica" test "$(count_on_replica)" = 0
drops=$(tc -s -n "$NS_LAB" qdisc show dev tap-replica | awk '/dropped/ { sub(",", "", $7); print $7; exit }')
check "tc counted dropped packets ($drops)" test "${drops:-0}" -gt 0

heal_at=$(date +%s.%N)
tc -n "$NS_LAB" qdisc del dev tap-replica root
tc -n "$NS_REPLICA" qdisc del dev eth0 root
arrived=""
for _ in $(seq 300); do
	if [ "$(count_on_replica)" = 500 ]; then
		arrived=$(date +%s.%N)
		break
	fi
	sleep 0.05
done
check "after the heal all 500 rows arrive on the replica" test -n "$arrived"
[ -n "$arrived" ] && awk "BEGIN { printf \"# rows arrived %.2f s after the heal\\n\", $arrived - $heal_at }"
check "the replica streams again" wait_streaming 20

done_testing
