#!/bin/bash
# instant.t — the saved lab: a cold "replab up" saves the running lab once the
# replica streams; after "replab down" a warm "replab up" restores it (timed
# here, verified by a row written on the primary and read on the replica);
# "replab reset" after a crash failover brings back the roles and data as
# saved; another --memory or rebuilt images mean a cold boot, said in one
# line; Ctrl-C during a restore leaves nothing behind; a truncated state
# file is removed with a warning, and when the new save meets a full disk
# the lab stays up with nothing half-written; "replab forget" removes the
# saved lab.
. "$(dirname "$0")/lib.sh"

export REPLAB_SAVED=$work/saved
running() { pgrep -f "$1" >/dev/null; }
nothing_left() { ! running "qemu-system.*$STATE" && ! running "replab-netns:$STATE" && test ! -e "$STATE"; }
sql() { # sql VM SQL: as postgres, database lab, one value
	replab exec "$1" -- sh -c 'cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c "$0"' "$2"
}
now() { date +%s.%N; }
since() { echo "$1" | awk -v now="$(now)" '{ printf "%.1f", now - $1 }'; }
# up_until_line REGEX ARGS...: start replab up ARGS, SIGINT it once it printed REGEX
up_until_line() {
	local re=$1 out=$work/upline.out pid
	shift
	"$REPLAB" up "$@" >"$out" 2>&1 &
	pid=$!
	for _ in $(seq 600); do
		grep -qE "$re" "$out" && break
		sleep 0.05
	done
	kill -INT "$pid"
	wait "$pid"
	rc=$?
	sed 's/^/# /' "$out"
	grep -qE "$re" "$out" && is "$rc" 130
}

replab down >/dev/null

# ---- cold, then warm -------------------------------------------------------------
start=$(now)
test_expect_success 'a cold replab up (no saved lab yet)' 'replab up >"$work/cold.out" 2>&1'
cold=$(since "$start")
sed 's/^/# /' "$work/cold.out"
test_expect_success 'it said there was none, booted, and saved the lab' '
	grep "no saved lab in $REPLAB_SAVED" "$work/cold.out" &&
	grep "VMs powered on" "$work/cold.out" &&
	grep "saved the lab in $REPLAB_SAVED" "$work/cold.out"
'
test_expect_success 'the saved lab: a RAM stream and a disk per VM, manifest, secrets 0600' '
	for f in manifest.json primary.ram replica.ram primary.qcow2 replica.qcow2; do
		test -s "$REPLAB_SAVED/lab/$f" || return 1
	done &&
	is "$(stat -c %a "$REPLAB_SAVED")" 700 &&
	is "$(stat -c %a "$REPLAB_SAVED/lab/secrets")" 700 &&
	is "$(find "$REPLAB_SAVED/lab/secrets" -type f ! -perm 600 | wc -l)" 0 &&
	test ! -e "$REPLAB_SAVED/lab.tmp"
'
test_expect_success 'replab status shows the saved lab and its size' '
	replab status >"$work/status.out" 2>&1 && grep -E "saved lab: .*[0-9]+ MiB" "$work/status.out"
'
test_expect_success 'replab down keeps the saved lab' '
	replab down >/dev/null && nothing_left && test -s "$REPLAB_SAVED/lab/manifest.json"
'
start=$(now)
test_expect_success 'a warm replab up' 'replab up >"$work/warm.out" 2>&1'
warm=$(since "$start")
sed 's/^/# /' "$work/warm.out"
ok 0 "cold up ${cold} s, warm up ${warm} s"
test_expect_success 'it said it restored the lab, and from what' '
	grep "restored from $REPLAB_SAVED (saved " "$work/warm.out" &&
	grep "read back on the replica" "$work/warm.out"
'
test_expect_success 'a new row on the primary reaches the replica' '
	sql primary "CREATE TABLE instant_t (v text); INSERT INTO instant_t VALUES ('\''warm'\'')" &&
	retry 20 test "$(sql replica "SELECT count(*) FROM instant_t" 2>/dev/null)" = 1
'
test_expect_success 'the guests'\'' clocks are the host'\''s (within 2 s)' '
	g=$(replab exec replica -- date +%s) &&
	test $(( $(date +%s) - g )) -le 2 && test $(( g - $(date +%s) )) -le 2
'

# ---- reset after a crash failover -------------------------------------------------
test_expect_success 'replab run --crash (the replica becomes the primary)' '
	replab run --crash >"$work/crash.out" 2>&1
'
test_expect_success 'a row written on the new primary' '
	sql replica "INSERT INTO replab_restore_check (token) VALUES ('\''after-failover'\'')"
