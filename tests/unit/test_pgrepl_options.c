/*
 * test_pgrepl_options.c — pgrepl's command line: commands, options in any
 * order, defaults, usage errors (exit 2) and their messages, the option
 * tables themselves, and the --help written from them.
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

#include "commands.h"
#include "log.h"
#include "options.h"

#define MAX_ARGS 40

/* Parse first and the arguments after it up to a NULL (first NULL: none); argv[0] is supplied. */
static int parse_va(struct options *o, char *first, va_list ap)
{
	char *argv[MAX_ARGS + 1] = { "pgrepl" };
	int argc = 1;

	for (char *arg = first; arg; arg = va_arg(ap, char *)) {
		if (argc == MAX_ARGS)
			fail_msg("more than %d arguments: raise MAX_ARGS", MAX_ARGS - 1);
		argv[argc++] = arg;
	}
	return options_parse(argc, argv, o);
}

/* Parse a NULL-terminated argument list. */
static int parse(struct options *o, ...)
{
	va_list ap;
	int rc;

	va_start(ap, o);
	rc = parse_va(o, va_arg(ap, char *), ap);
	va_end(ap);
	return rc;
}

/*
 * Parse a NULL-terminated argument list that must be a usage error, and
 * return the error's text: the first line on stderr, after "pgrepl: error: ".
 */
static const char *usage_error_of(char *first, ...)
{
	static char line[512];
	const char *prefix = "pgrepl: error: ";
	FILE *tmp = tmpfile();
	struct options o;
	int saved, rc;
	va_list ap;

	assert_non_null(tmp);
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	assert_true(saved >= 0 && dup2(fileno(tmp), STDERR_FILENO) >= 0);
	va_start(ap, first);
	rc = parse_va(&o, first, ap);
	va_end(ap);
	fflush(stderr);
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	assert_int_equal(rc, EXIT_USAGE);
	rewind(tmp);
	assert_non_null(fgets(line, sizeof(line), tmp));
	fclose(tmp);
	line[strcspn(line, "\n")] = '\0';
	assert_memory_equal(line, prefix, strlen(prefix));
	return line + strlen(prefix);
}

/* What options_usage writes for cmd (NULL: the whole program's); the caller frees it. */
static char *help_of(const struct command *cmd)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	options_usage(f, cmd);
	fclose(f);
	return text;
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
	assert_false(o.detect_only);
}

static void options_before_and_after_the_command(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "--primary", "host=a", "status", "-j", "--replica=host=b", NULL),
			 EXIT_OK);
	assert_string_equal(o.command, "status");
	assert_string_equal(o.primary, "host=a");
	assert_string_equal(o.replica, "host=b");
	assert_true(o.json);
}

static void failover_options(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "failover", "--probe-interval=50", "--wait", "7",
			       "--promote-timeout", "9", "--connect-timeout", "1500", NULL),
			 EXIT_OK);
	assert_int_equal(o.probe_interval_ms, 50);
	assert_int_equal(o.wait_s, 7);
	assert_int_equal(o.promote_timeout_s, 9);
	assert_int_equal(o.connect_timeout_ms, 1500);
	assert_false(o.detect_only);
	assert_int_equal(parse(&o, "--detect-only", "failover", "--probe-interval", "100", NULL),
			 EXIT_OK);
	assert_true(o.detect_only);
	assert_int_equal(parse(&o, "failover", "--detect-only=yes", NULL), EXIT_USAGE);
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
	static const char *const bad[] = {
		"inf",	 "-inf", "nan",	 "infinity", "-1",   "0",     "1e3",
		"100.5", "0x10", " 100", "100 ",     "+100", "100/s", "99999999999999999999",
		"10001", ""
	};
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
	assert_int_equal(parse(&o, "set-password", "lab", "--password-file",
			       "/etc/replab/secrets/lab-password", NULL),
			 EXIT_OK);
	assert_string_equal(o.command, "set-password");
	assert_string_equal(o.role, "lab");
	assert_string_equal(o.password_file, "/etc/replab/secrets/lab-password");
	assert_int_equal(parse(&o, "--password-file=f", "-p", "host=/tmp", "set-password",
			       "Mixed Case", NULL),
			 EXIT_OK);
	assert_string_equal(o.role, "Mixed Case");
	/* a role, a file, nothing more; and the file option belongs to set-password only */
	assert_int_equal(parse(&o, "set-password", "--password-file", "f", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "", "--password-file", "f", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "lab", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "lab", "--password-file=", NULL), EXIT_USAGE);
	assert_int_equal(parse(&o, "set-password", "lab", "extra", "--password-file", "f", NULL),
			 EXIT_USAGE);
	assert_int_equal(parse(&o, "status", "--password-file", "f", NULL), EXIT_USAGE);
}

