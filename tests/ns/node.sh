#!/bin/sh
# node.sh — one member of the namespace lab, as replab sees it (the
# STATE/nodes/NAME contract of src/replab/lab/node.h); tests/ns/lib.sh writes
# a STATE/nodes/NAME that calls this with the member's fixed arguments.
#
#   node.sh WORK NETNS NAME PGREPL exec COMMAND...   COMMAND in the member,
#                          pgrepl on PATH with the lab's config, psql
#                          reaching the member's own server
#   node.sh ... crash      SIGKILL to the server's process group (also
#                          "kill-server": here the server is all there is)
#   node.sh ... log        print the server's log
#   node.sh ... start      start the server
#   node.sh ... rebuild    a standby afresh: stop, wipe, pg_basebackup, start
#   node.sh ... rejoin HOST  a former primary rewound into a standby of HOST
set -eu
[ $# -ge 5 ] || { echo "usage: $0 WORK NETNS NAME PGREPL exec COMMAND...|crash|kill-server|log|start|rebuild|rejoin HOST" >&2; exit 2; }
work=$1 netns=$2 name=$3 pgrepl=$4 verb=$5
shift 5
pgbin=/usr/lib/postgresql/15/bin
data=$work/$name
# The postgres user runs lib.sh's copies of the server scripts in WORK, from
# WORK: it may not be able to enter the checkout.
scripts=$work/postgres
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
cd "$work"

as_postgres() { ip netns exec "$netns" runuser -u postgres -- "$@"; }

case "$verb" in
exec)
	exec ip netns exec "$netns" env PATH="$(dirname "$pgrepl"):$PATH" PGREPL_CONFIG="$work/pgrepl.conf" \
		PGHOST="$work/$name.sock" "$@" ;;
crash | kill-server)
	exec kill -KILL -- "-$(head -n 1 "$data/postmaster.pid")" ;;
log)
	exec cat "$work/$name.log" ;;
start)
	as_postgres "$pgbin/pg_ctl" --pgdata="$data" --wait --silent --log="$work/$name.log" \
		-o "-c unix_socket_directories='$work/$name.sock'" start ;;
rebuild)
	as_postgres "$pgbin/pg_ctl" --pgdata="$data" --wait --silent --mode=fast stop || true
	rm -rf "$data"
	as_postgres "$scripts/replica-bootstrap.sh" --data "$data" --primary 10.77.0.10 \
		--secrets "$work/secrets" --name "$name" --timeout 60
	exec "$self" "$work" "$netns" "$name" "$pgrepl" start ;;
rejoin)
	as_postgres "$pgbin/pg_ctl" --pgdata="$data" --wait --silent --mode=fast stop || true
	as_postgres "$scripts/rejoin.sh" --data "$data" --source "$1" --secrets "$work/secrets" \
		--name "$name"
	exec "$self" "$work" "$netns" "$name" "$pgrepl" start ;;
*)
	echo "$0: unknown verb \"$verb\"" >&2
	exit 2 ;;
esac
