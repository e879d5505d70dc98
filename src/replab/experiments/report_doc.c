/*
 * report_doc.c — what the drawings of "replab report" share: the script and
 * data files in memory, the checks of the document's members, and labels
 * made safe for gnuplot (see report.h).
 */
#define _GNU_SOURCE
#include "report.h"

#include "lab/jsonfile.h"
#include "log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *experiment; /* NULL: any other */
	enum report_result (*draw)(struct report *, json_t *);
} drawings[] = {
	{ "rpo", report_rpo },		 { "failover-under-load", report_failover },
	{ "split-brain", report_split }, { "flaky-link", report_flaky },
	{ NULL, report_timeline },
};

static FILE *memstream(char **text, size_t *len)
{
	FILE *f = open_memstream(text, len);

	if (!f)
		fatal("out of memory");
	return f;
}

enum report_result report_build(struct report *r, json_t *doc, const char *source)
{
	const char *name = jfield_string(doc, "experiment");
	size_t i = 0;

	*r = (struct report){ .source = source };
	r->gp = memstream(&r->gp_text, &r->gp_len);
	if (!json_is_object(doc))
		return report_invalid(r, "not an experiment's result (a JSON object)");
	if (!name)
		return report_invalid(r, "not an experiment's result (no \"experiment\" name)");
	while (drawings[i].experiment && strcmp(drawings[i].experiment, name) != 0)
		i++;
	/* The PNG goes to standard output; the data files are tab-separated. */
	fputs("set terminal pngcairo size 1000,500 noenhanced\n"
	      "set datafile separator \"\\t\"\n"
	      "set grid\n",
	      r->gp);
	return drawings[i].draw(r, doc);
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
