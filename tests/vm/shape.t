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

# The guest image has no ping: ICMP echo from python3 (cloud-init's) on a
# raw socket.  It prints "SENT RECEIVED MEAN-RTT-MS", one request every GAP s.
PING='
import os, select, socket, struct, sys, time
dst, count, gap = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
ident, sent, rtts = os.getpid() & 0xFFFF, {}, []
def csum(b):
    t = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    t = (t >> 16) + (t & 0xFFFF)
    return ~(t + (t >> 16)) & 0xFFFF
def receive(for_s):
    end = time.monotonic() + for_s
    while select.select([s], [], [], max(0, end - time.monotonic()))[0]:
        pkt, addr = s.recvfrom(2048)
        ihl = (pkt[0] & 15) * 4
        kind, _, _, pid, seq = struct.unpack("!BBHHH", pkt[ihl:ihl + 8])
        if addr[0] == dst and kind == 0 and pid == ident and seq in sent:
            rtts.append((time.monotonic() - sent.pop(seq)) * 1000)
for seq in range(count):
    body = b"replab-shape" * 4
    head = struct.pack("!BBHHH", 8, 0, 0, ident, seq)
    head = struct.pack("!BBHHH", 8, 0, csum(head + body), ident, seq)
    sent[seq] = time.monotonic()
    s.sendto(head + body, (dst, 0))
    receive(gap)
receive(2)
print(count, len(rtts), "%.2f" % (sum(rtts) / len(rtts) if rtts else -1))
'
ping_replica() { # ping_replica COUNT GAP: from the primary, "SENT RECEIVED MEAN-RTT-MS"
	replab exec primary -- python3 -c "$PING" "$REPLICA_IP" "$1" "$2"
}
rtt() { ping_replica 20 0.05 | awk '{ print $3 }'; } # the mean round trip, ms
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
read -r sent got _ < <(ping_replica 2000 0.01)
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
