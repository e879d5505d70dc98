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
 * each write) goes beside the JSON.
 */
#include "clock.h"
#include "experiment.h"
#include "failover.h"
#include "history_log.h"
#include "interrupt.h"
#include "log.h"

#include <stdio.h>

static double real(json_t *doc, const char *object, const char *key)
{
	json_t *o = object ? json_object_get(doc, object) : doc;

	return json_number_value(json_object_get(o, key));
}

static json_int_t integer(json_t *doc, const char *key)
{
	return json_integer_value(json_object_get(doc, key));
}

static void print_summary(json_t *s)
{
	printf("\nsummary:\n"
	       "  writes acknowledged                  %lld\n"
	       "  of them on the new primary           %lld (lost: %lld%s%s)\n"
	       "  writes in doubt (no answer)          %lld, of which committed: %lld\n"
	       "  client downtime (no acknowledgement) %.0f ms\n"
	       "  primary loss detected                %.0f ms after its last answer\n"
	       "  promotion (pg_promote)               %.0f ms\n",
	       (long long) integer(s, "acknowledged_writes"), (long long) integer(s, "on_server"),
	       (long long) integer(s, "lost_writes"), integer(s, "lost_writes") ? ": ids " : "",
	       json_string_value(json_object_get(s, "lost_ids")),
	       (long long) integer(s, "in_doubt"), (long long) integer(s, "in_doubt_committed"),
	       real(s, NULL, "client_downtime_ms"), real(s, NULL, "detection_ms"),
	       real(s, NULL, "promote_ms"));
	if (integer(s, "lost_writes"))
		printf("\n  The primary acknowledged those writes, but they had not reached the "
		       "replica\n"
		       "  when it crashed: asynchronous replication trades them for commit "
		       "speed.\n");
	printf("\n  The lab has failed over: the old primary is down.  Start afresh with\n"
	       "  replab down && replab up.\n");
}

static bool wait_until(struct timeline *x, double t_ms, pid_t loader)
{
	while (timeline_ms(x) < t_ms) {
		if (interrupted())
			return false;
		if (load_done(loader)) {
			log_error("the write load ended before the crash");
			return false;
		}
		clock_sleep_ms(50);
	}
	return true;
}

int experiment_failover_under_load(const struct experiment_options *o)
{
	const struct vm *replica = lab_find_vm("replica");
	json_t *failover = NULL, *load = NULL, *summary, *doc;
	struct timeline x;
	pid_t loader;
	int rc = EXIT_FAIL;

	printf("failover-under-load: %d writes/s for %d s from the replica's side, following the "
	       "writable\n"
	       "server; the primary crashes at %d s and the replica is promoted\n",
	       o->rate, o->duration_s, o->crash_at_s);
	timeline_begin(&x);
	loader = load_start(replica, o->rate, o->duration_s, true, false);
	if (loader < 0)
		return EXIT_FAIL;
	timeline_event(&x, "write load started");
	if (wait_until(&x, o->crash_at_s * 1000.0, loader))
		failover = failover_in_replica(true, &x);
	if (failover)
		timeline_event(&x, "replica promoted and written to");
	load = load_finish(loader);
	if (load)
		timeline_event(&x, "write load finished");
	summary = json_object();
	if (failover && load && acked_writes_check(replica, load, summary)) {
		json_object_set_new(summary, "client_downtime_ms",
				    json_real(real(load, NULL, "longest_gap_ms")));
		json_object_set_new(summary, "detection_ms",
				    json_real(real(failover, "detection", "detection_ms")));
		json_object_set_new(summary, "promote_ms",
				    json_real(real(failover, "promotion", "promote_ms")));
		print_summary(summary);
		doc = json_pack("{s:s,s:i,s:i,s:i,s:O,s:O,s:O,s:O,s:O}", "experiment",
				"failover-under-load", "rate", o->rate, "duration_s", o->duration_s,
				"crash_at_s", o->crash_at_s, "summary", summary, "events", x.events,
				"samples", x.samples, "failover", failover, "load", load);
		if (history_keep_load(doc, json_object_get(doc, "load"), replica, &x,
				      "failover-under-load", o->json_path) &&
		    experiment_save(doc, "failover-under-load", o->json_path))
			rc = EXIT_OK;
		json_decref(doc);
	}
	json_decref(summary);
	json_decref(failover);
	json_decref(load);
	timeline_free(&x);
	return rc;
}
