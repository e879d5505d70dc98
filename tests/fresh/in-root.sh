#!/bin/bash
# in-root.sh — the fresh tier's work inside the new root, run by mmdebstrap
# as a customize hook (so /proc, /sys and /dev are mounted, and mmdebstrap's
# policy-rc.d keeps services from starting).  Never fails itself: it records
# what happened in WORK for tests/fresh/first-run.t to report.
#
#   in-root.sh WORK ROOTDIR
#
# In ROOTDIR, as a newcomer would: the project cloned into root's home
# (/root, mode 0700), then, as the very first commands there, "make" (the
# README's build command: it installs the Debian packages, then builds)
# and "make unit"; a second "make" to see that it has nothing left to do.
# Also recorded: the packages and installed size before and after, and
# what make deps would have installed with recommended packages.
set -u
work=$1
root=$(realpath "$2")
{ true >&3; } 2>/dev/null || exec 3>/dev/null # progress lines, to the test's stderr

progress() { printf 'fresh: %s\n' "$*" >&3; }

# in_root COMMAND...: in the root, with a login shell's environment
in_root() {
	chroot "$root" /usr/bin/env -i HOME=/root LOGNAME=root USER=root SHELL=/bin/bash LANG=C.UTF-8 \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" </dev/null
}

# run NAME COMMAND...: COMMAND in the root, output in WORK/NAME.log, exit
# status in WORK/NAME.status, seconds in WORK/NAME.time
run() {
	local name=$1 start status
	shift
	progress "$name ..."
	start=$(date +%s)
	in_root "$@" >"$work/$name.log" 2>&1
	status=$?
	echo "$status" >"$work/$name.status"
	echo $(($(date +%s) - start)) >"$work/$name.time"
	progress "$name: exit $status in $(cat "$work/$name.time") s"
}

packages() { # packages FILE: "COUNT KIB" of the root's installed packages
	dpkg-query --admindir="$root/var/lib/dpkg" -W -f='${db:Status-Abbrev} ${Installed-Size}\n' |
		awk '$1 == "ii" { n++; kib += $2 } END { print n, kib }' >"$1"
}

processes() { # the processes whose root is ROOTDIR
	local p r
	for p in /proc/[0-9]*; do
		r=$(readlink "$p/root" 2>/dev/null) || continue
		[ "$r" = "$root" ] && printf '%s %s\n' "${p#/proc/}" "$(tr '\0' ' ' <"$p/cmdline" 2>/dev/null)"
	done
	return 0
}

date +%s >"$work/hook.start"
if [ ! -x "$root/usr/sbin/policy-rc.d" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
	chmod 755 "$root/usr/sbin/policy-rc.d"
fi
packages "$work/packages.before"
cp "$root/var/lib/dpkg/status" "$root/tmp/dpkg-status.before"
stat -c %a "$root/root" >"$work/home.mode"

cp "$work/replab.bundle" "$root/tmp/replab.bundle"
run clone git -c advice.detachedHead=false clone -q /tmp/replab.bundle /root/replab
rm -f "$root/tmp/replab.bundle"

if [ "$(cat "$work/clone.status")" = 0 ]; then
	run make sh -c 'cd /root/replab && exec make'
	run unit sh -c 'cd /root/replab && exec make unit'
	run make-again sh -c 'cd /root/replab && exec make'
	packages "$work/packages.after"
	in_root sh -c 'cd /root/replab && sed "s/#.*//" deps/debian-packages.txt | xargs' >"$work/list"
	# shellcheck disable=SC2046 # the list is words
	in_root dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' $(cat "$work/list") >"$work/listed" 2>&1
	[ -x "$root/root/replab/build/bin/replab" ] && [ -x "$root/root/replab/build/bin/pgrepl" ] &&
		touch "$work/binaries"
	processes >"$work/processes"
	# how long make deps' apt-get install took, from apt's own log
	awk '/^Start-Date:/ { s = $2 " " $3 } /^End-Date:/ { e = $2 " " $3 } END { print s; print e }' \
		"$root/var/log/apt/history.log" 2>/dev/null | date -f - +%s 2>/dev/null | xargs >"$work/apt.span"
	# What make deps would have installed with recommended packages, from
	# the root as it was before (simulated, apt's lists as make deps left them).
	# shellcheck disable=SC2046
	in_root apt-get -s -o Dir::State::status=/tmp/dpkg-status.before -o APT::Install-Recommends=true \
		install $(cat "$work/list") 2>/dev/null | awk '$1 == "Inst" { print $2 }' >"$work/recommends.pkgs"
	if [ -s "$work/recommends.pkgs" ]; then
		# shellcheck disable=SC2046
		in_root apt-cache show --no-all-versions $(cat "$work/recommends.pkgs") 2>/dev/null |
			awk -v n="$(wc -l <"$work/recommends.pkgs")" '/^Installed-Size:/ { kib += $2 } END { print n, kib }' \
				>"$work/recommends"
	fi
fi
exit 0
