#!/bin/bash
# sandbox.sh — a private libvirtd for the Vagrant tier, in a network
# namespace of its own, so that everything Vagrant makes (libvirt networks,
# bridges, dnsmasq, firewall rules, the VMs' taps) lives and dies there and
# nothing is added to the host's own network namespace.
#
#   tests/vagrant/sandbox.sh start DIR   start it; state, pool and logs in DIR
#   tests/vagrant/sandbox.sh run DIR CMD...   run CMD in the namespace, with
#                                         LIBVIRT_DEFAULT_URI naming this libvirtd
#   tests/vagrant/sandbox.sh stop DIR    destroy what is left in it, stop
#                                         every process in the namespace, remove it
#
# libvirtd runs as root in a mount namespace of its own where /etc/libvirt,
# /run, /var/lib/libvirt, /var/cache/libvirt and /var/log/libvirt are
# directories under DIR (the configuration a copy of the host's, changed
# there): the host's libvirt state is never read or written.  Its socket is
# DIR/run/libvirt-sock.
set -euo pipefail

usage() {
	echo "usage: $0 start DIR | run DIR CMD... | stop DIR" >&2
	exit 2
}
[ $# -ge 2 ] || usage
verb=$1
dir=$(realpath -m "$2")
shift 2
uri="qemu:///system?socket=$dir/run/libvirt-sock"

# The private configuration: QEMU as Debian's libvirt-qemu user, as a
# system libvirtd runs it, but without a security driver or cgroups (none
# is set up in the namespace), its output to plain files (no virtlogd), and
# no network defined in advance.
configure() {
	mkdir -p "$dir"/{etc,run,lib,cache,log}
	cp -a /etc/libvirt/. "$dir/etc/"
	rm -f "$dir"/etc/qemu/networks/*.xml "$dir"/etc/qemu/networks/autostart/*
	cat >>"$dir/etc/qemu.conf" <<-'CONF'
		# replab sandbox (tests/vagrant/sandbox.sh)
		security_driver = "none"
		stdio_handler = "file"
		cgroup_controllers = [ ]
		namespaces = [ ]
	CONF
	cat >>"$dir/etc/libvirtd.conf" <<-'CONF'
		# replab sandbox (tests/vagrant/sandbox.sh)
		unix_sock_rw_perms = "0700"
		auth_unix_rw = "none"
	CONF
}

start() {
	local ns="replab-vagrant-$$"
	[ ! -e "$dir/netns" ] || { echo "sandbox: $dir is in use (netns $(cat "$dir/netns")); stop it first" >&2; exit 1; }
	command -v libvirtd >/dev/null || { echo "sandbox: libvirtd is not installed: make deps" >&2; exit 1; }
	configure
	ip netns add "$ns"
	echo "$ns" >"$dir/netns"
	ip -n "$ns" link set lo up
	# ip netns exec gives a mount namespace with the namespace's own /sys;
	# unshare makes a private one below it for libvirtd's directories.
	# libvirtd keeps no descriptor of ours open beyond stdio: a lock its
	# caller holds must not live as long as libvirtd.
	ip netns exec "$ns" unshare --mount --propagation private bash -c '
		set -e
		d=$1
		for fd in /proc/self/fd/*; do
			fd=${fd##*/}
			[ "$fd" -le 2 ] || eval "exec $fd>&-"
		done
		mount -t tmpfs -o mode=0755 replab-sandbox /run
		mkdir /run/libvirt
		mount --bind "$d/run" /run/libvirt
		mount --bind "$d/etc" /etc/libvirt
		mount --bind "$d/lib" /var/lib/libvirt
		mount --bind "$d/cache" /var/cache/libvirt
		mount --bind "$d/log" /var/log/libvirt
		exec libvirtd' bash "$dir" >"$dir/libvirtd.log" 2>&1 &
	echo $! >"$dir/libvirtd.pid"
	for _ in $(seq 300); do
		[ -S "$dir/run/libvirt-sock" ] && virsh -c "$uri" -q version >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$dir/libvirtd.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "sandbox: libvirtd did not come up; the end of $dir/libvirtd.log:" >&2
	tail -n 20 "$dir/libvirtd.log" >&2
	exit 1
}

run() {
	[ -s "$dir/netns" ] || { echo "sandbox: no sandbox in $dir: start one first" >&2; exit 1; }
	exec ip netns exec "$(cat "$dir/netns")" env LIBVIRT_DEFAULT_URI="$uri" "$@"
}

# Whatever a failed run left: domains, networks, pools; then every process
# in the namespace (all of them ours: libvirtd, dnsmasq, QEMU), by PID.
stop() {
	local ns pid
	[ -s "$dir/netns" ] || { rm -rf "$dir"; return 0; }
	ns=$(cat "$dir/netns")
	if [ -S "$dir/run/libvirt-sock" ]; then
		for d in $(virsh -c "$uri" list --all --name 2>/dev/null); do
			virsh -c "$uri" -q destroy "$d" >/dev/null 2>&1 || true
			virsh -c "$uri" -q undefine "$d" >/dev/null 2>&1 || true
		done
		for n in $(virsh -c "$uri" net-list --all --name 2>/dev/null); do
			virsh -c "$uri" -q net-destroy "$n" >/dev/null 2>&1 || true
		done
	fi
	for sig in TERM KILL; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -"$sig" "$pid" 2>/dev/null || true
		done
		for _ in $(seq 50); do
			[ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
			sleep 0.1
		done
	done
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$dir"
}

case "$verb" in
start) [ $# -eq 0 ] || usage; start ;;
run) [ $# -gt 0 ] || usage; run "$@" ;;
stop) [ $# -eq 0 ] || usage; stop ;;
*) usage ;;
esac
