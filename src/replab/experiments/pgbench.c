/*
 * pgbench.c — the guests' pgbench as a workload (see pgbench.h).
 */
#define _GNU_SOURCE
#include "pgbench.h"

#include "child.h"
#include "fileread.h"
#include "lab/lifecycle.h"
#include "lab/node.h"
#include "log.h"
#include "strutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char *const tables[] = { "pgbench_accounts", "pgbench_branches", "pgbench_tellers",
				      "pgbench_history" };

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* The exit status of the pgbench running (one at a time) once reaped, else -1. */
static int running_status = -1;

static const char *log_path(char *buf, size_t len)
{
	return lab_state_path("pgbench.log", buf, len);
}

bool pgbench_init(const struct vm *on)
{
	char scale[16], path[PATH_MAX];
	char *cmd[] = { "sh", "-c",
			"cd /tmp && exec " NODE_AS_POSTGRES " pgbench -i -q -I dtGp -s \"$0\" lab",
			scale, NULL };

	xsnprintf(scale, sizeof(scale), "%d", PGBENCH_SCALE);
	if (node_run(on, cmd, log_path(path, sizeof(path))) == 0)
		return true;
	log_error("pgbench -i failed in the %s VM", on->name);
	log_detail("its output is in %s", path);
	return false;
}

pid_t pgbench_start(const struct vm *on, int duration_s)
{
	char duration[16], clients[16], path[PATH_MAX];
	char *cmd[] = { "sh",
			"-c",
			"cd /tmp && exec " NODE_AS_POSTGRES
			" pgbench -n -c \"$0\" -j \"$0\" -T \"$1\" lab",
			clients,
			duration,
			NULL };

	xsnprintf(clients, sizeof(clients), "%d", PGBENCH_CLIENTS);
	xsnprintf(duration, sizeof(duration), "%d", duration_s);
	running_status = -1;
	return node_start(on, cmd, log_path(path, sizeof(path)), -1, -1);
}

bool pgbench_done(pid_t pid)
{
	int status;

	if (running_status < 0 && pid > 0 && waitpid(pid, &status, WNOHANG) == pid)
		running_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return running_status >= 0;
}

/* The number after what in text, or -1. */
static double after(const char *text, const char *what)
{
	const char *at = text ? strstr(text, what) : NULL;

	return at ? strtod(at + strlen(what), NULL) : -1;
}

static long count_lines(const char *text, const char *what)
{
	long n = 0;

	for (const char *at = text; at && (at = strstr(at, what)); at += strlen(what))
		n++;
	return n;
}

json_t *pgbench_finish(pid_t pid, int duration_s)
{
	char path[PATH_MAX];
	char *text;
	json_t *r;

	if (running_status < 0 && pid > 0)
		running_status = child_wait(pid);
	text = file_read_all(log_path(path, sizeof(path)), 1 << 22, NULL);
	r = json_pack("{s:i,s:f,s:f,s:i,s:i,s:I,s:s}", "exit_status", running_status,
		      "transactions", after(text, "number of transactions actually processed: "),
		      "tps", after(text, "tps = "), "clients", PGBENCH_CLIENTS, "duration_s",
		      duration_s, "aborted", (json_int_t) count_lines(text, "aborted in command"),
		      "log", path);
	free(text);
	return r;
}

json_t *pgbench_contents(const struct vm *server)
{
	json_t *out = json_object(), *rows;
	long long sums[NTABLES];
	bool ok = true;

	for (size_t i = 0; i < NTABLES && ok; i++) {
		const char *column = i == 0   ? "abalance"
				     : i == 1 ? "bbalance"
				     : i == 2 ? "tbalance"
					      : "delta";
		long long n, checksum;

		rows = node_queryf(
			server, "read the pgbench tables", 1, 3,
			"SELECT count(*) AS n, coalesce(sum(hashtext(t::text)::bigint), 0)"
			" AS checksum, coalesce(sum(%s), 0) AS balance FROM %s AS t",
			column, tables[i]);
		ok = rows && sql_int(sql_row(rows, 0), "n", &n) &&
		     sql_int(sql_row(rows, 0), "checksum", &checksum) &&
		     sql_int(sql_row(rows, 0), "balance", &sums[i]);
		if (ok)
			json_object_set_new(out, tables[i],
					    json_pack("{s:I,s:I,s:I}", "rows", (json_int_t) n,
						      "checksum", (json_int_t) checksum, "balance",
						      (json_int_t) sums[i]));
		json_decref(rows);
	}
	if (!ok) {
		json_decref(out);
		return NULL;
	}
	json_object_set_new(out, "balanced",
			    json_boolean(sums[0] == sums[1] && sums[1] == sums[2] &&
					 sums[2] == sums[3]));
	return out;
}

bool pgbench_same(json_t *a, json_t *b)
{
	for (size_t i = 0; i < NTABLES; i++)
		if (!a || !b ||
		    !json_equal(json_object_get(a, tables[i]), json_object_get(b, tables[i])))
			return false;
	return true;
}
