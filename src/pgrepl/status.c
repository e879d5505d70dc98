/*
 * status.c — replication state as each server sees it.
 */
#include "status.h"

#include "narrate.h"
#include "pgjson.h"

#include <string.h>

/* The standbys streaming from a server: a primary's, or a standby's own (cascading). */
#define POSITION                                                                                 \
	"CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() " \
	"END"
static const char senders_sql[] = "SELECT application_name, host(client_addr) AS client_addr, "
				  "state, sync_state,\n"
				  "       sent_lsn::text, write_lsn::text, flush_lsn::text, "
				  "replay_lsn::text,\n"
				  "       pg_wal_lsn_diff(" POSITION ", replay_lsn)::bigint AS "
				  "lag_bytes,\n"
				  "       round(extract(epoch FROM replay_lag) * 1000, 1)::float8 "
				  "AS replay_lag_ms,\n"
				  "       (" POSITION ")::text AS current_lsn\n"
				  "  FROM pg_stat_replication ORDER BY application_name, "
				  "client_addr";

static const char standby_sql[] = "SELECT pg_last_wal_receive_lsn()::text AS receive_lsn,\n"
				  "       pg_last_wal_replay_lsn()::text AS replay_lsn,\n"
				  "       pg_wal_lsn_diff(pg_last_wal_receive_lsn(), "
				  "pg_last_wal_replay_lsn())::bigint AS replay_backlog_bytes,\n"
				  "       pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() AS "
				  "caught_up,\n"
				  "       r.status AS receiver, r.sender_host, r.sender_port\n"
				  "  FROM (SELECT 1) AS one LEFT JOIN pg_stat_wal_receiver AS r ON "
				  "true";

/* pg_stat_replication as JSON rows, narrated as a table; NULL on failure. */
static json_t *senders(struct server *s, char *position, size_t len)
{
	struct db_error err;
	json_t *standbys = json_array();
	PGresult *res;

	if (!db_query(s->conn, senders_sql, 0, NULL, QUERY_TIMEOUT_MS, 11, &res, &err)) {
		server_log_failure(s, "could not read pg_stat_replication", &err);
		json_decref(standbys);
		return NULL;
	}
	narrate_sql(senders_sql);
	if (PQntuples(res) > 0) {
		snprintf(position, len, "%s", PQgetvalue(res, 0, 10));
		narrate("%-16s %-13s %-10s %-11s %-11s %-11s %-11s %9s %10s", "standby",
			"client_addr", "state", "sent_lsn", "write_lsn", "flush_lsn", "replay_lsn",
			"lag_bytes", "replay_lag");
	}
	for (int i = 0; i < PQntuples(res); i++) {
		json_t *row = json_object();

		json_object_set_new(row, "application_name", pgjson_text(res, i, 0));
		json_object_set_new(row, "client_addr", pgjson_text(res, i, 1));
		json_object_set_new(row, "state", pgjson_text(res, i, 2));
		json_object_set_new(row, "sync_state", pgjson_text(res, i, 3));
		json_object_set_new(row, "sent_lsn", pgjson_text(res, i, 4));
		json_object_set_new(row, "write_lsn", pgjson_text(res, i, 5));
		json_object_set_new(row, "flush_lsn", pgjson_text(res, i, 6));
		json_object_set_new(row, "replay_lsn", pgjson_text(res, i, 7));
		json_object_set_new(row, "lag_bytes", pgjson_integer(res, i, 8));
		json_object_set_new(row, "replay_lag_ms", pgjson_real(res, i, 9));
		json_object_set_new(row, "base_backup",
				    json_boolean(strcmp(PQgetvalue(res, i, 0), "pg_basebackup") ==
						 0));
		json_array_append_new(standbys, row);
		narrate("%-16s %-13s %-10s %-11s %-11s %-11s %-11s %9s %7s ms",
			pg_text_or_dash(res, i, 0), pg_text_or_dash(res, i, 1),
			pg_text_or_dash(res, i, 2), pg_text_or_dash(res, i, 4),
			pg_text_or_dash(res, i, 5), pg_text_or_dash(res, i, 6),
			pg_text_or_dash(res, i, 7), pg_text_or_dash(res, i, 8),
			pg_text_or_dash(res, i, 9));
	}
	PQclear(res);
	return standbys;
}

