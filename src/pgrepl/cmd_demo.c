/*
 * cmd_demo.c — "pgrepl demo": write on the primary, read on the replica,
 * watch the replica refuse a write, and measure lag over a burst of inserts.
 */
#include "clock.h"
#include "commands.h"
#include "log.h"
#include "lsn.h"
#include "narrate.h"
#include "pair.h"
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BURST_ROWS		       100
#define SQLSTATE_READ_ONLY_TRANSACTION "25006"

static bool create_table(struct pair *d)
{
	narrate_step("Create the users table on the primary");
	if (!pair_run(&d->primary, "DROP TABLE IF EXISTS users") ||
	    !pair_run(&d->primary, pair_users_create_sql))
		return false;
	narrate("Nothing is run on the replica: the CREATE TABLE is written to the primary's");
	narrate("write-ahead log (WAL) like any change, and the replica replays that WAL.");
	return true;
}

static bool show_replication(struct pair *d)
{
	json_t *repl = json_object();
	int streaming;

	narrate_step("Ask the primary which standbys stream from it");
	json_object_set_new(d->doc, "replication", repl);
	if (!status_primary(&d->primary, repl))
		return false;
	streaming = status_streaming_standbys(repl);
	json_object_set_new(d->doc, "streaming_standbys", json_integer(streaming));
	narrate("Each LSN (log sequence number) is a byte position in the WAL: sent = handed");
	narrate("to the network, write = in the standby's OS, flush = on its disk, replay = "
		"applied");
	narrate("and visible to its queries.  lag_bytes is the primary's position minus replay.");
	if (streaming == 0)
		log_warning("no standby is streaming from the primary: the replica will not see "
			    "new rows");
	return true;
}

static bool insert_three(struct pair *d)
{
	static const char count_sql[] = "SELECT count(*) FROM users WHERE name IN ('Alice', 'Bob', "
					"'Charlie')";
	double visible_ms;
	struct db_error err;
	PGresult *res;

	narrate_step("Write three users on the primary");
	if (!pair_run(&d->primary, "INSERT INTO users (name, email) VALUES\n"
				   "    ('Alice', 'alice@example.com'),\n"
				   "    ('Bob', 'bob@example.com'),\n"
				   "    ('Charlie', 'charlie@example.com')"))
		return false;
	narrate("committed on the primary; the commit did not wait for the replica (asynchronous");
	narrate("replication, the default)");

	narrate_step("Read them on the replica");
	narrate("polling the replica every millisecond:");
	narrate_sql(count_sql);
	if (!pair_wait_visible(d, count_sql, 0, NULL, 3, &visible_ms))
		return false;
	narrate("all three visible on the replica %.1f ms after the primary's commit returned",
		visible_ms);
	if (!db_query(d->replica.conn, "SELECT id, name, email FROM users ORDER BY id", 0, NULL,
		      QUERY_TIMEOUT_MS, 3, &res, &err)) {
		server_log_failure(&d->replica, "could not read users", &err);
		return false;
	}
	narrate_sql("SELECT id, name, email FROM users ORDER BY id");
	for (int i = 0; i < PQntuples(res); i++)
		narrate("  %3s | %-8s | %s", PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			PQgetvalue(res, i, 2));
	json_object_set_new(d->doc, "users",
			    json_pack("{s:i,s:i,s:f}", "inserted", 3, "visible_on_replica",
				      PQntuples(res), "visible_after_ms", visible_ms));
	PQclear(res);
	return true;
}

static bool write_on_replica(struct pair *d)
{
	static const char sql[] = "INSERT INTO users (name, email) VALUES ('Mallory', "
				  "'mallory@example.com')";
	struct db_error err;

	narrate_step("Try to write on the replica");
	narrate_sql(sql);
	if (db_exec(d->replica.conn, sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err)) {
		log_error("the replica (%s) accepted a write: it is not a standby",
			  d->replica.where);
		return false;
	}
	json_object_set_new(d->doc, "replica_write",
			    json_pack("{s:b,s:s,s:s}", "refused", 1, "sqlstate", err.sqlstate,
				      "message", err.message));
	narrate("refused: %s (SQLSTATE %s)", err.message, err.sqlstate);
	if (strcmp(err.sqlstate, SQLSTATE_READ_ONLY_TRANSACTION) != 0) {
		server_log_failure(&d->replica,
				   "the write failed for another reason than read-only", &err);
		return false;
	}
	narrate("A standby is in recovery: it only applies the primary's WAL, so every "
		"transaction");
	narrate("on it is read-only (SQLSTATE 25006, read_only_sql_transaction).  Nothing had to");
	narrate("be configured for that: standby.signal, written by pg_basebackup -R, is enough.");
	narrate("It takes writes only after promotion (pgrepl failover shows that).");
	return true;
}

