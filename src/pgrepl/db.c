/*
 * db.c — libpq with deadlines.
 *
 * libpq's connect_timeout has a two-second floor and blocking calls wait
 * for as long as TCP does, which can be many minutes when a peer vanishes
 * behind a network partition.  Here every wait goes through poll() with a
 * deadline, so a dead server is reported within the caller's budget.
 */
#define _POSIX_C_SOURCE 200809L
#include "db.h"

#include "clock.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

static void set_error(struct db_error *err, const char *sqlstate, const char *msg)
{
	size_t len;

	snprintf(err->sqlstate, sizeof(err->sqlstate), "%s", sqlstate ? sqlstate : "");
	while (*msg == ' ')
		msg++;
	len = strcspn(msg, "\n");
	if (len >= sizeof(err->message))
		len = sizeof(err->message) - 1;
	memcpy(err->message, msg, len);
	err->message[len] = '\0';
	err->timed_out = false;
}

static void set_timeout_error(struct db_error *err, const char *what, int timeout_ms)
{
	snprintf(err->message, sizeof(err->message), "%s timed out after %d ms", what, timeout_ms);
	err->sqlstate[0] = '\0';
	err->timed_out = true;
}

bool db_conninfo_valid(const char *conninfo, char *msg, size_t msglen)
{
	char *errmsg = NULL;
	PQconninfoOption *opts = PQconninfoParse(conninfo, &errmsg);

	if (opts) {
		PQconninfoFree(opts);
		return true;
	}
	snprintf(msg, msglen, "%.*s", (int) strcspn(errmsg ? errmsg : "out of memory", "\n"),
		 errmsg ? errmsg : "out of memory");
	PQfreemem(errmsg);
	return false;
}

/* Wait until fd is ready for events or the deadline passes: 1, 0 (timeout) or -1. */
static int wait_socket(int fd, short events, double deadline_ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };

	for (;;) {
		double left = deadline_ms - clock_now_ms();
		int rc;

		if (left <= 0)
			return 0;
		rc = poll(&pfd, 1, (int) left + 1);
		if (rc >= 0 || errno != EINTR)
			return rc < 0 ? -1 : rc;
	}
}

PGconn *db_connect(const char *conninfo, const char *app_name, int timeout_ms, struct db_error *err)
{
	const char *keys[] = { "dbname", "fallback_application_name", NULL };
	const char *vals[] = { conninfo, app_name, NULL };
	double deadline = clock_now_ms() + timeout_ms;
	PostgresPollingStatusType st = PGRES_POLLING_WRITING;
	PGconn *conn = PQconnectStartParams(keys, vals, 1);

	if (!conn) {
		set_error(err, NULL, "out of memory");
		return NULL;
	}
	while (PQstatus(conn) != CONNECTION_BAD && st != PGRES_POLLING_OK) {
		int ready;

		if (st == PGRES_POLLING_FAILED)
			break;
		ready = wait_socket(PQsocket(conn), st == PGRES_POLLING_READING ? POLLIN : POLLOUT,
				    deadline);
		if (ready == 0) {
			set_timeout_error(err, "connection attempt", timeout_ms);
			PQfinish(conn);
			return NULL;
		}
		st = PQconnectPoll(conn);
	}
	if (PQstatus(conn) != CONNECTION_OK) {
		set_error(err, NULL, PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

bool db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params, int timeout_ms,
	     PGresult **res_out, struct db_error *err)
{
	double deadline = clock_now_ms() + timeout_ms;
	PGresult *res, *extra;
	ExecStatusType st;

	if (res_out)
		*res_out = NULL;
	if (!PQsendQueryParams(conn, sql, nparams, NULL, params, NULL, NULL, 0)) {
		set_error(err, NULL, PQerrorMessage(conn));
		return false;
	}
	while (PQisBusy(conn)) {
		int ready = wait_socket(PQsocket(conn), POLLIN, deadline);

		if (ready == 0) {
			set_timeout_error(err, "query", timeout_ms);
			return false;
		}
		if (ready < 0 || !PQconsumeInput(conn)) {
			set_error(err, NULL, PQerrorMessage(conn));
			return false;
		}
	}
	res = PQgetResult(conn);
	while ((extra = PQgetResult(conn)) != NULL)
		PQclear(extra);
	st = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
	if (st != PGRES_TUPLES_OK && st != PGRES_COMMAND_OK) {
		const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;

		set_error(err, res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL,
			  primary ? primary
			  : res	  ? PQresultErrorMessage(res)
				  : PQerrorMessage(conn));
		PQclear(res);
		return false;
	}
	if (res_out)
		*res_out = res;
	else
		PQclear(res);
	return true;
}

static void set_shape_error(struct db_error *err, const PGresult *res, int nrows, int ncols)
{
	snprintf(err->message, sizeof(err->message),
		 "unexpected result shape: %d rows of %d columns where %s%d columns were expected",
		 PQntuples(res), PQnfields(res), nrows == 1 ? "one row of " : "rows of ", ncols);
	err->sqlstate[0] = '\0';
	err->timed_out = false;
}

bool db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, int timeout_ms,
	      int ncols, PGresult **res, struct db_error *err)
{
	if (!db_exec(conn, sql, nparams, params, timeout_ms, res, err))
		return false;
	if (PQresultStatus(*res) == PGRES_TUPLES_OK && PQnfields(*res) == ncols)
		return true;
	set_shape_error(err, *res, -1, ncols);
	PQclear(*res);
	*res = NULL;
	return false;
}

bool db_value(PGconn *conn, const char *sql, int nparams, const char *const *params, int timeout_ms,
	      char *buf, size_t buflen, struct db_error *err)
{
	PGresult *res;

	if (!db_query(conn, sql, nparams, params, timeout_ms, 1, &res, err))
		return false;
	if (PQntuples(res) != 1) {
		set_shape_error(err, res, 1, 1);
		PQclear(res);
		return false;
	}
	snprintf(buf, buflen, "%s", PQgetvalue(res, 0, 0));
	PQclear(res);
	return true;
}

void db_where(PGconn *conn, char *buf, size_t buflen)
{
	snprintf(buf, buflen, "%s:%s", PQhost(conn), PQport(conn));
}
