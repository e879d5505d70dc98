/*
 * cmd_watch.c — "pgrepl watch": the primary's view of its standbys every
 * --interval ms, one JSON line per sample on stdout, flushed at once, so a
 * harness reading them over a pipe can timestamp them as they come.  Each
 * line also says how long the sample's query took (the cost of watching).
 * The newest WAL sender is the one sampled: after a partition the old one
 * lingers until wal_sender_timeout while the standby already streams on a
 * new connection.
 */
#include "clock.h"
#include "commands.h"
#include "log.h"
#include "pgjson.h"
#include "server.h"

#include <stdio.h>

static const char sample_sql[] = "SELECT application_name, pid, state,\n"
				 "       pg_wal_lsn_diff(pg_current_wal_lsn(), "
				 "replay_lsn)::bigint,\n"
				 "       round(extract(epoch FROM replay_lag) * 1000, 1)::float8,\n"
				 "       pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint,\n"
				 "       pg_wal_lsn_diff(sent_lsn, '0/0')::bigint\n"
				 "  FROM (SELECT 1) AS one LEFT JOIN (SELECT * FROM "
				 "pg_stat_replication WHERE application_name <> 'pg_basebackup'\n"
				 "                                    ORDER BY backend_start DESC "
				 "LIMIT 1) AS newest ON true";

static json_t *sample(struct server *s, struct db_error *err, double *took)
{
	double start = clock_now_ms();
	json_t *line;
	PGresult *res;

	if (!db_query(s->conn, sample_sql, 0, NULL, (int) s->connect_timeout_ms, 7, &res, err))
		return NULL;
	*took = clock_now_ms() - start;
	line = json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "standby", pgjson_text(res, 0, 0), "pid",
			 pgjson_integer(res, 0, 1), "state", pgjson_text(res, 0, 2), "lag_bytes",
			 pgjson_integer(res, 0, 3), "replay_lag_ms", pgjson_real(res, 0, 4),
			 "wal_bytes", pgjson_integer(res, 0, 5), "sent_bytes",
			 pgjson_integer(res, 0, 6));
	PQclear(res);
	return line;
}

static int cmd_watch(const struct options *o, const struct targets *t, json_t *doc)
{
	struct server primary;
	double start = clock_now_ms(), end = start + o->duration_s * 1000.0;
	long n = 0, failed = 0;
	double cost = 0;

	if (!t->primary) {
		log_error("no primary to watch");
		log_hint("give --primary, a config file, or PGREPL_PRIMARY");
		return EXIT_USAGE;
	}
	server_init(&primary, "primary", t->primary, (int) o->connect_timeout_ms);
	if (!server_connect(&primary, "pgrepl-watch"))
		return EXIT_FAIL;
	for (double next = start; next < end; next += o->interval_ms) {
		struct db_error err;
		double took = 0;
		json_t *line;

		clock_sleep_ms(next - clock_now_ms());
		line = primary.conn || server_connect(&primary, "pgrepl-watch")
			       ? sample(&primary, &err, &took)
			       : NULL;
		if (!line) {
			failed++;
			server_close(&primary);
			line = json_pack("{s:b}", "primary_unreachable", 1);
		}
		json_object_set_new(line, "t_ms", json_real(clock_now_ms() - start));
		json_object_set_new(line, "sample_ms", json_real(took));
		json_dumpf(line, stdout, JSON_COMPACT);
		putchar('\n');
		fflush(stdout);
		json_decref(line);
		n++;
		cost += took;
	}
	json_object_set_new(doc, "samples", json_integer(n));
	json_object_set_new(doc, "failed_samples", json_integer(failed));
	json_object_set_new(doc, "mean_sample_ms", json_real(n ? cost / n : 0));
	server_close(&primary);
	return EXIT_OK;
}

static const struct opt watch_options[] = {
	OPT_NUMBER(0, "duration", duration_s, "SECONDS", 1, 86400, 30, "how long to sample"),
	OPT_NUMBER(0, "interval", interval_ms, "MS", 10, 60000, 100, "time between samples"),
	OPT_END(),
};

const struct command cmd_watch_entry = {
	.name = "watch",
	.summary = "sample the primary's pg_stat_replication, one JSON line each\n"
		   "--interval (for experiments)",
	.options = watch_options,
	.run = cmd_watch,
};
