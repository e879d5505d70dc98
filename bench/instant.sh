#!/bin/bash
# instant.sh — the saved lab side by side with a cold boot on this machine:
# "replab up --cold" (boot, streaming, save), "replab up" from the saved lab,
# and "replab reset" after a crash failover, each N times (default 3), with
# min/median/max wall time, the warm/cold ratio and the disk the saved lab
# takes.  Prints figures; asserts nothing.  Removes any running lab; uses
# its own saved lab (REPLAB_SAVED, default build/saved-bench), removed after.
# Then the rpo experiment's wall time for the same trials (--trials T,
# default 2, in each of its three modes) from the saved lab (reset before
# each trial) and without one (each trial rewinds the crashed primary).
#   usage: bench/instant.sh [N [T]]
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
N=${1:-3}
T=${2:-2}
export REPLAB_SAVED=${REPLAB_SAVED:-$ROOT/build/saved-bench}
now() { date +%s.%N; }
# stats LABEL SECONDS...: min/median/max
stats() {
	local label=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v l="$label" '
		{ v[NR] = $1 } END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-34s min %5.1f s  median %5.1f s  max %5.1f s  (%d runs)\n", l, v[1], m, v[NR], NR
		}'
}
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
timed() { # timed LOG COMMAND...: the wall time in seconds, or "fail"
	local t=$(now) log=$1
	shift
	if "$@" >"$log" 2>&1; then awk -v a="$t" -v b="$(now)" 'BEGIN { printf "%.2f", b - a }'; else echo fail; fi
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
"$REPLAB" down >/dev/null 2>&1
cold=() warm=() reset=() saving=()
for i in $(seq "$N"); do
	t=$(timed /tmp/replab-bench-cold.log "$REPLAB" up --cold)
	[ "$t" = fail ] && { echo "cold up failed (/tmp/replab-bench-cold.log)"; exit 1; }
	cold+=("$t")
	s=$(sed -n 's/^saved the lab in .*, \([0-9.]*\) s).*/\1/p' /tmp/replab-bench-cold.log)
	[ -n "$s" ] && saving+=("$s")
	"$REPLAB" down >/dev/null
done
size=$(du -sh "$REPLAB_SAVED/lab" | cut -f1)
for i in $(seq "$N"); do
	t=$(timed /tmp/replab-bench-warm.log "$REPLAB" up)
	[ "$t" = fail ] && { echo "warm up failed (/tmp/replab-bench-warm.log)"; exit 1; }
	warm+=("$t")
	"$REPLAB" run --crash >/tmp/replab-bench-crash.log 2>&1 || echo "run --crash failed"
	t=$(timed /tmp/replab-bench-reset.log "$REPLAB" reset)
	[ "$t" = fail ] && { echo "reset failed (/tmp/replab-bench-reset.log)"; exit 1; }
	reset+=("$t")
	"$REPLAB" down >/dev/null
done
"$REPLAB" up >/dev/null 2>&1 || { echo "warm up failed"; exit 1; }
rpo_saved=$(timed /tmp/replab-bench-rpo-saved.log "$REPLAB" experiment rpo --trials "$T")
"$REPLAB" down >/dev/null
"$REPLAB" up >/dev/null 2>&1 || { echo "warm up failed"; exit 1; }
rpo_none=$(REPLAB_SAVED=$ROOT/build/saved-bench-none timed /tmp/replab-bench-rpo-none.log \
	"$REPLAB" experiment rpo --trials "$T")
"$REPLAB" down >/dev/null
stats "cold up (boot, stream, save)" "${cold[@]}"
[ ${#saving[@]} -gt 0 ] && stats "  of which the save" "${saving[@]}"
stats "warm up (restored, row verified)" "${warm[@]}"
stats "reset after run --crash" "${reset[@]}"
echo "warm/cold (medians): $(awk -v w="$(median "${warm[@]}")" -v c="$(median "${cold[@]}")" 'BEGIN { printf "%.3f", w / c }')"
echo "rpo --trials $T (3 modes): from the saved lab ${rpo_saved} s, without one ${rpo_none} s"
echo "saved lab on disk: $size ($(ls "$REPLAB_SAVED/lab" | tr '\n' ' '))"
"$REPLAB" forget >/dev/null
