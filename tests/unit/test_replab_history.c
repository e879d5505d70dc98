/*
 * test_replab_history.c — clients' histories and their checkers on small
 * hand-made histories: a clean one passing, each anomaly detected and
 * located (which read, session, writer and seqs), unknown writes resolved
 * both ways, every anomaly located (beyond the few listed), lost writes
 * put at each stage of the standby's WAL, the
 * staleness distribution, a record written and read back, and malformed
 * lines refused with their line number and member.
 */
#define _GNU_SOURCE /* open_memstream, fdopen, mkstemp */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "history/check.h"
#include "history/history.h"
#include "history/runs.h"
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* One line of a history: writer = session, on the primary; reads on the replica. */
#define WRITE(s, seq, sent, ans, lsn)                                                       \
	"{\"session\":\"" s "\",\"op\":\"write\",\"server\":\"primary\",\"sent_ms\":" #sent \
	",\"answered_ms\":" #ans ",\"outcome\":\"ok\",\"writer\":\"" s "\",\"seq\":" #seq   \
	",\"lsn\":\"" lsn "\"}\n"
#define WRITE_UNKNOWN(s, seq, sent)                                                         \
	"{\"session\":\"" s "\",\"op\":\"write\",\"server\":\"primary\",\"sent_ms\":" #sent \
	",\"answered_ms\":null,\"outcome\":\"unknown\",\"writer\":\"" s "\",\"seq\":" #seq "}\n"
#define READ(s, server, sent, ans, seen, replay)                                                  \
	"{\"session\":\"" s "\",\"op\":\"read\",\"server\":\"" server "\",\"sent_ms\":" #sent     \
	",\"answered_ms\":" #ans ",\"outcome\":\"ok\",\"seen\":" seen ",\"replay_lsn\":\"" replay \
	"\"}\n"

static void parse(struct history *h, const char *text)
{
	history_init(h);
	assert_true(history_parse(h, text, strlen(text), "test"));
}

/* The member at path ("stale_reads.first.0.i") of o. */
static json_t *get(json_t *o, const char *path)
{
	char key[64];

	while (o && *path) {
		size_t n = strcspn(path, ".");

		assert_true(n < sizeof(key));
		memcpy(key, path, n);
		key[n] = '\0';
		o = json_is_array(o) ? json_array_get(o, strtoul(key, NULL, 10))
				     : json_object_get(o, key);
		path += n + (path[n] == '.');
	}
	return o;
}

