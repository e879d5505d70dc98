/*
 * report_history.c — the history of an experiment (X.history.jsonl, one
 * client operation a line) for "replab report": each operation at the time
 * it was sent, on its session's line (reads a little above the writes), a
 * line to when it was answered; green when ok, red when it failed, purple
 * and larger when its outcome is unknown (sent, never answered); squares
 * for writes, circles for reads; the experiment's faults shaded behind and
 * its events marked; each anomaly the checkers located (report_anomalies.c)
 * a larger open mark of its kind over its operation, the legend naming each
 * kind found and its count, the title saying when none was.
 *
 * The history is read and checked by history/history.c.
 *
 * Data files: ok.dat, fail.dat and unknown.dat ("sent_s<TAB>y<TAB>
 * answered_s - sent_s<TAB>point type", numbers only), anomalies.dat
 * ("sent_s<TAB>y<TAB>kind": enum history_kind), sessions.dat ("y<TAB>
 * label": the sessions' names, labels), events.dat and faults.dat
 * (report_events).
 */
#include "report.h"

#include "history/history.h"
#include "log.h"

#include <stdint.h>
#include <stdlib.h>

#define READ_OFFSET 0.25 /* reads drawn this far above their session's writes */
#define PT_WRITE    5	 /* gnuplot's filled square */
#define PT_READ	    7	 /* filled circle */

static const char *const outcomes[] = { "ok", "fail", "unknown" };

/* How each kind of anomaly is marked: an open shape (or a cross) around the operation. */
static const struct {
	int pt;
	const char *ps, *colour;
} marks[HISTORY_KINDS] = {
	[HISTORY_LOST] = { 2, "2.2", "#000000" },	/* a cross */
	[HISTORY_COMMITTED] = { 12, "2.2", "#1f77b4" }, /* an open diamond */
	[HISTORY_NOT_COMMITTED] = { 12, "2.2", "#7f7f7f" },
	[HISTORY_STALE] = { 6, "1.8", "#ff7f0e" },	/* an open circle */
	[HISTORY_RYW] = { 8, "2.2", "#8c564b" },	/* an open triangle */
	[HISTORY_MONOTONIC] = { 10, "2.2", "#e377c2" }, /* upside down */
};

/* The y of operation i on its session's line. */
static double row(const struct history *h, const size_t *line, size_t i)
{
	const struct history_record *op = &h->records[i];

	return (double) line[history_name_id(h, op->session)] +
	       (op->op == HISTORY_READ ? READ_OFFSET : 0);
}

/* The marks' lines of the script, a legend entry for each kind found. */
static void plot_anomalies(FILE *gp, const struct report_anomalies *a)
{
	for (int k = 0; k < HISTORY_KINDS; k++) {
		if (a->count[k] == 0)
			continue;
		if (a->marks.n[k] > 0)
			fprintf(gp,
				"'anomalies.dat' using 1:($3 == %d ? $2 : NaN) with points pt %d "
				"ps %s lw 1.5 lc rgb '%s' notitle, \\\n  ",
				k, marks[k].pt, marks[k].ps, marks[k].colour);
		fprintf(gp, "NaN with points pt %d ps 1.5 lw 1.5 lc rgb '%s' title '%s: %zu",
			marks[k].pt, marks[k].colour, report_anomaly_names[k], a->count[k]);
		if (a->marks.n[k] < a->count[k])
			fprintf(gp, " (%zu marked)", a->marks.n[k]);
		fputs("', \\\n  ", gp);
	}
}

