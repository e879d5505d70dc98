/*
 * cmd_readers.c — "pgrepl readers": clients that write on the primary and
 * read straight after on a standby, the way an application that sends its
 * reads to a hot standby does.  --clients sessions at once, each up to --rate
 * operations a second for --duration seconds: it writes its next seq into
 * reads_test (writer, seq) on the primary, asks for the WAL position right
 * after the commit, then reads every writer's highest seq on a standby
 * together with the standby's replay position, in one query.  With
 * --standbys 2 a session's reads alternate between the replica and
 * replica2 (its connection string from the config file's "replica2" or
 * $PGREPL_REPLICA2),
 * so that it can see a seq and then, on the other standby, not see it.
 *
 * Every write and read is a record of the history (history.h); whether a
 * read missed a write acknowledged before it began is for the checker
 * reading the history to say, not for the client.
 */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"
#include "commands.h"
#include "compare.h"
#include "history.h"
#include "log.h"
#include "narrate.h"
#include "server.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CLIENTS 64
/* What a session's name is made of (it is the writer's name in reads_test and the history). */
#define NAME_CHARS                                                       \
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" \
	"_-.:/"

static const char drop_sql[] = "DROP TABLE IF EXISTS reads_test";
static const char create_sql[] = "CREATE TABLE reads_test (writer text, seq bigint, at "
				 "timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (writer, seq))";
static const char insert_sql[] = "INSERT INTO reads_test (writer, seq) VALUES ($1, $2)";
static const char lsn_sql[] = "SELECT pg_current_wal_insert_lsn()";
static const char read_sql[] = "SELECT coalesce((SELECT json_object_agg(writer, m) FROM"
			       " (SELECT writer, max(seq) AS m FROM reads_test GROUP BY writer)"
			       " AS s), '{}')::text, pg_last_wal_replay_lsn()::text";
static const char visible_sql[] = "SELECT to_regclass('reads_test') IS NOT NULL";

/* One standby a session reads on. */
struct standby {
	const char *name, *conninfo;
};

struct client {
	pthread_t thread;
	char name[48];
	const struct options *o;
	const struct standby *standbys;
	int nstandbys;
	double start; /* clock_now_ms() of the first operation, shared by all */
	json_t *records;
	double *commit_ms; /* of each acknowledged write */
	long ncommits;
};

/* A connection of a session: made when needed, dropped after a failure without an answer. */
static PGconn *connection(PGconn **conn, const char *conninfo, int timeout_ms, struct db_error *err)
{
	if (!*conn)
		*conn = db_connect(conninfo, "pgrepl-readers", timeout_ms, err);
	return *conn;
}

static void drop_connection(PGconn **conn)
{
	PQfinish(*conn);
	*conn = NULL;
}

static void write_seq(struct client *c, PGconn **conn, const char *conninfo, long seq)
{
	int timeout = (int) c->o->connect_timeout_ms;
	char seqtext[24], lsn[32] = "";
	const char *params[] = { c->name, seqtext };
	const char *outcome = "ok";
	struct db_error err, lsn_err;
	double sent = history_now_ms(), began, answered = -1;

	snprintf(seqtext, sizeof(seqtext), "%ld", seq);
	if (!connection(conn, conninfo, timeout, &err)) {
		json_array_append_new(c->records,
				      history_write(c->name, "primary", c->name, seq, sent, -1,
						    "fail", NULL, err.message));
		return;
	}
	began = clock_now_ms();
	if (db_exec(*conn, insert_sql, 2, params, timeout, NULL, &err)) {
		c->commit_ms[c->ncommits++] = clock_now_ms() - began;
		answered = history_now_ms();
		if (!db_value(*conn, lsn_sql, 0, NULL, timeout, lsn, sizeof(lsn), &lsn_err))
			lsn[0] = '\0';
	} else {
		outcome = history_sent_outcome(&err);
		if (strcmp(outcome, "fail") == 0)
			answered = history_now_ms();
		else
			drop_connection(conn);
	}
	json_array_append_new(c->records,
			      history_write(c->name, "primary", c->name, seq, sent, answered,
					    outcome, lsn[0] ? lsn : NULL,
					    strcmp(outcome, "ok") != 0 ? err.message : NULL));
}

