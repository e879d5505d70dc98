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

/* "MS" or "LSN MS" (each statement's clock reads) from psql's line; false if it is not. */
static bool commit_line(const char *line, bool with_lsn, double *ms, lsn_t *lsn)
{
	char word[LSN_TEXT_MAX + 1], *end;

	if (with_lsn) {
		const char *space = strchr(line, ' ');

		if (!space || (size_t) (space - line) >= sizeof(word))
			return false;
		memcpy(word, line, (size_t) (space - line));
		word[space - line] = '\0';
		if (!lsn_parse(word, lsn))
			return false;
		line = space + 1;
	}
	*ms = strtod(line, &end);
	return end != line && *end == '\0';
}

size_t node_commit_each(const struct vm *vm, char *const statements[], size_t n,
			struct node_commit *out, bool *sent)
{
	static char before[] = "SELECT extract(epoch FROM clock_timestamp()) * 1000",
		    after[] = "SELECT pg_current_wal_insert_lsn() || ' ' || "
			      "extract(epoch FROM clock_timestamp()) * 1000";
	/* psql runs each -c on its own, so each statement is a transaction of its own. */
	char **cmd = calloc(4 + 6 * n + 1, sizeof(*cmd)), log_path[PATH_MAX];
	char *text = NULL, *line, *save = NULL;
	size_t k = 0, done = 0, lines = 0;
	int rc;

	if (!cmd)
		fatal("out of memory");
	cmd[k++] = "sh";
	cmd[k++] = "-c";
	cmd[k++] = NODE_PSQL " -XAtq -v ON_ERROR_STOP=1 \"$@\"";
	cmd[k++] = "psql";
	for (size_t i = 0; i < n; i++) {
		cmd[k++] = "-c";
		cmd[k++] = before;
		cmd[k++] = "-c";
		cmd[k++] = statements[i];
		cmd[k++] = "-c";
		cmd[k++] = after;
	}
	lab_state_path("sql.log", log_path, sizeof(log_path));
	rc = node_capture(vm, cmd, log_path, -1, &text);
	/* Lines: the clock before statement i, then "LSN CLOCK" after it. */
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line && done < n;
	     line = strtok_r(NULL, "\n", &save), lines++) {
		struct node_commit *c = &out[done];

		if (lines % 2 == 0 ? !commit_line(line, false, &c->sent_ms, NULL)
				   : !commit_line(line, true, &c->answered_ms, &c->lsn))
			break;
		if (lines % 2 == 1)
			done++;
	}
	*sent = lines % 2 == 1;
	/* Every write was answered (its clock read after the commit), yet psql failed. */
	if (rc != 0 && done == n)
		log_warning("psql exited with status %d in the %s VM after its %zu writes", rc,
			    vm->name, n);
	if (done < n) {
		log_error("a write failed in the %s VM after %zu of %zu: %s", vm->name, done, n,
			  statements[done]);
		log_detail("psql's messages are in %s", log_path);
	}
	free(text);
	free(cmd);
	return done;
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
