/*
 * test_replab_child.c — a daemon (child_start_detached) keeps none of our
 * descriptors beyond its stdio, even one of ours without close-on-exec
 * (say a lock the caller of replab holds); a plain child keeps it.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "child.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* The descriptors (besides 0, 1 and 2) a shell started as a daemon or not has, as "ls" says. */
static void open_fds(bool daemon, char *out, size_t len)
{
	char path[] = "/tmp/test_child.XXXXXX", script[256];
	char *argv[] = { "sh", "-c", script, NULL };
	int fd = mkstemp(path);
	FILE *f;

	assert_true(fd >= 0);
	close(fd);
	/* The shell's own descriptor for the listing is left out. */
	snprintf(script, sizeof(script),
		 "cd /proc/self/fd && ls | grep -vx '[012]' | tr '\\n' ' ' >%s.tmp && mv %s.tmp %s",
		 path, path, path);
	unlink(path);
	if (daemon)
		assert_true(child_start_detached(argv, NULL, NULL, NULL) > 0);
	else
		assert_int_equal(child_run(argv, NULL), 0);
	for (int i = 0; i < 100 && access(path, F_OK) != 0; i++)
		usleep(50000);
	f = fopen(path, "r");
	assert_non_null(f);
	out[0] = '\0';
	assert_non_null(fgets(out, (int) len, f) ? out : "");
	fclose(f);
	unlink(path);
}

static void daemon_keeps_no_descriptor(void **state)
{
	char fds[256], want[16];
	/* No O_CLOEXEC: inherited by default; high, so that no descriptor of ls's is taken for it.
	 */
	int null = open("/dev/null", O_RDONLY), held = fcntl(null, F_DUPFD, 200);

	(void) state;
	assert_true(held >= 200);
	close(null);
	snprintf(want, sizeof(want), "%d ", held);
	open_fds(false, fds, sizeof(fds));
	assert_non_null(strstr(fds, want));
	open_fds(true, fds, sizeof(fds));
	assert_null(strstr(fds, want));
	close(held);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(daemon_keeps_no_descriptor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
