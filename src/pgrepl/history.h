/*
 * history.h — what a client saw, one record per operation (the shared
 * history format): its session, the operation, the server it went to, when
 * it was sent and answered (in ms since the history's epoch, a whole ms of
 * this machine's CLOCK_REALTIME, so that the harness can map the times onto
 * its own clock and they keep their precision in JSON), its outcome (ok, fail, or unknown: sent
 * and never answered) and, for writes, the WAL position just after the
 * commit; for reads on a standby, what it saw and its replay position.
 */
#ifndef PGREPL_HISTORY_H
#define PGREPL_HISTORY_H

#include "db.h"

#include <jansson.h>
#include <stdbool.h>

/* The epoch: CLOCK_REALTIME in whole ms when it was first asked for (thread-safe). */
long long history_epoch_ms(void);

/* Ms since the epoch, the clock of every record's times. */
double history_now_ms(void);

/* The history's clock, for the document that carries it beside history_epoch_ms. */
#define HISTORY_CLOCK "ms since history_epoch_ms, CLOCK_REALTIME ms of the machine pgrepl ran on"

/* Add "history_clock", "history_epoch_ms" and "history" (stolen) to doc. */
void history_attach(json_t *doc, json_t *records);

/*
 * A write's record: answered_ms < 0 for no answer; outcome "ok", "fail" or
 * "unknown"; lsn (ok writes) and error may be NULL.
 */
json_t *history_write(const char *session, const char *server, const char *writer, long seq,
		      double sent_ms, double answered_ms, const char *outcome, const char *lsn,
		      const char *error);

/* A read's record; seen (stolen) and replay_lsn may be NULL. */
json_t *history_read(const char *session, const char *server, double sent_ms, double answered_ms,
		     const char *outcome, json_t *seen, const char *replay_lsn, const char *error);

/*
 * The outcome of an operation that failed with err after it was sent:
 * "fail" when the server answered with an error (a write did not commit),
 * "unknown" when no answer came (a write may have committed unseen: no
 * answer in time, the connection lost, the server shutting down).
 */
const char *history_sent_outcome(const struct db_error *err);

/* Sort an array of records by sent_ms, in place (stable). */
void history_sort(json_t *records);

#endif
