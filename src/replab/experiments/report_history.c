/*
 * report_history.c — the history of an experiment (X.history.jsonl, one
 * client operation a line) for "replab report": each operation at the time
 * it was sent, on its session's line (reads a little above the writes), a
 * line to when it was answered; green when ok, red when it failed, purple
 * and larger when its outcome is unknown (sent, never answered); squares
 * for writes, circles for reads; the experiment's faults shaded behind and
 * its events marked.
 *
 * Data files: ok.dat, fail.dat and unknown.dat ("sent_s<TAB>y<TAB>
 * answered_s - sent_s<TAB>point type", numbers only), sessions.dat
 * ("y<TAB>label": the sessions' names, labels), events.dat and faults.dat
 * (report_events).
 */
#include "report.h"

#include "fileread.h"
#include "lab/jsonfile.h"
#include "log.h"

#include <errno.h>
#include <string.h>

#define HISTORY_FILE_MAX (512 * 1024 * 1024) /* some million operations */
#define READ_OFFSET	 0.25		     /* reads drawn this far above their session's writes */
#define PT_WRITE	 5		     /* gnuplot's filled square */
#define PT_READ		 7		     /* filled circle */

json_t *report_history_load(const char *path)
{
	size_t len, n = 0;
	char *text = file_read_all(path, HISTORY_FILE_MAX, &len), *line, *end;
	json_t *ops;

	if (!text) {
		if (errno != ENOENT)
			log_error("could not read %s: %s", path,
				  errno == EFBIG ? "larger than 512 MB" : strerror(errno));
		return NULL;
	}
	ops = json_array();
	for (line = text; line < text + len; line = end + 1) {
		json_error_t err;
		json_t *op;

		n++;
		if (!(end = memchr(line, '\n', (size_t) (text + len - line))))
			end = text + len;
		if (strspn(line, " \t\r") >= (size_t) (end - line))
			continue;
		op = json_loadb(line, (size_t) (end - line), 0, &err);
		if (!json_is_object(op) || json_array_size(ops) == REPORT_MAX_POINTS) {
			log_error("%s: line %zu: %s", path, n,
				  !op		       ? err.text
				  : json_is_object(op) ? "more operations than a picture can take"
						       : "not an operation (a JSON object)");
			json_decref(op);
			json_decref(ops);
			free(text);
			errno = EINVAL;
			return NULL;
		}
		json_array_append_new(ops, op);
	}
	free(text);
	return ops;
}

static const char *const outcomes[] = { "ok", "fail", "unknown" };

/* One operation into its outcome's file; false (logged) when it is malformed. */
static bool write_op(struct report *r, json_t *op, size_t i, json_t *sessions, FILE *out[3],
		     size_t count[3], FILE *names, double *lo, double *hi)
{
	const char *session = jfield_string(op, "session"), *kind = jfield_string(op, "op"),
		   *outcome = jfield_string(op, "outcome");
	json_t *answered = json_object_get(op, "answered_ms"), *y;
	char where[64];
	double sent, got = -1;
	int o = 0;

	if (!json_is_object(op))
		return report_invalid(r, "history[%zu] is not an object", i), false;
	if (!session)
		return report_invalid(r, "history[%zu].session is not a string", i), false;
	if (!kind || (strcmp(kind, "write") != 0 && strcmp(kind, "read") != 0))
		return report_invalid(r, "history[%zu].op is not \"write\" or \"read\"", i), false;
	while (o < 3 && (!outcome || strcmp(outcome, outcomes[o]) != 0))
		o++;
	if (o == 3)
		return report_invalid(r, "history[%zu].outcome is not ok, fail or unknown", i),
		       false;
	snprintf(where, sizeof(where), "history[%zu].sent_ms", i);
	if (!report_number(r, json_object_get(op, "sent_ms"), where, -REPORT_T_MS_MAX,
			   REPORT_T_MS_MAX, &sent))
		return false;
	snprintf(where, sizeof(where), "history[%zu].answered_ms", i);
	if (answered && !json_is_null(answered) &&
	    !report_number(r, answered, where, sent, REPORT_T_MS_MAX, &got))
		return false;
	if (!(y = json_object_get(sessions, session))) {
		if (json_object_size(sessions) == REPORT_MAX_LABELS)
			return report_invalid(r, "the history has more than %d sessions",
					      REPORT_MAX_LABELS),
			       false;
		y = json_integer((json_int_t) json_object_size(sessions));
		json_object_set_new(sessions, session, y);
		fprintf(names, "%lld\t", (long long) json_integer_value(y));
		report_label(names, session);
		fputc('\n', names);
	}
	sent /= 1000;
	got = got < 0 ? sent : got / 1000;
	*lo = sent < *lo ? sent : *lo;
	*hi = got > *hi ? got : *hi;
	count[o]++;
	fprintf(out[o], "%.3f\t%.2f\t%.3f\t%d\n", sent,
		(double) json_integer_value(y) + (kind[0] == 'r' ? READ_OFFSET : 0), got - sent,
		kind[0] == 'r' ? PT_READ : PT_WRITE);
	return true;
}

