#!/bin/bash
# builder.sh — a bookworm chroot with the guest's compiler, libc and libpq
# (images/builder-packages.txt), where pgrepl is compiled for the VM image.
#
#   usage: images/builder.sh OUTDIR APT-CACHE-DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: builder.sh OUTDIR APT-CACHE-DIR}
cache=$(realpath -m "${2:?usage: builder.sh OUTDIR APT-CACHE-DIR}")
. "$here/debian.sh"

mmdebstrap_common "$cache"
rm -rf "$out"
mmdebstrap "${MMDEBSTRAP_COMMON[@]}" \
	--include="$(package_list "$here/builder-packages.txt")" \
	--customize-hook='umount "$1/var/cache/apt/archives"' \
	bookworm "$out" "${MIRROR_SOURCES[@]}"
