/*
 * report.h — the drawings of "replab report" and what they share.
 *
 * A drawing checks the experiment's document member by member and writes
 * what it draws into data files: numbers it formatted itself (finite, within
 * range) and labels made printable.  The gnuplot commands it writes name only
 * those files (fixed names, in gnuplot's working directory) and text of our
 * own: no string of the document, nor the file's name, ever becomes part of
 * the script.  The files are built in memory; cmd_report.c writes them to a
 * private directory and runs gnuplot there.
 */
#ifndef REPLAB_REPORT_H
#define REPLAB_REPORT_H

#include "history/check.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define REPORT_MAX_FILES  8
#define REPORT_MAX_POINTS 1000000 /* samples, rows or per-100 ms counts in one array */
#define REPORT_MAX_LABELS 1000	  /* events or modes: each one is text on the plot */
#define REPORT_LABEL_MAX  60	  /* characters of a label shown */
#define REPORT_T_MS_MAX	  1e12	  /* some thirty years: beyond it, not a time of this lab */

struct report_file {
	const char *name; /* a fixed name of ours */
	char *text;
	size_t len;
	FILE *f; /* open while the drawing writes */
};

struct report {
	const char *source; /* the document's file, for messages */
	FILE *gp;	    /* the gnuplot commands */
	char *gp_text;
	size_t gp_len;
	struct report_file files[REPORT_MAX_FILES];
	int nfiles;
};

enum report_result {
	REPORT_DRAWN,	/* script and data are complete */
	REPORT_EMPTY,	/* a valid document with nothing to draw (not logged) */
	REPORT_INVALID, /* the document is malformed (logged, naming the member) */
};

/*
 * The plot of doc (any JSON value; source names it in messages): the
 * terminal settings (a PNG on standard output), then the drawing for the
 * document's "experiment".  Call report_close afterwards whatever the result;
 * the texts are complete after it.
 */
enum report_result report_build(struct report *r, json_t *doc, const char *source);

/*
 * Does "replab report" draw doc, a result as an experiment saves it: its
 * picture (report_build draws it), or the history's ("history" names the
 * file beside it)?  Malformed documents are logged and are not drawn.
 */
bool report_draws(json_t *doc);

/* What the checkers located in a run's history (report_anomalies.c). */
struct report_anomalies {
	const struct history *h;
	struct history_marks marks;  /* located: indexes into h */
	size_t count[HISTORY_KINDS]; /* counted: more than located when the result lists a few */
	bool writes;		     /* the writes were checked against a surviving server */
};

/* The kinds as the picture's legend and the page name them. */
extern const char *const report_anomaly_names[HISTORY_KINDS];

/*
 * The anomalies of h, the history beside doc (source names it in
 * messages): every read anomaly by history_check_marked over h (each of
 * doc's "modes" a run of its own: modes[].checks.operations records each,
 * one after the other), the lost and unknown writes as doc's
 * summary.checks counts and lists them.  False (logged) when doc's checks
 * are malformed or name writes h does not hold; free *a either way.
 */
bool report_anomalies_find(struct report_anomalies *a, const json_t *doc, const struct history *h,
			   const char *source);
size_t report_anomalies_total(const struct report_anomalies *a);
void report_anomalies_free(struct report_anomalies *a);

/* The page's table of a: each kind found, its count and the first few located, escaped. */
void report_anomalies_html(FILE *f, const struct report_anomalies *a);

/*
 * The history's picture (FILE-history.png): h the client's operations
 * (history/history.h), a what the checkers located in it, doc the
 * experiment's result whose events shade the faults.  Same contract as
 * report_build.
 */
enum report_result report_build_history(struct report *r, json_t *doc, const struct history *h,
					const struct report_anomalies *a, const char *source);
void report_close(struct report *r);
void report_free(struct report *r);

/* Helpers for the drawings. */

/* A new data file called name (a literal of ours), written into memory. */
FILE *report_data(struct report *r, const char *name);

