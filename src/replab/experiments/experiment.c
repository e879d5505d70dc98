/*
 * experiment.c — the experiments' shared parts (see experiment.h).
 */
#define _GNU_SOURCE
#include "experiment.h"

#include "child.h"
#include "clock.h"
#include "fileread.h"
#include "interrupt.h"
#include "lab/jsonfile.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "lab/node.h"
#include "report.h"
#include "lab/shape.h"
#include "strutil.h"

#include <assert.h>
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

	xsnprintf(duration, sizeof(duration), "%d", duration_s);
	return watch_start_cmd(w, on, cmd);
}

bool watch_start_cmd(struct watch *w, const struct vm *on, char *const cmd[])
{
	int fds[2];

	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("pipe failed");
	w->pid = node_start(on, cmd, NULL, fds[1], -1);
	close(fds[1]);
	w->in = fdopen(fds[0], "r");
	return w->pid > 0;
}

bool watch_take(struct watch *w, struct timeline *x, int wait_ms)
{
	return watch_take_into(w, x, x->samples, wait_ms);
}

bool watch_take_into(struct watch *w, const struct timeline *x, json_t *into, int wait_ms)
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
		json_array_append_new(into, s);
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

/* The load running (one at a time), its result in a scratch file of this run's own. */
static struct node_job load = { .pid = -1, .out = -1 };

pid_t load_start(const struct vm *on, int rate, int duration_s, bool follow, bool until_failure)
{
	char rate_s[16], duration[16], log_path[PATH_MAX];
	char *cmd[10] = { "pgrepl", "load", "--json", "--rate", rate_s, "--duration", duration };
	int err, n = 7;

	if (follow)
		cmd[n++] = "--follow";
	if (until_failure)
		cmd[n++] = "--until-failure";
	xsnprintf(rate_s, sizeof(rate_s), "%d", rate);
	xsnprintf(duration, sizeof(duration), "%d", duration_s);
	if (load.out >= 0)
		close(load.out);
	err = open(lab_state_path("load.log", log_path, sizeof(log_path)),
		   O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (err < 0)
		fatal("could not write %s: %s", log_path, strerror(errno));
	node_job_start(&load, on, cmd, err);
	close(err);
	return load.pid;
}

bool load_writing(pid_t pid, int timeout_ms)
{
	double deadline = clock_now_ms() + timeout_ms;
	char path[PATH_MAX];

	lab_state_path("load.log", path, sizeof(path));
	while (!interrupted() && !load_done(pid) && clock_now_ms() < deadline) {
		/* pgrepl narrates its INSERT once load_test is made, before the first row. */
		char *narrative = file_read_all(path, 1 << 20, NULL);
		bool writing = narrative && strstr(narrative, "sql> INSERT INTO load_test");

		free(narrative);
		if (writing)
			return true;
		clock_sleep_ms(50);
	}
	log_error("pgrepl load did not begin to write within %d s (its narrative: %s)",
		  timeout_ms / 1000, path);
	return false;
}

bool load_done(pid_t pid)
{
	assert(pid == load.pid);
	return node_job_done(&load);
}

json_t *load_finish(pid_t pid)
{
	char log_path[PATH_MAX];
	json_t *result;

	assert(pid == load.pid);
	result = node_job_finish(&load, NULL);
	lab_state_path("load.log", log_path, sizeof(log_path));
	if (!result || !json_is_true(json_object_get(result, "ok"))) {
		const char *why = json_string_value(json_object_get(result, "error"));

		log_error("pgrepl load failed: %s", why ? why : "it printed no result");
		log_detail("its narrative is in %s", log_path);
		json_decref(result);
		return NULL;
	}
	return result;
}

/* "(1,500)": a range [first, last] of ids as a row of an SQL VALUES list. */
static void print_range(FILE *f, json_t *r)
{
	fprintf(f, "(%lld,%lld)", (long long) json_integer_value(json_array_get(r, 0)),
		(long long) json_integer_value(json_array_get(r, 1)));
}

static void print_id(FILE *f, json_t *id)
{
	fprintf(f, "%lld", (long long) json_integer_value(id));
}

/* The items, each printed by print_item, comma-separated between open and close; none: empty. */
static char *sql_list(json_t *items, const char *open, const char *close, const char *empty,
		      void (*print_item)(FILE *, json_t *))
{
	char *out = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&out, &len);
	json_t *item;

	if (!f)
		fatal("out of memory");
	fputs(open, f);
	json_array_foreach(items, i, item) {
		if (i)
			fputc(',', f);
		print_item(f, item);
	}
	if (json_array_size(items) == 0)
		fputs(empty, f);
	fputs(close, f);
	fclose(f);
	return out;
}

