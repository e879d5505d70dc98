/*
 * history_log.c — the client's history on the experiment's timeline, kept
 * beside its JSON (history_log.h).
 */
#define _GNU_SOURCE
#include "history_log.h"

#include "clock.h"
#include "lab/guestclock.h"
#include "lab/node.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double host_real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec * 1000 + (double) ts.tv_nsec / 1e6;
}

bool history_clock_measure(const struct vm *vm, const struct timeline *x, struct history_clock *c)
{
	char *cmd[] = { "sh", "-c", GUESTCLOCK_READ, NULL };
	struct guest_session s;
	double offset_s = 0;
	bool ok;

	c->start_real = host_real_ms() - timeline_ms(x);
	if (node_is_tier_member(vm)) {
		c->offset_ms = 0;
		xsnprintf(c->how, sizeof(c->how),
			  "pgrepl's CLOCK_REALTIME in %s, the host's own (a namespace member)",
			  vm->name);
		return true;
	}
	ok = guest_session_start(&s, vm, cmd);
	ok = ok && guestclock_offset(&s, clock_now_ms() + 20000, &offset_s);
	ok = guest_session_finish(&s, ok) && ok;
	if (!ok) {
		log_error("could not read the clock of %s against the host's", vm->name);
		log_hint("is its management link up? (replab status)");
		return false;
	}
	c->offset_ms = offset_s * 1000;
	xsnprintf(c->how, sizeof(c->how),
		  "pgrepl's CLOCK_REALTIME in %s minus its offset against the host's, %+.3f ms, "
		  "measured once, over the management link",
		  vm->name, c->offset_ms);
	return true;
}

/* A record's time member key moved onto the timeline (null stays null). */
static void map_time(json_t *r, const char *key, double shift)
{
	json_t *v = json_object_get(r, key);

	if (json_is_number(v))
		json_object_set_new(r, key, json_real(json_number_value(v) + shift));
}

double history_clock_on_timeline(const struct history_clock *c, double member_ms)
{
	return member_ms - c->offset_ms - c->start_real;
}

size_t history_take(const struct history_clock *c, const json_t *doc, const json_t *extra,
		    json_t *out)
{
	json_t *records = json_object_get(doc, "history"), *r;
	double epoch = (double) json_integer_value(json_object_get(doc, "history_epoch_ms"));
	double shift = history_clock_on_timeline(c, epoch);
	size_t i;

	json_array_foreach(records, i, r) {
		json_t *copy = json_deep_copy(r);

		map_time(copy, "sent_ms", shift);
		map_time(copy, "answered_ms", shift);
		if (extra)
			json_object_update(copy, (json_t *) extra);
		json_array_append_new(out, copy);
	}
	return json_array_size(records);
}

void history_clock_harness(struct history_clock *c)
{
	xsnprintf(c->how, sizeof(c->how),
		  "the harness made every write itself, in one psql session at a time: each "
		  "server's clock read before and after each write, minus its offset against "
		  "the host's, measured once, over the management link");
}

bool history_commit(json_t *records, const struct history_clock *c, const struct vm *vm,
		    const char *writer, long long first_seq, char *const statements[], size_t n)
{
	struct node_commit *commits = calloc(n ? n : 1, sizeof(*commits));
	double shift = history_clock_on_timeline(c, 0);
	char text[LSN_TEXT_MAX];
	bool sent = false;
	size_t done;

	if (!commits)
		fatal("out of memory");
	done = node_commit_each(vm, statements, n, commits, &sent);
	for (size_t i = 0; i < done + (sent ? 1 : 0); i++) {
		json_t *r = json_pack("{s:s,s:s,s:s,s:f,s:o,s:s,s:s,s:I}", "session", writer, "op",
				      "write", "server", vm->name, "sent_ms",
				      commits[i].sent_ms + shift, "answered_ms",
				      i < done ? json_real(commits[i].answered_ms + shift)
					       : json_null(),
				      "outcome", i < done ? "ok" : "unknown", "writer", writer,
				      "seq", (json_int_t) (first_seq + (long long) i));

		if (i < done) {
			lsn_format(commits[i].lsn, text);
			json_object_set_new(r, "lsn", json_string(text));
		}
		json_array_append_new(records, r);
	}
	free(commits);
	return done == n;
}

bool history_take_as(const struct vm *vm, const struct timeline *x, const char *name,
		     const json_t *doc, struct history_clock *c, json_t *out)
{
	json_t *extra;

	if (!history_clock_measure(vm, x, c))
		return false;
	extra = json_pack("{s:s,s:s}", "session", name, "writer", name);
	history_take(c, doc, extra, out);
	json_decref(extra);
	return true;
}

/* A record as one line of a history file, onto f; false when f failed. */
static bool dump_line(const json_t *r, FILE *f)
{
	return json_dumpf(r, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(12)) ==
		       0 &&
	       fputc('\n', f) != EOF;
}

bool history_from_records(struct history *h, const json_t *records, const char *where)
{
	char *text = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&text, &len);
	json_t *r;
	bool ok;

	if (!f)
		fatal("out of memory");
	json_array_foreach(records, i, r) {
		if (!dump_line(r, f))
			fatal("out of memory");
	}
	if (fclose(f) != 0)
		fatal("out of memory");
	ok = history_parse(h, text, len, where);
	free(text);
	return ok;
}

bool history_save(json_t *doc, const json_t *records, const struct history_clock *c,
		  const char *name, const char *json_path)
{
	char path[PATH_MAX], file[64], tmp[PATH_MAX + 8];
	const char *dot;
	json_t *r;
	size_t i;
	FILE *f;
	bool ok;

	if (!json_path) {
		xsnprintf(file, sizeof(file), "%s.json", name);
		json_path = lab_state_path(file, path, sizeof(path));
	}
	dot = strrchr(json_path, '.');
	if (dot && strcmp(dot, ".json") == 0 && !strchr(dot, '/'))
		xsnprintf(path, sizeof(path), "%.*s.history.jsonl", (int) (dot - json_path),
			  json_path);
	else
		xsnprintf(path, sizeof(path), "%s.history.jsonl", json_path);
	xsnprintf(tmp, sizeof(tmp), "%s.new", path);
	f = fopen(tmp, "w");
	ok = f != NULL;
	json_array_foreach(records, i, r) {
		if (!ok)
			break;
		ok = dump_line(r, f);
	}
	if (f)
		ok = fclose(f) == 0 && ok;
	ok = ok && rename(tmp, path) == 0;
	if (!ok) {
		log_error("could not write %s: %s", path, strerror(errno));
		unlink(tmp);
		return false;
	}
	json_object_set_new(doc, "history", json_pack("{s:s,s:s}", "file", path, "clock", c->how));
	printf("  history: %s (%zu operations)\n", path, json_array_size(records));
	return true;
}

json_t *history_keep_load(json_t *doc, json_t *load, const struct vm *vm, const struct timeline *x,
			  const char *name, const char *json_path)
{
	struct history_clock c;
	json_t *records = json_array();
	bool ok = history_clock_measure(vm, x, &c);

	if (ok) {
		history_take(&c, load, NULL, records);
		json_object_del(load, "history");
		json_object_del(load, "history_epoch_ms");
		json_object_del(load, "history_clock");
		ok = history_save(doc, records, &c, name, json_path);
	}
	if (!ok) {
		json_decref(records);
		return NULL;
	}
	return records;
}
