/*
 * report_rpo.c — the rpo experiment for "replab report": for each mode,
 * commit latency p50 and p99 (bars, left axis) and the acknowledged writes
 * lost over all trials (bars, right axis).
 *
 * Beside it, when every mode has "loss_ci95": the share of trials that lost
 * acknowledged writes, with its 95% interval as error bars (a mode with no
 * loss in N trials still has a bar up to about 3/N: no loss seen is not no
 * loss).
 *
 * Data files: rpo.dat ("mode<TAB>p50<TAB>p99<TAB>lost", the mode a label),
 * trials.dat (the number of trials, read back by gnuplot's stats) and
 * loss.dat ("mode<TAB>percent<TAB>low<TAB>high").
 */
#include "report.h"

#include "lab/jsonfile.h"

#define MS_MAX	 1e9 /* eleven days of commit latency */
#define LOST_MAX 1e15

/*
 * Mode i's share of trials with a loss and its interval, in percent, into
 * loss (opened on the first); false with *bad set when malformed, false
 * alone when the mode has no interval (an older document).
 */
static bool loss_row(struct report *r, json_t *m, size_t i, FILE **loss, bool *bad)
{
	json_t *ci = json_object_get(m, "loss_ci95");
	char where[3][48];
	double n, k, lo, hi;

	if (!ci)
		return false;
	snprintf(where[0], sizeof(where[0]), "summary[%zu].trials", i);
	snprintf(where[1], sizeof(where[1]), "summary[%zu].trials_with_loss", i);
	snprintf(where[2], sizeof(where[2]), "summary[%zu].loss_ci95", i);
	*bad = !json_is_array(ci) || json_array_size(ci) != 2;
	if (*bad) {
		report_invalid(r, "%s is not [low, high]", where[2]);
		return false;
	}
	*bad = !report_number(r, json_object_get(m, "trials"), where[0], 1, 1e9, &n) ||
	       !report_number(r, json_object_get(m, "trials_with_loss"), where[1], 0, n, &k) ||
	       !report_number(r, json_array_get(ci, 0), where[2], 0, 1, &lo) ||
	       !report_number(r, json_array_get(ci, 1), where[2], lo, 1, &hi);
	if (*bad)
		return false;
	if (!*loss)
		*loss = report_data(r, "loss.dat");
	report_label(*loss, jfield_string(m, "mode"));
	fprintf(*loss, "\t%.3f\t%.3f\t%.3f\n", 100 * k / n, 100 * lo, 100 * hi);
	return true;
}

enum report_result report_rpo(struct report *r, json_t *doc)
{
	FILE *loss = NULL;
	size_t with_ci = 0;
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
		if (loss_row(r, m, i, &loss, &bad))
			with_ci++;
		else if (bad)
			return REPORT_INVALID;
		report_label(data, jfield_string(m, "mode"));
		fprintf(data, "\t%.3f\t%.3f\t%.0f\n", p50, p99, lost);
	}
	if (with_ci && with_ci != json_array_size(summary))
		return report_invalid(r, "some modes have loss_ci95 and some do not");
	if (with_ci)
		fputs("set terminal pngcairo size 1400,500 noenhanced\n"
		      "set multiplot layout 1,2\n",
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
	if (with_ci)
		fprintf(r->gp,
			"set title 'trials that lost acknowledged writes (95%% interval)'\n"
			"unset y2label\nunset y2tics\nset ytics mirror\n"
			"set ylabel 'trials with a loss (%%)'\nset yrange [0:100]\n"
			"set xrange [-0.5:%zu.5]\n"
			"plot 'loss.dat' using 0:2:3:4:xtic(1) with yerrorbars pt 7 ps 1.5 lw 2"
			" lc rgb 'red' title 'share of trials (bars: 95%% interval)'\n"
			"unset multiplot\n",
			with_ci - 1);
	return REPORT_DRAWN;
}
