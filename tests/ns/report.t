#!/bin/bash
# report.t — replab report's pictures and its page, looked at in a real
# browser: hand-made results of partition-reconnect (lag through a cut with
# a gap, and a history beside it whose every read missed the write just
# acknowledged), failover-under-load (a history
# with the checkers' anomalies: lost and unknown writes the experiment
# resolved, stale reads the report finds), replica-reads (staleness per
# mode), failover-under-load --workload pgbench (each run's commits over
# time) and rpo (loss intervals), with hostile strings in them.  Each run's page is
# opened from disk in headless chromium: it loads with no console message
# (a blocked fetch, a script or a content security policy violation would
# log one), every <img> decodes to a picture of the size gnuplot drew, and
# the document's strings come out as text, never as elements.  No lab:
# report only reads files.
. "$(dirname "$0")/lib.sh"

command -v gnuplot >/dev/null || skip_all "no gnuplot: run make deps"
command -v chromium >/dev/null || skip_all "no chromium: run make deps"
command -v python3 >/dev/null || skip_all "no python3"

dir=$WORK/report
mkdir -p "$dir"
evil='<script>alert(1)</script><img src=x onerror=alert(2)> & "q" '"'"

# chromium FILE ARGS...: the page at FILE in headless chromium, its DOM on
# stdout and its log in $dir/chromium.log; a profile of its own in WORK.
chromium_page() {
	page=$1
	shift
	timeout 60 chromium --headless --no-sandbox --disable-gpu --user-data-dir="$WORK/chromium" \
		--no-first-run --enable-logging=stderr --v=0 --virtual-time-budget=1500 "$@" \
		--dump-dom "file://$page" 2>"$dir/chromium.log"
}

# decoded PAGE...: for each <img> of the pages, "WIDTHxHEIGHT" as the
# browser decoded it, or "broken".  The pages' images (an <img> a line) in
# one page without a security policy (the pages' forbids every script),
# with a script that writes each one's natural size into the DOM.
decoded() {
	{
		echo '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
		grep -h '^<img ' "$@"
		echo '<script>onload = () => document.body.setAttribute("data-images", Array.from(document.images, i => i.complete && i.naturalWidth > 0 ? i.naturalWidth + "x" + i.naturalHeight : "broken").join(" "))</script></body></html>'
	} >"$dir/probe.html"
	chromium_page "$dir/probe.html" | sed -n 's/.*<body data-images="\([^"]*\)".*/\1/p'
}

# The documents, made by hand as the experiments write them.
python3 - "$dir" "$evil" <<'PY'
import json, sys
d, evil = sys.argv[1], sys.argv[2]
events = [{"t_ms": 0, "event": "write load started"}, {"t_ms": 2000, "event": "cut"},
          {"t_ms": 6000, "event": "heal"}, {"t_ms": 8000, "event": evil}]
samples = [{"t_ms": t, "lag_bytes": max(0, min(t, 6000) - 2000) * 100 if t < 7000 else 0}
           for t in range(0, 9000, 100) if not 3000 <= t < 4500]
json.dump({"experiment": "partition-reconnect", "samples": samples, "events": events,
           "summary": {"acknowledged_writes": 1600, "lost_writes": 0, evil: evil}},
          open(f"{d}/pr.json", "w"))
