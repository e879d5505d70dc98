#!/bin/bash
# first-run.t — the README's first commands on a fresh Debian 12 machine.
#
# A minimal bookworm root, what a newcomer starts from: mmdebstrap
# --variant=apt --include=make,git, from the host's apt sources and proxy
# (images/debian.sh, as the VM images).  In it, the project is cloned into
# root's home (/root, mode 0700: not readable by other users such as
# postgres) and, as the very first commands, "make" (the README's build
# command, which installs deps/debian-packages.txt and then builds) and
# "make unit" run there (tests/fresh/in-root.sh).  The test fails if the
# package list lacks anything the build or the unit tests need: that is its
# point.  It also reports how many packages and how much disk make deps
# adds, and what recommended packages would have added.
#
# What is tested is the commit checked out (HEAD, carried in as a git
# bundle): uncommitted changes are not part of it.
#
# mmdebstrap runs in a mount and PID namespace of its own (unshare, private
# mount propagation): every mount it makes (/proc, /sys, /dev, the apt
# cache) and every process in the root end with it, however the test ends.
# The root is this test's own mktemp directory under build/, removed on
# every exit, Ctrl-C included.  Downloaded packages stay in
# build/fresh-apt-cache, so a second run downloads only apt's indexes; dpkg
# in the root skips its fsync calls (force-unsafe-io: the root is thrown
# away), which changes nothing of what is installed.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
. "$ROOT/tests/tap.sh"

[ "$(id -u)" -eq 0 ] || bail "the fresh tier needs root (mmdebstrap, chroot): run it with sudo"
for tool in mmdebstrap unshare git dpkg-query; do
	command -v "$tool" >/dev/null || bail "missing $tool: run make deps"
done
if ! git -C "$ROOT" rev-parse -q --verify HEAD >/dev/null 2>&1; then
	skip_all "not a git checkout: the fresh tier clones the checked-out commit"
fi

start=$(date +%s)
CACHE=$ROOT/build/fresh-apt-cache
mkdir -p "$CACHE/partial" || bail "cannot make $CACHE"
WORK=$(mktemp -d "$ROOT/build/fresh.XXXXXX") || bail "cannot make a work directory under build/"
upid=""

mounts_under() { # the mount points under DIR that this mount namespace sees
	awk -v d="$1/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo
}

