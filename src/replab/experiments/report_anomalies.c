/*
 * report_anomalies.c — what the checkers (history/check.h) located in a
 * run's history, for its picture and its page: the read anomalies by the
 * checker run here over the history (per mode when its records name their
 * mode, each mode's run checked on its own, as the experiment did), the lost and
 * unknown writes from the result's checks, which only the experiment could
 * resolve against the surviving server's rows: summary.checks, or each
 * trial's (rpo: summary[].runs[].checks) or phase's (phases[].checks).
 */
#include "report.h"

#include "history/history.h"
#include "history/runs.h"
#include "lab/jsonfile.h"
#include "log.h"
#include "strutil.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_SHOWN 5 /* anomalies of each kind listed on the page */

const char *const report_anomaly_names[HISTORY_KINDS] = {
	[HISTORY_LOST] = "lost acknowledged writes",
	[HISTORY_COMMITTED] = "unknown writes that committed",
	[HISTORY_NOT_COMMITTED] = "unknown writes that did not commit",
	[HISTORY_STALE] = "stale reads",
	[HISTORY_RYW] = "read-your-writes violations",
	[HISTORY_MONOTONIC] = "monotonic-read violations",
};

/*
 * The read kinds of h, run by run (history/runs.h: per mode when its
 * records name one, each mode's run checked on its own, as the experiment
 * did).
 */
static void check_runs(struct report_anomalies *a, const struct history *h)
{
	static const enum history_kind reads[] = { HISTORY_STALE, HISTORY_RYW, HISTORY_MONOTONIC };
	struct history_marks m = { 0 };
	struct history_runs runs;

	history_runs(h, &runs);
	for (size_t i = 0; i < runs.n; i++)
		json_decref(history_check_run(h, &runs.run[i], NULL, NULL, &m));
	history_runs_free(&runs);
	for (size_t k = 0; k < sizeof(reads) / sizeof(reads[0]); k++) {
		for (size_t j = 0; j < m.n[reads[k]]; j++)
			history_mark(&a->marks, reads[k], m.at[reads[k]][j]);
		a->count[reads[k]] += m.n[reads[k]];
	}
	history_marks_free(&m);
}

/* The write of h by writer and seq, of outcome; h->n when there is none. */
static size_t find_write(const struct history *h, const char *writer, long long seq,
			 enum history_outcome outcome)
{
	size_t w = history_name_id(h, writer);

	for (size_t i = 0; w < history_names(h) && i < h->n; i++) {
		const struct history_record *op = &h->records[i];

		if (op->op == HISTORY_WRITE && op->seq == seq && op->outcome == outcome &&
		    history_name_id(h, op->writer) == w)
			return i;
	}
	return h->n;
}

/* c added to the count of kind (at most the history's operations); false (logged) when it is not
 * one. */
static bool count_of(struct report_anomalies *a, const struct report *r, const json_t *c,
		     const char *where, const char *key, enum history_kind kind)
{
	char at[128];
	double n;

	xsnprintf(at, sizeof(at), "%s.%s", where, key);
	if (!report_number(r, c, at, 0, (double) a->h->n - (double) a->count[kind], &n))
		return false;
	a->count[kind] += (size_t) n;
	return true;
}

/*
 * The writes listed in checks[key].first (where names checks), located in h: each an
 * ok write for the lost ones, a write never answered for the unknown ones
 * (its kind by "committed"); false (logged) when one is malformed or no
 * write of h.
 */
static bool locate_writes(struct report_anomalies *a, const struct report *r, const json_t *checks,
			  const char *where, const char *key)
{
	bool lost = strcmp(key, "lost_writes") == 0, bad = false;
	json_t *first = report_array(r, json_object_get(checks, key), "first", key,
				     REPORT_MAX_POINTS, &bad),
	       *e;
	size_t i;

	json_array_foreach(first, i, e) {
		const char *writer = jfield_string(e, "writer");
		json_t *seq = json_object_get(e, "seq"),
		       *committed = json_object_get(e, "committed");
		size_t at;

		if (!writer || !json_is_integer(seq) || (!lost && !json_is_boolean(committed)))
			return report_invalid(r,
					      "%s.%s.first[%zu] is not a write "
					      "(\"writer\", \"seq\"%s)",
					      where, key, i, lost ? "" : ", \"committed\""),
			       false;
		at = find_write(a->h, writer, json_integer_value(seq),
				lost ? HISTORY_OK : HISTORY_UNKNOWN);
		if (at == a->h->n)
			return report_invalid(r,
					      "%s.%s.first[%zu]: the history has no "
					      "%s write %lld of that writer",
					      where, key, i, lost ? "acknowledged" : "unanswered",
					      (long long) json_integer_value(seq)),
			       false;
		history_mark(&a->marks,
			     lost		       ? HISTORY_LOST
			     : json_is_true(committed) ? HISTORY_COMMITTED
						       : HISTORY_NOT_COMMITTED,
			     at);
	}
	return !bad;
}

