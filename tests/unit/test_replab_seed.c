/*
 * test_replab_seed.c — filling in the cloud-init templates: plain values,
 * multi-line values in YAML block scalars, unknown placeholders; and
 * quoting command words for the VM's shell.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lab/seed.h"
#include "lab/ssh.h"

static const struct seed_var vars[] = {
	{ "LAB_PASSWORD", "s3cret" },
	{ "KEY", "-----BEGIN-----\nline2\n-----END-----\n" },
};

static void fills_in_values(void **state)
{
	char *unknown, *out;

	(void) state;
	out = seed_render("content: \"@LAB_PASSWORD@\"\nx: @LAB_PASSWORD@@LAB_PASSWORD@\n", vars, 2,
			  &unknown);
	assert_non_null(out);
	assert_string_equal(out, "content: \"s3cret\"\nx: s3crets3cret\n");
	free(out);
}

static void indents_multi_line_values(void **state)
{
	char *unknown, *out;

	(void) state;
	out = seed_render("    content: |\n      @KEY@\nnext: 1\n", vars, 2, &unknown);
	assert_non_null(out);
	assert_string_equal(out, "    content: |\n      -----BEGIN-----\n      line2\n      "
				 "-----END-----\n\nnext: 1\n");
	free(out);
}

static void leaves_other_at_signs_alone(void **state)
{
	char *unknown, *out;

	(void) state;
	out = seed_render("mail: a@example.com @ @lower@ @\n", vars, 2, &unknown);
	assert_non_null(out);
	assert_string_equal(out, "mail: a@example.com @ @lower@ @\n");
	free(out);
}

static void refuses_unknown_placeholders(void **state)
{
	char *unknown = NULL;

	(void) state;
	assert_null(seed_render("a: @LAB_PASSWORD@\nb: @NO_SUCH_THING@\n", vars, 2, &unknown));
	assert_string_equal(unknown, "NO_SUCH_THING");
	free(unknown);
}

static void quotes_words_for_the_shell(void **state)
{
	char *q;

	(void) state;
	q = ssh_quote("plain");
	assert_string_equal(q, "'plain'");
	free(q);
	q = ssh_quote("it's $HOME; rm -rf /");
	assert_string_equal(q, "'it'\\''s $HOME; rm -rf /'");
	free(q);
	q = ssh_quote("");
	assert_string_equal(q, "''");
	free(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fills_in_values),
		cmocka_unit_test(indents_multi_line_values),
		cmocka_unit_test(leaves_other_at_signs_alone),
		cmocka_unit_test(refuses_unknown_placeholders),
		cmocka_unit_test(quotes_words_for_the_shell),
	};

	return cmocka_run_group_tests_name("seed", tests, NULL, NULL);
}