static long long num(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static double real(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	assert_true(json_is_number(v));
	return json_number_value(v);
}

static const char *text(json_t *o, const char *path)
{
	json_t *v = get(o, path);

	assert_true(json_is_string(v));
	return json_string_value(v);
}

/* Two writers, reads seeing everything acknowledged before them, on the primary and a standby. */
static const char clean[] = WRITE("c1", 1, 0, 2, "0/3000060") WRITE("c2", 1, 1, 3, "0/3000100")
	READ("c1", "replica", 4, 5, "{\"c1\":1,\"c2\":1}", "0/3000100")
		WRITE("c1", 2, 6, 8, "0/3000200")
			READ("c2", "replica", 7, 9, "{\"c1\":1,\"c2\":1}", "0/3000100")
				READ("c1", "replica", 9, 10, "{\"c1\":2,\"c2\":1}", "0/3000200");

static void a_clean_history_passes(void **state)
{
	struct history h;
	json_t *c;

	(void) state;
	parse(&h, clean);
	assert_int_equal(h.n, 6);
	c = history_check(&h, NULL, NULL);
	assert_int_equal(num(c, "operations"), 6);
	assert_int_equal(num(c, "writes.ok"), 3);
	assert_int_equal(num(c, "reads.ok"), 3);
	assert_int_equal(num(c, "reads.fail"), 0);
	assert_null(get(c, "lost_writes"));
	assert_int_equal(num(c, "unknown_writes.count"), 0);
	assert_int_equal(num(c, "stale_reads.count"), 0);
	assert_int_equal(json_array_size(get(c, "stale_reads.first")), 0);
	assert_int_equal(num(c, "read_your_writes.count"), 0);
	assert_int_equal(num(c, "monotonic_reads.count"), 0);
	assert_int_equal(num(c, "staleness.reads"), 3);
	assert_true(real(c, "staleness.ms.max") == 0);
	assert_int_equal(num(c, "staleness.bytes.max"), 0);
	/* one bin, [0, 1), holding every read */
	assert_int_equal(json_array_size(get(c, "staleness.histogram_ms")), 1);
	assert_int_equal(num(c, "staleness.histogram_ms.0.2"), 3);
	json_decref(c);
	history_free(&h);
}

/* c2 reads after c1's second write was acknowledged and sees only its first. */
static void finds_a_stale_read(void **state)
{
	static const char text_[] = WRITE("c1", 1, 0, 2, "0/3000060")
		WRITE("c1", 2, 3, 5, "0/3000100")
			READ("c2", "replica", 8, 9, "{\"c1\":1}", "0/3000060");
	struct history h;
	json_t *c;

	(void) state;
	parse(&h, text_);
	c = history_check(&h, NULL, NULL);
	assert_int_equal(num(c, "stale_reads.count"), 1);
	assert_int_equal(num(c, "stale_reads.first.0.i"), 2);
	assert_string_equal(text(c, "stale_reads.first.0.session"), "c2");
	assert_string_equal(text(c, "stale_reads.first.0.writer"), "c1");
	assert_int_equal(num(c, "stale_reads.first.0.seen"), 1);
	assert_int_equal(num(c, "stale_reads.first.0.acked"), 2);
	assert_true(real(c, "stale_reads.first.0.sent_ms") == 8);
	/* not its own write: no read-your-writes violation */
	assert_int_equal(num(c, "read_your_writes.count"), 0);
	/* 8 - 5 ms behind the oldest write it missed, 0x100 - 0x60 bytes of WAL */
	assert_true(real(c, "staleness.ms.max") == 3);
	assert_int_equal(num(c, "staleness.bytes.max"), 0xA0);
	json_decref(c);
	history_free(&h);
}

/* c1 reads its own acknowledged write on the standby and does not see it; c2's read is fine. */
static void finds_a_read_your_writes_violation(void **state)
{
	static const char text_[] = WRITE("c2", 1, 0, 1, "0/3000010")
		WRITE("c1", 1, 2, 4, "0/3000060")
			READ("c2", "replica", 3, 4, "{\"c2\":1}", "0/3000010")
				READ("c1", "replica", 5, 6, "{\"c2\":1}", "0/3000010");
	struct history h;
	json_t *c;

	(void) state;
	parse(&h, text_);
	c = history_check(&h, NULL, NULL);
	assert_int_equal(num(c, "read_your_writes.count"), 1);
	assert_int_equal(num(c, "read_your_writes.first.0.i"), 3);
	assert_string_equal(text(c, "read_your_writes.first.0.session"), "c1");
	assert_string_equal(text(c, "read_your_writes.first.0.writer"), "c1");
	assert_int_equal(num(c, "read_your_writes.first.0.seen"), 0);
	assert_int_equal(num(c, "read_your_writes.first.0.acked"), 1);
	/* it is stale too, and only it: c2 read before c1's write was acknowledged */
	assert_int_equal(num(c, "stale_reads.count"), 1);
	assert_int_equal(num(c, "stale_reads.first.0.i"), 3);
	json_decref(c);
	history_free(&h);
}

/* c3 reads seq 2 on the replica, then seq 1 on replica2: time went backwards. */
static void finds_a_monotonic_read_violation(void **state)
{
	static const char text_[] = WRITE("c1", 1, 0, 1, "0/3000010")
		WRITE("c1", 2, 2, 3, "0/3000020") READ("c3", "replica", 4, 5, "{\"c1\":2}",
						       "0/3000020")
			READ("c2", "replica2", 5, 6, "{\"c1\":2}", "0/3000020")
				READ("c3", "replica2", 6, 7, "{\"c1\":1}", "0/3000010")
					READ("c3", "replica", 8, 9, "{\"c1\":2}", "0/3000020");
	struct history h;
	json_t *c;

	(void) state;
	parse(&h, text_);
	c = history_check(&h, NULL, NULL);
	assert_int_equal(num(c, "monotonic_reads.count"), 1);
	assert_int_equal(num(c, "monotonic_reads.first.0.i"), 4);
	assert_string_equal(text(c, "monotonic_reads.first.0.session"), "c3");
	assert_string_equal(text(c, "monotonic_reads.first.0.writer"), "c1");
	assert_int_equal(num(c, "monotonic_reads.first.0.seen"), 1);
	assert_int_equal(num(c, "monotonic_reads.first.0.previous"), 2);
	assert_int_equal(num(c, "monotonic_reads.first.0.previous_i"), 2);
	assert_int_equal(num(c, "stale_reads.count"), 1);
	json_decref(c);
	history_free(&h);
}

/* Two writes never answered: one is on the server, one is not. */
static const char unknowns[] = WRITE("load", 1, 0, 1, "0/3000010") WRITE_UNKNOWN("load", 2, 2)
	WRITE_UNKNOWN("load", 3, 3) WRITE("load", 4, 4, 5, "0/3000040");

static void resolves_unknown_writes(void **state)
{
	static const struct history_id ids[] = { { "load", 1 }, { "load", 3 }, { "load", 4 } };
	const struct history_found found = { ids, 3 };
	struct history h;
	json_t *c;

	(void) state;
	parse(&h, unknowns);
	c = history_check(&h, NULL, NULL);
	assert_int_equal(num(c, "writes.unknown"), 2);
	assert_int_equal(num(c, "unknown_writes.count"), 2);
	assert_int_equal(num(c, "unknown_writes.unresolved"), 2);
	assert_int_equal(num(c, "unknown_writes.committed"), 0);
	json_decref(c);
	c = history_check(&h, &found, NULL);
	assert_int_equal(num(c, "unknown_writes.committed"), 1);
	assert_int_equal(num(c, "unknown_writes.not_committed"), 1);
	assert_int_equal(num(c, "unknown_writes.unresolved"), 0);
	/* each one listed, resolved */
	assert_int_equal(json_array_size(get(c, "unknown_writes.first")), 2);
	assert_int_equal(num(c, "unknown_writes.first.0.seq"), 2);
	assert_true(json_is_false(get(c, "unknown_writes.first.0.committed")));
	assert_string_equal(text(c, "unknown_writes.first.1.writer"), "load");
	assert_true(json_is_true(get(c, "unknown_writes.first.1.committed")));
	/* an unknown write missing is no loss */
	assert_int_equal(num(c, "lost_writes.count"), 0);
	assert_int_equal(num(c, "lost_writes.wal_bytes"), 0);
	json_decref(c);
	history_free(&h);
}

/*
 * Every anomaly located, in the history's order, beyond the first few the
 * checks list: c1 writes 1..30 and reads each on the standby seeing only
 * the one before (a stale read and a read-your-writes violation each);
 * "load" 1 is lost and 2 and 3, never answered, resolve both ways.
 */
static void locates_every_anomaly(void **state)
{
	static const struct history_id ids[] = { { "load", 3 } };
	const struct history_found found = { ids, 1 };
	struct history_marks m;
	char *text_ = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text_, &len);
	struct history h;
	json_t *c;

	(void) state;
	assert_non_null(f);
	for (int i = 1; i <= 30; i++)
		fprintf(f,
			"{\"session\":\"c1\",\"op\":\"write\",\"server\":\"primary\","
			"\"sent_ms\":%d,\"answered_ms\":%d,\"outcome\":\"ok\",\"writer\":\"c1\","
			"\"seq\":%d,\"lsn\":\"0/%X\"}\n"
			"{\"session\":\"c1\",\"op\":\"read\",\"server\":\"replica\","
			"\"sent_ms\":%d,\"answered_ms\":%d,\"outcome\":\"ok\",\"seen\":{\"c1\":%d},"
			"\"replay_lsn\":\"0/0\"}\n",
			10 * i, 10 * i + 2, i, 16 * i, 10 * i + 3, 10 * i + 4, i - 1);
	fputs(WRITE("load", 1, 400, 401, "0/5000") WRITE_UNKNOWN("load", 2, 402)
		      WRITE_UNKNOWN("load", 3, 403),
	      f);
	assert_int_equal(fclose(f), 0);
	parse(&h, text_);
	c = history_check_marked(&h, &found, NULL, &m);
	assert_int_equal(num(c, "stale_reads.count"), 30);
	assert_int_equal(json_array_size(get(c, "stale_reads.first")), HISTORY_READS_SHOWN);
	assert_int_equal(m.n[HISTORY_STALE], 30);
	assert_int_equal(m.n[HISTORY_RYW], 30);
	for (size_t j = 0; j < 30; j++) {
		assert_int_equal(m.at[HISTORY_STALE][j], 2 * j + 1);
		assert_int_equal(m.at[HISTORY_RYW][j], 2 * j + 1);
	}
	assert_int_equal(m.n[HISTORY_MONOTONIC], 0);
	/* c1's writes were not looked for: all lost, then load 1 */
	assert_int_equal(m.n[HISTORY_LOST], 31);
	assert_int_equal(m.at[HISTORY_LOST][30], 60);
	assert_int_equal(m.n[HISTORY_NOT_COMMITTED], 1);
	assert_int_equal(m.at[HISTORY_NOT_COMMITTED][0], 61);
	assert_int_equal(m.n[HISTORY_COMMITTED], 1);
	assert_int_equal(m.at[HISTORY_COMMITTED][0], 62);
	json_decref(c);
	history_marks_free(&m);
	/* without the found writes: no write located, the reads the same */
	json_decref(history_check_marked(&h, NULL, NULL, &m));
	assert_int_equal(m.n[HISTORY_LOST] + m.n[HISTORY_COMMITTED] + m.n[HISTORY_NOT_COMMITTED],
			 0);
	assert_int_equal(m.n[HISTORY_STALE], 30);
	history_marks_free(&m);
	history_free(&h);
	free(text_);
}

