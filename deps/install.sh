#!/bin/sh
# Install the Debian packages listed in deps/debian-packages.txt that are
# missing.  Does nothing when all are present; as root runs apt-get; as
# anyone else prints the one command to run.
set -eu
list="$(dirname "$0")/debian-packages.txt"
missing=""
for pkg in $(sed 's/#.*//' "$list"); do
	status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
	case "$status" in
	ii*) ;;
	*) missing="$missing $pkg" ;;
	esac
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -eq 0 ]; then
	echo "deps: installing:$missing"
	apt-get update -qq
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing
else
	echo "deps: missing Debian packages:$missing" >&2
	echo "deps: hint: run: sudo apt-get install -y$missing" >&2
	exit 1
fi
