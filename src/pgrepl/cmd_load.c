/*
 * cmd_load.c — "pgrepl load": numbered rows written to the primary at a
 * steady rate, one transaction each, so that afterwards every acknowledged
 * write can be looked for by id.  A write that fails (the server went
 * away, a timeout) is counted, the connection is made again, and the next
 * id is tried: an id is acknowledged only when its commit returned.  A
 * failed id whose INSERT had been sent is "in doubt": it may have
 * committed without the acknowledgement arriving.
 *
 * With --until-failure it stops at the first failed write (a crash trial:
 * what was acknowledged before, and the one write in doubt).  Each commit's
 * latency is kept for the percentiles.
 *
 * With --follow the connection string lists the primary then the replica
 * with target_session_attrs=read-write, so after a failover the writes go
 * on wherever they are accepted; the longest time without an
 * acknowledgement is the downtime the client saw.
 *
 * Every write is also a record of its history (history.h): writer "load",
 * seq its id, the server that took it, and for an acknowledged one the WAL
 * position right after its commit (pg_current_wal_insert_lsn(), asked in
 * the same session once the commit returned, outside its latency).
 */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"
#include "commands.h"
#include "compare.h"
#include "history.h"
#include "log.h"
#include "narrate.h"
#include "server.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char drop_sql[] = "DROP TABLE IF EXISTS load_test";
static const char create_sql[] = "CREATE TABLE load_test (id bigint PRIMARY KEY, at timestamptz "
				 "NOT NULL DEFAULT now())";
static const char insert_sql[] = "INSERT INTO load_test (id) VALUES ($1)";
static const char lsn_sql[] = "SELECT pg_current_wal_insert_lsn()";

struct tally {
	double start;
	long acked, failed;
	json_t *ranges;	    /* acknowledged ids as [first, last] pairs */
	json_t *in_doubt;   /* failed ids whose INSERT was sent */
	json_t *failures;   /* the first few failures, with their errors */
	json_t *per_100ms;  /* acknowledgements in each 100 ms since the start */
	double *latency_ms; /* of each acknowledged write */
	double last_ack_ms, longest_gap_ms, gap_from_ms;
	json_t *history; /* a record per write (history.h) */
};

static void count_ack(struct tally *t, long id, double latency_ms)
{
	json_t *last = json_array_get(t->ranges, json_array_size(t->ranges) - 1);
	double now = clock_now_ms() - t->start;
	json_t *bucket;

	if (last && json_integer_value(json_array_get(last, 1)) == id - 1)
		json_array_set_new(last, 1, json_integer(id));
	else
		json_array_append_new(t->ranges,
				      json_pack("[I,I]", (json_int_t) id, (json_int_t) id));
	if (t->acked && now - t->last_ack_ms > t->longest_gap_ms) {
		t->longest_gap_ms = now - t->last_ack_ms;
		t->gap_from_ms = t->last_ack_ms;
	}
	t->last_ack_ms = now;
	t->latency_ms[t->acked++] = latency_ms;
	while (json_array_size(t->per_100ms) <= (size_t) (now / 100))
		json_array_append_new(t->per_100ms, json_integer(0));
	bucket = json_array_get(t->per_100ms, (size_t) (now / 100));
	json_integer_set(bucket, json_integer_value(bucket) + 1);
}

static void count_failure(struct tally *t, long id, bool sent, const char *message)
{
	t->failed++;
	if (sent)
		json_array_append_new(t->in_doubt, json_integer(id));
	if (json_array_size(t->failures) < 20)
		json_array_append_new(t->failures,
				      json_pack("{s:I,s:f,s:b,s:s}", "id", (json_int_t) id, "at_ms",
						clock_now_ms() - t->start, "sent", sent, "error",
						message));
}

/* Commit latency percentiles and the rate of acknowledgements. */
static json_t *speed(struct tally *t)
{
	double p50 = 0, p99 = 0;

	if (t->acked) {
		qsort(t->latency_ms, (size_t) t->acked, sizeof(double), compare_doubles);
		p50 = t->latency_ms[(t->acked - 1) / 2];
		p99 = t->latency_ms[(t->acked - 1) * 99 / 100];
	}
	return json_pack("{s:f,s:f,s:f}", "p50_ms", p50, "p99_ms", p99, "acks_per_s",
			 t->last_ack_ms > 0 ? (double) t->acked / (t->last_ack_ms / 1000) : 0.0);
}

static bool create_table(struct server *s)
{
	struct db_error err;

	narrate_sql(drop_sql);
	narrate_sql(create_sql);
	if (!server_connect(s, "pgrepl-load"))
		return false;
	if (db_exec(s->conn, drop_sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err) &&
	    db_exec(s->conn, create_sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err))
		return true;
	server_log_failure(s, "could not create load_test", &err);
	return false;
}

/* The history record of write id, sent at sent (history clock; < 0: never sent). */
static void record_write(struct tally *t, const struct server *s, const struct targets *tg,
			 bool follow, long id, double sent, const struct db_error *err)
{
	const char *server = follow ? targets_role_of(tg, s->conn) : "primary";
	char lsn[32] = "";
	struct db_error lsn_err;
	double answered = -1;
	const char *outcome = "ok";

	if (!err) {
		answered = history_now_ms();
		if (!db_value(s->conn, lsn_sql, 0, NULL, s->connect_timeout_ms, lsn, sizeof(lsn),
			      &lsn_err))
			lsn[0] = '\0';
	} else if (sent < 0) {
		outcome = "fail";
		sent = history_now_ms();
	} else {
		outcome = history_sent_outcome(err);
		if (strcmp(outcome, "fail") == 0)
			answered = history_now_ms();
	}
	json_array_append_new(t->history,
			      history_write("load", server, "load", id, sent, answered, outcome,
					    lsn[0] ? lsn : NULL, err ? err->message : NULL));
}

