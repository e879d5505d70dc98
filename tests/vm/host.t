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
replab down >/dev/null
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
		"$REPLAB" up --cold >"$out" 2>&1 &
		up=$!
		for _ in $(seq 600); do
			phase_reached "$phase" "$out" && break
			sleep 0.05
		done
		kill -"$sig" "$up"
		wait "$up" 2>/dev/null
		rc=$?
		if [ "$sig" = INT ]; then
			test_expect_success "SIGINT to replab up at '$phase': exit 130, says what it undid" '
				is "$rc" 130 &&
				grep "undo: stop the lab" "$out"
			'
		else
			test_expect_success "SIGKILL to replab up at '$phase', then replab down" '
				replab down >"$work/down.out" 2>&1
			'
		fi
		test_expect_success "after SIG$sig at '$phase': no QEMU, holder, state or lock left" 'nothing_left "$STATE"'
		grep -E 'undo|removed|stopping' "$out" "$work/down.out" 2>/dev/null | sed 's/^/# /'
	done
done
test_expect_success 'the host'\''s links, routes and qdiscs are as before' '
	host_net >"$work/net.after" &&
	diff "$work/net.before" "$work/net.after"
'

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
test_expect_success 'of two ups at once, one is refused, saying why' '
	grep "another replab is changing this lab" "$work/$loser.out"
'
expect 1 'another replab is changing this lab' "a down racing the up is refused" -- \
	env REPLAB_STATE="$lab" "$REPLAB" down
test_expect_success "the other brings the lab up in \"$lab\"" 'wait "$winner"'
REPLAB_STATE=$lab replab exec replica -- pgrepl status --json >"$work/status.json" 2>/dev/null
jq_check "$work/status.json" '.replica.in_recovery == true and .replica.receiver_status == "streaming"'
qemu_pid() { head -n 1 "$lab/$1.proc" | cut -d' ' -f1; } # qemu_pid VM
test_expect_success 'its QEMUs run sandboxed' 'grep "^Seccomp:[[:space:]]*2" "/proc/$(qemu_pid primary)/status"'
test_expect_success 'replab status reaches each VM'\''s QMP socket there' '
	REPLAB_STATE=$lab replab status >"$work/status.out" 2>&1
	grep -E "^replica +[0-9]+ +running " "$work/status.out"
'
test_expect_success 'and not as root' '
	user=$(ps -o user= -p "$(qemu_pid replica)") &&
	echo "QEMU runs as $user" &&
	test "$user" != root
'
test_expect_success 'replab down' 'REPLAB_STATE=$lab replab down >/dev/null'
test_expect_success 'nothing of that lab is left' 'nothing_left "$lab"'
test_expect_success 'the directory around it is the user'\''s and stays' 'test -d "$odd"'
done_testing