/* One burst insert; *lsn is the primary's WAL insert position after it. */
static bool insert_one(struct pair *d, int i, lsn_t *lsn)
{
	char name[32], email[64], pos[32];
	const char *params[] = { name, email };
	struct db_error err;

	snprintf(name, sizeof(name), "user_%03d", i);
	snprintf(email, sizeof(email), "user_%03d@example.com", i);
	if (!db_value(d->primary.conn,
		      "INSERT INTO users (name, email) VALUES ($1, $2) RETURNING "
		      "pg_current_wal_insert_lsn()::text",
		      2, params, QUERY_TIMEOUT_MS, pos, sizeof(pos), &err)) {
		server_log_failure(&d->primary, "insert failed", &err);
		return false;
	}
	return lsn_parse(pos, lsn);
}

static bool replica_replay_lsn(struct pair *d, lsn_t *lsn)
{
	struct db_error err;
	char pos[32];

	if (!db_value(d->replica.conn, "SELECT pg_last_wal_replay_lsn()::text", 0, NULL,
		      QUERY_TIMEOUT_MS, pos, sizeof(pos), &err)) {
		server_log_failure(&d->replica, "could not read the replay position", &err);
		return false;
	}
	return lsn_parse(pos, lsn);
}

static bool burst(struct pair *d)
{
	long on_primary, at_end, on_replica;
	int64_t peak = 0;
	double start, insert_ms, caught_up_ms;

	narrate_step("Insert %d rows as fast as one client can, then compare counts", BURST_ROWS);
	narrate_sql("INSERT INTO users (name, email) VALUES ($1, $2)\n"
		    "    RETURNING pg_current_wal_insert_lsn()   -- one commit per row");
	narrate("after each insert the replica is asked how far it has replayed:");
	narrate_sql("SELECT pg_last_wal_replay_lsn()   -- on the replica");
	start = clock_now_ms();
	for (int i = 1; i <= BURST_ROWS; i++) {
		lsn_t written, replayed;

		if (!insert_one(d, i, &written) || !replica_replay_lsn(d, &replayed))
			return false;
		if (lsn_diff(written, replayed) > peak)
			peak = lsn_diff(written, replayed);
	}
	insert_ms = clock_now_ms() - start;
	if (!pair_count_users(&d->primary, &on_primary) || !pair_count_users(&d->replica, &at_end))
		return false;
	narrate("%d inserts took %.1f ms; right after the last one:", BURST_ROWS, insert_ms);
	narrate("  primary: %ld rows   replica: %ld rows%s", on_primary, at_end,
		at_end < on_primary ? "   (the replica is still replaying)" : "");
	if (!pair_wait_visible(d, "SELECT count(*) FROM users", 0, NULL, on_primary,
			       &caught_up_ms) ||
	    !pair_count_users(&d->replica, &on_replica))
		return false;
	narrate("the replica had all %ld rows %.1f ms later", on_primary, caught_up_ms);
	narrate("largest gap seen between the primary's WAL position and the replica's replay");
	narrate("position: %lld bytes", (long long) peak);
	json_object_set_new(d->doc, "bulk",
			    json_pack("{s:i,s:f,s:I,s:I,s:I,s:f,s:I}", "rows", BURST_ROWS,
				      "insert_ms", insert_ms, "primary_count",
				      (json_int_t) on_primary, "replica_count_after_burst",
				      (json_int_t) at_end, "replica_count", (json_int_t) on_replica,
				      "caught_up_after_ms", caught_up_ms, "peak_lag_bytes",
				      (json_int_t) peak));
	return true;
}

static int cmd_demo(const struct options *o, const struct targets *t, json_t *doc)
{
	struct pair d;
	double start = clock_now_ms();
	bool ok;

	if (!targets_require_both(t))
		return EXIT_USAGE;
	pair_init(&d, o, t, doc, "pgrepl-demo");
	ok = pair_check_roles(&d) && create_table(&d) && show_replication(&d) && insert_three(&d) &&
	     write_on_replica(&d) && burst(&d);
	json_object_set_new(doc, "elapsed_ms", json_real(clock_now_ms() - start));
	if (ok) {
		narrate_step("What this showed");
		narrate("- every change reached the replica through the WAL stream, in "
			"milliseconds;");
		narrate("- the replica serves reads but refuses writes while it is a standby;");
		narrate("- under a burst the replica trails the primary briefly, then catches up.");
	}
	pair_close(&d);
	return ok ? EXIT_OK : EXIT_FAIL;
}

static const struct opt demo_options[] = {
	OPT_END(),
};

const struct command cmd_demo_entry = {
	.name = "demo",
	.summary = "create a table, write on the primary, read on the replica,\n"
		   "try a write on the replica, measure lag over 100 inserts",
	.options = demo_options,
	.run = cmd_demo,
};
