/*
 * node.c — commands in, and crashes of, a lab member: a VM or a test
 * tier's namespace (see node.h).
 */
#define _GNU_SOURCE
#include "node.h"

#include "child.h"
#include "lifecycle.h"
#include "log.h"
#include "netns.h"
#include "sqlrows.h"
#include "ssh.h"
#include "strutil.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* STATE/nodes/NAME when the tier provides it. */
static bool launcher(const struct vm *vm, char *buf, size_t len)
{
	char name[64];

	xsnprintf(name, sizeof(name), "nodes/%s", vm->name);
	lab_state_path(name, buf, len);
	return access(buf, X_OK) == 0;
}

bool node_is_tier_member(const struct vm *vm)
{
	char path[PATH_MAX];

	return launcher(vm, path, sizeof(path));
}

bool node_is_running(const struct vm *vm)
{
	char path[PATH_MAX];

	return launcher(vm, path, sizeof(path)) || vm_pid(vm) > 0;
}

pid_t node_start(const struct vm *vm, char *const cmd[], const char *out_path, int stdout_fd,
		 int stderr_fd)
{
	char path[PATH_MAX];
	struct argv_list a = { 0 };
	pid_t pid;

	if (!launcher(vm, path, sizeof(path)))
		return ssh_start(vm, cmd, false, out_path, stdout_fd, stderr_fd);
	argv_add(&a, "%s", path);
	argv_add(&a, "exec");
	for (int i = 0; cmd[i]; i++)
		argv_add(&a, "%s", cmd[i]);
	pid = netns_start(a.v, out_path, stdout_fd, stderr_fd);
	argv_free(&a);
	return pid;
}

int node_run(const struct vm *vm, char *const cmd[], const char *out_path)
{
	pid_t pid = node_start(vm, cmd, out_path, -1, -1);

	return pid < 0 ? -1 : child_wait(pid);
}

/* Run cmd in the member with its stdout read through a pipe of this run's own: the exit status. */
static int node_capture(const struct vm *vm, char *const cmd[], const char *out_path, int stderr_fd,
			char **out)
{
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	pid = node_start(vm, cmd, out_path, fds[1], stderr_fd);
	close(fds[1]);
	return child_collect(pid, fds[0], out);
}

/* Copy what arrives on fd to our stderr, line by line, made safe for a terminal; closes fd. */
static void relay_safely(int fd)
{
	FILE *in = fdopen(fd, "r");
	char *line = NULL;
	size_t cap = 0;

	if (!in) {
		close(fd);
		return;
	}
	while (getline(&line, &cap, in) > 0)
		str_print_safe(stderr, line);
	free(line);
	fclose(in);
}

bool node_job_start(struct node_job *job, const struct vm *vm, char *const cmd[], int stderr_fd)
{
	*job = (struct node_job){ .out = lab_scratch_fd(), .status = -1 };
	job->pid = node_start(vm, cmd, NULL, job->out, stderr_fd);
	return job->pid > 0;
}

