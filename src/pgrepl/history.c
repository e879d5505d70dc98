/*
 * history.c — a client's operations as records of the shared history
 * format (history.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "history.h"

#include "log.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static long long epoch_ms;
static pthread_once_t epoch_once = PTHREAD_ONCE_INIT;

static void realtime(long long *ms, long *ns)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	*ms = (long long) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	*ns = ts.tv_nsec % 1000000;
}

static void set_epoch(void)
{
	long ns;

	realtime(&epoch_ms, &ns);
}

long long history_epoch_ms(void)
{
	pthread_once(&epoch_once, set_epoch);
	return epoch_ms;
}

double history_now_ms(void)
{
	long long ms, epoch = history_epoch_ms();
	long ns;

	realtime(&ms, &ns);
	return (double) (ms - epoch) + (double) ns / 1e6;
}

void history_attach(json_t *doc, json_t *records)
{
	json_object_set_new(doc, "history_clock", json_string(HISTORY_CLOCK));
	json_object_set_new(doc, "history_epoch_ms", json_integer(history_epoch_ms()));
	json_object_set_new(doc, "history", records);
}

/* The members every record has. */
static json_t *record(const char *session, const char *op, const char *server, double sent_ms,
		      double answered_ms, const char *outcome, const char *error)
{
	json_t *r = json_pack("{s:s,s:s,s:s?,s:f,s:o,s:s}", "session", session, "op", op, "server",
			      server, "sent_ms", sent_ms, "answered_ms",
			      answered_ms < 0 ? json_null() : json_real(answered_ms), "outcome",
			      outcome);

	if (!r)
		fatal("out of memory");
	if (error)
		json_object_set_new(r, "error", json_string(error));
	return r;
}

json_t *history_write(const char *session, const char *server, const char *writer, long seq,
		      double sent_ms, double answered_ms, const char *outcome, const char *lsn,
		      const char *error)
{
	json_t *r = record(session, "write", server, sent_ms, answered_ms, outcome, error);

	json_object_set_new(r, "writer", json_string(writer));
	json_object_set_new(r, "seq", json_integer(seq));
	if (lsn)
		json_object_set_new(r, "lsn", json_string(lsn));
	return r;
}

json_t *history_read(const char *session, const char *server, double sent_ms, double answered_ms,
		     const char *outcome, json_t *seen, const char *replay_lsn, const char *error)
{
	json_t *r = record(session, "read", server, sent_ms, answered_ms, outcome, error);

	if (seen)
		json_object_set_new(r, "seen", seen);
	if (replay_lsn)
		json_object_set_new(r, "replay_lsn", json_string(replay_lsn));
	return r;
}

const char *history_sent_outcome(const struct db_error *err)
{
	if (!err->sqlstate[0] || strncmp(err->sqlstate, "08", 2) == 0 ||
	    strncmp(err->sqlstate, "57", 2) == 0)
		return "unknown";
	return "fail";
}

struct keyed {
	double sent;
	size_t index;
	json_t *r;
};

static int by_sent(const void *a, const void *b)
{
	const struct keyed *x = a, *y = b;

	if (x->sent != y->sent)
		return x->sent < y->sent ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

void history_sort(json_t *records)
{
	size_t n = json_array_size(records);
	struct keyed *k = calloc(n ? n : 1, sizeof(*k));

	if (!k)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++) {
		k[i].r = json_incref(json_array_get(records, i));
		k[i].sent = json_real_value(json_object_get(k[i].r, "sent_ms"));
		k[i].index = i;
	}
	qsort(k, n, sizeof(*k), by_sent);
	json_array_clear(records);
	for (size_t i = 0; i < n; i++)
		json_array_append_new(records, k[i].r);
	free(k);
}
