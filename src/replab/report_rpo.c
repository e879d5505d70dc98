/*
 * report_rpo.c — the rpo experiment for "replab report": for each mode,
 * commit latency p50 and p99 (bars, left axis) and the acknowledged writes
 * lost over all trials (bars, right axis).
 */
#include "report.h"

bool report_rpo(json_t *doc, FILE *data, FILE *gp, const char *data_path)
{
	json_t *m;
	size_t i;

	if (!json_array_size(json_object_get(doc, "summary")))
		return false;
	json_array_foreach(json_object_get(doc, "summary"), i, m) {
		fprintf(data, "%s %.3f %.3f %lld\n", json_string_value(json_object_get(m, "mode")),
			json_real_value(json_object_get(m, "p50_ms")), json_real_value(json_object_get(m, "p99_ms")),
			(long long) json_integer_value(json_object_get(m, "lost")));
	}
	fprintf(gp, "set title 'rpo: %lld crash trials per mode'\n",
		(long long) json_integer_value(json_object_get(doc, "trials")));
	fprintf(gp, "set style data histograms\nset style histogram clustered gap 2\nset style fill solid 0.8 border -1\n"
		    "set ylabel 'commit latency (ms, median over trials)'\nset y2label 'acknowledged writes lost'\n"
		    "set ytics nomirror\nset y2tics\nset yrange [0:*]\nset y2range [0:*]\nset key top left\n");
	fprintf(gp,
		"plot '%s' using 2:xtic(1) title 'p50 latency', '' using 3 title 'p99 latency',"
		" '' using ($0+0.27):4 axes x1y2 with impulses lw 12 lc rgb 'red' title 'lost writes'\n",
		data_path);
	return true;
}
