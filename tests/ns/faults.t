#!/bin/bash
# faults.t — replab's fault verbs against the namespace lab (its veths are
# named like the VM lab's taps): every cut checked with real traffic in
# each direction, heal restoring it, shaping checked by a measured rate,
# netem refused clearly where the kernel lacks it.
. "$(dirname "$0")/lib.sh"

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

test_expect_success 'before any fault: primary -> replica' 'p_to_r'
test_expect_success 'before any fault: replica -> primary' 'r_to_p'

test_expect_success 'replab partition primary replica' 'replab partition primary replica'
test_expect_success 'partitioned: primary -> replica dropped' '! p_to_r'
test_expect_success 'partitioned: replica -> primary dropped' '! r_to_p'
test_expect_success 'status lists both cuts' '
	replab status >"$WORK/status" 2>&1 &&
	grep "primary -> replica dropped" "$WORK/status"
'
test_expect_success 'with drop counters' 'grep -E "replica -> primary dropped \([1-9][0-9]* packets" "$WORK/status"'
test_expect_success 'replab heal' 'replab heal'
test_expect_success 'healed: primary -> replica' 'p_to_r'
test_expect_success 'healed: replica -> primary' 'r_to_p'
test_expect_success 'healed: the replica streams again' 'wait_streaming 20'

test_expect_success 'replab partition --oneway primary replica' 'replab partition --oneway primary replica'
test_expect_success 'one-way: primary -> replica dropped' '! p_to_r'
test_expect_success 'one-way: replica -> primary still passes' 'r_to_p'
test_expect_success 'replab heal primary replica' 'replab heal primary replica'
test_expect_success 'healed pair: primary -> replica' 'p_to_r'

test_expect_success 'replab isolate replica' 'replab isolate replica'
test_expect_success 'isolated: nothing reaches the replica' '! p_to_r'
test_expect_success 'isolated: nothing leaves it' '! r_to_p'
test_expect_success 'healed after isolation' '
	replab heal &&
	p_to_r
'

# Shaping: 300 kB sent from the primary to the replica, timed by the
# receiver from its first byte to the last (the sender's start-up, slow on
# a loaded host, is not part of the rate).
rate_kbit() {
	in_ns "$NS_REPLICA" timeout 20 sh -c 'socat -u TCP-LISTEN:9998,reuseaddr - | {
		dd bs=1 count=1 status=none >/dev/null
		start=$(date +%s%N)
		n=$(wc -c)
		echo $((n * 8 * 1000000 / ($(date +%s%N) - start)))
	}' >"$WORK/rate" &
	sink=$!
	sleep 0.3
	head -c 300000 /dev/zero | in_ns "$NS_PRIMARY" timeout 15 socat -u - "TCP:$REPLICA_IP:9998"
	wait "$sink"
	cat "$WORK/rate"
}
test_expect_success 'replab shape replica --rate 1mbit' 'replab shape replica --rate 1mbit'
kbit=$(rate_kbit)
test_expect_success "measured $kbit kbit/s to the replica: about 1 Mbit/s" 'test "$kbit" -ge 700 -a "$kbit" -le 1100'
test_expect_success 'status shows the limit' '
	replab status >"$WORK/status" 2>&1 &&
	grep "traffic to replica limited to 1Mbit/s" "$WORK/status"
'
test_expect_success 'replab shape replica --clear' 'replab shape replica --clear'
kbit=$(rate_kbit)
test_expect_success "unshaped again: $kbit kbit/s" 'test "$kbit" -gt 5000'

# A pair's shape: only what each receives from the other (tap-replica's
# class for the primary's packets, and tap-primary's for the replica's).
test_expect_success 'replab shape primary replica --rate 1mbit' 'replab shape primary replica --rate 1mbit'
kbit=$(rate_kbit)
test_expect_success "measured $kbit kbit/s from the primary to the replica: about 1 Mbit/s" '
	test "$kbit" -ge 700 -a "$kbit" -le 1100
'
test_expect_success 'status shows both halves of the pair, on the host' '
	replab status >"$WORK/status" 2>&1 &&
	grep -E "traffic to replica from primary limited to 1Mbit/s \(host: [1-9]" "$WORK/status" &&
	grep -E "traffic to primary from replica limited to 1Mbit/s \(host" "$WORK/status"
'
test_expect_success 'replab shape replica --clear takes both halves away' '
	replab shape replica --clear &&
	replab status >"$WORK/status" 2>&1 &&
	! grep "traffic to" "$WORK/status"
'
kbit=$(rate_kbit)
test_expect_success "unshaped again: $kbit kbit/s" 'test "$kbit" -gt 5000'

