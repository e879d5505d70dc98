#!/bin/bash
# run-demo.sh — the light mode: the demo and the failover on real servers
# in network namespaces (no VMs), output for people.  Seconds, not minutes.
# Brings the namespace lab up, runs "pgrepl demo", then "pgrepl failover"
# while the primary is stopped, and removes everything on exit.
#   usage: tests/ns/run-demo.sh [--crash]   (--crash: SIGKILL, not a clean stop)
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

crash=0
case "${1:-}" in
--crash) crash=1 ;;
"") ;;
*) echo "usage: $0 [--crash]" >&2; exit 2 ;;
esac

echo "== Bringing up a primary and a replica in network namespaces"
lab_up || bail "could not bring the namespace lab up"
echo "   primary $PRIMARY_IP and replica $REPLICA_IP are up; the replica streams"

echo
echo "== pgrepl demo (run where the replica VM would run it)"
pgrepl "$NS_REPLICA" demo || exit 1

echo
echo "== pgrepl failover"
pgrepl "$NS_REPLICA" failover --probe-interval 100 2>&1 | tee "$WORK/failover.txt" &
client=$!
wait_until_failover_waits "$WORK/failover.txt"
sleep 1
if [ "$crash" = 1 ]; then
	echo "   >>> killing the primary's postmaster (SIGKILL, a crash)"
	kill -KILL "$(postmaster_pid primary)"
else
	echo "   >>> stopping the primary (pg_ctl stop -m fast, a clean shutdown)"
	as_postgres "$NS_PRIMARY" "$PGBIN/pg_ctl" --pgdata="$WORK/primary" --silent -m fast stop
fi
wait "$client"
