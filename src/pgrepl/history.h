/*
 * history.h — what a client saw, one record per operation (the shared
 * history format): its session, the operation, the server it went to, when
 * it was sent and answered (this machine's CLOCK_REALTIME in ms, which the
 * harness maps onto its own clock), its outcome (ok, fail, or unknown: sent
 * and never answered) and, for writes, the WAL position just after the
 * commit; for reads on a standby, what it saw and its replay position.
 */
#ifndef PGREPL_HISTORY_H
#define PGREPL_HISTORY_H

#include "db.h"

#include <jansson.h>
#include <stdbool.h>

/* CLOCK_REALTIME in ms, the clock of every record's times. */
double history_now_ms(void);

/* The history's clock, for the document that carries it. */
#define HISTORY_CLOCK "CLOCK_REALTIME ms of the machine pgrepl ran on"

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
 * The outcome of a write that failed with err after it was sent: "fail"
 * when the server answered that it did not commit, "unknown" when it may
 * have committed unseen (no answer, the connection lost, the server
 * shutting down).
 */
const char *history_sent_write_outcome(const struct db_error *err);

/* Sort an array of records by sent_ms, in place (stable). */
void history_sort(json_t *records);

#endif