enum report_result report_history(struct report *r, json_t *doc, json_t *history)
{
	static const char *const colours[] = { "#2ca02c", "#d62728", "#9467bd" };
	static const char *const titles[] = { "ok", "fail", "unknown (no answer)" };
	FILE *out[3] = { report_data(r, "ok.dat"), report_data(r, "fail.dat"),
			 report_data(r, "unknown.dat") };
	FILE *names = report_data(r, "sessions.dat");
	json_t *events, *sessions, *op;
	struct report_events ev;
	double lo = 1e300, hi = -1e300;
	size_t count[3] = { 0 };
	bool bad = false;
	size_t i;

	events = report_array(r, doc, "events", "", REPORT_MAX_LABELS, &bad);
	if (bad)
		return REPORT_INVALID;
	if (json_array_size(history) == 0)
		return REPORT_EMPTY;
	sessions = json_object();
	json_array_foreach(history, i, op) {
		if (!write_op(r, op, i, sessions, out, count, names, &lo, &hi)) {
			json_decref(sessions);
			return REPORT_INVALID;
		}
	}
	if (!report_events(r, events, &ev)) {
		json_decref(sessions);
		return REPORT_INVALID;
	}
	report_faults_end(&ev, hi);
	fprintf(r->gp,
		"set title 'history: %zu operations by session (squares: writes, circles: "
		"reads)'\n"
		"set xlabel 'seconds (sent, a line to the answer)'\nset ylabel 'session'\n"
		"set yrange [-0.5:%zu.5]\nset ytics scale 0\nset grid noytics\n"
		"set y2range [0:1]\nunset y2tics\nset key outside bottom center horizontal\n"
		"set xrange [%.3f:%.3f]\nplot ",
		json_array_size(history), json_object_size(sessions) - 1, lo - (hi - lo) / 50 - 0.1,
		hi + (hi - lo) / 50 + 0.1);
	json_decref(sessions);
	if (ev.nfaults > 0)
		fputs(REPORT_FAULTS_PLOT ", \\\n  ", r->gp);
	for (int o = 0; o < 3; o++)
		if (count[o] > 0) /* gnuplot warns of an empty file */
			fprintf(r->gp,
				"'%s.dat' using 1:2:3:(0) with vectors nohead lc rgb '%s' notitle, "
				"\\\n"
				"  '' using 1:2:4 with points pt variable ps %s lc rgb '%s' "
				"notitle, \\\n"
				"  NaN with points pt 5 ps 1.3 lc rgb '%s' title '%s', \\\n  ",
				outcomes[o], colours[o], o == 2 ? "1.3" : "0.6", colours[o],
				colours[o], titles[o]);
	fprintf(r->gp, "'sessions.dat' using (%.3f):1:ytic(2) with points ps 0 notitle", lo);
	if (json_array_size(events) > 0)
		fputs(", \\\n  " REPORT_EVENTS_PLOT, r->gp);
	fputc('\n', r->gp);
	return REPORT_DRAWN;
}
