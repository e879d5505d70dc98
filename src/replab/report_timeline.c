/*
 * report_timeline.c — an experiment's timeline for "replab report": the
 * replication lag sampled by the primary over time, or, for an experiment
 * without samples (the primary crashed), the writes the client had
 * acknowledged each second; the events marked.
 */
#include "report.h"

#include <string.h>

static bool has_lag(json_t *doc)
{
	return json_array_size(json_object_get(doc, "samples")) > 0;
}

/* "seconds value" lines; NaN where the standby was gone. */
static void write_data(json_t *doc, FILE *f)
{
	json_t *acks = json_object_get(json_object_get(doc, "load"), "acks_per_100ms");
	double load_start = 0;
	json_t *s, *e;
	size_t i;

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
}

bool report_timeline(json_t *doc, FILE *data, FILE *f, const char *data_path)
{
	json_t *e;
	size_t i;

	if (!has_lag(doc) && !json_array_size(json_object_get(json_object_get(doc, "load"), "acks_per_100ms")))
		return false;
	write_data(doc, data);
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
	fprintf(f, "plot '%s' using 1:2 with lines lw 2 title '%s'\n", data_path,
		has_lag(doc) ? "primary WAL position - replica replay position" : "acknowledged writes per second");
	return true;
}

