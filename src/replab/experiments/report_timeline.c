/*
 * report_timeline.c — an experiment's timeline for "replab report": the
 * replication lag over time (sampled by the primary, or on both servers so
 * that it is known through a cut: the replica over its own link), or, for
 * an experiment without samples (the primary crashed), the writes the
 * client had acknowledged each second; the events marked and the faults
 * shaded.
 *
 * Data files: lag.dat ("seconds<TAB>value", NaN where a sample has no lag,
 * a blank line where samples are more than GAP_S apart, so that gnuplot
 * draws no line across what was not measured), events.dat and faults.dat
 * (report_events).
 */
#include "report.h"

#include "lab/jsonfile.h"

#include <string.h>

#define VALUE_MAX 1e19 /* bytes of lag, either way */
#define ACKS_MAX  1e9  /* writes acknowledged in 100 ms */
#define GAP_S	  1.0  /* samples further apart than this: a gap, drawn as one */

/* Titles name the lab's own experiments only, from our list. */
static const char *const known_experiments[] = { "partition-reconnect", "wal-retention",
						 "failover-under-load" };

static const char *title_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(known_experiments) / sizeof(known_experiments[0]); i++)
		if (strcmp(known_experiments[i], name) == 0)
			return known_experiments[i];
	return NULL;
}

/* lag.dat; *end_s: the last sample's time; *gaps: the gaps found */
static bool write_samples(struct report *r, json_t *samples, FILE *f, double *end_s, int *gaps)
{
	double last = 0;
	json_t *s;
	size_t i;

	*gaps = 0;
	json_array_foreach(samples, i, s) {
		char where[64];
		json_t *lag = json_object_get(s, "lag_bytes");
		double t, v;

		if (!json_is_object(s)) {
			report_invalid(r, "samples[%zu] is not an object", i);
			return false;
		}
		snprintf(where, sizeof(where), "samples[%zu].t_ms", i);
		if (!report_number(r, json_object_get(s, "t_ms"), where, -REPORT_T_MS_MAX,
				   REPORT_T_MS_MAX, &t))
			return false;
		t /= 1000;
		if (i > 0 && t - last > GAP_S) {
			fputc('\n', f);
			++*gaps;
		}
		last = t;
		if (!lag || json_is_null(lag)) {
			fprintf(f, "%.3f\tNaN\n", t);
			continue;
		}
		snprintf(where, sizeof(where), "samples[%zu].lag_bytes", i);
		if (!report_number(r, lag, where, -VALUE_MAX, VALUE_MAX, &v))
			return false;
		fprintf(f, "%.3f\t%.17g\n", t, v);
	}
	*end_s = last;
	return true;
}

static bool write_acks(struct report *r, json_t *acks, double load_start, FILE *f)
{
	json_t *a;
	size_t i;

	json_array_foreach(acks, i, a) {
		char where[64];
		double v;

		snprintf(where, sizeof(where), "load.acks_per_100ms[%zu]", i);
		if (!report_number(r, a, where, 0, ACKS_MAX, &v))
			return false;
		fprintf(f, "%.3f\t%.17g\n", load_start + (double) i / 10, v * 10);
	}
	return true;
}

enum report_result report_timeline(struct report *r, json_t *doc)
{
	const char *name = title_name(jfield_string(doc, "experiment"));
	json_t *load = json_object_get(doc, "load"), *samples, *events, *acks = NULL;
	bool bad = false, lag, both_ends;
	struct report_events ev;
	double end_s = 0;
	int gaps = 0;
	FILE *data;

	samples = report_array(r, doc, "samples", "", REPORT_MAX_POINTS, &bad);
	events = report_array(r, doc, "events", "", REPORT_MAX_LABELS, &bad);
	if (load && !json_is_null(load) && !json_is_object(load) && !bad) {
		report_invalid(r, "load is not an object");
		bad = true;
	}
	if (!bad)
		acks = report_array(r, load, "acks_per_100ms", "load", REPORT_MAX_POINTS, &bad);
	if (bad)
		return REPORT_INVALID;
	lag = json_array_size(samples) > 0;
	/* Samples joined with the replica's own (partition-reconnect): the lag through a cut. */
	both_ends = false;
	for (size_t i = 0; i < json_array_size(samples) && !both_ends; i++)
		both_ends = json_object_get(json_array_get(samples, i), "replica_replay_bytes");
	if (!lag && json_array_size(acks) == 0)
		return REPORT_EMPTY;

	data = report_data(r, "lag.dat");
	if (!report_events(r, events, &ev) || !(lag ? write_samples(r, samples, data, &end_s, &gaps)
						    : write_acks(r, acks, ev.load_start, data)))
		return REPORT_INVALID;
	report_events_end(&ev, 0,
			  lag ? end_s : ev.load_start + (double) json_array_size(acks) / 10);

	fprintf(r->gp, "set title '%s%s%s%s'\n", name ? name : "", name ? ": " : "",
		!lag	    ? "writes the client saw acknowledged"
		: both_ends ? "replication lag, both servers sampled (through the cut)"
			    : "replication lag seen by the primary",
		gaps > 0 ? " (gaps: no samples for over a second)" : "");
	fprintf(r->gp, "set xlabel 'seconds'\nset ylabel '%s'\nset key top right\n",
		lag ? "lag (bytes)" : "acknowledged writes per second");
	/* Events: a dashed line and a label each, on a second y axis spanning the graph. */
	fputs("set y2range [0:1]\nunset y2tics\nplot ", r->gp);
	if (ev.nfaults > 0)
		fputs(REPORT_FAULTS_PLOT ", \\\n  ", r->gp);
	fprintf(r->gp, "'lag.dat' using 1:2 with lines lw 2 title '%s'",
		lag ? "primary WAL position - replica replay position"
		    : "acknowledged writes per second");
	if (json_array_size(events) > 0)
		fputs(", \\\n  " REPORT_EVENTS_PLOT, r->gp);
	fputc('\n', r->gp);
	return REPORT_DRAWN;
}
