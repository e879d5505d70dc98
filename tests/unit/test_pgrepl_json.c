/*
 * test_pgrepl_json.c — the JSON documents' building blocks: libpq fields become
 * typed JSON values (SQL NULL -> null), and streaming standbys are counted
 * without the base backups that pg_stat_replication also lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>
#include <cmocka.h>

#include "pgjson.h"
#include "status.h"

/* A one-row result with the given text fields (NULL for SQL NULL). */
static PGresult *one_row(int n, const char *const *fields)
{
	PGresult *res = PQmakeEmptyPGresult(NULL, PGRES_TUPLES_OK);
	PGresAttDesc attrs[8];

	memset(attrs, 0, sizeof(attrs));
	for (int i = 0; i < n; i++)
		attrs[i].name = "f";
	assert_true(PQsetResultAttrs(res, n, attrs));
	for (int i = 0; i < n; i++)
		assert_true(PQsetvalue(res, 0, i, (char *) fields[i],
				       fields[i] ? (int) strlen(fields[i]) : -1));
	return res;
}

static void fields_become_typed_values(void **state)
{
	const char *fields[] = { "0/3000148", "209728", "1.5", "t", "f", NULL };
	PGresult *res = one_row(6, fields);
	json_t *v;

	(void) state;
	v = pgjson_text(res, 0, 0);
	assert_string_equal(json_string_value(v), "0/3000148");
	json_decref(v);
	v = pgjson_integer(res, 0, 1);
	assert_int_equal(json_integer_value(v), 209728);
	json_decref(v);
	v = pgjson_real(res, 0, 2);
	assert_true(json_real_value(v) == 1.5);
	json_decref(v);
	v = pgjson_bool(res, 0, 3);
	assert_true(json_is_true(v));
	v = pgjson_bool(res, 0, 4);
	assert_true(json_is_false(v));
	for (int i = 0; i < 4; i++) {
		json_t *(*conv[])(const PGresult *, int, int) = { pgjson_text, pgjson_integer,
								  pgjson_real, pgjson_bool };
		v = conv[i](res, 0, 5);
		assert_true(json_is_null(v));
	}
	assert_string_equal(pg_text_or_dash(res, 0, 5), "-");
	assert_string_equal(pg_text_or_dash(res, 0, 1), "209728");
	PQclear(res);
}

static void counts_streaming_standbys_only(void **state)
{
	json_t *obj = json_pack("{s:[{s:s,s:b},{s:s,s:b},{s:s,s:b},{s:n,s:b}]}", "standbys",
				"state", "streaming", "base_backup", 0, "state", "streaming",
				"base_backup", 1, "state", "catchup", "base_backup", 0, "state",
				"base_backup", 0);

	(void) state;
	assert_int_equal(status_streaming_standbys(obj), 1);
	json_decref(obj);
	obj = json_object();
	assert_int_equal(status_streaming_standbys(obj), 0);
	json_decref(obj);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fields_become_typed_values),
		cmocka_unit_test(counts_streaming_standbys_only),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
