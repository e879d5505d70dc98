# lib.sh — what the Vagrant tier's tests share (sourced): TAP, paths, the
# tools and boxes it needs, a work directory, and this test's own Vagrant
# state in it (VAGRANT_DOTFILE_PATH), apart from any .vagrant of a user's.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/tap.sh"
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
SANDBOX=$ROOT/tests/vagrant/sandbox.sh
[ -x "$REPLAB" ] || bail "missing $REPLAB: run make"
command -v vagrant >/dev/null || bail "vagrant is not installed: make deps"
for role in primary replica; do
	[ -f "$ROOT/build/box/replab-$role.box" ] || bail "missing build/box/replab-$role.box: run make box"
done
work=$(mktemp -d)
export VAGRANT_CWD=$ROOT VAGRANT_DOTFILE_PATH=$work/dot
# Vagrant never calls home from the tests (Debian's lacks the library anyway).
export VAGRANT_CHECKPOINT_DISABLE=1
STATE=$VAGRANT_DOTFILE_PATH/replab
