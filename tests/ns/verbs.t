#!/bin/bash
# verbs.t — what every replab verb checks before it runs (src/replab/verb.c):
# -h and --help the same everywhere, no lab up, a VM name this lab does not
# have (the error lists the ones it has, replica2 once the lab has two
# replicas), a VM that must run and does not, two VMs that must differ;
# a disk's limits out of range or in unknown units; and bad input changes
# nothing.
. "$(dirname "$0")/lib.sh"
nolab() { REPLAB_STATE=$WORK/nolab "$REPLAB" "$@"; }

verbs="up run status exec psql console down reset forget partition isolate heal shape disk link
	clock crash freeze thaw stop start experiment report build inspect seed accel"
for verb in $verbs; do
	for flag in -h --help; do
		expect 0 "^Usage: replab $verb" "replab $verb $flag" -- nolab "$verb" "$flag"
	done
done
expect 0 '^Usage: replab shape' "help after a VM and an option" -- nolab shape replica --rate 1mbit -h
expect 0 '^Usage: replab exec' "exec -h is exec's help" -- nolab exec -h

expect 1 'no lab is running' "crash without a lab" -- nolab crash replica
expect 1 'hint: bring it up first: replab up' "  hints replab up" -- nolab crash replica
expect 1 'no lab is running' "exec without a lab" -- nolab exec primary -- true
expect 1 'no lab is running' "an experiment without a lab" -- nolab experiment rpo
expect 1 'no lab is running' "reset without a lab" -- nolab reset
expect 2 'takes no arguments' "reset with an argument" -- nolab reset primary
expect 2 'name one VM: primary or replica' "crash names no VM" -- nolab crash
expect 2 'name one VM: primary or replica' "psql with two VMs" -- nolab psql primary replica
expect 2 'unknown VM "standby"' "an unknown VM" -- nolab stop standby
expect 2 'name two different VMs of primary and replica' "partition of a VM with itself" -- \
	nolab partition primary primary
expect 2 'unknown option: "--bogus"' "partition --bogus" -- nolab partition --oneway primary replica --bogus
expect 2 'invalid --rate "fast"' "a bad option before the lab is looked at" -- nolab shape replica --rate fast
expect 2 'name one VM of primary and replica, or two for the traffic between them' "shape names no VM" -- \
	nolab shape --rate 1mbit
expect 2 'reorder needs --delay' "shape --reorder without --delay, before the lab is looked at" -- \
	nolab shape primary replica --reorder 5%
for bad in "--iops 0" "--iops -5" "--iops 1.5" "--iops 1000001" "--iops 50x"; do
	expect 2 "invalid --iops \"${bad#--iops }\": a whole number from 1 to 1000000" \
		"disk $bad" -- nolab disk replica $bad
done
for bad in 0K -1M 1MB 1MiB 1048576 1M/s 0.5K 11G infM nanK 1T; do
	expect 2 "invalid --bandwidth \"$bad\": bytes per second with K, M or G" \
		"disk --bandwidth $bad" -- nolab disk replica --bandwidth "$bad"
done
expect 2 'clear goes alone' "disk --clear with --iops" -- nolab disk replica --clear --iops 50
expect 2 'give --iops, --bandwidth, --fail, or --clear' "disk with nothing to do" -- nolab disk replica
expect 2 'fail goes alone' "disk --fail with --iops" -- nolab disk replica --fail --iops 50
expect 2 'clear goes alone' "disk --clear with --fail" -- nolab disk replica --clear --fail
expect 2 'unknown VM "standby"' "disk of an unknown VM" -- nolab disk standby --iops 50
expect 1 'no lab is running' "disk without a lab" -- nolab disk replica --iops 50
expect 2 'say down or up after the VM, not "sideways"' "link VM sideways" -- nolab link replica sideways
expect 2 'say down or up after the VM, or --flap PERIOD' "link VM alone" -- nolab link replica
expect 2 'say down or up after the VM, or --flap' "link names no VM" -- nolab link down
expect 2 'invalid --flap "2x"' "link --flap with an unknown unit" -- nolab link replica --flap 2x
expect 2 'invalid --flap "10ms": a period from 200ms to 1h' "link --flap too short" -- \
	nolab link replica --flap 10ms
expect 2 'invalid --for "-1s"' "link --for below 0" -- nolab link replica --flap 2s --for -1s
expect 2 'flap takes no down or up' "link VM down --flap" -- nolab link replica down --flap 2s
expect 2 'for needs --flap' "link VM --for alone" -- nolab link replica up --for 2s
expect 1 'no lab is running' "link without a lab" -- nolab link replica down
expect 2 'invalid --jump "30x"' "clock --jump with an unknown unit" -- nolab clock replica --jump 30x
expect 2 'invalid --jump "\+31d": an offset with a unit, from -30d to \+30d' \
	"clock --jump out of range" -- nolab clock replica --jump +31d
expect 2 'invalid --jump "\+-3s"' "clock --jump with two signs" -- nolab clock replica --jump +-3s
expect 2 'invalid --jump "30"' "clock --jump without a unit" -- nolab clock replica --jump 30
expect 2 'give --jump OFFSET, --drift RATE or --reset' "clock with none" -- nolab clock replica
expect 2 'one of --jump, --drift and --reset, not two' "clock --jump and --reset" -- \
	nolab clock replica --jump +1s --reset
