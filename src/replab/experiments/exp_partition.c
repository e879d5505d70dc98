/*
 * exp_partition.c — "replab experiment partition-reconnect": a steady
 * write load on the primary (the lab's numbered rows, or pgbench with
 * --workload pgbench), the replica cut off for --cut seconds, then healed.
 * "pgrepl watch" in the primary samples pg_stat_replication and its WAL
 * position every 100 ms, and the replica is sampled over its own
 * management link (standby_watch.h), so the lag is known through the whole
 * cut.  Reported: lag growth, time from heal to the WAL stream
 * reconnecting and to zero lag, where the catch-up time went (link, WAL
 * transfer, replay, the replica's CPU), the catch-up throughput (against
 * the link rate when --link-rate shaped it) or why it was too short to
 * measure, and whether every acknowledged write reached the replica (by
 * id), or with pgbench whether the tables are equal on both servers.  The
 * numbered rows' history goes beside the JSON.
 */
#include "experiment.h"
#include "history_log.h"
#include "pgbench.h"
#include "standby_watch.h"
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

/* A WAL sender with a known lag: streaming, or still catching up (as "pgrepl watch" says). */
static bool connected_as(json_t *sample, const char *lag)
{
	return (streaming(sample) || in_state(sample, "catchup")) &&
	       json_is_integer(json_object_get(sample, lag));
}

static bool connected(json_t *sample)
{
	return connected_as(sample, "lag_bytes");
}

/* The same once the standby's samples are joined on (its view is then "sender_lag_bytes"). */
static bool connected_sender(json_t *sample)
{
	return connected_as(sample, "sender_lag_bytes");
}

/* The workload: the lab's numbered-row load, or pgbench. */
struct workload {
	bool pgbench;
	pid_t pid;
};

static bool workload_done(const struct workload *l)
{
	return l->pgbench ? pgbench_done(l->pid) : load_done(l->pid);
}

/* The two samplers: "pgrepl watch" in the primary, the standby's own positions in the replica. */
struct samplers {
	struct watch primary, replica;
	json_t *replica_samples;
};

/* Sample until the load is over and, after the heal, the replica has caught up. */
static bool observe(struct timeline *x, struct samplers *w, const struct workload *l, int cut_s)
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
		if (!load_over && workload_done(l)) {
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
		if (!watch_take(&w->primary, x, 20)) {
			log_error("pgrepl watch stopped early");
			return false;
		}
		if (!watch_take_into(&w->replica, x, w->replica_samples, 20)) {
			log_error("the replica's sampler (psql in the replica) stopped early");
			return false;
		}
	}
}

static double number(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : -1;
}

/* The first sample from index from on whose key reaches at least value, or NULL. */
static json_t *reaching(json_t *samples, size_t from, const char *key, double value)
{
	for (size_t i = from; i < json_array_size(samples); i++) {
		json_t *s = json_array_get(samples, i);

		if (number(s, key) >= value)
			return s;
	}
	return NULL;
}

/* The replica's CPU busy share between host times a and b from its /proc/stat ticks, or -1. */
static double cpu_busy(json_t *replica_samples, double a, double b)
{
	json_t *first = NULL, *last = NULL, *s;
	size_t i;
	double ticks;

	json_array_foreach(replica_samples, i, s) {
		double t = number(s, "t_ms");

		if (t >= a - 100 && !first)
			first = s;
		if (t <= b + 100)
			last = s;
	}
	if (!first || !last || first == last)
		return -1;
	ticks = number(last, "cpu_ticks") - number(first, "cpu_ticks");
	return ticks > 0 ? 1 - (number(last, "cpu_idle_ticks") - number(first, "cpu_idle_ticks")) /
					   ticks
			 : -1;
}

/* The largest a - b over samples from index from to (host time) until. */
static double widest(json_t *samples, size_t from, double until, const char *a, const char *b)
{
	double most = 0;

	for (size_t i = from; i < json_array_size(samples); i++) {
		json_t *s = json_array_get(samples, i);

		if (number(s, "t_ms") > until)
			break;
		if (number(s, a) >= 0 && number(s, b) >= 0 && number(s, a) - number(s, b) > most)
			most = number(s, a) - number(s, b);
	}
	return most;
}