/*
 * Writes 1..5 acknowledged, 1 and 2 survived; at the primary's death the
 * standby had flushed 3 but not replayed it, received 4 but not flushed
 * it, and never received 5.
 */
static const char losses[] = WRITE("load", 1, 0, 1, "0/3000100") WRITE("load", 2, 2, 3, "0/3000200")
	WRITE("load", 3, 4, 5, "0/3000300") WRITE("load", 4, 6, 7, "0/3000400")
		WRITE("load", 5, 8, 10, "0/3000500");

static void puts_lost_writes_at_their_stage(void **state)
{
	static const struct history_id ids[] = { { "load", 2 }, { "load", 1 }, { "other", 3 } };
	const struct history_found found = { ids, 3 };
	const struct standby_positions at = { .received = 0x3000480,
					      .flushed = 0x3000380,
					      .replayed = 0x3000200 };
	struct history h;
	json_t *c;

	(void) state;
	parse(&h, losses);
	c = history_check(&h, &found, &at);
	assert_int_equal(num(c, "lost_writes.count"), 3);
	assert_int_equal(num(c, "lost_writes.rows"), 3);
	assert_string_equal(text(c, "lost_writes.first.0.writer"), "load");
	assert_int_equal(num(c, "lost_writes.first.0.seq"), 3);
	assert_string_equal(text(c, "lost_writes.first.0.lsn"), "0/3000300");
	assert_string_equal(text(c, "lost_writes.first.0.stage"), "flushed_not_replayed");
	assert_string_equal(text(c, "lost_writes.first.1.stage"), "received_not_flushed");
	assert_string_equal(text(c, "lost_writes.first.2.stage"), "not_received");
	assert_int_equal(num(c, "lost_writes.by_stage.not_received"), 1);
	assert_int_equal(num(c, "lost_writes.by_stage.received_not_flushed"), 1);
	assert_int_equal(num(c, "lost_writes.by_stage.flushed_not_replayed"), 1);
	assert_null(get(c, "lost_writes.by_stage.replayed"));
	/* from the last survivor (seq 2: 0/3000200, answered at 3) to the last loss */
	assert_int_equal(num(c, "lost_writes.wal_bytes"), 0x300);
	assert_true(real(c, "lost_writes.ms") == 7);
	json_decref(c);
	/* Without the standby's positions: the same losses, no stages. */
	c = history_check(&h, &found, NULL);
	assert_int_equal(num(c, "lost_writes.count"), 3);
	assert_null(get(c, "lost_writes.first.0.stage"));
	assert_null(get(c, "lost_writes.by_stage"));
	json_decref(c);
	history_free(&h);
}