expect 2 'one of --jump, --drift and --reset, not two' "clock --drift and --jump" -- \
	nolab clock replica --drift +1% --jump +1s
expect 2 'invalid --drift "2x": a rate in % or ppm, from -10% to \+10%' \
	"clock --drift with an unknown unit" -- nolab clock replica --drift 2x
expect 2 'invalid --drift "2"' "clock --drift without a unit" -- nolab clock replica --drift 2
expect 2 'invalid --drift "\+11%"' "clock --drift out of range" -- nolab clock replica --drift +11%
expect 2 'invalid --drift "-100001ppm"' "clock --drift out of range, in ppm" -- \
	nolab clock replica --drift -100001ppm
expect 2 'invalid --drift "\+-1%"' "clock --drift with two signs" -- nolab clock replica --drift +-1%
expect 2 'missing value: "--drift"' "clock --drift without a rate" -- nolab clock replica --drift
expect 1 'no lab is running' "clock without a lab" -- nolab clock primary --reset
expect 1 'no lab is running' "clock --drift without a lab" -- nolab clock primary --drift +2%
check "bad input made no state directory" test ! -e "$WORK/nolab"

lab_up || bail "could not bring the namespace lab up"

expect 2 'the lab.s VMs are "primary" and "replica" \(replab up --replicas 2 adds "replica2"\)' \
	"replica2 in a lab of one replica" -- replab heal primary replica2
expect 2 'name two VMs of primary and replica \(or none\)' "heal with one VM" -- replab heal primary
expect 1 'the replica VM is not running' "crash of a VM whose QEMU does not run" -- replab crash replica
expect 1 'hint: replab start replica boots it again' "  hints replab start" -- replab freeze replica
expect 1 'the replica VM is not running' "disk of a VM whose QEMU does not run" -- \
	replab disk replica --bandwidth 1M
expect 1 'slow-disk needs the VM lab' "experiment slow-disk without VMs" -- \
	replab experiment slow-disk
expect 1 'slot-fills-disk needs the VM lab' "experiment slot-fills-disk without VMs" -- \
	replab experiment slot-fills-disk
expect 1 'the replica VM is not running' "disk --fail of a VM whose QEMU does not run" -- \
	replab disk replica --fail
expect 2 'invalid --iops "0"' "experiment slow-disk --iops 0" -- replab experiment slow-disk --iops 0
expect 2 'invalid --bandwidth "1MB"' "experiment slow-disk --bandwidth 1MB" -- \
	replab experiment slow-disk --bandwidth 1MB
expect 1 'flaky-link needs the VM lab' "experiment flaky-link without VMs" -- \
	replab experiment flaky-link --duration 3
expect 2 'invalid --intervals "5": up to 8 whole numbers from 10 to 60000' \
	"experiment flaky-link --intervals 5" -- replab experiment flaky-link --intervals 5
expect 2 'invalid --timeouts "250,,1000"' "experiment flaky-link --timeouts with an empty item" -- \
	replab experiment flaky-link --timeouts 250,,1000
expect 2 'invalid --loss "101"' "experiment flaky-link --loss 101" -- \
	replab experiment flaky-link --loss 101
expect 2 'invalid --loss "10%"' "experiment flaky-link --loss with a percent sign" -- \
	replab experiment flaky-link --loss 10%
expect 2 'invalid --intervals "1,2,3,4,5,6,7,8,9"' "experiment flaky-link with nine intervals" -- \
	replab experiment flaky-link --intervals 1,2,3,4,5,6,7,8,9
expect 2 'invalid --delay "1h": a time from 0 to 60s' "experiment flaky-link --delay 1h" -- \
	replab experiment flaky-link --delay 1h
expect 2 'invalid --flap "10ms": a period from 200ms to 1h' "experiment flaky-link --flap 10ms" -- \
	replab experiment flaky-link --flap 10ms
expect 1 'the replica VM is not running' "link of a VM whose QEMU does not run" -- \
	replab link replica down
expect 1 'the primary VM is not running' "clock of a VM whose QEMU does not run" -- \
	replab clock primary --jump +30s
expect 1 'the primary VM is not running' "clock --drift of a VM whose QEMU does not run" -- \
	replab clock primary --drift +2%
expect 0 'partitioned: primary and replica' "partition primary replica" -- \
	replab partition primary replica
replab heal >/dev/null

replica2_up || bail "could not add replica2"
expect 2 'the lab.s VMs are "primary", "replica" and "replica2"' "an unknown VM in a lab of two replicas" -- \
	replab isolate replica3
expect 2 'name one VM: primary, replica or replica2' "isolate names no VM" -- replab isolate
expect 0 "cut: replica2's packets to primary are dropped" "partition replica2 primary --oneway" -- \
	replab partition replica2 primary --oneway
expect 0 'healed: replica2 and primary' "heal replica2 primary" -- replab heal replica2 primary

done_testing
