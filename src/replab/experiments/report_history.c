/*
 * report_history.c — the history of an experiment (X.history.jsonl, one
 * client operation a line) for "replab report": each operation at the time
 * it was sent, on its session's line (reads a little above the writes), a
 * line to when it was answered; green when ok, red when it failed, purple
 * and larger when its outcome is unknown (sent, never answered); squares
 * for writes, circles for reads; the experiment's faults shaded behind and
 * its events marked.
 *
 * The history is read and checked by history/history.c.
 *
 * Data files: ok.dat, fail.dat and unknown.dat ("sent_s<TAB>y<TAB>
 * answered_s - sent_s<TAB>point type", numbers only), sessions.dat
 * ("y<TAB>label": the sessions' names, labels), events.dat and faults.dat
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

enum report_result report_history(struct report *r, json_t *doc, const struct history *h)
{
	static const char *const colours[] = { "#2ca02c", "#d62728", "#9467bd" };
	static const char *const titles[] = { "ok", "fail", "unknown (no answer)" };
	FILE *out[3] = { report_data(r, "ok.dat"), report_data(r, "fail.dat"),
			 report_data(r, "unknown.dat") };
	FILE *names = report_data(r, "sessions.dat");
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
		fprintf(out[op->outcome], "%.3f\t%.2f\t%.3f\t%d\n", sent,
			(double) *y + (read ? READ_OFFSET : 0), got - sent,
			read ? PT_READ : PT_WRITE);
	}
	free(line);
	if (!report_events(r, events, &ev))
		return REPORT_INVALID;
	report_faults_end(&ev, hi);
	fprintf(r->gp,
		"set title 'history: %zu operations by session (squares: writes, circles: "
		"reads)'\n"
		"set xlabel 'seconds (sent, a line to the answer)'\nset ylabel 'session'\n"
		"set yrange [-0.5:%zu.5]\nset ytics scale 0\nset grid noytics\n"
		"set y2range [0:1]\nunset y2tics\nset key outside bottom center horizontal\n"
		"set xrange [%.3f:%.3f]\nplot ",
		h->n, nsessions - 1, lo - (hi - lo) / 50 - 0.1, hi + (hi - lo) / 50 + 0.1);
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
	fprintf(r->gp, "'sessions.dat' using (%.3f):1:ytic(2) with points ps 0 notitle", lo);
	if (json_array_size(events) > 0)
		fputs(", \\\n  " REPORT_EVENTS_PLOT, r->gp);
	fputc('\n', r->gp);
	return REPORT_DRAWN;
}