in_work() { # processes whose root or working directory is under WORK
	local p l
	for p in /proc/[0-9]*; do
		for l in root cwd; do
			case "$(readlink "$p/$l" 2>/dev/null)" in
			"$WORK"/*) echo "${p#/proc/}"; break ;;
			esac
		done
	done
}

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$upid" ] && kill -0 "$upid" 2>/dev/null; then
		echo "fresh: stopping mmdebstrap and everything in the root" >&2
		kill -KILL "$upid" 2>/dev/null # unshare --kill-child: its namespace goes with it
		wait "$upid" 2>/dev/null
	fi
	for _ in $(seq 50); do
		[ -z "$(in_work)" ] && break
		sleep 0.2
	done
	# Never expected (the mounts are the namespace's own), but never
	# remove what a mount would let rm reach.
	mounts_under "$WORK" | sort -r | while read -r m; do umount -l "$m"; done
	local t0=$SECONDS
	rm -rf --one-file-system "$WORK"
	echo "fresh: the root removed ($((SECONDS - t0)) s)" >&2
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -n "$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
	echo "# uncommitted changes in $ROOT are not tested: the root gets HEAD ($(git -C "$ROOT" rev-parse --short HEAD))"
fi
git -C "$ROOT" bundle create "$WORK/replab.bundle" HEAD >"$WORK/bundle.log" 2>&1 ||
	bail "git bundle of HEAD failed: $(tail -n 1 "$WORK/bundle.log")"

. "$ROOT/images/debian.sh" 2>"$WORK/sources.log"
debian_proxy
echo "# Debian sources (from $SOURCES_ORIGIN): $(printf '%s; ' "${MIRROR_SOURCES[@]}")"
sed 's/^/# /' "$WORK/sources.log"
include=make,git
# apt in the root fetches from these sources too: https needs the CA certificates
grep -q ' https://' <<<"${MIRROR_SOURCES[*]}" && include=$include,ca-certificates

echo "fresh: a bookworm root with $include (mmdebstrap), then make and make unit in it" >&2
cache_kib() { du -sk "$CACHE" | cut -f1; }
cache_before=$(cache_kib)
exec 3>&2
unshare --mount --propagation private --pid --fork --kill-child \
	mmdebstrap --mode=root --variant=apt --include="$include" "${PROXY_APTOPTS[@]}" \
	--dpkgopt=force-unsafe-io --skip=essential/unlink \
	--setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
	--setup-hook="mount --bind $(printf %q "$CACHE") \"\$1/var/cache/apt/archives\"" \
	--customize-hook="$(printf '%q %q' "$ROOT/tests/fresh/in-root.sh" "$WORK") \"\$1\"" \
	--customize-hook='umount "$1/var/cache/apt/archives"' \
	bookworm "$WORK/root" "${MIRROR_SOURCES[@]}" >"$WORK/mmdebstrap.log" 2>&1 &
upid=$!
wait "$upid"
status=$?
upid=""
exec 3>&-

show_log() { # show_log NAME: the end of WORK/NAME.log as TAP comments
	echo "# --- the end of $1's output:"
	tail -n "${2:-30}" "$WORK/$1.log" 2>/dev/null | sed 's/^/#   /'
}

ok $status "mmdebstrap made the root and ran the steps in it"
[ $status -eq 0 ] || show_log mmdebstrap
[ -f "$WORK/packages.before" ] || bail "the steps in the root did not run"

check "root's home in the root is mode 0700, as on a real machine" test "$(cat "$WORK/home.mode")" = 700
check "the checked-out commit cloned into /root/replab" test "$(cat "$WORK/clone.status" 2>/dev/null)" = 0
[ "$(cat "$WORK/clone.status" 2>/dev/null)" = 0 ] || show_log clone

step_ok() { test "$(cat "$WORK/$1.status" 2>/dev/null)" = 0; }

if step_ok make; then ok 0 "make, the first command, installs the packages and builds"; else
	ok 1 "make, the first command, installs the packages and builds (exit $(cat "$WORK/make.status" 2>/dev/null))"
	show_log make 40
fi
grep -q '^deps: installing' "$WORK/make.log" 2>/dev/null
ok $? "make ran make deps first (deps: installing ...)"
missing=$(awk '$1 != "ii" { print $NF }' "$WORK/listed" 2>/dev/null | xargs)
test -s "$WORK/listed" && [ -z "$missing" ]
ok $? "every package of deps/debian-packages.txt is installed${missing:+ (not: $missing)}"
check "make built build/bin/replab and build/bin/pgrepl" test -f "$WORK/binaries"
if step_ok unit; then ok 0 "make unit passes"; else
	ok 1 "make unit passes (exit $(cat "$WORK/unit.status" 2>/dev/null))"
	show_log unit
fi
if step_ok make-again && ! grep -q '^deps: installing\|^cc ' "$WORK/make-again.log"; then
	ok 0 "a second make installs and builds nothing"
else
	ok 1 "a second make installs and builds nothing"
	show_log make-again
fi
check "no process was left running in the root" test ! -s "$WORK/processes"
[ -s "$WORK/processes" ] && sed 's/^/#   /' "$WORK/processes"
leftover=$(mounts_under "$WORK")
test -z "$leftover"
ok $? "nothing of the root is mounted here${leftover:+: $leftover}"

mib() { echo $((($1 + 512) / 1024)); }
read -r n0 k0 <"$WORK/packages.before"
read -r n1 k1 <"$WORK/packages.after" 2>/dev/null || n1=$n0 k1=$k0
echo "# packages in the root: $n0 ($(mib "$k0") MiB installed) before make, $n1 ($(mib "$k1") MiB) after: make deps added $((n1 - n0)) ($(mib $((k1 - k0))) MiB)"
if read -r nr kr 2>/dev/null <"$WORK/recommends"; then
	echo "# with recommended packages, make deps would have added $nr ($(mib "$kr") MiB): $((n0 + nr)) packages, $(mib $((k0 + kr))) MiB in all"
fi
echo "# downloaded into build/fresh-apt-cache: $(mib $(($(cache_kib) - cache_before))) MiB (apt's indexes not counted)"
t() { cat "$WORK/$1.time" 2>/dev/null || echo "?"; }
apt=""
if read -r a0 a1 2>/dev/null <"$WORK/apt.span" && [ -n "${a1:-}" ]; then apt=" (apt-get install $((a1 - a0)) s)"; fi
echo "# time: $(($(date +%s) - start)) s in all: the root $(($(cat "$WORK/hook.start") - start)) s," \
	"make $(t make) s$apt, make unit $(t unit) s, second make $(t make-again) s"
done_testing