/* The index of the first sample at or after host time t. */
static size_t index_at(json_t *samples, double t)
{
	size_t i = 0;

	while (i < json_array_size(samples) && number(json_array_get(samples, i), "t_ms") < t)
		i++;
	return i;
}

/* Fewer standby samples than this in the catch-up phase: too short a phase to time. */
#define MIN_CATCH_UP_SAMPLES 3

/*
 * Where the catch-up time went, from the joined samples (times after the
 * heal, -1 when not reached): the target is the primary's WAL position at
 * the heal.  link: heal -> new WAL connection; transfer: -> the replica
 * had received the target; replay: -> it had replayed it; then -> lag 0
 * (the load still writing).  Bytes in flight (sent by the WAL sender, not
 * yet received) and the replay backlog (received, not replayed), at their
 * largest; the replica's CPU busy share; and the throughput over the
 * catch-up phase (reconnection -> lag 0), or why it is not measured.
 */
static json_t *catch_up(json_t *samples, json_t *replica_samples, double heal, double reconnect,
			double caught_up)
{
	size_t h = index_at(samples, heal);
	json_t *at_heal = json_array_get(samples, h), *received, *replayed, *r;
	double target = number(at_heal, "wal_bytes"), from = heal + (reconnect > 0 ? reconnect : 0),
	       to = heal + caught_up, backlog, recv_rate = -1, replay_rate = -1, sent_rate = -1;
	json_t *start = json_array_get(samples, index_at(samples, from)),
	       *end = json_array_get(samples, index_at(samples, to));
	size_t phase_samples = 0, i;
	const char *why = NULL;

	received = reaching(samples, h, "replica_receive_bytes", target);
	replayed = reaching(samples, h, "replica_replay_bytes", target);
	json_array_foreach(replica_samples, i, r) {
		if (number(r, "t_ms") >= from && number(r, "t_ms") <= to)
			phase_samples++;
	}
	backlog = start ? number(start, "wal_bytes") - number(start, "replica_replay_bytes") : -1;
	if (caught_up < 0 || !start || !end)
		why = "the replica did not catch up";
	else if (phase_samples < MIN_CATCH_UP_SAMPLES)
		why = "the backlog was too small: caught up within the replica's first samples "
		      "after the reconnection";
	else {
		double s = (to - from) / 1000;

		recv_rate = (number(end, "replica_receive_bytes") -
			     number(start, "replica_receive_bytes")) /
			    s;
		replay_rate = (number(end, "replica_replay_bytes") -
			       number(start, "replica_replay_bytes")) /
			      s;
		/* The WAL sender resends from a segment's start: more than the backlog. */
		if (number(start, "sent_bytes") >= 0 && number(end, "sent_bytes") >= 0)
			sent_rate = (number(end, "sent_bytes") - number(start, "sent_bytes")) / s;
	}
	r = json_pack("{s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:f,s:I,s:f,s:f}", "target_wal_bytes", target,
		      "link_ms", reconnect, "transfer_ms",
		      received && reconnect >= 0 ? number(received, "t_ms") - from : -1.0,
		      "replay_ms",
		      received && replayed ? number(replayed, "t_ms") - number(received, "t_ms")
					   : -1.0,
		      "to_lag_0_ms",
		      replayed && caught_up >= 0 ? to - number(replayed, "t_ms") : -1.0,
		      "backlog_bytes", backlog, "in_flight_bytes_max",
		      widest(samples, h, to, "sent_bytes", "replica_receive_bytes"),
		      "replay_backlog_bytes_max",
		      widest(samples, h, to, "replica_receive_bytes", "replica_replay_bytes"),
		      "phase_samples", (json_int_t) phase_samples, "received_bytes_per_s",
		      recv_rate, "replayed_bytes_per_s", replay_rate);
	json_object_set_new(r, "sent_bytes_per_s", json_real(sent_rate));
	json_object_set_new(r, "replica_cpu_busy",
			    json_real(caught_up >= 0 ? cpu_busy(replica_samples, from, to) : -1));
	if (why)
		json_object_set_new(r, "throughput_not_measured", json_string(why));
	return r;
}

