/*
 * cmd_set_password.c — "pgrepl set-password ROLE --password-file FILE":
 * give a role a password without the password reaching the server.  The
 * SCRAM-SHA-256 verifier is computed here (PQencryptPasswordConn) and only
 * the verifier is sent, in an ALTER ROLE run after the session has turned
 * off everything that could copy its text into the server's log or
 * pg_stat_activity.  The password comes from a file that only its owner
 * may read, never from the command line or the environment, and is wiped
 * from memory once used.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "db.h"
#include "log.h"
#include "narrate.h"
#include "server.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PASSWORD_MAX 1024 /* bytes, the newline that may end the file excluded */

/*
 * For this session only: no statement text in the server's log (logged
 * statements, slow statements, sampled ones, the statement of an error),
 * in pg_stat_activity or, should the module be loaded, in
 * pg_stat_statements (which keeps utility statements' text as it came).
 * Changing these takes a superuser.
 */
static const char quiet_sql[] = "SELECT set_config('log_statement', 'none', false),"
				" set_config('log_min_duration_statement', '-1', false),"
				" set_config('log_min_duration_sample', '-1', false),"
				" set_config('log_transaction_sample_rate', '0', false),"
				" set_config('log_min_error_statement', 'panic', false),"
				" set_config('track_activities', 'off', false),"
				" set_config('pg_stat_statements.track_utility', 'off', false)";

/* The first line of libpq's latest message on conn. */
static const char *conn_message(PGconn *conn, char *buf, size_t len)
{
	const char *msg = PQerrorMessage(conn);

	snprintf(buf, len, "%.*s", (int) strcspn(msg, "\n"), msg);
	return buf;
}

/*
 * The password in path: one line (a final newline is not part of it), not
 * empty, at most PASSWORD_MAX bytes, in a regular file with no group or
 * world access.  False, logged, otherwise.  buf holds PASSWORD_MAX + 3.
 */
static bool read_password(const char *path, char *buf, size_t size)
{
	struct stat st;
	size_t len = 0;
	ssize_t n = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	bool ok = false;

	if (fd < 0) {
		log_error("could not open password file \"%s\": %s", path, strerror(errno));
		return false;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode))
		log_error("password file \"%s\" is not a regular file", path);
	else if (st.st_mode & (S_IRWXG | S_IRWXO)) {
		log_error("password file \"%s\" has group or world access", path);
		log_hint("make it readable by its owner only: chmod 0600 %s", path);
	} else {
		while (len < size - 1 && (n = read(fd, buf + len, size - 1 - len)) != 0) {
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				break;
			len += (size_t) n;
		}
		if (n < 0)
			log_error("could not read password file \"%s\": %s", path, strerror(errno));
		else
			ok = true;
	}
	close(fd);
	if (!ok)
		return false;
	if (len > 0 && buf[len - 1] == '\n')
		len--;
	if (len > 0 && buf[len - 1] == '\r')
		len--;
	buf[len] = '\0';
	if (len > PASSWORD_MAX)
		log_error("password file \"%s\" holds more than %d bytes", path, PASSWORD_MAX);
	else if (len == 0)
		log_error("password file \"%s\" is empty", path);
	else if (memchr(buf, '\0', len) || memchr(buf, '\n', len) || memchr(buf, '\r', len))
		log_error("password file \"%s\" must hold the password alone, on one line", path);
	else
		return true;
	return false;
}

/* Zero and free what libpq allocated. */
static void wipe_pq(char *s)
{
	if (s) {
		explicit_bzero(s, strlen(s));
		PQfreemem(s);
	}
}

static int cmd_set_password(const struct options *o, const struct targets *t, json_t *doc)
{
	char password[PASSWORD_MAX + 3], msg[512];
	char *verifier = NULL, *literal = NULL, *ident = NULL, *sql = NULL;
	struct db_error err;
	struct server s;
	int rc = EXIT_FAIL;

	if (!t->primary) {
		log_error("no server to set the password on");
		log_hint("give --primary=CONNINFO as a superuser, e.g. \"host=/var/run/postgresql "
			 "user=postgres"
			 " dbname=postgres\"");
		return EXIT_USAGE;
	}
	if (!read_password(o->password_file, password, sizeof(password))) {
		explicit_bzero(password, sizeof(password));
		return EXIT_FAIL;
	}
	server_init(&s, "primary", t->primary, (int) o->connect_timeout_ms);
	if (!server_connect(&s, "pgrepl-set-password"))
		goto out;
	narrate_step("Set the password of role \"%s\" on %s", o->role, s.where);
	narrate("first, keep this session's statements out of the server's log and "
		"pg_stat_activity:");
	narrate_sql(quiet_sql);
	if (!db_exec(s.conn, quiet_sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err)) {
		server_log_failure(&s, "could not turn statement logging off for this session",
				   &err);
		log_hint("connect as a superuser, e.g. user=postgres over the server's Unix "
			 "socket");
		goto out;
	}
	verifier = PQencryptPasswordConn(s.conn, password, o->role, "scram-sha-256");
	explicit_bzero(password, sizeof(password));
	if (!verifier) {
		log_error("could not compute the SCRAM-SHA-256 verifier: %s",
			  conn_message(s.conn, msg, sizeof(msg)));
		goto out;
	}
	/* ALTER ROLE takes no parameters: the verifier as a quoted literal, the role as an
	 * identifier. */
	literal = PQescapeLiteral(s.conn, verifier, strlen(verifier));
	ident = PQescapeIdentifier(s.conn, o->role, strlen(o->role));
	if (!literal || !ident) {
		log_error("could not quote the statement: %s",
			  conn_message(s.conn, msg, sizeof(msg)));
		goto out;
	}
	if (asprintf(&sql, "ALTER ROLE %s PASSWORD %s", ident, literal) < 0)
		fatal("out of memory");
	narrate("then the verifier, computed here with PQencryptPasswordConn(); the password never "
		"leaves pgrepl:");
	snprintf(msg, sizeof(msg), "ALTER ROLE %s PASSWORD 'SCRAM-SHA-256$4096:...'", ident);
	narrate_sql(msg);
	if (!db_exec(s.conn, sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err)) {
		server_log_failure(&s, "could not set the password", &err);
		goto out;
	}
	narrate("role \"%s\" has its new password, stored as a SCRAM-SHA-256 verifier", o->role);
	json_object_set_new(doc, "role", json_string(o->role));
	json_object_set_new(doc, "server", json_string(s.where));
	json_object_set_new(doc, "stored_as", json_string("SCRAM-SHA-256"));
	rc = EXIT_OK;
out:
	explicit_bzero(password, sizeof(password));
	if (sql) {
		explicit_bzero(sql, strlen(sql));
		free(sql);
	}
	wipe_pq(literal);
	wipe_pq(verifier);
	if (ident)
		PQfreemem(ident);
	server_close(&s);
	return rc;
}

static const struct opt set_password_options[] = {
	OPT_REQUIRED_STRING(0, "password-file", password_file, "FILE",
			    "the password never goes on the command line",
			    "the password, alone on one line, in a file\n"
			    "readable by its owner only (mode 0600)"),
	OPT_END(),
};

const struct command cmd_set_password_entry = {
	.name = "set-password",
	.summary = "give ROLE the password in --password-file on the --primary\n"
		   "server (as a superuser): only its SCRAM-SHA-256 verifier,\n"
		   "computed here, is sent, and kept out of the server's log",
	.options = set_password_options,
	.operand = "ROLE",
	.operand_member = OPTIONS_MEMBER(role, const char *),
	.operand_needed = "the name of a role",
	.run = cmd_set_password,
};
