/*
 * summary.h — a history's checks (check.h) as text a person reads: each
 * count, the first few anomalies located, the staleness and its histogram.
 */
#ifndef REPLAB_HISTORY_SUMMARY_H
#define REPLAB_HISTORY_SUMMARY_H

#include "history/history.h"

#include <jansson.h>
#include <stdio.h>

#define HISTORY_SUMMARY_SHOWN 5 /* anomalies of each kind printed */

/*
 * Print checks (history_check's) on f; h, the history checked, names the
 * server each read listed went to (NULL: not named).
 */
void history_print_checks(FILE *f, const json_t *checks, const struct history *h);

#endif
