#!/bin/bash
# passwords.t — the roles' passwords (images/postgres/primary-passwords.sh,
# pgrepl set-password): stored as SCRAM-SHA-256 verifiers computed by the
# client, never sent or logged in clear, not even with every statement
# logged; a bad password file, a missing role and a session that cannot
# keep its statements out of the log are refused with nothing changed.
. "$(dirname "$0")/lib.sh"

lab_up || bail "could not bring the namespace lab up"

LOG=$WORK/primary.log
SOCK=$WORK/primary.sock
SUPER="host=$SOCK user=postgres dbname=postgres"

su_psql() { # su_psql SQL: as postgres over the primary's socket
	as_postgres "$NS_PRIMARY" "$PGBIN/psql" -X -qAt -h "$SOCK" -d postgres -c "$1"
}
set_password() { # set_password ROLE FILE [OPTION...]: pgrepl set-password as postgres
	role=$1 file=$2
	shift 2
	as_postgres "$NS_PRIMARY" "$PGREPL_COPY" --config /dev/null --primary "$SUPER" "$@" set-password "$role" \
		--password-file "$file"
}
verifiers() { su_psql "SELECT rolname || ' ' || rolpassword FROM pg_authid WHERE rolname IN ('lab', 'replicator') ORDER BY 1"; }
# No password of this lab (the files' contents, as fixed strings) and no
# verifier in the server's log.
log_is_clean() {
	! grep -qF -f "$SECRETS/replication-password" -f "$SECRETS/lab-password" "$LOG" &&
		! grep -qF -f "$WORK/new-lab-password" "$LOG" 2>/dev/null && ! grep -q 'SCRAM-SHA-256\$' "$LOG"
}
login_with() { # login_with PGPASSFILE: can lab log in over the network with it?
	in_ns "$NS_REPLICA" env PGPASSFILE="$1" "$PGBIN/psql" -X -qAt -h "$PRIMARY_IP" -U lab -d lab -c "SELECT 1" \
		>/dev/null 2>&1
}
secret_file() { # secret_file PATH MODE: a fresh password, owned by postgres
	(umask 077 && head -c 18 /dev/urandom | base64 | tr '+/' '._' >"$1") && chmod "$2" "$1" && chown postgres: "$1"
}

# ---- what lab_up left: verifiers, working logins, a clean log ---------------
scram_verifiers() { # scram_verifiers FILE: how many lines of it are a role's SCRAM-SHA-256 verifier
	grep -cE '^(lab|replicator) SCRAM-SHA-256\$4096:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$' "$1"
}
test_expect_success 'both roles have a SCRAM-SHA-256 verifier in pg_authid' '
	verifiers >"$WORK/verifiers" &&
	is "$(scram_verifiers "$WORK/verifiers")" 2
'
test_expect_success 'the replica streams as replicator with its password' 'wait_streaming 10'
test_expect_success 'lab logs in with its password' 'login_with "$WORK/lab.pgpass"'
test_expect_success 'the server'\''s log holds no password and no verifier' 'log_is_clean'

# ---- again, with every statement logged ---------------------------------------
test_expect_success 'the primary now logs every statement' '
	su_psql "ALTER SYSTEM SET log_statement = '\''all'\''" &&
	su_psql "ALTER SYSTEM SET log_min_error_statement = '\''info'\''" &&
	su_psql "SELECT pg_reload_conf()"
'
test_expect_success 'primary-passwords.sh runs again (at every boot)' '
	as_postgres "$NS_PRIMARY" "$SCRIPTS/primary-passwords.sh" --secrets "$SECRETS" --socket-dir "$SOCK" \
		--pgrepl "$PGREPL_COPY" >"$WORK/again.out" 2>&1
'
# Traced (sh -x), every command the script runs shows with its arguments:
# a password in an argument or a variable would show.
test_expect_success 'primary-passwords.sh traced with sh -x' '
	as_postgres "$NS_PRIMARY" sh -x "$SCRIPTS/primary-passwords.sh" --secrets "$SECRETS" \
		--socket-dir "$SOCK" --pgrepl "$PGREPL_COPY" >"$WORK/trace.out" 2>&1
'
test_expect_success 'the trace shows pgrepl set-password given the files'\'' names' '
	grep "set-password lab --password-file $SECRETS/lab-password" "$WORK/trace.out"
'
test_expect_success 'and no password' '
	! grep -F -f "$SECRETS/lab-password" -f "$SECRETS/replication-password" "$WORK/trace.out"
'
test_expect_success 'the server logged the other statements' '
	verifiers >"$WORK/verifiers.again" &&
	grep "statement: SELECT rolname || '\'' '\'' || rolpassword" "$LOG"
