/*
 * exp_failover_pgbench.c — "replab experiment failover-under-load
 * --workload pgbench": pgbench (tpcb-like, PGBENCH_CLIENTS clients) runs
 * in the replica's member through a connection string that names the
 * primary then the replica with target_session_attrs=read-write.  At
 * --crash-at the primary crashes while "pgrepl failover" waits for it in
 * the replica; pgbench's clients abort with their server (pgbench does
 * not reconnect), pgrepl promotes the replica, and a second pgbench
 * through the same string writes to the new primary until --duration.
 *
 * Each transaction inserts one pgbench_history row, so the first run's
 * rows on the new primary (counted before the second run starts) against
 * the transactions that run saw committed (its per-transaction log) give
 * the acknowledged transactions lost, or those committed without an
 * answer (in doubt).  Also reported: the time from the last commit on the
 * old primary to the first on the new (on the replica's clock, both runs
 * being there), pgrepl's detection and promotion times, and whether the
 * new primary's balances agree (accounts, tellers, branches, history).
 * Each run keeps its commits per 100 ms from its first, which is on the
 * timeline with the events, for "replab report" (report_commits.c).
 */
#include "experiment.h"
#include "failover.h"
#include "history_log.h"
#include "lab/jsonfile.h"
#include "lab/node.h"
#include "log.h"
#include "pgbench.h"
#include "strutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/*
 * The second run's least length (s): pgbench's -T counts its clients'
 * connecting, which takes seconds under TCG (one second gave no commit).
 */
#define SECOND_RUN_MIN_S 10

/* pgbench_history's rows on server (the first run's, before the second); -1 (logged). */
static long long history_rows(const struct vm *server)
{
	json_t *rows = node_queryf(server, "count the pgbench_history rows", 1, 1,
				   "SELECT count(*) AS n FROM pgbench_history");
	long long n = -1;

	if (rows && !sql_int(sql_row(rows, 0), "n", &n))
		n = -1;
	json_decref(rows);
	return n;
}

/*
 * One pgbench run's result with its per-transaction log's figures
 * ("committed", "first_commit_ms", "last_commit_ms") added, or NULL
 * (logged).
 */
static json_t *run_finish(pid_t pid, int duration_s)
{
	json_t *r = pgbench_finish(pid, duration_s),
	       *tx = pgbench_transactions(lab_find_vm("replica"));

	if (!r || !tx) {
		json_decref(r);
		json_decref(tx);
		return NULL;
	}
	json_object_update(r, tx);
	json_decref(tx);
	return r;
}

/*
 * A run's commit times from the member's clock onto the timeline (ms since
 * its start, on the host's clock): "first_commit_t_ms", "last_commit_t_ms".
 */
static void on_timeline(json_t *run, const struct history_clock *c)
{
	static const char *const keys[][2] = { { "first_commit_ms", "first_commit_t_ms" },
					       { "last_commit_ms", "last_commit_t_ms" } };

	for (size_t i = 0; i < 2; i++) {
		json_t *v = json_object_get(run, keys[i][0]);

		json_object_set_new(run, keys[i][1],
				    json_is_number(v) ? json_real(history_clock_on_timeline(
								c, json_number_value(v)))
						      : json_null());
		json_object_del(run, keys[i][0]);
	}
}

/*
 * summary.pgbench from the two runs, the first run's rows found on the
 * new primary and its contents at the end.
 */
static json_t *summarize(json_t *before, json_t *after, long long found, json_t *contents)
{
	long long committed = jfield_int(before, "committed");
	json_t *first = json_object_get(after, "first_commit_t_ms"),
	       *last = json_object_get(before, "last_commit_t_ms");

	return json_pack("{s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o,s:O,s:I,s:O}", "committed_before_crash",
			 (json_int_t) committed, "aborted_clients_before",
			 jfield_int(before, "aborted"), "found_on_new_primary", (json_int_t) found,
			 "lost", (json_int_t) (committed > found ? committed - found : 0),
			 "in_doubt_committed",
			 (json_int_t) (found > committed ? found - committed : 0),
			 "committed_after", jfield_int(after, "committed"), "aborted_clients_after",
			 jfield_int(after, "aborted"), "downtime_ms",
			 json_is_number(first) && json_is_number(last)
				 ? json_real(json_number_value(first) - json_number_value(last))
				 : json_null(),
			 "balanced", json_object_get(contents, "balanced"), "history_rows",
			 jfield_int(json_object_get(contents, "pgbench_history"), "rows"),
			 "contents", contents);
}

