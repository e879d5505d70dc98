#!/bin/bash
# image.t — the images "make lab" built, inspected read-only with
# libguestfs (replab inspect): roles, units, cluster, pgrepl running inside;
# sizes; make's no-op; an interrupted build leaves no image behind.
. "$(dirname "$0")/lib.sh"

test_expect_success 'replab inspect primary.qcow2' '
	replab inspect "$IMAGES/primary.qcow2" >"$work/primary" 2>"$work/primary.err"
'
test_expect_success 'primary: role primary' 'grep -x "role: primary" "$work/primary"'
test_expect_success 'primary: postgres, passwords and readiness units enabled' '
	grep -E "^enabled:.* replab-postgres.service.* replab-primary-passwords.service.* replab-ready.service" "$work/primary"
'
test_expect_success 'primary: the cluster is in place' '
	grep -x "cluster: /var/lib/replab/pgdata (PostgreSQL 15)" "$work/primary"
'
test_expect_success 'primary: no template left over' '! grep "cluster template" "$work/primary"'
test_expect_success 'primary: pgrepl runs inside the image, on the guest'\''s libpq' '
	grep -E "^pgrepl: pgrepl .* \(libpq 15[0-9]{4}\)\$" "$work/primary"
'

test_expect_success 'replab inspect replica.qcow2' 'replab inspect "$IMAGES/replica.qcow2" >"$work/replica" 2>/dev/null'
test_expect_success 'replica: role replica' 'grep -x "role: replica" "$work/replica"'
test_expect_success 'replica: the pg_basebackup bootstrap unit is enabled' '
	grep -E "^enabled:.* replab-replica-bootstrap.service" "$work/replica"
'
test_expect_success 'replica: starts with no cluster at all' '! grep "^cluster" "$work/replica"'
test_expect_success 'replica: pgrepl runs inside the image' 'grep "^pgrepl: pgrepl" "$work/replica"'
test_expect_success 'libguestfs ran under TCG with a notice, as KVM is unusable here' '
	[ -n "${REPLAB_ACCEL:-}" ] || grep "using TCG" "$work/primary.err" || grep -q vmx /proc/cpuinfo
'

size() { du -k "$1" | cut -f1; }
test_expect_success "base image <= 1 GiB on disk ($(size "$IMAGES/base.qcow2") KiB)" '
	test "$(size "$IMAGES/base.qcow2")" -le 1048576
'
test_expect_success "role images are thin overlays (<= 16 MiB: $(size "$IMAGES/primary.qcow2") and $(size "$IMAGES/replica.qcow2") KiB)" '
	test "$(size "$IMAGES/primary.qcow2")" -le 16384 -a "$(size "$IMAGES/replica.qcow2")" -le 16384
'
test_expect_success 'role images are backed by base.qcow2' '
	qemu-img info "$IMAGES/primary.qcow2" | grep "^backing file: base.qcow2 "
'
# (make deps and the root check always run: they are how every target starts)
nothing_to_build() {
	make -C "$ROOT" -n --no-print-directory build/images/primary.qcow2 build/images/replica.qcow2 |
		grep -v -e '^deps/install.sh$' -e 'make lab needs root' -e 'is up to date' | grep -q . && return 1
	return 0
}
test_expect_success 'a second make lab has nothing to do' 'nothing_to_build'

# Interrupt a build while the appliance starts: nothing may be left.
"$REPLAB" build --base "$IMAGES/base.qcow2" --out "$work" "$ROOT/images/roles/primary.role" \
	>/dev/null 2>"$work/build.err" &
pid=$!
for _ in $(seq 100); do
	grep -q 'starting the libguestfs appliance' "$work/build.err" && break
	sleep 0.1
done
kill -TERM "$pid"
test_expect_success 'replab build stops on SIGTERM' 'test_expect_code 143 wait "$pid"'
test_expect_success 'the interrupted build left no image, whole or partial' '
	! ls "$work"/*.qcow2* 2>/dev/null | grep .
'
test_expect_success 'a missing base image is an error' '
	test_expect_code 1 replab build --base "$IMAGES/nonexistent.qcow2" --out "$work" \
		"$ROOT/images/roles/primary.role" >/dev/null 2>"$work/missing.err"
'
test_expect_success 'it says what is missing and what to do' '
	grep "hint: build it first: make lab" "$work/missing.err"
'

done_testing
