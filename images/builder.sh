#!/bin/bash
# builder.sh — a bookworm chroot with the guest's compiler, libc and libpq
# (images/builder-packages.txt), where pgrepl is compiled for the VM image.
#
#   usage: images/builder.sh OUTDIR APT-CACHE-DIR
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:?usage: builder.sh OUTDIR APT-CACHE-DIR}
cache=$(realpath -m "${2:?usage: builder.sh OUTDIR APT-CACHE-DIR}")
. "$here/mirror.sh"

mkdir -p "$cache/partial"
rm -rf "$out"
mmdebstrap --variant=apt \
	--include="$(sed 's/#.*//' "$here/builder-packages.txt" | xargs | tr ' ' ,)" \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt=force-unsafe-io \
	--aptopt='Acquire::Languages "none"' \
	--skip=essential/unlink \
	--setup-hook='mkdir -p "$1/var/cache/apt/archives"' \
	--setup-hook="mount --bind '$cache' \"\$1/var/cache/apt/archives\"" \
	--customize-hook='umount "$1/var/cache/apt/archives"' \
	bookworm "$out" "${MIRROR_SOURCES[@]}"
