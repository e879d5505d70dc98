/*
 * exp_failover.c — "replab experiment failover-under-load": a write load
 * runs in the replica's member, through a connection string that lists
 * the primary then the replica with target_session_attrs=read-write.  At
 * --crash-at the primary crashes while "pgrepl failover" waits for it in
 * the replica; it detects the loss and promotes the replica, and the load
 * finds the new primary by itself.  Reported: the downtime the client saw
 * (its longest time without an acknowledgement), pgrepl's detection and
 * promotion times, and the acknowledged writes missing on the new primary
 * (replication is asynchronous: some may be lost; they are counted by id,
 * as are the writes in doubt).  The load's history (which server took
 * each write) goes beside the JSON (with one trial), checked against the
 * new primary: each lost write's commit against where the standby's
 * recovery ended (losses.h).
 *
 * With --trials N the trial is repeated, each from the saved lab (replab
 * reset; without one, more than one trial is refused): per trial and as
 * distributions (detection, promotion, client downtime), and the trials
 * that lost acknowledged writes with the 95% interval of that proportion
 * (trials.h), in summary.modes[0] (mode "manual": pgrepl failover, run by
 * hand).
 *
 * With --workload pgbench, pgbench is the load instead (one trial:
 * exp_failover_pgbench.c).
 */
#include "experiment.h"
#include "failover.h"
#include "history_log.h"
#include "interrupt.h"
#include "lab/jsonfile.h"
#include "lab/snapshot.h"
#include "log.h"
#include "losses.h"
#include "trials.h"

#include <stdio.h>
#include <stdlib.h>

static void print_summary(json_t *s)
{
	printf("\nsummary:\n"
	       "  writes acknowledged                  %lld\n"
	       "  of them on the new primary           %lld (lost: %lld%s%s)\n"
	       "  writes in doubt (no answer)          %lld, of which committed: %lld\n"
	       "  client downtime (no acknowledgement) %.0f ms\n"
	       "  primary loss detected                %.0f ms after its last answer\n"
	       "  promotion (pg_promote)               %.0f ms\n",
	       (long long) jfield_int(s, "acknowledged_writes"),
	       (long long) jfield_int(s, "on_server"), (long long) jfield_int(s, "lost_writes"),
	       jfield_int(s, "lost_writes") ? ": ids " : "",
	       json_string_value(json_object_get(s, "lost_ids")),
	       (long long) jfield_int(s, "in_doubt"),
	       (long long) jfield_int(s, "in_doubt_committed"),
	       jfield_real(s, "client_downtime_ms"), jfield_real(s, "detection_ms"),
	       jfield_real(s, "promote_ms"));
	if (jfield_int(s, "lost_writes"))
		printf("\n  The primary acknowledged those writes, but they had not reached the "
		       "replica\n"
		       "  when it crashed: asynchronous replication trades them for commit "
		       "speed.\n");
	printf("\n  The lab has failed over: the old primary is down.  Start afresh with\n"
	       "  replab down && replab up.\n");
}

/*
 * One trial from the lab as it is: its figures (today's summary members and
 * the trial's "events"), or NULL (logged).  With N = 1 (*failover, *load
 * not NULL) pgrepl failover's and the load's results are handed back.
 */
static json_t *trial(const struct experiment_options *o, struct timeline *x, json_t **failover_out,
		     json_t **load_out)
{
	const struct vm *replica = lab_find_vm("replica");
	json_t *failover = NULL, *load = NULL, *t = json_object();
	pid_t loader;
	bool ok = false;

	timeline_begin(x);
	loader = load_start(replica, o->rate, o->duration_s, true, false);
	if (loader < 0) {
		json_decref(t);
		return NULL;
	}
	timeline_event(x, "write load started");
	failover = failover_under_load(x, o->crash_at_s * 1000.0, loader, load_done,
				       "the write load");
	load = load_finish(loader);
	if (load)
		timeline_event(x, "write load finished");
	if (failover && load && acked_writes_check(replica, load, t)) {
		json_object_set_new(t, "client_downtime_ms",
				    json_real(jfield_real(load, "longest_gap_ms")));
		json_object_set_new(t, "detection_ms",
				    json_real(jfield_real(json_object_get(failover, "detection"),
							  "detection_ms")));
		json_object_set_new(t, "promote_ms",
				    json_real(jfield_real(json_object_get(failover, "promotion"),
							  "promote_ms")));
		json_object_set_new(t, "events", json_incref(x->events));
		ok = true;
	}
	if (ok && failover_out && load_out) {
		*failover_out = json_incref(failover);
		*load_out = json_incref(load);
	}
	json_decref(failover);
	json_decref(load);
	if (!ok)
		json_decref(t);
	return ok ? t : NULL;
}

