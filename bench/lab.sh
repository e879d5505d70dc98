#!/bin/bash
# lab.sh — the VM lab's figures on this machine: make lab (cold with a warm
# apt cache, no-op, pgrepl-only change), boot of both VMs to streaming with
# QEMU's memory, and the failover, clean and crash.  Several VM shapes are
# booted one after the other in the same run so they compare side by side.
# Prints figures; asserts nothing.  Needs root; removes any running lab.
#   usage: bench/lab.sh
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPLAB=$ROOT/build/bin/replab
STATE=$ROOT/build/lab
cd "$ROOT" || exit 1
secs() { echo "$(($(date +%s%N) - $1))" | awk '{ printf "%.1f", $1 / 1e9 }'; }

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
"$REPLAB" down >/dev/null 2>&1

rm -rf build/rootfs build/guest-builder build/guest build/images
t=$(date +%s%N); make -s lab >/tmp/replab-bench-lab.log 2>&1
echo "make lab, cold (apt cache warm): $(secs "$t") s"
t=$(date +%s%N); make -s lab >/dev/null 2>&1
echo "make lab, nothing changed: $(secs "$t") s"
touch src/pgrepl/narrate.c
t=$(date +%s%N); make -s lab >/dev/null 2>&1
echo "make lab, after a pgrepl change: $(secs "$t") s"
echo "base image: $(du -h build/images/base.qcow2 | cut -f1) on disk; overlays: $(du -k build/images/primary.qcow2 | cut -f1) KiB, $(du -k build/images/replica.qcow2 | cut -f1) KiB"

qemu_rss_mib() { ps -o rss= -C qemu-system-x86_64 | awk '{ s += $1 } END { printf "%.0f", s / 1024 }'; }
for shape in "1 512" "2 512" "2 1024"; do
	set -- $shape
	"$REPLAB" up --cpus "$1" --memory "$2" >/tmp/replab-bench-up.log 2>&1 || { echo "up failed"; continue; }
	echo "up, $1 vCPU x $2 MiB per VM: streaming $(jq .streaming_s "$STATE/up.json") s after power-on" \
		"(primary accepting at $(jq '.milestones["primary: accepting connections"]' "$STATE/up.json") s);" \
		"both QEMUs $(qemu_rss_mib) MiB resident"
	"$REPLAB" down >/dev/null
done

for how in "" "--crash"; do
	"$REPLAB" run $how >/tmp/replab-bench-run.log 2>&1 || { echo "run $how failed"; continue; }
	echo "run ${how:-(clean poweroff)}: primary loss detected $(jq .failover.detection.detection_ms "$STATE/run.json") ms" \
		"after its last answer (probe every $(jq .failover.detection.probe_interval_ms "$STATE/run.json") ms," \
		"timeout $(jq .failover.detection.probe_timeout_ms "$STATE/run.json") ms); promoted in" \
		"$(jq .failover.promotion.promote_ms "$STATE/run.json") ms; first write $(jq .failover.rto_ms "$STATE/run.json") ms after detection"
	"$REPLAB" down >/dev/null
done
