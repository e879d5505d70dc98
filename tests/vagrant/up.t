#!/bin/bash
# up.t — "vagrant up" for real: both VMs from the lab's boxes, under a
# libvirtd of the test's own inside a network namespace of its own
# (sandbox.sh), with plain QEMU (TCG) where KVM does not work; the replica
# streams; "pgrepl demo" runs in it over "vagrant ssh"; "vagrant destroy -f";
# then nothing is left, and the host's network namespace never changed.
. "$(dirname "$0")/lib.sh"
sandbox=$work/sandbox
trap '"$SANDBOX" stop "$sandbox"; rm -rf "$work"' EXIT

host_net() { ip -d link show; ip route show table all; tc qdisc show; nft list ruleset; }
vg() { "$SANDBOX" run "$sandbox" vagrant "$@"; }
virsh_names() { "$SANDBOX" run "$sandbox" virsh "$@" | sed '/^$/d'; }
host_net >"$work/net.before"

"$SANDBOX" start "$sandbox" >"$work/sandbox.out" 2>&1 || {
	sed 's/^/# /' "$work/sandbox.out"
	bail "could not start the sandbox's libvirtd"
}
ns=$(cat "$sandbox/netns")
ok 0 "a libvirtd of our own runs in network namespace $ns"

start=$(date +%s%N)
vg up >"$work/up.out" 2>&1
status=$?
up_s=$(echo "$(($(date +%s%N) - start))" | awk '{ printf "%.1f", $1 / 1e9 }')
ok $status "vagrant up: both VMs up and the replica streaming (it returned after $up_s s)"
if [ "$status" -ne 0 ]; then
	tail -n 30 "$work/up.out" | sed 's/^/#   /'
	for log in "$STATE"/*.serial.log; do
		echo "# the end of $log:"
		tail -n 15 "$log" | sed 's/^/#   /'
	done
fi
streamed=$(sed -n 's/.*replab-ready: streaming .*uptime=\([0-9.]*\).*/\1/p' "$STATE/replica.serial.log" | head -n 1)
echo "# vagrant up returned after $up_s s; the replica streamed ${streamed:-?} s after its power-on"
if [ "$("$REPLAB" accel 2>/dev/null)" = kvm ]; then type=kvm; else type=qemu; fi
check "libvirt domain type $type, as replab accel chose" grep -Eq "Domain type: +$type\$" "$work/up.out"
check "the primary reported accepting connections" grep -q 'replab-ready: postgres role=primary host=primary addr=10.77.0.10/24' "$work/up.out"
check "the replica reported streaming" grep -q 'replab-ready: streaming role=replica host=replica addr=10.77.0.11/24' "$work/up.out"
check "the guests' readiness unit wrote to their serial consoles" \
	grep -q 'replab-ready: streaming role=replica' "$STATE/replica.serial.log"

vg status >"$work/status" 2>&1
check "vagrant status: both running" bash -c "grep -Eq '^primary +running' '$work/status' && grep -Eq '^replica +running' '$work/status'"
vg ssh replica -c 'pgrepl demo' >"$work/demo.out" 2>&1
ok $? "vagrant ssh replica -c 'pgrepl demo'"
check "the demo saw the three users on the replica" grep -q 'all three visible on the replica' "$work/demo.out"
check "the replica refused a write (SQLSTATE 25006)" grep -q 'SQLSTATE 25006' "$work/demo.out"
vg ssh replica -c 'pgrepl --json status' >"$work/status.json" 2>/dev/null
jq_check "$work/status.json" '.primary.role == "primary" and ([.primary.standbys[] | select(.state == "streaming")] | length == 1)'
jq_check "$work/status.json" '.replica.role == "standby" and .replica.receiver_status == "streaming" and .replica.sender_host == "10.77.0.10"'

qemu_users=$(for p in $(ip netns pids "$ns"); do
	[ "$(cat "/proc/$p/comm")" = qemu-system-x86 ] && ps -o user= -p "$p"; done | sort -u | xargs)
check "QEMU runs as libvirt-qemu, as under Debian's libvirtd (users: $qemu_users)" test "$qemu_users" = libvirt-qemu
virsh_names vol-list default >"$work/volumes"
check "the kernel, the initrd and both seeds are in libvirt's pool" bash -c \
	"grep -c 'replab-vmlinuz-\|replab-initrd.img-\|replab-primary-seed-\|replab-replica-seed-' '$work/volumes' | grep -qx 4"
virsh_names net-list --name >"$work/nets"
check "the libvirt networks replab-mgmt and replab-data are in the sandbox" \
	bash -c "grep -qx replab-mgmt '$work/nets' && grep -qx replab-data '$work/nets'"
host_net >"$work/net.during"
check "with both VMs running, the host's links, routes, qdiscs and rules are as before" \
	diff "$work/net.before" "$work/net.during"

vg destroy -f >"$work/destroy.out" 2>&1
ok $? "vagrant destroy -f"
check "no domain is left" test -z "$(virsh_names list --all --name)"
check "no libvirt network is left" test -z "$(virsh_names net-list --all --name)"
check "the lab's seeds and secrets went with its last VM" test ! -e "$STATE"
no_seed_volume() { ! virsh_names vol-list default | grep -q seed; }
check "and so did their copies in libvirt's pool" no_seed_volume

"$SANDBOX" stop "$sandbox"
ok $? "the sandbox stops"
check "its network namespace is gone" bash -c "! ip netns list | grep -qw '$ns'"
check "and so is its directory" test ! -e "$sandbox"
host_net >"$work/net.after"
check "the host's links, routes, qdiscs and rules are as before" diff "$work/net.before" "$work/net.after"
done_testing