enum report_result report_history(struct report *r, json_t *doc, const struct history *h,
				  const struct report_anomalies *a)
{
	static const char *const colours[] = { "#2ca02c", "#d62728", "#9467bd" };
	static const char *const titles[] = { "ok", "fail", "unknown (no answer)" };
	FILE *out[3] = { report_data(r, "ok.dat"), report_data(r, "fail.dat"),
			 report_data(r, "unknown.dat") };
	FILE *names = report_data(r, "sessions.dat"), *found = report_data(r, "anomalies.dat");
	size_t count[3] = { 0 }, nsessions = 0, *line;
	double lo = 1e300, hi = -1e300;
	struct report_events ev;
	bool bad = false;
	json_t *events;

	events = report_array(r, doc, "events", "", REPORT_MAX_LABELS, &bad);
	if (bad)
		return REPORT_INVALID;
	if (h->n == 0)
		return REPORT_EMPTY;
	if (h->n > REPORT_MAX_POINTS)
		return report_invalid(r,
				      "the history has %zu operations, more than the %d a plot "
				      "can take",
				      h->n, REPORT_MAX_POINTS);
	/* each session's line, numbered in the order the sessions first appear */
	if (!(line = malloc(history_names(h) * sizeof(*line))))
		fatal("out of memory");
	for (size_t i = 0; i < history_names(h); i++)
		line[i] = SIZE_MAX;
	for (size_t i = 0; i < h->n; i++) {
		const struct history_record *op = &h->records[i];
		size_t *y = &line[history_name_id(h, op->session)];
		double sent = op->sent_ms / 1000,
		       got = op->answered ? op->answered_ms / 1000 : sent;
		bool read = op->op == HISTORY_READ;

		if (*y == SIZE_MAX) {
			*y = nsessions++;
			fprintf(names, "%zu\t", *y);
			report_label(names, op->session);
			fputc('\n', names);
		}
		lo = sent < lo ? sent : lo;
		hi = got > hi ? got : hi;
		count[op->outcome]++;
		fprintf(out[op->outcome], "%.3f\t%.2f\t%.3f\t%d\n", sent, row(h, line, i),
			got - sent, read ? PT_READ : PT_WRITE);
	}
	for (int k = 0; k < HISTORY_KINDS; k++)
		for (size_t j = 0; j < a->marks.n[k]; j++)
			fprintf(found, "%.3f\t%.2f\t%d\n",
				h->records[a->marks.at[k][j]].sent_ms / 1000,
				row(h, line, a->marks.at[k][j]), k);
	free(line);
	if (!report_events(r, events, &ev))
		return REPORT_INVALID;
	report_events_end(&ev, lo, hi);
	fprintf(r->gp,
		"set title 'history: %zu operations by session (squares: writes, circles: "
		"reads)%s'\n"
		"set xlabel 'seconds (sent, a line to the answer)'\nset ylabel 'session'\n"
		"set yrange [-0.5:%zu.5]\nset ytics scale 0\nset grid noytics\n"
		"set y2range [0:1]\nunset y2tics\nset key outside bottom center horizontal\n"
		"set xrange [%.3f:%.3f]\nplot ",
		h->n, report_anomalies_total(a) ? "" : "; no anomaly found", nsessions - 1,
		lo - (hi - lo) / 50 - 0.1, hi + (hi - lo) / 50 + 0.1);
	if (ev.nfaults > 0)
		fputs(REPORT_FAULTS_PLOT ", \\\n  ", r->gp);
	for (int o = 0; o < 3; o++)
		if (count[o] > 0) /* gnuplot warns of an empty file */
			fprintf(r->gp,
				"'%s.dat' using 1:2:3:(0) with vectors nohead lc rgb '%s' notitle, "
				"\\\n  '' using 1:2:4 with points pt variable ps %s lc rgb '%s' "
				"notitle, \\\n  NaN with points pt 5 ps 1.3 lc rgb '%s' title "
				"'%s', "
				"\\\n  ",
				outcomes[o], colours[o], o == 2 ? "1.3" : "0.6", colours[o],
				colours[o], titles[o]);
	plot_anomalies(r->gp, a);
	fprintf(r->gp, "'sessions.dat' using (%.3f):1:ytic(2) with points ps 0 notitle", lo);
	if (json_array_size(events) > 0)
		fputs(", \\\n  " REPORT_EVENTS_PLOT, r->gp);
	fputc('\n', r->gp);
	return REPORT_DRAWN;
}
