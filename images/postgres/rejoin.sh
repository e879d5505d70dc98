#!/bin/sh
# rejoin.sh — make a stopped former primary a standby of the server that
# replaced it, with pg_rewind: instead of copying everything again, it
# copies only the blocks that changed on either side since the timelines
# forked, so the writes the old primary took after the fork are discarded.
#
# Runs as the postgres OS user, with the server in --data stopped.  The
# source is read as "replicator" (allowed to read the files pg_rewind needs
# and to checkpoint, see primary-init.sh).  Needs wal_log_hints (replication.conf) or data
# checksums.  Leaves the server stopped, with standby.signal and a
# primary_conninfo naming --source.
set -eu

usage() {
	echo "usage: $0 --data DIR --source HOST --secrets DIR [--name NAME] [--pgbin DIR]" >&2
	exit 2
}

data="" source="" secrets="" name="" pgbin="/usr/lib/postgresql/15/bin"
while [ $# -gt 0 ]; do
	case "$1" in
	--data) data=$2; shift 2 ;;
	--source) source=$2; shift 2 ;;
	--secrets) secrets=$2; shift 2 ;;
	--name) name=$2; shift 2 ;;
	--pgbin) pgbin=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$data" ] && [ -n "$source" ] && [ -n "$secrets" ] || usage
[ -n "$name" ] || name=$(hostname)

. "$(dirname "$0")/standby-conninfo.sh"
conninfo=$(standby_conninfo "$secrets" "$source" "$name")
# A freshly promoted server records its new timeline in pg_control only at
# its next checkpoint; until then pg_rewind would see one timeline and find
# nothing to do.
"$pgbin/psql" -X -q -d "$conninfo dbname=lab" -c CHECKPOINT
echo "rejoin: rewinding $data to the timeline of $source"
"$pgbin/pg_rewind" --target-pgdata="$data" --source-server="$conninfo dbname=lab" --progress
# pg_rewind brought the source's postgresql.auto.conf along, whose
# primary_conninfo (if any) names the source's own former primary.
echo "primary_conninfo = '$conninfo'" >>"$data/postgresql.auto.conf"
touch "$data/standby.signal"
echo "rejoin: $data is a standby of $source"
