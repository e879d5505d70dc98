#!/bin/bash
# rootfs.sh — the lab's VM root filesystem, from Debian packages only.
#
#   usage: images/rootfs.sh OUTDIR APT-CACHE-DIR
#
# mmdebstrap installs images/packages.txt from bookworm (+ updates and
# security) into OUTDIR.  Downloaded .debs are kept in APT-CACHE-DIR, so a
# rebuild downloads nothing.  The hooks below trim and configure the system;
# the lab's own files are added later by images/stage.sh, so changing them
# does not rebuild this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: rootfs.sh OUTDIR APT-CACHE-DIR}
cache=$(realpath -m "${2:?usage: rootfs.sh OUTDIR APT-CACHE-DIR}")
. "$here/debian.sh"

mmdebstrap_common "$cache"
rm -rf "$out"

# Before any package is unpacked: no default cluster from postgresql-common,
# a small initrd with what a virtio guest needs, and the IDE CD-ROM driver
# for the seed the Vagrantfile attaches (loaded before cloud-init looks for
# it, which does not wait for udev), no KVM modules (-cpu max would load
# them in the guest).
setup_hook='set -e
mkdir -p "$1/etc/postgresql-common" "$1/etc/initramfs-tools/conf.d" "$1/etc/modprobe.d" \
	"$1/usr/share/initramfs-tools/modules.d"
echo "create_main_cluster = false" >"$1/etc/postgresql-common/createcluster.conf"
printf "MODULES=list\nCOMPRESS=zstd\n" >"$1/etc/initramfs-tools/conf.d/replab.conf"
printf "virtio_pci\nvirtio_blk\next4\nata_piix\nsr_mod\n" >"$1/usr/share/initramfs-tools/modules.d/replab"
printf "blacklist kvm\nblacklist kvm_amd\nblacklist kvm_intel\n" >"$1/etc/modprobe.d/replab-no-kvm.conf"'

# After installation: nothing of the build host leaks in, the root
# filesystem and network come up, SSH host keys are made per lab (from the
# cloud-init seed, not baked in), root has no password that could ever
# match (locked: SSH takes the lab's key, and the serial console logs root
# in by itself, images/guest/serial-getty-autologin.conf), and units that
# only cost boot time are off.
customize_hook='set -e
R=$1
echo localhost >"$R/etc/hostname"
printf "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n" >"$R/etc/hosts"
rm -f "$R/etc/resolv.conf"; : >"$R/etc/resolv.conf"
echo "/dev/vda / ext4 rw,noatime,errors=remount-ro 0 1" >"$R/etc/fstab"
echo "LANG=C.UTF-8" >"$R/etc/default/locale"
rm -f "$R"/etc/ssh/ssh_host_*
chroot "$R" usermod --password "!" root
chroot "$R" systemctl -q enable systemd-networkd.service
chroot "$R" systemctl -q mask systemd-networkd-wait-online.service e2scrub_reap.service \
	e2scrub_all.timer getty-static.service apt-daily.timer apt-daily-upgrade.timer \
	dpkg-db-backup.timer cloud-config.service cloud-final.service'

mmdebstrap "${MMDEBSTRAP_COMMON[@]}" \
	--include="$(package_list "$here/packages.txt")" \
	--setup-hook="$setup_hook" \
	--customize-hook="$customize_hook" \
	--customize-hook='umount "$1/var/cache/apt/archives"' \
	bookworm "$out" "${MIRROR_SOURCES[@]}"
