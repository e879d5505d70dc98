/*
 * cmd_failover.c — "pgrepl failover": while someone else stops the primary,
 * notice it is gone, keep reading on the replica, promote the replica with
 * pg_promote() and write to it; measure detection and recovery time.  With
 * --detect-only it is the failure detector alone: it writes nothing, stops
 * once the primary is found gone (or --wait is over) and promotes nothing.
 * Every probe is a read of the JSON's history (history.h), session
 * "detector": ok, fail (an error came back, or no connection), unknown (no
 * answer within the timeout).
 */
#include "clock.h"
#include "commands.h"
#include "history.h"
#include "log.h"
#include "narrate.h"
#include "pair.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROGRESS_EVERY_MS 10000.0

struct failover {
	struct pair pair;
	const struct options *o;
	char marker_id[32];
	double last_ok_ms;  /* clock time of the last probe the primary answered */
	double detected_ms; /* clock time the first failed probe returned */
	long probes;	    /* probes sent, the failed one included */
	bool detected;	    /* a probe failed (not just --wait over, with --detect-only) */
	json_t *history;    /* the probes' records */
};

static bool write_marker(struct failover *f)
{
	char email[64];
	const char *params[] = { email };
	const char *id_param[] = { f->marker_id };
	struct db_error err;
	double visible_ms;
	long rows;

	narrate_step("Write a row on the primary and see it replicated");
	if (!pair_run(&f->pair.primary, pair_users_create_sql))
		return false;
	snprintf(email, sizeof(email), "dave.%.0f@example.com", clock_now_ms());
	narrate_sql("INSERT INTO users (name, email) VALUES ('Dave', $1) RETURNING id");
	if (!db_value(f->pair.primary.conn,
		      "INSERT INTO users (name, email) VALUES ('Dave', $1) RETURNING id", 1, params,
		      QUERY_TIMEOUT_MS, f->marker_id, sizeof(f->marker_id), &err)) {
		server_log_failure(&f->pair.primary, "insert failed", &err);
		return false;
	}
	if (!pair_wait_visible(&f->pair, "SELECT count(*) FROM users WHERE id = $1", 1, id_param, 1,
			       &visible_ms) ||
	    !pair_count_users(&f->pair.replica, &rows))
		return false;
	narrate("row %s is on the replica (%.1f ms); the replica holds %ld users", f->marker_id,
		visible_ms, rows);
	json_object_set_new(f->pair.doc, "before",
			    json_pack("{s:s,s:f,s:I}", "marker_id", f->marker_id,
				      "marker_visible_after_ms", visible_ms, "replica_rows",
				      (json_int_t) rows));
	return true;
}

/* One probe of the primary, bounded by the connect timeout, onto the history. */
static bool probe_primary(struct failover *f, struct db_error *err)
{
	struct server *p = &f->pair.primary;
	double sent = history_now_ms(), answered;
	const char *outcome = "fail";
	bool ok = false;

	if (!p->conn)
		p->conn = db_connect(p->conninfo, f->pair.app_name, p->connect_timeout_ms, err);
	if (p->conn) {
		ok = db_exec(p->conn, "SELECT 1", 0, NULL, p->connect_timeout_ms, NULL, err);
		outcome = ok ? "ok" : history_sent_outcome(err);
		if (!ok)
			server_close(p);
	}
	answered = strcmp(outcome, "unknown") == 0 ? -1 : history_now_ms();
	/* A probe reads no writer's rows: an answered one saw none ("seen": {}). */
	json_array_append_new(f->history, history_read("detector", "primary", sent, answered,
						       outcome, ok ? json_object() : NULL, NULL,
						       ok ? NULL : err->message));
	return ok;
}

/* The detector's figures: how it probed, how long it waited, and what it found. */
static void record_detection(struct failover *f, double start, const char *error)
{
	json_t *d = json_pack("{s:b,s:I,s:I,s:I,s:f}", "detected", f->detected, "probe_interval_ms",
			      (json_int_t) f->o->probe_interval_ms, "probe_timeout_ms",
			      (json_int_t) f->o->connect_timeout_ms, "probes",
			      (json_int_t) f->probes, "waited_ms", clock_now_ms() - start);

	if (f->detected) {
		json_object_set_new(d, "detection_ms", json_real(f->detected_ms - f->last_ok_ms));
		json_object_set_new(d, "error", json_string(error));
	}
	json_object_set_new(f->pair.doc, "detection", d);
}

