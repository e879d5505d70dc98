/*
 * report_doc.c — what the drawings of "replab report" share: the script and
 * data files in memory, the checks of the document's members, and labels
 * made safe for gnuplot (see report.h).
 */
#define _GNU_SOURCE
#include "report.h"

#include "lab/jsonfile.h"
#include "log.h"

#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *experiment; /* NULL: any other */
	enum report_result (*draw)(struct report *, json_t *);
} drawings[] = {
	{ "rpo", report_rpo },
	{ "failover-under-load", report_failover },
	{ "split-brain", report_split },
	{ "flaky-link", report_flaky },
	{ "replica-reads", report_staleness },
	{ NULL, report_timeline },
};

static FILE *memstream(char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);

	if (!f)
		fatal("out of memory");
	return f;
}

/* The script's start for doc, or NULL (logged) when doc is not an experiment's result. */
static const char *begin(struct report *r, json_t *doc, const char *source)
{
	const char *name = jfield_string(doc, "experiment");

	*r = (struct report){ .source = source };
	r->gp = memstream(&r->gp_text, &r->gp_len);
	if (!json_is_object(doc)) {
		report_invalid(r, "not an experiment's result (a JSON object)");
		return NULL;
	}
	if (!name) {
		report_invalid(r, "not an experiment's result (no \"experiment\" name)");
		return NULL;
	}
	/* The PNG goes to standard output; the data files are tab-separated. */
	fputs("set terminal pngcairo size 1000,500 noenhanced\n"
	      "set datafile separator \"\\t\"\n"
	      "set grid\n",
	      r->gp);
	return name;
}

enum report_result report_build(struct report *r, json_t *doc, const char *source)
{
	const char *name = begin(r, doc, source);
	size_t i = 0;

	if (!name)
		return REPORT_INVALID;
	while (drawings[i].experiment && strcmp(drawings[i].experiment, name) != 0)
		i++;
	return drawings[i].draw(r, doc);
}

bool report_draws(json_t *doc)
{
	struct report r;
	bool drawn = report_build(&r, doc, "the result") == REPORT_DRAWN;

	report_free(&r);
	return drawn || json_object_get(doc, "history");
}

enum report_result report_build_history(struct report *r, json_t *doc, const struct history *h,
					const struct report_anomalies *a, const char *source)
{
	if (!begin(r, doc, source))
		return REPORT_INVALID;
	return report_history(r, doc, h, a);
}

void report_close(struct report *r)
{
	if (r->gp && fclose(r->gp) != 0)
		fatal("out of memory");
	r->gp = NULL;
	for (int i = 0; i < r->nfiles; i++) {
		if (r->files[i].f && fclose(r->files[i].f) != 0)
			fatal("out of memory");
		r->files[i].f = NULL;
	}
}

void report_free(struct report *r)
{
	report_close(r);
	free(r->gp_text);
	for (int i = 0; i < r->nfiles; i++)
		free(r->files[i].text);
	*r = (struct report){ 0 };
}

FILE *report_data(struct report *r, const char *name)
{
	struct report_file *file;

	if (r->nfiles == REPORT_MAX_FILES)
		fatal("internal error: more than %d data files for one plot", REPORT_MAX_FILES);
	file = &r->files[r->nfiles++];
	file->name = name;
	file->f = memstream(&file->text, &file->len);
	return file->f;
}

enum report_result report_invalid(const struct report *r, const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	log_error("%s: %s", r->source, what);
	return REPORT_INVALID;
}

json_t *report_array(const struct report *r, const json_t *obj, const char *key, const char *where,
		     size_t max, bool *bad)
{
	json_t *v = json_is_object(obj) ? json_object_get(obj, key) : NULL;

	if (!v || json_is_null(v))
		return NULL;
	if (!json_is_array(v)) {
		report_invalid(r, "%s%s%s is not an array", where, *where ? "." : "", key);
		*bad = true;
		return NULL;
	}
	if (json_array_size(v) > max) {
		report_invalid(r, "%s%s%s has %zu elements, more than the %zu a plot can take",
			       where, *where ? "." : "", key, json_array_size(v), max);
		*bad = true;
		return NULL;
	}
	return v;
}

static const char *type_name(const json_t *v)
{
	switch (v ? json_typeof(v) : JSON_NULL) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return v ? "null" : "missing";
	default:
		return "not finite";
	}
}