static void write_rows(const struct options *o, const struct targets *tg, struct server *s,
		       struct tally *t)
{
	double period = 1000.0 / o->rate;
	long total = o->rate * o->duration_s;
	struct db_error err;

	narrate_sql("INSERT INTO load_test (id) VALUES ($1)   -- id 1, 2, 3, ...");
	t->start = clock_now_ms();
	for (long id = 1; id <= total; id++) {
		char idtext[24];
		const char *params[] = { idtext };
		double sent, sent_at;

		clock_sleep_ms(t->start + (double) (id - 1) * period - clock_now_ms());
		snprintf(idtext, sizeof(idtext), "%ld", id);
		if (!s->conn) {
			s->conn = db_connect(s->conninfo, "pgrepl-load", s->connect_timeout_ms,
					     &err);
			if (!s->conn) {
				count_failure(t, id, false, err.message);
				record_write(t, s, tg, o->follow, id, -1, &err);
				if (o->until_failure)
					break;
				continue;
			}
		}
		sent_at = history_now_ms();
		sent = clock_now_ms();
		if (db_exec(s->conn, insert_sql, 1, params, s->connect_timeout_ms, NULL, &err)) {
			count_ack(t, id, clock_now_ms() - sent);
			record_write(t, s, tg, o->follow, id, sent_at, NULL);
			continue;
		}
		count_failure(t, id, true, err.message);
		record_write(t, s, tg, o->follow, id, sent_at, &err);
		server_close(s);
		if (o->until_failure)
			break;
	}
}

static int cmd_load(const struct options *o, const struct targets *t, json_t *doc)
{
	struct tally tally = { .ranges = json_array(),
			       .in_doubt = json_array(),
			       .failures = json_array(),
			       .per_100ms = json_array(),
			       .history = json_array() };
	char *conninfo = NULL;
	struct server target;
	int rc = EXIT_OK;

	if (o->follow && !targets_require_both(t))
		rc = EXIT_USAGE;
	else if (!o->follow && !t->primary) {
		log_error("no primary to write to");
		log_hint("give --primary, a config file, or PGREPL_PRIMARY");
		rc = EXIT_USAGE;
	}
	if (rc == EXIT_OK) {
		conninfo = o->follow ? targets_any_writable(t) : strdup(t->primary);
		tally.latency_ms = calloc((size_t) (o->rate * o->duration_s), sizeof(double));
		if (!conninfo || !tally.latency_ms)
			fatal("out of memory");
		server_init(&target, o->follow ? "writable server" : "primary", conninfo,
			    (int) o->connect_timeout_ms);
		narrate_step("Write %ld rows, %ld a second, to %s", o->rate * o->duration_s,
			     o->rate,
			     o->follow ? "whichever server accepts writes (primary, then replica)"
				       : "the primary");
		if (o->follow)
			narrate("connection string: %s", conninfo);
		rc = create_table(&target) ? EXIT_OK : EXIT_FAIL;
	}
	if (rc == EXIT_OK) {
		write_rows(o, t, &target, &tally);
		narrate("%ld writes acknowledged, %ld failed (%zu in doubt), in %.1f s",
			tally.acked, tally.failed, json_array_size(tally.in_doubt),
			(clock_now_ms() - tally.start) / 1000);
		json_object_set_new(doc, "rate", json_integer(o->rate));
		json_object_set_new(doc, "follow", json_boolean(o->follow));
		json_object_set_new(doc, "attempted", json_integer(o->rate * o->duration_s));
		json_object_set_new(doc, "acknowledged", json_integer(tally.acked));
		json_object_set_new(doc, "failed", json_integer(tally.failed));
		json_object_set_new(doc, "acknowledged_ranges", json_incref(tally.ranges));
		json_object_set_new(doc, "in_doubt_ids", json_incref(tally.in_doubt));
		json_object_set_new(doc, "failures", json_incref(tally.failures));
		json_object_set_new(doc, "acks_per_100ms", json_incref(tally.per_100ms));
		json_object_set_new(doc, "commits", speed(&tally));
		json_object_set_new(doc, "longest_gap_ms", json_real(tally.longest_gap_ms));
		json_object_set_new(doc, "longest_gap_from_ms", json_real(tally.gap_from_ms));
		json_object_set_new(doc, "elapsed_ms", json_real(clock_now_ms() - tally.start));
		history_attach(doc, json_incref(tally.history));
	}
	if (conninfo)
		server_close(&target);
	free(conninfo);
	json_decref(tally.ranges);
	json_decref(tally.in_doubt);
	json_decref(tally.failures);
	json_decref(tally.per_100ms);
	json_decref(tally.history);
	free(tally.latency_ms);
	return rc;
}

static const struct opt load_options[] = {
	OPT_NUMBER(0, "rate", rate, "N", 1, 10000, 100, "rows per second"),
	OPT_NUMBER(0, "duration", duration_s, "SECONDS", 1, 86400, 30, "how long to write"),
	OPT_FLAG(0, "follow", follow,
		 "connect to the primary or, once it is\n"
		 "promoted, the replica (libpq multi-host,\n"
		 "target_session_attrs=read-write)"),
	OPT_FLAG(0, "until-failure", until_failure, "stop at the first failed write"),
	OPT_END(),
};

const struct command cmd_load_entry = {
	.name = "load",
	.summary = "write numbered rows to the primary at a steady rate and count\n"
		   "the acknowledged ones (for experiments)",
	.options = load_options,
	.run = cmd_load,
};
