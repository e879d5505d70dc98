/*
 * history.c — a client's history in memory: its records checked against
 * the rules of history.h, parsed from JSON lines (every member checked, the
 * first bad line named) and written back as lines.
 */
#include "history/history.h"

#include "fileread.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MS_MAX	1e12 /* |ms| of a time: about 30 years */
#define WHY_MAX 256

static void *grow(void *p, size_t n, size_t size)
{
	p = n <= SIZE_MAX / size ? realloc(p, n * size) : NULL;
	if (!p)
		fatal("out of memory");
	return p;
}

void history_init(struct history *h)
{
	memset(h, 0, sizeof(*h));
}

void history_free(struct history *h)
{
	for (size_t i = 0; i < h->n; i++) {
		free((void *) h->records[i].seen);
		free((void *) h->records[i].error);
	}
	for (size_t i = 0; i < h->nnames; i++)
		free(h->names[i]);
	free(h->records);
	free(h->names);
	free(h->by_text);
	history_init(h);
}

size_t history_names(const struct history *h)
{
	return h->nnames;
}

/* The place of name in by_text: where it is (*found) or would go. */
static size_t name_place(const struct history *h, const char *name, bool *found)
{
	size_t lo = 0, hi = h->nnames;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(h->names[h->by_text[mid]], name);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

size_t history_name_id(const struct history *h, const char *name)
{
	bool found;
	size_t at = name_place(h, name, &found);

	return found ? h->by_text[at] : h->nnames;
}

/* h's copy of name (checked already); NULL when h holds too many names. */
static const char *intern(struct history *h, const char *name)
{
	bool found;
	size_t at = name_place(h, name, &found);

	if (found)
		return h->names[h->by_text[at]];
	if (h->nnames == HISTORY_NAMES_MAX)
		return NULL;
	h->names = grow(h->names, h->nnames + 1, sizeof(*h->names));
	h->by_text = grow(h->by_text, h->nnames + 1, sizeof(*h->by_text));
	memmove(h->by_text + at + 1, h->by_text + at, (h->nnames - at) * sizeof(*h->by_text));
	h->by_text[at] = h->nnames;
	h->names[h->nnames] = xstrdup(name);
	return h->names[h->nnames++];
}

static bool name_ok(const char *s)
{
	size_t n = 0;

	if (!s)
		return false;
	for (; s[n]; n++)
		if (s[n] < 0x20 || s[n] > 0x7E || n == HISTORY_NAME_MAX - 1)
			return false;
	return n > 0;
}

static bool time_ok(double ms)
{
	return isfinite(ms) && fabs(ms) <= MS_MAX;
}

/* Does r keep the rules of history.h?  If not, why: "member M: ...". */
static bool record_check(const struct history_record *r, char why[WHY_MAX])
{
	const char *name_rule = "expected 1 to 63 printable ASCII characters";
	bool write = r->op == HISTORY_WRITE, ok = r->outcome == HISTORY_OK;
	json_t *error;

#define WHY(...) return snprintf(why, WHY_MAX, __VA_ARGS__), false
	if (!name_ok(r->session))
		WHY("member \"session\": %s", name_rule);
	if (r->op != HISTORY_WRITE && r->op != HISTORY_READ)
		WHY("member \"op\": expected \"write\" or \"read\"");
	if (r->server && !name_ok(r->server))
		WHY("member \"server\": %s, or null", name_rule);
	if (!time_ok(r->sent_ms))
		WHY("member \"sent_ms\": expected a number of ms within +-1e12");
	if (r->answered && (!time_ok(r->answered_ms) || r->answered_ms < r->sent_ms))
		WHY("member \"answered_ms\": expected a number of ms from sent_ms (%.3f) to 1e12",
		    r->sent_ms);
	if (r->outcome != HISTORY_OK && r->outcome != HISTORY_FAIL && r->outcome != HISTORY_UNKNOWN)
		WHY("member \"outcome\": expected \"ok\", \"fail\" or \"unknown\"");
	if (ok && !r->answered)
		WHY("member \"answered_ms\": an ok operation was answered: expected a number");
	if (r->outcome == HISTORY_UNKNOWN && r->answered)
		WHY("member \"answered_ms\": an unknown outcome had no answer: expected null");
	if (write && !name_ok(r->writer))
		WHY("member \"writer\": %s", name_rule);
	if (write && (r->seq < 1 || r->seq > HISTORY_SEQ_MAX))
		WHY("member \"seq\": expected a whole number from 1 to 2^53 - 1");
	if (r->has_lsn && !(write && ok))
		WHY("member \"lsn\": only an ok write has one");
	if (!write && (r->writer || r->seq))
		WHY("member \"%s\": a read has none", r->writer ? "writer" : "seq");
	if ((r->seen || r->nseen) && !(!write && ok))
		WHY("member \"seen\": only an ok read has one");
	if (r->has_replay_lsn && !(!write && ok))
		WHY("member \"replay_lsn\": only an ok read has one");
	if (r->nseen > HISTORY_SEEN_MAX)
		WHY("member \"seen\": more than %d writers", HISTORY_SEEN_MAX);
	for (size_t i = 0; i < r->nseen; i++) {
		if (!name_ok(r->seen[i].writer))
			WHY("member \"seen\": a writer's name: %s", name_rule);
		if (r->seen[i].seq < 0 || r->seen[i].seq > HISTORY_SEQ_MAX)
			WHY("member \"seen\": writer %s: expected a whole number from 0 to 2^53 - "
			    "1",
			    r->seen[i].writer);
		for (size_t j = 0; j < i; j++)
			if (strcmp(r->seen[j].writer, r->seen[i].writer) == 0)
				WHY("member \"seen\": writer %s twice", r->seen[i].writer);
	}
	if (r->mode && !name_ok(r->mode))
		WHY("member \"mode\": %s", name_rule);
	if (r->delay && !name_ok(r->delay))
		WHY("member \"delay\": %s, or null", name_rule);
	if (r->error && strlen(r->error) >= HISTORY_ERROR_MAX)
		WHY("member \"error\": longer than %d bytes", HISTORY_ERROR_MAX - 1);
	error = r->error ? json_string(r->error) : NULL;
	json_decref(error);
	if (r->error && !error)
		WHY("member \"error\": not UTF-8 text");
#undef WHY
	return true;
}

/* Append r, checked, to h; false with why. */
static bool append(struct history *h, const struct history_record *r, char why[WHY_MAX])
{
	struct history_record *c;
	struct history_seen *seen = NULL;

	if (!record_check(r, why))
		return false;
	if (h->n == h->cap) {
		h->cap = h->cap ? 2 * h->cap : 256;
		h->records = grow(h->records, h->cap, sizeof(*h->records));
	}
	c = &h->records[h->n];
	*c = *r;
	c->seen = NULL;
	c->error = NULL;
	if (!(c->session = intern(h, r->session)) ||
	    (r->server && !(c->server = intern(h, r->server))) ||
	    (r->writer && !(c->writer = intern(h, r->writer))) ||
	    (r->mode && !(c->mode = intern(h, r->mode))) ||
	    (r->delay && !(c->delay = intern(h, r->delay)))) {
		snprintf(why, WHY_MAX, "more than %d different names in the history",
			 HISTORY_NAMES_MAX);
		return false;
	}
	if (r->nseen)
		seen = grow(NULL, r->nseen, sizeof(*seen));
	for (size_t i = 0; i < r->nseen; i++) {
		seen[i].seq = r->seen[i].seq;
		if (!(seen[i].writer = intern(h, r->seen[i].writer))) {
			free(seen);
			snprintf(why, WHY_MAX, "more than %d different names in the history",
				 HISTORY_NAMES_MAX);
			return false;
		}
	}
	c->seen = seen;
	c->nseen = r->nseen;
	c->error = r->error ? xstrdup(r->error) : NULL;
	h->n++;
	return true;
}

bool history_append(struct history *h, const struct history_record *r)
{
	char why[WHY_MAX];

	if (append(h, r, why))
		return true;
	log_error("invalid operation %zu of the history: %s", h->n, why);
	return false;
}

/* ---- reading ---------------------------------------------------------------- */

/* A member that is a string from one of choices (NULL-terminated): its index, or -1. */
static int member_choice(json_t *o, const char *key, const char *const choices[], char why[WHY_MAX])
{
	const char *s = json_string_value(json_object_get(o, key));

	for (int i = 0; s && choices[i]; i++)
		if (strcmp(s, choices[i]) == 0)
			return i;
	snprintf(why, WHY_MAX, "member \"%s\": %s", key,
		 json_object_get(o, key) ? "not one of the values allowed" : "missing");
	return -1;
}

/*
 * A string member: *out NULL when absent (allowed unless required) or
 * null (allowed when nullable).
 */
static bool member_string(json_t *o, const char *key, bool required, bool nullable,
			  const char **out, char why[WHY_MAX])
{
	json_t *v = json_object_get(o, key);

	*out = json_string_value(v);
	if (*out || (!v && !required) || (json_is_null(v) && nullable))
		return true;
	snprintf(why, WHY_MAX, "member \"%s\": %s", key,
		 !v	    ? "missing"
		 : nullable ? "expected a string or null"
			    : "expected a string");
	return false;
}

static bool member_lsn(json_t *o, const char *key, bool *has, lsn_t *lsn, char why[WHY_MAX])
{
	const char *text;

	if (!member_string(o, key, false, false, &text, why))
		return false;
	*has = text != NULL;
	if (!text || lsn_parse(text, lsn))
		return true;
	snprintf(why, WHY_MAX, "member \"%s\": expected a WAL position like \"0/3000060\"", key);
	return false;
}

/* A number member, or null when nullable (*is_null then). */
static bool member_number(json_t *o, const char *key, bool nullable, double *out, bool *is_null,
			  char why[WHY_MAX])
{
	json_t *v = json_object_get(o, key);

	if (is_null)
		*is_null = json_is_null(v);
	if (json_is_number(v)) {
		*out = json_number_value(v);
		return true;
	}
	if (nullable && json_is_null(v))
		return true;
	snprintf(why, WHY_MAX, "member \"%s\": %s", key,
		 !v	    ? "missing"
		 : nullable ? "expected a number or null"
			    : "expected a number");
	return false;
}

/* "seen": writer -> integer, into seen[HISTORY_SEEN_MAX]. */
static bool member_seen(json_t *o, struct history_record *r, struct history_seen *seen,
			char why[WHY_MAX])
{
	json_t *v = json_object_get(o, "seen"), *seq;
	const char *writer;

	if (!v)
		return true;
	if (!json_is_object(v) || json_object_size(v) > HISTORY_SEEN_MAX) {
		snprintf(why, WHY_MAX, "member \"seen\": expected an object of at most %d writers",
			 HISTORY_SEEN_MAX);
		return false;
	}
	r->seen = seen;
	json_object_foreach(v, writer, seq) {
		if (!json_is_integer(seq)) {
			snprintf(why, WHY_MAX,
				 "member \"seen\": writer %.63s: expected a whole number", writer);
			return false;
		}
		seen[r->nseen].writer = writer;
		seen[r->nseen++].seq = json_integer_value(seq);
	}
	return true;
}

/* One line's object as a record (its strings o's); false with why. */
static bool record_from_json(json_t *o, struct history_record *r, struct history_seen *seen,
			     char why[WHY_MAX])
{
	static const char *const ops[] = { "write", "read", NULL };
	static const char *const outcomes[] = { "ok", "fail", "unknown", NULL };
	json_t *seq = json_object_get(o, "seq");
	bool no_answer;
	int op, outcome;

	memset(r, 0, sizeof(*r));
	if (!member_string(o, "session", true, false, &r->session, why) ||
	    (op = member_choice(o, "op", ops, why)) < 0 ||
	    !member_string(o, "server", true, true, &r->server, why) ||
	    !member_number(o, "sent_ms", false, &r->sent_ms, NULL, why) ||
	    !member_number(o, "answered_ms", true, &r->answered_ms, &no_answer, why) ||
	    (outcome = member_choice(o, "outcome", outcomes, why)) < 0 ||
	    !member_string(o, "writer", op == HISTORY_WRITE, false, &r->writer, why) ||
	    !member_lsn(o, "lsn", &r->has_lsn, &r->lsn, why) || !member_seen(o, r, seen, why) ||
	    !member_lsn(o, "replay_lsn", &r->has_replay_lsn, &r->replay_lsn, why) ||
	    !member_string(o, "error", false, false, &r->error, why) ||
	    !member_string(o, "mode", false, false, &r->mode, why) ||
	    !member_string(o, "delay", false, true, &r->delay, why))
		return false;
	r->op = (enum history_op) op;
	r->outcome = (enum history_outcome) outcome;
	r->answered = !no_answer;
	if (seq && !json_is_integer(seq))
		return snprintf(why, WHY_MAX, "member \"seq\": expected a whole number"), false;
	if (op == HISTORY_WRITE && !seq)
		return snprintf(why, WHY_MAX, "member \"seq\": missing"), false;
	if (seq && op == HISTORY_READ)
		return snprintf(why, WHY_MAX, "member \"seq\": a read has none"), false;
	r->seq = seq ? json_integer_value(seq) : 0;
	if (op == HISTORY_READ && outcome == HISTORY_OK && !r->seen)
		return snprintf(why, WHY_MAX, "member \"seen\": missing (an ok read has one)"),
		       false;
	return true;
}

/* One line into h; false with why. */
static bool parse_line(struct history *h, const char *line, size_t len, char why[WHY_MAX])
{
	struct history_seen seen[HISTORY_SEEN_MAX];
	struct history_record r;
	json_error_t jerr;
	json_t *o;
	bool ok;

	if (len == 0 || (len == 1 && line[0] == '\r'))
		return snprintf(why, WHY_MAX, "an empty line"), false;
	if (len > HISTORY_LINE_MAX)
		return snprintf(why, WHY_MAX, "longer than %d bytes", HISTORY_LINE_MAX), false;
	if (!(o = json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr)))
		return snprintf(why, WHY_MAX, "not JSON: %s", jerr.text), false;
	ok = json_is_object(o);
	if (!ok)
		snprintf(why, WHY_MAX, "expected a JSON object");
	ok = ok && record_from_json(o, &r, seen, why) && append(h, &r, why);
	json_decref(o);
	return ok;
}

