/*
 * fuzz_history.c — clients' histories (history_parse): any text is read or
 * refused naming its line; a history read passes every checker, and its
 * records written as lines read back the same.
 */
#include "fuzz.h"

#include "history/check.h"
#include "history/history.h"
#include "log.h"

#include <math.h>

FUZZ_QUIET_INITIALIZE

static bool same_time(double a, double b)
{
	return fabs(a - b) <= 1e-12 * fmax(1, fmax(fabs(a), fabs(b)));
}

static bool same_name(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* The history's records written as lines parse back to the same records. */
static void check_round_trip(const struct history *h)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	struct history back;

	FUZZ_ASSERT(f);
	for (size_t i = 0; i < h->n; i++)
		FUZZ_ASSERT(history_write_line(f, &h->records[i]));
	FUZZ_ASSERT(fclose(f) == 0);
	history_init(&back);
	FUZZ_ASSERT(history_parse(&back, text, len, "written"));
	FUZZ_ASSERT(back.n == h->n);
	for (size_t i = 0; i < h->n; i++) {
		const struct history_record *a = &h->records[i], *b = &back.records[i];

		FUZZ_ASSERT(same_name(a->session, b->session) && same_name(a->server, b->server));
		FUZZ_ASSERT(a->op == b->op && a->outcome == b->outcome);
		FUZZ_ASSERT(same_time(a->sent_ms, b->sent_ms) && a->answered == b->answered);
		FUZZ_ASSERT(!a->answered || same_time(a->answered_ms, b->answered_ms));
		FUZZ_ASSERT(same_name(a->writer, b->writer) && a->seq == b->seq);
		FUZZ_ASSERT(a->has_lsn == b->has_lsn && (!a->has_lsn || a->lsn == b->lsn));
		FUZZ_ASSERT(a->has_replay_lsn == b->has_replay_lsn);
		FUZZ_ASSERT(!a->has_replay_lsn || a->replay_lsn == b->replay_lsn);
		FUZZ_ASSERT(a->nseen == b->nseen && same_name(a->error, b->error));
		for (size_t k = 0; k < a->nseen; k++)
			FUZZ_ASSERT(same_name(a->seen[k].writer, b->seen[k].writer) &&
				    a->seen[k].seq == b->seen[k].seq);
	}
	history_free(&back);
	free(text);
}

/* Each kind of anomaly located and where the checks count it. */
static const struct {
	enum history_kind kind;
	const char *key, *count;
} kinds[] = {
	{ HISTORY_LOST, "lost_writes", "count" },
	{ HISTORY_COMMITTED, "unknown_writes", "committed" },
	{ HISTORY_NOT_COMMITTED, "unknown_writes", "not_committed" },
	{ HISTORY_STALE, "stale_reads", "count" },
	{ HISTORY_RYW, "read_your_writes", "count" },
	{ HISTORY_MONOTONIC, "monotonic_reads", "count" },
};

/* Every checker runs; its counts agree with the history's and with the anomalies it locates. */
static void check_checks(const struct history *h)
{
	struct history_marks m;
	struct history_id ids[8];
	struct history_found found = { ids, 0 };
	struct standby_positions at = { 0x3000000, 0x2000000, 0x1000000 };
	json_t *c;
	long long ok_reads = 0;

	for (size_t i = 0; i < h->n && found.n < 8; i += 2)
		if (h->records[i].op == HISTORY_WRITE)
			ids[found.n++] = (struct history_id){ h->records[i].writer,
							      h->records[i].seq };
	for (size_t i = 0; i < h->n; i++)
		ok_reads += h->records[i].op == HISTORY_READ && h->records[i].outcome == HISTORY_OK;
	c = history_check_marked(h, &found, &at, &m);
	FUZZ_ASSERT(c);
	for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		FUZZ_ASSERT(json_integer_value(json_object_get(json_object_get(c, kinds[k].key),
							       kinds[k].count)) ==
			    (json_int_t) m.n[kinds[k].kind]);
		for (size_t j = 0; j < m.n[kinds[k].kind]; j++)
			FUZZ_ASSERT(
				m.at[kinds[k].kind][j] < h->n &&
				(j == 0 || m.at[kinds[k].kind][j] > m.at[kinds[k].kind][j - 1]));
	}
	history_marks_free(&m);
	FUZZ_ASSERT(json_integer_value(json_object_get(c, "operations")) == (json_int_t) h->n);
	FUZZ_ASSERT(json_integer_value(json_object_get(json_object_get(c, "staleness"), "reads")) ==
		    ok_reads);
	FUZZ_ASSERT(json_integer_value(json_object_get(json_object_get(c, "stale_reads"),
						       "count")) <= ok_reads);
	json_decref(c);
	c = history_check(h, NULL, NULL);
	FUZZ_ASSERT(c && !json_object_get(c, "lost_writes"));
	json_decref(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct history h;

	history_init(&h);
	if (history_parse(&h, (const char *) data, size, "fuzz")) {
		check_round_trip(&h);
		check_checks(&h);
	} else {
		FUZZ_ASSERT(strncmp(log_last_error(), "fuzz line ", 10) == 0);
	}
	history_free(&h);
	return 0;
}