static void print_summary(json_t *s)
{
	json_t *p = json_object_get(s, "pgbench");
	char downtime[64] = "not measured: no commit on the new primary";

	if (jfield_int(p, "committed_before_crash") == 0)
		xsnprintf(downtime, sizeof(downtime), "not measured: no commit before the crash");
	if (json_is_number(json_object_get(p, "downtime_ms")))
		xsnprintf(downtime, sizeof(downtime), "%.0f ms", jfield_real(p, "downtime_ms"));

	printf("\nsummary (pgbench -c %d):\n"
	       "  transactions committed before the crash %lld (as pgbench saw them)\n"
	       "  of them on the new primary              %lld (lost: %lld)\n"
	       "  committed without an answer (in doubt)  %lld\n"
	       "  transactions committed on the new primary %lld\n"
	       "  downtime (last commit to the next)      %s\n"
	       "  balances agree on the new primary       %s\n"
	       "  primary loss detected                   %.0f ms after its last answer\n"
	       "  promotion (pg_promote)                  %.0f ms\n",
	       PGBENCH_CLIENTS, (long long) jfield_int(p, "committed_before_crash"),
	       (long long) (jfield_int(p, "committed_before_crash") - jfield_int(p, "lost")),
	       (long long) jfield_int(p, "lost"), (long long) jfield_int(p, "in_doubt_committed"),
	       (long long) jfield_int(p, "committed_after"), downtime,
	       json_is_true(json_object_get(p, "balanced"))
		       ? "yes (accounts = tellers = branches = history deltas)"
		       : "NO",
	       jfield_real(s, "detection_ms"), jfield_real(s, "promote_ms"));
	if (jfield_int(p, "lost"))
		printf("\n  pgbench saw those transactions committed, but they had not reached "
		       "the\n"
		       "  replica when the primary crashed: asynchronous replication.\n");
	printf("\n  The lab has failed over: the old primary is down.  Start afresh with\n"
	       "  replab down && replab up.\n");
}

/* Run the trial into *doc; false (logged) when something failed. */
static bool trial(const struct experiment_options *o, struct timeline *x, json_t **doc)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	json_t *failover = NULL, *before = NULL, *after = NULL, *contents = NULL, *s;
	struct history_clock c;
	long long found = -1;
	char conninfo[256];
	int rest;
	pid_t pid;

	pgbench_writable_conninfo(conninfo, sizeof(conninfo));
	/* pgbench's tables made and on the replica before the clock starts. */
	if (!pgbench_init(replica, conninfo) || standby_caught_up(primary, "replica", 120000) < 0)
		return false;
	timeline_begin(x);
	if ((pid = pgbench_start(replica, conninfo, o->duration_s, "pgbench-before.log")) < 0)
		return false;
	timeline_event(x, "pgbench started");
	failover = failover_under_load(x, o->crash_at_s * 1000.0, pid, pgbench_done, "pgbench");
	before = run_finish(pid, o->duration_s);
	timeline_event(x, "pgbench's first run ended");
	if (failover && before)
		found = history_rows(replica);
	/* The second run until --duration, for SECOND_RUN_MIN_S at least. */
	rest = o->duration_s - (int) floor(timeline_ms(x) / 1000);
	rest = rest > SECOND_RUN_MIN_S ? rest : SECOND_RUN_MIN_S;
	if (found >= 0 && (pid = pgbench_start(replica, conninfo, rest, "pgbench-after.log")) > 0) {
		timeline_event(x, "pgbench started again");
		after = run_finish(pid, rest);
		timeline_event(x, "pgbench's second run ended");
	}
	if (after && history_clock_measure(replica, x, &c)) {
		on_timeline(before, &c);
		on_timeline(after, &c);
		contents = pgbench_contents(replica);
	}
	if (contents) {
		s = json_pack("{s:o,s:f,s:f}", "pgbench", summarize(before, after, found, contents),
			      "detection_ms",
			      jfield_real(json_object_get(failover, "detection"), "detection_ms"),
			      "promote_ms",
			      jfield_real(json_object_get(failover, "promotion"), "promote_ms"));
		print_summary(s);
		*doc = json_pack("{s:s,s:s,s:i,s:i,s:i,s:o,s:O,s:O,s:O,s:{s:O,s:O,s:s}}",
				 "experiment", "failover-under-load", "workload", "pgbench",
				 "duration_s", o->duration_s, "crash_at_s", o->crash_at_s, "trials",
				 1, "summary", s, "events", x->events, "samples", x->samples,
				 "failover", failover, "pgbench", "before", before, "after", after,
				 "clock", c.how);
	}
	json_decref(failover);
	json_decref(before);
	json_decref(after);
	json_decref(contents);
	return contents != NULL;
}

int experiment_failover_pgbench(const struct experiment_options *o)
{
	struct timeline x = { 0 };
	json_t *doc = NULL;
	int rc = EXIT_FAIL;

	printf("failover-under-load: pgbench -c %d for %d s from the replica's side, through\n"
	       "the writable server; the primary crashes at %d s and the replica is promoted,\n"
	       "then pgbench starts again on it\n",
	       PGBENCH_CLIENTS, o->duration_s, o->crash_at_s);
	if (trial(o, &x, &doc) && experiment_save(doc, "failover-under-load", o->json_path))
		rc = EXIT_OK;
	json_decref(doc);
	timeline_free(&x);
	return rc;
}