'
start=$(now)
test_expect_success 'replab reset' 'replab reset >"$work/reset.out" 2>&1'
reset=$(since "$start")
sed 's/^/# /' "$work/reset.out"
ok 0 "reset after a failover: ${reset} s"
test_expect_success 'the roles are as saved: primary writable, replica in recovery' '
	is "$(sql primary "SELECT pg_is_in_recovery()")" f &&
	is "$(sql replica "SELECT pg_is_in_recovery()")" t
'
test_expect_success 'the replica streams' '
	retry 20 test "$(sql replica "SELECT status FROM pg_stat_wal_receiver")" = streaming
'
test_expect_success 'the failover'\''s rows are gone, and so is the warm up'\''s table' '
	is "$(sql replica "SELECT count(*) FROM replab_restore_check WHERE token = '\''after-failover'\''")" 0 &&
	is "$(sql primary "SELECT to_regclass('\''instant_t'\'') IS NULL")" t
'
test_expect_success 'replab down' 'replab down >/dev/null && nothing_left'

# ---- what makes a cold boot --------------------------------------------------------
test_expect_success 'another --memory: one line why, a cold boot (interrupted here)' '
	up_until_line "not restoring the lab saved in .*--memory \(saved with 512, now 768\)" --memory 768 &&
	nothing_left
'
mkdir "$work/images"
for f in "$IMAGES"/*; do ln -s "$f" "$work/images/"; done
rm "$work/images/vmlinuz" && cp "$IMAGES/vmlinuz" "$work/images/vmlinuz"
test_expect_success 'rebuilt images: one line why, a cold boot (interrupted here)' '
	(export REPLAB_IMAGES=$work/images && up_until_line "not restoring .*what the images hold \(rebuilt since\) differs") &&
	nothing_left
'
test_expect_success 'Ctrl-C during a restore: exit 130, nothing left, the saved lab kept' '
	up_until_line "VMs restored from their saved state" &&
	nothing_left && test -s "$REPLAB_SAVED/lab/primary.ram"
'
# ---- a truncated state file, and a full disk while saving anew -------------------
# A copy of the saved lab, its state files cut to 1 MiB, on a 64 MiB tmpfs in
# a mount namespace of the test's own (the host's mounts untouched; the tmpfs
# goes with the last process in it): up warns, removes it and boots cold, and
# its save meets a full disk.
mkdir -p "$work/damaged/lab" "$work/full"
cp -a "$REPLAB_SAVED/.replab-saved" "$work/damaged/"
for f in "$REPLAB_SAVED"/lab/*; do
	case $f in
	*.ram | *.qcow2) truncate -s 1M "$work/damaged/lab/${f##*/}" ;;
	*) cp -a "$f" "$work/damaged/lab/" ;;
	esac
done
chmod 700 "$work/damaged"
unshare -m --propagation private sh -c '
	mount -t tmpfs -o size=64m,mode=0700 replab-test-full "$1" || exit 3
	cp -a "$3/damaged" "$1/saved" || exit 3
	REPLAB_SAVED=$1/saved "$2" up >"$3/full.out" 2>&1
	rc=$?
	ls -A "$1/saved" >"$3/full.ls" 2>&1
	exit $rc' sh "$work/full" "$REPLAB" "$work"
ok $? "replab up with a damaged saved lab on a disk too small for a new one exits 0" ||
	sed 's/^/# /' "$work/full.out"
test_expect_success 'a warning, the damaged saved lab removed, a cold boot' '
	grep "warning: the lab saved in .* is damaged (.*is 1048576 bytes" "$work/full.out" &&
	grep "VMs powered on" "$work/full.out"
'
test_expect_success 'the save met the full disk: it said the lab was not saved' '
	grep "could not save the primary VM.s state" "$work/full.out" &&
	grep "the lab was not saved: the next replab up boots from power-on" "$work/full.out"
'
test_expect_success 'nothing half-written is left, under a final name or not' '
	! grep -qx -e lab -e lab.tmp "$work/full.ls"
'
test_expect_success 'the lab stays up and usable: a row crosses' '
	sql primary "CREATE TABLE full_t (v text); INSERT INTO full_t VALUES ('\''after'\'')" &&
	retry 20 test "$(sql replica "SELECT count(*) FROM full_t" 2>/dev/null)" = 1
'
sed 's/^/# /' "$work/full.out"
test_expect_success 'replab forget is refused while a lab runs' 'test_expect_code 1 replab forget'
test_expect_success 'replab down; replab forget removes the saved lab and its secrets' '
	replab down >/dev/null && replab forget && test ! -e "$REPLAB_SAVED"
'
test_expect_success 'status then says there is none' 'replab status | grep "saved lab: none"'

done_testing
