#!/bin/bash
# faults.t — replab's fault verbs against the namespace lab (its veths are
# named like the VM lab's taps): every cut checked with real traffic in
# each direction, heal restoring it, shaping checked by a measured rate,
# netem refused clearly where the kernel lacks it.
. "$(dirname "$0")/lib.sh"
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
[ -x "$REPLAB" ] || bail "missing $REPLAB: run make"
replab() { REPLAB_STATE=$STATE "$REPLAB" "$@"; }

lab_up || bail "could not bring the namespace lab up"

# Does a UDP datagram from namespace FROM reach ADDR in namespace TO?
reaches() { # reaches FROM-NS TO-NS ADDR
	out=$WORK/udp.$RANDOM
	in_ns "$2" timeout 2 socat -u UDP-RECV:9999 "OPEN:$out,creat" &
	listener=$!
	sleep 0.3
	for i in 1 2 3 4 5; do
		in_ns "$1" bash -c "echo hello$i >/dev/udp/$3/9999" 2>/dev/null
		sleep 0.1
	done
	wait "$listener" 2>/dev/null
	grep -q hello "$out" 2>/dev/null
}
p_to_r() { reaches "$NS_PRIMARY" "$NS_REPLICA" "$REPLICA_IP"; }
r_to_p() { reaches "$NS_REPLICA" "$NS_PRIMARY" "$PRIMARY_IP"; }
not() { ! "$@"; }

check "before any fault: primary -> replica" p_to_r
check "before any fault: replica -> primary" r_to_p

replab partition primary replica >/dev/null
ok $? "replab partition primary replica"
check "partitioned: primary -> replica dropped" not p_to_r
check "partitioned: replica -> primary dropped" not r_to_p
replab status >"$WORK/status" 2>&1
check "status lists both cuts" grep -q 'primary -> replica dropped' "$WORK/status"
check "with drop counters" grep -Eq 'replica -> primary dropped \([1-9][0-9]* packets' "$WORK/status"
replab heal >/dev/null
ok $? "replab heal"
check "healed: primary -> replica" p_to_r
check "healed: replica -> primary" r_to_p
check "healed: the replica streams again" wait_streaming 20

replab partition --oneway primary replica >/dev/null
ok $? "replab partition --oneway primary replica"
check "one-way: primary -> replica dropped" not p_to_r
check "one-way: replica -> primary still passes" r_to_p
replab heal primary replica >/dev/null
ok $? "replab heal primary replica"
check "healed pair: primary -> replica" p_to_r

replab isolate replica >/dev/null
ok $? "replab isolate replica"
check "isolated: nothing reaches the replica" not p_to_r
check "isolated: nothing leaves it" not r_to_p
replab heal >/dev/null
check "healed after isolation" p_to_r

# Shaping: time 300 kB sent from the primary to the replica at 1 Mbit/s.
rate_kbit() {
	in_ns "$NS_REPLICA" timeout 20 socat -u TCP-LISTEN:9998,reuseaddr OPEN:/dev/null &
	sink=$!
	sleep 0.3
	start=$(date +%s%N)
	head -c 300000 /dev/zero | in_ns "$NS_PRIMARY" timeout 15 socat -u - "TCP:$REPLICA_IP:9998"
	wait "$sink"
	echo $((300000 * 8 * 1000000 / ($(date +%s%N) - start)))
}
replab shape replica --rate 1mbit >/dev/null
ok $? "replab shape replica --rate 1mbit"
kbit=$(rate_kbit)
check "measured $kbit kbit/s to the replica: about 1 Mbit/s" test "$kbit" -ge 700 -a "$kbit" -le 1100
check "status shows the limit" bash -c "REPLAB_STATE='$STATE' '$REPLAB' status | grep -q 'traffic to replica limited to 1Mbit/s'"
replab shape replica --clear >/dev/null
ok $? "replab shape replica --clear"
kbit=$(rate_kbit)
check "unshaped again: $kbit kbit/s" test "$kbit" -gt 5000

replab shape replica --delay 50ms >"$WORK/netem.out" 2>&1
rc=$?
if grep -q 'no sch_netem' "$WORK/netem.out"; then
	ok $((rc == 1 ? 0 : 1)) "shape --delay refused with exit 1 on this kernel"
	check "it says why: the kernel lacks sch_netem" grep -q 'this kernel has no sch_netem' "$WORK/netem.out"
	echo "ok $((t_count + 1)) # SKIP kernel lacks sch_netem: delay not measured"
	t_count=$((t_count + 1))
else
	ok $rc "replab shape replica --delay 50ms (netem present)"
	start=$(date +%s%N)
	in_ns "$NS_PRIMARY" "$PGBIN/pg_isready" -q -h "$REPLICA_IP"
	took=$((($(date +%s%N) - start) / 1000000))
	check "a round trip to the replica takes >= 50 ms ($took ms)" test "$took" -ge 50
	replab shape replica --clear >/dev/null
fi

expect_usage() { # expect_usage DESCRIPTION ARGS...
	desc=$1
	shift
	replab "$@" >/dev/null 2>&1
	ok $(($? == 2 ? 0 : 1)) "$desc (exit 2)"
}
expect_usage "partition of a VM with itself" partition primary primary
expect_usage "partition of an unknown VM" partition primary standby
expect_usage "heal with one name" heal primary
expect_usage "shape with nothing to do" shape replica
expect_usage "shape --clear with a rate" shape replica --clear --rate 1mbit
REPLAB_STATE=$WORK/nolab "$REPLAB" partition primary replica >"$WORK/nolab.out" 2>&1
ok $(($? == 1 ? 0 : 1)) "a fault without a lab fails (exit 1)"
check "and says to bring a lab up" grep -q 'replab up' "$WORK/nolab.out"

done_testing
