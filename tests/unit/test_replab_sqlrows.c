/*
 * test_replab_sqlrows.c — query results as data: the wrapping that makes
 * the server print rows as JSON, parsing what it prints, the shape checks
 * (and their message), and the typed accessors refusing fields of another
 * type.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "log.h"
#include "lab/sqlrows.h"

#include <string.h>

/* json_agg's output as psql -At prints it: rows separated by a newline. */
static const char two_rows[] = "[{\"state\":\"streaming\",\"lag\":0,\"sync\":true,"
			       "\"lsn\":\"16/B374D848\",\"gone\":null}, \n"
			       " {\"state\":\"catchup\",\"lag\":16777216,\"sync\":false,"
			       "\"lsn\":\"0/0\",\"gone\":null}]\n";

static void wraps_the_query_in_json_agg(void **state)
{
	char *sql = sql_rows_query("SELECT 1 AS one");

	(void) state;
	assert_string_equal(sql, "SELECT coalesce(json_agg(q), '[]') FROM (SELECT 1 AS one) AS q");
	free(sql);
}

static void parses_rows(void **state)
{
	json_t *rows = sql_rows_parse(two_rows);

	(void) state;
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 2);
	assert_string_equal(sql_text(sql_row(rows, 1), "state"), "catchup");
	assert_null(sql_row(rows, 2));
	json_decref(rows);
	rows = sql_rows_parse("[]\n");
	assert_non_null(rows);
	assert_int_equal(json_array_size(rows), 0);
	json_decref(rows);
}

static void refuses_what_is_not_rows(void **state)
{
	(void) state;
	assert_null(sql_rows_parse(""));
	assert_null(sql_rows_parse("streaming|0"));
	assert_null(sql_rows_parse("{\"a\":1}"));
	assert_null(sql_rows_parse("[1, 2]"));
	assert_null(sql_rows_parse("[{\"a\":1}, \"b\"]"));
	/* Two columns of the same name: one would hide the other. */
	assert_null(sql_rows_parse("[{\"count\":1,\"count\":2}]"));
}

static void checks_the_shape(void **state)
{
	json_t *rows = sql_rows_parse(two_rows), *none = sql_rows_parse("[]");

	(void) state;
	assert_true(sql_rows_check(rows, "read", 2, 5));
	assert_true(sql_rows_check(rows, "read", SQL_ANY_ROWS, 5));
	assert_true(sql_rows_check(none, "read", SQL_ANY_ROWS, 5));
	assert_false(sql_rows_check(rows, "read pg_stat_replication", 1, 5));
	assert_string_equal(log_last_error(), "could not read pg_stat_replication: got 2 rows and "
					      "5 fields, expected 1 rows and 5 fields");
	assert_false(sql_rows_check(rows, "read", SQL_ANY_ROWS, 2));
	assert_string_equal(log_last_error(), "could not read: got 2 rows and 5 fields, expected "
					      "any number of rows and 2 fields");
	assert_false(sql_rows_check(none, "count", 1, 1));
	assert_string_equal(log_last_error(), "could not count: got 0 rows and 0 fields, expected "
					      "1 rows and 1 fields");
	json_decref(rows);
	json_decref(none);
}

static void checks_every_row(void **state)
{
	json_t *rows = sql_rows_parse("[{\"a\":1,\"b\":2}, {\"a\":1}]");

	(void) state;
	assert_false(sql_rows_check(rows, "read", 2, 2));
	assert_string_equal(log_last_error(), "could not read: got 2 rows and 1 fields, expected 2 "
					      "rows and 2 fields");
	json_decref(rows);
}

static void reads_typed_fields(void **state)
{
	json_t *rows = sql_rows_parse(two_rows);
	const json_t *first = sql_row(rows, 0), *second = sql_row(rows, 1);
	long long n = -1;
	bool b = false;
	lsn_t lsn = 0;

	(void) state;
	assert_true(sql_int(first, "lag", &n));
	assert_int_equal(n, 0);
	assert_true(sql_int(second, "lag", &n));
	assert_int_equal(n, 16777216);
	assert_true(sql_bool(first, "sync", &b));
	assert_true(b);
	assert_true(sql_bool(second, "sync", &b));
	assert_false(b);
	assert_true(sql_lsn(first, "lsn", &lsn));
	assert_true(lsn == ((lsn_t) 0x16 << 32 | 0xB374D848));
	json_decref(rows);
}

static void refuses_fields_of_another_type(void **state)
{
	json_t *rows = sql_rows_parse("[{\"t\":\"12\",\"r\":1.5,\"n\":null,\"b\":\"t\","
				      "\"l\":\"0/zz\"}]");
	const json_t *row = sql_row(rows, 0);
	long long n = 7;
	bool b = true;
	lsn_t lsn = 3;

	(void) state;
	assert_false(sql_int(row, "t", &n));
	assert_false(sql_int(row, "r", &n));
	assert_false(sql_int(row, "n", &n));
	assert_false(sql_int(row, "absent", &n));
	assert_int_equal(n, 7);
	assert_false(sql_bool(row, "b", &b));
	assert_true(b);
	assert_null(sql_text(row, "n"));
	assert_null(sql_text(row, "r"));
	assert_false(sql_lsn(row, "l", &lsn));
	assert_false(sql_lsn(row, "n", &lsn));
	assert_false(sql_lsn(row, "r", &lsn));
	assert_true(lsn == 3);
	/* No rows (a failed query): every field reads as absent. */
	assert_null(sql_text(sql_row(NULL, 0), "t"));
	assert_false(sql_int(sql_row(NULL, 0), "t", &n));
	json_decref(rows);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(wraps_the_query_in_json_agg),
		cmocka_unit_test(parses_rows),
		cmocka_unit_test(refuses_what_is_not_rows),
		cmocka_unit_test(checks_the_shape),
		cmocka_unit_test(checks_every_row),
		cmocka_unit_test(reads_typed_fields),
		cmocka_unit_test(refuses_fields_of_another_type),
	};

	return cmocka_run_group_tests_name("sqlrows", tests, NULL, NULL);
}
