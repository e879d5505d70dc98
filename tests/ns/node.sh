#!/bin/sh
# node.sh — one member of the namespace lab, as replab sees it (the
# STATE/nodes/NAME contract of src/replab/node.h); tests/ns/lib.sh writes
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
root=$(cd "$(dirname "$0")/../.." && pwd)
pgbin=/usr/lib/postgresql/15/bin
data=$work/$name

as_postgres() { ip netns exec "$netns" runuser -u postgres -- "$@"; }

case "$verb" in
exec)
	cd "$work"
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
	as_postgres "$root/images/postgres/replica-bootstrap.sh" --data "$data" --primary 10.77.0.10 \
		--secrets "$work/secrets" --name "$name" --timeout 60
	exec "$0" "$work" "$netns" "$name" "$pgrepl" start ;;
rejoin)
	as_postgres "$pgbin/pg_ctl" --pgdata="$data" --wait --silent --mode=fast stop || true
	as_postgres "$root/images/postgres/rejoin.sh" --data "$data" --source "$1" --secrets "$work/secrets" \
		--name "$name"
	exec "$0" "$work" "$netns" "$name" "$pgrepl" start ;;
*)
	echo "$0: unknown verb \"$verb\"" >&2
	exit 2 ;;
esac
