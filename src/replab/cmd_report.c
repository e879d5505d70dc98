/*
 * cmd_report.c — "replab report FILE": an experiment's result as a PNG,
 * drawn by gnuplot (report_*.c: what is drawn for which experiment).
 */
#define _GNU_SOURCE
#include "child.h"
#include "commands.h"
#include "report.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct {
	const char *experiment; /* NULL: any other */
	bool (*draw)(json_t *, FILE *, FILE *, const char *);
} drawings[] = {
	{ "rpo", report_rpo },
	{ "split-brain", report_split },
	{ NULL, report_timeline },
};

/* Data and script for doc; false (logged) when there is nothing to draw or no room. */
static bool write_plot(json_t *doc, const char *json_path, const char *png, const char *data, const char *script)
{
	const char *name = json_string_value(json_object_get(doc, "experiment"));
	FILE *d = fopen(data, "w"), *gp = fopen(script, "w");
	bool drawn = false, ok;
	size_t i = 0;

	while (drawings[i].experiment && strcmp(drawings[i].experiment, name) != 0)
		i++;
	if (d && gp) {
		fprintf(gp, "set terminal pngcairo size 1000,500 noenhanced\nset output '%s'\nset grid\n", png);
		drawn = drawings[i].draw(doc, d, gp, data);
	}
	ok = d && gp;
	if (d && fclose(d) != 0)
		ok = false;
	if (gp && fclose(gp) != 0)
		ok = false;
	if (!ok)
		log_error("could not write next to %s: %s", png, strerror(errno));
	else if (!drawn) {
		log_error("%s has no samples to draw", json_path);
		log_hint("its figures are in the file's summary (e.g. jq . %s)", json_path);
	}
	return ok && drawn;
}

int cmd_report(int argc, char **argv)
{
	char data[PATH_MAX], script[PATH_MAX], png[PATH_MAX];
	json_error_t jerr;
	json_t *doc;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("Usage: replab report FILE.json\n\n"
		       "Draws an experiment's result into FILE.png (gnuplot): the lag over time with\n"
		       "the events marked (or, when the primary crashed, the client's acknowledged\n"
		       "writes per second); for rpo, latency and losses per mode; for split-brain,\n"
		       "the rows each side had.\n");
		return EXIT_OK;
	}
	if (argc != 2)
		return usage_error("report", "give the experiment's JSON file");
	doc = json_load_file(argv[1], 0, &jerr);
	if (!doc || !json_is_string(json_object_get(doc, "experiment"))) {
		log_error("%s is not an experiment's result%s%s", argv[1], doc ? "" : ": ", doc ? "" : jerr.text);
		json_decref(doc);
		return EXIT_FAIL;
	}
	xsnprintf(png, sizeof(png), "%.*s.png", (int) (strlen(argv[1]) - (strstr(argv[1], ".json") ? 5 : 0)), argv[1]);
	xsnprintf(data, sizeof(data), "%s.data", png);
	xsnprintf(script, sizeof(script), "%s.gp", png);
	rc = write_plot(doc, argv[1], png, data, script) ? child_run((char *[]){ "gnuplot", script, NULL }, NULL) : -1;
	unlink(data);
	unlink(script);
	json_decref(doc);
	if (rc < 0)
		return EXIT_FAIL;
	if (rc != 0) {
		log_error("gnuplot failed");
		log_hint("is gnuplot installed? (make deps)");
		return EXIT_FAIL;
	}
	printf("%s\n", png);
	return EXIT_OK;
}
