# shellcheck shell=bash
# debian.sh — what images/rootfs.sh, images/builder.sh and tests/fresh share
# (sourced): the Debian sources the images are built from, the host's apt
# proxy, and mmdebstrap's common options.  Run as a script, it prints the
# sources it would use.
#
# The sources are the host's own (what apt on this machine uses: a local
# mirror, a caching proxy's address): its bookworm, bookworm-updates and
# bookworm-security entries with the main component, as apt itself reads
# them from /etc/apt/sources.list and sources.list.d/ (one-line and deb822
# files alike), through "apt-get indextargets".  REPLAB_MIRROR=URL replaces
# the archive (bookworm, bookworm-updates), REPLAB_SECURITY_MIRROR=URL the
# security archive.  Only a host with no Debian bookworm source at all gets
# deb.debian.org, with a notice.

# host_debian_entries: "URI SUITE" lines, the host's Debian bookworm
# sources of component main.  With apt's lists present, only those whose
# Release file says Origin: Debian (a third-party archive may also call its
# suite "bookworm"); without them (apt-get update never ran, or the lists
# were removed) by suite name alone.  A mirror+file: URI is replaced by the
# first mirror its list names, which a chroot lacks; file: and cdrom:
# sources are left out (a chroot cannot reach them).
host_debian_entries() {
	local fmt='$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT) $(ORIGIN)' found uri suite path
	found=$(apt-get indextargets --format "$fmt" 'Identifier: Packages' 2>/dev/null |
		awk '$1 == "deb" && $4 == "main" && $5 == "Debian" { print $2, $3 }')
	[ -n "$found" ] || found=$(apt-get indextargets --no-release-info --format "$fmt" 'Identifier: Packages' \
		2>/dev/null | awk '$1 == "deb" && $4 == "main" { print $2, $3 }')
	printf '%s\n' "$found" | awk '$2 ~ /^bookworm(-updates|-security)?$/ && !seen[$0]++' |
		while read -r uri suite; do
			case "$uri" in
			mirror+file:*)
				path=${uri#mirror+file:}
				path=/${path#"${path%%[!/]*}"}
				path=${path%/}
				uri=$(sed -n 's/#.*//; s/^[[:space:]]*\([^[:space:]]\{1,\}\).*/\1/p' "$path" 2>/dev/null | head -n 1)
				;;
			file:* | cdrom:* | copy:*) uri="" ;;
			esac
			if [ -n "$uri" ]; then echo "$uri $suite"; fi
		done
}

# debian_sources: sets MIRROR_SOURCES (one-line apt entries, bookworm,
# bookworm-updates, bookworm-security) and SOURCES_ORIGIN (where they came
# from, for people); notices on stderr.
debian_sources() {
	local host suite uri fallback=http://deb.debian.org
	host=$(host_debian_entries)
	MIRROR_SOURCES=()
	SOURCES_ORIGIN="the host's apt sources"
	if [ -n "${REPLAB_MIRROR:-}" ]; then
		MIRROR_SOURCES+=("deb $REPLAB_MIRROR bookworm main" "deb $REPLAB_MIRROR bookworm-updates main")
		SOURCES_ORIGIN="REPLAB_MIRROR"
	elif grep -q ' bookworm$' <<<"$host"; then
		for suite in bookworm bookworm-updates; do
			while read -r uri; do
				MIRROR_SOURCES+=("deb $uri $suite main")
			done < <(awk -v s="$suite" '$2 == s { print $1 }' <<<"$host")
		done
		grep -q ' bookworm-updates$' <<<"$host" ||
			echo "images/debian.sh: the host's apt sources have no bookworm-updates: building without it" >&2
	else
		echo "images/debian.sh: the host's apt sources have no Debian bookworm archive: using $fallback" \
			"(REPLAB_MIRROR=URL chooses another)" >&2
		MIRROR_SOURCES+=("deb $fallback/debian bookworm main" "deb $fallback/debian bookworm-updates main")
		SOURCES_ORIGIN="deb.debian.org (the host's apt sources have no Debian bookworm archive)"
	fi
	if [ -n "${REPLAB_SECURITY_MIRROR:-}" ]; then
		MIRROR_SOURCES+=("deb $REPLAB_SECURITY_MIRROR bookworm-security main")
	elif grep -q ' bookworm-security$' <<<"$host"; then
		while read -r uri; do
			MIRROR_SOURCES+=("deb $uri bookworm-security main")
		done < <(awk '$2 == "bookworm-security" { print $1 }' <<<"$host")
	elif grep -q ' bookworm$' <<<"$host"; then
		echo "images/debian.sh: the host's apt sources have no bookworm-security: building without security" \
			"updates (REPLAB_SECURITY_MIRROR=URL adds them)" >&2
	else
		MIRROR_SOURCES+=("deb $fallback/debian-security bookworm-security main")
	fi
}

# debian_proxy: sets PROXY_APTOPTS, mmdebstrap --aptopt options carrying
# the host's Acquire::http::Proxy and Acquire::https::Proxy settings (with
# any per-host ones).  mmdebstrap writes them into the root's
# /etc/apt/apt.conf.d/99mmdebstrap; the images drop them again.
debian_proxy() {
	local line
	PROXY_APTOPTS=()
	while IFS= read -r line; do
		[ -n "$line" ] && PROXY_APTOPTS+=("--aptopt=$line")
	done < <(apt-config dump Acquire::http::Proxy Acquire::https::Proxy 2>/dev/null | grep -E '^Acquire::https?::Proxy')
}

# mmdebstrap_common CACHE-DIR: sets MMDEBSTRAP_COMMON.  No docs, man pages
# or translations; downloaded .debs kept in CACHE-DIR (bind-mounted as the
# chroot's apt archive, unmounted before mmdebstrap cleans it), so a rebuild
# downloads nothing; the host's proxy for the build, not in the image.
mmdebstrap_common() {
	mkdir -p "$1/partial"
	debian_proxy
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
		"${PROXY_APTOPTS[@]}"
		--skip=essential/unlink
		--setup-hook='mkdir -p "$1/var/cache/apt/archives"'
		--setup-hook="mount --bind '$1' \"\$1/var/cache/apt/archives\""
		--customize-hook='sed -i "/^force-unsafe-io$/d" "$1/etc/dpkg/dpkg.cfg.d/99mmdebstrap"'
		--customize-hook='sed -i "/^Acquire::https\?::Proxy/d" "$1/etc/apt/apt.conf.d/99mmdebstrap"'
	)
}

# The list of packages in FILE, comma-separated, comments dropped.
package_list() {
	sed 's/#.*//' "$1" | xargs | tr ' ' ,
}

debian_sources

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	echo "Debian sources (from $SOURCES_ORIGIN):"
	printf '  %s\n' "${MIRROR_SOURCES[@]}"
	debian_proxy
	[ ${#PROXY_APTOPTS[@]} -eq 0 ] || printf '  proxy: %s\n' "${PROXY_APTOPTS[@]#--aptopt=}"
fi
