#!/bin/sh
# wal-disk.sh — put PostgreSQL's WAL on the VM's own small WAL disk, at
# every boot before the server starts.
#
# replab gives each VM a second, empty virtual disk with the serial number
# "replab-wal", found by that serial in sysfs (there as soon as the kernel
# has probed the disk, with no wait for udev's links).  It is mapped
# through device-mapper as /dev/mapper/replab-wal, a linear map of the
# whole disk that "replab disk VM --fail" swaps for a flakey one whose
# writes fail, and mounted on /var/lib/replab/wal.  Its filesystem comes
# made (images/base-image.sh): ext4 without a journal, so that failed
# writes break only the writes, not the filesystem (a journal whose commit
# fails turns the filesystem read-only until it is checked).  The first
# boot adds a 32 MiB "reserve" file an administrator can delete when the
# disk is full (and any boot that finds it gone).  A data
# directory whose pg_wal is still a directory (the primary's, made with
# the image) has its WAL moved there, pg_wal becoming a symlink; a replica
# copied from the primary gets its WAL there from pg_basebackup --waldir.
# A VM without the disk (one started by Vagrant) keeps its WAL in pg_wal.
#
#   usage: wal-disk.sh [setup | fail | heal | state]
#     setup  (the default, at boot) as above
#     fail   every write to the disk fails from now on (EIO), reads work:
#            dm-flakey, down all the time, with error_writes
#     heal   the linear map again: writes reach the disk
#     state  prints "ok", "failing" (writes fail) or "none" (no WAL disk)
set -eu

disk=""
for serial in /sys/block/vd*/serial; do
	[ "$(cat "$serial" 2>/dev/null)" = replab-wal ] || continue
	disk=${serial%/serial}
	disk=/dev/${disk##*/}
done
map=replab-wal
mnt=/var/lib/replab/wal
data=/var/lib/replab/pgdata


# map TABLE-TAIL: the map over the whole disk, replaced (or made) with that
# target.  Suspended first without freezing the filesystem and without
# flushing what is in flight: a freeze writes the filesystem's dirty data
# out, which a failing disk cannot take (the suspend, and so the heal,
# would fail with it).  Resumed whatever the load did: a suspended map
# holds every I/O.
map() {
	table="0 $(blockdev --getsz "$disk") $1"
	if dmsetup info "$map" >/dev/null 2>&1; then
		dmsetup suspend --nolockfs --noflush "$map"
		loaded=0
		dmsetup load "$map" --table "$table" || loaded=$?
		dmsetup resume "$map"
		return "$loaded"
	else
		dmsetup create "$map" --table "$table"
	fi
}

case "${1:-setup}" in
setup) ;;
fail | heal)
	[ -n "$disk" ] || { echo "wal-disk: this VM has no WAL disk" >&2; exit 1; }
	if [ "$1" = fail ]; then
		# Up for 0 s, down for an hour at a time: down, erroring writes.
		map "flakey $disk 0 0 3600 1 error_writes"
	else
		map "linear $disk 0"
	fi
	exit 0
	;;
state)
	if [ -z "$disk" ] || ! dmsetup info "$map" >/dev/null 2>&1; then
		echo none
	elif dmsetup table "$map" | grep -q ' flakey '; then
		echo failing
	else
		echo ok
	fi
	exit 0
	;;
*)
	echo "usage: $0 [setup | fail | heal | state]" >&2
	exit 2
	;;
esac

[ -n "$disk" ] && [ -b "$disk" ] || { echo "wal-disk: no WAL disk: the WAL stays in $data/pg_wal"; exit 0; }
dmsetup info "$map" >/dev/null 2>&1 || map "linear $disk 0"
mkdir -p "$mnt"
mountpoint -q "$mnt" || mount -o noatime "/dev/mapper/$map" "$mnt"
chown postgres:postgres "$mnt"
[ -e "$mnt/reserve" ] || fallocate -l 32M "$mnt/reserve"
if [ -d "$data/pg_wal" ] && [ ! -L "$data/pg_wal" ]; then
	rm -rf "$mnt/pg_wal"
	cp -a "$data/pg_wal" "$mnt/pg_wal"
	sync
	rm -rf "$data/pg_wal"
	ln -s "$mnt/pg_wal" "$data/pg_wal"
	chown -h postgres:postgres "$data/pg_wal"
	echo "wal-disk: the WAL of $data moved to $mnt/pg_wal"
fi
echo "wal-disk: $(df -h --output=size,avail "$mnt" | tail -n 1 | awk '{ print $1 " disk, " $2 " free" }') on $mnt"
