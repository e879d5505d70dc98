# lib.sh — what the VM tier's tests share (sourced): TAP, paths, a work
# directory, and a lab that is always torn down on exit.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/tap.sh"
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
STATE=$ROOT/build/lab
IMAGES=$ROOT/build/images
for f in base.qcow2 primary.qcow2 replica.qcow2 vmlinuz initrd.img; do
	[ -f "$IMAGES/$f" ] || bail "missing $IMAGES/$f: run make lab"
done
work=$(mktemp -d)
trap '"$REPLAB" down >/dev/null 2>&1; rm -rf "$work"' EXIT

vm_lab_up() { # a fresh lab, or bail out with what replab up printed
	"$REPLAB" down >/dev/null
	"$REPLAB" up >"$work/up.out" 2>&1 || {
		sed 's/^/# /' "$work/up.out"
		bail "replab up failed"
	}
}