# heal --all: the cuts and the shapes at once (the namespace tier has no
# QEMU, so no disk, link or clock faults to clear).
test_expect_success 'replab heal --all takes a cut and a rate away together' '
	replab partition primary replica && replab shape replica --rate 1mbit &&
	replab heal --all >"$WORK/healall.out" &&
	grep "healed: no cut, shape, slow or failing disk, pulled cable or moved clock is left" \
		"$WORK/healall.out" &&
	replab status >"$WORK/status" 2>&1 &&
	sed -n "/^faults on the data network:/,\$p" "$WORK/status" | grep -qx "  none"
'
test_expect_success 'and the link is whole again: primary -> replica' 'p_to_r'
kbit=$(rate_kbit)
test_expect_success "unshaped after heal --all: $kbit kbit/s" 'test "$kbit" -gt 5000'

# netem: on the host where its kernel has it; else in the member, which in
# this tier is a namespace on the host's kernel: so either it works, or
# both mechanisms lack it and it is refused, changing nothing.
tc_state() { ip netns exec "$NS_LAB" tc qdisc show; ip netns exec "$NS_LAB" tc class show dev tap-replica; }
before=$(tc_state)
replab shape replica --delay 50ms >"$WORK/netem.out" 2>&1
rc=$?
if grep -q 'has sch_netem' "$WORK/netem.out"; then
	test_expect_success 'shape --delay refused with exit 1 without netem anywhere' 'test "$rc" -eq 1'
	test_expect_success 'it says why: neither kernel has sch_netem' '
		grep "neither this host.s kernel nor the replica VM.s has sch_netem" "$WORK/netem.out"
	'
	test_expect_success 'and nothing changed' 'is "$(tc_state)" "$before"'
	expect 1 'has sch_netem' "a pair's --loss refused too" -- replab shape primary replica --loss 5%
	skip "no sch_netem here" "a round trip to the replica takes >= 50 ms"
else
	test_expect_success 'replab shape replica --delay 50ms (netem present)' 'test "$rc" -eq 0'
	start=$(date +%s%N)
	in_ns "$NS_PRIMARY" "$PGBIN/pg_isready" -q -h "$REPLICA_IP"
	took=$((($(date +%s%N) - start) / 1000000))
	test_expect_success "a round trip to the replica takes >= 50 ms ($took ms)" 'test "$took" -ge 50'
	replab shape replica --clear >/dev/null
fi

# Bad input: a usage error (exit 2) naming what is wrong, nothing changed.
before=$(tc_state)
expect 2 'jitter needs --delay' "--jitter without --delay" -- replab shape replica --jitter 5ms
expect 2 'reorder needs --delay' "--reorder without --delay" -- replab shape replica --reorder 25%
expect 2 'invalid --loss "5%,101%"' "a correlation out of range" -- replab shape replica --loss 5%,101%
expect 2 'invalid --duplicate "-1%"' "a negative percentage" -- replab shape replica --duplicate -1%
expect 2 'invalid --corrupt "2x"' "an unknown unit" -- replab shape replica --corrupt 2x
expect 2 'invalid --delay "10parsecs"' "an unknown time unit" -- replab shape replica --delay 10parsecs
expect 2 'invalid --jitter "5ms,"' "a jitter with an empty correlation" -- \
	replab shape replica --delay 50ms --jitter 5ms,
expect 2 'invalid --rate "1mbit,5"' "a rate takes no correlation" -- replab shape primary replica --rate 1mbit,5
expect 2 'name two different VMs' "a pair of one VM" -- replab shape replica replica --rate 1mbit
expect 2 'name one VM of primary and replica, or two' "three VMs" -- \
	replab shape primary replica primary --rate 1mbit
test_expect_success 'none of it changed tc' 'is "$(tc_state)" "$before"'

test_expect_success 'partition of a VM with itself (exit 2)' 'test_expect_code 2 replab partition primary primary'
test_expect_success 'partition of an unknown VM (exit 2)' 'test_expect_code 2 replab partition primary standby'
test_expect_success 'heal with one name (exit 2)' 'test_expect_code 2 replab heal primary'
test_expect_success 'heal --all with VMs named (exit 2)' 'test_expect_code 2 replab heal --all primary replica'
test_expect_success 'heal with an unknown option (exit 2)' 'test_expect_code 2 replab heal --bogus'
test_expect_success 'shape with nothing to do (exit 2)' 'test_expect_code 2 replab shape replica'
test_expect_success 'shape --clear with a rate (exit 2)' 'test_expect_code 2 replab shape replica --clear --rate 1mbit'
test_expect_success 'a fault without a lab fails (exit 1)' '
	REPLAB_STATE=$WORK/nolab test_expect_code 1 "$REPLAB" partition primary replica >"$WORK/nolab.out" 2>&1
'
test_expect_success 'and says to bring a lab up' 'grep "replab up" "$WORK/nolab.out"'

done_testing
