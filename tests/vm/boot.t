#!/bin/bash
# boot.t — boot the primary's image once, under TCG when KVM is unusable,
# with a NoCloud seed rendered from cloud-init/primary, and wait for the
# ready marker its replab-ready.service writes on the serial console.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
. "$ROOT/tests/tap.sh"
IMAGES=$ROOT/build/images
[ -f "$IMAGES/primary.qcow2" ] || bail "missing $IMAGES/primary.qcow2: run make lab"
work=$(mktemp -d)
qemu=""
cleanup() {
	[ -n "$qemu" ] && kill -KILL "$qemu" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# The seed: the templates with this run's secrets in place of @NAME@.
mkdir "$work/seed"
pw() { head -c 18 /dev/urandom | base64 | tr '+/' '._'; }
repl=$(pw) lab=$(pw)
for f in user-data meta-data network-config; do
	sed -e "s/@REPLICATION_PASSWORD@/$repl/g" -e "s/@LAB_PASSWORD@/$lab/g" \
		-e "s/@INSTANCE_ID@/boot-test-$$/g" "$ROOT/cloud-init/primary/$f" >"$work/seed/$f"
done
check "the seed has no placeholder left" bash -c "! cat '$work'/seed/* | grep -v '^#' | grep -q '@[A-Z_]*@'"
genisoimage -quiet -output "$work/seed.iso" -volid cidata -joliet -rock \
	"$work/seed/user-data" "$work/seed/meta-data" "$work/seed/network-config"
ok $? "seed volume (label cidata) made"

qemu-img create -q -f qcow2 -b "$IMAGES/primary.qcow2" -F qcow2 "$work/disk.qcow2"
accel="tcg,tb-size=128"
[ "${REPLAB_ACCEL:-}" = kvm ] && accel=kvm
start=$(date +%s%N)
qemu-system-x86_64 -accel "$accel" -machine q35 -cpu max -smp 2 -m 1024 -nodefaults -display none \
	-no-reboot -kernel "$IMAGES/vmlinuz" -initrd "$IMAGES/initrd.img" \
	-append "root=/dev/vda rw console=ttyS0 panic=-1" \
	-drive "file=$work/disk.qcow2,if=virtio,format=qcow2,cache=unsafe" \
	-drive "file=$work/seed.iso,if=virtio,format=raw,readonly=on" \
	-netdev user,id=data,restrict=on -device virtio-net-pci,netdev=data,mac=52:54:00:77:00:10 \
	-device virtio-rng-pci -serial "file:$work/serial.log" &
qemu=$!

ready=""
for _ in $(seq 1800); do
	if grep -q 'replab-ready: ' "$work/serial.log" 2>/dev/null; then
		ready=$(grep -m1 'replab-ready: ' "$work/serial.log")
		break
	fi
	kill -0 "$qemu" 2>/dev/null || break
	sleep 0.1
done
took=$((($(date +%s%N) - start) / 1000000))
check "the primary reports PostgreSQL accepting connections ($ready)" \
	bash -c "[[ '$ready' == *'replab-ready: postgres role=primary'* ]]"
echo "# power-on to PostgreSQL accepting connections (passwords set): $took ms, ${accel%%,*}"
check "cloud-init applied the seed's hostname and data address" \
	bash -c "[[ '$ready' == *'host=primary addr=10.77.0.10/24 '* ]]"
if [ -z "$ready" ] || [[ "$ready" != *postgres* ]]; then
	echo "# the end of the serial log:"
	tail -n 30 "$work/serial.log" | sed 's/^/#   /'
fi
done_testing
