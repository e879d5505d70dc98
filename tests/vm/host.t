#!/bin/bash
# host.t — "replab up" interrupted at each phase (making the secrets, the
# namespace, the first VM, the wait for streaming) by SIGINT, or killed
# there by SIGKILL and then "replab down": no QEMU, namespace holder, state
# or lock is left, and the host's links, routes and qdiscs are as before.
# Then two "up"s at once (one wins, the other is refused, the winner's lab
# intact), a "down" racing an "up", and a lab whose state path has a space
# and a comma in it and is too deep for a UNIX socket's address.
. "$(dirname "$0")/lib.sh"

host_net() { ip -d link show; ip route show table all; tc qdisc show; }
# (functions, not "bash -c": a shell whose command line holds the pattern would match itself)
running() { pgrep -f "$1" >/dev/null; }
nothing_left() { # nothing_left STATE: no process names it, and neither it nor its lock exists
	! running "$1" && test ! -e "$1" -a ! -e "$1.lock"
}
"$REPLAB" down >/dev/null
host_net >"$work/net.before"

# phase_reached PHASE OUTPUT: has "replab up" got there?
phase_reached() {
	case $1 in
	secrets) grep -q "creating the lab's secrets" "$2" ;;
	namespace) test -s "$STATE/netns.proc" ;;
	"first VM") test -s "$STATE/primary.proc" ;;
	waiting) grep -q "VMs powered on" "$2" ;;
	esac
}

for sig in INT KILL; do
	for phase in secrets namespace "first VM" waiting; do
		out=$work/up-$sig-${phase// /-}.out
		"$REPLAB" up >"$out" 2>&1 &
		up=$!
		for _ in $(seq 600); do
			phase_reached "$phase" "$out" && break
			sleep 0.05
		done
		kill -"$sig" "$up"
		wait "$up" 2>/dev/null
		rc=$?
		if [ "$sig" = INT ]; then
			ok "$([ "$rc" = 130 ] && grep -q 'undo: stop the lab' "$out"; echo $?)" \
				"SIGINT to replab up at '$phase': exit 130, says what it undid"
		else
			"$REPLAB" down >"$work/down.out" 2>&1
			ok $? "SIGKILL to replab up at '$phase', then replab down"
		fi
		check "after SIG$sig at '$phase': no QEMU, holder, state or lock left" nothing_left "$STATE"
		grep -E 'undo|removed|stopping' "$out" "$work/down.out" 2>/dev/null | sed 's/^/# /'
	done
done
host_net >"$work/net.after"
check "the host's links, routes and qdiscs are as before" diff "$work/net.before" "$work/net.after"

# ---- two ups at once, in a deep state directory with a space and a comma ----
odd="$work/re plab,lab/$(printf 'a-directory-deep-down-%d/' 1 2 3)a-directory-deep-down-4"
mkdir -p "$odd"
lab="$odd/state"
echo "# the state directory: ${#lab} bytes (a socket address holds 108)"
REPLAB_STATE=$lab "$REPLAB" up >"$work/a.out" 2>&1 &
a=$!
REPLAB_STATE=$lab "$REPLAB" up >"$work/b.out" 2>&1 &
b=$!
wait -n # the refused one ends first
if grep -q 'another replab is changing this lab' "$work/a.out"; then loser=a winner=$b; else loser=b winner=$a; fi
check "of two ups at once, one is refused, saying why" grep -q 'another replab is changing this lab' "$work/$loser.out"
expect 1 'another replab is changing this lab' "a down racing the up is refused" -- \
	env REPLAB_STATE="$lab" "$REPLAB" down
wait "$winner"
ok $? "the other brings the lab up in \"$lab\""
REPLAB_STATE=$lab "$REPLAB" exec replica -- pgrepl status --json >"$work/status.json" 2>/dev/null
jq_check "$work/status.json" '.replica.in_recovery == true and .replica.receiver_status == "streaming"'
check "its QEMUs run sandboxed" bash -c "grep -q '^Seccomp:[[:space:]]*2' /proc/\$(head -n 1 '$lab/primary.proc' | cut -d' ' -f1)/status"
REPLAB_STATE=$lab "$REPLAB" status >"$work/status.out" 2>&1
check "replab status reaches each VM's QMP socket there" bash -c "grep -Eq '^replica +[0-9]+ +running ' '$work/status.out'"
check "and not as root" bash -c "test \"\$(ps -o user= -p \$(head -n 1 '$lab/replica.proc' | cut -d' ' -f1))\" != root"
REPLAB_STATE=$lab "$REPLAB" down >/dev/null
ok $? "replab down"
check "nothing of that lab is left" nothing_left "$lab"
check "the directory around it is the user's and stays" test -d "$odd"
done_testing
