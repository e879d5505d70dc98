/*
 * exp_rpo.c — "replab experiment rpo": what synchronous replication buys
 * and what it costs, side by side in one run.  The same trial is repeated
 * --trials times in each of three modes:
 *
 *   async         synchronous_standby_names = ''    (the lab's default)
 *   sync          synchronous_standby_names = '*', synchronous_commit = on
 *   remote_apply  synchronous_standby_names = '*', synchronous_commit = remote_apply
 *
 * A trial: a write load from the standby's side (pgrepl load --follow
 * --until-failure, one commit after another) until the primary's server is
 * killed (all its processes at once) 1-2 s in; the standby is promoted and
 * searched for every acknowledged write (by id) and for the one write in
 * doubt (sent, never answered); then the old primary is rewound into a
 * standby of the new one (pg_rewind), so the roles swap for the next trial;
 * with a saved lab (lab/saved.h) each trial starts from it instead (replab
 * reset), so trials are independent, and the lab is left as saved.
 * Per mode: acknowledged writes lost, the trials that lost any with the
 * 95% interval of that proportion (trials.h), writes in doubt and how many
 * of them committed, commit latency p50/p99 and throughput.
 *
 * Every trial's load history goes into the one rpo.history.jsonl, as
 * writer and session "MODE-N" (the load numbers its writes from 1 in each
 * trial), and is checked against the promoted standby (losses.h): each
 * trial's "checks".
 */
#define _GNU_SOURCE
#include "clock.h"
#include "compare.h"
#include "experiment.h"
#include "history_log.h"
#include "lab/snapshot.h"
#include "interrupt.h"
#include "log.h"
#include "lab/node.h"
#include "losses.h"
#include "strutil.h"
#include "trials.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct mode {
	const char *name, *standby_names, *commit;
} modes[] = {
	{ "async", "", "on" },
	{ "sync", "*", "on" },
	{ "remote_apply", "*", "remote_apply" },
};

struct pair {
	const struct vm *primary, *standby;
};

static bool set_mode(const struct vm *vm, const struct mode *m)
{
	return experiment_set(vm, "synchronous_standby_names", m->standby_names) &&
	       experiment_set(vm, "synchronous_commit", m->commit);
}

/*
 * "state|sync_state" of the standby in the primary's pg_stat_replication, or
 * "none"; buf stays as it was when the primary could not be asked.
 */
static void replication_state(const struct pair *p, char *buf, size_t len)
{
	json_t *rows = node_queryf(p->primary, "read pg_stat_replication", SQL_ANY_ROWS, 2,
				   "SELECT state, sync_state FROM pg_stat_replication"
				   " WHERE application_name = '%s'"
				   " ORDER BY state DESC, sync_state DESC LIMIT 1",
				   p->standby->name);
	const char *state = sql_text(sql_row(rows, 0), "state");
	const char *sync_state = sql_text(sql_row(rows, 0), "sync_state");

	if (rows && state && sync_state)
		snprintf(buf, len, "%s|%s", state, sync_state);
	else if (rows)
		snprintf(buf, len, "none");
	json_decref(rows);
}

/* Until the standby streams with the sync_state the mode gives it. */
static bool mode_in_force(const struct pair *p, const struct mode *m)
{
	char want[32], got[64] = "";

	snprintf(want, sizeof(want), "streaming|%s", m->standby_names[0] ? "sync" : "async");
	for (int i = 0; i < 100 && !interrupted(); i++) {
		replication_state(p, got, sizeof(got));
		if (strcmp(got, want) == 0)
			return true;
		clock_sleep_ms(300);
	}
	log_error("the standby did not become %s (pg_stat_replication: %s)", want, got);
	return false;
}

/*
 * The history of the trial named name (load's records, the load having run
 * in the standby) onto records, and its "checks" against the promoted
 * standby into t; false (logged) when it could not be.
 */
static bool keep_history(const struct pair *p, const struct timeline *x, const char *name,
			 const json_t *load, json_t *t, json_t *records)
{
	json_t *mine = json_array(), *checks = NULL;
	struct history_clock c;
	char sql[128];

	losses_load_sql(name, sql, sizeof(sql));
	if (history_take_as(p->standby, x, name, load, &c, mine))
		checks = losses_check(p->standby, mine, name, sql);
	if (checks) {
		json_object_set_new(t, "history_clock", json_string(c.how));
		json_object_set_new(t, "checks", checks);
		json_array_extend(records, mine);
	}
	json_decref(mine);
	return checks != NULL;
}

/*
 * One crash trial (the n-th of mode m); its figures, or NULL, and its
 * history onto records.  With fresh, it starts from the saved lab (replab
 * reset); otherwise the crashed primary is rewound into a standby
 * afterwards, and the roles swap.
 */