/* An option of other commands gets an error naming them, whatever the order and spelling. */
static void stray_options_name_their_commands(void **state)
{
	(void) state;
	assert_string_equal(usage_error_of("demo", "--wait", "5", NULL), "--wait applies to "
									 "\"failover\" only, not "
									 "to \"demo\"");
	assert_string_equal(usage_error_of("watch", "--follow", NULL), "--follow applies to "
								       "\"load\" only, not to "
								       "\"watch\"");
	assert_string_equal(usage_error_of("demo", "--duration", "5", NULL),
			    "--duration applies "
			    "to \"load readers watch\" "
			    "only, not to "
			    "\"demo\"");
	assert_string_equal(usage_error_of("--password-file", "f", "status", NULL),
			    "--password-file applies to \"set-password\" only, not to \"status\"");
	assert_string_equal(usage_error_of("--prob", "50", "demo", NULL), "--probe-interval "
									  "applies to \"failover\" "
									  "only, not to \"demo\"");
	assert_string_equal(usage_error_of("load", "--detect-only", NULL),
			    "--detect-only applies to \"failover\" only, not to \"load\"");
	/* the first one given is named */
	assert_string_equal(usage_error_of("set-password", "lab", "--password-file", "f", "--wait",
					   "1", "--rate", "3", NULL),
			    "--wait applies to \"failover\" only, not to \"set-password\"");
	assert_string_equal(usage_error_of("--rate", "3", "--wait", "1", "set-password", "lab",
					   "--password-file", "f", NULL),
			    "--rate applies to \"load readers\" only, not to \"set-password\"");
}

/* However many options come first, a stray one after them is still caught. */
static void many_options(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "watch", "--interval", "10", "--interval", "11", "--interval",
			       "12", "--interval", "13", "--interval", "14", "--interval", "15",
			       "--duration", "1", "--duration", "2", "--duration", "3",
			       "--duration", "4", "--duration", "5", "--rate", "5", NULL),
			 EXIT_USAGE);
	assert_int_equal(parse(&o, "load", "--rate", "1", "--rate", "2", "--rate", "3", "--rate",
			       "4", "--rate", "5", "--follow", "--follow", "--follow",
			       "--until-failure", "--until-failure", "--until-failure",
			       "--duration", "6", "--follow", NULL),
			 EXIT_OK);
	assert_int_equal(o.rate, 5);
	assert_int_equal(o.duration_s, 6);
	assert_true(o.follow && o.until_failure);
}

/* The other usage errors, word for word. */
static void usage_error_messages(void **state)
{
	(void) state;
	assert_string_equal(usage_error_of(NULL), "no command given");
	assert_string_equal(usage_error_of("frobnicate", NULL), "unknown command \"frobnicate\"");
	assert_string_equal(usage_error_of("demo", "--frob", NULL), "unknown option or missing "
								    "value: \"--frob\"");
	assert_string_equal(usage_error_of("status", "--primary", NULL), "unknown option or "
									 "missing value: "
									 "\"--primary\"");
	assert_string_equal(usage_error_of("load", "--rate", "0", NULL), "invalid --rate \"0\": "
									 "expected a whole number "
									 "from 1 to 10000");
	assert_string_equal(usage_error_of("status", "--connect-timeout", "nan", NULL),
			    "invalid --connect-timeout \"nan\": expected a whole number from 100 "
			    "to 600000");
	assert_string_equal(usage_error_of("set-password", "--password-file", "f", NULL), "set-"
											  "password"
											  " needs "
											  "the "
											  "name of "
											  "a role");
	assert_string_equal(usage_error_of("set-password", "lab", NULL), "set-password needs "
									 "--password-file=FILE "
									 "(the password never goes "
									 "on the command line)");
	assert_string_equal(usage_error_of("demo", "extra", NULL), "unexpected argument \"extra\" "
								   "after the command");
}

/* --help with a command's name, before or after it, is that command's help. */
static void help_for_a_command(void **state)
{
	struct options o;

	(void) state;
	assert_int_equal(parse(&o, "failover", "--help", NULL), EXIT_OK);
	assert_true(o.help);
	assert_null(o.command);
	assert_ptr_equal(o.help_for, &cmd_failover_entry);
	assert_int_equal(parse(&o, "-h", "set-password", NULL), EXIT_OK);
	assert_ptr_equal(o.help_for, &cmd_set_password_entry);
	assert_int_equal(parse(&o, "--help", NULL), EXIT_OK);
	assert_null(o.help_for);
	assert_int_equal(parse(&o, "--help", "frobnicate", NULL), EXIT_OK);
	assert_null(o.help_for);
}

