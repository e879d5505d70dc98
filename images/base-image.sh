#!/bin/bash
# base-image.sh — the base disk image from the staged root filesystem:
# ext4 made straight from the directory (mke2fs -d, seconds) converted to
# qcow2, plus the kernel and initrd for QEMU's direct kernel boot (no
# bootloader in the image: QEMU loads them, which is faster and simpler);
# and the empty WAL disk every VM's pg_wal disk is an overlay on: 256 MiB
# of ext4 without a journal (images/guest/wal-disk.sh says why), made here
# at native speed rather than by mkfs in each guest under emulation.
#
#   usage: images/base-image.sh ROOTFS OUTDIR
# Writes OUTDIR/base.qcow2, OUTDIR/wal.qcow2, OUTDIR/vmlinuz and
# OUTDIR/initrd.img under temporary names first, so an interrupted run
# leaves no half image.
set -euo pipefail
root=${1:?usage: base-image.sh ROOTFS OUTDIR}
out=${2:?usage: base-image.sh ROOTFS OUTDIR}
size=2G
mkdir -p "$out"
raw=$out/base.raw.tmp
walraw=$out/wal.raw.tmp
trap 'rm -f "$raw" "$walraw" "$out"/*.tmp' EXIT

cp -L "$root/vmlinuz" "$out/vmlinuz.tmp"
cp -L "$root/initrd.img" "$out/initrd.img.tmp"
# lazy_itable_init=0: inode tables are written now, as zeros that qcow2
# does not store, instead of by the guest's ext4lazyinit at first boot.
mke2fs -q -t ext4 -L replab-root -d "$root" -E lazy_itable_init=0,lazy_journal_init=0 -F "$raw" "$size"
qemu-img convert -O qcow2 "$raw" "$out/base.qcow2.tmp"
mke2fs -q -t ext4 -O ^has_journal -m 0 -L replab-wal -E lazy_itable_init=0 -F "$walraw" 256M
qemu-img convert -O qcow2 "$walraw" "$out/wal.qcow2.tmp"
for f in vmlinuz initrd.img base.qcow2 wal.qcow2; do
	mv "$out/$f.tmp" "$out/$f"
done
echo "base image: $out/base.qcow2 ($(du -h "$out/base.qcow2" | cut -f1) on disk, $size filesystem)"
