#!/bin/bash
# box.sh — a vagrant-libvirt box of one role's image: the role image that
# "replab build" made (the base image plus the role's overlay) flattened
# into one standalone qcow2, the kernel and initrd it boots with,
# metadata.json, and images/box/Vagrantfile.
#
#   usage: images/box.sh ROLE-IMAGE IMAGES-DIR OUT.box
# Writes OUT.box under a temporary name first, so an interrupted run
# leaves no half box.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
usage="usage: box.sh ROLE-IMAGE IMAGES-DIR OUT.box"
image=${1:?$usage}
images=${2:?$usage}
out=${3:?$usage}
tmp=$(mktemp -d "$(dirname "$out")/.box.XXXXXX")
trap 'rm -rf "$tmp" "$out.tmp"' EXIT

qemu-img convert -O qcow2 "$image" "$tmp/box.img"
# vagrant-libvirt sizes the VM's disk from virtual_size, in whole GiB.
bytes=$(qemu-img info --output=json "$tmp/box.img" | jq '.["virtual-size"]')
printf '{ "provider": "libvirt", "format": "qcow2", "virtual_size": %d }\n' \
	$(((bytes + (1 << 30) - 1) >> 30)) >"$tmp/metadata.json"
cp "$here/box/Vagrantfile" "$tmp/Vagrantfile"
cp "$images/vmlinuz" "$images/initrd.img" "$tmp/"
tar -c -S -f "$out.tmp" -C "$tmp" metadata.json Vagrantfile box.img vmlinuz initrd.img
mv "$out.tmp" "$out"
echo "box: $out ($(du -h "$out" | cut -f1)) from $image"