/* A loss the standby had replayed is told apart, so the stages add up. */
static void tells_a_loss_the_standby_had_replayed(void **state)
{
	const struct history_found none = { NULL, 0 };
	const struct standby_positions at = { 0x3000500, 0x3000500, 0x3000500 };
	struct history h;
	json_t *c;

	(void) state;
	parse(&h, losses);
	c = history_check(&h, &none, &at);
	assert_int_equal(num(c, "lost_writes.count"), 5);
	assert_int_equal(num(c, "lost_writes.by_stage.replayed"), 5);
	assert_int_equal(num(c, "lost_writes.by_stage.not_received"), 0);
	/* no survivor before the first loss: the span of the losses themselves */
	assert_int_equal(num(c, "lost_writes.wal_bytes"), 0x400);
	assert_true(real(c, "lost_writes.ms") == 9);
	json_decref(c);
	history_free(&h);
}

/* Staleness of 0, 3, 15, 40 and 1200 ms: the percentiles and the 1-2-5 bins up to 2000. */
static void draws_the_staleness(void **state)
{
	static const char text_[] = WRITE("w", 1, 0, 100, "0/100")
		READ("r", "replica", 99, 100, "{}", "0/0")
			READ("r", "replica", 103, 104, "{}", "0/0")
				READ("r", "replica", 115, 116, "{}", "0/0")
					READ("r", "replica", 140, 141, "{}", "0/0")
						READ("r", "replica", 1300, 1301, "{}", "0/80");
	struct history h;
	json_t *c, *bins;

	(void) state;
	parse(&h, text_);
	c = history_check(&h, NULL, NULL);
	assert_int_equal(num(c, "staleness.reads"), 5);
	assert_true(real(c, "staleness.ms.p50") == 15);
	assert_true(real(c, "staleness.ms.p99") == 40);
	assert_true(real(c, "staleness.ms.max") == 1200);
	assert_int_equal(num(c, "staleness.bytes.max"), 0x100);
	assert_int_equal(num(c, "staleness.bytes.p50"), 0x100);
	bins = get(c, "staleness.histogram_ms");
	/* [0,1) [1,2) [2,5) [5,10) [10,20) [20,50) ... [1000,2000) */
	assert_int_equal(json_array_size(bins), 11);
	assert_int_equal(num(bins, "0.2"), 1);
	assert_int_equal(num(bins, "2.2"), 1);
	assert_int_equal(num(bins, "4.2"), 1);
	assert_int_equal(num(bins, "5.2"), 1);
	assert_int_equal(num(bins, "10.2"), 1);
	assert_true(real(bins, "10.0") == 1000 && real(bins, "10.1") == 2000);
	json_decref(c);
	history_free(&h);
}

