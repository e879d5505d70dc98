/*
 * report_staleness.c — the replica-reads experiment for "replab report":
 * for each mode (async, on, remote_apply, ...) the share of its reads by
 * staleness in ms (checks.staleness.histogram_ms: [lo, hi, count] bins), as
 * boxes seen through one another, the mode and its p50/p99 in the key.
 *
 * Data file: stale.dat, a block per mode (gnuplot's "index"), each opening
 * with the mode's label as the column header, then "lo<TAB>hi<TAB>percent".
 */
#include "report.h"

#include "lab/jsonfile.h"

#define MS_MAX	  1e9  /* eleven days of staleness */
#define COUNT_MAX 1e15 /* reads in one bin */

/* One mode's block; *drawn false when the mode has no reads to draw. */
static bool write_mode(struct report *r, json_t *m, size_t i, FILE *f, bool *drawn)
{
	json_t *st = json_object_get(json_object_get(m, "checks"), "staleness"), *bins, *b;
	char where[96], label[REPORT_LABEL_MAX + 40];
	double total = 0, p50 = -1, p99 = -1;
	const char *mode = jfield_string(m, "mode");
	bool bad = false;
	size_t j;

	*drawn = false;
	if (!json_is_object(m))
		return report_invalid(r, "modes[%zu] is not an object", i), false;
	if (!mode)
		return report_invalid(r, "modes[%zu].mode is not a string", i), false;
	snprintf(where, sizeof(where), "modes[%zu].checks.staleness", i);
	bins = report_array(r, st, "histogram_ms", where, REPORT_MAX_POINTS, &bad);
	if (bad)
		return false;
	json_array_foreach(bins, j, b) {
		double v;

		snprintf(where, sizeof(where), "modes[%zu].checks.staleness.histogram_ms[%zu][2]",
			 i, j);
		if (json_array_size(b) != 3)
			return report_invalid(r,
					      "modes[%zu].checks.staleness.histogram_ms[%zu] is "
					      "not [lo, hi, count]",
					      i, j),
			       false;
		if (!report_number(r, json_array_get(b, 2), where, 0, COUNT_MAX, &v))
			return false;
		total += v;
	}
	if (total == 0)
		return true;
	jfield_number(json_object_get(st, "ms"), "p50", &p50);
	jfield_number(json_object_get(st, "ms"), "p99", &p99);
	if (p50 >= 0 && p99 >= 0 && p50 <= MS_MAX && p99 <= MS_MAX)
		snprintf(label, sizeof(label), "%.*s (p50 %.0f ms, p99 %.0f ms)", REPORT_LABEL_MAX,
			 mode, p50, p99);
	else
		snprintf(label, sizeof(label), "%.*s", REPORT_LABEL_MAX, mode);
	report_label(f, label);
	fputs("\t\"-\"\t\"-\"\n", f);
	json_array_foreach(bins, j, b) {
		double lo, hi, n;

		snprintf(where, sizeof(where), "modes[%zu].checks.staleness.histogram_ms[%zu][0]",
			 i, j);
		if (!report_number(r, json_array_get(b, 0), where, 0, MS_MAX, &lo))
			return false;
		snprintf(where, sizeof(where), "modes[%zu].checks.staleness.histogram_ms[%zu][1]",
			 i, j);
		if (!report_number(r, json_array_get(b, 1), where, lo, MS_MAX, &hi))
			return false;
		jnumber(json_array_get(b, 2), &n);
		fprintf(f, "%.3f\t%.3f\t%.3f\n", lo, hi, 100 * n / total);
	}
	fputs("\n\n", f);
	*drawn = true;
	return true;
}

enum report_result report_staleness(struct report *r, json_t *doc)
{
	json_t *modes, *m;
	bool bad = false, drawn;
	FILE *data;
	int blocks = 0;
	size_t i;

	modes = report_array(r, doc, "modes", "", REPORT_MAX_LABELS, &bad);
	if (bad)
		return REPORT_INVALID;
	data = report_data(r, "stale.dat");
	json_array_foreach(modes, i, m) {
		if (!write_mode(r, m, i, data, &drawn))
			return REPORT_INVALID;
		blocks += drawn;
	}
	if (blocks == 0)
		return REPORT_EMPTY;
	/* a bin [x, x] (reads exactly x ms behind) gets a box [x, x + 1] */
	fprintf(r->gp,
		"set title 'replica-reads: how stale the standby reads were, per mode'\n"
		"set xlabel 'staleness (ms behind the oldest acknowledged write not seen)'\n"
		"set ylabel 'share of the mode''s reads (%%)'\nset yrange [0:*]\nset xrange [0:*]\n"
		"set key top right\n"
		"set style fill transparent solid 0.35 border\n"
		"plot for [i=0:%d] 'stale.dat' index i using "
		"($2>$1?($1+$2)/2:$1+0.5):3:($2>$1?$2-$1:1) "
		"with boxes title columnheader(1)\n",
		blocks - 1);
	return REPORT_DRAWN;
}
