# lib.sh — the namespace tier's lab: real PostgreSQL 15 servers, each in its
# own network namespace, joined by a bridge in a third one, set up by the
# same scripts the VM images run.  Sourced by the tests/ns/*.t files, which
# print TAP.
#
#   ns "lab"      br0, tap-primary, tap-replica   (veths named like the VM
#                 lab's taps, so replab's fault verbs work here too)
#   ns "primary"  eth0 10.77.0.10/24   postgres (images/postgres/primary-init.sh,
#                                       then primary-passwords.sh)
#   ns "replica"  eth0 10.77.0.11/24   postgres (images/postgres/replica-bootstrap.sh)
#   ns "replica2" eth0 10.77.0.12/24   only after replica2_up: a second standby,
#                                       of the primary or (--cascade) of the replica
#
# Nothing is added to the host's own network namespace.  lab_down runs on
# every exit and removes the servers (by their PIDs), namespaces and files.
#
# A test starts with its header comment and '. "$(dirname "$0")/lib.sh"':
# this file checks the tools and binaries, sources tests/tap.sh, and gives
# it pgrepl (run in a namespace) and replab (acting on this lab).

set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PGREPL=${PGREPL:-$ROOT/build/bin/pgrepl}
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
PGBIN=/usr/lib/postgresql/15/bin
SUBNET=10.77.0.0/24
PRIMARY_IP=10.77.0.10
REPLICA_IP=10.77.0.11
REPLICA2_IP=10.77.0.12

. "$ROOT/tests/tap.sh"

# ---- the lab -------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || bail "the namespace tier needs root for ip netns: run it with sudo"
for tool in ip tc jq runuser "$PGBIN/postgres"; do
	command -v "$tool" >/dev/null || bail "missing $tool: run make deps"
done
for bin in "$PGREPL" "$REPLAB"; do
	[ -x "$bin" ] || bail "missing $bin: run make"
done

LAB_ID=rl$$
NS_LAB=$LAB_ID-lab
NS_PRIMARY=$LAB_ID-primary
NS_REPLICA=$LAB_ID-replica
NS_REPLICA2=$LAB_ID-replica2
MEMBERS="primary replica"
WORK=$(mktemp -d /tmp/replab-ns.XXXXXX)
chmod 755 "$WORK"
# The postgres user runs the server scripts, and from WORK: the checkout may
# be where postgres cannot enter (root's home is 0700, so is a mktemp -d),
# so the scripts it runs are copies here, readable by all.
SCRIPTS=$WORK/postgres
SECRETS=$WORK/secrets
CONFIG=$WORK/pgrepl.conf
# replab's state for this lab: a namespace holder, as "replab up" makes one,
# so that REPLAB_STATE=$STATE replab partition/heal/shape/status act here.
STATE=$WORK/lab

in_ns() { # in_ns NAMESPACE COMMAND...
	ns=$1
	shift
	ip netns exec "$ns" "$@"
}

as_postgres() { # as_postgres NAMESPACE COMMAND...: in WORK, which postgres can enter
	ns=$1
	shift
	(cd "$WORK" && ip netns exec "$ns" runuser -u postgres -- "$@")
}

postmaster_pid() { # postmaster_pid primary|replica
	head -n 1 "$WORK/$1/postmaster.pid" 2>/dev/null
}

lab_down() {
	holder=$(cut -d' ' -f1 "$STATE/netns.proc" 2>/dev/null | head -n 1)
	[ -n "$holder" ] && kill -KILL "$holder" 2>/dev/null
	for vm in $MEMBERS; do
		pid=$(postmaster_pid $vm || true)
		if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
			kill -QUIT "$pid" 2>/dev/null || true
			for _ in 1 2 3 4 5 6 7 8 9 10; do
				kill -0 "$pid" 2>/dev/null || break
				sleep 0.2
			done
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	for ns in "$NS_PRIMARY" "$NS_REPLICA" "$NS_REPLICA2" "$NS_LAB"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	if [ "${KEEP_WORK:-0}" = 1 ]; then echo "# kept $WORK"; else rm -rf "$WORK"; fi
}
trap lab_down EXIT
# What postgres runs comes from here, not from a checkout it may not enter;
# pgrepl too (set-password runs as postgres).
PGREPL_COPY=$SCRIPTS/pgrepl
cp -R "$ROOT/images/postgres" "$SCRIPTS" && cp "$PGREPL" "$PGREPL_COPY" && chmod -R a+rX "$SCRIPTS" ||
	bail "cannot copy images/postgres and pgrepl into $WORK"

