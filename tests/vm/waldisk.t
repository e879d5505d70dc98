#!/bin/bash
# waldisk.t — pg_wal on each VM's own 256 MiB WAL disk: where it is
# mounted and what points to it; a failing WAL disk (replab disk --fail,
# device-mapper's flakey target in the guest): the primary's next commit
# fails, its server PANICs on the failed WAL flush, status shows it, the
# replica still serves what was committed before, --clear and a restart
# bring it back; and slot-fills-disk both ways: a slot that fills pg_wal's
# disk and stops the primary (the real error from its log), then
# max_slot_wal_keep_size turning the slot lost, the primary alive and the
# replica rebuilt; the writes that filled the disk are its history, none
# acknowledged lost.
. "$(dirname "$0")/lib.sh"

sql() { # sql VM SQL: as postgres, database lab, one value
	replab exec "$1" -- sh -c 'cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c "$0"' "$2"
}
server_log() { # server_log VM: the server's journal
	replab exec "$1" -- journalctl -q -o cat --no-pager -u replab-postgres
}

vm_lab_up
ok 0 "lab up"

for vm in primary replica; do
	test_expect_success "$vm: pg_wal is a symlink to the WAL disk, mounted from device-mapper" '
		is "$(replab exec '$vm' -- readlink /var/lib/replab/pgdata/pg_wal)" /var/lib/replab/wal/pg_wal &&
		is "$(replab exec '$vm' -- findmnt -n -o SOURCE /var/lib/replab/wal)" /dev/mapper/replab-wal &&
		size=$(replab exec '$vm' -- df -B1M --output=size /var/lib/replab/wal | tail -n 1) &&
		echo "# '$vm': WAL disk ${size} MiB" &&
		[ "$size" -ge 200 ] && [ "$size" -le 256 ]
	'
done

# ---- a failing WAL disk ---------------------------------------------------------------

test_expect_success 'disk --fail on a frozen VM: refused, exit 1, nothing changed' '
	replab freeze replica &&
	test_expect_code 1 replab disk replica --fail 2>"$work/err" &&
	grep -q "paused" "$work/err" &&
	replab thaw replica &&
	is "$(replab exec replica -- /usr/local/lib/replab/wal-disk.sh state)" ok
'

test_expect_success 'disk primary --fail: the next commit fails, the server PANICs on the WAL flush' '
	sql primary "CREATE TABLE IF NOT EXISTS waldisk_t (id int); INSERT INTO waldisk_t VALUES (1)" &&
	retry 60 eval "[ \"\$(sql replica \"SELECT count(*) FROM waldisk_t\")\" = 1 ]" &&
	mark=$(server_log primary | wc -l) &&
	replab disk primary --fail >"$work/fail.out" &&
	grep -q "every write to primary.s WAL disk fails" "$work/fail.out" &&
	replab status >"$work/status" 2>&1 &&
	grep -x "  primary  WAL disk FAILING: every write errors" "$work/status" &&
	! sql primary "INSERT INTO waldisk_t VALUES (2)" 2>"$work/insert.err" &&
	echo "# the client: $(head -n 1 "$work/insert.err")" &&
	sleep 10 &&
	retry 30 eval "server_log primary | tail -n +\$((mark + 1)) | grep -q PANIC" &&
	server_log primary | tail -n +$((mark + 1)) | grep -E "PANIC|terminated by signal|startup process|shut down" |
		head -n 8 | sed "s/^/# the primary: /" &&
	echo "# automatic recoveries begun, 10 s after the PANIC: $(server_log primary | tail -n +$((mark + 1)) |
		grep -c "automatic recovery in progress")"
'

test_expect_success 'the replica still serves what was committed before the failure' '
	is "$(sql replica "SELECT count(*) FROM waldisk_t")" 1
'

