/*
 * report_flaky.c — the flaky-link experiment for "replab report": a heat
 * map of the false detections per minute, one row per probe interval and
 * timeout, one column per fault on the primary's link, each cell labelled
 * with its count and the seconds watched; beside it, the time each row's
 * detector took to notice a real crash.
 *
 * Data files: rows.dat and columns.dat ("index<TAB>label", the names from
 * the document made labels), cells.dat ("column<TAB>row<TAB>per
 * minute<TAB>label", the label of our own numbers) and detect.dat
 * ("row<TAB>ms<TAB>label").  Their sizes are read back by gnuplot's stats.
 */
#include "report.h"

#include "lab/jsonfile.h"

#define PER_MINUTE_MAX 1e9
#define COUNT_MAX      1e9
#define MS_MAX	       1e12 /* some 30 years */

/* doc[key]: an array of names, written as "index<TAB>label" into file name; its size, or -1. */
static long names(struct report *r, json_t *doc, const char *key, const char *file)
{
	bool bad = false;
	json_t *a = report_array(r, doc, key, "", REPORT_MAX_LABELS, &bad), *v;
	FILE *f;
	size_t i;

	if (bad)
		return -1;
	if (json_array_size(a) == 0)
		return 0;
	f = report_data(r, file);
	json_array_foreach(a, i, v) {
		if (!json_is_string(v)) {
			report_invalid(r, "%s[%zu] is not a string", key, i);
			return -1;
		}
		fprintf(f, "%zu\t", i);
		report_label(f, json_string_value(v));
		fputc('\n', f);
	}
	return (long) json_array_size(a);
}

/* obj.key as a whole index below n. */
static bool index_of(struct report *r, json_t *obj, const char *key, const char *where, size_t i,
		     long n, double *out)
{
	char name[64];

	snprintf(name, sizeof(name), "%s[%zu].%s", where, i, key);
	if (!report_number(r, json_object_get(obj, key), name, 0, (double) n - 1, out))
		return false;
	if (*out == (double) (long) *out)
		return true;
	report_invalid(r, "%s is not a whole number", name);
	return false;
}

static bool member(struct report *r, json_t *obj, const char *key, const char *where, size_t i,
		   double max, double *out)
{
	char name[64];

	snprintf(name, sizeof(name), "%s[%zu].%s", where, i, key);
	return report_number(r, json_object_get(obj, key), name, 0, max, out);
}

/* The cells into cells.dat: how many, or -1 (logged). */
static long cells(struct report *r, json_t *doc, long nrows, long ncols)
{
	bool bad = false;
	json_t *a = report_array(r, doc, "cells", "", REPORT_MAX_LABELS, &bad), *c;
	FILE *f;
	size_t i;

	if (bad)
		return -1;
	f = report_data(r, "cells.dat");
	json_array_foreach(a, i, c) {
		double row, col, per_minute, count, watched;

		if (!json_is_object(c)) {
			report_invalid(r, "cells[%zu] is not an object", i);
			return -1;
		}
		if (!index_of(r, c, "row", "cells", i, nrows, &row) ||
		    !index_of(r, c, "column", "cells", i, ncols, &col) ||
		    !member(r, c, "per_minute", "cells", i, PER_MINUTE_MAX, &per_minute) ||
		    !member(r, c, "false_detections", "cells", i, COUNT_MAX, &count) ||
		    !member(r, c, "watched_ms", "cells", i, MS_MAX, &watched))
			return -1;
		fprintf(f, "%.0f\t%.0f\t%.3f\t\"%.0f in %.0f s\"\n", col, row, per_minute, count,
			watched / 1000);
	}
	return (long) json_array_size(a);
}

