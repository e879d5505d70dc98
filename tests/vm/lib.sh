# lib.sh — what the VM tier's tests share (sourced): TAP (tests/tap.sh),
# paths, replab checked and the replab function, the images checked, a work
# directory, and a lab that is always torn down on exit.  A test starts with
# its header comment and '. "$(dirname "$0")/lib.sh"'.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/tap.sh"
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
STATE=$ROOT/build/lab
IMAGES=${REPLAB_IMAGES:-$ROOT/build/images}
[ -x "$REPLAB" ] || bail "missing $REPLAB: run make"
for f in base.qcow2 primary.qcow2 replica.qcow2 vmlinuz initrd.img; do
	[ -f "$IMAGES/$f" ] || bail "missing $IMAGES/$f: run make lab"
done
work=$(mktemp -d)
trap '"$REPLAB" down >/dev/null 2>&1; rm -rf "$work"' EXIT

replab() { # replab ARGS...: replab on the lab in $REPLAB_STATE, else build/lab
	"$REPLAB" "$@"
}

vm_lab_up() { # a fresh lab, or bail out with what replab up printed
	replab down >/dev/null
	replab up >"$work/up.out" 2>&1 || {
		sed 's/^/# /' "$work/up.out"
		bail "replab up failed"
	}
}