test_expect_success 'disk primary --clear: the crash-restart loop ends, the primary writes, the replica streams' '
	replab disk primary --clear >"$work/clear.out" &&
	grep -q "writes reach primary.s WAL disk" "$work/clear.out" &&
	is "$(replab exec primary -- /usr/local/lib/replab/wal-disk.sh state)" ok &&
	start=$(date +%s) &&
	retry 120 sql primary "INSERT INTO waldisk_t VALUES (3)" 2>/dev/null &&
	echo "# the primary took a write again $(($(date +%s) - start)) s after --clear" &&
	retry 60 eval "[ \"\$(sql replica \"SELECT count(*) FROM waldisk_t WHERE id = 3\")\" = 1 ]" &&
	! replab status 2>&1 | grep -q FAILING
'

# ---- slot-fills-disk --------------------------------------------------------------------

test_expect_success 'experiment slot-fills-disk' '
	out=$work/slotfill.json &&
	start=$(date +%s) &&
	replab experiment slot-fills-disk --json "$out" >"$work/slotfill.out" 2>&1 ||
		{ cat "$work/slotfill.out"; false; }
	echo "# slot-fills-disk took $(($(date +%s) - start)) s" &&
	grep -E "^  segment|^  row|^  the history|^== |^summary:|^  no limit|^  max_slot" "$work/slotfill.out" | sed "s/^/# /"
'

test_expect_success 'no limit: the disk filled, the primary stopped with "No space left on device", came back' '
	j=$work/slotfill.json &&
	is "$(jq -r ".phases[0].primary_failed" "$j")" true &&
	jq -r ".phases[0].log_lines[]" "$j" | grep -q "No space left on device" &&
	jq -r ".phases[0].log_lines[]" "$j" | grep -m 1 "No space left on device" | sed "s/^/# /" &&
	full=$(jq "[.phases[0].steps[].pg_wal_bytes] | max / 1048576 | floor" "$j") &&
	echo "# pg_wal at most ${full} MiB before the failure" &&
	[ "$full" -ge 160 ] &&
	is "$(jq -r ".phases[0].recovered" "$j")" true
'

test_expect_success 'no limit: the history of the writes, none acknowledged lost, the one in doubt looked up' '
	j=$work/slotfill.json &&
	h=$work/slotfill.history.jsonl &&
	test -s "$h" &&
	unknown=$(jq -s "map(select(.outcome == \"unknown\")) | length" "$h") &&
	[ "$unknown" -le 1 ] &&
	ok=$(jq -s "map(select(.outcome == \"ok\")) | length" "$h") &&
	committed=$(jq ".phases[0].checks.unknown_writes.committed" "$j") &&
	is "$(jq ".phases[0].steps | length" "$j")" "$((ok + committed))" &&
	for c in checks checks_on_replica; do
		is "$(jq ".phases[0].$c.lost_writes.count" "$j")" 0 &&
		is "$(jq ".phases[0].$c.unknown_writes.count" "$j")" "$unknown" || return 1
	done &&
	replab check "$h" >"$work/slotfill.check" &&
	echo "# $ok writes acknowledged before the disk was full"
'

test_expect_success 'max_slot_wal_keep_size: reserved, extended, unreserved, lost; the primary lives; rebuilt' '
	j=$work/slotfill.json &&
	for s in reserved extended unreserved lost; do
		jq -r ".phases[1].steps[] | .wal_status, .wal_status_after_checkpoint" "$j" | grep -qx "$s" ||
			{ echo "# never $s"; return 1; }
	done &&
	is "$(jq -r ".phases[1].final_wal_status" "$j")" lost &&
	is "$(jq -r ".phases[1].primary_lives" "$j")" true &&
	is "$(jq -r ".phases[1].replica_broke" "$j")" true &&
	is "$(jq -r ".phases[1].rebuilt" "$j")" true
'

test_expect_success 'after the experiment: the reserve is back, no slot, no setting left' '
	replab exec primary -- test -f /var/lib/replab/wal/reserve &&
	is "$(sql primary "SELECT count(*) FROM pg_replication_slots")" 0 &&
	is "$(sql primary "SHOW max_slot_wal_keep_size")" -1 &&
	is "$(sql primary "SHOW tcp_user_timeout")" 0 &&
	retry 60 eval "[ \"\$(sql primary \"SELECT count(*) FROM pg_stat_replication WHERE state = '"'"'streaming'"'"'\")\" = 1 ]"
'

done_testing
