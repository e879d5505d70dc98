#!/bin/sh
# ready.sh — report readiness milestones on the serial console (and in the
# journal), each as one "replab-ready: ..." line with uptime:
#   postgres   the server accepts connections
#   streaming  (replica) the WAL receiver streams from the primary
role=$(cat /etc/replab/role 2>/dev/null || echo unknown)
addr=$(ip -4 -o addr show dev data0 2>/dev/null | awk '{ print $4; exit }')
# To the console through the kernel log (console=ttyS0): a line a unit
# writes to the serial line itself can be lost when getty hangs the line up
# as it starts.
say() {
	line="replab-ready: $1 role=$role host=$(hostname) addr=${addr:-none} uptime=$(cut -d' ' -f1 /proc/uptime)"
	echo "$line"
	echo "<5>$line" >/dev/kmsg
}

until pg_isready -q -h /var/run/postgresql; do
	systemctl -q is-failed replab-postgres.service replab-primary-passwords.service \
		replab-replica-bootstrap.service && { say failed; exit 1; }
	sleep 0.2
done
say postgres
[ "$role" = replica ] || exit 0
until [ "$(runuser -u postgres -- psql -XAtq -h /var/run/postgresql -d postgres \
	-c "SELECT status FROM pg_stat_wal_receiver" 2>/dev/null)" = streaming ]; do
	sleep 0.2
done
say streaming
