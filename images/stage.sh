#!/bin/bash
# stage.sh — add the lab's own files to the root filesystem made by
# rootfs.sh: pgrepl, the PostgreSQL scripts and settings, the systemd units,
# cloud-init's configuration,
# and the primary's cluster, made ahead of time at native speed (initdb
# under software emulation takes ~17 s of every first boot).  The cluster
# waits at /var/lib/replab/primary-pgdata; "replab build" moves it into
# place in the primary's image and removes it from the replica's.
#
#   usage: images/stage.sh ROOTFS PGREPL-BINARY
# Idempotent: running it again replaces what it added.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=${1:?usage: stage.sh ROOTFS PGREPL-BINARY}
pgrepl=${2:?usage: stage.sh ROOTFS PGREPL-BINARY}
lib=$root/usr/local/lib/replab

install -D -m 755 "$pgrepl" "$root/usr/local/bin/pgrepl"
install -d "$lib" "$root/etc/replab"
install -m 755 "$here"/postgres/*.sh "$here/guest/ready.sh" "$here/guest/wal-disk.sh" "$lib/"
install -m 644 "$here/postgres/replication.conf" "$lib/"
install -m 644 "$here/guest/pgrepl.conf" "$root/etc/replab/pgrepl.conf"
install -m 644 "$here/guest/cloud.cfg" "$root/etc/cloud/cloud.cfg.d/99-replab.cfg"
install -m 644 "$here/guest/sshd.conf" "$root/etc/ssh/sshd_config.d/replab.conf"
install -D -m 644 "$here/guest/serial-getty-autologin.conf" \
	"$root/etc/systemd/system/serial-getty@ttyS0.service.d/autologin.conf"
install -m 644 "$here"/systemd/*.service "$root/etc/systemd/system/"
chroot "$root" systemctl -q enable replab-postgres.service replab-ready.service replab-wal-disk.service

# The cluster, made in the image's own chroot with its own PostgreSQL.
template=/var/lib/replab/primary-pgdata
rm -rf "$root/var/lib/replab"
install -d -o "$(chroot "$root" id -u postgres)" -g "$(chroot "$root" id -g postgres)" \
	"$root/var/lib/replab"
unshare --mount --fork sh -c '
	mount -t proc proc "$1/proc" && mount -t tmpfs tmpfs "$1/dev/shm" &&
	chroot "$1" runuser -u postgres -- /usr/local/lib/replab/primary-init.sh --data "$2"' \
	sh "$root" "$template"