/* A record written as a line reads back the same. */
static void writes_a_line_that_reads_back(void **state)
{
	const struct history_seen seen[] = { { "c1", 41 }, { "c2", 39 } };
	const struct history_record w = { .session = "c1",
					  .op = HISTORY_WRITE,
					  .server = NULL,
					  .sent_ms = 12.5,
					  .answered = true,
					  .answered_ms = 13.25,
					  .outcome = HISTORY_OK,
					  .writer = "c1",
					  .seq = 42,
					  .has_lsn = true,
					  .lsn = 0x3000060,
					  .error = NULL };
	const struct history_record r = { .session = "c2",
					  .op = HISTORY_READ,
					  .server = "replica",
					  .sent_ms = 14,
					  .answered = false,
					  .outcome = HISTORY_FAIL,
					  .error = "canceled: \"conflict\"" };
	struct history_record ok_read = { .session = "c2",
					  .op = HISTORY_READ,
					  .server = "replica2",
					  .sent_ms = 15,
					  .answered = true,
					  .answered_ms = 16,
					  .outcome = HISTORY_OK,
					  .seen = seen,
					  .nseen = 2,
					  .has_replay_lsn = true,
					  .replay_lsn = 0x300 };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct history h;

	(void) state;
	assert_true(history_write_line(f, &w));
	assert_true(history_write_line(f, &r));
	assert_true(history_write_line(f, &ok_read));
	fclose(f);
	assert_string_equal(strchr(buf, '\n') + 1,
			    "{\"session\":\"c2\",\"op\":\"read\",\"server\":\"replica\","
			    "\"sent_ms\":14.0,\"answered_ms\":null,\"outcome\":\"fail\","
			    "\"error\":\"canceled: \\\"conflict\\\"\"}\n"
			    "{\"session\":\"c2\",\"op\":\"read\",\"server\":\"replica2\","
			    "\"sent_ms\":15.0,\"answered_ms\":16.0,\"outcome\":\"ok\","
			    "\"seen\":{\"c1\":41,\"c2\":39},\"replay_lsn\":\"0/300\"}\n");
	parse(&h, buf);
	assert_int_equal(h.n, 3);
	assert_string_equal(h.records[0].session, "c1");
	assert_null(h.records[0].server);
	assert_true(h.records[0].sent_ms == 12.5 && h.records[0].answered_ms == 13.25);
	assert_true(h.records[0].has_lsn && h.records[0].lsn == 0x3000060);
	assert_int_equal(h.records[0].seq, 42);
	assert_false(h.records[1].answered);
	assert_string_equal(h.records[1].error, "canceled: \"conflict\"");
	assert_int_equal(h.records[2].nseen, 2);
	assert_string_equal(h.records[2].seen[1].writer, "c2");
	assert_int_equal(h.records[2].seen[1].seq, 39);
	/* one copy of a name: the writer c1 is the session c1 */
	assert_ptr_equal(h.records[0].writer, h.records[0].session);
	assert_ptr_equal(h.records[2].seen[0].writer, h.records[0].session);
	assert_int_equal(history_names(&h), 4);
	assert_int_equal(history_name_id(&h, "replica2"), 3);
	assert_int_equal(history_name_id(&h, "nobody"), 4);
	history_free(&h);
	free(buf);
	/* an invalid record is neither written nor appended */
	ok_read.outcome = HISTORY_UNKNOWN;
	ok_read.answered = false;
	assert_false(history_write_line(stdout, &ok_read));
	assert_string_equal(log_last_error(), "invalid operation for the history: "
					      "member \"seen\": only an ok read has one");
	history_init(&h);
	assert_false(history_append(&h, &ok_read));
	assert_int_equal(h.n, 0);
	history_free(&h);
}