/* The writes' kinds from one checks object (where names it) added to a's. */
static bool add_checks(struct report_anomalies *a, const struct report *r, const json_t *checks,
		       const char *where)
{
	const json_t *lost = json_object_get(checks, "lost_writes"),
		     *unknown = json_object_get(checks, "unknown_writes");

	if (!json_is_object(lost))
		return true;
	a->writes = true;
	return count_of(a, r, json_object_get(lost, "count"), where, "lost_writes.count",
			HISTORY_LOST) &&
	       locate_writes(a, r, checks, where, "lost_writes") &&
	       (!json_is_object(unknown) ||
		(count_of(a, r, json_object_get(unknown, "committed"), where,
			  "unknown_writes.committed", HISTORY_COMMITTED) &&
		 count_of(a, r, json_object_get(unknown, "not_committed"), where,
			  "unknown_writes.not_committed", HISTORY_NOT_COMMITTED) &&
		 locate_writes(a, r, checks, where, "unknown_writes")));
}

/*
 * The writes' kinds from every checks object the result holds, where the
 * experiment checked them against a server: summary.checks, rpo's
 * summary[].runs[].checks, wal-retention's phases[].checks.
 */
static bool checked_writes(struct report_anomalies *a, const struct report *r, const json_t *doc)
{
	const json_t *summary = json_object_get(doc, "summary"), *m, *t, *p;
	char where[96];
	size_t i, j;

	if (!add_checks(a, r, json_object_get(summary, "checks"), "summary.checks"))
		return false;
	json_array_foreach(summary, i, m) {
		json_array_foreach(json_object_get(m, "runs"), j, t) {
			xsnprintf(where, sizeof(where), "summary[%zu].runs[%zu].checks", i, j);
			if (!add_checks(a, r, json_object_get(t, "checks"), where))
				return false;
		}
	}
	json_array_foreach(json_object_get(doc, "phases"), i, p) {
		xsnprintf(where, sizeof(where), "phases[%zu].checks", i);
		if (!add_checks(a, r, json_object_get(p, "checks"), where))
			return false;
	}
	for (int k = HISTORY_LOST; k <= HISTORY_NOT_COMMITTED; k++)
		if (a->marks.n[k] > a->count[k])
			return report_invalid(r,
					      "the checks list %zu %s, more than the %zu they "
					      "count",
					      a->marks.n[k], report_anomaly_names[k], a->count[k]),
			       false;
	return true;
}

static int compare_sizes(const void *a, const void *b)
{
	size_t x = *(const size_t *) a, y = *(const size_t *) b;

	return (x > y) - (x < y);
}

bool report_anomalies_find(struct report_anomalies *a, const json_t *doc, const struct history *h,
			   const char *source)
{
	const struct report r = { .source = source };

	*a = (struct report_anomalies){ .h = h };
	check_runs(a, h);
	if (!checked_writes(a, &r, doc))
		return false;
	for (int k = 0; k < HISTORY_KINDS; k++)
		if (a->marks.n[k] > 1) /* the result's lists in any order */
			qsort(a->marks.at[k], a->marks.n[k], sizeof(size_t), compare_sizes);
	return true;
}

size_t report_anomalies_total(const struct report_anomalies *a)
{
	size_t n = 0;

	for (int k = 0; k < HISTORY_KINDS; k++)
		n += a->count[k];
	return n;
}

void report_anomalies_html(FILE *f, const struct report_anomalies *a)
{
	if (report_anomalies_total(a) == 0) {
		fprintf(f, "<p>The checkers found no anomaly in the history%s.</p>\n",
			a->writes ? ""
				  : " (its reads; no surviving server's rows to check the "
				    "writes against)");
		return;
	}
	fputs("<table class=\"checks\">\n<tr><th>anomaly</th><th>count</th><th>the first "
	      "located</th></tr>\n",
	      f);
	for (int k = 0; k < HISTORY_KINDS; k++) {
		if (a->count[k] == 0)
			continue;
		fprintf(f, "<tr><td>%s</td><td>%zu</td><td>", report_anomaly_names[k], a->count[k]);
		for (size_t j = 0; j < a->marks.n[k] && j < PAGE_SHOWN; j++) {
			const struct history_record *op = &a->h->records[a->marks.at[k][j]];

			fputs(j > 0 ? "<br>" : "", f);
			report_html_escape(f, op->session);
			fprintf(f, " at %.3f s: ", op->sent_ms / 1000);
			if (op->op == HISTORY_WRITE) {
				fputs("write ", f);
				report_html_escape(f, op->writer);
				fprintf(f, " %lld", op->seq);
			} else {
				fputs("read on ", f);
				report_html_escape(f, op->server ? op->server : "?");
			}
		}
		if (a->marks.n[k] > PAGE_SHOWN || a->marks.n[k] < a->count[k])
			fprintf(f, "%s&hellip; (%zu located in all)", a->marks.n[k] ? "<br>" : "",
				a->marks.n[k]);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

void report_anomalies_free(struct report_anomalies *a)
{
	history_marks_free(&a->marks);
}
