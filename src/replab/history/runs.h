/*
 * runs.h — a history that holds several runs (records naming the "mode" and
 * "delay" they ran under, as replica-reads' do, each mode's run on its own
 * table) split run by run, each checked as a history of its own: checked as
 * one, a later run's reads would "miss" the writes of the runs before it.
 */
#ifndef REPLAB_HISTORY_RUNS_H
#define REPLAB_HISTORY_RUNS_H

#include "history/check.h"
#include "history/history.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* One run: its records' mode and delay (NULL: none), at[0..n) their indexes in h, ascending. */
struct history_run {
	const char *mode, *delay;
	size_t *at;
	size_t n;
};

struct history_runs {
	struct history_run *run; /* in the order each run's first record appears */
	size_t n;
	bool named; /* some record names its run: false, one run of all of h */
};

/*
 * The runs of h (history_runs_free frees them): the records by their mode
 * and delay, or, when none names one, a single run of every record.
 */
void history_runs(const struct history *h, struct history_runs *runs);
void history_runs_free(struct history_runs *runs);

/*
 * history_check over run's records of h as a history of their own, the
 * indexes in its "first" lists ("i", "previous_i") h's; every anomaly
 * located added to marks (by h's indexes) when marks is not NULL.
 */
json_t *history_check_run(const struct history *h, const struct history_run *run,
			  const struct history_found *found,
			  const struct standby_positions *at_loss, struct history_marks *marks);

/*
 * The total of the runs' checks (a JSON array of history_check's objects):
 * "operations", and of "writes", "reads", "lost_writes" (when the runs have
 * it), "unknown_writes", "stale_reads", "read_your_writes" and
 * "monotonic_reads" every whole-number member summed.
 */
json_t *history_runs_total(const json_t *checks);

#endif