/* A bad second line, and the error it gives (beginning with message: jansson's words follow). */
static void refuses(const char *line, const char *message)
{
	char text[HISTORY_LINE_MAX + 512];
	struct history h;

	history_init(&h);
	snprintf(text, sizeof(text), "%s%s", WRITE("c1", 1, 0, 1, "0/10"), line);
	assert_false(history_parse(&h, text, strlen(text), "h.jsonl"));
	if (strncmp(log_last_error(), message, strlen(message)) != 0)
		fail_msg("for %s\ngot      \"%s\"\nexpected \"%s\"", line, log_last_error(),
			 message);
	history_free(&h);
}

#define LINE(members) "{\"session\":\"c1\",\"server\":null,\"sent_ms\":2," members "}\n"

static void refuses_malformed_lines(void **state)
{
	static char longline[HISTORY_LINE_MAX + 2];

	(void) state;
	refuses("{\"session\":", "h.jsonl line 2: not JSON: ");
	refuses("[1]\n", "h.jsonl line 2: expected a JSON object");
	refuses("\n", "h.jsonl line 2: an empty line");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":3,\"outcome\":\"ok\",\"seen\":{},"
		     "\"sent_ms\":4"),
		"h.jsonl line 2: not JSON: duplicate object key");
	refuses("{\"op\":\"write\"}", "h.jsonl line 2: member \"session\": missing");
	refuses(LINE("\"op\":\"delete\""), "h.jsonl line 2: member \"op\": not one of the values "
					   "allowed");
	refuses("{\"session\":\"c\\u0001\",\"op\":\"read\",\"server\":null,\"sent_ms\":2,"
		"\"answered_ms\":null,\"outcome\":\"fail\"}",
		"h.jsonl line 2: member \"session\": expected 1 to 63 printable ASCII characters");
	refuses("{\"session\":\"c1\",\"op\":\"read\",\"sent_ms\":2}",
		"h.jsonl line 2: member \"server\": missing");
	refuses("{\"session\":\"c1\",\"op\":\"read\",\"server\":null,\"sent_ms\":\"2\"}",
		"h.jsonl line 2: member \"sent_ms\": expected a number");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":1,\"outcome\":\"fail\""),
		"h.jsonl line 2: member \"answered_ms\": expected a number of ms from sent_ms "
		"(2.000) to 1e12");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":null,\"outcome\":\"ok\",\"seen\":{}"),
		"h.jsonl line 2: member \"answered_ms\": an ok operation was answered: expected a "
		"number");
	refuses(LINE("\"op\":\"write\",\"answered_ms\":3,\"outcome\":\"unknown\","
		     "\"writer\":\"c1\",\"seq\":2"),
		"h.jsonl line 2: member \"answered_ms\": an unknown outcome had no answer: "
		"expected null");
	refuses(LINE("\"op\":\"write\",\"answered_ms\":3,\"outcome\":\"ok\",\"writer\":\"c1\""),
		"h.jsonl line 2: member \"seq\": missing");
	refuses(LINE("\"op\":\"write\",\"answered_ms\":3,\"outcome\":\"ok\",\"writer\":\"c1\","
		     "\"seq\":0"),
		"h.jsonl line 2: member \"seq\": expected a whole number from 1 to 2^53 - 1");
	refuses(LINE("\"op\":\"write\",\"answered_ms\":3,\"outcome\":\"ok\",\"writer\":\"c1\","
		     "\"seq\":2.5"),
		"h.jsonl line 2: member \"seq\": expected a whole number");
	refuses(LINE("\"op\":\"write\",\"answered_ms\":3,\"outcome\":\"ok\",\"writer\":\"c1\","
		     "\"seq\":2,\"lsn\":\"3000060\""),
		"h.jsonl line 2: member \"lsn\": expected a WAL position like \"0/3000060\"");
	refuses(LINE("\"op\":\"write\",\"answered_ms\":null,\"outcome\":\"fail\","
		     "\"writer\":\"c1\",\"seq\":2,\"lsn\":\"0/20\""),
		"h.jsonl line 2: member \"lsn\": only an ok write has one");
	refuses(LINE("\"op\":\"write\",\"answered_ms\":3,\"outcome\":\"ok\",\"writer\":\"c1\","
		     "\"seq\":2,\"seen\":{}"),
		"h.jsonl line 2: member \"seen\": only an ok read has one");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":3,\"outcome\":\"ok\""),
		"h.jsonl line 2: member \"seen\": missing (an ok read has one)");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":3,\"outcome\":\"ok\",\"seen\":{\"c1\":-1}"),
		"h.jsonl line 2: member \"seen\": writer c1: expected a whole number from 0 to "
		"2^53 - 1");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":3,\"outcome\":\"ok\",\"seen\":{},"
		     "\"seq\":4"),
		"h.jsonl line 2: member \"seq\": a read has none");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":3,\"outcome\":\"ok\",\"seen\":{},"
		     "\"replay_lsn\":7"),
		"h.jsonl line 2: member \"replay_lsn\": expected a string");
	refuses(LINE("\"op\":\"read\",\"answered_ms\":3,\"outcome\":\"fail\",\"error\":null"),
		"h.jsonl line 2: member \"error\": expected a string");
	refuses(WRITE("c2", 1, 1, 2, "0/20") WRITE("c1", 1, 3, 4, "0/30"),
		"h.jsonl line 3: member \"seq\": writer c1's seq 1 again (line 1)");
	memset(longline, ' ', sizeof(longline) - 1);
	refuses(longline, "h.jsonl line 2: longer than 65536 bytes");
}

