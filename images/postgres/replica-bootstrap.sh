#!/bin/sh
# replica-bootstrap.sh — make --data a hot standby of the primary, once.
#
# Runs as the postgres OS user.  Waits until the primary answers, then
# copies it with pg_basebackup -R -X stream: -R writes standby.signal and
# primary_conninfo, so the server started afterwards streams WAL from the
# primary.  A failed or interrupted copy is wiped and retried until
# --timeout.  When the VM's WAL disk is mounted (wal-disk.sh), the WAL
# goes there (--waldir) and pg_wal is a symlink to it.  Leaves the server
# stopped; does nothing if --data already holds a cluster.
set -eu

usage() {
	echo "usage: $0 --data DIR --primary HOST --secrets DIR [--name NAME] [--timeout SECONDS] [--pgbin DIR]" >&2
	exit 2
}

data="" primary="" secrets="" name="replica" timeout=600 pgbin="/usr/lib/postgresql/15/bin"
while [ $# -gt 0 ]; do
	case "$1" in
	--data) data=$2; shift 2 ;;
	--primary) primary=$2; shift 2 ;;
	--secrets) secrets=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--pgbin) pgbin=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$data" ] && [ -n "$primary" ] && [ -n "$secrets" ] || usage

if [ -f "$data/PG_VERSION" ]; then
	echo "replica-bootstrap: $data already holds a cluster; nothing to do"
	exit 0
fi

# How the standby connects, recorded by -R.
. "$(dirname "$0")/standby-conninfo.sh"
conninfo=$(standby_conninfo "$secrets" "$primary" "$name")

# The WAL disk, when there is one; what an earlier copy left there goes.
waldir=""
if mountpoint -q /var/lib/replab/wal; then
	waldir=/var/lib/replab/wal/pg_wal
	rm -rf "$waldir"
fi

deadline=$(($(date +%s) + timeout))
attempt=0
while :; do
	attempt=$((attempt + 1))
	if "$pgbin/pg_isready" -q -h "$primary" -p 5432 -t 3; then
		echo "replica-bootstrap: copying the primary at $primary (attempt $attempt)"
		mkdir -p "$data"
		chmod 700 "$data"
		if "$pgbin/pg_basebackup" --pgdata="$data" --dbname="$conninfo" --wal-method=stream \
			--write-recovery-conf --checkpoint=fast --no-password ${waldir:+--waldir="$waldir"}; then
			echo "replica-bootstrap: $data is a standby of $primary"
			exit 0
		fi
		find "$data" -mindepth 1 -delete
		[ -z "$waldir" ] || rm -rf "$waldir"
	fi
	if [ "$(date +%s)" -ge "$deadline" ]; then
		echo "replica-bootstrap: the primary at $primary did not answer within ${timeout}s" >&2
		exit 1
	fi
	sleep 1
done
