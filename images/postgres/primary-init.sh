#!/bin/sh
# primary-init.sh — create the lab's primary cluster, once.
#
# Runs as the postgres OS user.  Creates the cluster in --data, installs the
# lab's replication settings and pg_hba rules, and creates the roles:
#   replicator  REPLICATION, for standbys; may also checkpoint and read the
#               files pg_rewind needs (database "lab"), to rejoin a former
#               primary
#   lab         the demos' role, owner of database "lab", member of
#               pg_monitor, allowed to call pg_promote()
# Both may log in with scram-sha-256 from the lab subnet only, once
# primary-passwords.sh has given them the lab's passwords: until then they
# have none and cannot log in, so the cluster can be made ahead of time (the
# VM image carries it) without holding any secret.  Leaves the server
# stopped.  Does nothing if --data already holds a cluster.
set -eu

usage() {
	echo "usage: $0 --data DIR [--subnet CIDR] [--pgbin DIR]" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
data="" subnet="10.77.0.0/24" pgbin="/usr/lib/postgresql/15/bin"
while [ $# -gt 0 ]; do
	case "$1" in
	--data) data=$2; shift 2 ;;
	--subnet) subnet=$2; shift 2 ;;
	--pgbin) pgbin=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$data" ] || usage

if [ -f "$data/PG_VERSION" ]; then
	echo "primary-init: $data already holds a cluster; nothing to do"
	exit 0
fi
echo "primary-init: creating the cluster in $data"
"$pgbin/initdb" --pgdata="$data" --username=postgres --auth-local=peer \
	--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null

cp "$here/replication.conf" "$data/replab.conf"
echo "include 'replab.conf'" >>"$data/postgresql.conf"
cat >>"$data/pg_hba.conf" <<HBA

# replab: standbys and the demos' role, from the lab subnet only
host    replication     replicator      $subnet         scram-sha-256
host    lab             replicator      $subnet         scram-sha-256
host    lab             lab             $subnet         scram-sha-256
HBA

# A private server on a private socket for the set-up SQL.
sock=$(mktemp -d)
trap 'rm -rf "$sock"' EXIT
"$pgbin/pg_ctl" --pgdata="$data" --silent --wait --log="$sock/init.log" \
	-o "-c listen_addresses='' -c unix_socket_directories='$sock'" start
"$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d postgres <<'SQL'
CREATE ROLE replicator WITH LOGIN REPLICATION;
CREATE ROLE lab WITH LOGIN;
GRANT pg_monitor TO lab;
CREATE DATABASE lab OWNER lab;
\connect lab
-- Function privileges live in each database's catalog.
GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO lab;
-- What pg_rewind reads from its source (the PostgreSQL 15 manual's list),
-- and the checkpoint that makes a new primary's timeline visible to it.
GRANT pg_checkpoint TO replicator;
GRANT EXECUTE ON FUNCTION pg_ls_dir(text, boolean, boolean) TO replicator;
GRANT EXECUTE ON FUNCTION pg_stat_file(text, boolean) TO replicator;
GRANT EXECUTE ON FUNCTION pg_read_binary_file(text) TO replicator;
GRANT EXECUTE ON FUNCTION pg_read_binary_file(text, bigint, bigint, boolean) TO replicator;
SQL
"$pgbin/pg_ctl" --pgdata="$data" --silent --wait -m fast stop
echo "primary-init: roles replicator and lab created (no passwords yet); replication allowed from $subnet"
