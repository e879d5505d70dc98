/*
 * exp_reads.c — "replab experiment replica-reads": reading your own writes
 * from a hot standby.  --clients sessions (pgrepl readers, in the primary)
 * each write their next seq on the primary and read at once on the replica
 * (and, with replica2 in the lab, on replica2 in turn), --duration seconds
 * in each mode:
 *
 *   async         synchronous_standby_names = ''   (the lab's default)
 *   on            synchronous_standby_names = '*', synchronous_commit = on
 *   remote_apply  synchronous_standby_names = '*', synchronous_commit = remote_apply
 *
 * ('FIRST 2 (*)' instead of '*' when replica2 streams from the primary too,
 * so that every standby read on is a synchronous one; a cascaded replica2
 * cannot be, and its reads show what that means)
 * and with --delay once more in each under that delay on what reaches the
 * replica (netem).  Every operation goes to the history (X.history.jsonl);
 * the checkers (history/check.h) count per mode the stale reads, the
 * read-your-writes and monotonic-read violations and the staleness of every
 * read, beside the commit latency that mode costs.
 */
#define _GNU_SOURCE
#include "clock.h"
#include "experiment.h"
#include "history/check.h"
#include "history/history.h"
#include "history_log.h"
#include "interrupt.h"
#include "lab/node.h"
#include "log.h"
#include "strutil.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct mode {
	const char *name, *commit;
	bool sync;
} modes[] = {
	{ "async", "on", false },
	{ "on", "on", true },
	{ "remote_apply", "remote_apply", true },
};

/* How many standbys a synchronous mode waits for: each that streams from the primary. */
static int sync_standbys(void)
{
	return lab_nvms > 2 && !lab_cascade ? 2 : 1;
}

static const char *standby_names(const struct mode *m)
{
	return !m->sync ? "" : sync_standbys() == 2 ? "FIRST 2 (*)" : "*";
}
#define NMODES (sizeof(modes) / sizeof(modes[0]))

/* Until want standbys stream as sync; false (logged) after 30 s. */
static bool sync_in_force(const struct vm *primary, int want)
{
	long long sync = -1, streaming = 0;

	for (int i = 0; i < 100 && !interrupted(); i++) {
		json_t *rows = node_queryf(
			primary, "read pg_stat_replication", 1, 2,
			"SELECT count(*) FILTER (WHERE sync_state = 'sync') AS sync,"
			" count(*) FILTER (WHERE state = 'streaming') AS streaming"
			" FROM pg_stat_replication WHERE application_name LIKE 'replica%%'");
		bool read = rows && sql_int(sql_row(rows, 0), "sync", &sync) &&
			    sql_int(sql_row(rows, 0), "streaming", &streaming);

		json_decref(rows);
		if (read && streaming > 0 && sync == want)
			return true;
		clock_sleep_ms(300);
	}
	log_error("the primary did not get %d synchronous standbys (%lld streaming, %lld sync)",
		  want, streaming, sync);
	return false;
}

static bool set_mode(const struct vm *primary, const struct mode *m)
{
	return experiment_set(primary, "synchronous_standby_names", standby_names(m)) &&
	       experiment_set(primary, "synchronous_commit", m->commit) &&
	       sync_in_force(primary, m->sync ? sync_standbys() : 0);
}

