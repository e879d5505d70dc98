#!/bin/bash
# run.sh — run the libFuzzer targets one after the other and say how each
# went; exit 1 when any crashed (or leaked, or broke a property).
#   run.sh --probe CC          can CC build a libFuzzer target?
#   run.sh SECONDS DIR TARGET...
set -u

if [ "${1:-}" = --probe ]; then
	probe=$(mktemp -d) || exit 1
	trap 'rm -rf "$probe"' EXIT
	printf '#include <stddef.h>\n#include <stdint.h>\nint LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void) d; (void) n; return 0; }\n' \
		>"$probe/p.c"
	"$2" -fsanitize=fuzzer,address,undefined -o "$probe/p" "$probe/p.c" >/dev/null 2>&1
	exit
fi

seconds=$1 dir=$2
shift 2
src=$(dirname "$0")/corpus
failed=0 total=0
start=$(date +%s)
for t in "$@"; do
	total=$((total + 1))
	mkdir -p "$dir/corpus/$t" "$dir/artifacts" "$dir/logs"
	rm -f "$dir/artifacts/$t-"*
	log=$dir/logs/$t.log
	seeds=()
	[ -d "$src/$t" ] && seeds=("$src/$t")
	# The first corpus directory collects what the run finds; the seeds stay as committed.
	"$dir/fuzz_$t" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$dir/artifacts/$t-" "$dir/corpus/$t" "${seeds[@]}" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
	inputs=$(find "$dir/corpus/$t" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		printf 'fuzz %-14s ok: %s runs in %s s, %s coverage points, corpus %s inputs\n' \
			"$t" "${runs:-?}" "$seconds" "${cov:-?}" "$inputs"
	else
		failed=$((failed + 1))
		printf 'fuzz %-14s FAILED (exit %s); the input: %s\n' "$t" "$rc" \
			"$(ls "$dir/artifacts/$t-"* 2>/dev/null | head -n 1)"
		# what went wrong, and where in our code (libFuzzer's and libc's frames left out)
		{
			grep -E -m 3 'ERROR:|property failed|runtime error' "$log"
			grep -E '^ *#[0-9]+ 0x' "$log" | grep -Ev 'fuzzer::|__sanitizer|libc\.so|libc-start|/nptl/|/stdlib/|signal/|compiler-rt| in main | in _start ' | head -n 8
			grep -m 1 'SUMMARY' "$log"
		} | sed 's/^ */    /'
		echo "    (the whole report: $log)"
	fi
done
echo "fuzz: $total targets, $failed failed, $(($(date +%s) - start)) s"
[ "$failed" -eq 0 ]
