/*
 * standby_watch.h — a standby sampled over its own management link while
 * "pgrepl watch" samples the primary: its received and replayed WAL
 * positions, its WAL receiver and its CPU ticks every 100 ms, from one psql
 * session in the member (psql's \watch), so that the standby's side is seen
 * while no WAL sender exists; then the two series joined on the host's
 * clock.
 */
#ifndef REPLAB_STANDBY_WATCH_H
#define REPLAB_STANDBY_WATCH_H

#include "experiment.h"

#include <jansson.h>
#include <stdbool.h>

/* Start sampling standby for duration_s seconds; false when it did not start. */
bool standby_watch_start(struct watch *w, const struct vm *standby, int duration_s);

/*
 * Join the standby's samples onto the primary's, by the host's clock: each
 * primary sample keeps its members, its "lag_bytes" (pg_stat_replication's
 * view) becomes "sender_lag_bytes", and it gains "replica_receive_bytes",
 * "replica_replay_bytes" (the standby's positions, interpolated to the
 * sample's time), "receiver" (the standby's WAL receiver status) and
 * "lag_bytes": the primary's pg_current_wal_lsn() minus the standby's
 * replay position, at least 0; null when no standby sample lies within a
 * second of it.
 */
void standby_watch_join(json_t *samples, json_t *standby_samples);

#endif
