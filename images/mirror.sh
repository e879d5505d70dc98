# mirror.sh — the Debian sources the images are built from (sourced).
# REPLAB_MIRROR overrides the archive, e.g. a local mirror or apt proxy.
mirror=${REPLAB_MIRROR:-http://deb.debian.org/debian}
security=${REPLAB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
MIRROR_SOURCES=(
	"deb $mirror bookworm main"
	"deb $mirror bookworm-updates main"
	"deb $security bookworm-security main"
)