/*
 * From the samples: largest lag (through the cut: the primary's position
 * minus the replica's replay position), heal -> new WAL connection (a new
 * WAL sender, in state "catchup" or "streaming"), heal -> zero lag (as
 * the WAL sender reports it), and where the catch-up time went.  A cut
 * shorter than the timeouts may leave the connection standing: then there
 * is no reconnection to time.
 */
static json_t *summarise(const struct timeline *x, json_t *replica_samples, const char *link_rate)
{
	double heal = timeline_event_at(x, "heal"), reconnect = -1, caught_up = -1, cost = 0,
	       gap = 0, prev = -1;
	json_int_t pid_before = 0, max_lag = 0;
	bool kept;
	double link_bits = link_rate ? faults_rate_bits(link_rate) : -1, throughput, sent;
	json_t *s, *summary, *breakdown;
	size_t i;

	json_array_foreach(x->samples, i, s) {
		double t = json_real_value(json_object_get(s, "t_ms"));

		cost += json_real_value(json_object_get(s, "sample_ms"));
		if (field(s, "lag_bytes") > max_lag)
			max_lag = field(s, "lag_bytes");
		if (json_is_integer(json_object_get(s, "lag_bytes"))) {
			if (prev >= 0 && t - prev > gap)
				gap = t - prev;
			prev = t;
		}
		if (t < timeline_event_at(x, "cut") && streaming(s))
			pid_before = field(s, "pid");
		if (t < heal || !connected_sender(s))
			continue;
		if (reconnect < 0 && field(s, "pid") != pid_before)
			reconnect = t - heal;
		if (caught_up < 0 && streaming(s) && field(s, "sender_lag_bytes") == 0)
			caught_up = t - heal;
	}
	kept = reconnect < 0 && caught_up >= 0;
	breakdown = catch_up(x->samples, replica_samples, heal, reconnect, caught_up);
	/* The backlog the replica worked through: its received position can run ahead of the
	 * primary's first sample of the new connection, its replayed one does not. */
	throughput = json_real_value(json_object_get(breakdown, "replayed_bytes_per_s"));
	sent = json_real_value(json_object_get(breakdown, "sent_bytes_per_s"));
	summary = json_pack("{s:I,s:f,s:b,s:f,s:f,s:f,s:o,s:f,s:I,s:I}", "max_lag_bytes", max_lag,
			    "longest_lag_gap_ms", gap, "connection_kept", kept,
			    "reconnect_after_heal_ms", reconnect, "caught_up_after_heal_ms",
			    caught_up, "catch_up_bytes_per_s", throughput, "catch_up", breakdown,
			    "mean_sample_ms",
			    json_array_size(x->samples)
				    ? cost / (double) json_array_size(x->samples)
				    : 0.0,
			    "samples", (json_int_t) json_array_size(x->samples), "replica_samples",
			    (json_int_t) json_array_size(replica_samples));
	/* What the link carried: what the WAL sender sent. */
	if (link_bits > 0 && sent > 0)
		json_object_set_new(summary, "catch_up_share_of_link",
				    json_real(sent * 8 / link_bits));
	return summary;
}

/* "1234 ms" or "not reached" */
static const char *ms(json_t *o, const char *key, char *buf, size_t len)
{
	double v = number(o, key);

	if (v < 0)
		return "not reached";
	xsnprintf(buf, len, "%.0f ms", v);
	return buf;
}