member_net() { # member_net NAME ADDRESS: its namespace, its veth on the bridge
	ns=$LAB_ID-$1
	ip netns add "$ns" &&
		ip -n "$ns" link set lo up &&
		ip -n "$NS_LAB" link add "tap-$1" type veth peer name eth0 netns "$ns" &&
		ip -n "$NS_LAB" link set "tap-$1" master br0 up &&
		ip -n "$ns" link set eth0 up &&
		ip -n "$ns" addr add "$2/24" dev eth0
}

net_up() {
	ip netns add "$NS_LAB" &&
		ip -n "$NS_LAB" link set lo up &&
		ip -n "$NS_LAB" link add br0 type bridge &&
		ip -n "$NS_LAB" link set br0 up || return 1
	member_net primary "$PRIMARY_IP" && member_net replica "$REPLICA_IP" || return 1
	# A lab's state directory (its marker), and the namespace holder
	# recorded as replab records its processes (src/replab/lab/proc.h).
	mkdir -m 700 "$STATE" && echo "replab lab state directory" >"$STATE/.replab-lab" || return 1
	ip netns exec "$NS_LAB" bash -c 'exec -a "replab-netns:$0" sleep infinity' "$STATE" </dev/null >/dev/null 2>&1 &
	holder=$!
	disown
	proc_record "$holder" netns
}

proc_record() { # proc_record PID NAME: STATE/NAME.proc for a process of this tier's
	local start
	for _ in $(seq 50); do # until it has exec'd
		[ "$(readlink "/proc/$1/exe")" = "$(command -v sleep)" ] && break
		sleep 0.02
	done
	start=$(sed 's/.*) //' "/proc/$1/stat" | cut -d' ' -f20)
	{
		echo "$1 $start"
		readlink "/proc/$1/exe"
		cat "/proc/$1/cmdline"
	} >"$STATE/$2.proc"
}

make_secrets() {
	(
		umask 077
		mkdir "$SECRETS" || exit 1
		for f in replication-password lab-password; do
			head -c 18 /dev/urandom | base64 | tr '+/' '._' >"$SECRETS/$f" || exit 1
		done
		chown -R postgres: "$SECRETS" &&
			printf '*:*:*:lab:%s\n' "$(cat "$SECRETS/lab-password")" >"$WORK/lab.pgpass" &&
			cat >"$CONFIG" <<CONF
# written by tests/ns/lib.sh
primary = host=$PRIMARY_IP user=lab dbname=lab passfile=$WORK/lab.pgpass
replica = host=$REPLICA_IP user=lab dbname=lab passfile=$WORK/lab.pgpass
replica2 = host=$REPLICA2_IP user=lab dbname=lab passfile=$WORK/lab.pgpass
CONF
	)
}

# STATE/nodes/NAME: how replab runs commands in, crashes and rebuilds a
# member of this lab (src/replab/lab/node.h), through tests/ns/node.sh.
node() { # node NAME VERB ARGS...
	vm=$1
	shift
	"$ROOT/tests/ns/node.sh" "$WORK" "$LAB_ID-$vm" "$vm" "$PGREPL" "$@"
}

nodes_declare() {
	mkdir -p -m 700 "$STATE/nodes" || return 1
	for vm in $MEMBERS; do
		printf '#!/bin/sh\nexec %q %q %q %q %q "$@"\n' "$ROOT/tests/ns/node.sh" "$WORK" "$LAB_ID-$vm" "$vm" \
			"$PGREPL" >"$STATE/nodes/$vm" && chmod 700 "$STATE/nodes/$vm" || return 1
	done
}

