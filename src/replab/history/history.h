/*
 * history.h — what a client saw: one record per operation it attempted
 * (a write or a read, to which server, when sent and answered on the
 * harness's clock, its outcome ok, fail or unknown, and the WAL positions
 * behind it), kept as JSON lines beside an experiment's result.  This reads
 * such a file into memory, validating every member, and writes a record as
 * one line for the programs that record operations.
 */
#ifndef REPLAB_HISTORY_H
#define REPLAB_HISTORY_H

#include "lsn.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define HISTORY_FILE_MAX  (128 * 1024 * 1024) /* bytes of a history file */
#define HISTORY_LINE_MAX  (64 * 1024)	      /* bytes of one line */
#define HISTORY_NAME_MAX  64		      /* bytes of a session, writer or server name */
#define HISTORY_ERROR_MAX 1024		      /* bytes of an operation's "error" */
#define HISTORY_SEEN_MAX  64		      /* writers in one read's "seen" */
#define HISTORY_NAMES_MAX 1024		      /* different names in one history */
#define HISTORY_SEQ_MAX	  9007199254740991LL  /* 2^53 - 1: exact in any JSON reader */

enum history_op { HISTORY_WRITE, HISTORY_READ };

/*
 * ok: answered, succeeded; fail: answered with an error, or never sent (it
 * certainly did not take effect); unknown: sent and never answered (a write
 * that may have committed).
 */
enum history_outcome { HISTORY_OK, HISTORY_FAIL, HISTORY_UNKNOWN };

/* A read saw seq as the highest visible of writer's writes. */
struct history_seen {
	const char *writer;
	long long seq;
};

/*
 * One operation, the members of one line.  Names are printable ASCII of
 * 1 to HISTORY_NAME_MAX - 1 bytes.  In a struct history the strings and
 * the seen array belong to the history; a record given to history_append
 * or history_write_line may point anywhere.
 */
struct history_record {
	const char *session;
	enum history_op op;
	const char *server;	      /* "primary", "replica", "replica2"; NULL: unknown */
	double sent_ms;		      /* ms since the experiment's timeline start */
	bool answered;		      /* false: "answered_ms" is null */
	double answered_ms;	      /* >= sent_ms when answered */
	enum history_outcome outcome; /* ok needs an answer, unknown has none */
	/* writes: the writer's name and its sequence number (1, 2, ...) */
	const char *writer;
	long long seq;
	bool has_lsn; /* ok writes: the WAL position at or just after the commit */
	lsn_t lsn;
	/* reads: per writer the highest seq visible (ok reads; absent: 0) */
	const struct history_seen *seen;
	size_t nseen;
	bool has_replay_lsn; /* ok reads on a standby: pg_last_wal_replay_lsn() */
	lsn_t replay_lsn;
	const char *error; /* NULL: none */
	/* the run the operation belongs to (an experiment's "mode" under its
	 * "delay", e.g. replica-reads'); NULL: none */
	const char *mode, *delay;
};

/*
 * A history: records[0..n) in the order the operations were sent
 * (records[i] is the file's line i + 1).  A name appears once in it, so
 * two records name the same session, writer or server exactly when their
 * pointers are equal.
 */
struct history {
	struct history_record *records;
	size_t n;
	/* private */
	size_t cap;
	char **names;	 /* names[id], in the order they first appeared */
	size_t *by_text; /* the ids, sorted by their names */
	size_t nnames;
};

void history_init(struct history *h);
void history_free(struct history *h);

/*
 * Check r and append a copy of it to h; false (logged: which member, and
 * why) when r breaks a rule above or a limit.
 */
bool history_append(struct history *h, const struct history_record *r);

/*
 * Parse text[0..len) (JSON lines; the last may lack its newline) into h,
 * which history_init made; where names the text in messages.  False after
 * logging "WHERE line N: member M: why" at the first bad line (a line that
 * is not a JSON object, a member missing, of the wrong type or out of
 * range, a writer's seq twice); h then holds what was read (free it
 * either way).
 */
bool history_parse(struct history *h, const char *text, size_t len, const char *where);

/*
 * The different names (sessions, writers, servers) h holds, and the number
 * of one in [0, history_names(h)) by its text: history_names(h) when h has
 * no such name.  For tables indexed by name.
 */
size_t history_names(const struct history *h);
size_t history_name_id(const struct history *h, const char *name);

/* history_parse on the file at path (at most HISTORY_FILE_MAX bytes). */
bool history_read_file(struct history *h, const char *path);

/*
 * r as one line of a history file (its JSON and "\n") on f; false (logged)
 * when r is invalid, as for history_append, or f failed.
 */
bool history_write_line(FILE *f, const struct history_record *r);

#endif
