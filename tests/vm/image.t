#!/bin/bash
# image.t — the images "make lab" built, inspected read-only with
# libguestfs (replab inspect): roles, units, cluster, pgrepl running inside;
# sizes; make's no-op; an interrupted build leaves no image behind.
. "$(dirname "$0")/lib.sh"

"$REPLAB" inspect "$IMAGES/primary.qcow2" >"$work/primary" 2>"$work/primary.err"
ok $? "replab inspect primary.qcow2"
check "primary: role primary" grep -qx 'role: primary' "$work/primary"
check "primary: postgres, passwords and readiness units enabled" grep -Eq \
	'^enabled:.* replab-postgres.service.* replab-primary-passwords.service.* replab-ready.service' "$work/primary"
check "primary: the cluster is in place" grep -qx 'cluster: /var/lib/replab/pgdata (PostgreSQL 15)' "$work/primary"
check "primary: no template left over" bash -c "! grep -q 'cluster template' '$work/primary'"
check "primary: pgrepl runs inside the image, on the guest's libpq" \
	grep -Eq '^pgrepl: pgrepl .* \(libpq 15[0-9]{4}\)$' "$work/primary"

"$REPLAB" inspect "$IMAGES/replica.qcow2" >"$work/replica" 2>/dev/null
ok $? "replab inspect replica.qcow2"
check "replica: role replica" grep -qx 'role: replica' "$work/replica"
check "replica: the pg_basebackup bootstrap unit is enabled" \
	grep -Eq '^enabled:.* replab-replica-bootstrap.service' "$work/replica"
check "replica: starts with no cluster at all" bash -c "! grep -q '^cluster' '$work/replica'"
check "replica: pgrepl runs inside the image" grep -q '^pgrepl: pgrepl' "$work/replica"
check "libguestfs ran under TCG with a notice, as KVM is unusable here" \
	bash -c "[ -n \"\${REPLAB_ACCEL:-}\" ] || grep -q 'using TCG' '$work/primary.err' || grep -q vmx /proc/cpuinfo"

size() { du -k "$1" | cut -f1; }
check "base image <= 1 GiB on disk ($(size "$IMAGES/base.qcow2") KiB)" test "$(size "$IMAGES/base.qcow2")" -le 1048576
check "role images are thin overlays (<= 16 MiB: $(size "$IMAGES/primary.qcow2") and $(size "$IMAGES/replica.qcow2") KiB)" \
	test "$(size "$IMAGES/primary.qcow2")" -le 16384 -a "$(size "$IMAGES/replica.qcow2")" -le 16384
check "role images are backed by base.qcow2" \
	bash -c "qemu-img info '$IMAGES/primary.qcow2' | grep -q '^backing file: base.qcow2 '"
# (make deps and the root check always run: they are how every target starts)
nothing_to_build() {
	make -C "$ROOT" -n --no-print-directory build/images/primary.qcow2 build/images/replica.qcow2 |
		grep -v -e '^deps/install.sh$' -e 'make lab needs root' -e 'is up to date' | grep -q . && return 1
	return 0
}
check "a second make lab has nothing to do" nothing_to_build

# Interrupt a build while the appliance starts: nothing may be left.
"$REPLAB" build --base "$IMAGES/base.qcow2" --out "$work" "$ROOT/images/roles/primary.role" \
	>/dev/null 2>"$work/build.err" &
pid=$!
for _ in $(seq 100); do
	grep -q 'starting the libguestfs appliance' "$work/build.err" && break
	sleep 0.1
done
kill -TERM "$pid"
wait "$pid"
ok $(($? == 143 ? 0 : 1)) "replab build stops on SIGTERM"
check "the interrupted build left no image, whole or partial" \
	bash -c "! ls '$work'/*.qcow2* 2>/dev/null | grep -q ."
"$REPLAB" build --base "$IMAGES/nonexistent.qcow2" --out "$work" "$ROOT/images/roles/primary.role" \
	>/dev/null 2>"$work/missing.err"
ok $(($? == 1 ? 0 : 1)) "a missing base image is an error"
check "it says what is missing and what to do" grep -q 'hint: build it first: make lab' "$work/missing.err"

done_testing
