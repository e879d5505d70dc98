/*
 * report_commits.c — failover-under-load --workload pgbench for "replab
 * report": the transactions each pgbench run committed per second (from
 * its per-transaction log, counted per 100 ms from its first commit, on
 * the experiment's timeline), the first run's on the old primary and the
 * second's on the new, the downtime between them shaded and labelled, the
 * events (the crash, the promotion) marked.
 *
 * Data files: before.dat and after.dat ("seconds<TAB>commits per second",
 * each 100 ms from the run's first commit, and one more point at the end of
 * its last), downtime.dat ("from<TAB>to<TAB>label", seconds), events.dat
 * (report_events).
 */
#include "report.h"

#include <math.h>

#define COMMITS_MAX 1e9 /* transactions committed in 100 ms */

/*
 * doc.pgbench[key]'s commits into name's data file; *drawn: it had any;
 * *end_s raised to its end.  False (logged) when a member is malformed.
 */
static bool write_run(struct report *r, json_t *pgbench, const char *key, const char *name,
		      bool *drawn, double *end_s)
{
	json_t *run = json_object_get(pgbench, key), *bins, *first, *c;
	char where[80];
	bool bad = false;
	double t0, v = 0;
	FILE *f;
	size_t i;

	*drawn = false;
	if (!run || json_is_null(run))
		return true;
	if (!json_is_object(run)) {
		report_invalid(r, "pgbench.%s is not an object", key);
		return false;
	}
	snprintf(where, sizeof(where), "pgbench.%s", key);
	bins = report_array(r, run, "commits_per_100ms", where, REPORT_MAX_POINTS, &bad);
	if (bad)
		return false;
	if (json_array_size(bins) == 0)
		return true;
	snprintf(where, sizeof(where), "pgbench.%s.first_commit_t_ms", key);
	first = json_object_get(run, "first_commit_t_ms");
	if (!report_number(r, first, where, -REPORT_T_MS_MAX, REPORT_T_MS_MAX, &t0))
		return false;
	f = report_data(r, name);
	json_array_foreach(bins, i, c) {
		snprintf(where, sizeof(where), "pgbench.%s.commits_per_100ms[%zu]", key, i);
		if (!report_number(r, c, where, 0, COMMITS_MAX, &v))
			return false;
		fprintf(f, "%.3f\t%.17g\n", (t0 + 100.0 * (double) i) / 1000, v * 10);
	}
	fprintf(f, "%.3f\t%.17g\n", (t0 + 100.0 * (double) i) / 1000, v * 10);
	if ((t0 + 100.0 * (double) i) / 1000 > *end_s)
		*end_s = (t0 + 100.0 * (double) i) / 1000;
	*drawn = true;
	return true;
}

/* The downtime, from the first run's last commit to the second's first, when both are known. */
static bool write_downtime(struct report *r, json_t *pgbench, bool *drawn)
{
	json_t *last = json_object_get(json_object_get(pgbench, "before"), "last_commit_t_ms"),
	       *first = json_object_get(json_object_get(pgbench, "after"), "first_commit_t_ms");
	double from, to;
	FILE *f;

	*drawn = false;
	if (!json_is_number(last) || !json_is_number(first))
		return true;
	if (!report_number(r, last, "pgbench.before.last_commit_t_ms", -REPORT_T_MS_MAX,
			   REPORT_T_MS_MAX, &from) ||
	    !report_number(r, first, "pgbench.after.first_commit_t_ms", from, REPORT_T_MS_MAX, &to))
		return false;
	f = report_data(r, "downtime.dat");
	fprintf(f, "%.3f\t%.3f\t\"%.0f ms\"\n", from / 1000, to / 1000, round(to - from));
	*drawn = true;
	return true;
}

enum report_result report_commits(struct report *r, json_t *doc)
{
	json_t *pgbench = json_object_get(doc, "pgbench"), *events;
	bool bad = false, before, after, downtime;
	struct report_events ev;
	double end_s = 0;

	if (!json_is_object(pgbench)) {
		report_invalid(r, "pgbench is not an object");
		return REPORT_INVALID;
	}
	events = report_array(r, doc, "events", "", REPORT_MAX_LABELS, &bad);
	if (bad || !write_run(r, pgbench, "before", "before.dat", &before, &end_s) ||
	    !write_run(r, pgbench, "after", "after.dat", &after, &end_s) ||
	    !write_downtime(r, pgbench, &downtime) || !report_events(r, events, &ev))
		return REPORT_INVALID;
	report_events_end(&ev, 0, end_s);
	if (!before && !after)
		return REPORT_EMPTY;
	fputs("set title 'failover-under-load --workload pgbench: transactions committed'\n"
	      "set xlabel 'seconds'\nset ylabel 'commits per second (per 100 ms, x10)'\n"
	      "set key below\nset yrange [0:*]\nset y2range [0:1]\nunset y2tics\nplot ",
	      r->gp);
	if (downtime)
		fputs("'downtime.dat' using (($1+$2)/2):(0.5):(($2-$1)/2):(0.5) axes x1y2 with "
		      "boxxyerror fs solid 0.25 noborder lc rgb 'grey' \\\n"
		      "  title 'downtime: last commit on the old primary to the first on the new', "
		      "\\\n  'downtime.dat' using (($1+$2)/2):(0.92):3 axes x1y2 with labels "
		      "noenhanced font ',9' notitle, \\\n  ",
		      r->gp);
	if (before)
		fprintf(r->gp,
			"'before.dat' using 1:2 with steps lw 2 lc rgb 'blue' title "
			"'first pgbench (the old primary)'%s",
			after ? ", \\\n  " : "");
	if (after)
		fputs("'after.dat' using 1:2 with steps lw 2 lc rgb 'dark-green' title "
		      "'second pgbench (the new primary)'",
		      r->gp);
	if (json_array_size(events) > 0)
		fputs(", \\\n  " REPORT_EVENTS_PLOT, r->gp);
	fputc('\n', r->gp);
	return REPORT_DRAWN;
}
