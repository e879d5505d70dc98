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
#include <unistd.h>

static const char *const tables[] = { "pgbench_accounts", "pgbench_branches", "pgbench_tellers",
				      "pgbench_history" };

#define NTABLES (sizeof(tables) / sizeof(tables[0]))

/* The exit status of the pgbench running (one at a time) once reaped, else -1. */
static int running_status = -1;

/* The output of the pgbench running, under STATE. */
static char running_log[PATH_MAX];

/* Its per-transaction log's prefix, in the member's working directory. */
#define TX_LOG "replab-pgbench"

/*
 * Into cmd (room for args and 6 more): sh -c running pgbench with args on
 * the member's own server as postgres, or as root through conninfo with
 * the password file that the primary's line of pgrepl's config names.
 */
static void command(const char **cmd, const char *conninfo, const char *const args[])
{
	size_t n = 0;

	cmd[n++] = "sh";
	cmd[n++] = "-c";
	cmd[n++] =
		conninfo ? "rm -f " TX_LOG ".* && PGPASSFILE=$(sed -n "
			   "'s/^primary[[:space:]]*=.*passfile=\\([^[:space:]]*\\).*/\\1/p' "
			   "\"${PGREPL_CONFIG:-/etc/replab/pgrepl.conf}\") && export PGPASSFILE && "
			   "exec pgbench \"$@\""
			 : "cd /tmp && exec " NODE_AS_POSTGRES " pgbench \"$@\" lab";
	cmd[n++] = "pgbench";
	while (*args)
		cmd[n++] = *args++;
	if (conninfo)
		cmd[n++] = conninfo;
	cmd[n] = NULL;
}

bool pgbench_init(const struct vm *on, const char *conninfo)
{
	char scale[16];
	const char *args[] = { "-i", "-q", "-I", "dtGp", "-s", scale, NULL }, *cmd[16];

	xsnprintf(scale, sizeof(scale), "%d", PGBENCH_SCALE);
	command(cmd, conninfo, args);
	lab_state_fresh("pgbench-init.log", running_log, sizeof(running_log));
	if (node_run(on, (char *const *) cmd, running_log) == 0)
		return true;
	log_error("pgbench -i failed in the %s VM", on->name);
	log_detail("its output is in %s", running_log);
	return false;
}

void pgbench_writable_conninfo(char *buf, size_t len)
{
	xsnprintf(buf, len,
		  "host=%s,%s user=lab dbname=lab connect_timeout=2 tcp_user_timeout=1000 "
		  "target_session_attrs=read-write",
		  lab_find_vm("primary")->addr, lab_find_vm("replica")->addr);
}

pid_t pgbench_start(const struct vm *on, const char *conninfo, int duration_s, const char *log_name)
{
	char duration[16], clients[16];
	const char *args[10] = { "-n", "-c", clients, "-j", clients, "-T", duration }, *cmd[20];

	xsnprintf(clients, sizeof(clients), "%d", PGBENCH_CLIENTS);
	xsnprintf(duration, sizeof(duration), "%d", duration_s);
	if (conninfo) { /* each transaction logged, for pgbench_transactions */
		args[7] = "-l";
		args[8] = "--log-prefix=" TX_LOG;
	}
	command(cmd, conninfo, args);
	running_status = -1;
	lab_state_fresh(log_name, running_log, sizeof(running_log));
	return node_start(on, (char *const *) cmd, running_log, -1, -1);
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
	char *text;
	json_t *r;

	if (running_status < 0 && pid > 0)
		running_status = child_wait(pid);
	text = file_read_all(running_log, 1 << 22, NULL);
	r = json_pack("{s:i,s:f,s:f,s:i,s:i,s:I,s:s}", "exit_status", running_status,
		      "transactions", after(text, "number of transactions actually processed: "),
		      "tps", after(text, "tps = "), "clients", PGBENCH_CLIENTS, "duration_s",
		      duration_s, "aborted", (json_int_t) count_lines(text, "aborted in command"),
		      "log", running_log);
	free(text);
	return r;
}

/*
 * One line of a per-transaction log: "client transaction latency_us script
 * epoch_s us", the latency a number when the transaction committed (a word
 * such as "failed" otherwise); its end (ms since the epoch), or -1.
 */
static double committed_at(const char *line)
{
	long long epoch_s, us;
	char latency[32], *end;

	if (sscanf(line, "%*d %*d %31s %*d %lld %lld", latency, &epoch_s, &us) != 3)
		return -1;
	strtod(latency, &end);
	return *end == '\0' && end != latency ? epoch_s * 1000.0 + us / 1000.0 : -1;
}

/* Commits per 100 ms from the first of n times: bin k counts [first + 100k, first + 100(k+1)). */
static json_t *per_100ms(const double *t, size_t n, double first, double last)
{
	size_t bins = n ? (size_t) ((last - first) / 100) + 1 : 0;
	json_int_t *count = calloc(bins ? bins : 1, sizeof(*count));
	json_t *out = json_array();

	if (!count)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++)
		count[(size_t) ((t[i] - first) / 100)]++;
	for (size_t k = 0; k < bins; k++)
		json_array_append_new(out, json_integer(count[k]));
	free(count);
	return out;
}

json_t *pgbench_transactions(const struct vm *on)
{
	char *cmd[] = { "sh", "-c", "cat \"$0\".* 2>/dev/null; rm -f \"$0\".*", TX_LOG, NULL };
	char path[PATH_MAX], *text, *line, *save = NULL;
	double first = -1, last = -1, *times = NULL;
	size_t n = 0, cap = 0;
	json_t *r;

	lab_state_fresh("pgbench-transactions.log", path, sizeof(path));
	if (node_run(on, cmd, path) != 0 || !(text = file_read_all(path, 1 << 28, NULL))) {
		log_error("could not read pgbench's per-transaction log back from the %s VM",
			  on->name);
		return NULL;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		double t = committed_at(line);

		if (t < 0)
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			if (!(times = realloc(times, cap * sizeof(*times))))
				fatal("out of memory");
		}
		times[n++] = t;
		if (first < 0 || t < first)
			first = t;
		if (t > last)
			last = t;
	}
	free(text);
	r = json_pack("{s:I,s:o,s:o,s:o}", "committed", (json_int_t) n, "first_commit_ms",
		      n ? json_real(first) : json_null(), "last_commit_ms",
		      n ? json_real(last) : json_null(), "commits_per_100ms",
		      per_100ms(times, n, first, last));
	free(times);
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
