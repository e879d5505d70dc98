/*
 * server.c — connecting to the lab's servers and checking their roles.
 */
#include "server.h"

#include "log.h"
#include "narrate.h"

#include <stdio.h>
#include <string.h>

/* Server notices (e.g. "table does not exist, skipping") join the narrative. */
static void narrate_notice(void *arg, const PGresult *res)
{
	const char *text = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);

	(void) arg;
	narrate("server notice: %s", text ? text : PQresultErrorMessage(res));
}

void server_init(struct server *s, const char *name, const char *conninfo, int connect_timeout_ms)
{
	*s = (struct server){ .name = name,
			      .conninfo = conninfo,
			      .connect_timeout_ms = connect_timeout_ms };
}

bool server_connect(struct server *s, const char *app_name)
{
	struct db_error err;

	if (s->conn)
		return true;
	s->conn = db_connect(s->conninfo, app_name, s->connect_timeout_ms, &err);
	if (!s->conn) {
		log_error("could not connect to the %s: %s", s->name, err.message);
		log_detail("connection string: \"%s\"", s->conninfo);
		log_hint("is the %s's server running and reachable from here?", s->name);
		return false;
	}
	db_where(s->conn, s->where, sizeof(s->where));
	PQsetNoticeReceiver(s->conn, narrate_notice, NULL);
	return true;
}

bool server_in_recovery(struct server *s, bool *in_recovery)
{
	struct db_error err;
	char v[8];

	if (!db_value(s->conn, "SELECT pg_is_in_recovery()", 0, NULL, QUERY_TIMEOUT_MS, v,
		      sizeof(v), &err)) {
		server_log_failure(s, "could not ask whether it is in recovery", &err);
		return false;
	}
	*in_recovery = strcmp(v, "t") == 0;
	return true;
}

bool server_expect_role(struct server *s, const char *app_name, bool want_recovery)
{
	bool in_recovery;

	if (!server_connect(s, app_name) || !server_in_recovery(s, &in_recovery))
		return false;
	if (in_recovery == want_recovery)
		return true;
	if (want_recovery) {
		log_error("the server given as the replica (%s) is not in recovery: it accepts "
			  "writes, so it is a primary",
			  s->where);
		log_hint("point --replica at a hot standby (one made with pg_basebackup -R)");
	} else {
		log_error("the server given as the primary (%s) is in recovery: it is a standby",
			  s->where);
		log_hint("point --primary at the read-write server");
	}
	return false;
}

void server_close(struct server *s)
{
	if (s->conn)
		PQfinish(s->conn);
	s->conn = NULL;
}

void server_log_failure(const struct server *s, const char *what, const struct db_error *err)
{
	log_error("%s on the %s (%s): %s", what, s->name, s->where, err->message);
	if (err->sqlstate[0])
		log_detail("SQLSTATE %s", err->sqlstate);
}
