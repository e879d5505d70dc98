/*
 * server.h — a connection to one of the lab's servers, named by the role
 * the user gave it ("primary" or "replica"), with checks that it really
 * plays that role.
 */
#ifndef PGREPL_SERVER_H
#define PGREPL_SERVER_H

#include "db.h"

#include <stdbool.h>

#define QUERY_TIMEOUT_MS 10000

struct server {
	const char *name; /* "primary" or "replica" */
	const char *conninfo;
	int connect_timeout_ms;
	PGconn *conn;	 /* NULL while not connected */
	char where[256]; /* host:port once connected */
};

void server_init(struct server *s, const char *name, const char *conninfo, int connect_timeout_ms);

/* Connect (a no-op when connected); on failure log why and return false. */
bool server_connect(struct server *s, const char *app_name);

/* Ask pg_is_in_recovery(); on failure log why and return false. */
bool server_in_recovery(struct server *s, bool *in_recovery);

/*
 * Connect and check the role: a primary must not be in recovery, a replica
 * must be.  Logs what is wrong and what to do about it.
 */
bool server_expect_role(struct server *s, const char *app_name, bool want_recovery);

void server_close(struct server *s);

/* Log a failed statement on this server, SQLSTATE included. */
void server_log_failure(const struct server *s, const char *what, const struct db_error *err);

#endif