/* Writes by writer and seq, to find a seq written twice. */
struct write_key {
	const char *writer;
	long long seq;
	size_t i;
};

static int compare_write_keys(const void *a, const void *b)
{
	const struct write_key *x = a, *y = b;
	int c = strcmp(x->writer, y->writer);

	if (c)
		return c;
	if (x->seq != y->seq)
		return (x->seq > y->seq) - (x->seq < y->seq);
	return (x->i > y->i) - (x->i < y->i);
}

/* No writer's seq twice; else log where (the later line). */
static bool seqs_unique(const struct history *h, const char *where)
{
	struct write_key *k = grow(NULL, h->n + 1, sizeof(*k));
	size_t n = 0, bad = 0, first = 0;

	for (size_t i = 0; i < h->n; i++)
		if (h->records[i].op == HISTORY_WRITE)
			k[n++] = (struct write_key){ h->records[i].writer, h->records[i].seq, i };
	qsort(k, n, sizeof(*k), compare_write_keys);
	for (size_t i = 1; i < n; i++)
		if (k[i].writer == k[i - 1].writer && k[i].seq == k[i - 1].seq &&
		    (!bad || k[i].i < bad)) {
			bad = k[i].i;
			first = k[i - 1].i;
		}
	if (bad)
		log_error("%s line %zu: member \"seq\": writer %s's seq %lld again (line %zu)",
			  where, bad + 1, h->records[bad].writer, h->records[bad].seq, first + 1);
	free(k);
	return !bad;
}

