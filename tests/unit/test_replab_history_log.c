/*
 * test_replab_history_log.c — pgrepl's records taken onto the experiment's
 * timeline (history_take) and parsed back from memory
 * (history_from_records): times shifted by the member's clock, each
 * trial's records made a writer of their own so that two trials' seqs 1, 2
 * stay apart in the checker, and a bad record refused with where it was.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "experiments/history_log.h"
#include "history/check.h"
#include "log.h"

#include <string.h>

/* A "pgrepl load" result: two ok writes, seq 1 and 2, times since its epoch. */
static json_t *load_doc(void)
{
	json_t *doc = json_loads(
		"{\"history_epoch_ms\": 1000500, \"history\": ["
		"{\"session\":\"load\",\"op\":\"write\",\"server\":\"primary\",\"sent_ms\":10,"
		"\"answered_ms\":12.5,\"outcome\":\"ok\",\"writer\":\"load\",\"seq\":1,"
		"\"lsn\":\"0/3000060\"},"
		"{\"session\":\"load\",\"op\":\"write\",\"server\":\"primary\",\"sent_ms\":20,"
		"\"answered_ms\":null,\"outcome\":\"unknown\",\"writer\":\"load\",\"seq\":2}]}",
		0, NULL);

	assert_non_null(doc);
	return doc;
}

static void takes_records_onto_the_timeline(void **state)
{
	/* The member's clock 100 ms ahead of the host's; the timeline began at 1000000. */
	struct history_clock c = { .offset_ms = 100, .start_real = 1000000 };
	json_t *doc = load_doc(), *out = json_array(),
	       *extra = json_pack("{s:s,s:s}", "session", "async-1", "writer", "async-1");
	json_t *r;

	(void) state;
	assert_int_equal(history_take(&c, doc, extra, out), 2);
	r = json_array_get(out, 0);
	assert_float_equal(json_number_value(json_object_get(r, "sent_ms")), 410, 1e-9);
	assert_float_equal(json_number_value(json_object_get(r, "answered_ms")), 412.5, 1e-9);
	assert_string_equal(json_string_value(json_object_get(r, "writer")), "async-1");
	assert_string_equal(json_string_value(json_object_get(r, "session")), "async-1");
	assert_true(json_is_null(json_object_get(json_array_get(out, 1), "answered_ms")));
	json_decref(extra);
	json_decref(out);
	json_decref(doc);
}

static void keeps_each_trial_a_writer(void **state)
{
	struct history_clock c = { 0 };
	json_t *doc = load_doc(), *out = json_array(), *checks;
	json_t *one = json_pack("{s:s,s:s}", "session", "async-1", "writer", "async-1"),
	       *two = json_pack("{s:s,s:s}", "session", "async-2", "writer", "async-2");
	/* Trial 1 kept its ack and its write in doubt; trial 2 lost its ack. */
	const struct history_id ids[] = { { "async-1", 1 }, { "async-1", 2 } };
	struct history_found found = { ids, 2 };
	struct history h;

	(void) state;
	history_take(&c, doc, one, out);
	history_take(&c, doc, two, out);
	history_init(&h);
	assert_true(history_from_records(&h, out, "test"));
	assert_int_equal(h.n, 4);
	checks = history_check(&h, &found, NULL);
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(checks, "lost_writes"), "count")),
			 1);
	assert_string_equal(
		json_string_value(json_object_get(
			json_array_get(json_object_get(json_object_get(checks, "lost_writes"),
						       "first"),
				       0),
			"writer")),
		"async-2");
	assert_int_equal(json_integer_value(
				 json_object_get(json_object_get(checks, "unknown_writes"),
						 "committed")),
			 1);
	json_decref(checks);
	history_free(&h);
	json_decref(one);
	json_decref(two);
	json_decref(out);
	json_decref(doc);
}

static void refuses_a_bad_record(void **state)
{
	json_t *records = json_loads(
		"[{\"session\":\"s\",\"op\":\"write\",\"server\":\"primary\",\"sent_ms\":1,"
		"\"answered_ms\":2,\"outcome\":\"ok\",\"writer\":\"s\",\"seq\":1},"
		"{\"session\":\"s\",\"op\":\"write\",\"server\":\"primary\",\"sent_ms\":5,"
		"\"answered_ms\":4,\"outcome\":\"ok\",\"writer\":\"s\",\"seq\":2}]",
		0, NULL);
	struct history h;

	(void) state;
	history_init(&h);
	assert_false(history_from_records(&h, records, "the trial's records"));
	assert_non_null(strstr(log_last_error(), "the trial's records line 2: member "
						 "\"answered_ms\""));
	history_free(&h);
	json_decref(records);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(takes_records_onto_the_timeline),
		cmocka_unit_test(keeps_each_trial_a_writer),
		cmocka_unit_test(refuses_a_bad_record),
	};

	log_init("test_replab_history_log");
	return cmocka_run_group_tests_name("history_log", tests, NULL, NULL);
}
