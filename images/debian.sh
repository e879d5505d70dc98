# debian.sh — what images/rootfs.sh and images/builder.sh share (sourced):
# the Debian sources the images are built from, and mmdebstrap's common
# options.  REPLAB_MIRROR overrides the archive, e.g. a local mirror.
mirror=${REPLAB_MIRROR:-http://deb.debian.org/debian}
security=${REPLAB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MIRROR_SOURCES=(
	"deb $mirror bookworm main"
	"deb $mirror bookworm-updates main"
	"deb $security bookworm-security main"
)

# mmdebstrap_common CACHE-DIR: sets MMDEBSTRAP_COMMON.  No docs, man pages
# or translations; downloaded .debs kept in CACHE-DIR (bind-mounted as the
# chroot's apt archive, unmounted before mmdebstrap cleans it), so a rebuild
# downloads nothing.
mmdebstrap_common() {
	mkdir -p "$1/partial"
	MMDEBSTRAP_COMMON=(
		--variant=apt
		--dpkgopt='path-exclude=/usr/share/doc/*'
		--dpkgopt='path-include=/usr/share/doc/*/copyright'
		--dpkgopt='path-exclude=/usr/share/man/*'
		--dpkgopt='path-exclude=/usr/share/info/*'
		--dpkgopt='path-exclude=/usr/share/locale/*'
		--dpkgopt='path-include=/usr/share/locale/locale.alias'
		--dpkgopt='path-exclude=/usr/share/lintian/*'
		--dpkgopt=force-unsafe-io
		--aptopt='Acquire::Languages "none"'
		--skip=essential/unlink
		--setup-hook='mkdir -p "$1/var/cache/apt/archives"'
		--setup-hook="mount --bind '$1' \"\$1/var/cache/apt/archives\""
		--customize-hook='sed -i "/^force-unsafe-io$/d" "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap"'
	)
}

# The list of packages in FILE, comma-separated, comments dropped.
package_list() {
	sed 's/#.*//' "$1" | xargs | tr ' ' ,
}
