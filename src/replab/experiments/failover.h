/*
 * failover.h — "pgrepl failover" run in the replica, its narrative relayed
 * to stderr as it comes; once pgrepl says it waits for the primary to go,
 * the primary is stopped: powered off cleanly, or crashed.  pgrepl then
 * detects the loss, promotes the replica and writes to it.
 */
#ifndef REPLAB_FAILOVER_H
#define REPLAB_FAILOVER_H

#include "experiment.h"

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* What pgrepl failover narrates once it probes the primary, and once it found it gone. */
#define FAILOVER_READY_LINE "waiting for the primary to stop"
#define FAILOVER_GONE_LINE  "the primary is gone: "

/*
 * pgrepl failover's JSON result, or NULL (logged) when it failed.  When x
 * is not NULL, the stop of the primary is recorded on it.
 */
json_t *failover_in_replica(bool crash, struct timeline *x);

/*
 * Crash the primary at t_ms on timeline x while a workload runs (done says
 * whether it ended; what names it), the replica's pgrepl failover
 * promoting it (failover_in_replica), "replica promoted and written to"
 * recorded on x: pgrepl failover's JSON result, or NULL (logged) when the
 * workload ended first, on an interruption, or when the failover failed.
 */
json_t *failover_under_load(struct timeline *x, double t_ms, pid_t load, bool (*done)(pid_t),
			    const char *what);

/*
 * failover-under-load with --workload pgbench (exp_failover_pgbench.c):
 * one trial, the exit status.
 */
int experiment_failover_pgbench(const struct experiment_options *o);

#endif