static void print_catch_up(json_t *s, const char *link_rate)
{
	json_t *c = json_object_get(s, "catch_up");
	double share = number(s, "catch_up_share_of_link"), cpu = number(c, "replica_cpu_busy");
	const char *why = json_string_value(json_object_get(c, "throughput_not_measured"));
	char a[32], b[32], d[32], e[32];

	printf("  where the catch-up time went (the target: the primary's position at the heal)\n"
	       "    link: heal -> new WAL connection   %s\n"
	       "    WAL sent and received -> target    %s (in flight at most %.0f kB)\n"
	       "    replayed -> target                 %s more (replay backlog at most %.0f kB)\n"
	       "    then -> lag 0 (the load writing)   %s\n",
	       ms(c, "link_ms", a, sizeof(a)), ms(c, "transfer_ms", b, sizeof(b)),
	       number(c, "in_flight_bytes_max") / 1000, ms(c, "replay_ms", d, sizeof(d)),
	       number(c, "replay_backlog_bytes_max") / 1000, ms(c, "to_lag_0_ms", e, sizeof(e)));
	if (cpu >= 0)
		printf("    replica CPU busy while catching up %.0f %%\n", cpu * 100);
	printf("  backlog at the reconnection          %.0f kB\n",
	       number(c, "backlog_bytes") / 1000);
	if (why)
		printf("  catch-up throughput                  not measured: %s (%lld samples)\n",
		       why, (long long) field(c, "phase_samples"));
	else {
		printf("  catch-up throughput                  %.0f kB/s received, %.0f kB/s "
		       "replayed\n"
		       "  sent by the WAL sender meanwhile     %.0f kB/s",
		       number(c, "received_bytes_per_s") / 1000,
		       number(c, "replayed_bytes_per_s") / 1000,
		       number(c, "sent_bytes_per_s") / 1000);
		if (link_rate && share > 0)
			printf(" (%.0f %% of the %s link)", share * 100, link_rate);
		putchar('\n');
	}
}

static void print_summary(json_t *s, const char *link_rate)
{
	char reconnect[64];

	if (json_is_true(json_object_get(s, "connection_kept")))
		xsnprintf(reconnect, sizeof(reconnect), "no need: the connection outlived the cut");
	else
		xsnprintf(reconnect, sizeof(reconnect), "%.0f ms",
			  json_real_value(json_object_get(s, "reconnect_after_heal_ms")));

	printf("\nsummary:\n");
	if (json_object_get(s, "contents_equal"))
		printf("  pgbench transactions                 %.0f (%.0f tps)\n"
		       "  tables on primary and replica        %s\n",
		       number(s, "pgbench_transactions"), number(s, "pgbench_tps"),
		       json_is_true(json_object_get(s, "contents_equal"))
			       ? "equal (rows and checksums)"
			       : "DIFFERENT");
	else
		printf("  writes acknowledged by the primary   %lld\n"
		       "  of them on the replica               %lld (lost: %lld)\n",
		       (long long) field(s, "acknowledged_writes"),
		       (long long) field(s, "on_server"), (long long) field(s, "lost_writes"));
	printf("  largest lag during the cut           %lld bytes (longest gap in the series: "
	       "%.0f ms)\n"
	       "  heal -> WAL stream reconnected       %s\n"
	       "  heal -> replica caught up (lag 0)    %.0f ms\n",
	       (long long) field(s, "max_lag_bytes"), number(s, "longest_lag_gap_ms"), reconnect,
	       json_real_value(json_object_get(s, "caught_up_after_heal_ms")));
	print_catch_up(s, link_rate);
	printf("  sampling: %lld + %lld (replica) samples, %.2f ms per query\n",
	       (long long) field(s, "samples"), (long long) field(s, "replica_samples"),
	       json_real_value(json_object_get(s, "mean_sample_ms")));
}

/* pgbench's figures and the tables compared on both servers, into summary. */
static bool pgbench_check(json_t *result, json_t *summary)
{
	json_t *p = pgbench_contents(lab_find_vm("primary")),
	       *r = pgbench_contents(lab_find_vm("replica"));
	bool ok = p && r;

	if (ok) {
		json_object_set_new(summary, "pgbench_transactions",
				    json_incref(json_object_get(result, "transactions")));
		json_object_set_new(summary, "pgbench_tps",
				    json_incref(json_object_get(result, "tps")));
		json_object_set_new(summary, "contents_equal", json_boolean(pgbench_same(p, r)));
		json_object_set_new(summary, "contents",
				    json_pack("{s:O,s:O}", "primary", p, "replica", r));
	}
	json_decref(p);
	json_decref(r);
	return ok;
}

/* Start the workload on the primary. */
static bool workload_start(struct workload *l, const struct experiment_options *o, int duration)
{
	const struct vm *primary = lab_find_vm("primary");

	l->pid = l->pgbench ? pgbench_start(primary, NULL, duration, "pgbench.log")
			    : load_start(primary, o->rate, duration, false, false);
	return l->pid > 0;
}

