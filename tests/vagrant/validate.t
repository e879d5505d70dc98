#!/bin/bash
# validate.t — the Vagrant path without booting anything: the Vagrantfile
# validates; the seeds it attaches are replab's, rendered from cloud-init/
# with this lab's secrets; the boxes are the lab's role images with their
# kernel, registered with Vagrant; the domain type follows replab's choice
# of accelerator; wrong use is reported with what to do.
. "$(dirname "$0")/lib.sh"
trap 'rm -rf "$work"' EXIT

vagrant validate >"$work/validate" 2>&1
ok $? "vagrant validate"
check "it made this lab's seeds with replab seed" test -f "$STATE/primary-seed.iso" -a -f "$STATE/replica-seed.iso"
check "the secrets are private (0700 directory, 0600 key)" \
	test "$(stat -c %a "$STATE/secrets")" = 700 -a "$(stat -c %a "$STATE/secrets/id_ed25519")" = 600
for role in primary replica; do
	case $role in primary) addr=10.77.0.10 ;; replica) addr=10.77.0.11 ;; esac
	isoinfo -i "$STATE/$role-seed.iso" -R -x /network-config >"$work/network-config"
	check "$role: its seed carries the network-config the Vagrantfile reads" \
		cmp -s "$work/network-config" "$STATE/seed-$role/network-config"
	check "$role: rendered from cloud-init/$role, with its address $addr" bash -c \
		"grep -q '$addr/24' '$work/network-config' && ! grep -q '@[A-Z_]*@' '$work/network-config'"
	isoinfo -i "$STATE/$role-seed.iso" -R -x /user-data >"$work/user-data"
	check "$role: its seed authorizes this lab's key for root, the key Vagrant logs in with" \
		grep -qF "$(cat "$STATE/secrets/id_ed25519.pub")" "$work/user-data"
	check "$role: no placeholder is left in its user-data" bash -c "! grep -q '@[A-Z_]*@' '$work/user-data'"
done
cp "$STATE/primary-seed.iso" "$work/seed-before.iso"
vagrant validate >/dev/null 2>&1
check "a second vagrant command keeps the lab's seeds" cmp -s "$work/seed-before.iso" "$STATE/primary-seed.iso"

vagrant box list >"$work/boxes" 2>&1
for role in primary replica; do
	box=$ROOT/build/box/replab-$role.box
	check "box replab-$role is registered for libvirt" grep -Eq "^replab-$role +\(libvirt, " "$work/boxes"
	tar -xOf "$box" metadata.json >"$work/metadata.json"
	jq_check "$work/metadata.json" '.provider == "libvirt" and .format == "qcow2" and .virtual_size == 2'
	tar -xf "$box" -C "$work" box.img
	check "replab-$role: its disk stands alone (no backing file)" \
		bash -c "! qemu-img info '$work/box.img' | grep -q '^backing file'"
	check "replab-$role: its disk holds exactly build/images/$role.qcow2" \
		qemu-img compare -q "$ROOT/build/images/$role.qcow2" "$work/box.img"
	check "replab-$role: the kernel and initrd make run boots" bash -c \
		"tar -xOf '$box' vmlinuz | cmp -s - '$ROOT/build/images/vmlinuz' && tar -xOf '$box' initrd.img | cmp -s - '$ROOT/build/images/initrd.img'"
	rm -f "$work/box.img"
done

accel=$("$REPLAB" accel 2>/dev/null)
if grep -Eq ' (vmx|svm)' /proc/cpuinfo; then want="kvm or tcg"; else want=tcg; fi
check "replab accel: $accel here (without vmx/svm it must be tcg)" bash -c "[[ '$want' == *'$accel'* ]]"
check "REPLAB_ACCEL overrides it" test "$(REPLAB_ACCEL=kvm "$REPLAB" accel)" = kvm

expect 2 'takes no arguments' "replab seed refuses arguments" -- "$REPLAB" seed extra
expect 2 'takes no arguments' "replab accel refuses arguments" -- "$REPLAB" accel extra
mkdir -p "$work/tree"
cp -r "$ROOT/Vagrantfile" "$ROOT/cloud-init" "$ROOT/images" "$work/tree/"
expect 1 'build/bin/replab is missing.*make box' "a checkout with nothing built says to run make box" -- \
	env VAGRANT_CWD="$work/tree" vagrant validate
done_testing
