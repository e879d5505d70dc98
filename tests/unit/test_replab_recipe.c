/*
 * test_replab_recipe.c — role recipe lines: the four actions, comments,
 * and the malformed lines "replab build" must refuse.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "log.h"
#include "images/recipe.h"

static void step_free(struct recipe_step *s)
{
	free(s->arg1);
	free(s->arg2);
}

static void parses_each_action(void **state)
{
	struct recipe_step s;
	const char *why = NULL;

	(void) state;
	assert_int_equal(recipe_parse_line("enable replab-postgres.service\n", &s, &why), 1);
	assert_int_equal(s.verb, RECIPE_ENABLE);
	assert_string_equal(s.arg1, "replab-postgres.service");
	assert_null(s.arg2);
	step_free(&s);

	assert_int_equal(recipe_parse_line("  move /a/b\t/c/d\n", &s, &why), 1);
	assert_int_equal(s.verb, RECIPE_MOVE);
	assert_string_equal(s.arg1, "/a/b");
	assert_string_equal(s.arg2, "/c/d");
	step_free(&s);

	assert_int_equal(recipe_parse_line("remove /var/lib/x", &s, &why), 1);
	assert_int_equal(s.verb, RECIPE_REMOVE);
	step_free(&s);

	assert_int_equal(recipe_parse_line("write /etc/replab/role  two words \n", &s, &why), 1);
	assert_int_equal(s.verb, RECIPE_WRITE);
	assert_string_equal(s.arg1, "/etc/replab/role");
	assert_string_equal(s.arg2, "two words");
	step_free(&s);
}

static void skips_blank_and_comment_lines(void **state)
{
	struct recipe_step s;
	const char *why = NULL;

	(void) state;
	assert_int_equal(recipe_parse_line("\n", &s, &why), 0);
	assert_int_equal(recipe_parse_line("   \t\n", &s, &why), 0);
	assert_int_equal(recipe_parse_line("# enable x.service\n", &s, &why), 0);
}

static void refuses_malformed_lines(void **state)
{
	static const char *const bad[] = {
		"frobnicate /x",       "enable",    "enable a.service b.service", "move /a",
		"move /a /b /c",       "remove",    "remove relative/path",	  "write /etc/role",
		"write relative text", "move a /b",
	};
	struct recipe_step s;

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *why = NULL;

		assert_int_equal(recipe_parse_line(bad[i], &s, &why), -1);
		assert_non_null(why);
	}
}

static void loads_the_shipped_recipes(void **state)
{
	struct recipe r;

	(void) state;
	assert_true(recipe_load(SOURCE_ROOT "/images/roles/primary.role", &r));
	assert_string_equal(r.role, "primary");
	assert_true(r.nsteps >= 3);
	recipe_free(&r);
	assert_true(recipe_load(SOURCE_ROOT "/images/roles/replica.role", &r));
	assert_string_equal(r.role, "replica");
	recipe_free(&r);
	assert_false(recipe_load(SOURCE_ROOT "/images/roles/nonexistent.role", &r));
	recipe_free(&r);
}

static void parses_lines_of_any_length(void **state)
{
	char text[3100];
	struct recipe r = { 0 };

	(void) state;
	/* a write longer than any line buffer stays one step */
	strcpy(text, "write /etc/long ");
	memset(text + 16, 'x', 3000);
	strcpy(text + 3016, " remove /\nenable a.service");
	assert_true(recipe_parse(text, strlen(text), "long.role", &r));
	assert_int_equal(r.nsteps, 2);
	assert_int_equal(strlen(r.steps[0].arg2), 3000 + 9);
	assert_int_equal(r.steps[1].line, 2);
	recipe_free(&r);
	/* a NUL byte would hide the rest of its line */
	assert_false(recipe_parse("remove /a\0 /b\n", 14, "nul.role", &r));
	recipe_free(&r);
	assert_true(recipe_parse("", 0, "empty.role", &r));
	assert_int_equal(r.nsteps, 0);
	recipe_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(parses_each_action),
		cmocka_unit_test(skips_blank_and_comment_lines),
		cmocka_unit_test(refuses_malformed_lines),
		cmocka_unit_test(loads_the_shipped_recipes),
		cmocka_unit_test(parses_lines_of_any_length),
	};

	log_init("replab");
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests_name("recipe", tests, NULL, NULL);
}