/* Wait for the workload: its result and the check of what reached the replica, into summary. */
static json_t *workload_finish(struct workload *l, bool ok, int duration, json_t *summary)
{
	json_t *result;

	if (l->pgbench) {
		result = pgbench_finish(l->pid, duration);
		if (ok && !pgbench_check(result, summary))
			ok = false;
	} else {
		result = l->pid > 0 ? load_finish(l->pid) : NULL;
		ok = ok && result && acked_writes_check(lab_find_vm("replica"), result, summary);
	}
	if (ok)
		return result;
	json_decref(result);
	return NULL;
}

/* Did the run keep every write: none lost (rows), or equal tables (pgbench)? */
static bool all_kept(json_t *summary)
{
	json_t *equal = json_object_get(summary, "contents_equal");

	if (equal)
		return json_is_true(equal);
	if (field(summary, "lost_writes") != 0)
		log_error("acknowledged writes are missing on the replica: %s",
			  json_string_value(json_object_get(summary, "lost_ids")));
	return field(summary, "lost_writes") == 0;
}

int experiment_partition_reconnect(const struct experiment_options *o)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	int duration = (int) (CUT_AT_MS / 1000) + o->cut_s + 10,
	    sampling = duration + (int) (SETTLE_TIMEOUT_MS / 1000) + 30;
	struct timeline x;
	struct samplers w = { .replica_samples = json_array() };
	struct workload l = { .pgbench = o->workload_pgbench, .pid = -1 };
	json_t *load = NULL, *summary = NULL, *doc, *records;
	bool ok;
	int rc = EXIT_FAIL;

	if (l.pgbench)
		printf("partition-reconnect: pgbench -c %d on the primary for %d s; the replica is "
		       "cut off at %.0f s for %d s\n",
		       PGBENCH_CLIENTS, duration, CUT_AT_MS / 1000, o->cut_s);
	else
		printf("partition-reconnect: %d writes/s for %d s; the replica is cut off at %.0f "
		       "s "
		       "for %d s\n",
		       o->rate, duration, CUT_AT_MS / 1000, o->cut_s);
	if (o->link_rate) {
		if (!experiment_rate(replica, o->link_rate))
			return EXIT_FAIL;
		printf("the link to the replica is shaped to %s\n", o->link_rate);
	}
	/* pgbench's tables made and on the replica before the clock starts. */
	if (l.pgbench &&
	    (!pgbench_init(primary, NULL) || standby_caught_up(primary, "replica", 120000) < 0))
		return EXIT_FAIL;
	ok = watch_start(&w.primary, primary, sampling) &&
	     standby_watch_start(&w.replica, replica, sampling);
	timeline_begin(&x);
	if (ok && workload_start(&l, o, duration)) {
		timeline_event(&x, "write load started");
		ok = observe(&x, &w, &l, o->cut_s);
	} else
		ok = false;
	experiment_heal(primary, replica);
	watch_stop(&w.primary);
	watch_stop(&w.replica);
	standby_watch_join(x.samples, w.replica_samples);
	summary = json_object();
	load = workload_finish(&l, ok, duration, summary);
	if (load) {
		json_t *figures = summarise(&x, w.replica_samples, o->link_rate);

		json_object_update(summary, figures);
		json_decref(figures);
		print_summary(summary, o->link_rate);
		doc = json_pack("{s:s,s:s,s:i,s:i,s:s?,s:O,s:O,s:O,s:O,s:O}", "experiment",
				"partition-reconnect", "workload", l.pgbench ? "pgbench" : "rows",
				"cut_s", o->cut_s, "rate", o->rate, "link_rate", o->link_rate,
				"summary", summary, "events", x.events, "samples", x.samples,
				"replica_samples", w.replica_samples, "load", load);
		/* pgbench's transactions have no history: their contents are compared. */
		records = l.pgbench ? NULL
				    : history_keep_load(doc, json_object_get(doc, "load"), primary,
							&x, "partition-reconnect", o->json_path);
		if ((l.pgbench || records) &&
		    experiment_save(doc, "partition-reconnect", o->json_path) && all_kept(summary))
			rc = EXIT_OK;
		json_decref(records);
		json_decref(doc);
	}
	json_decref(summary);
	json_decref(load);
	json_decref(w.replica_samples);
	timeline_free(&x);
	return rc;
}