bool report_number(const struct report *r, const json_t *v, const char *where, double min,
		   double max, double *out)
{
	double d;

	if (!jnumber(v, &d)) {
		report_invalid(r, "%s is %s, not a number", where, type_name(v));
		return false;
	}
	if (d < min || d > max) {
		report_invalid(r, "%s is %g, outside [%g, %g]", where, d, min, max);
		return false;
	}
	*out = d;
	return true;
}

void report_label(FILE *f, const char *text)
{
	size_t n = 0;

	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *) (text ? text : "?"); *c; c++) {
		if ((*c & 0xC0) == 0x80)
			continue; /* the rest of a UTF-8 sequence, shown as one '?' */
		if (n++ == REPORT_LABEL_MAX) {
			fputs("...", f);
			break;
		}
		if (*c == '"')
			fputc('\'', f);
		else if (*c == '\\')
			fputc('/', f);
		else
			fputc(*c >= 0x20 && *c < 0x7F ? *c : '?', f);
	}
	fputc('"', f);
}

/* Which events open and close a fault's interval (by how their text begins). */
static const struct {
	const char *opens, *closes; /* closes NULL: until the end */
} faults[REPORT_FAULT_KINDS] = {
	{ "cut", "heal" },
	{ "shape", "unshape" },
	{ "primary crashed", NULL },
	{ "primary powered off", NULL },
};

static bool begins(const char *text, const char *prefix)
{
	return prefix && strncmp(text, prefix, strlen(prefix)) == 0;
}

bool report_events(struct report *r, json_t *events, struct report_events *ev)
{
	json_t *e;
	size_t i;

	ev->load_start = 0;
	ev->nfaults = 0;
	ev->n = 0;
	ev->faults = report_data(r, "faults.dat");
	ev->marks = report_data(r, "events.dat");
	for (int k = 0; k < REPORT_FAULT_KINDS; k++)
		ev->open[k] = NAN;
	json_array_foreach(events, i, e) {
		char where[64];
		const char *what;
		double t;

		if (!json_is_object(e)) {
			report_invalid(r, "events[%zu] is not an object", i);
			return false;
		}
		snprintf(where, sizeof(where), "events[%zu].t_ms", i);
		if (!report_number(r, json_object_get(e, "t_ms"), where, -REPORT_T_MS_MAX,
				   REPORT_T_MS_MAX, &t))
			return false;
		if (!(what = jfield_string(e, "event"))) {
			report_invalid(r, "events[%zu].event is not a string", i);
			return false;
		}
		t /= 1000;
		if (strcmp(what, "write load started") == 0)
			ev->load_start = t;
		for (int k = 0; k < REPORT_FAULT_KINDS; k++) {
			if (!isnan(ev->open[k]) && begins(what, faults[k].closes)) {
				fprintf(ev->faults, "%.3f\t%.3f\n", ev->open[k], t);
				ev->nfaults++;
				ev->open[k] = NAN;
			} else if (isnan(ev->open[k]) && begins(what, faults[k].opens))
				ev->open[k] = t;
		}
		if (ev->n < REPORT_MAX_LABELS) {
			ev->t[ev->n] = t;
			ev->what[ev->n++] = what;
		}
	}
	return true;
}

/* A label's width, as a share of the picture's: a rotated line of the labels' 9 pt font. */
#define LABEL_WIDTH_SHARE 0.02

void report_events_end(struct report_events *ev, double lo_s, double hi_s)
{
	double gap = (hi_s > lo_s ? hi_s - lo_s : 0) * LABEL_WIDTH_SHARE, x = -INFINITY;

	for (int k = 0; k < REPORT_FAULT_KINDS; k++)
		if (!isnan(ev->open[k])) {
			fprintf(ev->faults, "%.3f\t%.3f\n", ev->open[k],
				hi_s > ev->open[k] ? hi_s : ev->open[k]);
			ev->nfaults++;
			ev->open[k] = NAN;
		}
	for (size_t i = 0; i < ev->n; i++) {
		x = ev->t[i] > x + gap ? ev->t[i] : x + gap;
		fprintf(ev->marks, "%.3f\t%.3f\t", ev->t[i], x);
		report_label(ev->marks, ev->what[i]);
		fputc('\n', ev->marks);
	}
}
