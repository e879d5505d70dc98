/*
 * exp_partition.c — "replab experiment partition-reconnect": a steady
 * write load on the primary, the replica cut off for --cut seconds, then
 * healed.  "pgrepl watch" in the primary samples pg_stat_replication every
 * 100 ms.  Reported: lag growth, time from heal to the WAL stream
 * reconnecting and to zero lag, the catch-up throughput (against the link
 * rate when --link-rate shaped it), and whether every acknowledged write
 * reached the replica (by id).  The load's history goes beside the JSON.
 */
#include "experiment.h"
#include "history_log.h"
#include "lab/faults.h"
#include "interrupt.h"
#include "log.h"
#include "strutil.h"

#include <stdio.h>
#include <string.h>

#define CUT_AT_MS	  5000.0
#define SETTLE_TIMEOUT_MS 120000.0

static json_int_t field(json_t *sample, const char *key)
{
	return json_integer_value(json_object_get(sample, key));
}

static bool in_state(json_t *sample, const char *want)
{
	const char *state = json_string_value(json_object_get(sample, "state"));

	return state && strcmp(state, want) == 0;
}

static bool streaming(json_t *sample)
{
	return in_state(sample, "streaming");
}

/* A WAL sender with a known lag: streaming, or still catching up. */
static bool connected(json_t *sample)
{
	return (streaming(sample) || in_state(sample, "catchup")) &&
	       json_is_integer(json_object_get(sample, "lag_bytes"));
}

/* Sample until the load is over and, after the heal, the replica has caught up. */
static bool observe(struct timeline *x, struct watch *w, pid_t load, int cut_s)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	bool cut = false, healed = false, load_over = false;
	double heal_at = CUT_AT_MS + cut_s * 1000.0;

	for (;;) {
		double t = timeline_ms(x);
		json_t *last;

		if (!cut && t >= CUT_AT_MS) {
			if (!experiment_cut(primary, replica))
				return false;
			timeline_event(x, "cut");
			cut = true;
		}
		if (cut && !healed && t >= heal_at) {
			experiment_heal(primary, replica);
			timeline_event(x, "heal");
			healed = true;
		}
		if (!load_over && load_done(load)) {
			load_over = true;
			timeline_event(x, "write load finished");
		}
		last = timeline_last(x);
		if (healed && load_over && connected(last) && streaming(last) &&
		    field(last, "lag_bytes") == 0)
			return true;
		if (healed && t > heal_at + SETTLE_TIMEOUT_MS) {
			log_error("the replica had not caught up %.0f s after the heal",
				  SETTLE_TIMEOUT_MS / 1000);
			return false;
		}
		if (interrupted())
			return false;
		if (!watch_take(w, x, 50)) {
			log_error("pgrepl watch stopped early");
			return false;
		}
	}
}

/*
 * From the samples: largest lag, heal -> new WAL connection (a new WAL
 * sender, in state "catchup" or "streaming"), heal -> zero lag, and the
 * catch-up throughput (WAL sent between the reconnection and zero lag, per
 * second: a standby restarts from the beginning of a segment, so it is
 * sent more than the lag).  A cut shorter than the timeouts may leave
 * the connection standing: then there is no reconnection to time.
 */
static json_t *summarise(const struct timeline *x, const char *link_rate)
{
	double heal = timeline_event_at(x, "heal"), reconnect = -1, caught_up = -1, cost = 0;
	json_int_t pid_before = 0, max_lag = 0, sent_at_reconnect = 0, sent_at_caught_up = 0;
	bool kept;
	double throughput, link_bits = link_rate ? faults_rate_bits(link_rate) : -1;
	json_t *s, *summary;
	size_t i;

	json_array_foreach(x->samples, i, s) {
		double t = json_real_value(json_object_get(s, "t_ms"));

		cost += json_real_value(json_object_get(s, "sample_ms"));
		if (field(s, "lag_bytes") > max_lag)
			max_lag = field(s, "lag_bytes");
		if (t < timeline_event_at(x, "cut") && streaming(s))
			pid_before = field(s, "pid");
		if (t < heal || !connected(s))
			continue;
		if (reconnect < 0 && field(s, "pid") != pid_before) {
			reconnect = t - heal;
			sent_at_reconnect = field(s, "sent_bytes");
		}
		if (caught_up < 0 && streaming(s) && field(s, "lag_bytes") == 0) {
			caught_up = t - heal;
			sent_at_caught_up = field(s, "sent_bytes");
		}
	}
	throughput = caught_up > reconnect && reconnect >= 0
			     ? (double) (sent_at_caught_up - sent_at_reconnect) /
				       ((caught_up - reconnect) / 1000)
			     : -1;
	kept = reconnect < 0 && caught_up >= 0;
	summary = json_pack("{s:I,s:b,s:f,s:f,s:f,s:f,s:I}", "max_lag_bytes", max_lag,
			    "connection_kept", kept, "reconnect_after_heal_ms", reconnect,
			    "caught_up_after_heal_ms", caught_up, "catch_up_bytes_per_s",
			    throughput, "mean_sample_ms",
			    json_array_size(x->samples)
				    ? cost / (double) json_array_size(x->samples)
				    : 0.0,
			    "samples", (json_int_t) json_array_size(x->samples));
	if (link_bits > 0 && throughput > 0)
		json_object_set_new(summary, "catch_up_share_of_link",
				    json_real(throughput * 8 / link_bits));
	return summary;
}

