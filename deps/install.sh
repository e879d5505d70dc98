#!/bin/sh
# Install the Debian packages listed in deps/debian-packages.txt that are
# missing (without recommended packages), and the unprivileged system user
# the lab's QEMUs run as when replab runs as root.  Does nothing when all is
# there; as root runs apt-get and useradd; as anyone else prints the
# commands to run.
set -eu
list="$(dirname "$0")/debian-packages.txt"
qemu_user=replab-qemu
missing=""
for pkg in $(sed 's/#.*//' "$list"); do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	case "$status" in
	ii*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
user_missing=false
getent passwd "$qemu_user" >/dev/null || user_missing=true
[ -z "$missing" ] && [ "$user_missing" = false ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	if [ -n "$missing" ]; then
		echo "deps: installing:$missing"
		apt-get update -qq
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
	fi
	if [ "$user_missing" = true ]; then
		echo "deps: adding the system user $qemu_user (the lab's QEMUs run as it)"
		useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$qemu_user"
	fi
else
	[ -n "$missing" ] && echo "deps: missing Debian packages:$missing" >&2 &&
		echo "deps: hint: run: sudo apt-get install -y --no-install-recommends$missing" >&2
	[ "$user_missing" = true ] && echo "deps: hint: run: sudo useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin $qemu_user" >&2
	[ -n "$missing" ] && exit 1
	exit 0
fi
