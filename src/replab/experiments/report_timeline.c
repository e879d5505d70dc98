/*
 * report_timeline.c — an experiment's timeline for "replab report": the
 * replication lag over time (sampled by the primary, or on both servers so
 * that it is known through a cut), or, for an experiment
 * without samples (the primary crashed), the writes the client had
 * acknowledged each second; the events marked.
 *
 * Data files: lag.dat ("seconds<TAB>value", NaN where the standby was gone)
 * and events.dat ("seconds<TAB>label").
 */
#include "report.h"

#include "lab/jsonfile.h"

#include <string.h>

#define T_MS_MAX  1e12 /* some thirty years: beyond it, not a time of this lab */
#define VALUE_MAX 1e19 /* bytes of lag, either way */
#define ACKS_MAX  1e9  /* writes acknowledged in 100 ms */

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

/* element i of the array called what, which must be an object */
static bool element(const struct report *r, json_t *e, const char *what, size_t i)
{
	if (json_is_object(e))
		return true;
	report_invalid(r, "%s[%zu] is not an object", what, i);
	return false;
}

static bool write_samples(struct report *r, json_t *samples, FILE *f)
{
	json_t *s;
	size_t i;

	json_array_foreach(samples, i, s) {
		char where[64];
		json_t *lag = json_object_get(s, "lag_bytes");
		double t, v;

		if (!element(r, s, "samples", i))
			return false;
		snprintf(where, sizeof(where), "samples[%zu].t_ms", i);
		if (!report_number(r, json_object_get(s, "t_ms"), where, -T_MS_MAX, T_MS_MAX, &t))
			return false;
		if (!lag || json_is_null(lag)) {
			fprintf(f, "%.3f\tNaN\n", t / 1000);
			continue;
		}
		snprintf(where, sizeof(where), "samples[%zu].lag_bytes", i);
		if (!report_number(r, lag, where, -VALUE_MAX, VALUE_MAX, &v))
			return false;
		fprintf(f, "%.3f\t%.17g\n", t / 1000, v);
	}
	return true;
}

/* events.dat; *load_start: when "write load started" (seconds), else 0 */
static bool write_events(struct report *r, json_t *events, FILE *f, double *load_start)
{
	json_t *e;
	size_t i;

	*load_start = 0;
	json_array_foreach(events, i, e) {
		char where[64];
		const char *what;
		double t;

		if (!element(r, e, "events", i))
			return false;
		snprintf(where, sizeof(where), "events[%zu].t_ms", i);
		if (!report_number(r, json_object_get(e, "t_ms"), where, -T_MS_MAX, T_MS_MAX, &t))
			return false;
		if (!(what = jfield_string(e, "event"))) {
			report_invalid(r, "events[%zu].event is not a string", i);
			return false;
		}
		if (strcmp(what, "write load started") == 0)
			*load_start = t / 1000;
		fprintf(f, "%.3f\t", t / 1000);
		report_label(f, what);
		fputc('\n', f);
	}
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
	double load_start;
	FILE *data, *marks;

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
	marks = report_data(r, "events.dat");
	if (!write_events(r, events, marks, &load_start) ||
	    !(lag ? write_samples(r, samples, data) : write_acks(r, acks, load_start, data)))
		return REPORT_INVALID;

	fprintf(r->gp, "set title '%s%s%s'\n", name ? name : "", name ? ": " : "",
		!lag	    ? "writes the client saw acknowledged"
		: both_ends ? "replication lag, both servers sampled (through the cut)"
			    : "replication lag seen by the primary");
	fprintf(r->gp, "set xlabel 'seconds'\nset ylabel '%s'\nset key top right\n",
		lag ? "lag (bytes)" : "acknowledged writes per second");
	/* Events: a dashed line and a label each, on a second y axis spanning the graph. */
	fputs("set y2range [0:1]\nunset y2tics\n", r->gp);
	fprintf(r->gp, "plot 'lag.dat' using 1:2 with lines lw 2 title '%s'",
		lag ? "primary WAL position - replica replay position"
		    : "acknowledged writes per second");
	if (json_array_size(events) > 0)
		fputs(", \\\n  'events.dat' using 1:(0):(0):(1) axes x1y2 with vectors nohead lc "
		      "rgb 'red' dt 2 notitle"
		      ", \\\n  'events.dat' using 1:(0.03):2 axes x1y2 with labels noenhanced "
		      "rotate left"
		      " offset 0.7,0 font ',9' notitle",
		      r->gp);
	fputc('\n', r->gp);
	return REPORT_DRAWN;
}
