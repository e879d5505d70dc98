#!/bin/sh
# primary-init.sh — create the lab's primary cluster, once.
#
# Runs as the postgres OS user.  Creates the cluster in --data, installs the
# lab's replication settings and pg_hba rules, and creates the roles:
#   replicator  REPLICATION, for standbys (password: SECRETS/replication-password)
#   lab         the demos' role, owner of database "lab", member of
#               pg_monitor, allowed to call pg_promote() (SECRETS/lab-password)
# Both log in with scram-sha-256 from the lab subnet only.  Leaves the
# server stopped; starting it is the caller's job (a systemd unit in the VM,
# the namespace test harness on a host).  Does nothing if --data already
# holds a cluster.
set -eu

usage() {
	echo "usage: $0 --data DIR --secrets DIR [--subnet CIDR] [--pgbin DIR]" >&2
	exit 2
}

here=$(cd "$(dirname "$0")" && pwd)
data="" secrets="" subnet="10.77.0.0/24" pgbin="/usr/lib/postgresql/15/bin"
while [ $# -gt 0 ]; do
	case "$1" in
	--data) data=$2; shift 2 ;;
	--secrets) secrets=$2; shift 2 ;;
	--subnet) subnet=$2; shift 2 ;;
	--pgbin) pgbin=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$data" ] && [ -n "$secrets" ] || usage

read_secret() {
	pw=$(cat "$secrets/$1") || { echo "primary-init: cannot read $secrets/$1" >&2; exit 1; }
	case "$pw" in
	"" | *[!A-Za-z0-9._-]*)
		echo "primary-init: $secrets/$1 must hold letters, digits, '.', '_' or '-' only" >&2
		exit 1 ;;
	esac
	printf '%s' "$pw"
}

if [ -f "$data/PG_VERSION" ]; then
	echo "primary-init: $data already holds a cluster; nothing to do"
	exit 0
fi
repl_pw=$(read_secret replication-password)
lab_pw=$(read_secret lab-password)

echo "primary-init: creating the cluster in $data"
"$pgbin/initdb" --pgdata="$data" --username=postgres --auth-local=peer \
	--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8 >/dev/null

cp "$here/replication.conf" "$data/replab.conf"
echo "include 'replab.conf'" >>"$data/postgresql.conf"
cat >>"$data/pg_hba.conf" <<HBA

# replab: standbys and the demos' role, from the lab subnet only
host    replication     replicator      $subnet         scram-sha-256
host    lab             lab             $subnet         scram-sha-256
HBA

# A private server on a private socket for the set-up SQL.
sock=$(mktemp -d)
trap 'rm -rf "$sock"' EXIT
"$pgbin/pg_ctl" --pgdata="$data" --silent --wait --log="$sock/init.log" \
	-o "-c listen_addresses='' -c unix_socket_directories='$sock'" start
# Passwords go through stdin as psql variables, never on a command line.
{
	printf '\\set repl_pw %s\n\\set lab_pw %s\n' "$repl_pw" "$lab_pw"
	cat <<'SQL'
SET password_encryption = 'scram-sha-256';
CREATE ROLE replicator WITH LOGIN REPLICATION PASSWORD :'repl_pw';
CREATE ROLE lab WITH LOGIN PASSWORD :'lab_pw';
GRANT pg_monitor TO lab;
CREATE DATABASE lab OWNER lab;
\connect lab
-- Function privileges live in each database's catalog.
GRANT EXECUTE ON FUNCTION pg_promote(boolean, integer) TO lab;
SQL
} | "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sock" -U postgres -d postgres
"$pgbin/pg_ctl" --pgdata="$data" --silent --wait -m fast stop
echo "primary-init: roles replicator and lab created; replication allowed from $subnet"
