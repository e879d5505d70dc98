#!/bin/bash
# shape.t — replab shape on the real VM lab, each effect measured with the
# real network, from the primary over the data network: the round trip to
# the replica under --delay, a loss rate over 2000 pings within a binomial
# tolerance, a pair's shape acting both ways, status showing the mechanism
# (netem in the guests' kernels where the host has no sch_netem) and its
# counters, --clear giving the round trip back, a frozen VM refused.
. "$(dirname "$0")/lib.sh"

REPLICA_IP=10.77.0.11
mech=guest
modprobe --dry-run --quiet sch_netem 2>/dev/null && mech=host

rtt() { # rtt: the mean round trip from the primary to the replica, ms (20 pings)
	replab exec primary -- ping -q -n -c 20 -i 0.05 "$REPLICA_IP" |
		sed -n 's|^rtt [^=]*= [0-9.]*/\([0-9.]*\)/.*|\1|p'
}
within() { # within VALUE LOW HIGH
	awk -v v="$1" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v != "" && v >= lo && v <= hi) }'
}

vm_lab_up
ok 0 "lab up"

base=$(rtt)
test_expect_success "a round trip to the replica unshaped: $base ms" 'within "$base" 0 50'

test_expect_success 'replab shape replica --delay 100ms' 'replab shape replica --delay 100ms'
delayed=$(rtt)
test_expect_success "with it: $delayed ms, the base plus 100 ms (+-20)" '
	within "$delayed" "$(echo "$base + 80" | bc)" "$(echo "$base + 120" | bc)"
'
test_expect_success "status shows the shape, mechanism $mech, with counters" '
	replab status >"$work/status" 2>&1 &&
	grep -E "traffic to replica: netem .*\($mech: [1-9][0-9]* packets sent, [0-9]+ dropped\)" \
		"$work/status"
'

# 2000 pings, each lost with p = 0.2 on its way to the replica: the number
# lost is binomial, mean 400, sigma sqrt(2000 * 0.2 * 0.8) = 17.9.
test_expect_success 'replab shape replica --loss 20% (replacing the delay)' 'replab shape replica --loss 20%'
replab exec primary -- ping -q -n -c 2000 -i 0.01 -W 1 "$REPLICA_IP" >"$work/loss" 2>&1
sent=$(sed -n 's/^\([0-9]*\) packets transmitted.*/\1/p' "$work/loss")
got=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$work/loss")
lost=$((${sent:-0} - ${got:-0}))
test_expect_success "lost $lost of $sent: 400 +- 72 (4 sigma)" '
	test "${sent:-0}" -eq 2000 && test "$lost" -ge 328 -a "$lost" -le 472
'
test_expect_success 'status counts the drops' '
	replab status >"$work/status" 2>&1 &&
	grep -E "traffic to replica: netem .*\($mech: [0-9]+ packets sent, [1-9][0-9]* dropped\)" \
		"$work/status"
'
test_expect_success 'replab shape replica --clear' 'replab shape replica --clear'

test_expect_success 'replab shape primary replica --delay 50ms (the pair, both ways)' '
	replab shape primary replica --delay 50ms
'
paired=$(rtt)
test_expect_success "a round trip: $paired ms, the base plus 100 ms (+-25)" '
	within "$paired" "$(echo "$base + 75" | bc)" "$(echo "$base + 125" | bc)"
'
test_expect_success 'status shows both halves of the pair' '
	replab status >"$work/status" 2>&1 &&
	grep -E "traffic to replica from primary: netem .*\($mech: [1-9]" "$work/status" &&
	grep -E "traffic to primary from replica: netem .*\($mech: [1-9]" "$work/status"
'
test_expect_success 'replab shape primary --clear (both halves go)' 'replab shape primary --clear'
cleared=$(rtt)
test_expect_success "the round trip is back: $cleared ms" 'within "$cleared" 0 "$(echo "$base + 20" | bc)"'
test_expect_success 'and status shows no shape' '
	replab status >"$work/status" 2>&1 &&
	! grep "traffic to" "$work/status"
'

test_expect_success 'replab freeze replica' 'replab freeze replica'
if [ "$mech" = guest ]; then
	expect 1 'the replica VM is frozen' "a shape for a frozen VM's guest is refused" -- \
		replab shape replica --delay 10ms
	test_expect_success 'status says the guest cannot answer' '
		replab status >"$work/status" 2>&1 &&
		grep "traffic to replica: shapes in its guest unknown (paused)" "$work/status"
	'
else
	skip "netem on the host's taps" "a frozen VM's guest is not needed"
	skip "netem on the host's taps" "status reads no guest"
fi
test_expect_success 'replab thaw replica' 'replab thaw replica'
test_expect_success 'nothing was shaped' '
	replab status >"$work/status" 2>&1 &&
	! grep "traffic to" "$work/status"
'
done_testing
