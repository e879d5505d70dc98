#!/bin/bash
# linkclock.t — a pulled cable and a clock jump on the real VM lab, one lab
# for both.  The clock: +30 s on the replica shows in its now() against the
# host's time and in every lag measured across the two clocks, while LSNs and
# data stay as they were; --reset brings it back within 1 s.  The cable: the
# guest sees its carrier go (data0's carrier 0, NO-CARRIER), unlike in a
# silent cut, measured first; the replica's WAL receiver stops (after both,
# how soon is printed) and streams again once the link is up; a flap changes
# the carrier as often as it says and ends up, and SIGINT leaves the link up
# too, saying so.  replab status shows both; no time synchronisation in the
# guests undoes a jump.  The drift: +5% and -2.005% on the replica measured as
# its clock's offset growing at that rate (one SSH session, the host's time
# halfway round each sample), with the "replay delay" it makes and LSNs and
# rows untouched; status reading tick and frequency back from the guest's
# kernel, a jump leaving the drift, --reset and heal --all ending it.
. "$(dirname "$0")/lib.sh"

sql() { # sql VM SQL: as postgres, database lab, one value
	replab exec "$1" -- sh -c 'cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c "$0"' "$2"
}
now() { date +%s.%N; }
since() { awk -v now="$(now)" -v t="$1" 'BEGIN { printf "%.1f", now - t }'; }
near() { # near X WANT TOLERANCE [MORE]: |X - WANT| <= TOLERANCE + MORE
	awk -v x="$1" -v w="$2" -v t="$3" -v m="${4:-0}" \
		'BEGIN { d = x - w; t += m; exit !(x != "" && d <= t && -d <= t) }'
}
carrier() { replab exec "$1" -- cat /sys/class/net/data0/carrier; }
carrier_changes() { replab exec "$1" -- cat /sys/class/net/data0/carrier_changes; }
receiver() { sql replica "SELECT coalesce((SELECT status FROM pg_stat_wal_receiver), 'none')"; }
streams() { [ "$(receiver)" = streaming ]; }
stopped_streaming() { [ "$(receiver)" != streaming ]; }
has_row() { [ "$(sql replica "SELECT count(*) FROM clock_test WHERE id = $1")" = 1 ]; }
replayed() { [ "$(sql replica "SELECT pg_last_wal_replay_lsn() >= '$1'")" = t ]; }
no_standby() { [ "$(sql primary "SELECT count(*) FROM pg_stat_replication")" = 0 ]; }
# clock_offset VM: the guest's now() minus the host's time, the host's read
# halfway round the SSH command and psql; the error is at most half of it,
# seconds under TCG (printed).  replab status measures without them.
clock_offset() {
	local t0 t1 g
	t0=$(now)
	g=$(sql "$1" "SELECT extract(epoch FROM clock_timestamp())")
	t1=$(now)
	awk -v a="$t0" -v b="$t1" -v g="$g" 'BEGIN { printf "%.3f %.3f", g - (a + b) / 2, (b - a) / 2 }'
}
status_offset() { # status_offset VM [FILE]: the clock offset replab status (or FILE) shows
	if [ $# = 2 ]; then cat "$2"; else replab status; fi |
		sed -nE "s/^  $1 +link .*; clock ([-+][0-9.]+) s, .*$/\1/p"
}

# figure TEXT: a measured figure, shown as a TAP comment after the case (bodies' output is kept)
figure() { echo "$*" >>"$work/figures"; }
figures() { [ -s "$work/figures" ] && sed 's/^/# /' "$work/figures" && : >"$work/figures"; }
case_then_figures() { test_expect_success "$@"; local rc=$?; figures; return $rc; }

vm_lab_up
ok 0 "lab up"

# ---- the clock -----------------------------------------------------------------------
case_then_figures 'no time synchronisation runs in the guests (nothing undoes a jump)' '
	for vm in primary replica; do
		replab exec $vm -- sh -c "! systemctl -q is-active systemd-timesyncd.service &&
			! pgrep -x \"chronyd|ntpd|ntpsec|openntpd|systemd-timesyn\"" || return 1
	done
'
timeouts() { # the replica's "terminating walreceiver due to timeout" so far
	replab exec replica -- journalctl -q -o cat --no-pager -u replab-postgres |
		grep -c "terminating walreceiver due to timeout"
}
t0=$(timeouts)
case_then_figures 'a table made on the primary reaches the replica' '
	sql primary "CREATE TABLE clock_test (id int PRIMARY KEY, at timestamptz DEFAULT now())" &&
	retry 30 sql replica "SELECT FROM clock_test"
'
read -r before err <<<"$(clock_offset replica)"
echo "# the replica's clock before the jump: $before s from the host's (+/- $err s)"
case_then_figures 'replab clock replica --jump +30s' 'replab clock replica --jump +30s'
read -r after err <<<"$(clock_offset replica)"
echo "# the replica's now() after the jump: $after s from the host's (+/- $err s)"
case_then_figures 'the replica'"'"'s now() is 30 s ahead of the host'"'"'s time' \
	'near "$after" 30 0.5 "$err"'
case_then_figures 'replab status shows it' '
	off=$(status_offset replica) && figure "status: replica clock $off s" && near "$off" 30 1
'
case_then_figures 'the primary'"'"'s clock is untouched' '
	near "$(status_offset primary)" 0 1
'
case_then_figures 'a row written on the primary reaches the replica' '
	sql primary "INSERT INTO clock_test (id) VALUES (1)" && retry 30 has_row 1
'
case_then_figures 'the replica replays up to the primary'"'"'s LSN: LSNs are the primary'"'"'s' '
	lsn=$(sql primary "SELECT pg_current_wal_lsn()") && retry 30 replayed "$lsn"
'
case_then_figures 'the row is the same on both (its timestamp is the primary'"'"'s now())' '
	is "$(sql replica "SELECT at FROM clock_test WHERE id = 1")" \
		"$(sql primary "SELECT at FROM clock_test WHERE id = 1")"
'
# On the replica, waiting for row ID, then at once the "replay delay" by the timestamps.
wait_then_lag() { # wait_then_lag ID: on the replica, as row ID arrives, the "replay delay"
	sql replica "DO \$\$BEGIN WHILE NOT EXISTS (SELECT FROM clock_test WHERE id = $1) LOOP
		PERFORM pg_sleep(0.02); END LOOP; END\$\$;
		SELECT extract(epoch FROM clock_timestamp() - pg_last_xact_replay_timestamp())"
}
case_then_figures 'clock_timestamp() - pg_last_xact_replay_timestamp() on the replica as a row arrives: 30 s' '
	{ wait_then_lag 3 >"$work/lag" & } && waiter=$! && sleep 8 &&
	sql primary "INSERT INTO clock_test (id) VALUES (3)" && wait "$waiter" &&
	lag=$(cat "$work/lag") && figure "replay \"delay\" by the timestamps as the row arrives: $lag s" &&
	near "$lag" 30.5 1
'
case_then_figures 'replay_lag on the primary (its own clock only): under a second' '
	sql primary "INSERT INTO clock_test (id) VALUES (2)" && sleep 2 &&
	rl=$(sql primary "SELECT coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication") &&
	figure "pg_stat_replication.replay_lag: $rl s" && near "$rl" 0 1
'
case_then_figures 'replab clock replica --jump -30s' 'replab clock replica --jump -30s'
case_then_figures 'status shows -30 s' 'near "$(status_offset replica)" -30 1'
case_then_figures 'replab clock replica --reset' 'replab clock replica --reset'
case_then_figures 'the replica'"'"'s clock is back within 1 s of the host'"'"'s' '
	off=$(status_offset replica) && figure "status after --reset: $off s" && near "$off" 0 1 &&
	read -r o e <<<"$(clock_offset replica)" && figure "now() after --reset: $o s (+/- $e s)" &&
	near "$o" 0 0.5 "$e"
'
case_then_figures 'the replica streams' 'retry 30 streams'
echo "# the replica's WAL receiver ended by its timeout $(($(timeouts) - t0)) times across the jumps"

# ---- the drift -----------------------------------------------------------------------
# A guest session that prints its time for each line it reads (sample_open VM; one
# python3, so no process starts between asking and being told), and sample: "HOST
# OFFSET ERROR", the host's time halfway between asking and being told, the guest's
# time minus it, and half the round trip (what the offset may be off by).
sample_open() {
	coproc GUEST { "$REPLAB" exec "$1" -- python3 -c "import sys, time
while sys.stdin.readline(): print(\"%.6f\" % time.time(), flush=True)"; }
	sample >/dev/null # the SSH handshake and python3's start, not to be timed
}
sample() {
	local t0=$EPOCHREALTIME g t1
	echo >&"${GUEST[1]}" && read -r g <&"${GUEST[0]}" || return 1
	t1=$EPOCHREALTIME
	awk -v a="$t0" -v b="$t1" -v g="$g" \
		'BEGIN { m = (a + b) / 2; printf "%.6f %.6f %.6f\n", m, g - m, (b - a) / 2 }'
}
sample_close() { local in=${GUEST[1]}; exec {in}>&-; wait "$GUEST_PID"; }
# rate_between "H0 O0 E0" "H1 O1 E1": the offset's growth in % of the host's time, and
# what that may be off by (both errors over the interval), as "RATE ERROR SECONDS"
rate_between() {
	awk -v a="$1" -v b="$2" 'BEGIN { split(a, x, " "); split(b, y, " "); d = y[1] - x[1];
		printf "%.4f %.4f %.1f", 100 * (y[2] - x[2]) / d, 100 * (x[3] + y[3]) / d, d }'
}
drift_start=$SECONDS t1=$(timeouts)
case_then_figures 'replab clock replica --drift +5%: its kernel'"'"'s tick is 10500 us' '
	replab clock replica --drift +5% >"$work/drift.out" && cat "$work/drift.out" >>"$work/figures" &&
	grep -q "tick 10500 us, frequency +0.000 ppm" "$work/drift.out"
'
case_then_figures 'the replica'"'"'s clock gains 5% on the host'"'"'s, while a row replicates' '
	sample_open replica && s0=$(sample) &&
	{ wait_then_lag 11 >"$work/lag11" & } && waiter=$! && sleep 8 &&
	sql primary "INSERT INTO clock_test (id) VALUES (11)" && wait "$waiter" &&
	s1=$(sample) && sample_close &&
	read -r rate err secs <<<"$(rate_between "$s0" "$s1")" &&
	figure "offset ${s0#* } -> ${s1#* } (offset, error) over $secs s: +$rate% (+/- $err%)" &&
	figure "the replica'"'"'s replay \"delay\" by the timestamps as row 11 arrived:" \
		"$(cat "$work/lag11") s" &&
	near "$rate" 5 0.1 "$err"
'
case_then_figures 'LSNs and data do not drift: replayed to the primary'"'"'s LSN, the same row' '
	lsn=$(sql primary "SELECT pg_current_wal_lsn()") && retry 30 replayed "$lsn" &&
	is "$(sql replica "SELECT at FROM clock_test WHERE id = 11")" \
		"$(sql primary "SELECT at FROM clock_test WHERE id = 11")" &&
	rl=$(sql primary "SELECT coalesce(extract(epoch FROM replay_lag), 0) FROM pg_stat_replication") &&
	figure "pg_stat_replication.replay_lag under the drift: $rl s" && near "$rl" 0 1
'
case_then_figures 'replab clock replica --drift -2.005%: tick 9799 us and +50 ppm' '
	replab clock replica --drift -2.005% >"$work/drift.out" &&
	cat "$work/drift.out" >>"$work/figures" &&
	grep -q "tick 9799 us, frequency +50.000 ppm" "$work/drift.out" &&
	sample_open replica && s0=$(sample) && sleep 6 && s1=$(sample) && sample_close &&
	read -r rate err secs <<<"$(rate_between "$s0" "$s1")" &&
	figure "offset ${s0#* } -> ${s1#* } (offset, error) over $secs s: $rate% (+/- $err%)" &&
	near "$rate" -2.005 0.1 "$err"
'
echo "# the replica's WAL receiver ended by its timeout $(($(timeouts) - t1)) times in the drifts"
case_then_figures 'a jump leaves the drift; status reads both from the guest'"'"'s kernel' '
	replab clock replica --jump +10s && replab status >"$work/drift-status.out" &&
	line=$(grep -E "^  replica +link" "$work/drift-status.out") && figure "status: $line" &&
	want="running 20050\.000 ppm slow \(-2\.0050%: tick 9799 us, frequency \+50\.000 ppm\)" &&
	echo "$line" | grep -qE "; clock \+(9|10)\.[0-9]{3} s, $want$" &&
	grep -E "^  primary +link" "$work/drift-status.out" | grep -q ", at true rate$"
'
# (the clock's offset after --reset is checked with the cable's, below)
case_then_figures 'replab clock replica --reset: its rate back to tick 10000, freq 0' '
	replab clock replica --reset &&
	is "$(replab exec replica -- python3 -c "import ctypes; b = ctypes.create_string_buffer(208);
ctypes.CDLL(None).adjtimex(b); print(int.from_bytes(b[88:96], \"little\", signed=True),
int.from_bytes(b[16:24], \"little\", signed=True))")" "10000 0"
'
echo "# the drift's cases took $((SECONDS - drift_start)) s"

# ---- the cable -----------------------------------------------------------------------
# The lab's settings (images/postgres/replication.conf): the standby reports every
# second and its connection has tcp_user_timeout=1000; both ends drop a silent
# peer after 10 s.  First a silent cut, to compare with the pull.
# watch VM NAME CONDITION: in the background, a psql in VM that says "watching"
# (on stderr), then prints the guest's time once the SQL CONDITION holds, to
# $work/NAME; the guests' clocks are the host's (checked below, within 0.2 s).
watch() {
	timeout 120 "$REPLAB" exec "$1" -- sh -c 'cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c "$0"' \
		"DO \$\$BEGIN RAISE NOTICE 'watching'; WHILE NOT ($3) LOOP PERFORM pg_sleep(0.05); END LOOP;
		END\$\$; SELECT extract(epoch FROM clock_timestamp())" >"$work/$2" 2>"$work/$2.err" &
}
watching() { grep -q watching "$work/$1.err"; }
after() { awk -v a="$(cat "$work/$1")" -v t="$2" 'BEGIN { printf "%.1f", a - t }'; }
NOT_STREAMING="NOT EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')"
STREAMING="EXISTS (SELECT FROM pg_stat_wal_receiver WHERE status = 'streaming')"
NO_STANDBY="NOT EXISTS (SELECT FROM pg_stat_replication)"
rx_log() { # the replica's last word on its WAL receiver
	replab exec replica -- journalctl -q -o cat --no-pager -u replab-postgres |
		grep -E "walreceiver|WAL stream|replication" | tail -n 1
}
case_then_figures 'the clocks agree within 0.2 s, the replica'"'"'s at true rate' '
	replab status >"$work/clocks.out" && r=$(status_offset replica "$work/clocks.out") &&
	p=$(status_offset primary "$work/clocks.out") &&
	figure "before the cable: replica $r s, primary $p s" && near "$r" 0 0.2 && near "$p" 0 0.2 &&
	grep -E "^  replica +link" "$work/clocks.out" | grep -q ", at true rate$"
'
# fault NAME COMMAND...: watch both ends, run the fault, wait until both noticed
fault() {
	local name=$1 t
	shift
	watch replica "$name-rx" "$NOT_STREAMING" && watch primary "$name-tx" "$NO_STANDBY" &&
		retry 60 watching "$name-rx" && retry 60 watching "$name-tx" || return 1
	t=$(now)
	"$@" || return 1
	wait || return 1
	figure "after a $name: the replica's WAL receiver stopped $(after "$name-rx" "$t") s later," \
		"the primary dropped the standby $(after "$name-tx" "$t") s later"
	figure "the replica's log: $(rx_log)"
}
# back NAME COMMAND...: the repair, and how long until the replica streams again
back() {
	local name=$1 t
	shift
	watch replica "$name-up" "$STREAMING" && retry 60 watching "$name-up" || return 1
	t=$(now)
	"$@" && wait || return 1
	figure "after $*: streaming again $(after "$name-up" "$t") s later"
}

case_then_figures 'a silent cut (replab partition primary replica): both ends notice' '
	fault cut replab partition primary replica
'
case_then_figures 'the guest'"'"'s carrier stayed through it' 'is "$(carrier replica)" 1'
case_then_figures 'replab heal: streaming again' 'back cut replab heal'

case_then_figures 'a pulled cable (replab link replica down): both ends notice' '
	fault pull replab link replica down
'
case_then_figures 'the guest sees no carrier on data0' 'is "$(carrier replica)" 0'
echo "# the guest's data0 without its carrier: $(replab exec replica -- ip -br addr show data0)"
case_then_figures 'ip link says NO-CARRIER' '
	replab exec replica -- ip link show data0 | grep -q NO-CARRIER
'
case_then_figures 'replab status shows the link down' '
	replab status | grep -E "^  replica +link DOWN \(no carrier\)"
'
case_then_figures 'the primary'"'"'s carrier stays (the cable was the replica'"'"'s)' '
	is "$(carrier primary)" 1
'
case_then_figures 'replab link replica up: the carrier is back, streaming again' '
	back pull replab link replica up && is "$(carrier replica)" 1
'

case_then_figures 'replab link replica --flap 2s --for 6s, with status while it runs' '
	n0=$(carrier_changes replica) &&
	{ "$REPLAB" link replica --flap 2s --for 6s >"$work/flap.out" 2>&1 & } &&
	flapper=$! && sleep 2.5 &&
	replab status >"$work/flap-status.out" 2>&1 &&
	wait "$flapper" && cat "$work/flap.out" >>"$work/figures"
'
case_then_figures 'status worked during the flap' '
	grep -E "^  replica +link" "$work/flap-status.out"
'
case_then_figures 'the flap pulled the cable 3 times and left it up' '
	is "$(grep -c "] down$" "$work/flap.out")" 3 &&
	grep -q "pulled 3 times in .*; it is up" "$work/flap.out" &&
	is "$(carrier replica)" 1
'
case_then_figures 'the guest counted 6 carrier changes (3 down, 3 up)' '
	n1=$(carrier_changes replica) && figure "carrier_changes $n0 -> $n1" &&
	is "$((n1 - n0))" 6
'
case_then_figures 'SIGINT during a flap: exit 130, says it put the link back up' '
	"$REPLAB" link replica --flap 1s >"$work/int.out" 2>&1 &
	pid=$! && sleep 1.7 && kill -INT "$pid"; wait "$pid"; rc=$?
	cat "$work/int.out" >>"$work/figures"
	is "$rc" 130 && grep -q "undo: the replica VM.s data link back up" "$work/int.out" &&
	is "$(carrier replica)" 1
'
case_then_figures 'the replica streams at the end' 'retry 90 streams'

case_then_figures 'a link change on a frozen VM works (QEMU acts, not the guest)' '
	replab freeze replica && replab link replica down && replab link replica up &&
	replab thaw replica
'
case_then_figures 'a clock jump or drift on a frozen VM is refused, nothing changed' '
	replab freeze replica &&
	test_expect_code 1 replab clock replica --jump +30s >"$work/frozen.out" 2>&1;
	rc=$?; test_expect_code 1 replab clock replica --drift +1% >>"$work/frozen.out" 2>&1;
	rc=$((rc ? rc : $?)); replab thaw replica &&
	is "$(grep -c "frozen" "$work/frozen.out")" 2 && return $rc
'
case_then_figures 'replab heal --all: a cut, a shape, a slow disk, a pulled cable, a moved and a drifting clock go' '
	replab partition primary replica && replab shape replica --delay 50ms &&
	replab disk replica --iops 50 && replab link replica down &&
	replab clock replica --jump +30s && replab clock primary --drift -3% &&
	replab heal --all >"$work/healall.out" 2>&1 &&
	replab status >"$work/healall-status.out" 2>&1 &&
	sed -n "/^faults on the data network:/,/^slow disks/p" "$work/healall-status.out" |
		grep -qx "  none" &&
	sed -n "/^slow disks/,/^faults in the VMs/p" "$work/healall-status.out" | grep -qx "  none" &&
	grep -E "^  replica +link up" "$work/healall-status.out" |
		grep -qE "clock [+-]0\.[0-9]{3} s, at true rate$" &&
	grep -E "^  primary +link up" "$work/healall-status.out" |
		grep -qE "clock [+-]0\.[0-9]{3} s, at true rate$"
'
case_then_figures 'the replica streams after heal --all' 'retry 90 streams'
done_testing
