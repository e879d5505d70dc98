#!/bin/sh
# primary-passwords.sh — give the primary's roles this lab's passwords.
#
# Runs as the postgres OS user against the running primary, over its Unix
# socket.  SECRETS/replication-password and SECRETS/lab-password (generated
# per lab, 0600) go to "pgrepl set-password" by name: pgrepl reads each
# file, computes the SCRAM-SHA-256 verifier itself and sends only that, in
# a session that keeps its statements out of the server's log.  No
# password is ever on a command line, in an environment or in this
# script's variables.  Safe to run at every boot.
set -eu

usage() {
	echo "usage: $0 --secrets DIR [--socket-dir DIR] [--pgrepl PATH]" >&2
	exit 2
}

secrets="" sockdir="/var/run/postgresql" pgrepl=${PGREPL:-pgrepl}
while [ $# -gt 0 ]; do
	case "$1" in
	--secrets) secrets=$2; shift 2 ;;
	--socket-dir) sockdir=$2; shift 2 ;;
	--pgrepl) pgrepl=$2; shift 2 ;;
	*) usage ;;
	esac
done
[ -n "$secrets" ] || usage

# The same passwords go into pgpass files and the cloud-init seed, so they
# are held to characters that need no quoting anywhere.  grep reads the
# file; the password is never in this shell.
check_secret() {
	f=$secrets/$1
	[ -r "$f" ] || { echo "primary-passwords: cannot read $f" >&2; exit 1; }
	if [ "$(LC_ALL=C grep -c '' "$f")" -ne 1 ] || ! LC_ALL=C grep -q '^[A-Za-z0-9._-][A-Za-z0-9._-]*$' "$f"; then
		echo "primary-passwords: $f must hold one line of letters, digits, '.', '_' or '-' only" >&2
		exit 1
	fi
}
check_secret replication-password
check_secret lab-password

server="host='$sockdir' user=postgres dbname=postgres"
for pair in replicator:replication-password lab:lab-password; do
	"$pgrepl" --config /dev/null --primary "$server" set-password "${pair%%:*}" \
		--password-file "$secrets/${pair#*:}" >/dev/null
done
echo "primary-passwords: replicator and lab have this lab's passwords (SCRAM-SHA-256 verifiers made by pgrepl)"
