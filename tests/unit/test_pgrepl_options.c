/*
 * test_options.c — pgrepl's command line: commands, options in any order,
 * defaults, and usage errors (exit 2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

#include "log.h"
#include "options.h"

/* Parse a NULL-terminated argument list; argv[0] is supplied. */
static int parse(struct options *o, ...)
{
	char *argv[16] = { "pgrepl" };
	int argc = 1;
	va_list ap;
	char *arg;

	va_start(ap, o);
	while ((arg = va_arg(ap, char *)) != NULL)
		argv[argc++] = arg;
	va_end(ap);
	return options_parse(argc, argv, o);
}

static void defaults(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "demo", NULL), EXIT_OK);
	assert_string_equal(o.command, "demo");
	assert_null(o.primary);
	assert_null(o.replica);
	assert_false(o.json);
	assert_int_equal(o.connect_timeout_ms, 3000);
	assert_int_equal(o.probe_interval_ms, 200);
	assert_int_equal(o.wait_s, 300);
	assert_int_equal(o.promote_timeout_s, 60);
}

static void options_before_and_after_the_command(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "--primary", "host=a", "status", "-j", "--replica=host=b", NULL), EXIT_OK);
	assert_string_equal(o.command, "status");
	assert_string_equal(o.primary, "host=a");
	assert_string_equal(o.replica, "host=b");
	assert_true(o.json);
}

static void failover_options(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "failover", "--probe-interval=50", "--wait", "7", "--promote-timeout", "9",
			       "--connect-timeout", "1500", NULL),
			 EXIT_OK);
	assert_int_equal(o.probe_interval_ms, 50);
	assert_int_equal(o.wait_s, 7);
	assert_int_equal(o.promote_timeout_s, 9);
	assert_int_equal(o.connect_timeout_ms, 1500);
}

static void load_and_watch_options(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "load", "--rate", "250", "--duration", "7", NULL), EXIT_OK);
	assert_int_equal(o.rate, 250);
	assert_int_equal(o.duration_s, 7);
	assert_int_equal(parse(&o, "watch", "--interval=50", "--duration=3", NULL), EXIT_OK);
	assert_int_equal(o.interval_ms, 50);
	assert_int_equal(parse(&o, "watch", "--rate", "5", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "demo", "--duration", "5", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "load", "--interval", "5", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "load", "--rate", "0", NULL), EXIT_USAGE);
}

static void help_and_version_need_no_command(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "--help", NULL), EXIT_OK);
	assert_true(o.help);
	assert_int_equal(parse(&o, "-V", NULL), EXIT_OK);
	assert_true(o.version);
}

static void usage_errors(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "frobnicate", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "demo", "--frob", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "demo", "-x", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "demo", "extra", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "status", "--primary", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "failover", "--wait", "0", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "failover", "--wait", "5s", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "failover", "--probe-interval", "", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "demo", "--connect-timeout", "99", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "demo", "--promote-timeout", "5", NULL), EXIT_USAGE);
}

/* Numbers are whole, finite, in range and alone: no inf, nan, exponent, sign tricks or blanks. */
static void numbers_are_checked(void **state)
{
	static const char *const bad[] = { "inf", "-inf", "nan", "infinity", "-1", "0", "1e3", "100.5", "0x10",
					   " 100", "100 ", "+100", "100/s", "99999999999999999999", "10001", "" };
	struct options o;

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (parse(&o, "load", "--rate", bad[i], NULL) != EXIT_USAGE)
			fail_msg("--rate \"%s\" was accepted", bad[i]);
	assert_int_equal(parse(&o, "load", "--rate", "10000", NULL), EXIT_OK);
	assert_int_equal(o.rate, 10000);
	assert_int_equal(parse(&o, "demo", "--connect-timeout", "nan", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "watch", "--interval", "-inf", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "failover", "--wait", "86401", NULL), EXIT_USAGE);
}

static void set_password(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "set-password", "lab", "--password-file", "/etc/replab/secrets/lab-password", NULL),
			 EXIT_OK);
	assert_string_equal(o.command, "set-password");
	assert_string_equal(o.role, "lab");
	assert_string_equal(o.password_file, "/etc/replab/secrets/lab-password");
	assert_int_equal(parse(&o, "--password-file=f", "-p", "host=/tmp", "set-password", "Mixed Case", NULL), EXIT_OK);
	assert_string_equal(o.role, "Mixed Case");
	/* a role, a file, nothing more; and the file option belongs to set-password only */
	assert_int_equal(parse(&o, "set-password", "--password-file", "f", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "", "--password-file", "f", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "lab", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "lab", "--password-file=", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "lab", "extra", "--password-file", "f", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "status", "--password-file", "f", NULL), EXIT_USAGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(defaults),
		cmocka_unit_test(options_before_and_after_the_command),
		cmocka_unit_test(failover_options),
		cmocka_unit_test(load_and_watch_options),
		cmocka_unit_test(help_and_version_need_no_command),
		cmocka_unit_test(usage_errors),
		cmocka_unit_test(numbers_are_checked),
		cmocka_unit_test(set_password),
	};

	log_init("pgrepl");
	/* Usage errors are printed; keep the test output to TAP lines. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
