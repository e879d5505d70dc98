#!/bin/bash
# experiment.t — "replab experiment partition-reconnect" end to end on the
# VMs, shortened: a write load, the replica cut off, healed; every
# acknowledged write must be on the replica, the timeline complete, and
# "replab report" must draw it.
. "$(dirname "$0")/lib.sh"

vm_lab_up
ok 0 "lab up"

out=$work/pr.json
"$REPLAB" experiment partition-reconnect --cut 15 --rate 100 --json "$out" >"$work/exp.out" 2>&1
ok $? "partition-reconnect: exits 0 (no acknowledged write lost)"
sed -n '/^summary:/,$p' "$work/exp.out" | sed 's/^/# /'
jq_check "$out" '.summary.acknowledged_writes >= 2000 and .summary.lost_writes == 0'
jq_check "$out" '.summary.on_replica == .summary.acknowledged_writes'
jq_check "$out" '[.events[].event] | index("heal") != null'
jq_check "$out" '.summary.max_lag_bytes > 0'
jq_check "$out" '.summary.caught_up_after_heal_ms >= 0'
jq_check "$out" '(.samples | length) > 200 and ([.samples[] | select(.state == null)] | length) > 0'
"$REPLAB" report "$out" >"$work/report.out" 2>&1
ok $? "replab report draws it"
check "as a PNG" bash -c "file '${out%.json}.png' 2>/dev/null | grep -q PNG || head -c 8 '${out%.json}.png' | grep -q PNG"
done_testing
