#!/bin/bash
# split.t — "replab experiment split-brain" against the namespace lab: two
# primaries take writes, the divergence is reported row by row, and
# pg_rewind turns the old primary into a standby that has exactly the new
# primary's rows.
. "$(dirname "$0")/lib.sh"
REPLAB=${REPLAB:-$ROOT/build/bin/replab}
[ -x "$REPLAB" ] || bail "missing $REPLAB: run make"

lab_up || bail "could not bring the namespace lab up"

out=$WORK/split.json
REPLAB_STATE=$STATE "$REPLAB" experiment split-brain --json "$out" >"$WORK/split.out" 2>&1
ok $? "split-brain: exits 0"
sed -n '/^divergence:/,$p' "$WORK/split.out" | sed 's/^/# /'
jq_check "$out" '.summary.old_primary.timeline == 1 and .summary.new_primary.timeline == 2'
jq_check "$out" '.summary.new_primary.history | test("^1 [0-9A-F]+/[0-9A-F]+ ")'
jq_check "$out" '.summary.only_on_old_primary | length == 30'
jq_check "$out" '.summary.only_on_new_primary | length == 30'
jq_check "$out" '[.summary.only_on_old_primary[] | select(endswith(":old primary"))] | length == 30'
jq_check "$out" '.summary.discarded_by_rewind == .summary.only_on_old_primary'
jq_check "$out" '.summary.rejoined_as_standby and .summary.same_rows_after'
REPLAB_STATE=$STATE "$REPLAB" report "$out" >/dev/null 2>&1
ok $? "replab report draws it"
check "as a PNG" bash -c "head -c 8 '${out%.json}.png' | grep -q PNG"
check "the fencing lesson is printed" grep -q 'Why fencing matters' "$WORK/split.out"
check "the old primary streams from the new one" bash -c \
	"[ \"\$(ip netns exec '$NS_REPLICA' env PGPASSFILE='$WORK/lab.pgpass' $PGBIN/psql -XAtq -h $REPLICA_IP -U lab -d lab -c \"SELECT state FROM pg_stat_replication WHERE application_name = 'primary'\")\" = streaming ]"
done_testing
