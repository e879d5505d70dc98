#!/bin/sh
# primary-passwords.sh — give the primary's roles this lab's passwords.
#
# Runs as the postgres OS user against the running primary, over its Unix
# socket.  Reads SECRETS/replication-password and SECRETS/lab-password
# (generated per lab, 0600) and stores them as SCRAM verifiers.  The
# passwords travel on psql's stdin, never on a command line.  Safe to run
# at every boot.
set -eu

usage() {
	echo "usage: $0 --secrets DIR [--socket-dir DIR] [--pgbin DIR]" >&2
	exit 2
}

secrets="" sockdir="/var/run/postgresql" pgbin="/usr/lib/postgresql/15/bin"
while [ $# -gt 0 ]; do
	case "$1" in
	--secrets) secrets=$2; shift 2 ;;
	--socket-dir) sockdir=$2; shift 2 ;;
	--pgbin) pgbin=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$secrets" ] || usage

read_secret() {
	pw=$(cat "$secrets/$1") || { echo "primary-passwords: cannot read $secrets/$1" >&2; exit 1; }
	case "$pw" in
	"" | *[!A-Za-z0-9._-]*)
		echo "primary-passwords: $secrets/$1 must hold letters, digits, '.', '_' or '-' only" >&2
		exit 1 ;;
	esac
	printf '%s' "$pw"
}
repl_pw=$(read_secret replication-password)
lab_pw=$(read_secret lab-password)

{
	printf '\\set repl_pw %s\n\\set lab_pw %s\n' "$repl_pw" "$lab_pw"
	cat <<'SQL'
SET password_encryption = 'scram-sha-256';
ALTER ROLE replicator PASSWORD :'repl_pw';
ALTER ROLE lab PASSWORD :'lab_pw';
SQL
} | "$pgbin/psql" -X -q -v ON_ERROR_STOP=1 -h "$sockdir" -U postgres -d postgres
echo "primary-passwords: replicator and lab have this lab's passwords"