with open(f"{d}/pr.history.jsonl", "w") as f:
    for i in range(320):
        s = i * 25
        cut = 2000 <= s < 6000
        write = i % 2 == 0
        op = {"session": "load" if write else evil, "op": "write" if write else "read",
              "server": "primary" if write else "replica", "sent_ms": s,
              "answered_ms": None if cut and not write else s + 4,
              "outcome": "unknown" if cut and not write else ("fail" if cut and i % 8 == 0 else "ok")}
        if write:
            op.update(writer="load", seq=i // 2 + 1)
        elif op["outcome"] == "ok":
            op["seen"] = {"load": i // 2}
        f.write(json.dumps(op) + "\n")
json.dump({"experiment": "failover-under-load", "samples": samples, "events": events[:2],
           "summary": {"checks": {
               "lost_writes": {"count": 2, "first": [{"writer": "load", "seq": 40}, {"writer": "load", "seq": 41}]},
               "unknown_writes": {"count": 1, "committed": 1, "not_committed": 0,
                                  "first": [{"writer": "load", "seq": 42, "committed": True}]}}}},
          open(f"{d}/fl.json", "w"))
with open(f"{d}/fl.history.jsonl", "w") as f:
    for i in range(1, 43):
        f.write(json.dumps({"session": "load", "op": "write", "server": "primary", "sent_ms": i * 50,
                            "answered_ms": None if i == 42 else i * 50 + 5,
                            "outcome": "unknown" if i == 42 else "ok", "writer": "load", "seq": i}) + "\n")
        if i % 10 == 0:  # sees the write before the one just acknowledged: stale
            f.write(json.dumps({"session": evil, "op": "read", "server": "replica", "sent_ms": i * 50 + 10,
                                "answered_ms": i * 50 + 12, "outcome": "ok", "seen": {"load": i - 1}}) + "\n")
modes = [{"mode": m, "checks": {"staleness": {"reads": 100, "ms": {"p50": p, "p99": 3 * p, "max": 4 * p},
          "histogram_ms": [[0, 0, 100]] if p == 0 else [[i * 10, i * 10 + 10, 100 >> i] for i in range(6)]}}}
         for m, p in (("async", 20), ("on", 10), (evil, 0))]
json.dump({"experiment": "replica-reads", "modes": modes, "events": events}, open(f"{d}/rr.json", "w"))
json.dump({"experiment": "failover-under-load", "workload": "pgbench", "events": events[:1] + [
    {"t_ms": 3000, "event": "primary crashed"}, {"t_ms": 3400, "event": "replica promoted and written to"},
    {"t_ms": 5000, "event": evil}],
    "pgbench": {"before": {"first_commit_t_ms": 120, "last_commit_t_ms": 2995, "commits_per_100ms": [70] * 29},
                "after": {"first_commit_t_ms": 3880, "last_commit_t_ms": 8080, "commits_per_100ms": [90] * 43}},
    "summary": {"pgbench": {"downtime_ms": 885, evil: evil}}}, open(f"{d}/fp.json", "w"))
json.dump({"experiment": "rpo", "trials": 10, "summary": [
    {"mode": "async", "p50_ms": 1, "p99_ms": 3, "lost": 30, "trials": 10, "trials_with_loss": 6,
     "loss_ci95": [0.31, 0.83]},
    {"mode": evil, "p50_ms": 2, "p99_ms": 5, "lost": 0, "trials": 10, "trials_with_loss": 0,
     "loss_ci95": [0, 0.3]}]}, open(f"{d}/rpo.json", "w"))
PY

test_expect_success 'partition-reconnect: the lag, the history and the page' '
	replab report "$dir/pr.json" >"$dir/pr.out" &&
	is "$(cat "$dir/pr.out")" "$dir/pr.png
$dir/pr-history.png
$dir/pr.html"
'
test_expect_success 'partition-reconnect: the report checks the history, the page counts its stale reads' '
	grep -q "<tr><td>stale reads</td><td>80</td><td>&lt;script&gt;.* at 0.025 s: read on replica<br>" "$dir/pr.html" &&
	grep -q "(80 located in all)" "$dir/pr.html" &&
	! grep -q "lost acknowledged writes</td>" "$dir/pr.html"
'
test_expect_success 'failover-under-load: the history marks the anomalies, the page lists them' '
	replab report "$dir/fl.json" >"$dir/fl.out" &&
	is "$(cat "$dir/fl.out")" "$dir/fl.png
$dir/fl-history.png
$dir/fl.html" &&
	grep -q "<tr><td>lost acknowledged writes</td><td>2</td><td>load at 2.000 s: write load 40<br>load at 2.050 s: write load 41</td></tr>" "$dir/fl.html" &&
	grep -q "<tr><td>unknown writes that committed</td><td>1</td><td>load at 2.100 s: write load 42</td></tr>" "$dir/fl.html" &&
	grep -q "<tr><td>stale reads</td><td>4</td><td>&lt;script&gt;alert(1)&lt;/script&gt;.* at 0.510 s: read on replica<br>" "$dir/fl.html" &&
	! grep -q "read-your-writes violations</td>" "$dir/fl.html"
'
test_expect_success 'replica-reads: staleness per mode and the page' '
	replab report "$dir/rr.json" >"$dir/rr.out" &&
	is "$(cat "$dir/rr.out")" "$dir/rr.png
$dir/rr.html"
'
test_expect_success 'failover-under-load --workload pgbench: the commits over time and the page' '
	replab report "$dir/fp.json" >"$dir/fp.out" &&
	is "$(cat "$dir/fp.out")" "$dir/fp.png
$dir/fp.html"
'
test_expect_success 'rpo: latency, losses, intervals and the page' '
	replab report "$dir/rpo.json" >"$dir/rpo.out" &&
	is "$(tail -n 1 "$dir/rpo.out")" "$dir/rpo.html"
'

for run in pr:2:1000x500 fl:2:1000x500 rr:1:1000x500 fp:1:1000x500 rpo:1:1000x800; do
	name=${run%%:*} n=$(echo "$run" | cut -d: -f2) size=${run##*:}
	page=$dir/$name.html
	test_expect_success "$name.html loads from disk with no console message" '
		chromium_page "$page" >"$dir/$name.dom" &&
		! grep -E "CONSOLE|Refused|net::ERR" "$dir/chromium.log" &&
		is "$(grep -o "<img" "$dir/$name.dom" | wc -l)" "$n"
	'
	test_expect_success "$name.html: the document's strings are text, not elements" '
		! grep -q "<script" "$dir/$name.dom" &&
		! grep -q "<img src=\"x\"" "$dir/$name.dom" &&
		grep -q "&lt;script&gt;alert(1)&lt;/script&gt;" "$dir/$name.dom"
	'
done

test_expect_success 'every picture decodes, of the size gnuplot drew' '
	is "$(decoded "$dir/pr.html" "$dir/fl.html" "$dir/rr.html" "$dir/fp.html" "$dir/rpo.html")" \
		"1000x500 1000x500 1000x500 1000x500 1000x500 1000x500 1000x800"
'

# The checks can fail: a broken picture is seen as broken, a fetch as refused.
{
	sed '/^<\/body>/d; /^<\/html>/d' "$dir/pr.html"
	echo '<img alt="broken" src="data:image/png;base64,iVBORw0KGgoAAAA">'
	echo '<img alt="fetched" src="missing.png">'
	echo '</body></html>'
} >"$dir/broken.html"
test_expect_success 'the checks see a broken picture and a refused fetch' '
	is "$(decoded "$dir/broken.html")" "1000x500 1000x500 broken broken" &&
	chromium_page "$dir/broken.html" >/dev/null &&
	grep -q "violates the following Content Security Policy" "$dir/chromium.log"
'
done_testing
