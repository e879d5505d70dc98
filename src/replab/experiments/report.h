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

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define REPORT_MAX_FILES  4
#define REPORT_MAX_POINTS 1000000 /* samples, rows or per-100 ms counts in one array */
#define REPORT_MAX_LABELS 1000	  /* events or modes: each one is text on the plot */
#define REPORT_LABEL_MAX  60	  /* characters of a label shown */

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

/* The drawings (see report_build). */

/* Lag over time (or the client's writes per second), events marked. */
enum report_result report_timeline(struct report *r, json_t *doc);

/* rpo: per mode, commit latency p50/p99, writes lost, trials with a loss (95% interval). */
enum report_result report_rpo(struct report *r, json_t *doc);

/* failover-under-load: the timeline of one trial, or each trial's times and losses. */
enum report_result report_failover(struct report *r, json_t *doc);

/* split-brain: which rows each side had, and what the rewind left. */
enum report_result report_split(struct report *r, json_t *doc);

/* flaky-link: false detections per minute as a heat map, and the time to a true one. */
enum report_result report_flaky(struct report *r, json_t *doc);

#endif