static void read_standby(struct client *c, PGconn **conn, const struct standby *s)
{
	int timeout = (int) c->o->connect_timeout_ms;
	double sent = history_now_ms();
	json_t *seen = NULL;
	struct db_error err;
	PGresult *res;

	if (!connection(conn, s->conninfo, timeout, &err)) {
		json_array_append_new(c->records, history_read(c->name, s->name, sent, -1, "fail",
							       NULL, NULL, err.message));
		return;
	}
	if (!db_query(*conn, read_sql, 0, NULL, timeout, 2, &res, &err)) {
		bool answered = err.sqlstate[0] != '\0';

		json_array_append_new(c->records, history_read(c->name, s->name, sent,
							       answered ? history_now_ms() : -1,
							       answered ? "fail" : "unknown", NULL,
							       NULL, err.message));
		if (!answered)
			drop_connection(conn);
		return;
	}
	if (PQntuples(res) == 1)
		seen = json_loads(PQgetvalue(res, 0, 0), 0, NULL);
	json_array_append_new(c->records,
			      history_read(c->name, s->name, sent, history_now_ms(),
					   seen ? "ok" : "fail", seen,
					   PQntuples(res) == 1 && !PQgetisnull(res, 0, 1)
						   ? PQgetvalue(res, 0, 1)
						   : NULL,
					   seen ? NULL : "unexpected result"));
	PQclear(res);
}

static void *run_client(void *arg)
{
	struct client *c = arg;
	double period = 1000.0 / (double) c->o->rate;
	long total = c->o->rate * c->o->duration_s;
	PGconn *primary = NULL, *standby[2] = { NULL, NULL };

	double end = c->start + (double) c->o->duration_s * 1000;

	/* At most --rate a second, and no longer than --duration when the servers are slower. */
	for (long seq = 1; seq <= total && clock_now_ms() < end; seq++) {
		int k = (int) ((seq - 1) % c->nstandbys);

		clock_sleep_ms(c->start + (double) (seq - 1) * period - clock_now_ms());
		write_seq(c, &primary, c->o->primary_conninfo, seq);
		read_standby(c, &standby[k], &c->standbys[k]);
	}
	PQfinish(primary);
	PQfinish(standby[0]);
	PQfinish(standby[1]);
	return NULL;
}

static bool create_table(const struct options *o, const char *primary)
{
	struct server s;
	struct db_error err;
	bool ok;

	server_init(&s, "primary", primary, (int) o->connect_timeout_ms);
	narrate_sql(drop_sql);
	narrate_sql(create_sql);
	if (!server_connect(&s, "pgrepl-readers"))
		return false;
	ok = db_exec(s.conn, drop_sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err) &&
	     db_exec(s.conn, create_sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err);
	if (!ok)
		server_log_failure(&s, "could not create reads_test", &err);
	server_close(&s);
	return ok;
}

/* Wait until the standby has replayed the new table, up to QUERY_TIMEOUT_MS. */
static bool table_visible(const struct options *o, const struct standby *sb)
{
	double deadline = clock_now_ms() + QUERY_TIMEOUT_MS;
	struct server s;
	struct db_error err = { .message = "" };
	char value[8] = "";

	server_init(&s, sb->name, sb->conninfo, (int) o->connect_timeout_ms);
	if (!server_connect(&s, "pgrepl-readers"))
		return false;
	while (clock_now_ms() < deadline &&
	       db_value(s.conn, visible_sql, 0, NULL, QUERY_TIMEOUT_MS, value, sizeof(value),
			&err) &&
	       strcmp(value, "t") != 0)
		clock_sleep_ms(50);
	server_close(&s);
	if (strcmp(value, "t") == 0)
		return true;
	log_error("the %s did not show reads_test within %d s%s%s", sb->name,
		  QUERY_TIMEOUT_MS / 1000, err.message[0] ? ": " : "", err.message);
	log_hint("is it a standby of the primary, and streaming?");
	return false;
}

/* Commit latency p50, p99 and max over every client's acknowledged writes. */
static json_t *commits(struct client *c, int n)
{
	long total = 0, at = 0;
	double *all;
	json_t *out;

	for (int i = 0; i < n; i++)
		total += c[i].ncommits;
	all = calloc((size_t) (total ? total : 1), sizeof(double));
	if (!all)
		fatal("out of memory");
	for (int i = 0; i < n; i++)
		for (long j = 0; j < c[i].ncommits; j++)
			all[at++] = c[i].commit_ms[j];
	qsort(all, (size_t) total, sizeof(double), compare_doubles);
	out = json_pack("{s:I,s:f,s:f,s:f}", "acknowledged", (json_int_t) total, "p50_ms",
			total ? all[(total - 1) / 2] : 0.0, "p99_ms",
			total ? all[(total - 1) * 99 / 100] : 0.0, "max_ms",
			total ? all[total - 1] : 0.0);
	free(all);
	return out;
}