/*
 * Probe until a probe fails.  Past --wait that is a failure, except with
 * --detect-only, where a primary that answered all along is the result.
 */
static bool wait_for_primary_to_go(struct failover *f)
{
	double start = clock_now_ms(), next_progress = start + PROGRESS_EVERY_MS;
	double deadline = start + f->o->wait_s * 1000.0;
	struct db_error err;

	f->last_ok_ms = start;
	narrate_step(f->o->detect_only ? "Watch the primary" : "Stop the primary now");
	narrate("waiting for the primary to stop: probing it with SELECT 1 every %ld ms",
		f->o->probe_interval_ms);
	narrate("(a probe that gets no answer within %ld ms counts as failed)",
		f->o->connect_timeout_ms);
	for (;;) {
		double now;

		f->probes++;
		if (!probe_primary(f, &err))
			break;
		now = f->last_ok_ms = clock_now_ms();
		if (now > deadline && f->o->detect_only) {
			narrate("the primary answered all %ld probes in %ld s: not declared gone",
				f->probes, f->o->wait_s);
			record_detection(f, start, NULL);
			return true;
		}
		if (now > deadline) {
			log_error("the primary (%s) still answers after %ld s",
				  f->pair.primary.where, f->o->wait_s);
			log_hint("stop the primary (for example \"replab stop primary\"), or raise "
				 "--wait");
			return false;
		}
		if (now > next_progress) {
			narrate("... the primary still answers after %.0f s", (now - start) / 1000);
			next_progress += PROGRESS_EVERY_MS;
		}
		clock_sleep_ms(f->o->probe_interval_ms);
	}
	f->detected_ms = clock_now_ms();
	f->detected = true;
	narrate("the primary is gone: %s", err.message);
	narrate("noticed %.0f ms after its last answer (probe %ld)", f->detected_ms - f->last_ok_ms,
		f->probes);
	record_detection(f, start, err.message);
	return true;
}

static bool read_during_outage(struct failover *f)
{
	const char *id_param[] = { f->marker_id };
	struct db_error err;
	char present[8];
	bool in_recovery;
	long rows;

	narrate_step("Read on the replica while the primary is down");
	narrate_sql("SELECT count(*) FROM users");
	if (!pair_count_users(&f->pair.replica, &rows) ||
	    !db_value(f->pair.replica.conn, "SELECT count(*) > 0 FROM users WHERE id = $1", 1,
		      id_param, QUERY_TIMEOUT_MS, present, sizeof(present), &err)) {
		log_error("the replica stopped serving reads: %s", err.message);
		return false;
	}
	if (!server_in_recovery(&f->pair.replica, &in_recovery))
		return false;
	narrate("%ld users, Dave (row %s) %s; pg_is_in_recovery() = %s", rows, f->marker_id,
		present[0] == 't' ? "included" : "MISSING", in_recovery ? "true" : "false");
	narrate("The standby keeps answering reads with the data it had replayed.  It is still");
	narrate("read-only: it does not know whether the primary is gone for good, and nothing in");
	narrate("PostgreSQL promotes it by itself.  That decision belongs to a person or a tool.");
	json_object_set_new(f->pair.doc, "reads_during_outage",
			    json_pack("{s:b,s:I,s:b,s:b}", "ok", 1, "rows", (json_int_t) rows,
				      "marker_present", present[0] == 't', "in_recovery",
				      in_recovery));
	return true;
}

static bool promote(struct failover *f)
{
	char wait_s[16], promoted[8];
	const char *params[] = { wait_s };
	struct db_error err;
	double start, took;

	narrate_step("Promote the replica");
	snprintf(wait_s, sizeof(wait_s), "%ld", f->o->promote_timeout_s);
	narrate_sql("SELECT pg_promote(wait => true, wait_seconds => $1)");
	start = clock_now_ms();
	if (!db_value(f->pair.replica.conn, "SELECT pg_promote(wait => true, wait_seconds => $1)",
		      1, params, (int) (f->o->promote_timeout_s * 1000 + 5000), promoted,
		      sizeof(promoted), &err)) {
		server_log_failure(&f->pair.replica, "pg_promote() failed", &err);
		if (strcmp(err.sqlstate, "42501") == 0)
			log_hint("the role needs GRANT EXECUTE ON FUNCTION pg_promote TO it, or "
				 "superuser");
		return false;
	}
	took = clock_now_ms() - start;
	if (promoted[0] != 't') {
		log_error("promotion did not finish within %ld s", f->o->promote_timeout_s);
		log_hint("look at the replica's server log; raise --promote-timeout if it is just "
			 "slow");
		return false;
	}
	narrate("promoted in %.1f ms: the replica left recovery, started a new timeline and now",
		took);
	narrate("accepts writes");
	json_object_set_new(f->pair.doc, "promotion",
			    json_pack("{s:b,s:f}", "ok", 1, "promote_ms", took));
	return true;
}