bool status_primary(struct server *s, json_t *obj)
{
	struct db_error err;
	char current[32] = "";
	json_t *standbys = senders(s, current, sizeof(current));

	if (!standbys)
		return false;
	if (json_array_size(standbys) == 0) {
		db_value(s->conn, "SELECT pg_current_wal_lsn()::text", 0, NULL, QUERY_TIMEOUT_MS,
			 current, sizeof(current), &err);
		narrate("no standby is connected: pg_stat_replication is empty");
	}
	narrate("the primary's WAL is at %s", current[0] ? current : "(unknown)");
	json_object_set_new(obj, "role", json_string("primary"));
	json_object_set_new(obj, "current_lsn", current[0] ? json_string(current) : json_null());
	json_object_set_new(obj, "standbys", standbys);
	return true;
}

bool status_standby(struct server *s, json_t *obj)
{
	struct db_error err;
	char replayed[32] = "";
	json_t *standbys;
	PGresult *res;

	if (!db_query(s->conn, standby_sql, 0, NULL, QUERY_TIMEOUT_MS, 7, &res, &err)) {
		server_log_failure(s, "could not read the standby's positions", &err);
		return false;
	}
	narrate_sql(standby_sql);
	narrate("received up to %s, replayed up to %s (%s bytes waiting to be applied)",
		pg_text_or_dash(res, 0, 0), pg_text_or_dash(res, 0, 1), pg_text_or_dash(res, 0, 2));
	narrate("WAL receiver: %s%s%s%s%s", pg_text_or_dash(res, 0, 4),
		PQgetisnull(res, 0, 5) ? "" : ", from ", pg_text_or_dash(res, 0, 5),
		PQgetisnull(res, 0, 6) ? "" : ":",
		PQgetisnull(res, 0, 6) ? "" : PQgetvalue(res, 0, 6));
	narrate("caught up with what it received: %s", PQgetisnull(res, 0, 3)		 ? "unknown"
						       : PQgetvalue(res, 0, 3)[0] == 't' ? "yes"
											 : "no");
	json_object_set_new(obj, "role", json_string("standby"));
	json_object_set_new(obj, "receive_lsn", pgjson_text(res, 0, 0));
	json_object_set_new(obj, "replay_lsn", pgjson_text(res, 0, 1));
	json_object_set_new(obj, "replay_backlog_bytes", pgjson_integer(res, 0, 2));
	json_object_set_new(obj, "caught_up", pgjson_bool(res, 0, 3));
	json_object_set_new(obj, "receiver_status", pgjson_text(res, 0, 4));
	json_object_set_new(obj, "sender_host", pgjson_text(res, 0, 5));
	json_object_set_new(obj, "sender_port", pgjson_integer(res, 0, 6));
	PQclear(res);
	narrate("standbys streaming from this standby (cascading replication):");
	if (!(standbys = senders(s, replayed, sizeof(replayed))))
		return false;
	if (json_array_size(standbys) == 0)
		narrate("none");
	json_object_set_new(obj, "standbys", standbys);
	return true;
}

int status_streaming_standbys(const json_t *obj)
{
	const json_t *standbys = json_object_get(obj, "standbys");
	const json_t *row;
	size_t i;
	int n = 0;

	json_array_foreach(standbys, i, row) {
		const char *state = json_string_value(json_object_get(row, "state"));

		if (state && strcmp(state, "streaming") == 0 &&
		    !json_is_true(json_object_get(row, "base_backup")))
			n++;
	}
	return n;
}
