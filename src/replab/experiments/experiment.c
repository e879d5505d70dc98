/*
 * experiment.c — the experiments' shared parts (see experiment.h).
 */
#define _GNU_SOURCE
#include "experiment.h"

#include "child.h"
#include "clock.h"
#include "interrupt.h"
#include "lab/jsonfile.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "lab/node.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

void timeline_begin(struct timeline *x)
{
	*x = (struct timeline){ .start = clock_now_ms(),
				.events = json_array(),
				.samples = json_array() };
}

double timeline_ms(const struct timeline *x)
{
	return clock_now_ms() - x->start;
}

void timeline_event(struct timeline *x, const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	printf("[%7.1f s] ", timeline_ms(x) / 1000);
	str_print_safe(stdout, what);
	putchar('\n');
	fflush(stdout);
	json_array_append_new(x->events,
			      json_pack("{s:f,s:s}", "t_ms", timeline_ms(x), "event", what));
}

json_t *timeline_last(const struct timeline *x)
{
	return json_array_get(x->samples, json_array_size(x->samples) - 1);
}

double timeline_event_at(const struct timeline *x, const char *what)
{
	json_t *e;
	size_t i;

	json_array_foreach(x->events, i, e) {
		if (strcmp(json_string_value(json_object_get(e, "event")), what) == 0)
			return json_real_value(json_object_get(e, "t_ms"));
	}
	return -1;
}

void timeline_free(struct timeline *x)
{
	json_decref(x->events);
	json_decref(x->samples);
	x->events = x->samples = NULL;
}

bool watch_start(struct watch *w, const struct vm *on, int duration_s)
{
	char duration[16];
	char *cmd[] = { "pgrepl", "watch", "--interval", "100", "--duration", duration, NULL };
	int fds[2];

	xsnprintf(duration, sizeof(duration), "%d", duration_s);
	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("pipe failed");
	w->pid = node_start(on, cmd, NULL, fds[1], -1);
	close(fds[1]);
	w->in = fdopen(fds[0], "r");
	return w->pid > 0;
}

bool watch_take(struct watch *w, struct timeline *x, int wait_ms)
{
	double until = clock_now_ms() + wait_ms;
	char *line = NULL;
	size_t cap = 0;
	bool alive = true;

	for (double left = wait_ms; alive && left > 0; left = until - clock_now_ms()) {
		struct pollfd p = { .fd = fileno(w->in), .events = POLLIN };
		json_t *s;

		if (poll(&p, 1, (int) left) <= 0)
			break;
		if (getline(&line, &cap, w->in) <= 0) {
			alive = false;
			break;
		}
		if (!(s = json_loads(line, 0, NULL)))
			continue;
		json_object_set_new(s, "guest_t_ms", json_incref(json_object_get(s, "t_ms")));
		json_object_set_new(s, "t_ms", json_real(timeline_ms(x)));
		json_array_append_new(x->samples, s);
	}
	free(line);
	return alive;
}

void watch_stop(struct watch *w)
{
	if (w->pid > 0) {
		kill(w->pid, SIGTERM);
		child_wait(w->pid);
	}
	if (w->in)
		fclose(w->in);
	*w = (struct watch){ 0 };
}

/* The load's stdout, a scratch file of this run's own, and whether it was reaped (one load at a
 * time). */
static int load_out = -1;
static bool load_reaped;

pid_t load_start(const struct vm *on, int rate, int duration_s, bool follow, bool until_failure)
{
	char rate_s[16], duration[16], log_path[PATH_MAX];
	char *cmd[10] = { "pgrepl", "load", "--json", "--rate", rate_s, "--duration", duration };
	int err, n = 7;
	pid_t pid;

	if (follow)
		cmd[n++] = "--follow";
	if (until_failure)
		cmd[n++] = "--until-failure";
	xsnprintf(rate_s, sizeof(rate_s), "%d", rate);
	xsnprintf(duration, sizeof(duration), "%d", duration_s);
	if (load_out >= 0)
		close(load_out);
	load_out = lab_scratch_fd();
	load_reaped = false;
	err = open(lab_state_path("load.log", log_path, sizeof(log_path)),
		   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (err < 0)
		fatal("could not write %s: %s", log_path, strerror(errno));
	pid = node_start(on, cmd, NULL, load_out, err);
	close(err);
	return pid;
}

bool load_done(pid_t pid)
{
	if (!load_reaped && waitpid(pid, NULL, WNOHANG) == pid)
		load_reaped = true;
	return load_reaped;
}

json_t *load_finish(pid_t pid)
{
	char log_path[PATH_MAX];
	json_t *load;

	if (pid > 0 && !load_reaped)
		child_wait(pid);
	load_reaped = true;
	load = load_out >= 0 ? lab_scratch_json(load_out) : NULL;
	load_out = -1;
	lab_state_path("load.log", log_path, sizeof(log_path));
	if (!load || !json_is_true(json_object_get(load, "ok"))) {
		const char *why = json_string_value(json_object_get(load, "error"));

		log_error("pgrepl load failed: %s", why ? why : "it printed no result");
		log_detail("its narrative is in %s", log_path);
		json_decref(load);
		return NULL;
	}
	return load;
}

/* "(1,500),(502,900)": the ranges as an SQL VALUES list. */
static char *ranges_sql(json_t *ranges)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	json_t *r;
	size_t i;

	json_array_foreach(ranges, i, r) {
		fprintf(f, "%s(%lld,%lld)", i ? "," : "",
			(long long) json_integer_value(json_array_get(r, 0)),
			(long long) json_integer_value(json_array_get(r, 1)));
	}
	if (json_array_size(ranges) == 0)
		fputs("(0,-1)", f);
	fclose(f);
	return out;
}

