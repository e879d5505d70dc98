/*
 * report_failover.c — failover-under-load for "replab report": one trial is
 * its timeline (report_timeline.c); several are a bar group per trial, the
 * time to detect the primary's loss, to promote, and the client's downtime
 * (left axis), and the acknowledged writes each trial lost (right axis).
 * Under --workload pgbench, the commits over time (report_commits.c).
 *
 * Data file: runs.dat ("trial<TAB>detection<TAB>promotion<TAB>downtime<TAB>lost").
 */
#include "report.h"

#include "lab/jsonfile.h"

#include <string.h>

#define MS_MAX	 1e9
#define LOST_MAX 1e15

/* Trial i's figures into data; false (logged) when one is malformed. */
static bool run_row(struct report *r, json_t *run, size_t i, FILE *data)
{
	static const char *const keys[] = { "detection_ms", "promote_ms", "client_downtime_ms",
					    "lost_writes" };
	double v[4];

	if (!json_is_object(run)) {
		report_invalid(r, "summary.modes[0].runs[%zu] is not an object", i);
		return false;
	}
	for (size_t k = 0; k < 4; k++) {
		char where[80];

		snprintf(where, sizeof(where), "summary.modes[0].runs[%zu].%s", i, keys[k]);
		if (!report_number(r, json_object_get(run, keys[k]), where, 0,
				   k < 3 ? MS_MAX : LOST_MAX, &v[k]))
			return false;
	}
	fprintf(data, "%zu\t%.1f\t%.1f\t%.1f\t%.0f\n", i + 1, v[0], v[1], v[2], v[3]);
	return true;
}

enum report_result report_failover(struct report *r, json_t *doc)
{
	json_t *modes = json_object_get(json_object_get(doc, "summary"), "modes"), *runs, *run;
	const char *workload = jfield_string(doc, "workload");
	bool bad = false;
	FILE *data;
	size_t i;

	if (workload && strcmp(workload, "pgbench") == 0)
		return report_commits(r, doc);
	runs = report_array(r, json_array_get(modes, 0), "runs", "summary.modes[0]",
			    REPORT_MAX_LABELS, &bad);
	if (bad)
		return REPORT_INVALID;
	if (json_array_size(runs) < 2)
		return report_timeline(r, doc);
	data = report_data(r, "runs.dat");
	json_array_foreach(runs, i, run) {
		if (!run_row(r, run, i, data))
			return REPORT_INVALID;
	}
	fputs("set title 'failover-under-load: each trial from the saved lab'\n"
	      "set style data histograms\nset style histogram clustered gap 2\n"
	      "set style fill solid 0.8 border -1\nset xlabel 'trial'\n"
	      "set ylabel 'ms'\nset y2label 'acknowledged writes lost'\n"
	      "set ytics nomirror\nset y2tics\nset yrange [0:*]\nset y2range [0:*]\n"
	      "set key top left\n"
	      "plot 'runs.dat' using 2:xtic(1) title 'primary loss detected',"
	      " '' using 3 title 'promotion', '' using 4 title 'client downtime',"
	      " '' using ($0+0.3):5 axes x1y2 with impulses lw 12 lc rgb 'red'"
	      " title 'lost writes'\n",
	      r->gp);
	return REPORT_DRAWN;
}
