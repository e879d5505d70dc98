/*
 * report_rpo.c — the rpo experiment for "replab report": for each mode,
 * commit latency p50 and p99 (bars, left axis) and the acknowledged writes
 * lost over all trials (bars, right axis).
 *
 * Data files: rpo.dat ("mode<TAB>p50<TAB>p99<TAB>lost", the mode a label)
 * and trials.dat (the number of trials, read back by gnuplot's stats).
 */
#include "report.h"

#include "lab/jsonfile.h"

#define MS_MAX	 1e9 /* eleven days of commit latency */
#define LOST_MAX 1e15

enum report_result report_rpo(struct report *r, json_t *doc)
{
	json_t *summary, *m, *trials_v = json_object_get(doc, "trials");
	bool bad = false;
	double trials = 0;
	FILE *data;
	size_t i;

	summary = report_array(r, doc, "summary", "", REPORT_MAX_LABELS, &bad);
	if (bad)
		return REPORT_INVALID;
	if (trials_v && !json_is_null(trials_v) &&
	    !report_number(r, trials_v, "trials", 0, 1e9, &trials))
		return REPORT_INVALID;
	if (json_array_size(summary) == 0)
		return REPORT_EMPTY;
	data = report_data(r, "rpo.dat");
	json_array_foreach(summary, i, m) {
		char where[3][48];
		double p50, p99, lost;

		if (!json_is_object(m))
			return report_invalid(r, "summary[%zu] is not an object", i);
		snprintf(where[0], sizeof(where[0]), "summary[%zu].p50_ms", i);
		snprintf(where[1], sizeof(where[1]), "summary[%zu].p99_ms", i);
		snprintf(where[2], sizeof(where[2]), "summary[%zu].lost", i);
		if (!jfield_string(m, "mode"))
			return report_invalid(r, "summary[%zu].mode is not a string", i);
		if (!report_number(r, json_object_get(m, "p50_ms"), where[0], 0, MS_MAX, &p50) ||
		    !report_number(r, json_object_get(m, "p99_ms"), where[1], 0, MS_MAX, &p99) ||
		    !report_number(r, json_object_get(m, "lost"), where[2], 0, LOST_MAX, &lost))
			return REPORT_INVALID;
		report_label(data, jfield_string(m, "mode"));
		fprintf(data, "\t%.3f\t%.3f\t%.0f\n", p50, p99, lost);
	}
	if (trials_v && !json_is_null(trials_v)) {
		fprintf(report_data(r, "trials.dat"), "%.0f\n", trials);
		fputs("stats 'trials.dat' using 1 nooutput\n"
		      "set title sprintf('rpo: %d crash trials per mode', STATS_max)\n",
		      r->gp);
	} else
		fputs("set title 'rpo: crash trials per mode'\n", r->gp);
	fputs("set style data histograms\nset style histogram clustered gap 2\nset style fill "
	      "solid 0.8 border -1\n"
	      "set ylabel 'commit latency (ms, median over trials)'\nset y2label 'acknowledged "
	      "writes lost'\n"
	      "set ytics nomirror\nset y2tics\nset yrange [0:*]\nset y2range [0:*]\nset key top "
	      "left\n",
	      r->gp);
	fputs("plot 'rpo.dat' using 2:xtic(1) title 'p50 latency', '' using 3 title 'p99 latency',"
	      " '' using ($0+0.27):4 axes x1y2 with impulses lw 12 lc rgb 'red' title 'lost "
	      "writes'\n",
	      r->gp);
	return REPORT_DRAWN;
}