static json_t *trial(struct pair *p, const struct mode *m, int rate, int n, bool fresh,
		     const struct timeline *x, json_t *records)
{
	double crash_after = 1000 + (n * 397) % 1000;
	json_t *load = NULL, *t = json_object();
	char path[PATH_MAX], name[HISTORY_NAME_MAX];
	pid_t loader = -1;
	bool ok = !fresh || snapshot_reset();

	ok = ok && set_mode(p->primary, m) && mode_in_force(p, m) &&
	     (loader = load_start(p->standby, rate, 60, true, true)) > 0;
	/* The crash comes crash_after into the writes, however long the load took to start. */
	if (ok && !load_writing(loader, 30000)) {
		json_decref(load_finish(loader));
		ok = false;
	}
	if (ok) {
		clock_sleep_ms(crash_after);
		node_kill_server(p->primary);
		load = load_finish(loader);
	}
	ok = ok && load && node_execf(p->standby, "SELECT pg_promote(true, 60)") &&
	     acked_writes_check(p->standby, load, t);
	xsnprintf(name, sizeof(name), "%s-%d", m->name, n + 1);
	ok = ok && keep_history(p, x, name, load, t, records);
	if (ok) {
		json_object_set_new(t, "primary", json_string(p->primary->name));
		json_object_set_new(t, "crash_after_ms", json_real(crash_after));
		json_object_set_new(t, "commits", json_incref(json_object_get(load, "commits")));
	}
	if (ok && !fresh) {
		ok = node_rejoin(p->primary, p->standby->addr,
				 lab_state_path("rejoin.log", path, sizeof(path))) &&
		     standby_caught_up(p->standby, p->primary->name, 120000) >= 0;
		if (!ok)
			log_error("the crashed primary did not rejoin (see %s)", path);
	}
	json_decref(load);
	if (!ok) {
		json_decref(t);
		return NULL;
	}
	if (!fresh)
		*p = (struct pair){ .primary = p->standby, .standby = p->primary };
	return t;
}

/* The median over trials of commits.KEY. */
static double median(json_t *trials, const char *key)
{
	size_t n = json_array_size(trials), i;
	double *v = calloc(n ? n : 1, sizeof(double)), m;
	json_t *t;

	json_array_foreach(trials, i, t) {
		v[i] = json_number_value(json_object_get(json_object_get(t, "commits"), key));
	}
	qsort(v, n, sizeof(double), compare_doubles);
	m = n ? v[n / 2] : 0;
	free(v);
	return m;
}

static json_int_t total(json_t *trials, const char *key)
{
	json_int_t sum = 0;
	json_t *t;
	size_t i;

	json_array_foreach(trials, i, t) {
		sum += json_integer_value(json_object_get(t, key));
	}
	return sum;
}

/* The sum over trials of checks.GROUP.KEY. */
static json_int_t checked(json_t *trials, const char *group, const char *key)
{
	json_int_t sum = 0;
	json_t *t;
	size_t i;

	json_array_foreach(trials, i, t) {
		sum += json_integer_value(
			json_object_get(json_object_get(json_object_get(t, "checks"), group), key));
	}
	return sum;
}

static json_t *mode_summary(const struct mode *m, json_t *trials)
{
	json_t *s = json_pack("{s:s,s:I,s:I,s:I,s:I,s:I,s:f,s:f,s:f,s:O}", "mode", m->name,
			      "trials", (json_int_t) json_array_size(trials), "acknowledged",
			      total(trials, "acknowledged_writes"), "lost",
			      total(trials, "lost_writes"), "in_doubt", total(trials, "in_doubt"),
			      "in_doubt_committed", total(trials, "in_doubt_committed"), "p50_ms",
			      median(trials, "p50_ms"), "p99_ms", median(trials, "p99_ms"),
			      "commits_per_s", median(trials, "acks_per_s"), "runs", trials);

	trials_losses(s, trials);
	json_object_set_new(s, "checks",
			    json_pack("{s:I,s:I,s:I,s:I}", "lost_writes",
				      checked(trials, "lost_writes", "count"), "unknown_writes",
				      checked(trials, "unknown_writes", "count"), "committed",
				      checked(trials, "unknown_writes", "committed"),
				      "not_committed",
				      checked(trials, "unknown_writes", "not_committed")));
	return s;
}

