# standby-conninfo.sh — sourced by replica-bootstrap.sh and rejoin.sh: how a
# standby connects to its primary.  Not run on its own.

# standby_conninfo SECRETS-DIR PRIMARY-HOST NAME: print the connection
# string.  The password stays in a 0600 file that it names (made here from
# SECRETS-DIR/replication-password when missing); short timeouts so that a
# dead link is noticed and retried within about a second.
standby_conninfo() {
	passfile="$1/replication.pgpass"
	if [ ! -f "$passfile" ]; then
		(umask 077 && printf '*:*:*:replicator:%s\n' "$(cat "$1/replication-password")" >"$passfile")
	fi
	echo "host=$2 port=5432 user=replicator passfile=$passfile application_name=$3" \
		"connect_timeout=5 tcp_user_timeout=1000 keepalives_idle=5 keepalives_interval=2 keepalives_count=3"
}
