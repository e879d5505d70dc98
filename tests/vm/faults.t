#!/bin/bash
# faults.t — the fault verbs on the real VM lab: a partition stops WAL from
# reaching the replica while the management link keeps working, a heal lets
# it catch up; freeze/thaw through QMP; a clean stop and a start again.
. "$(dirname "$0")/lib.sh"

sql() { # sql VM SQL: as postgres, database lab, one value
	replab exec "$1" -- sh -c 'cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c "$0"' "$2"
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

test_expect_success 'a table made on the primary reaches the replica' '
	sql primary "CREATE TABLE cut_test (id int PRIMARY KEY)" &&
	wait_count 0 30
'

test_expect_success 'replab partition primary replica' 'replab partition primary replica'
test_expect_success '1000 rows committed on the primary during the cut (control over the management link still works)' '
	sql primary "INSERT INTO cut_test SELECT generate_series(1, 1000)"
'
test_expect_success 'none of them reach the replica' '
	sleep 3 &&
	is "$(count_on_replica)" 0
'
test_expect_success 'status shows the cut with drops' '
	replab status >"$work/status" 2>&1
	grep -E "primary -> replica dropped \([1-9]" "$work/status"
'
heal=$(date +%s%N)
test_expect_success 'replab heal' 'replab heal'
test_expect_success 'after the heal all 1000 rows arrive' 'wait_count 1000 60'
echo "# rows complete on the replica $((($(date +%s%N) - heal) / 1000000)) ms after the heal"

test_expect_success 'replab freeze replica' 'replab freeze replica'
test_expect_success 'QMP says the replica is paused' 'replab status | grep -E "^replica +[0-9]+ +paused"'
test_expect_success 'replab thaw replica' 'replab thaw replica'
test_expect_success 'and running again' 'replab status | grep -E "^replica +[0-9]+ +running"'

test_expect_success 'replab stop replica (clean power-off)' 'replab stop replica'
test_expect_success 'status shows it down' 'replab status | grep -E "^replica +- +down"'
test_expect_success 'a partition of a VM that is down is refused' '
	test_expect_code 1 replab partition primary replica >"$work/down.out" 2>&1
'
test_expect_success 'saying so' 'grep "the replica VM is down" "$work/down.out"'
before=$(grep -c 'replab-ready: streaming role=replica' "$STATE/replica.serial.log")
test_expect_success 'replab start replica' 'replab start replica'
streams_again() {
	for _ in $(seq 600); do
		[ "$(grep -c 'replab-ready: streaming role=replica' "$STATE/replica.serial.log")" -gt "$before" ] && return 0
		sleep 0.2
	done
	return 1
}
test_expect_success 'it boots from its own disk and streams again' 'streams_again'
test_expect_success 'with the rows it had' 'is "$(count_on_replica)" 1000'

test_expect_success 'replab crash primary' 'replab crash primary'
test_expect_success 'its QEMU is gone' 'replab status | grep -E "^primary +- +down"'
done_testing