static void print_table(json_t *summary)
{
	json_t *m;
	size_t i;

	printf("\nsummary (commit figures: median over the trials):\n"
	       "  %-13s %6s %12s %6s %14s %9s %9s %10s\n",
	       "mode", "trials", "acknowledged", "lost", "in doubt (done)", "p50 ms", "p99 ms",
	       "commits/s");
	json_array_foreach(summary, i, m) {
		char doubt[32];

		snprintf(doubt, sizeof(doubt), "%lld (%lld)",
			 (long long) json_integer_value(json_object_get(m, "in_doubt")),
			 (long long) json_integer_value(json_object_get(m, "in_doubt_committed")));
		printf("  %-13s %6lld %12lld %6lld %14s %9.2f %9.2f %10.0f\n",
		       json_string_value(json_object_get(m, "mode")),
		       (long long) json_integer_value(json_object_get(m, "trials")),
		       (long long) json_integer_value(json_object_get(m, "acknowledged")),
		       (long long) json_integer_value(json_object_get(m, "lost")), doubt,
		       json_real_value(json_object_get(m, "p50_ms")),
		       json_real_value(json_object_get(m, "p99_ms")),
		       json_real_value(json_object_get(m, "commits_per_s")));
	}
	printf("\n  trials that lost acknowledged writes (95%% interval of the proportion):\n");
	json_array_foreach(summary, i, m) {
		printf("  %-13s %s; lost a trial: median %lld, max %lld\n",
		       json_string_value(json_object_get(m, "mode")),
		       json_string_value(json_object_get(m, "loss_ci95_text")),
		       (long long) json_integer_value(
			       json_object_get(json_object_get(m, "lost_writes_per_trial"), "p50")),
		       (long long) json_integer_value(
			       json_object_get(json_object_get(m, "lost_writes_per_trial"),
					       "max")));
	}
	printf("\n  the history, each trial checked against the promoted standby:\n");
	json_array_foreach(summary, i, m) {
		const json_t *c = json_object_get(m, "checks");

		printf("  %-13s %lld acknowledged writes lost; %lld with no answer: "
		       "%lld committed, %lld not\n",
		       json_string_value(json_object_get(m, "mode")),
		       (long long) json_integer_value(json_object_get(c, "lost_writes")),
		       (long long) json_integer_value(json_object_get(c, "unknown_writes")),
		       (long long) json_integer_value(json_object_get(c, "committed")),
		       (long long) json_integer_value(json_object_get(c, "not_committed")));
	}
	printf("\n  \"lost\": acknowledged to the client, missing after the failover.  A write in\n"
	       "  doubt lost its connection before the answer: it may or may not have\n"
	       "  committed, and only looking tells.  Synchronous modes wait for the standby\n"
	       "  before acknowledging, so they lose nothing acknowledged; they pay in latency.\n"
	       "  No loss in N trials does not make a mode safe: it only bounds how often it\n"
	       "  loses (under 3/N at 95%%); async loses whenever the crash beats the WAL.\n");
}

int experiment_rpo(const struct experiment_options *o)
{
	struct pair p = { .primary = lab_find_vm("primary"), .standby = lab_find_vm("replica") };
	json_t *summary = json_array(), *records = json_array(), *doc;
	struct history_clock clock = { 0 };
	struct timeline x;
	bool ok = true;
	int rc = EXIT_FAIL;

	bool fresh = snapshot_can_reset(NULL);

	printf("rpo: %d crash trials in each of async, sync and remote_apply, %s\n", o->trials,
	       fresh ? "each from the saved lab (replab reset)"
		     : "the crashed primary rewound into a standby after each");
	timeline_begin(&x);
	for (size_t m = 0; ok && m < sizeof(modes) / sizeof(modes[0]); m++) {
		json_t *trials = json_array();

		for (int n = 0; ok && n < o->trials; n++) {
			json_t *t = trial(&p, &modes[m], o->rate, n, fresh, &x, records);

			ok = t != NULL;
			if (ok) {
				timeline_event(
					&x,
					"%s trial %d: %lld acknowledged, %lld lost, %lld in doubt",
					modes[m].name, n + 1,
					(long long) json_integer_value(json_object_get(t, "acknowle"
											  "dged_"
											  "write"
											  "s")),
					(long long) json_integer_value(json_object_get(t, "lost_"
											  "write"
											  "s")),
					(long long) json_integer_value(json_object_get(t, "in_"
											  "doub"
											  "t")));
				json_array_append_new(trials, t);
			}
		}
		json_array_append_new(summary, mode_summary(&modes[m], trials));
		json_decref(trials);
	}
	/* Left as found: the saved lab again, or the default mode on the new primary. */
	if (fresh && ok && !interrupted())
		ok = snapshot_reset();
	else
		set_mode(p.primary, &modes[0]);
	print_table(summary);
	printf("  (the server in the primary VM is now the %s)\n",
	       p.primary == lab_find_vm("primary") ? "primary, as at the start"
						   : "standby: replab down && replab up starts "
						     "afresh");
	doc = json_pack("{s:s,s:i,s:i,s:O,s:O,s:O}", "experiment", "rpo", "trials", o->trials,
			"rate", o->rate, "summary", summary, "events", x.events, "samples",
			x.samples);
	xsnprintf(clock.how, sizeof(clock.how),
		  "each trial's records as its history_clock says (the load ran in its standby)");
	if (history_save(doc, records, &clock, "rpo", o->json_path) &&
	    experiment_save(doc, "rpo", o->json_path) && ok)
		rc = EXIT_OK;
	json_decref(doc);
	json_decref(records);
	json_decref(summary);
	timeline_free(&x);
	return rc;
}
