/*
 * runs.c — a history split run by run and each run checked on its own
 * (runs.h).
 */
#include "history/runs.h"

#include "log.h"

#include <stdlib.h>

static void *grow(void *p, size_t n, size_t size)
{
	if (!(p = realloc(p, (n ? n : 1) * size)))
		fatal("out of memory");
	return p;
}

/* The run of mode and delay in runs, added (empty) when there is none yet. */
static struct history_run *run_of(struct history_runs *runs, const char *mode, const char *delay)
{
	struct history_run *r;

	for (size_t i = 0; i < runs->n; i++)
		if (runs->run[i].mode == mode && runs->run[i].delay == delay)
			return &runs->run[i];
	runs->run = grow(runs->run, runs->n + 1, sizeof(*runs->run));
	r = &runs->run[runs->n++];
	*r = (struct history_run){ mode, delay, NULL, 0 };
	return r;
}

void history_runs(const struct history *h, struct history_runs *runs)
{
	*runs = (struct history_runs){ 0 };
	for (size_t i = 0; i < h->n; i++)
		runs->named = runs->named || h->records[i].mode || h->records[i].delay;
	for (size_t i = 0; i < h->n; i++) {
		const struct history_record *op = &h->records[i];
		struct history_run *r = runs->named ? run_of(runs, op->mode, op->delay)
						    : run_of(runs, NULL, NULL);

		r->at = grow(r->at, r->n + 1, sizeof(*r->at));
		r->at[r->n++] = i;
	}
	if (runs->n == 0)
		run_of(runs, NULL, NULL);
}

void history_runs_free(struct history_runs *runs)
{
	for (size_t i = 0; i < runs->n; i++)
		free(runs->run[i].at);
	free(runs->run);
	*runs = (struct history_runs){ 0 };
}

/* The run's index member key of each entry of checks' anomaly list as h's. */
static void index_in_h(json_t *checks, const char *list, const char *key,
		       const struct history_run *run)
{
	json_t *e, *v;
	size_t i;

	json_array_foreach(json_object_get(json_object_get(checks, list), "first"), i, e)
		if ((v = json_object_get(e, key)) && json_is_integer(v) &&
		    (size_t) json_integer_value(v) < run->n)
			json_object_set_new(e, key,
					    json_integer(
						    (json_int_t) run->at[json_integer_value(v)]));
}

json_t *history_check_run(const struct history *h, const struct history_run *run,
			  const struct history_found *found,
			  const struct standby_positions *at_loss, struct history_marks *marks)
{
	static const char *const reads[] = { "stale_reads", "read_your_writes", "monotonic_reads" };
	struct history_marks m;
	struct history one;
	json_t *checks;

	history_init(&one);
	for (size_t i = 0; run->n < h->n && i < run->n; i++) /* all of h: h itself */
		if (!history_append(&one, &h->records[run->at[i]]))
			fatal("internal error: a record of a valid history refused");
	checks = history_check_marked(run->n < h->n ? &one : h, found, at_loss, &m);
	for (int k = 0; marks && k < HISTORY_KINDS; k++)
		for (size_t j = 0; j < m.n[k]; j++)
			history_mark(marks, (enum history_kind) k, run->at[m.at[k][j]]);
	for (size_t k = 0; k < sizeof(reads) / sizeof(reads[0]); k++) {
		index_in_h(checks, reads[k], "i", run);
		index_in_h(checks, reads[k], "previous_i", run);
	}
	history_marks_free(&m);
	history_free(&one);
	return checks;
}

/* Every whole-number member of from added into into's. */
static void add_counts(json_t *into, const json_t *from)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *) from, key, v)
		if (json_is_integer(v))
			json_object_set_new(into, key,
					    json_integer(
						    json_integer_value(json_object_get(into, key)) +
						    json_integer_value(v)));
}

json_t *history_runs_total(const json_t *checks)
{
	static const char *const summed[] = { "writes",		"reads",       "lost_writes",
					      "unknown_writes", "stale_reads", "read_your_writes",
					      "monotonic_reads" };
	json_t *total = json_object(), *c;
	json_int_t operations = 0;
	size_t i;

	json_array_foreach((json_t *) checks, i, c) {
		operations += json_integer_value(json_object_get(c, "operations"));
		for (size_t k = 0; k < sizeof(summed) / sizeof(summed[0]); k++) {
			const json_t *from = json_object_get(c, summed[k]);

			if (!from)
				continue;
			if (!json_object_get(total, summed[k]))
				json_object_set_new(total, summed[k], json_object());
			add_counts(json_object_get(total, summed[k]), from);
		}
	}
	json_object_set_new(total, "operations", json_integer(operations));
	return total;
}
