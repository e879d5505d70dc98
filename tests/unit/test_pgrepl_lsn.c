/*
 * test_pgrepl_lsn.c — parsing, printing and subtracting WAL positions.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "lsn.h"

static void parses_what_postgres_prints(void **state)
{
	lsn_t lsn;

	(void) state;
	assert_true(lsn_parse("0/3000148", &lsn));
	assert_int_equal(lsn, 0x3000148);
	assert_true(lsn_parse("16/B374D848", &lsn));
	assert_int_equal(lsn, ((lsn_t) 0x16 << 32) | 0xB374D848);
	assert_true(lsn_parse("FFFFFFFF/FFFFFFFF", &lsn));
	assert_int_equal(lsn, UINT64_MAX);
	assert_true(lsn_parse("a/b", &lsn));
	assert_int_equal(lsn, ((lsn_t) 0xA << 32) | 0xB);
}

static void rejects_malformed(void **state)
{
	static const char *const bad[] = { "", "/", "0/", "/1", "1", "0/3000148 ", " 0/1", "0/1/2",
					   "123456789/0", "0/123456789", "G/0", "-1/0", "0x1/0",
					   /* what a hostile guest could answer instead of an LSN */
					   "0/1'", "0/1') || pg_sleep(60) || ('", "0/1\n", "0/1;" };
	lsn_t lsn = 42;

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_false(lsn_parse(bad[i], &lsn));
		assert_int_equal(lsn, 42);
	}
	assert_false(lsn_parse(NULL, &lsn));
}

static void formats_round_trip(void **state)
{
	static const char *const texts[] = { "0/0", "0/3000148", "16/B374D848",
					     "FFFFFFFF/FFFFFFFF" };
	char buf[LSN_TEXT_MAX];

	(void) state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		lsn_t lsn;

		assert_true(lsn_parse(texts[i], &lsn));
		lsn_format(lsn, buf);
		assert_string_equal(buf, texts[i]);
	}
}

static void diff_is_signed_bytes(void **state)
{
	lsn_t a, b;

	(void) state;
	assert_true(lsn_parse("1/0", &a));
	assert_true(lsn_parse("0/FFFFFF00", &b));
	assert_int_equal(lsn_diff(a, b), 256);
	assert_int_equal(lsn_diff(b, a), -256);
	assert_int_equal(lsn_diff(a, a), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_what_postgres_prints),
		cmocka_unit_test(rejects_malformed),
		cmocka_unit_test(formats_round_trip),
		cmocka_unit_test(diff_is_signed_bytes),
	};

	return cmocka_run_group_tests_name("lsn", tests, NULL, NULL);
}
