/*
 * node.h — what experiments need from a lab member, whatever it runs on:
 * running a command inside it, and crashing it.
 *
 * A VM is reached over its management SSH and crashed by killing its QEMU.
 * The namespace test tier has no VMs: each member is a network namespace
 * whose PostgreSQL runs on the host, and the tier provides an executable
 * STATE/nodes/NAME that replab calls instead ("NAME exec CMD..." runs CMD
 * there, with pgrepl and psql set up as in the VM; "NAME crash" and "NAME
 * kill-server" kill its server; "NAME log" prints its server's log; "NAME
 * rebuild" makes it a standby afresh; "NAME rejoin HOST" rewinds it into a
 * standby of HOST).  Faults act on the taps in both cases.
 */
#ifndef REPLAB_NODE_H
#define REPLAB_NODE_H

#include "lab.h"
#include "lsn.h"
#include "sqlrows.h"

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* Is the member there (its QEMU runs, or the tier declared it)? */
bool node_is_running(const struct vm *vm);

/* Is the member a test tier's (STATE/nodes/NAME), on the host's own clock? */
bool node_is_tier_member(const struct vm *vm);

/*
 * Start cmd inside the member; out_path, stdout_fd and stderr_fd as in
 * netns_start.
 */
pid_t node_start(const struct vm *vm, char *const cmd[], const char *out_path, int stdout_fd,
		 int stderr_fd);

/* node_start and wait: the command's exit status. */
int node_run(const struct vm *vm, char *const cmd[], const char *out_path);

/*
 * Run cmd inside the member with its stdout parsed as JSON; its stderr goes
 * to stderr_fd, or when -1 to ours, line by line, made safe for a terminal.
 * NULL (logged) when the command printed no JSON.
 */
json_t *node_run_json(const struct vm *vm, char *const cmd[], int stderr_fd);

/*
 * A command run in a member with its stdout (its JSON result) going to a
 * scratch file of this run's own (lab_scratch_fd), so that nothing else
 * can read or replace it.
 */
struct node_job {
	pid_t pid;  /* -1 when it did not start */
	int out;    /* the scratch file, -1 once read */
	int status; /* its exit status once reaped (as child_wait), else -1 */
	bool reaped;
};

/* Start cmd in the member, its stderr to stderr_fd (-1: ours); false when it did not start. */
bool node_job_start(struct node_job *job, const struct vm *vm, char *const cmd[], int stderr_fd);

/* Has the job ended?  Does not block. */
bool node_job_done(struct node_job *job);

/*
 * Wait for the job (unless it was reaped) and read its stdout as JSON: the
 * document, or NULL when it printed none; its exit status in *status when
 * status is not NULL.
 */
json_t *node_job_finish(struct node_job *job, int *status);

/* Run what follows as the postgres user (text for sh -c in a VM, or a tier's "NAME exec"). */
#define NODE_AS_POSTGRES "runuser -u postgres --"

/*
 * psql as postgres in the member's "lab" database, from /tmp (postgres may
 * not enter root's home): text for sh -c, to which more options may be added.
 */
#define NODE_PSQL "cd /tmp && exec " NODE_AS_POSTGRES " psql -d lab"

/*
 * Run a statement whose result is not read (DDL, CHECKPOINT, ALTER SYSTEM,
 * a function called for its effect) with psql as postgres in the member's
 * "lab" database; false (logged) when it failed.
 */
bool node_execf(const struct vm *vm, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One write committed by node_commit_each: the server's clock around it, and its WAL position. */
struct node_commit {
	double sent_ms;	    /* the server's CLOCK_REALTIME (ms) just before the statement */
	double answered_ms; /* and just after its commit */
	lsn_t lsn;	    /* pg_current_wal_insert_lsn() then: at or just after the commit */
};

/*
 * Commit each of n statements (writes) in a transaction of its own, in one
 * psql session: before it the server's clock is read, after it the clock
 * and pg_current_wal_insert_lsn(), into out[i].  The statements print
 * nothing (no RETURNING, no SELECT): the clock reads are all psql prints.
 * Stops at the first that fails.  Returns how many were answered; *sent is then whether the next
 * one was sent (it may have committed: its outcome is unknown), and a
 * failure is logged.
 */
size_t node_commit_each(const struct vm *vm, char *const statements[], size_t n,
			struct node_commit *out, bool *sent);

/*
 * The rows of a query (a single SELECT) as a JSON array of objects, one per
 * row keyed by column name (sqlrows.h reads them), checked to hold nrows
 * rows (SQL_ANY_ROWS: any number) of nfields fields; NULL (logged: "could
 * not WHAT: ...") when the query failed or its result had another shape.
 * The caller json_decref()s the rows.
 */
json_t *node_queryf(const struct vm *vm, const char *what, long nrows, size_t nfields,
		    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A crash: SIGKILL to the VM's QEMU, or to the namespace's server. */
bool node_crash(const struct vm *vm);

/* The server alone crashes: SIGKILL to all its processes at once. */
bool node_kill_server(const struct vm *vm);

/* The member's PostgreSQL log (the journal in a VM) appended to out_path (see lab_state_fresh). */
bool node_server_log(const struct vm *vm, const char *out_path);

/*
 * Make a replica afresh: stop its server, remove its data directory, copy
 * the primary again (replica-bootstrap.sh) and start it.
 */
bool node_rebuild(const struct vm *vm, const char *out_path);

/*
 * Make a former primary a standby of source_addr: stop its server,
 * pg_rewind (images/postgres/rejoin.sh), start it.
 */
bool node_rejoin(const struct vm *vm, const char *source_addr, const char *out_path);

#endif
