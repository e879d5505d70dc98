#!/bin/bash
# faults.t — the fault verbs on the real VM lab: a partition stops WAL from
# reaching the replica while the management link keeps working, a heal lets
# it catch up; freeze/thaw through QMP; a clean stop and a start again.
. "$(dirname "$0")/lib.sh"

sql() { # sql VM SQL: as postgres, database lab, one value
	"$REPLAB" exec "$1" -- sh -c 'cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c "$0"' "$2"
}
count_on_replica() { sql replica "SELECT count(*) FROM cut_test" 2>/dev/null; }
wait_count() { # wait_count N SECONDS
	for _ in $(seq $(($2 * 2))); do
		[ "$(count_on_replica)" = "$1" ] && return 0
		sleep 0.5
	done
	return 1
}

vm_lab_up
ok 0 "lab up"

sql primary "CREATE TABLE cut_test (id int PRIMARY KEY)" >/dev/null
check "a table made on the primary reaches the replica" wait_count 0 30

"$REPLAB" partition primary replica >/dev/null
ok $? "replab partition primary replica"
sql primary "INSERT INTO cut_test SELECT generate_series(1, 1000)" >/dev/null
ok $? "1000 rows committed on the primary during the cut (control over the management link still works)"
sleep 3
check "none of them reach the replica" test "$(count_on_replica)" = 0
"$REPLAB" status >"$work/status" 2>&1
check "status shows the cut with drops" grep -Eq 'primary -> replica dropped \([1-9]' "$work/status"
heal=$(date +%s%N)
"$REPLAB" heal >/dev/null
ok $? "replab heal"
check "after the heal all 1000 rows arrive" wait_count 1000 60
echo "# rows complete on the replica $((($(date +%s%N) - heal) / 1000000)) ms after the heal"

"$REPLAB" freeze replica >/dev/null
ok $? "replab freeze replica"
check "QMP says the replica is paused" bash -c "'$REPLAB' status | grep -Eq '^replica +[0-9]+ +paused'"
"$REPLAB" thaw replica >/dev/null
ok $? "replab thaw replica"
check "and running again" bash -c "'$REPLAB' status | grep -Eq '^replica +[0-9]+ +running'"

"$REPLAB" stop replica >/dev/null
ok $? "replab stop replica (clean power-off)"
check "status shows it down" bash -c "'$REPLAB' status | grep -Eq '^replica +- +down'"
"$REPLAB" partition primary replica >"$work/down.out" 2>&1
ok $(($? == 1 ? 0 : 1)) "a partition of a VM that is down is refused"
check "saying so" grep -q 'the replica VM is down' "$work/down.out"
before=$(grep -c 'replab-ready: streaming role=replica' "$STATE/replica.serial.log")
"$REPLAB" start replica >/dev/null
ok $? "replab start replica"
streams_again() {
	for _ in $(seq 600); do
		[ "$(grep -c 'replab-ready: streaming role=replica' "$STATE/replica.serial.log")" -gt "$before" ] && return 0
		sleep 0.2
	done
	return 1
}
check "it boots from its own disk and streams again" streams_again
check "with the rows it had" test "$(count_on_replica)" = 1000

"$REPLAB" crash primary >/dev/null
ok $? "replab crash primary"
check "its QEMU is gone" bash -c "'$REPLAB' status | grep -Eq '^primary +- +down'"
done_testing
