/*
 * db.h — libpq with deadlines: connecting and querying never hang longer
 * than the caller allows, and every failure comes back with its SQLSTATE.
 */
#ifndef PGREPL_DB_H
#define PGREPL_DB_H

#include <libpq-fe.h>
#include <stdbool.h>

struct db_error {
	char sqlstate[6];  /* "" when the failure is not from the server */
	char message[512]; /* first line of libpq's message, no newline */
	bool timed_out;
};

/* Check a connection string with libpq's own parser; message on failure. */
bool db_conninfo_valid(const char *conninfo, char *msg, size_t msglen);

/*
 * Connect within timeout_ms.  application_name defaults to app_name unless
 * the connection string sets its own.  NULL on failure, with *err filled.
 */
PGconn *db_connect(const char *conninfo, const char *app_name, int timeout_ms,
		   struct db_error *err);

/*
 * Run one statement with text parameters and wait at most timeout_ms.
 * On success returns true and, when res is not NULL, the result (the caller
 * PQclears it).  A statement that times out leaves the connection unusable:
 * the caller closes it.
 */
bool db_exec(PGconn *conn, const char *sql, int nparams, const char *const *params, int timeout_ms,
	     PGresult **res, struct db_error *err);

/*
 * db_exec for a statement that returns rows of exactly ncols columns; any
 * other shape is an error.
 */
bool db_query(PGconn *conn, const char *sql, int nparams, const char *const *params, int timeout_ms,
	      int ncols, PGresult **res, struct db_error *err);

/*
 * Run a statement expected to return exactly one row and one column and copy
 * the value (or "" for NULL) into buf.
 */
bool db_value(PGconn *conn, const char *sql, int nparams, const char *const *params, int timeout_ms,
	      char *buf, size_t buflen, struct db_error *err);

/* Write "host:port" of a connection into buf, for messages. */
void db_where(PGconn *conn, char *buf, size_t buflen);

#endif
