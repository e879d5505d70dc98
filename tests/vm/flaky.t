#!/bin/bash
# flaky.t — "replab experiment flaky-link" on the real VM lab, on a small
# grid: pgrepl failover --detect-only in the replica probing the primary
# every 200 ms with a 500 ms and a 2 s timeout, on a healthy link and with
# 40% of what reaches the primary lost (netem in the guest here).  Measured,
# not assumed: no false detection on the healthy link with the 2 s timeout,
# no fewer with 500 ms than with 2 s on the lossy one, a real crash detected after about the
# timeout; and the lab left as it was (roles, streaming, no shape, the
# cable in), so the VM tier's other tests reuse it; every probe in the
# history.  About 2 minutes.
. "$(dirname "$0")/lib.sh"

sql() { # sql VM QUERY: one value, from psql as postgres in the lab database
	replab exec "$1" -- sh -c 'cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c "$0"' "$2"
}
mech=guest
modprobe --dry-run --quiet sch_netem 2>/dev/null && mech=host

vm_lab_up

out=$work/flaky.json
test_expect_success 'flaky-link on a 1 x 2 x 2 grid: exits 0' '
	replab experiment flaky-link --intervals 200 --timeouts 500,2000 --loss 0,40 --duration 8 \
		--json "$out" >"$work/flaky.out" 2>&1 || {
		cat "$work/flaky.out"
		tail -n 30 "$STATE/flaky-link.log"
		false
	}
'
sed -n '/^false detections/,/^  A probe/p' "$work/flaky.out" | sed 's/^/# /'
jq_check "$out" '.experiment == "flaky-link" and .netem_mechanism == "'$mech'"'
jq_check "$out" '(.cells | length) == 4 and (.detections | length) == 2'
jq_check "$out" '[.cells[] | select(.loss_pct == 0 and .timeout_ms == 2000)][0].false_detections == 0'
jq_check "$out" '[.cells[] | select(.loss_pct == 0)] | all(.watched_ms >= 7000)'
# 40% loss with 500 ms cried wolf 2, 2 and 0 times in 8-10 s here: too few
# to require one; a shorter timeout never cries less than a longer one
jq_check "$out" '([.cells[] | select(.loss_pct == 40)] | sort_by(.timeout_ms)) as $c |
	$c[0].false_detections >= $c[1].false_detections'
# a crash is noticed by the first probe that starts after it, once its timeout is over
jq_check "$out" '.detections | all(.after_crash_ms >= .timeout_ms - 50 and .after_crash_ms < .timeout_ms + .interval_ms + 1500)'
# the history: every probe a read, a session per cell and per crash, as many as were counted
hist=$work/flaky.history.jsonl
test_expect_success 'the history holds every probe' '
	is "$(jq -s "map(.session) | unique | length" "$hist")" 6 &&
	is "$(jq -s "length" "$hist")" \
		"$(jq "[.cells[].runs[].probes, .detections[].probes] | add" "$out")" &&
	is "$(jq -s "map(select(.op != \"read\" or .server != \"primary\")) | length" "$hist")" 0 &&
	is "$(jq -s "map(select(.session == \"200/2000 ms loss 0%\" and .outcome != \"ok\")) | length" \
		"$hist")" 0 &&
	is "$(jq -s "[group_by(.session)[] | select(.[0].session | endswith(\"crash\")) |
		last.outcome] | map(select(. == \"ok\")) | length" "$hist")" 0 &&
	replab check "$hist" >"$work/flaky.check"
'

test_expect_success 'the lab is as it was: the replica a standby streaming from the primary' '
	is "$(sql replica "SELECT pg_is_in_recovery()")" t &&
	is "$(sql primary "SELECT state FROM pg_stat_replication WHERE application_name = '\''replica'\''")" \
		streaming
'
test_expect_success 'no shape left, the cable in' '
	replab status >"$work/status" 2>&1 &&
	! grep -E "netem|no carrier" "$work/status"
'
test_expect_success 'replab report draws the heat map' '
	replab report "$out" &&
	is "$(head -c 4 "${out%.json}.png" | tail -c 3)" PNG
'

done_testing
