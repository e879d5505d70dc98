/*
 * history_log.h — the client's history beside an experiment's JSON: the
 * records pgrepl kept (load, readers) with its own clock's times, mapped
 * onto the experiment's timeline (ms since its start, on the host's clock)
 * with the offset of the member's clock measured against the host's, or
 * the writes the harness commits itself, timed on the host's clock; written
 * as X.history.jsonl beside X.json, one record a line.
 */
#ifndef REPLAB_HISTORY_LOG_H
#define REPLAB_HISTORY_LOG_H

#include "experiment.h"
#include "history/history.h"

#include <jansson.h>
#include <stdbool.h>

struct history_clock {
	double offset_ms;  /* the member's CLOCK_REALTIME minus the host's */
	double start_real; /* the host's CLOCK_REALTIME (ms) at the timeline's start */
	char how[256];	   /* how the times were mapped, for the JSON's "history" */
};

/*
 * Measure where the member's clock stands against the host's (over its
 * management link, in one session; a tier's member shares the host's
 * clock), for times on timeline x; false (logged) when it could not.
 */
bool history_clock_measure(const struct vm *vm, const struct timeline *x, struct history_clock *c);

/* A time of the member's CLOCK_REALTIME (ms) on the timeline c was measured for. */
double history_clock_on_timeline(const struct history_clock *c, double member_ms);

/*
 * Append to out pgrepl's records in doc ("history", "history_epoch_ms"),
 * their times on the timeline, each with the members of extra (or NULL)
 * added; the number appended.
 */
size_t history_take(const struct history_clock *c, const json_t *doc, const json_t *extra,
		    json_t *out);

/* The clock of a history whose writes the harness made itself (history_commit), into c. */
void history_clock_harness(struct history_clock *c);

/*
 * Commit statements[0..n) on vm, each in a transaction of its own, all in
 * one psql session (node_commit_each), as writes first_seq, first_seq + 1,
 * ... of writer (its session too), and append their records to records:
 * sent and answered as the server's clock read them around each, put on
 * the timeline with c (vm's clock, history_clock_measure), and the WAL
 * position after the commit.  False (logged) when one failed: its record's
 * outcome unknown (the commit may have happened), the rest not sent.
 */
bool history_commit(json_t *records, const struct history_clock *c, const struct vm *vm,
		    const char *writer, long long first_seq, char *const statements[], size_t n);

/*
 * Measure vm's clock into c (history_clock_measure) and append to out the
 * records of doc (pgrepl's, run in vm) as session and writer name's, with
 * history_take; false (logged) when the clock could not be read.
 */
bool history_take_as(const struct vm *vm, const struct timeline *x, const char *name,
		     const json_t *doc, struct history_clock *c, json_t *out);

/*
 * Parse records (as history_take made them) into h, which history_init
 * made, as history_parse would read them from the file, where naming them
 * in messages; false (logged) at the first bad one.
 */
bool history_from_records(struct history *h, const json_t *records, const char *where);

/*
 * Write records to X.history.jsonl beside json_path (default
 * STATE/NAME.json) and add "history": {"file", "clock"} to doc; false
 * (logged) when it could not.
 */
bool history_save(json_t *doc, const json_t *records, const struct history_clock *c,
		  const char *name, const char *json_path);

/*
 * The history of "pgrepl load" (its result load, run in vm) beside the
 * experiment's JSON: measures vm's clock, moves the records out of load
 * (the JSON keeps the summary) into X.history.jsonl, and adds "history" to
 * doc; the records (the caller's), or NULL (logged) when it could not.
 */
json_t *history_keep_load(json_t *doc, json_t *load, const struct vm *vm, const struct timeline *x,
			  const char *name, const char *json_path);

#endif
