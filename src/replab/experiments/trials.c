/*
 * trials.c — losses with their 95% interval and per-trial spreads (see
 * trials.h), from src/common/stats.h.
 */
#include "trials.h"

#include "log.h"
#include "stats.h"

#include <stdlib.h>

/* Each run's number key, in trial order (caller frees); *n gets how many. */
static double *values(json_t *runs, const char *key, size_t *n)
{
	double *v = calloc(json_array_size(runs) + 1, sizeof(double));
	json_t *run;
	size_t i;

	if (!v)
		fatal("out of memory");
	json_array_foreach(runs, i, run) {
		v[i] = json_number_value(json_object_get(run, key));
	}
	*n = json_array_size(runs);
	return v;
}

void trials_losses(json_t *mode, json_t *runs)
{
	size_t n, with_loss = 0;
	double *lost = values(runs, "lost_writes", &n), lo, hi;
	struct stats_spread s;
	char text[128];

	for (size_t i = 0; i < n; i++)
		with_loss += lost[i] > 0;
	s = stats_spread(lost, n);
	stats_binomial_ci95((long) with_loss, (long) n, &lo, &hi);
	json_object_set_new(mode, "trials", json_integer((json_int_t) n));
	json_object_set_new(mode, "trials_with_loss", json_integer((json_int_t) with_loss));
	json_object_set_new(mode, "loss_ci95", json_pack("[f,f]", lo, hi));
	json_object_set_new(mode, "loss_ci95_text",
			    json_string(stats_ci95_text((long) with_loss, (long) n, text,
							sizeof(text))));
	json_object_set_new(mode, "lost_writes_per_trial",
			    json_pack("{s:I,s:I}", "p50", (json_int_t) s.p50, "max",
				      (json_int_t) s.max));
	free(lost);
}

json_t *trials_distribution(json_t *runs, const char *key)
{
	size_t n;
	double *v = values(runs, key, &n);
	json_t *in_order = json_array();
	struct stats_spread s;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(in_order, json_real(v[i]));
	s = stats_spread(v, n);
	free(v);
	return json_pack("{s:f,s:f,s:f,s:o}", "p50", s.p50, "p90", s.p90, "max", s.max, "values",
			 in_order);
}
