/*
 * check.h — the checkers over a history (history.h): acknowledged writes
 * lost (and where in the WAL each was when the primary died), unknown
 * writes resolved, stale reads, read-your-writes and monotonic-read
 * violations, and the staleness of every read, as the "checks" object an
 * experiment's result keeps.
 */
#ifndef REPLAB_HISTORY_CHECK_H
#define REPLAB_HISTORY_CHECK_H

#include "history/history.h"
#include "lsn.h"

#include <jansson.h>
#include <stddef.h>

/* One write by its writer's name and sequence number. */
struct history_id {
	const char *writer;
	long long seq;
};

/*
 * The writes found on the surviving server (e.g. SELECT id FROM load_test
 * gives writer "load", seq = id), in any order; the caller owns them.
 * Every writer's writes are looked for: a writer whose rows were not
 * looked up would have all its writes counted lost.
 */
struct history_found {
	const struct history_id *ids;
	size_t n;
};

/* What the standby had of the WAL when the primary died. */
struct standby_positions {
	lsn_t received; /* written to its disk by the WAL receiver */
	lsn_t flushed;	/* flushed there */
	lsn_t replayed; /* applied by its startup process */
};

#define HISTORY_LOST_SHOWN  50 /* lost writes listed in "first" */
#define HISTORY_READS_SHOWN 20 /* reads listed in each read anomaly's "first" */

/*
 * The "checks" object of h (the README's "Checking a history" says what
 * each means):
 *   "operations", "writes" and "reads" ({"ok", "fail", "unknown"} counts);
 *   "lost_writes": the ok writes not in found, only when found is given:
 *     "count", "first" [{"writer", "seq", "lsn" (null when the write had
 *     none), "stage" (only with at_loss)}], "rows" (one per write),
 *     "wal_bytes" and "ms" (the loss from the last acknowledged write that
 *     survived before the first loss, by lsn and by answered_ms, to the
 *     last loss; from the first loss when none survived before it), and
 *     with at_loss "by_stage": {"not_received" (lsn > received),
 *     "received_not_flushed", "flushed_not_replayed"} (plus "replayed",
 *     lsn <= replayed, only when some loss is in it);
 *   "unknown_writes": "count", and "committed" / "not_committed" by found,
 *     or all "unresolved" without it; with found, "first" [{"writer",
 *     "seq", "committed" (true or false)}] (HISTORY_LOST_SHOWN of them);
 *   "stale_reads", "read_your_writes", "monotonic_reads": "count" and
 *     "first" [{"i" (the read's index in h), "session", "sent_ms",
 *     "writer", "seen", and "acked" (the writer's highest seq acknowledged
 *     before the read was sent) or, for monotonic reads, "previous" (what
 *     the session's previous read saw) and "previous_i"}];
 *   "staleness": "reads" (the ok reads), "ms" and "bytes" ({"p50", "p99",
 *     "max"}, null when no read has one: bytes need a "replay_lsn"), and
 *     "histogram_ms" [[lo, hi, count], ...] (lo <= ms < hi, 1-2-5 steps
 *     from [0, 1) to the bin of the largest).
 * found and at_loss may be NULL.
 */
json_t *history_check(const struct history *h, const struct history_found *found,
		      const struct standby_positions *at_loss);

/* The kinds of anomaly the checkers locate, in the order of the checks. */
enum history_kind {
	HISTORY_LOST,	       /* an acknowledged write lost (needs found) */
	HISTORY_COMMITTED,     /* an unknown write that committed (needs found) */
	HISTORY_NOT_COMMITTED, /* an unknown write that did not (needs found) */
	HISTORY_STALE,	       /* a stale read */
	HISTORY_RYW,	       /* a read-your-writes violation */
	HISTORY_MONOTONIC,     /* a monotonic-read violation */
	HISTORY_KINDS
};

/* Every anomaly located, by kind: at[k][0..n[k]), indexes into h, ascending. */
struct history_marks {
	size_t *at[HISTORY_KINDS];
	size_t n[HISTORY_KINDS];
};

/*
 * history_check, and every anomaly it counts located in *marks (zeroed
 * here; free it with history_marks_free), not only the first few.
 */
json_t *history_check_marked(const struct history *h, const struct history_found *found,
			     const struct standby_positions *at_loss, struct history_marks *marks);
void history_marks_free(struct history_marks *marks);

/* Add anomaly kind at record i to marks (nothing when marks is NULL). */
void history_mark(struct history_marks *marks, enum history_kind kind, size_t i);

#endif