/* The detections into detect.dat: how many, or -1 (logged). */
static long detections(struct report *r, json_t *doc, long nrows)
{
	bool bad = false;
	json_t *a = report_array(r, doc, "detections", "", REPORT_MAX_LABELS, &bad), *t;
	FILE *f;
	size_t i;

	if (bad)
		return -1;
	f = report_data(r, "detect.dat");
	json_array_foreach(a, i, t) {
		double row, ms;

		if (!json_is_object(t)) {
			report_invalid(r, "detections[%zu] is not an object", i);
			return -1;
		}
		if (!index_of(r, t, "row", "detections", i, nrows, &row) ||
		    !member(r, t, "after_crash_ms", "detections", i, MS_MAX, &ms))
			return -1;
		fprintf(f, "%.0f\t%.3f\t\"%.0f ms\"\n", row, ms, ms);
	}
	return (long) json_array_size(a);
}

enum report_result report_flaky(struct report *r, json_t *doc)
{
	long nrows = names(r, doc, "rows", "rows.dat"), ncols, ncells, ndetections;

	if (nrows < 0 || (ncols = names(r, doc, "columns", "columns.dat")) < 0)
		return REPORT_INVALID;
	if (nrows == 0 || ncols == 0)
		return REPORT_EMPTY;
	if ((ncells = cells(r, doc, nrows, ncols)) < 0 ||
	    (ndetections = detections(r, doc, nrows)) < 0)
		return REPORT_INVALID;
	if (ncells == 0)
		return REPORT_EMPTY;
	/* Before any range is set: stats counts only the points within them. */
	if (ndetections > 0)
		fputs("stats 'detect.dat' using 2 name 'D' nooutput\n", r->gp);
	fputs("stats 'rows.dat' using 1 nooutput\nNR = STATS_records\n"
	      "stats 'columns.dat' using 1 nooutput\nNC = STATS_records\n"
	      "set terminal pngcairo size 1400,600 noenhanced\n"
	      "set multiplot title 'flaky-link: pgrepl failover --detect-only, probing the primary "
	      "from the replica'\n"
	      "set origin 0,0\nset size 0.64,0.95\n"
	      "unset grid\nset title 'false detections per minute (the primary alive)'\n"
	      "set xrange [-0.5:NC-0.5]\nset yrange [-0.5:NR-0.5]\nset cbrange [0:*]\n"
	      "set palette defined (0 '#ffffff', 1 '#ffd27f', 2 '#ff7f00', 3 '#c00000')\n"
	      "set xlabel 'fault on what reaches the primary'\n"
	      "set ylabel 'probe interval / timeout'\nset xtics scale 0\nset ytics scale 0\n"
	      "plot 'cells.dat' using 1:2:(0.5):(0.5):3 with boxxyerror fs solid fc palette "
	      "notitle,"
	      " '' using 1:2:4 with labels font ',9' notitle,"
	      " 'columns.dat' using 1:(-1):xtic(2) with points ps 0 notitle,"
	      " 'rows.dat' using (-1):1:ytic(2) with points ps 0 notitle\n",
	      r->gp);
	/* An interrupted run may have no crash measured: the heat map alone. */
	if (ndetections > 0)
		fputs("set origin 0.64,0\nset size 0.36,0.95\n"
		      "set title 'time to detect a crash of the primary (ms)'\n"
		      "set xrange [-0.5:NR-0.5]\nset yrange [0:D_max * 1.15 + 1]\n"
		      "set grid ytics\n"
		      "set xlabel 'probe interval / timeout'\nset ylabel 'ms from the crash'\n"
		      "set ytics scale 1\nset xtics rotate by -20\nset boxwidth 0.6\n"
		      "set style fill solid 0.7 border -1\nunset colorbox\n"
		      "plot 'detect.dat' using 1:2 with boxes lc rgb '#4060c0' notitle,"
		      " '' using 1:2:3 with labels offset 0,0.7 notitle,"
		      " 'rows.dat' using 1:(-1):xtic(2) with points ps 0 notitle\n",
		      r->gp);
	fputs("unset multiplot\n", r->gp);
	return REPORT_DRAWN;
}
