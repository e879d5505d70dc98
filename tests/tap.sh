# tap.sh — TAP output for the shell test tiers (sourced): ok, check,
# jq_check, retry, expect, bail, done_testing.  prove reads what they print.

t_count=0
t_failed=0

ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION: returns the condition's status
	t_count=$((t_count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $t_count - $2"
	else
		t_failed=$((t_failed + 1))
		echo "not ok $t_count - $2"
	fi
	return "$1"
}

check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
	desc=$1
	shift
	if "$@"; then ok 0 "$desc"; else ok 1 "$desc"; fi
}

retry() { # retry SECONDS COMMAND...: until COMMAND succeeds, every 0.2 s
	end=$(($(date +%s) + $1))
	shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}

jq_check() { # jq_check FILE JQ-EXPRESSION: ok when it is true
	if jq -e "$2" "$1" >/dev/null; then
		ok 0 "$2"
	else
		ok 1 "$2"
		echo "# in $1 (its summary, or its beginning):"
		{ jq '.summary // .phases // .' "$1" 2>/dev/null || cat "$1"; } | head -n 40 | sed 's/^/#   /'
		echo
	fi
}

expect() { # expect STATUS REGEX DESCRIPTION -- COMMAND...: exits STATUS, says REGEX
	local want=$1 pattern=$2 desc=$3 out got
	shift 4
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -eq "$want" ] && grep -Eq "$pattern" <<<"$out"; then ok 0 "$desc"; else
		ok 1 "$desc: exit $got, wanted $want and /$pattern/"
		sed 's/^/#   /' <<<"$out"
	fi
}

bail() {
	echo "Bail out! $*"
	exit 1
}

done_testing() {
	echo "1..$t_count"
	[ "$t_failed" -eq 0 ]
}