static void print_summary(json_t *s, const char *link_rate)
{
	double share = json_real_value(json_object_get(s, "catch_up_share_of_link"));
	double bytes_per_s = json_real_value(json_object_get(s, "catch_up_bytes_per_s"));
	char reconnect[64], throughput[64];

	if (bytes_per_s > 0)
		xsnprintf(throughput, sizeof(throughput), "%.0f kB/s", bytes_per_s / 1000);
	else
		xsnprintf(throughput, sizeof(throughput),
			  "not measured: caught up within one sample");
	if (json_is_true(json_object_get(s, "connection_kept")))
		xsnprintf(reconnect, sizeof(reconnect), "no need: the connection outlived the cut");
	else
		xsnprintf(reconnect, sizeof(reconnect), "%.0f ms",
			  json_real_value(json_object_get(s, "reconnect_after_heal_ms")));

	printf("\nsummary:\n"
	       "  writes acknowledged by the primary   %lld\n"
	       "  of them on the replica               %lld (lost: %lld)\n"
	       "  largest lag during the cut           %lld bytes\n"
	       "  heal -> WAL stream reconnected       %s\n"
	       "  heal -> replica caught up (lag 0)    %.0f ms\n"
	       "  catch-up throughput                  %s",
	       (long long) field(s, "acknowledged_writes"), (long long) field(s, "on_server"),
	       (long long) field(s, "lost_writes"), (long long) field(s, "max_lag_bytes"),
	       reconnect, json_real_value(json_object_get(s, "caught_up_after_heal_ms")),
	       throughput);
	if (link_rate && share > 0)
		printf(" (%.0f %% of the %s link)", share * 100, link_rate);
	printf("\n  sampling: %lld samples, %.2f ms per query\n", (long long) field(s, "samples"),
	       json_real_value(json_object_get(s, "mean_sample_ms")));
}

int experiment_partition_reconnect(const struct experiment_options *o)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	int duration = (int) (CUT_AT_MS / 1000) + o->cut_s + 10;
	struct timeline x;
	struct watch w = { 0 };
	json_t *load = NULL, *summary, *doc;
	bool ok;
	pid_t loader = -1;
	int rc = EXIT_FAIL;

	printf("partition-reconnect: %d writes/s for %d s; the replica is cut off at %.0f s for %d "
	       "s\n",
	       o->rate, duration, CUT_AT_MS / 1000, o->cut_s);
	if (o->link_rate) {
		if (!experiment_rate(replica, o->link_rate))
			return EXIT_FAIL;
		printf("the link to the replica is shaped to %s\n", o->link_rate);
	}
	ok = watch_start(&w, primary, duration + (int) (SETTLE_TIMEOUT_MS / 1000) + 30);
	timeline_begin(&x);
	if (ok && (loader = load_start(primary, o->rate, duration, false, false)) > 0) {
		timeline_event(&x, "write load started");
		ok = observe(&x, &w, loader, o->cut_s);
	} else
		ok = false;
	experiment_heal(primary, replica);
	watch_stop(&w);
	if (ok)
		load = load_finish(loader);
	else if (loader > 0)
		load_finish(loader);
	if (load) {
		summary = summarise(&x, o->link_rate);
		if (acked_writes_check(replica, load, summary)) {
			print_summary(summary, o->link_rate);
			doc = json_pack("{s:s,s:i,s:i,s:s?,s:O,s:O,s:O,s:O}", "experiment",
					"partition-reconnect", "cut_s", o->cut_s, "rate", o->rate,
					"link_rate", o->link_rate, "summary", summary, "events",
					x.events, "samples", x.samples, "load", load);
			if (history_keep_load(doc, json_object_get(doc, "load"), primary, &x,
					      "partition-reconnect", o->json_path) &&
			    experiment_save(doc, "partition-reconnect", o->json_path))
				rc = field(summary, "lost_writes") == 0 ? EXIT_OK : EXIT_FAIL;
			if (field(summary, "lost_writes") != 0)
				log_error("acknowledged writes are missing on the replica: %s",
					  json_string_value(json_object_get(summary, "lost_ids")));
			json_decref(doc);
		}
		json_decref(summary);
	}
	json_decref(load);
	timeline_free(&x);
	return rc;
}