static void check_entry(const struct opt *opt)
{
	assert_non_null(opt->long_name);
	assert_non_null(opt->help);
	if (opt->kind == OPT_KIND_FLAG)
		assert_null(opt->arg_name);
	else
		assert_non_null(opt->arg_name);
	if (opt->kind == OPT_KIND_NUMBER)
		assert_true(opt->min <= opt->def && opt->def <= opt->max);
	if (opt->required)
		assert_int_equal(opt->kind, OPT_KIND_STRING);
}

/* An option that two tables hold must mean the same in both. */
static void check_same(const struct opt *a, const struct opt *b)
{
	if (a->kind != b->kind || a->short_name != b->short_name || a->member != b->member ||
	    a->min != b->min || a->max != b->max || a->def != b->def ||
	    !a->required != !b->required)
		fail_msg("--%s means different things in two tables", a->long_name);
}

static void tables_are_consistent(void **state)
{
	(void) state;
	for (const struct opt *g = global_options; g->kind != OPT_KIND_END; g++) {
		check_entry(g);
		assert_ptr_equal(opt_find(global_options, g->long_name), g);
	}
	for (size_t i = 0; command_table[i]; i++) {
		const struct command *cmd = command_table[i];

		assert_ptr_equal(command_find(cmd->name), cmd);
		assert_non_null(cmd->summary);
		assert_non_null(cmd->run);
		if (cmd->operand)
			assert_non_null(cmd->operand_needed);
		for (const struct opt *opt = cmd->options; opt->kind != OPT_KIND_END; opt++) {
			check_entry(opt);
			if (opt_find(global_options, opt->long_name))
				fail_msg("%s's --%s is also a global option", cmd->name,
					 opt->long_name);
			assert_ptr_equal(opt_find(cmd->options, opt->long_name), opt);
			for (size_t j = 0; command_table[j]; j++) {
				const struct opt *other = opt_find(command_table[j]->options,
								   opt->long_name);

				if (other)
					check_same(opt, other);
			}
		}
	}
	assert_null(command_find("frobnicate"));
}

/* The row of opt in --help, after its newline. */
static bool has_row(const char *help, const struct opt *opt)
{
	char row[128];

	if (opt->short_name)
		snprintf(row, sizeof(row), "\n  -%c, --%s", opt->short_name, opt->long_name);
	else
		snprintf(row, sizeof(row), "\n      --%s", opt->long_name);
	return strstr(help, row) != NULL;
}

static void check_widths(const char *help)
{
	for (const char *line = help; *line;) {
		size_t len = strcspn(line, "\n");

		if (len > 79)
			fail_msg("a line of --help is %zu characters long: %.*s", len, (int) len,
				 line);
		line += len + (line[len] == '\n');
	}
}

/* --help shows every table; a command's --help its own options and the global ones, no others. */
static void help_comes_from_the_tables(void **state)
{
	char *all = help_of(NULL);

	(void) state;
	check_widths(all);
	for (const struct opt *g = global_options; g->kind != OPT_KIND_END; g++)
		assert_true(has_row(all, g));
	for (size_t i = 0; command_table[i]; i++) {
		const struct command *cmd = command_table[i];
		char *one = help_of(cmd);
		char line[64];

		check_widths(one);
		snprintf(line, sizeof(line), "\n  %s", cmd->name);
		assert_non_null(strstr(all, line));
		snprintf(line, sizeof(line), "  pgrepl [OPTION]... %s", cmd->name);
		assert_non_null(strstr(one, line));
		for (const struct opt *g = global_options; g->kind != OPT_KIND_END; g++)
			assert_true(has_row(one, g));
		for (size_t j = 0; command_table[j]; j++)
			for (const struct opt *opt = command_table[j]->options;
			     opt->kind != OPT_KIND_END; opt++) {
				assert_true(has_row(all, opt));
				if (has_row(one, opt) !=
				    (opt_find(cmd->options, opt->long_name) != NULL))
					fail_msg("\"pgrepl %s --help\" %s --%s", cmd->name,
						 has_row(one, opt) ? "shows" : "lacks",
						 opt->long_name);
			}
		free(one);
	}
	assert_non_null(strstr(all, "  pgrepl [OPTION]... set-password ROLE "
				    "--password-file=FILE\n"));
	free(all);
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
		cmocka_unit_test(stray_options_name_their_commands),
		cmocka_unit_test(many_options),
		cmocka_unit_test(usage_error_messages),
		cmocka_unit_test(help_for_a_command),
		cmocka_unit_test(tables_are_consistent),
		cmocka_unit_test(help_comes_from_the_tables),
	};

	log_init("pgrepl");
	/* Usage errors are printed; keep the test output to TAP lines. */
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