/* Log "SOURCE: <message>"; returns REPORT_INVALID. */
enum report_result report_invalid(const struct report *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * obj[key] when it is an array of at most max elements; NULL when it is
 * absent or null.  A member of another type or a longer array is logged
 * (where names obj, e.g. "summary") and sets *bad.
 */
json_t *report_array(const struct report *r, const json_t *obj, const char *key, const char *where,
		     size_t max, bool *bad);

/*
 * v as a finite number within [min, max]; otherwise logged, naming it as
 * where (e.g. "events[3].t_ms"), and false.
 */
bool report_number(const struct report *r, const json_t *v, const char *where, double min,
		   double max, double *out);

/*
 * text as a quoted data-file string gnuplot shows verbatim: printable ASCII
 * only, at most REPORT_LABEL_MAX characters, no quote or backslash (gnuplot
 * reads escapes in quoted data).  NULL writes "?".
 */
void report_label(FILE *f, const char *text);

/* What report_events found, and the faults still open at the last event. */
#define REPORT_FAULT_KINDS 4
struct report_events {
	double load_start; /* "write load started", seconds; else 0 */
	int nfaults;	   /* intervals in faults.dat */
	double open[REPORT_FAULT_KINDS];
	FILE *faults, *marks;
	size_t n;			     /* the events, for report_events_end */
	double t[REPORT_MAX_LABELS];	     /* seconds */
	const char *what[REPORT_MAX_LABELS]; /* the events' own text, in doc */
};

/*
 * The faults of doc's "events" (each {t_ms, event}) into faults.dat as
 * intervals "from<TAB>to" in seconds: a "cut..." until the next "heal...",
 * a "shape..." until the next "unshape...", "primary crashed" or "primary
 * powered off" until the end of the picture, which report_events_end
 * gives; the events kept in ev for it.  False (logged) when an event is
 * malformed.
 */
bool report_events(struct report *r, json_t *events, struct report_events *ev);

/*
 * The picture spans lo_s to hi_s: the faults still open end at hi_s, and
 * events.dat gets each event as "seconds<TAB>label's x<TAB>label", the
 * label moved right of the one before when they would overlap (its line
 * stays at its time).
 */
void report_events_end(struct report_events *ev, double lo_s, double hi_s);

/* The events' dashed lines and labels, on a y2 axis over [0:1]. */
#define REPORT_EVENTS_PLOT                                                                      \
	"'events.dat' using 1:(0):(0):(1) axes x1y2 with vectors nohead lc rgb 'red' dt 2 "     \
	"notitle, \\\n  'events.dat' using 2:(0.03):3 axes x1y2 with labels noenhanced rotate " \
	"left offset 0.7,0 font ',9' notitle"

/* The shading of faults.dat's intervals behind a plot (a y2 axis over [0:1]). */
#define REPORT_FAULTS_PLOT                                                                  \
	"'faults.dat' using (($1+$2)/2):(0.5):(($2-$1)/2):(0.5) axes x1y2 with boxxyerror " \
	"fs solid 0.15 noborder lc rgb 'orange' title 'fault (cut, shape, crash)'"

/* The drawings (see report_build). */

/* Lag over time (or the client's writes per second), events marked. */
enum report_result report_timeline(struct report *r, json_t *doc);

/*
 * The history: each operation by time and session, coloured by outcome, the
 * faults shaded, the anomalies marked.
 */
enum report_result report_history(struct report *r, json_t *doc, const struct history *h,
				  const struct report_anomalies *a);

/* rpo: per mode, commit latency p50/p99, writes lost, trials with a loss (95% interval). */
enum report_result report_rpo(struct report *r, json_t *doc);

/*
 * failover-under-load: the timeline of one trial, or each trial's times and
 * losses; under --workload pgbench, its commits over time (report_commits).
 */
enum report_result report_failover(struct report *r, json_t *doc);

/* failover-under-load --workload pgbench: each run's commits per second, the downtime shaded. */
enum report_result report_commits(struct report *r, json_t *doc);

/* split-brain: which rows each side had, and what the rewind left. */
enum report_result report_split(struct report *r, json_t *doc);

/* replica-reads: per mode, the share of reads by staleness (ms). */
enum report_result report_staleness(struct report *r, json_t *doc);

/* flaky-link: false detections per minute as a heat map, and the time to a true one. */
enum report_result report_flaky(struct report *r, json_t *doc);

/* The static page (report_html.c). */

struct report_image {
	const char *caption; /* ours */
	const char *file;    /* the PNG's name, shown escaped */
	const unsigned char *png;
	size_t len;
	const char *beside; /* HTML shown beside it, already escaped; NULL: none */
};

/* text HTML-escaped (& < > " '), control characters as '?', cut when long. */
void report_html_escape(FILE *f, const char *text);

/*
 * The page of the run: doc's experiment, the images embedded as data: URIs
 * (each with what is beside it), doc's "ok", "error", "summary", "checks"
 * and "modes" as tables; name (the
 * result's file) shown escaped.  No script, nothing fetched.
 */
void report_html(FILE *f, const json_t *doc, const char *name, const struct report_image *images,
		 int nimages);

#endif
