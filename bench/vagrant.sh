#!/bin/bash
# vagrant.sh — "vagrant up" against "replab up" on this machine, one after
# the other in one run, each until the replica streams: the command's wall
# time, and how much of it lies before the first VM's power-on, between it
# and the replica streaming (the replica's power-on, from libvirt's log,
# plus its uptime when its serial console reported streaming), and after.
# vagrant up runs twice, under a fresh libvirtd in a namespace of its own
# (tests/vagrant/sandbox.sh): first with the boxes still to upload into
# libvirt's pool, then with them there, as on every later "vagrant up".
# Prints figures; asserts nothing.  Needs root and make box; removes any
# running replab lab.
#   usage: bench/vagrant.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPLAB=$ROOT/build/bin/replab
SANDBOX=$ROOT/tests/vagrant/sandbox.sh
work=$(mktemp -d)
export VAGRANT_CWD=$ROOT VAGRANT_DOTFILE_PATH=$work/dot
trap '"$SANDBOX" stop "$work/sandbox"; rm -rf "$work"' EXIT
secs() { echo "$(($(date +%s%N) - $1))" | awk '{ printf "%.1f", $1 / 1e9 }'; }
rss_mib() { ps -o rss= -p "$(echo "$@" | tr ' ' ,)" | awk '{ s += $1 } END { printf "%.0f", s / 1024 }'; }
sandbox_qemus() { for p in $(ip netns pids "$(cat "$work/sandbox/netns")"); do
	[ "$(cat /proc/"$p"/comm)" = qemu-system-x86 ] && echo "$p"; done; }
streaming_uptime() { sed -n 's/.*replab-ready: streaming .*uptime=\([0-9.]*\).*/\1/p' "$1" | head -n 1; }
# When libvirt last started VM: seconds since the epoch, from its QEMU log.
power_on() { date -d "$(grep 'starting up' "$work"/sandbox/log/qemu/*_"$1".log | tail -n 1 | sed 's/: starting up.*//')" +%s.%N; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), accelerator: $("$REPLAB" accel 2>/dev/null)"
"$REPLAB" down >/dev/null 2>&1
"$SANDBOX" start "$work/sandbox" || exit 1
for run in "boxes not yet in libvirt's pool" "boxes already in the pool"; do
	t=$(date +%s%N)
	"$SANDBOX" run "$work/sandbox" vagrant up >"$work/up.log" 2>&1 || { echo "vagrant up failed:"; tail -n 20 "$work/up.log"; exit 1; }
	end=$(date +%s%N)
	first=$(printf '%s\n' "$(power_on primary)" "$(power_on replica)" | sort -n | head -n 1)
	streaming=$(echo "$(power_on replica) $(streaming_uptime "$work/dot/replab/replica.serial.log")" | awk '{ printf "%.3f", $1 + $2 }')
	echo "vagrant up ($run): $(secs "$t") s to the replica streaming:" \
		"$(echo "$first ${t%?????????}.${t: -9}" | awk '{ printf "%.1f", $1 - $2 }') s before the first power-on," \
		"$(echo "$streaming $first" | awk '{ printf "%.1f", $1 - $2 }') s from it to the replica streaming," \
		"$(echo "${end%?????????}.${end: -9} $streaming" | awk '{ printf "%.1f", $1 - $2 }') s more until it returned;" \
		"both QEMUs $(rss_mib $(sandbox_qemus)) MiB resident"
	"$SANDBOX" run "$work/sandbox" vagrant destroy -f >/dev/null 2>&1
done
"$SANDBOX" stop "$work/sandbox"

t=$(date +%s%N)
"$REPLAB" up >"$work/replab-up.log" 2>&1 || { echo "replab up failed:"; tail -n 20 "$work/replab-up.log"; exit 1; }
echo "replab up: $(secs "$t") s to the replica streaming: $(jq .streaming_s "$ROOT/build/lab/up.json") s of it" \
	"from the power-on; both QEMUs $(rss_mib $(cat "$ROOT"/build/lab/{primary,replica}.pid)) MiB resident"
"$REPLAB" down >/dev/null
