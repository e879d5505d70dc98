/*
 * cmd_report.c — "replab report FILE": an experiment's timeline as a PNG,
 * drawn by gnuplot: lag in bytes over time (or the client's acknowledged
 * writes per second), with the events marked.
 */
#define _GNU_SOURCE
#include "child.h"
#include "commands.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/*
 * What is drawn: the replication lag sampled by the primary, or, for an
 * experiment without samples (the primary crashed), the writes the client
 * had acknowledged each second.
 */
static bool has_lag(json_t *doc)
{
	return json_array_size(json_object_get(doc, "samples")) > 0;
}

/* "seconds value" lines; NaN where the standby was gone. */
static bool write_data(json_t *doc, const char *path)
{
	json_t *acks = json_object_get(json_object_get(doc, "load"), "acks_per_100ms");
	double load_start = 0;
	FILE *f = fopen(path, "w");
	json_t *s, *e;
	size_t i;

	if (!f)
		return false;
	json_array_foreach(json_object_get(doc, "samples"), i, s) {
		json_t *lag = json_object_get(s, "lag_bytes");
		double t = json_real_value(json_object_get(s, "t_ms")) / 1000;

		if (json_is_integer(lag))
			fprintf(f, "%.3f %lld\n", t, (long long) json_integer_value(lag));
		else
			fprintf(f, "%.3f NaN\n", t);
	}
	json_array_foreach(json_object_get(doc, "events"), i, e) {
		if (strcmp(json_string_value(json_object_get(e, "event")), "write load started") == 0)
			load_start = json_real_value(json_object_get(e, "t_ms")) / 1000;
	}
	if (!has_lag(doc))
		json_array_foreach(acks, i, s) {
			fprintf(f, "%.3f %lld\n", load_start + (double) i / 10, (long long) json_integer_value(s) * 10);
		}
	return fclose(f) == 0;
}

static bool write_script(json_t *doc, const char *data, const char *png, const char *path)
{
	FILE *f = fopen(path, "w");
	json_t *e;
	size_t i;

	if (!f)
		return false;
	fprintf(f, "set terminal pngcairo size 1000,500 noenhanced\nset output '%s'\n", png);
	fprintf(f, "set title '%s: %s'\n", json_string_value(json_object_get(doc, "experiment")),
		has_lag(doc) ? "replication lag seen by the primary" : "writes the client saw acknowledged");
	fprintf(f, "set xlabel 'seconds'\nset ylabel '%s'\nset grid\nset key top right\n",
		has_lag(doc) ? "lag (bytes)" : "acknowledged writes per second");
	json_array_foreach(json_object_get(doc, "events"), i, e) {
		double t = json_real_value(json_object_get(e, "t_ms")) / 1000;

		fprintf(f, "set arrow from %.3f, graph 0 to %.3f, graph 1 nohead lc rgb 'red' dt 2\n", t, t);
		fprintf(f, "set label '%s' at %.3f, graph 0.03 rotate left offset 0.7,0 font ',9'\n",
			json_string_value(json_object_get(e, "event")), t);
	}
	fprintf(f, "plot '%s' using 1:2 with lines lw 2 title '%s'\n", data,
		has_lag(doc) ? "primary WAL position - replica replay position" : "acknowledged writes per second");
	return fclose(f) == 0;
}

int cmd_report(int argc, char **argv)
{
	char data[PATH_MAX], script[PATH_MAX], png[PATH_MAX];
	json_error_t jerr;
	json_t *doc;
	int rc;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("Usage: replab report FILE.json\n\nDraws an experiment's lag over time (or, when the primary crashed, the\nclient's acknowledged writes per second), events marked, into FILE.png\n(gnuplot).\n");
		return EXIT_OK;
	}
	if (argc != 2)
		return usage_error("report", "give the experiment's JSON file");
	doc = json_load_file(argv[1], 0, &jerr);
	if (!doc || !json_is_array(json_object_get(doc, "samples"))) {
		log_error("%s is not an experiment timeline%s%s", argv[1], doc ? "" : ": ", doc ? "" : jerr.text);
		json_decref(doc);
		return EXIT_FAIL;
	}
	if (!has_lag(doc) && !json_array_size(json_object_get(json_object_get(doc, "load"), "acks_per_100ms"))) {
		log_error("%s has no samples to draw", argv[1]);
		log_hint("its figures are in the file's summary (e.g. jq . %s)", argv[1]);
		json_decref(doc);
		return EXIT_FAIL;
	}
	xsnprintf(png, sizeof(png), "%.*s.png", (int) (strlen(argv[1]) - (strstr(argv[1], ".json") ? 5 : 0)), argv[1]);
	xsnprintf(data, sizeof(data), "%s.data", png);
	xsnprintf(script, sizeof(script), "%s.gp", png);
	if (!write_data(doc, data) || !write_script(doc, data, png, script)) {
		log_error("could not write next to %s: %s", png, strerror(errno));
		json_decref(doc);
		return EXIT_FAIL;
	}
	rc = child_run((char *[]){ "gnuplot", script, NULL }, NULL);
	unlink(data);
	unlink(script);
	json_decref(doc);
	if (rc != 0) {
		log_error("gnuplot failed");
		log_hint("is gnuplot installed? (make deps)");
		return EXIT_FAIL;
	}
	printf("%s\n", png);
	return EXIT_OK;
}