/* pgrepl readers in the primary, its sessions named PREFIXc1...; its result or NULL (logged). */
static json_t *run_readers(const struct vm *primary, const struct experiment_options *o,
			   const char *prefix)
{
	char clients[16], rate[16], duration[16], log_path[PATH_MAX];
	int per_client = o->rate / o->clients > 0 ? o->rate / o->clients : 1;
	char *cmd[] = { "pgrepl",
			"readers",
			"--json",
			"--clients",
			clients,
			"--rate",
			rate,
			"--duration",
			duration,
			"--standbys",
			lab_nvms > 2 ? "2" : "1",
			"--session-prefix",
			(char *) prefix,
			NULL };
	struct node_job job = { .pid = -1, .out = -1 };
	json_t *doc;
	int err;

	xsnprintf(clients, sizeof(clients), "%d", o->clients);
	xsnprintf(rate, sizeof(rate), "%d", per_client);
	xsnprintf(duration, sizeof(duration), "%d", o->duration_s);
	err = open(lab_state_path("readers.log", log_path, sizeof(log_path)),
		   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (err < 0)
		fatal("could not write %s", log_path);
	if (!node_job_start(&job, primary, cmd, err)) {
		close(err);
		log_error("could not start pgrepl readers in the primary");
		return NULL;
	}
	close(err);
	while (!node_job_done(&job) && !interrupted())
		clock_sleep_ms(100);
	if (interrupted())
		kill(job.pid, SIGTERM);
	doc = node_job_finish(&job, NULL);
	if (!doc || !json_is_true(json_object_get(doc, "ok"))) {
		const char *why = json_string_value(json_object_get(doc, "error"));

		if (!interrupted()) {
			log_error("pgrepl readers failed: %s", why ? why : "it printed no result");
			log_detail("its narrative is in %s", log_path);
		}
		json_decref(doc);
		return NULL;
	}
	return doc;
}

/* The checks of records (one run's), through the history's own parser. */
static json_t *check(const json_t *records)
{
	struct history h;
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	json_t *r, *checks = NULL;

	if (!f)
		fatal("out of memory");
	json_array_foreach(records, i, r) {
		json_dumpf(r, f, JSON_COMPACT | JSON_REAL_PRECISION(12));
		fputc('\n', f);
	}
	fclose(f);
	history_init(&h);
	if (history_parse(&h, text, len, "the readers' history"))
		checks = history_check(&h, NULL, NULL);
	history_free(&h);
	free(text);
	return checks;
}

static json_t *commit_ms(const json_t *readers)
{
	const json_t *c = json_object_get(readers, "commits");

	return json_pack("{s:O,s:O,s:O}", "p50", json_object_get(c, "p50_ms"), "p99",
			 json_object_get(c, "p99_ms"), "max", json_object_get(c, "max_ms"));
}

/* One mode's run (under delay when not NULL): its entry of "modes", or NULL. */
static json_t *run_mode(const struct mode *m, const char *delay, const struct experiment_options *o,
			const struct history_clock *clock, struct timeline *x, json_t *history)
{
	const struct vm *primary = lab_find_vm("primary");
	char prefix[48];
	json_t *readers, *records, *checks, *entry;

	xsnprintf(prefix, sizeof(prefix), "%s%s%s/", m->name, delay ? ":" : "", delay ? delay : "");
	if (!set_mode(primary, m))
		return NULL;
	timeline_event(x, "%s%s%s: %d sessions write and read for %d s", m->name,
		       delay ? ", delay " : "", delay ? delay : "", o->clients, o->duration_s);
	if (!(readers = run_readers(primary, o, prefix)))
		return NULL;
	records = json_array();
	history_take(clock, readers, json_pack("{s:s,s:s?}", "mode", m->name, "delay", delay),
		     records);
	checks = check(records);
	entry = checks ? json_pack("{s:s,s:s?,s:s,s:s,s:o,s:o}", "mode", m->name, "delay", delay,
				   "synchronous_standby_names", standby_names(m),
				   "synchronous_commit", m->commit, "checks", checks, "commit_ms",
				   commit_ms(readers))
		       : NULL;
	json_array_extend(history, records);
	json_decref(records);
	json_decref(readers);
	return entry;
}

/* checks.KEY.count, or -1. */
static long long count(const json_t *checks, const char *key)
{
	const json_t *c = json_object_get(json_object_get(checks, key), "count");

	return json_is_integer(c) ? json_integer_value(c) : -1;
}

/* checks.staleness.UNIT.WHICH, or -1 (none). */
static double staleness(const json_t *checks, const char *unit, const char *which)
{
	const json_t *v =
		json_object_get(json_object_get(json_object_get(checks, "staleness"), unit), which);

	return json_is_number(v) ? json_number_value(v) : -1;
}

static void print_summary(const json_t *entries)
{
	const json_t *e;
	size_t i;

	printf("\nsummary (commit latency on the primary; reads on the standby right after the "
	       "write's acknowledgement)\n");
	printf("  %-22s %-20s %6s %6s %6s %6s  %-22s %s\n", "mode", "commit ms p50/p99/max",
	       "reads", "stale", "ryw", "mono", "staleness ms p50/p99/max", "bytes p99");
	json_array_foreach(entries, i, e) {
		const json_t *c = json_object_get(e, "checks"),
			     *ms = json_object_get(e, "commit_ms");
		const char *delay = json_string_value(json_object_get(e, "delay"));
		char mode[64], commit[32], stale[40];

		xsnprintf(mode, sizeof(mode), "%s%s%s",
			  json_string_value(json_object_get(e, "mode")), delay ? ", delay " : "",
			  delay ? delay : "");
		xsnprintf(commit, sizeof(commit), "%.1f/%.1f/%.1f",
			  json_number_value(json_object_get(ms, "p50")),
			  json_number_value(json_object_get(ms, "p99")),
			  json_number_value(json_object_get(ms, "max")));
		xsnprintf(stale, sizeof(stale), "%.1f/%.1f/%.1f", staleness(c, "ms", "p50"),
			  staleness(c, "ms", "p99"), staleness(c, "ms", "max"));
		printf("  %-22s %-20s %6lld %6lld %6lld %6lld  %-22s %.0f\n", mode, commit,
		       (long long) json_integer_value(
			       json_object_get(json_object_get(c, "staleness"), "reads")),
		       count(c, "stale_reads"), count(c, "read_your_writes"),
		       count(c, "monotonic_reads"), stale, staleness(c, "bytes", "p99"));
	}
	printf("\n  stale: a write acknowledged before the read began was not visible; ryw: a\n"
	       "  session's own write not visible to its next read; mono: a read saw less than\n"
	       "  the session's previous one (reads moving between standbys).\n"
	       "\nThe lesson: an acknowledged commit is durable where synchronous_commit says,\n"
	       "not visible: with async and with \"on\" (the standby flushed the WAL, not yet\n"
	       "replayed it) a read on the standby right after the commit may not see it.\n"
	       "remote_apply waits until the synchronous standby has replayed the commit, so\n"
	       "a session reads its own write there, at the cost of a replay in every\n"
	       "commit's latency; the other way is to wait on the standby until\n"
	       "pg_last_wal_replay_lsn() reaches the commit's LSN (pg_current_wal_insert_lsn()\n"
	       "after the commit), paid by the read instead. Neither helps a standby that is\n"
	       "not the synchronous one.\n");
}

int experiment_replica_reads(const struct experiment_options *o)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	json_t *doc = json_pack("{s:s,s:i,s:i,s:i,s:i}", "experiment", "replica-reads", "clients",
				o->clients, "rate", o->rate, "duration_s", o->duration_s,
				"standbys", lab_nvms > 2 ? 2 : 1);
	json_t *entries = json_array(), *history = json_array();
	struct history_clock clock;
	struct timeline x;
	bool ok;

	timeline_begin(&x);
	ok = history_clock_measure(primary, &x, &clock);
	for (int shaped = 0; ok && shaped <= (o->delay ? 1 : 0); shaped++) {
		struct shape s = { .delay = o->delay };

		if (shaped) {
			ok = experiment_shape(replica, &s);
			if (ok)
				timeline_event(&x, "delay %s on what reaches the replica",
					       o->delay);
		}
		for (size_t i = 0; ok && i < NMODES; i++) {
			json_t *e = run_mode(&modes[i], shaped ? o->delay : NULL, o, &clock, &x,
					     history);

			ok = e != NULL;
			if (ok)
				json_array_append_new(entries, e);
		}
	}
	if (o->delay && ok) {
		static const struct shape none;

		ok = experiment_shape(replica, &none);
	}
	json_object_set_new(doc, "modes", entries);
	json_object_set_new(doc, "events", json_incref(x.events));
	if (ok) {
		print_summary(entries);
		ok = history_save(doc, history, &clock, "replica-reads", o->json_path) &&
		     experiment_save(doc, "replica-reads", o->json_path);
	}
	json_decref(history);
	json_decref(doc);
	timeline_free(&x);
	return ok ? EXIT_OK : EXIT_FAIL;
}
