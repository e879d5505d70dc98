# tap.sh — TAP for the shell test tiers (sourced by each tier's lib.sh);
# prove reads what they print.  A case is a named block, as in git's t/:
#
#   test_expect_success 'the replica streams again' '
#           replab heal &&
#           retry 30 streams
#   '
#
# The block runs in the test's own shell (its variables carry on), its
# output is kept, and when it fails the failure shows its name, its line,
# the block and that output.  Cases:
#   test_expect_success DESC BODY   ok when BODY succeeds
#   test_expect_failure DESC BODY   a known breakage: TODO, not a failure
#   jq_check FILE JQ-EXPRESSION     ok when the expression holds in FILE
#   expect STATUS REGEX DESC -- COMMAND...   COMMAND exits STATUS, says REGEX
#   ok STATUS DESC                  ok when STATUS is 0; returns STATUS
#   check DESC COMMAND...           ok when COMMAND succeeds (the fresh and
#                                   Vagrant tiers' form; elsewhere, a block)
#   skip REASON DESC...             each DESC skipped, for REASON
#   skip_all REASON                 the whole file skipped (exits)
# Inside a block, jq_check, expect, check and ok assert without counting a
# case, and these help:
#   test_expect_code STATUS COMMAND...   COMMAND exits STATUS
#   is GOT WANT                     the two strings are equal
#   retry SECONDS COMMAND...        until COMMAND succeeds, every 0.2 s
# And: bail REASON (stops the file), done_testing (the plan; last).
# A failure's report goes to stderr, so that prove shows it; TEST_VERBOSE=1
# (which prove -v sets) shows every block's output, not only a failed one's.

t_count=0
t_failed=0
t_block=""
# A block's output goes to a file with no name: opened here, removed at
# once, written and read again through /dev/fd (so nothing to clean up).
t_file=$(mktemp "${TMPDIR:-/tmp}/tap.XXXXXX") || {
	echo "Bail out! tap.sh: cannot make a temporary file"
	exit 1
}
exec {t_fd}<>"$t_file"
rm -f "$t_file"
t_out=/dev/fd/$t_fd

t_line() { # the test file's line being run
	echo "${BASH_LINENO[${#BASH_LINENO[@]} - 2]}"
}

t_diag() { # t_diag LINE...: why a case failed: into the block's output, else "# " on stderr
	if [ -n "$t_block" ]; then
		printf '%s\n' "$@" >>"$t_out"
	else
		printf '%s\n' "$@" | sed 's/^/#   /' >&2
	fi
}

t_result() { # t_result STATUS DESC [DIRECTIVE]: one TAP line, counted
	t_count=$((t_count + 1))
	if [ "$1" -eq 0 ]; then
		echo "ok $t_count - $2${3:+ # $3}"
	else
		echo "not ok $t_count - $2${3:+ # $3}"
	fi
}

ok() { # ok CONDITION-EXIT-STATUS DESCRIPTION: returns the condition's status
	if [ -n "$t_block" ]; then
		[ "$1" -eq 0 ] || t_diag "failed: $2"
		return "$1"
	fi
	t_result "$1" "$2"
	if [ "$1" -ne 0 ]; then
		t_failed=$((t_failed + 1))
		t_diag "Failed test $t_count - $2" "at $0 line $(t_line)"
	fi
	return "$1"
}

test_expect_success() { # test_expect_success DESCRIPTION BODY
	t_run "$1" "$2" "" "$(t_line)"
}

test_expect_failure() { # test_expect_failure DESCRIPTION BODY: a known breakage
	t_run "$1" "$2" "TODO known breakage" "$(t_line)"
}

t_run() { # t_run DESC BODY DIRECTIVE LINE (t_ names: the body's own variables stay its own)
	local t_desc=$1 t_body=$2 t_todo=$3 t_at=$4 t_status
	[ -z "$t_block" ] || bail "test_expect_* inside the block of \"$t_block\""
	: >"$t_out"
	t_block=$t_desc
	t_eval "$t_body" >>"$t_out" 2>&1
	t_status=$?
	t_block=""
	if [ -n "$t_todo" ]; then
		[ "$t_status" -eq 0 ] && t_todo="TODO known breakage vanished"
		t_result "$t_status" "$t_desc" "$t_todo"
		return 0
	fi
	t_result "$t_status" "$t_desc"
	if [ "$t_status" -ne 0 ]; then
		t_failed=$((t_failed + 1))
		{
			echo "#   Failed test $t_count - $t_desc"
			echo "#   at $0 line $t_at, exit status $t_status"
			t_show block "$t_body" output "$t_out"
		} >&2
	elif [ "${TEST_VERBOSE:-0}" = 1 ] && [ -s "$t_out" ]; then
		sed 's/^/#     /' "$t_out"
	fi
	return "$t_status"
}

t_eval() { # (a function of its own, so that "return 1" in a body ends the body)
	eval "$1"
}

t_show() { # t_show NAME TEXT NAME FILE: the block and its output, as "# " lines
	echo "#   the $1:"
	sed -e '/^[[:space:]]*$/d' -e 's/^/#     /' <<<"$2"
	if [ -s "$4" ]; then
		echo "#   its $3:"
		tail -n 60 "$4" | sed 's/^/#     /'
	else
		echo "#   no $3"
	fi
}

skip() { # skip REASON DESCRIPTION...: one skipped case per DESCRIPTION
	local t_reason=$1 t_desc
	shift
	for t_desc in "$@"; do
		t_result 0 "$t_desc" "skip $t_reason"
	done
}

skip_all() { # skip_all REASON: the whole file is skipped
	echo "1..0 # SKIP $*"
	exit 0
}

check() { # check DESCRIPTION COMMAND...: ok when the command succeeds
	local desc=$1
	shift
	if "$@"; then ok 0 "$desc"; else ok 1 "$desc"; fi
}

test_expect_code() { # test_expect_code STATUS COMMAND...: true when COMMAND exits STATUS
	local want=$1 got
	shift
	"$@"
	got=$?
	[ "$got" -eq "$want" ] && return 0
	t_diag "exit status $got, wanted $want: $*"
	return 1
}

is() { # is GOT WANT: true when they are the same string
	[ "$1" = "$2" ] && return 0
	t_diag "got '$1', wanted '$2'"
	return 1
}

retry() { # retry SECONDS COMMAND...: until COMMAND succeeds, every 0.2 s
	local end=$(($(date +%s) + $1))
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
		t_diag "in $1 (its summary, or its beginning):" \
			"$({ jq '.summary // .phases // .' "$1" 2>/dev/null || cat "$1"; } | head -n 40 | sed 's/^/  /')"
		return 1
	fi
}

expect() { # expect STATUS REGEX DESCRIPTION -- COMMAND...: exits STATUS, says REGEX
	local want=$1 pattern=$2 desc=$3 out got
	shift 4
	out=$("$@" 2>&1)
	got=$?
	if [ "$got" -eq "$want" ] && grep -Eq "$pattern" <<<"$out"; then ok 0 "$desc"; else
		ok 1 "$desc: exit $got, wanted $want and /$pattern/"
		t_diag "$(sed 's/^/  /' <<<"$out")"
		return 1
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