static bool write_after(struct failover *f)
{
	static const char *const steps[][2] = {
		{ "insert", "INSERT INTO users (name, email) VALUES\n"
			    "    ('Erin', 'erin.' || clock_timestamp() || '@example.com'),\n"
			    "    ('Frank', 'frank.' || clock_timestamp() || '@example.com')" },
		{ "update", "UPDATE users SET name = 'Erin (after failover)' WHERE name = 'Erin'" },
		{ "delete", "DELETE FROM users WHERE name = 'Frank'" },
	};
	json_t *writes = json_object();
	double first_write = 0;
	bool in_recovery;

	narrate_step("Write to the promoted server");
	json_object_set_new(f->pair.doc, "writes", writes);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (!pair_run(&f->pair.replica, steps[i][1]))
			return false;
		if (first_write == 0)
			first_write = clock_now_ms();
		json_object_set_new(writes, steps[i][0], json_true());
	}
	if (!server_in_recovery(&f->pair.replica, &in_recovery))
		return false;
	narrate("INSERT, UPDATE and DELETE committed; pg_is_in_recovery() = %s",
		in_recovery ? "true" : "false");
	narrate("first write committed %.0f ms after the primary was found gone",
		first_write - f->detected_ms);
	json_object_set_new(f->pair.doc, "new_primary_in_recovery", json_boolean(in_recovery));
	json_object_set_new(f->pair.doc, "rto_ms", json_real(first_write - f->detected_ms));
	json_object_set_new(f->pair.doc, "downtime_ms", json_real(first_write - f->last_ok_ms));
	return true;
}

static int cmd_failover(const struct options *o, const struct targets *t, json_t *doc)
{
	struct failover f = { .o = o, .history = json_array() };
	bool ok;

	if (!targets_require_both(t)) {
		json_decref(f.history);
		return EXIT_USAGE;
	}
	pair_init(&f.pair, o, t, doc, "pgrepl-failover");
	history_attach(doc, f.history);
	if (o->detect_only) {
		ok = pair_check_roles(&f.pair) && wait_for_primary_to_go(&f);
		if (ok)
			narrate("--detect-only: nothing written, nothing promoted; the replica is "
				"still a standby");
		pair_close(&f.pair);
		return ok ? EXIT_OK : EXIT_FAIL;
	}
	ok = pair_check_roles(&f.pair) && write_marker(&f) && wait_for_primary_to_go(&f) &&
	     read_during_outage(&f) && promote(&f) && write_after(&f);
	if (ok) {
		narrate_step("What this showed");
		narrate("- losing the primary does not stop reads: the standby keeps serving "
			"them;");
		narrate("- writes resume only once someone promotes the standby (pg_promote());");
		narrate("- clients must now be pointed at the new primary, and the old one must "
			"not");
		narrate("  come back as a primary too, or there are two (a split brain).");
	}
	pair_close(&f.pair);
	return ok ? EXIT_OK : EXIT_FAIL;
}

static const struct opt failover_options[] = {
	OPT_NUMBER(0, "probe-interval", probe_interval_ms, "MS", 10, 60000, 200,
		   "probe the primary every MS ms"),
	OPT_NUMBER(0, "wait", wait_s, "SECONDS", 1, 86400, 300,
		   "wait at most SECONDS for the primary to\nstop"),
	OPT_NUMBER(0, "promote-timeout", promote_timeout_s, "SECONDS", 1, 3600, 60,
		   "give pg_promote() at most SECONDS"),
	OPT_FLAG(0, "detect-only", detect_only,
		 "only watch: stop once the primary is found\ngone, or after --wait with "
		 "it still\nanswering (exit 0 both ways, "
		 "\"detected\"\nin --json); write and promote nothing"),
	OPT_END(),
};

const struct command cmd_failover_entry = {
	.name = "failover",
	.summary = "wait for the primary to go away, keep reading on the replica,\n"
		   "promote it with pg_promote() and write to it",
	.options = failover_options,
	.run = cmd_failover,
};