bool acked_writes_check(const struct vm *server, json_t *load, json_t *summary)
{
	/* "(1,500),(502,900)" for a VALUES list ("(0,-1)": none), "{7,8}" for an array. */
	char *ranges = sql_list(json_object_get(load, "acknowledged_ranges"), "", "", "(0,-1)",
				print_range);
	char *in_doubt = sql_list(json_object_get(load, "in_doubt_ids"), "{", "}", "", print_id);
	long long acked = json_integer_value(json_object_get(load, "acknowledged")), present,
		  committed;
	const char *lost;
	const json_t *row;
	json_t *rows;
	bool ok;

	/* One row: how many are there, how many in doubt committed, the first 50 missing. */
	rows = node_queryf(server, "look for the acknowledged writes", 1, 3,
			   "SELECT count(t.id) AS present,"
			   " (SELECT count(*) FROM load_test WHERE id = ANY('%s')) AS committed,"
			   " coalesce(array_to_string((array_agg(g ORDER BY g)"
			   " FILTER (WHERE t.id IS NULL))[1:50], ','), '') AS lost"
			   " FROM (VALUES %s) AS r(a, b)"
			   " CROSS JOIN LATERAL generate_series(r.a, r.b) AS g"
			   " LEFT JOIN load_test AS t ON t.id = g",
			   in_doubt, ranges);
	row = sql_row(rows, 0);
	ok = rows && sql_int(row, "present", &present) && sql_int(row, "committed", &committed) &&
	     (lost = sql_text(row, "lost"));
	if (ok) {
		json_object_set_new(summary, "acknowledged_writes", json_integer(acked));
		json_object_set_new(summary, "on_server", json_integer(present));
		json_object_set_new(summary, "lost_writes", json_integer(acked - present));
		json_object_set_new(summary, "lost_ids", json_string(lost));
		json_object_set_new(summary, "in_doubt",
				    json_integer((json_int_t) json_array_size(
					    json_object_get(load, "in_doubt_ids"))));
		json_object_set_new(summary, "in_doubt_committed", json_integer(committed));
	}
	json_decref(rows);
	free(ranges);
	free(in_doubt);
	return ok;
}

/* Does the standby called name stream from primary with nothing left to replay? */
static bool streams_without_lag(const struct vm *primary, const char *name)
{
	json_t *rows = node_queryf(primary, "read pg_stat_replication", SQL_ANY_ROWS, 2,
				   "SELECT state, pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)"
				   " AS lag FROM pg_stat_replication WHERE application_name = '%s'"
				   " ORDER BY state DESC, lag DESC LIMIT 1",
				   name);
	const char *state = sql_text(sql_row(rows, 0), "state");
	long long lag;
	bool caught_up = state && strcmp(state, "streaming") == 0 &&
			 sql_int(sql_row(rows, 0), "lag", &lag) && lag == 0;

	json_decref(rows);
	return caught_up;
}

double standby_caught_up(const struct vm *primary, const char *standby_name, double timeout_ms)
{
	double start = clock_now_ms();

	while (clock_now_ms() - start < timeout_ms && !interrupted()) {
		if (streams_without_lag(primary, standby_name))
			return clock_now_ms() - start;
		clock_sleep_ms(300);
	}
	return -1;
}

bool experiment_save(json_t *doc, const char *name, const char *json_path)
{
	char path[PATH_MAX], file[64];

	/* Where a shape's netem runs (a rate is always on the host's taps). */
	json_object_set_new(doc, "netem_mechanism",
			    json_string(shape_mechanism_name(shape_mechanism())));
	if (!json_path) {
		xsnprintf(file, sizeof(file), "%s.json", name);
		json_path = lab_state_path(file, path, sizeof(path));
	}
	if (!json_write_atomic(json_path, doc, JSON_INDENT(1) | JSON_REAL_PRECISION(6))) {
		log_error("could not write %s: %s", json_path, strerror(errno));
		return false;
	}
	if (report_draws(doc))
		printf("  timeline: %s (replab report %s draws it)\n", json_path, json_path);
	else
		printf("  result: %s (nothing to draw: jq . %s shows it)\n", json_path, json_path);
	return true;
}
