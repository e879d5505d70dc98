/*
 * fuzz_report.c — experiments' results for "replab report": any JSON gives
 * a plot, "nothing to draw" or a clear error; what reaches gnuplot is a
 * script of printable text without backquotes or macros, and data files
 * holding only numbers and quoted printable labels (and blank lines: gaps
 * and blocks).  Input that reads as a history (JSON lines) is also drawn
 * as one, with the anomalies located in it (against itself as the result
 * when it is one line, a JSON object too).  The page of any result, and
 * its table of anomalies, hold no tag of the document's.
 */
#include "fuzz.h"

#include "experiments/report.h"
#include "history/history.h"

#include <math.h>

FUZZ_QUIET_INITIALIZE

/* One tab-separated field of a data file: a finite number, NaN, or a safe "label". */
static void check_field(const char *f, size_t n)
{
	char buf[64], *end;

	if (n > 0 && f[0] == '"') {
		FUZZ_ASSERT(n >= 2 && f[n - 1] == '"');
		for (size_t i = 1; i + 1 < n; i++)
			FUZZ_ASSERT(f[i] >= 0x20 && f[i] < 0x7F && f[i] != '"' && f[i] != '\\');
		return;
	}
	FUZZ_ASSERT(n > 0 && n < sizeof(buf));
	memcpy(buf, f, n);
	buf[n] = '\0';
	if (strcmp(buf, "NaN") == 0)
		return;
	FUZZ_ASSERT(isfinite(strtod(buf, &end)) && *end == '\0');
}

static void check_data(const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	FUZZ_ASSERT(len == 0 || text[len - 1] == '\n');
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t) (end - p)), *f = p;

		FUZZ_ASSERT(nl);
		while (f <= nl && nl > p) {
			const char *tab = memchr(f, '\t', (size_t) (nl - f));
			const char *stop = tab ? tab : nl;

			check_field(f, (size_t) (stop - f));
			f = stop + 1;
		}
		p = nl + 1;
	}
}

static void check_report(struct report *r, enum report_result result)
{
	report_close(r);
	if (result == REPORT_DRAWN) {
		FUZZ_ASSERT(r->gp_text && strstr(r->gp_text, "\nplot "));
		for (size_t i = 0; i < r->gp_len; i++) {
			char c = r->gp_text[i];

			FUZZ_ASSERT((c >= 0x20 && c < 0x7F) || c == '\n');
			FUZZ_ASSERT(c != '`' && c != '@');
		}
		for (int i = 0; i < r->nfiles; i++)
			check_data(r->files[i].text, r->files[i].len);
	}
	report_free(r);
}

/* The page's tags are its own: after escaping, a '<' never starts "<s" or a second "<img". */
static void check_page(const json_t *doc)
{
	char *page = NULL;
	size_t len;
	FILE *f = open_memstream(&page, &len);

	FUZZ_ASSERT(f);
	report_html(f, doc, "fuzz.json", NULL, 0);
	FUZZ_ASSERT(fclose(f) == 0);
	FUZZ_ASSERT(!strstr(page, "<script") && !strstr(page, "<img") && !strstr(page, "<a "));
	FUZZ_ASSERT(strstr(page, "</html>\n") == page + len - 8);
	free(page);
}

/* The anomalies' table holds no tag of the history's. */
static void check_table(const struct report_anomalies *a)
{
	char *table = NULL;
	size_t len;
	FILE *f = open_memstream(&table, &len);

	FUZZ_ASSERT(f);
	report_anomalies_html(f, a);
	FUZZ_ASSERT(fclose(f) == 0);
	FUZZ_ASSERT(!strstr(table, "<script") && !strstr(table, "<img") && !strstr(table, "<a "));
	free(table);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *) data, size, JSON_DECODE_ANY, NULL), *run;
	struct report_anomalies a;
	struct history h;
	struct report r;

	history_init(&h);
	if (history_parse(&h, (const char *) data, size, "fuzz.history.jsonl")) {
		run = json_pack("{s:s,s:[{s:i,s:s},{s:i,s:s}]}", "experiment", "x", "events",
				"t_ms", 1, "event", "cut", "t_ms", 2, "event", "primary crashed");
		if (doc) {
			if (report_anomalies_find(&a, doc, &h, "fuzz.json"))
				check_table(&a);
			report_anomalies_free(&a);
		}
		FUZZ_ASSERT(report_anomalies_find(&a, run, &h, "fuzz.json"));
		check_table(&a);
		check_report(&r, report_build_history(&r, run, &h, &a, "fuzz.json"));
		report_anomalies_free(&a);
		json_decref(run);
	}
	history_free(&h);
	if (!doc)
		return 0;
	check_report(&r, report_build(&r, doc, "fuzz.json"));
	if (json_is_object(doc))
		check_page(doc);
	json_decref(doc);
	return 0;
}
