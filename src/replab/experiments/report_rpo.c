/*
 * report_rpo.c — the rpo experiment for "replab report": for each mode,
 * commit latency p50 and p99 (bars, left axis) and the acknowledged writes
 * lost over all trials (bars, right axis); with --trials statistics
 * (summary[].loss_ci95), below it the share of trials that lost
 * acknowledged writes with its 95% interval as error bars, each labelled
 * ("0 of 20: below 15% at 95%", the rule of three, when none lost).
 *
 * Data files: rpo.dat ("mode<TAB>p50<TAB>p99<TAB>lost", the mode a label),
 * trials.dat (the number of trials, read back by gnuplot's stats) and
 * ci.dat ("mode<TAB>share<TAB>lo<TAB>hi<TAB>note", NaN for a mode without
 * an interval).
 */
#include "report.h"

#include "lab/jsonfile.h"

#define MS_MAX	   1e9 /* eleven days of commit latency */
#define LOST_MAX   1e15
#define TRIALS_MAX 1e9

/* m's loss_ci95 into ci.dat; *has: it had one.  False (logged) when malformed. */
static bool write_ci(struct report *r, json_t *m, size_t i, FILE *f, bool *has)
{
	json_t *ci = json_object_get(m, "loss_ci95");
	double n, k, lo, hi;
	char where[64], note[96];

	report_label(f, jfield_string(m, "mode"));
	if (!ci || json_is_null(ci)) {
		fputs("\tNaN\tNaN\tNaN\t\"\"\n", f);
		return true;
	}
	*has = true;
	if (json_array_size(ci) != 2)
		return report_invalid(r, "summary[%zu].loss_ci95 is not [lo, hi]", i), false;
	snprintf(where, sizeof(where), "summary[%zu].trials", i);
	if (!report_number(r, json_object_get(m, "trials"), where, 1, TRIALS_MAX, &n))
		return false;
	snprintf(where, sizeof(where), "summary[%zu].trials_with_loss", i);
	if (!report_number(r, json_object_get(m, "trials_with_loss"), where, 0, n, &k))
		return false;
	snprintf(where, sizeof(where), "summary[%zu].loss_ci95[0]", i);
	if (!report_number(r, json_array_get(ci, 0), where, 0, 1, &lo))
		return false;
	snprintf(where, sizeof(where), "summary[%zu].loss_ci95[1]", i);
	if (!report_number(r, json_array_get(ci, 1), where, lo, 1, &hi))
		return false;
	if (k == 0)
		snprintf(note, sizeof(note), "0 of %.0f: below %.0f%% at 95%%", n, 100 * hi);
	else
		snprintf(note, sizeof(note), "%.0f of %.0f: %.0f-%.0f%% at 95%%", k, n, 100 * lo,
			 100 * hi);
	fprintf(f, "\t%.5f\t%.5f\t%.5f\t", 100 * k / n, 100 * lo, 100 * hi);
	report_label(f, note);
	fputc('\n', f);
	return true;
}

enum report_result report_rpo(struct report *r, json_t *doc)
{
	json_t *summary, *m, *trials_v = json_object_get(doc, "trials");
	bool bad = false, has_ci = false;
	double trials = 0;
	FILE *data, *ci;
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
	ci = report_data(r, "ci.dat");
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
		    !report_number(r, json_object_get(m, "lost"), where[2], 0, LOST_MAX, &lost) ||
		    !write_ci(r, m, i, ci, &has_ci))
			return REPORT_INVALID;
		report_label(data, jfield_string(m, "mode"));
		fprintf(data, "\t%.3f\t%.3f\t%.0f\n", p50, p99, lost);
	}
	if (has_ci)
		fputs("set terminal pngcairo size 1000,800 noenhanced\n"
		      "set multiplot layout 2,1\n",
		      r->gp);
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
	if (has_ci)
		fputs("unset title\nunset y2label\nunset y2tics\nset ytics mirror\n"
		      "set ylabel 'trials that lost acknowledged writes (%)'\nset yrange [0:105]\n"
		      "set xrange [-0.5:*]\nset offsets 0, 0.5, 0, 0\nset key top left\n"
		      "plot 'ci.dat' using 0:2:3:4:xtic(1) with yerrorbars pt 7 ps 1.5 lw 2 "
		      "lc rgb 'red' title 'share of trials with a loss, 95% interval', "
		      "'' using 0:4:5 with labels offset 0,1 font ',9' notitle\n"
		      "unset multiplot\n",
		      r->gp);
	return REPORT_DRAWN;
}