static json_int_t total(json_t *runs, const char *key)
{
	json_int_t sum = 0;
	json_t *run;
	size_t i;

	json_array_foreach(runs, i, run) {
		sum += jfield_int(run, key);
	}
	return sum;
}

/*
 * The summary over the trials: summary.modes[0] with the distributions and
 * the losses' interval, and today's members as totals (counts) and medians
 * (times), which for one trial are its own figures.
 */
static json_t *summarize(json_t *runs)
{
	static const char *const counts[] = { "acknowledged_writes", "on_server", "lost_writes",
					      "in_doubt", "in_doubt_committed" };
	static const struct {
		const char *member, *distribution;
	} times[] = {
		{ "detection_ms", "detection_ms" },
		{ "promote_ms", "promotion_ms" },
		{ "client_downtime_ms", "downtime_ms" },
	};
	json_t *mode = json_pack("{s:s}", "mode", "manual"), *s = json_object();

	trials_losses(mode, runs);
	for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
		json_t *d = trials_distribution(runs, times[i].member);

		json_object_set_new(s, times[i].member, json_incref(json_object_get(d, "p50")));
		json_object_set_new(mode, times[i].distribution, d);
	}
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
		json_object_set_new(s, counts[i], json_integer(total(runs, counts[i])));
	if (json_array_size(runs) == 1)
		json_object_set(s, "lost_ids",
				json_object_get(json_array_get(runs, 0), "lost_ids"));
	json_object_set(mode, "runs", runs);
	json_object_set_new(s, "modes", json_pack("[o]", mode));
	return s;
}

static void print_distribution(const char *what, json_t *mode, const char *key)
{
	json_t *d = json_object_get(mode, key);

	printf("  %-28s %8.0f %8.0f %8.0f\n", what, jfield_real(d, "p50"), jfield_real(d, "p90"),
	       jfield_real(d, "max"));
}

static void print_trials(json_t *s)
{
	json_t *mode = json_array_get(json_object_get(s, "modes"), 0), *run;
	size_t i;

	printf("\nsummary over %lld trials, each from the saved lab:\n"
	       "  %-5s %12s %6s %9s %12s %12s %11s\n",
	       (long long) jfield_int(mode, "trials"), "trial", "acknowledged", "lost", "in doubt",
	       "detected ms", "promoted ms", "downtime ms");
	json_array_foreach(json_object_get(mode, "runs"), i, run) {
		printf("  %-5zu %12lld %6lld %9lld %12.0f %12.0f %11.0f\n", i + 1,
		       (long long) jfield_int(run, "acknowledged_writes"),
		       (long long) jfield_int(run, "lost_writes"),
		       (long long) jfield_int(run, "in_doubt"), jfield_real(run, "detection_ms"),
		       jfield_real(run, "promote_ms"), jfield_real(run, "client_downtime_ms"));
	}
	printf("\n  %-28s %8s %8s %8s\n", "(ms)", "p50", "p90", "max");
	print_distribution("primary loss detected", mode, "detection_ms");
	print_distribution("promotion (pg_promote)", mode, "promotion_ms");
	print_distribution("client downtime", mode, "downtime_ms");
	printf("\n  trials that lost acknowledged writes: %s\n"
	       "  (writes lost in a trial: median %lld, max %lld)\n"
	       "\n  Replication is asynchronous: a trial loses what the replica had not\n"
	       "  received when the primary crashed.  No loss in N trials bounds how often\n"
	       "  that happens (under about 3/N at 95%%); it does not make it safe.\n",
	       json_string_value(json_object_get(mode, "loss_ci95_text")),
	       (long long) jfield_int(json_object_get(mode, "lost_writes_per_trial"), "p50"),
	       (long long) jfield_int(json_object_get(mode, "lost_writes_per_trial"), "max"));
}