'
test_expect_success 'it logged pgrepl'\''s session turning its logging off' '
	grep "execute <unnamed>: SELECT set_config('\''log_statement'\'', '\''none'\''" "$LOG"
'
test_expect_success 'but no ALTER ROLE' '! grep "ALTER ROLE" "$LOG"'
test_expect_success 'a fresh salt: new verifiers for the same passwords' '
	! cmp -s "$WORK/verifiers" "$WORK/verifiers.again"
'
test_expect_success 'the replica connects again as replicator, with the new verifier' '
	su_psql "SELECT pg_terminate_backend(pid) FROM pg_stat_replication" &&
	wait_streaming 30
'

# A new password for lab: the old one stops working, the new one works.
test_expect_success 'pgrepl set-password lab' '
	secret_file "$WORK/new-lab-password" 600 &&
	set_password lab "$WORK/new-lab-password" >"$WORK/set.out" 2>&1
'
test_expect_success 'it shows the statement with the verifier left out' '
	grep "ALTER ROLE \"lab\" PASSWORD '\''SCRAM-SHA-256\$4096:...'\''" "$WORK/set.out"
'
printf '*:*:*:lab:%s\n' "$(cat "$WORK/new-lab-password")" >"$WORK/new.pgpass" && chmod 600 "$WORK/new.pgpass"
test_expect_success 'the old password is refused now' '! login_with "$WORK/lab.pgpass"'
test_expect_success 'the new password is accepted' 'login_with "$WORK/new.pgpass"'
test_expect_success 'still no password and no verifier in the server'\''s log' 'log_is_clean'

# pg_stat_statements keeps a utility statement's text as it came: with it
# loaded, set-password's ALTER ROLE must not be tracked either.
test_expect_success 'set-password with pg_stat_statements loaded' '
	su_psql "ALTER SYSTEM SET shared_preload_libraries = '\''pg_stat_statements'\''" &&
	as_postgres "$NS_PRIMARY" "$PGBIN/pg_ctl" --pgdata="$WORK/primary" --wait --silent --mode=fast \
		--log="$LOG" restart &&
	su_psql "CREATE EXTENSION pg_stat_statements" &&
	set_password lab "$WORK/new-lab-password"
'
test_expect_success 'pg_stat_statements holds no ALTER ROLE' '
	is "$(su_psql "SELECT count(*) FROM pg_stat_statements WHERE query ~* '\''alter role|scram-sha-256'\''")" 0
'
streams() { su_psql "SELECT state FROM pg_stat_replication WHERE application_name = 'replica'" | grep -qx streaming; }
test_expect_success 'the replica streams again after the restart' 'retry 30 streams'

# ---- refusals: nothing is changed --------------------------------------------
verifiers >"$WORK/before"
secret_file "$WORK/open-password" 644
expect 1 'has group or world access' "a password file others can read is refused" -- \
	set_password lab "$WORK/open-password"
: >"$WORK/empty-password" && chown postgres: "$WORK/empty-password" && chmod 600 "$WORK/empty-password"
expect 1 'password file .* is empty' "an empty password file is refused" -- set_password lab "$WORK/empty-password"
printf 'one\ntwo\n' >"$WORK/two-lines" && chown postgres: "$WORK/two-lines" && chmod 600 "$WORK/two-lines"
expect 1 'on one line' "a password file of two lines is refused" -- set_password lab "$WORK/two-lines"
expect 1 'could not open password file' "a missing password file" -- set_password lab "$WORK/nonexistent"
expect 1 'could not set the password .*role "nosuchrole" does not exist' "a role that does not exist" -- \
	set_password nosuchrole "$WORK/new-lab-password"
test_expect_success 'its failed ALTER ROLE is not in the log (log_min_error_statement)' 'log_is_clean'
expect 1 'could not turn statement logging off' "a session that cannot keep the log clean sends nothing" -- \
	in_ns "$NS_REPLICA" "$PGREPL" --config /dev/null \
	--primary "host=$PRIMARY_IP user=lab dbname=lab passfile=$WORK/new.pgpass" set-password lab \
	--password-file "$WORK/new-lab-password"
expect 2 'set-password needs --password-file' "set-password without a file" -- \
	in_ns "$NS_PRIMARY" "$PGREPL" --config /dev/null --primary "$SUPER" set-password lab
expect 2 'set-password needs the name of a role' "set-password without a role" -- \
	in_ns "$NS_PRIMARY" "$PGREPL" --config /dev/null --primary "$SUPER" set-password --password-file "$WORK/x"
test_expect_success 'no verifier changed' '
	verifiers >"$WORK/after" &&
	diff "$WORK/before" "$WORK/after"
'
test_expect_success 'and the log is still clean' 'log_is_clean'

done_testing
