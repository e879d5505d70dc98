/*
 * trials.h — what repeated crash trials (rpo, failover-under-load --trials)
 * report per mode: how many trials lost acknowledged writes, with the 95%
 * interval of that proportion, and the spread of per-trial figures.
 */
#ifndef REPLAB_TRIALS_H
#define REPLAB_TRIALS_H

#include <jansson.h>

/*
 * Add to mode, from runs (one object per trial with "lost_writes"):
 * "trials", "trials_with_loss", "loss_ci95" [lo, hi], "loss_ci95_text"
 * (stats_ci95_text) and "lost_writes_per_trial" {"p50", "max"}.
 */
void trials_losses(json_t *mode, json_t *runs);

/* {"p50", "p90", "max", "values": [...]} of each run's number key, in trial order. */
json_t *trials_distribution(json_t *runs, const char *key);

#endif