show_logs() { # the servers' logs as TAP comments, to see why set-up failed
	for f in "$WORK"/*.out "$WORK"/*.log; do
		[ -f "$f" ] || continue
		echo "# --- $f"
		tail -n 20 "$f" | sed 's/^/#   /'
	done
}

lab_up() {
	net_up && make_secrets &&
		mkdir -m 755 "$WORK/primary.sock" "$WORK/replica.sock" &&
		chown postgres: "$WORK" "$WORK/primary.sock" "$WORK/replica.sock" &&
		as_postgres "$NS_PRIMARY" "$SCRIPTS/primary-init.sh" --data "$WORK/primary" \
			--subnet "$SUBNET" >"$WORK/primary-init.out" 2>&1 &&
		node primary start &&
		as_postgres "$NS_PRIMARY" "$SCRIPTS/primary-passwords.sh" --secrets "$SECRETS" \
			--socket-dir "$WORK/primary.sock" --pgrepl "$PGREPL_COPY" >>"$WORK/primary-init.out" 2>&1 &&
		as_postgres "$NS_REPLICA" "$SCRIPTS/replica-bootstrap.sh" --data "$WORK/replica" \
			--primary "$PRIMARY_IP" --secrets "$SECRETS" --timeout 60 >"$WORK/replica-bootstrap.out" 2>&1 &&
		node replica start &&
		wait_streaming 30 && nodes_declare && return 0
	show_logs
	return 1
}

# replica2_up [--cascade]: a third member, a standby of the primary or, with
# --cascade, of the replica; replab learns the lab's shape from
# STATE/options.json as from "replab up --replicas 2 [--cascade]".
replica2_up() {
	cascade=false upstream=$PRIMARY_IP
	[ "${1:-}" = --cascade ] && cascade=true upstream=$REPLICA_IP
	MEMBERS="primary replica replica2"
	member_net replica2 "$REPLICA2_IP" &&
		mkdir -m 755 "$WORK/replica2.sock" && chown postgres: "$WORK/replica2.sock" &&
		as_postgres "$NS_REPLICA2" "$SCRIPTS/replica-bootstrap.sh" --data "$WORK/replica2" \
			--primary "$upstream" --secrets "$SECRETS" --name replica2 --timeout 60 \
			>"$WORK/replica2-bootstrap.out" 2>&1 &&
		node replica2 start &&
		printf '{"replicas": 2, "cascade": %s}\n' "$cascade" >"$STATE/options.json" &&
		nodes_declare && return 0
	show_logs
	return 1
}

# psql as the lab role, from NAMESPACE, against HOST
lab_psql() { # lab_psql NAMESPACE HOST SQL
	in_ns "$1" env PGPASSFILE="$WORK/lab.pgpass" "$PGBIN/psql" -X -qAt -h "$2" -U lab -d lab -c "$3"
}

wait_streaming() { # wait_streaming SECONDS: until the replica streams from the primary
	for _ in $(seq $(($1 * 10))); do
		state=$(lab_psql "$NS_PRIMARY" "$PRIMARY_IP" \
			"SELECT state FROM pg_stat_replication WHERE application_name = 'replica'" 2>/dev/null || true)
		[ "$state" = streaming ] && return 0
		sleep 0.1
	done
	return 1
}

page_lists() { # page_lists PAGE KIND N FIRST: replab report's table of anomalies
	# has KIND's row with the count N and a first one located as FIRST (a
	# grep pattern); no row for KIND when N is 0
	if [ "$3" -gt 0 ]; then
		grep -q "<tr><td>$2</td><td>$3</td><td>$4" "$1"
	else
		! grep -q "<tr><td>$2</td>" "$1"
	fi
}
replab() { # replab ARGS...: replab on this lab (its state directory)
	REPLAB_STATE=$STATE "$REPLAB" "$@"
}

pgrepl() { # pgrepl NAMESPACE ARGS...: run the client where the VM would run it
	ns=$1
	shift
	in_ns "$ns" "$PGREPL" --config "$CONFIG" "$@"
}

wait_until_failover_waits() { # wait_until_failover_waits FILE: pgrepl failover's narrative
	for _ in $(seq 300); do
		grep -q 'waiting for the primary to stop' "$1" && return 0
		sleep 0.1
	done
	return 1
}