bool node_job_done(struct node_job *job)
{
	int status;

	if (!job->reaped && job->pid > 0 && waitpid(job->pid, &status, WNOHANG) == job->pid) {
		job->reaped = true;
		job->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return job->reaped;
}

json_t *node_job_finish(struct node_job *job, int *status)
{
	json_t *doc;

	if (!job->reaped && job->pid > 0)
		job->status = child_wait(job->pid);
	job->reaped = true;
	doc = job->out >= 0 ? lab_scratch_json(job->out) : NULL;
	job->out = -1;
	if (status)
		*status = job->status;
	return doc;
}

json_t *node_run_json(const struct vm *vm, char *const cmd[], int stderr_fd)
{
	struct node_job job;
	json_error_t jerr;
	json_t *doc;
	char *text;
	int fds[2];

	if (stderr_fd >= 0) {
		node_capture(vm, cmd, NULL, stderr_fd, &text);
		doc = json_loads(text, 0, &jerr);
		free(text);
	} else {
		/* The narrative reaches the terminal as it comes, filtered; the result waits in a
		 * scratch file. */
		if (pipe2(fds, O_CLOEXEC) != 0)
			fatal("could not make a pipe: %s", strerror(errno));
		node_job_start(&job, vm, cmd, fds[1]);
		close(fds[1]);
		relay_safely(fds[0]);
		doc = node_job_finish(&job, NULL);
		if (!doc)
			xsnprintf(jerr.text, sizeof(jerr.text), "no JSON document");
	}
	if (!doc)
		log_error("%s in the %s VM printed no result (%s)", cmd[0], vm->name, jerr.text);
	return doc;
}

/*
 * What psql printed for sql in the member's "lab" database, as postgres;
 * NULL (logged, naming query) when it failed.
 */
static char *psql_output(const struct vm *vm, const char *sql, const char *query)
{
	char *cmd[] = { "sh", "-c", NODE_PSQL " -XAtq -v ON_ERROR_STOP=1 -c \"$0\"", (char *) sql,
			NULL };
	char log_path[PATH_MAX];
	char *text;

	lab_state_path("sql.log", log_path, sizeof(log_path));
	if (node_capture(vm, cmd, log_path, -1, &text) == 0)
		return text;
	free(text);
	log_error("query failed in the %s VM: %s", vm->name, query);
	log_detail("psql's messages are in %s", log_path);
	return NULL;
}

static char *vformat(const char *fmt, va_list ap)
{
	char *text;

	if (vasprintf(&text, fmt, ap) < 0)
		fatal("out of memory");
	return text;
}

bool node_execf(const struct vm *vm, const char *fmt, ...)
{
	char *statement, *text;
	va_list ap;

	va_start(ap, fmt);
	statement = vformat(fmt, ap);
	va_end(ap);
	text = psql_output(vm, statement, statement);
	free(statement);
	if (!text)
		return false;
	free(text);
	return true;
}

bool node_commitf(const struct vm *vm, lsn_t *lsn, const char *fmt, ...)
{
	char *statement, *sql, *text;
	va_list ap;
	bool ok;

	va_start(ap, fmt);
	statement = vformat(fmt, ap);
	va_end(ap);
	/* psql -c runs it all as one transaction but for the explicit BEGIN and COMMIT. */
	if (asprintf(&sql, "BEGIN; %s; COMMIT; SELECT pg_current_wal_insert_lsn()", statement) < 0)
		fatal("out of memory");
	text = psql_output(vm, sql, statement);
	ok = text && lsn_parse(str_trim(text), lsn);
	if (text && !ok)
		log_error("the %s VM's server gave no WAL position after: %s", vm->name, statement);
	free(text);
	free(sql);
	free(statement);
	return ok;
}

json_t *node_queryf(const struct vm *vm, const char *what, long nrows, size_t nfields,
		    const char *fmt, ...)
{
	char *query, *sql, *text;
	json_t *rows = NULL;
	va_list ap;

	va_start(ap, fmt);
	query = vformat(fmt, ap);
	va_end(ap);
	sql = sql_rows_query(query);
	if ((text = psql_output(vm, sql, query))) {
		rows = sql_rows_parse(text);
		if (!rows)
			log_error("could not %s: the %s VM's server printed no rows (%s)", what,
				  vm->name, query);
	}
	if (rows && !sql_rows_check(rows, what, nrows, nfields)) {
		json_decref(rows);
		rows = NULL;
	}
	free(text);
	free(sql);
	free(query);
	return rows;
}

/* "NAME verb [arg]" for a tier's member, else cmd over SSH. */
static bool run_verb(const struct vm *vm, const char *verb, const char *arg, char *const cmd[],
		     const char *out_path)
{
	char path[PATH_MAX];
	char *argv[] = { path, (char *) verb, (char *) arg, NULL };

	if (launcher(vm, path, sizeof(path)))
		return child_run(argv, out_path) == 0;
	return ssh_run(vm, cmd, false, out_path) == 0;
}

bool node_server_log(const struct vm *vm, const char *out_path)
{
	char *cmd[] = {
		"journalctl", "-q", "-o", "cat", "--no-pager", "-u", "replab-postgres", NULL
	};

	return run_verb(vm, "log", NULL, cmd, out_path);
}

bool node_rebuild(const struct vm *vm, const char *out_path)
{
	char *cmd[] = { "sh", "-c",
			"systemctl stop replab-postgres && rm -rf /var/lib/replab/pgdata &&"
			" systemctl start replab-replica-bootstrap replab-postgres",
			NULL };

	return run_verb(vm, "rebuild", NULL, cmd, out_path);
}

bool node_rejoin(const struct vm *vm, const char *source_addr, const char *out_path)
{
	char script[256];
	char *cmd[] = { "sh", "-c", script, NULL };

	xsnprintf(script, sizeof(script),
		  "systemctl stop replab-postgres && %s /usr/local/lib/replab/rejoin.sh"
		  " --data /var/lib/replab/pgdata --source %s --secrets /etc/replab/secrets"
		  " --name %s && systemctl start replab-postgres",
		  NODE_AS_POSTGRES, source_addr, vm->name);
	return run_verb(vm, "rejoin", source_addr, cmd, out_path);
}

bool node_kill_server(const struct vm *vm)
{
	char *cmd[] = { "systemctl", "kill", "--signal=KILL", "replab-postgres", NULL };

	return run_verb(vm, "kill-server", NULL, cmd, NULL);
}

bool node_crash(const struct vm *vm)
{
	char path[PATH_MAX];
	char *argv[] = { path, "crash", NULL };

	if (!launcher(vm, path, sizeof(path)))
		return vm_kill(vm);
	return child_run(argv, NULL) == 0;
}