/* "{7,8}": ids as an SQL array literal. */
static char *ids_sql(json_t *ids)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	json_t *id;
	size_t i;

	fputc('{', f);
	json_array_foreach(ids, i, id) {
		fprintf(f, "%s%lld", i ? "," : "", (long long) json_integer_value(id));
	}
	fputc('}', f);
	fclose(f);
	return out;
}

bool acked_writes_check(const struct vm *server, json_t *load, json_t *summary)
{
	char *ranges = ranges_sql(json_object_get(load, "acknowledged_ranges"));
	char *in_doubt = ids_sql(json_object_get(load, "in_doubt_ids"));
	char *sql = NULL;
	char value[4096], *lost = NULL;
	long long acked = json_integer_value(json_object_get(load, "acknowledged")), present,
		  committed;
	bool ok;

	/* One row: present|committed in doubt|the first 50 acknowledged ids missing */
	if (asprintf(&sql,
		     "SELECT count(t.id), (SELECT count(*) FROM load_test WHERE id = ANY('%s')),"
		     " coalesce(array_to_string((array_agg(g ORDER BY g) FILTER (WHERE t.id IS "
		     "NULL))[1:50], ','), '')"
		     " FROM (VALUES %s) AS r(a, b) CROSS JOIN LATERAL generate_series(r.a, r.b) AS "
		     "g"
		     " LEFT JOIN load_test AS t ON t.id = g",
		     in_doubt, ranges) < 0)
		fatal("out of memory");
	ok = node_sql_value(server, sql, value, sizeof(value)) &&
	     sscanf(value, "%lld|%lld|", &present, &committed) == 2 &&
	     (lost = strchr(value, '|')) && (lost = strchr(lost + 1, '|'));
	if (ok) {
		json_object_set_new(summary, "acknowledged_writes", json_integer(acked));
		json_object_set_new(summary, "on_server", json_integer(present));
		json_object_set_new(summary, "lost_writes", json_integer(acked - present));
		json_object_set_new(summary, "lost_ids", json_string(lost + 1));
		json_object_set_new(summary, "in_doubt",
				    json_integer((json_int_t) json_array_size(
					    json_object_get(load, "in_doubt_ids"))));
		json_object_set_new(summary, "in_doubt_committed", json_integer(committed));
	}
	free(sql);
	free(ranges);
	free(in_doubt);
	return ok;
}

double standby_caught_up(const struct vm *primary, const char *standby_name, double timeout_ms)
{
	double start = clock_now_ms();
	char v[64];

	while (clock_now_ms() - start < timeout_ms && !interrupted()) {
		if (node_sqlf(primary, v, sizeof(v),
			      "SELECT coalesce(max(state || '|' || "
			      "pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)), 'none')"
			      " FROM pg_stat_replication WHERE application_name = '%s'",
			      standby_name) &&
		    strcmp(v, "streaming|0") == 0)
			return clock_now_ms() - start;
		clock_sleep_ms(300);
	}
	return -1;
}

bool experiment_save(json_t *doc, const char *name, const char *json_path)
{
	char path[PATH_MAX], file[64];

	if (!json_path) {
		xsnprintf(file, sizeof(file), "%s.json", name);
		json_path = lab_state_path(file, path, sizeof(path));
	}
	if (!json_write_atomic(json_path, doc, JSON_INDENT(1) | JSON_REAL_PRECISION(6))) {
		log_error("could not write %s: %s", json_path, strerror(errno));
		return false;
	}
	printf("  timeline: %s (replab report %s draws it)\n", json_path, json_path);
	return true;
}