static int cmd_readers(const struct options *o, const struct targets *t, json_t *doc)
{
	struct standby standbys[2] = { { "replica", t->replica }, { "replica2", t->replica2 } };
	int nstandbys = (int) o->standbys, n = (int) o->clients, started = 0;
	const char *prefix = o->session_prefix ? o->session_prefix : "";
	struct client *c;
	struct options oc = *o;
	json_t *history = json_array();
	double start;

	if (!targets_require_both(t))
		return EXIT_USAGE;
	if (strlen(prefix) > 32 || strspn(prefix, NAME_CHARS) != strlen(prefix)) {
		log_error("invalid --session-prefix \"%s\"", prefix);
		log_hint("up to 32 letters, digits and \"_-.:/\"");
		return EXIT_USAGE;
	}
	if (nstandbys == 2 && !t->replica2) {
		log_error("no replica2 to read on");
		log_hint("give a \"replica2 = CONNINFO\" line in the config file, or "
			 "PGREPL_REPLICA2");
		return EXIT_USAGE;
	}
	oc.primary_conninfo = t->primary;
	narrate_step("%d sessions write on the primary and read on the %s, %ld times a second "
		     "each for %ld s",
		     n, nstandbys == 2 ? "replica and replica2 in turn" : "replica", o->rate,
		     o->duration_s);
	if (!create_table(o, t->primary))
		return EXIT_FAIL;
	for (int k = 0; k < nstandbys; k++)
		if (!table_visible(o, &standbys[k]))
			return EXIT_FAIL;
	narrate_sql("INSERT INTO reads_test (writer, seq) VALUES ($1, $2)   -- on the primary");
	narrate_sql("SELECT writer, max(seq) ... GROUP BY writer, pg_last_wal_replay_lsn()   -- "
		    "on a standby");
	c = calloc((size_t) n, sizeof(*c));
	if (!c)
		fatal("out of memory");
	start = clock_now_ms() + 50;
	for (int i = 0; i < n; i++) {
		c[i] = (struct client){ .o = &oc,
					.standbys = standbys,
					.nstandbys = nstandbys,
					.start = start,
					.records = json_array(),
					.commit_ms = calloc((size_t) (o->rate * o->duration_s),
							    sizeof(double)) };
		snprintf(c[i].name, sizeof(c[i].name), "%sc%d", prefix, i + 1);
		if (!c[i].records || !c[i].commit_ms)
			fatal("out of memory");
	}
	for (; started < n; started++)
		if (pthread_create(&c[started].thread, NULL, run_client, &c[started]) != 0)
			fatal("could not start a client thread");
	for (int i = 0; i < n; i++) {
		pthread_join(c[i].thread, NULL);
		json_array_extend(history, c[i].records);
	}
	history_sort(history);
	narrate("%zu operations in %.1f s", json_array_size(history),
		(clock_now_ms() - start) / 1000);
	json_object_set_new(doc, "clients", json_integer(n));
	json_object_set_new(doc, "rate", json_integer(o->rate));
	json_object_set_new(doc, "duration_s", json_integer(o->duration_s));
	json_object_set_new(doc, "standbys", json_integer(nstandbys));
	json_object_set_new(doc, "commits", commits(c, n));
	history_attach(doc, history);
	for (int i = 0; i < n; i++) {
		json_decref(c[i].records);
		free(c[i].commit_ms);
	}
	free(c);
	return EXIT_OK;
}

static const struct opt readers_options[] = {
	OPT_NUMBER(0, "clients", clients, "N", 1, MAX_CLIENTS, 4, "sessions at once"),
	OPT_NUMBER(0, "rate", rate, "N", 1, 10000, 100,
		   "writes (each followed by a read) per second,\neach session"),
	OPT_NUMBER(0, "duration", duration_s, "SECONDS", 1, 86400, 30, "how long to go on"),
	OPT_STRING(0, "session-prefix", session_prefix, "PREFIX",
		   "name the sessions PREFIXc1, PREFIXc2, ...\n(default c1, c2, ...)"),
	OPT_NUMBER(0, "standbys", standbys, "N", 1, 2, 1,
		   "2: each session's reads alternate between\nthe replica and replica2"),
	OPT_END(),
};

const struct command cmd_readers_entry = {
	.name = "readers",
	.summary = "sessions that write on the primary and read straight after on a\n"
		   "standby, each operation kept in a history (for experiments)",
	.options = readers_options,
	.run = cmd_readers,
};