/* More than one trial needs the saved lab to start each from; false (logged) without one. */
static bool trials_possible(int trials)
{
	char *why = NULL;

	if (trials == 1 || snapshot_can_reset(&why))
		return true;
	log_error("failover-under-load --trials %d needs a saved lab to start each trial from, "
		  "and there is none to reset to: %s",
		  trials, why);
	log_hint("replab up saves one once the replicas stream (see replab help up); or run "
		 "one trial");
	free(why);
	return false;
}

/*
 * One trial's history beside the JSON, checked against the new primary:
 * summary.checks (losses.h), printed; false (logged) when it could not be.
 */
static bool keep_history(json_t *doc, json_t *summary, const struct timeline *x,
			 const char *json_path)
{
	const struct vm *replica = lab_find_vm("replica");
	json_t *records, *checks;
	char sql[128];

	records = history_keep_load(doc, json_object_get(doc, "load"), replica, x,
				    "failover-under-load", json_path);
	if (!records)
		return false;
	losses_load_sql("load", sql, sizeof(sql));
	checks = losses_check(replica, records, "failover-under-load", sql);
	json_decref(records);
	if (!checks)
		return false;
	losses_print(checks);
	json_object_set_new(summary, "checks", checks);
	return true;
}

int experiment_failover_under_load(const struct experiment_options *o)
{
	json_t *failover = NULL, *load = NULL, *runs, *summary = NULL, *doc = NULL;
	struct timeline x = { 0 };
	bool ok = true;
	int rc = EXIT_FAIL;

	if (o->workload_pgbench)
		return experiment_failover_pgbench(o);
	if (!trials_possible(o->trials))
		return EXIT_FAIL;
	printf("failover-under-load: %d writes/s for %d s from the replica's side, following the "
	       "writable\n"
	       "server; the primary crashes at %d s and the replica is promoted",
	       o->rate, o->duration_s, o->crash_at_s);
	if (o->trials > 1)
		printf(";\n%d trials, each from the saved lab (replab reset)", o->trials);
	putchar('\n');
	runs = json_array();
	for (int n = 0; ok && n < o->trials; n++) {
		json_t *t;

		if (n > 0) {
			timeline_free(&x);
			printf("\ntrial %d of %d: from the saved lab (replab reset)\n", n + 1,
			       o->trials);
			ok = !interrupted() && snapshot_reset();
		}
		t = ok ? trial(o, &x, o->trials == 1 ? &failover : NULL, &load) : NULL;
		ok = t != NULL;
		if (ok)
			json_array_append_new(runs, t);
	}
	if (ok) {
		summary = summarize(runs);
		if (o->trials == 1) {
			print_summary(summary);
			doc = json_pack("{s:s,s:i,s:i,s:i,s:i,s:O,s:O,s:O,s:O,s:O}", "experiment",
					"failover-under-load", "rate", o->rate, "duration_s",
					o->duration_s, "crash_at_s", o->crash_at_s, "trials", 1,
					"summary", summary, "events", x.events, "samples",
					x.samples, "failover", failover, "load", load);
		} else {
			print_trials(summary);
			doc = json_pack("{s:s,s:i,s:i,s:i,s:i,s:O}", "experiment",
					"failover-under-load", "rate", o->rate, "duration_s",
					o->duration_s, "crash_at_s", o->crash_at_s, "trials",
					o->trials, "summary", summary);
		}
		if ((o->trials > 1 || keep_history(doc, summary, &x, o->json_path)) &&
		    experiment_save(doc, "failover-under-load", o->json_path))
			rc = EXIT_OK;
	}
	json_decref(doc);
	json_decref(summary);
	json_decref(runs);
	json_decref(failover);
	json_decref(load);
	timeline_free(&x);
	return rc;
}