bool history_parse(struct history *h, const char *text, size_t len, const char *where)
{
	size_t line = 0;
	char why[WHY_MAX];

	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t) (end - p));
		size_t n = nl ? (size_t) (nl - p) : (size_t) (end - p);

		line++;
		if (!parse_line(h, p, n, why)) {
			log_error("%s line %zu: %s", where, line, why);
			return false;
		}
		p += n + 1;
	}
	return seqs_unique(h, where);
}

bool history_read_file(struct history *h, const char *path)
{
	size_t len;
	char *text = file_read_all(path, HISTORY_FILE_MAX, &len);
	bool ok;

	if (!text) {
		log_error("could not read the history %s: %s", path,
			  errno == EFBIG ? "larger than 128 MiB" : strerror(errno));
		return false;
	}
	ok = history_parse(h, text, len, path);
	free(text);
	return ok;
}

/* ---- writing ---------------------------------------------------------------- */

static json_t *lsn_json(lsn_t lsn)
{
	char text[LSN_TEXT_MAX];

	lsn_format(lsn, text);
	return json_string(text);
}

static json_t *record_json(const struct history_record *r)
{
	static const char *const outcomes[] = { "ok", "fail", "unknown" };
	json_t *o = json_object(), *seen;

	json_object_set_new(o, "session", json_string(r->session));
	json_object_set_new(o, "op", json_string(r->op == HISTORY_WRITE ? "write" : "read"));
	json_object_set_new(o, "server", r->server ? json_string(r->server) : json_null());
	json_object_set_new(o, "sent_ms", json_real(r->sent_ms));
	json_object_set_new(o, "answered_ms",
			    r->answered ? json_real(r->answered_ms) : json_null());
	json_object_set_new(o, "outcome", json_string(outcomes[r->outcome]));
	if (r->op == HISTORY_WRITE) {
		json_object_set_new(o, "writer", json_string(r->writer));
		json_object_set_new(o, "seq", json_integer(r->seq));
		if (r->has_lsn)
			json_object_set_new(o, "lsn", lsn_json(r->lsn));
	} else if (r->outcome == HISTORY_OK) {
		seen = json_object();
		for (size_t i = 0; i < r->nseen; i++)
			json_object_set_new(seen, r->seen[i].writer, json_integer(r->seen[i].seq));
		json_object_set_new(o, "seen", seen);
		if (r->has_replay_lsn)
			json_object_set_new(o, "replay_lsn", lsn_json(r->replay_lsn));
	}
	if (r->error)
		json_object_set_new(o, "error", json_string(r->error));
	if (r->mode)
		json_object_set_new(o, "mode", json_string(r->mode));
	if (r->delay)
		json_object_set_new(o, "delay", json_string(r->delay));
	return o;
}

bool history_write_line(FILE *f, const struct history_record *r)
{
	char why[WHY_MAX];
	json_t *o;
	bool ok;

	if (!record_check(r, why)) {
		log_error("invalid operation for the history: %s", why);
		return false;
	}
	o = record_json(r);
	ok = json_dumpf(o, f, JSON_COMPACT | JSON_REAL_PRECISION(15)) == 0 && fputc('\n', f) != EOF;
	json_decref(o);
	if (!ok)
		log_error("could not write the history: %s", strerror(errno));
	return ok;
}
