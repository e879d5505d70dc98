/*
 * test_pgrepl_targets.c — where connection strings come from: command line, then
 * config file, then environment; what counts as malformed; the joined
 * "any writable" string.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "db.h"
#include "log.h"
#include "targets.h"

static char config_path[64];

static void write_config(const char *text)
{
	FILE *f = fopen(config_path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	int fd;

	(void) state;
	snprintf(config_path, sizeof(config_path), "/tmp/pgrepl-test-XXXXXX");
	fd = mkstemp(config_path);
	if (fd < 0)
		return -1;
	close(fd);
	unsetenv("PGREPL_PRIMARY");
	unsetenv("PGREPL_REPLICA");
	unsetenv("PGREPL_CONFIG");
	return 0;
}

static int teardown(void **state)
{
	(void) state;
	unlink(config_path);
	return 0;
}

static void config_lines(void **state)
{
	char blank[] = "   \n", comment[] = "  # primary = x\n",
	     pair[] = " primary =  host=a port=5 \n", noeq[] = "primary host=a\n",
	     nokey[] = " = host=a\n", spaced[] = "pri mary = x\n", empty_value[] = "replica =\n";
	char *key, *value;

	(void) state;
	assert_int_equal(config_parse_line(blank, &key, &value), 0);
	assert_int_equal(config_parse_line(comment, &key, &value), 0);
	assert_int_equal(config_parse_line(pair, &key, &value), 1);
	assert_string_equal(key, "primary");
	assert_string_equal(value, "host=a port=5");
	assert_int_equal(config_parse_line(noeq, &key, &value), -1);
	assert_int_equal(config_parse_line(nokey, &key, &value), -1);
	assert_int_equal(config_parse_line(spaced, &key, &value), -1);
	assert_int_equal(config_parse_line(empty_value, &key, &value), 1);
	assert_string_equal(value, "");
}

static void precedence_cli_config_env(void **state)
{
	struct options o = { .config = config_path, .primary = "host=cli" };
	struct targets t;

	(void) state;
	write_config("# lab\nprimary = host=file\nreplica = host=file-replica\n");
	setenv("PGREPL_PRIMARY", "host=env", 1);
	setenv("PGREPL_REPLICA", "host=env-replica", 1);
	assert_int_equal(targets_resolve(&o, &t), EXIT_OK);
	assert_string_equal(t.primary, "host=cli");
	assert_string_equal(t.replica, "host=file-replica");
	targets_free(&t);

	write_config("primary = host=file\n");
	assert_int_equal(targets_resolve(&o, &t), EXIT_OK);
	assert_string_equal(t.replica, "host=env-replica");
	targets_free(&t);
}

static void config_from_environment_variable(void **state)
{
	struct options o = { 0 };
	struct targets t;

	(void) state;
	write_config("replica = host=r\n");
	setenv("PGREPL_CONFIG", config_path, 1);
	assert_int_equal(targets_resolve(&o, &t), EXIT_OK);
	assert_null(t.primary);
	assert_string_equal(t.replica, "host=r");
	targets_free(&t);
}

static void bad_config_and_conninfo(void **state)
{
	struct options o = { .config = config_path };
	struct targets t;

	(void) state;
	write_config("primary = host=a\nport = 5\n");
	assert_int_equal(targets_resolve(&o, &t), EXIT_FAIL);
	assert_string_equal(log_last_error(), strstr(log_last_error(), config_path));
	assert_non_null(strstr(log_last_error(), ":2: unknown key \"port\""));

	write_config("primary host=a\n");
	assert_int_equal(targets_resolve(&o, &t), EXIT_FAIL);

	write_config("primary = host=a port\n");
	assert_int_equal(targets_resolve(&o, &t), EXIT_USAGE);
	assert_null(t.primary);

	o.config = "/nonexistent/pgrepl.conf";
	assert_int_equal(targets_resolve(&o, &t), EXIT_FAIL);
}

static void conninfo_validation(void **state)
{
	char msg[256];

	(void) state;
	assert_true(db_conninfo_valid("host=10.77.0.10 user=lab dbname=lab", msg, sizeof(msg)));
	assert_true(db_conninfo_valid("postgresql://lab@10.77.0.10/lab", msg, sizeof(msg)));
	assert_false(db_conninfo_valid("host=a port", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "missing \"=\""));
	assert_false(db_conninfo_valid("hots=a", msg, sizeof(msg)));
	assert_non_null(strstr(msg, "invalid connection option \"hots\""));
}

static void any_writable_joins_the_hosts(void **state)
{
	struct targets t = { .primary = "host=10.77.0.10 user=lab dbname=lab passfile='/x/it\\'s'",
			     .replica = "host=10.77.0.11 port=5433 user=lab dbname=lab "
					"target_session_attrs=any" };
	char *c = targets_any_writable(&t);
	char msg[256];

	(void) state;
	assert_non_null(strstr(c, "host='10.77.0.10,10.77.0.11'"));
	assert_non_null(strstr(c, "port=',5433'"));
	assert_non_null(strstr(c, "passfile='/x/it\\'s'"));
	assert_non_null(strstr(c, "target_session_attrs=read-write"));
	assert_null(strstr(c, "target_session_attrs=any"));
	assert_true(db_conninfo_valid(c, msg, sizeof(msg)));
	free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(config_lines),
		cmocka_unit_test_setup_teardown(precedence_cli_config_env, setup, teardown),
		cmocka_unit_test_setup_teardown(config_from_environment_variable, setup, teardown),
		cmocka_unit_test_setup_teardown(bad_config_and_conninfo, setup, teardown),
		cmocka_unit_test(conninfo_validation),
		cmocka_unit_test(any_writable_joins_the_hosts),
	};

	log_init("pgrepl");
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests_name("targets", tests, NULL, NULL);
}
