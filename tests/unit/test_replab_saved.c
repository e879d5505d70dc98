/*
 * test_replab_saved.c — the saved lab's directory and key (lab/saved.c)
 * in a scratch REPLAB_SAVED: a complete one is found for its own key; for
 * another key it is refused with what differs; a file of the wrong size
 * or a hostile manifest makes it damaged; an unfinished save (lab.tmp) is never taken for one;
 * forget removes it; while another process holds the saved lab's lock it is
 * neither restored, saved over nor forgotten; a directory that is not
 * replab's is left untouched.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "lab/saved.h"
#include "log.h"
#include "strutil.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[PATH_MAX], saved[PATH_MAX + 16];

static json_t *key(int memory_mb)
{
	return json_pack("{s:i,s:i,s:i,s:{s:s}}", "format", 1, "memory_mb", memory_mb, "cpus", 1,
			 "images", "vmlinuz", "1 2 3");
}

/* A saved lab with one file, primary.ram, of n bytes, for key(512). */
static void save_one(size_t n)
{
	char *bytes = calloc(1, n + 1);
	json_t *k = key(512);
	int fd;

	assert_true(saved_begin());
	fd = saved_create("primary.ram");
	assert_true(fd >= 0);
	assert_int_equal(write(fd, bytes, n), (ssize_t) n);
	close(fd);
	assert_true(saved_commit(k));
	json_decref(k);
	free(bytes);
}

static enum saved_found find(int memory_mb, char **why)
{
	json_t *k = key(memory_mb), *manifest = NULL;
	enum saved_found f = saved_find(k, why, &manifest);

	json_decref(k);
	json_decref(manifest);
	return f;
}

static void found_for_its_key_only(void **state)
{
	char path[PATH_MAX], *why = NULL;
	struct stat st;

	(void) state;
	assert_int_equal(find(512, &why), SAVED_NONE);
	save_one(4096);
	assert_int_equal(stat(saved, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(stat(saved_path(false, "primary.ram", path, sizeof(path)), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_not_equal(access(saved_path(true, NULL, path, sizeof(path)), F_OK), 0);
	assert_int_equal(find(512, &why), SAVED_MATCH);
	assert_null(why);
	assert_int_equal(find(768, &why), SAVED_OTHER);
	assert_string_equal(why, "--memory (saved with 512, now 768)");
	free(why);
	assert_true(saved_bytes() > 0);
}

static void truncated_is_damaged(void **state)
{
	char path[PATH_MAX], *why = NULL;

	(void) state;
	save_one(8192);
	assert_int_equal(truncate(saved_path(false, "primary.ram", path, sizeof(path)), 100), 0);
	assert_int_equal(find(512, &why), SAVED_BAD);
	assert_non_null(strstr(why, "primary.ram is 100 bytes, it was saved with 8192"));
	free(why);
}

/* A manifest is a file: one naming files outside the saved lab, or no JSON, is damage. */
static void hostile_manifest_is_damaged(void **state)
{
	static const char *const manifests[] = {
		"{\"key\": {}, \"files\": {\"../../etc/passwd\": 1}}",
		"{\"key\": {}, \"files\": {\"..\": 4096}}",
		"{\"key\": {}, \"files\": {\"primary.ram\": \"64\"}}",
		"{\"key\": [], \"files\": {}}",
		"not json",
	};
	char path[PATH_MAX], *why = NULL;

	(void) state;
	for (size_t i = 0; i < sizeof(manifests) / sizeof(manifests[0]); i++) {
		FILE *f;

		save_one(64);
		f = fopen(saved_path(false, "manifest.json", path, sizeof(path)), "w");
		assert_non_null(f);
		fputs(manifests[i], f);
		fclose(f);
		assert_int_equal(find(512, &why), SAVED_BAD);
		assert_non_null(why);
		free(why);
	}
}

/* A save cut short leaves lab.tmp; the complete one stays what is found. */
static void unfinished_save_ignored(void **state)
{
	char *why = NULL;
	int fd;

	(void) state;
	save_one(64);
	assert_true(saved_begin());
	fd = saved_create("primary.ram");
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(find(512, &why), SAVED_MATCH);
	saved_abort();
	assert_int_equal(find(512, &why), SAVED_MATCH);
}

static void forget_removes_it(void **state)
{
	char *why = NULL;

	(void) state;
	save_one(64);
	assert_true(saved_forget(false));
	assert_int_not_equal(access(saved, F_OK), 0);
	assert_int_equal(find(512, &why), SAVED_NONE);
	assert_int_equal(saved_bytes(), -1);
}

/* A child saves a lab and keeps its lock: this process may not use it meanwhile. */
static void another_replabs_lock_refused(void **state)
{
	char *why = NULL, c;
	int ready[2];
	pid_t child;

	(void) state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		save_one(64);
		if (write(ready[1], "s", 1) == 1)
			pause();
		_exit(1);
	}
	assert_int_equal(read(ready[0], &c, 1), 1);
	assert_int_equal(find(512, &why), SAVED_OTHER);
	assert_string_equal(why, "another replab is saving, restoring or forgetting it");
	free(why);
	assert_false(saved_begin());
	assert_false(saved_forget(false));
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(ready[0]);
	close(ready[1]);
	assert_int_equal(find(512, &why), SAVED_MATCH);
	assert_true(saved_forget(false));
}

/* Without the marker it is not replab's: found as nothing, kept as it is. */
static void foreign_directory_untouched(void **state)
{
	char path[PATH_MAX + 32], *why = NULL;
	int fd;

	(void) state;
	assert_int_equal(mkdir(saved, 0700), 0);
	xsnprintf(path, sizeof(path), "%s/lab", saved);
	assert_int_equal(mkdir(path, 0700), 0);
	xsnprintf(path, sizeof(path), "%s/lab/mine", saved);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(find(512, &why), SAVED_NONE);
	assert_false(saved_forget(false));
	assert_false(saved_begin());
	assert_int_equal(access(path, F_OK), 0);
	unlink(path);
	xsnprintf(path, sizeof(path), "%s/lab", saved);
	rmdir(path);
	rmdir(saved);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(found_for_its_key_only),
		cmocka_unit_test(truncated_is_damaged),
		cmocka_unit_test(hostile_manifest_is_damaged),
		cmocka_unit_test(unfinished_save_ignored),
		cmocka_unit_test(forget_removes_it),
		cmocka_unit_test(another_replabs_lock_refused),
		cmocka_unit_test(foreign_directory_untouched),
	};
	char tmpl[] = "/tmp/replab-saved-test.XXXXXX";
	int rc;

	log_init("replab");
	if (!mkdtemp(tmpl) || (!getenv("TEST_STDERR") && !freopen("/dev/null", "w", stderr)))
		return 1;
	xsnprintf(root, sizeof(root), "%s", tmpl);
	xsnprintf(saved, sizeof(saved), "%s/saved", root);
	setenv("REPLAB_SAVED", saved, 1);
	rc = cmocka_run_group_tests_name("saved", tests, NULL, NULL);
	saved_forget(false);
	rmdir(root);
	return rc;
}
