/*
 * test_replab_fileread.c — file_read_all: a file whole, NUL bytes and all,
 * an empty one and one past the first buffer; one past the limit refused
 * with EFBIG; a missing one with the system's error.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "fileread.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char path[] = "/tmp/test_fileread.XXXXXX";

/* A temporary file holding len bytes of text. */
static void write_file(const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static int make_path(void **state)
{
	int fd = mkstemp(path);

	(void) state;
	return fd < 0 ? -1 : close(fd);
}

static int remove_path(void **state)
{
	(void) state;
	return unlink(path);
}

/* Write len bytes of text and read them back within max: the same bytes, then a NUL. */
static void reads_back(const char *text, size_t len, size_t max)
{
	size_t got = len + 1;
	char *back;

	write_file(text, len);
	back = file_read_all(path, max, &got);
	assert_non_null(back);
	assert_int_equal(got, len);
	assert_memory_equal(back, text, len);
	assert_int_equal(back[len], '\0');
	free(back);
}

static void reads_a_file_whole(void **state)
{
	(void) state;
	reads_back("a\0b\n", 4, 4);
	reads_back("", 0, 0);
}

static void reads_past_the_first_buffer(void **state)
{
	size_t n = 200000;
	char *big = malloc(n);

	(void) state;
	assert_non_null(big);
	memset(big, 'x', n);
	reads_back(big, n, n);
	errno = 0;
	assert_null(file_read_all(path, n - 1, NULL));
	assert_int_equal(errno, EFBIG);
	free(big);
}

/* A file past the limit is refused with EFBIG, a missing one with the system's error. */
static void says_why_it_refused(void **state)
{
	(void) state;
	write_file("12345", 5);
	errno = 0;
	assert_null(file_read_all(path, 4, NULL));
	assert_int_equal(errno, EFBIG);
	errno = 0;
	assert_null(file_read_all("/nonexistent/replab", 10, NULL));
	assert_int_equal(errno, ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(reads_a_file_whole),
					    cmocka_unit_test(reads_past_the_first_buffer),
					    cmocka_unit_test(says_why_it_refused) };

	return cmocka_run_group_tests_name("fileread", tests, make_path, remove_path);
}