/* A file: its lines, and the error naming the file when it cannot be read. */
static void reads_a_file(void **state)
{
	char path[] = "/tmp/test_replab_history.XXXXXX";
	int fd = mkstemp(path);
	struct history h;
	FILE *f;

	(void) state;
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(clean, f);
	fclose(f);
	history_init(&h);
	assert_true(history_read_file(&h, path));
	assert_int_equal(h.n, 6);
	history_free(&h);
	unlink(path);
	assert_false(history_read_file(&h, path));
	assert_non_null(strstr(log_last_error(), "could not read the history /tmp/"));
	history_free(&h);
}

/*
 * Two runs one after the other, as replica-reads keeps its modes (each on
 * a table of its own): checked as one, b's first read misses a's write, a
 * false stale read; run by run only b's last read, which missed b's own
 * write, is stale, located at its index in the whole history.
 */
static void checks_each_run_on_its_own(void **state)
{
	static const char text[] = WRITE("a", 1, 0, 1, "0/3000060")
		READ("a", "replica", 2, 3, "{\"a\":1}", "0/3000060")
			WRITE("b", 1, 10, 11, "0/3000100")
				READ("b", "replica", 12, 13, "{\"b\":1}", "0/3000100")
					READ("b", "replica", 20, 21, "{}", "0/3000100");
	static const char named[] = "{\"session\":\"s\",\"op\":\"read\",\"server\":null,"
				    "\"sent_ms\":0,\"answered_ms\":null,\"outcome\":\"fail\","
				    "\"mode\":\"on\",\"delay\":null}\n";
	struct history flat, h;
	struct history_runs runs;
	struct history_marks m = { 0 };
	json_t *c, *all = json_array(), *total;

	(void) state;
	parse(&flat, text);
	c = history_check(&flat, NULL, NULL);
	assert_int_equal(json_integer_value(get(c, "stale_reads.count")), 2);
	json_decref(c);
	history_runs(&flat, &runs);
	assert_false(runs.named);
	assert_int_equal(runs.n, 1);
	assert_int_equal(runs.run[0].n, 5);
	history_runs_free(&runs);
	/* the same records naming their modes */
	history_init(&h);
	for (size_t i = 0; i < flat.n; i++) {
		struct history_record op = flat.records[i];

		op.mode = i < 2 ? "async" : "on";
		op.delay = i < 2 ? NULL : "50ms";
		assert_true(history_append(&h, &op));
	}
	history_runs(&h, &runs);
	assert_true(runs.named);
	assert_int_equal(runs.n, 2);
	assert_string_equal(runs.run[1].mode, "on");
	assert_string_equal(runs.run[1].delay, "50ms");
	assert_null(runs.run[0].delay);
	assert_int_equal(runs.run[1].at[0], 2);
	for (size_t i = 0; i < runs.n; i++)
		json_array_append_new(all, history_check_run(&h, &runs.run[i], NULL, NULL, &m));
	assert_int_equal(json_integer_value(get(all, "0.stale_reads.count")), 0);
	assert_int_equal(json_integer_value(get(all, "1.stale_reads.count")), 1);
	assert_int_equal(json_integer_value(get(all, "1.stale_reads.first.0.i")), 4);
	assert_int_equal(json_integer_value(get(all, "1.read_your_writes.first.0.i")), 4);
	assert_int_equal(m.n[HISTORY_STALE], 1);
	assert_int_equal(m.at[HISTORY_STALE][0], 4);
	total = history_runs_total(all);
	assert_int_equal(json_integer_value(get(total, "operations")), 5);
	assert_int_equal(json_integer_value(get(total, "reads.ok")), 3);
	assert_int_equal(json_integer_value(get(total, "stale_reads.count")), 1);
	assert_int_equal(json_integer_value(get(total, "read_your_writes.count")), 1);
	assert_null(get(total, "lost_writes"));
	json_decref(total);
	json_decref(all);
	history_marks_free(&m);
	history_runs_free(&runs);
	history_free(&h);
	history_free(&flat);
	/* a line's mode and delay are kept */
	parse(&h, named);
	assert_string_equal(h.records[0].mode, "on");
	assert_null(h.records[0].delay);
	history_free(&h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_clean_history_passes),
		cmocka_unit_test(finds_a_stale_read),
		cmocka_unit_test(finds_a_read_your_writes_violation),
		cmocka_unit_test(finds_a_monotonic_read_violation),
		cmocka_unit_test(resolves_unknown_writes),
		cmocka_unit_test(locates_every_anomaly),
		cmocka_unit_test(puts_lost_writes_at_their_stage),
		cmocka_unit_test(tells_a_loss_the_standby_had_replayed),
		cmocka_unit_test(draws_the_staleness),
		cmocka_unit_test(writes_a_line_that_reads_back),
		cmocka_unit_test(refuses_malformed_lines),
		cmocka_unit_test(reads_a_file),
		cmocka_unit_test(checks_each_run_on_its_own),
	};

	log_init("test_replab_history");
	return cmocka_run_group_tests_name("history", tests, NULL, NULL);
}
