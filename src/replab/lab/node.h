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

#include <jansson.h>
#include <stdbool.h>
#include <sys/types.h>

/* Is the member there (its QEMU runs, or the tier declared it)? */
bool node_is_running(const struct vm *vm);

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
 * One value from psql as the postgres superuser in the member's "lab"
 * database; false (logged) when the query failed.
 */
bool node_sql_value(const struct vm *vm, const char *sql, char *buf, size_t len);

/* node_sql_value with the query built from fmt; out may be NULL. */
bool node_sqlf(const struct vm *vm, char *out, size_t len, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* A crash: SIGKILL to the VM's QEMU, or to the namespace's server. */
bool node_crash(const struct vm *vm);

/* The server alone crashes: SIGKILL to all its processes at once. */
bool node_kill_server(const struct vm *vm);

/* The member's PostgreSQL log (the journal in a VM) into out_path. */
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
