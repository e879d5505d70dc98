/*
 * report_html.c — the static page of "replab report": every picture of the
 * run embedded (PNG as data: URIs) and the result's summary as tables.
 *
 * The page fetches nothing and runs nothing: no script, and a content
 * security policy that allows images from data: URIs and the page's own
 * style only.  Every string of the document (keys too) and the file's name
 * are HTML-escaped, control characters shown as '?', and cut when long.
 */
#include "report.h"

#include <string.h>

#define HTML_TEXT_MAX 2000 /* bytes of one string shown */
#define HTML_ITEMS    50   /* elements of one array shown */
#define HTML_DEPTH    8	   /* nesting shown */

/* The document's members shown, in this order, when present. */
static const char *const shown[] = { "ok", "error", "summary", "checks", "modes" };

void report_html_escape(FILE *f, const char *text)
{
	size_t n = 0;

	for (const unsigned char *c = (const unsigned char *) (text ? text : ""); *c; c++, n++) {
		if (n >= HTML_TEXT_MAX && (*c & 0xC0) != 0x80) {
			fputs("&hellip;", f);
			break;
		}
		switch (*c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*c < 0x20 || *c == 0x7F ? '?' : *c, f);
		}
	}
}

static void value(FILE *f, const json_t *v, int depth);

static void object(FILE *f, const json_t *v, int depth)
{
	const char *key;
	json_t *member;

	fputs("<table>", f);
	json_object_foreach((json_t *) v, key, member) {
		fputs("<tr><th>", f);
		report_html_escape(f, key);
		fputs("</th><td>", f);
		value(f, member, depth + 1);
		fputs("</td></tr>", f);
	}
	fputs("</table>", f);
}

static void array(FILE *f, const json_t *v, int depth)
{
	size_t i, n = json_array_size(v);
	bool flat = true;
	json_t *e;

	json_array_foreach(v, i, e)
		flat = flat && !json_is_object(e) && !json_is_array(e);
	if (!flat)
		fputs("<table>", f);
	json_array_foreach(v, i, e) {
		if (i == HTML_ITEMS) {
			fprintf(f,
				flat ? ", &hellip; (%zu more)"
				     : "<tr><th>&hellip;</th><td>%zu more"
				       "</td></tr>",
				n - i);
			break;
		}
		if (flat)
			fputs(i > 0 ? ", " : "", f);
		else
			fprintf(f, "<tr><th>%zu</th><td>", i);
		value(f, e, depth + 1);
		if (!flat)
			fputs("</td></tr>", f);
	}
	if (!flat)
		fputs("</table>", f);
}

static void value(FILE *f, const json_t *v, int depth)
{
	if (depth > HTML_DEPTH) {
		fputs("&hellip;", f);
		return;
	}
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		object(f, v, depth);
		break;
	case JSON_ARRAY:
		array(f, v, depth);
		break;
	case JSON_STRING:
		report_html_escape(f, json_string_value(v));
		break;
	case JSON_INTEGER:
		fprintf(f, "%lld", (long long) json_integer_value(v));
		break;
	case JSON_REAL:
		fprintf(f, "%.6g", json_real_value(v));
		break;
	case JSON_TRUE:
		fputs("true", f);
		break;
	case JSON_FALSE:
		fputs("false", f);
		break;
	case JSON_NULL:
		fputs("null", f);
		break;
	}
}

static void base64(FILE *f, const unsigned char *data, size_t len)
{
	static const char digits[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < len; i += 3) {
		unsigned long b = (unsigned long) data[i] << 16;

		b |= i + 1 < len ? (unsigned long) data[i + 1] << 8 : 0;
		b |= i + 2 < len ? data[i + 2] : 0;
		fputc(digits[b >> 18 & 63], f);
		fputc(digits[b >> 12 & 63], f);
		fputc(i + 1 < len ? digits[b >> 6 & 63] : '=', f);
		fputc(i + 2 < len ? digits[b & 63] : '=', f);
	}
}

void report_html(FILE *f, const json_t *doc, const char *name, const struct report_image *images,
		 int nimages)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "img-src data:; style-src 'unsafe-inline'\">\n<title>replab: ",
	      f);
	report_html_escape(f, name);
	fputs("</title>\n<style>\nbody { font-family: sans-serif; margin: 2em; }\n"
	      "img { max-width: 100%; border: 1px solid #ccc; }\n"
	      "table { border-collapse: collapse; margin: 0.2em 0; }\n"
	      "th, td { border: 1px solid #ccc; padding: 0.2em 0.5em; text-align: left; "
	      "vertical-align: top; }\nth { background: #f4f4f4; font-weight: normal; }\n"
	      ".beside { display: flex; flex-wrap: wrap; gap: 1em; align-items: flex-start; }\n"
	      ".beside figure { flex: 1 1 600px; margin: 0; }\n"
	      "</style>\n</head>\n<body>\n<h1>",
	      f);
	report_html_escape(f, json_string_value(json_object_get(doc, "experiment")));
	fputs("</h1>\n<p>", f);
	report_html_escape(f, name);
	fputs("</p>\n", f);
	for (int i = 0; i < nimages; i++) {
		if (images[i].beside)
			fputs("<div class=\"beside\">\n", f);
		fputs("<figure>\n<img alt=\"", f);
		report_html_escape(f, images[i].caption);
		fputs("\" src=\"data:image/png;base64,", f);
		base64(f, images[i].png, images[i].len);
		fputs("\">\n<figcaption>", f);
		report_html_escape(f, images[i].caption);
		fputs(" (", f);
		report_html_escape(f, images[i].file);
		fputs(")</figcaption>\n</figure>\n", f);
		if (images[i].beside)
			fprintf(f, "<div>\n%s</div>\n</div>\n", images[i].beside);
	}
	for (size_t i = 0; i < sizeof(shown) / sizeof(shown[0]); i++) {
		const json_t *v = json_object_get(doc, shown[i]);

		if (!v)
			continue;
		fprintf(f, "<h2>%s</h2>\n", shown[i]);
		value(f, v, 0);
		fputc('\n', f);
	}
	fputs("</body>\n</html>\n", f);
}
