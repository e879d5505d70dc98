/*
 * test_replab_ready.c — reading the VMs' serial logs: markers after NUL
 * bytes and bytes that are not UTF-8, markers split between reads, a log
 * read from where the last read stopped (appended to, truncated, replaced),
 * a 100 MB log read quickly in bounded memory, and the end of a log shown
 * safely on a terminal; ready_wait itself over a state directory whose
 * "QEMU" processes are sleep(1) stand-ins; also str_sanitize_terminal.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "clock.h"
#include "jansson.h"
#include "lab/proc.h"
#include "lab/ready.h"
#include "strutil.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <limits.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

static const char *const markers[] = { "Linux version", "replab-ready: postgres role=primary",
				       "replab-ready: failed" };
#define N_MARKERS 3
#define BIT(i)	  (UINT32_C(1) << (i))

struct log_file {
	char dir[32];
	char path[64];
};

static struct log_file *log_new(void)
{
	struct log_file *l = calloc(1, sizeof(*l));

	snprintf(l->dir, sizeof(l->dir), "/tmp/test-ready.XXXXXX");
	assert_non_null(mkdtemp(l->dir));
	snprintf(l->path, sizeof(l->path), "%s/primary.serial.log", l->dir);
	return l;
}

static void log_append(const struct log_file *l, const char *data, size_t len)
{
	int fd = open(l->path, O_WRONLY | O_CREAT | O_APPEND, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t) len);
	close(fd);
}

static void log_free(struct log_file *l)
{
	unlink(l->path);
	rmdir(l->dir);
	free(l);
}

static void markers_after_nul_bytes(void **state)
{
	static const char text[] = "\0\0garbage \xff\xfe\x1b[2J\r\n[    0.0] Linux version "
				   "6.1\0\r\nreplab-ready: postgres role=primary\n";
	struct serial_scan s;

	(void) state;
	serial_scan_init(&s, markers, N_MARKERS);
	serial_scan_feed(&s, text, sizeof(text) - 1);
	assert_int_equal(s.seen, BIT(0) | BIT(1));
}

static void markers_split_between_reads(void **state)
{
	static const char text[] = "boot\nreplab-ready: postgres role=primary\n";
	size_t len = sizeof(text) - 1;

	(void) state;
	/* every split point, and one byte at a time */
	for (size_t cut = 0; cut <= len; cut++) {
		struct serial_scan s;

		serial_scan_init(&s, markers, N_MARKERS);
		serial_scan_feed(&s, text, cut);
		serial_scan_feed(&s, text + cut, len - cut);
		assert_int_equal(s.seen, BIT(1));
	}
	{
		struct serial_scan s;

		serial_scan_init(&s, markers, N_MARKERS);
		for (size_t i = 0; i < len; i++)
			serial_scan_feed(&s, text + i, 1);
		assert_int_equal(s.seen, BIT(1));
	}
}

static void no_false_marker_across_reads(void **state)
{
	struct serial_scan s;

	(void) state;
	serial_scan_init(&s, markers, N_MARKERS);
	serial_scan_feed(&s, "Linux ver", 9);
	serial_scan_feed(&s, "\nsion", 5);
	assert_int_equal(s.seen, 0);
}

static void reads_from_where_it_stopped(void **state)
{
	struct log_file *l = log_new();
	struct serial_scan s;

	(void) state;
	serial_scan_init(&s, markers, N_MARKERS);
	assert_false(serial_scan_file(&s, l->path)); /* QEMU has not made it yet */
	log_append(l, "[0.0] Linux ver", 15);
	assert_true(serial_scan_file(&s, l->path));
	assert_int_equal(s.offset, 15);
	assert_int_equal(s.seen, 0);
	log_append(l, "sion 6.1\r\n", 10);
	assert_true(serial_scan_file(&s, l->path));
	assert_int_equal(s.offset, 25);
	assert_int_equal(s.seen, BIT(0));
	assert_true(serial_scan_file(&s, l->path)); /* nothing new */
	assert_int_equal(s.offset, 25);

	/* truncated (a new boot): read again from the start */
	assert_int_equal(truncate(l->path, 0), 0);
	log_append(l, "replab-ready: failed\n", 21);
	assert_true(serial_scan_file(&s, l->path));
	assert_int_equal(s.offset, 21);
	assert_int_equal(s.seen, BIT(0) | BIT(2));

	/* replaced by another file, longer than what was read */
	{
		char other[80];
		int fd;

		snprintf(other, sizeof(other), "%s/other", l->dir);
		fd = open(other, O_WRONLY | O_CREAT, 0600);
		assert_int_equal(write(fd,
				       "0123456789012345678901234567890 replab-ready: postgres "
				       "role=primary\n",
				       68),
				 68);
		close(fd);
		assert_int_equal(rename(other, l->path), 0);
	}
	assert_true(serial_scan_file(&s, l->path));
	assert_int_equal(s.offset, 68);
	assert_true(s.seen & BIT(1));
	log_free(l);
}

static long max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void big_log_costs_nothing_extra(void **state)
{
	struct log_file *l = log_new();
	struct serial_scan s;
	off_t size = 100 * 1024 * 1024;
	long rss_before;
	double start, took;
	char *tail;
	int fd, polls = 0;

	(void) state;
	/* 100 MB of NUL bytes (sparse), then the milestone */
	fd = open(l->path, O_WRONLY | O_CREAT, 0600);
	assert_int_equal(ftruncate(fd, size), 0);
	close(fd);
	log_append(l, "\r\n\x1b[1mreplab-ready: postgres role=primary\x1b[0m\r\n", 47);
	rss_before = max_rss_kb();
	start = clock_now_ms();
	serial_scan_init(&s, markers, N_MARKERS);
	while (s.offset < size + 47 && polls++ < 10)
		assert_true(serial_scan_file(&s, l->path));
	took = clock_now_ms() - start;
	assert_int_equal(s.offset, size + 47);
	assert_int_equal(s.seen, BIT(1));
	print_message("# 100 MB log scanned in %.0f ms (%d polls)\n", took, polls);
	assert_true(took < 5000);
	/* memory: a chunk, not the log */
	assert_true(max_rss_kb() - rss_before < 16 * 1024);

	/* the next poll reads nothing: an idle log costs nothing */
	start = clock_now_ms();
	assert_true(serial_scan_file(&s, l->path));
	assert_true(clock_now_ms() - start < 50);

	/* the end shown on failure: read from the end, escapes made visible */
	tail = serial_tail(l->path, 25, 16384);
	assert_non_null(tail);
	assert_null(strchr(tail, '\x1b'));
	assert_non_null(strstr(tail, "^[[1mreplab-ready: postgres role=primary^[[0m\n"));
	assert_true(strlen(tail) < 16384 * 4);
	free(tail);
	log_free(l);
}

static void tail_shows_the_last_lines(void **state)
{
	struct log_file *l = log_new();
	char *tail;

	(void) state;
	log_append(l, "one\ntwo\r\nthree\x07\nfour\n", 21);
	tail = serial_tail(l->path, 2, 4096);
	assert_string_equal(tail, "three^G\nfour\n");
	free(tail);
	tail = serial_tail(l->path, 25, 4096);
	assert_string_equal(tail, "one\ntwo\nthree^G\nfour\n");
	free(tail);
	/* read from the start of a line: it is shown */
	tail = serial_tail(l->path, 25, 12);
	assert_string_equal(tail, "three^G\nfour\n");
	free(tail);
	/* read from the middle of a line: that line is left out */
	tail = serial_tail(l->path, 25, 10);
	assert_string_equal(tail, "four\n");
	free(tail);
	/* one long line: its end */
	tail = serial_tail(l->path, 25, 3);
	assert_string_equal(tail, "ur\n");
	free(tail);
	log_free(l);
	assert_null(serial_tail("/nonexistent/serial.log", 25, 4096));
}

static void check_sanitized(const char *in, size_t len, bool lines, const char *want)
{
	char *out = str_sanitize_terminal(in, len, lines);

	assert_string_equal(out, want);
	free(out);
}

static void terminal_text_is_made_safe(void **state)
{
	(void) state;
	check_sanitized("plain text", 10, false, "plain text");
	check_sanitized("\x1b]0;title\x07\x1b[2J", 14, false, "^[]0;title^G^[[2J");
	check_sanitized("a\0b", 3, false, "a^@b");
	check_sanitized("del\x7f", 4, false, "del^?");
	check_sanitized("l1\r\nl2\n", 7, false, "l1^M^Jl2^J");
	check_sanitized("l1\r\r\nl2\rx\n\ttab", 14, true, "l1\nl2^Mx\n\ttab");
	check_sanitized("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14, false,
			"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	check_sanitized("\xc2\x9b"
			"31m",
			5, false, "\\xC2\\x9B31m"); /* C1 CSI */
	check_sanitized("\x9b"
			"31m",
			4, false, "\\x9B31m");
	check_sanitized("\xff\xc3", 2, false, "\\xFF\\xC3");
	check_sanitized("\xc0\xaf", 2, false, "\\xC0\\xAF");	      /* overlong '/' */
	check_sanitized("\xed\xa0\x80", 3, false, "\\xED\\xA0\\x80"); /* a surrogate */
	check_sanitized("abc\xe2\x80\xae"
			"cba",
			9, false, "abc<U+202E>cba");
}

/* ---- ready_wait over a state directory with fake VMs ---- */

struct fake_lab {
	pid_t qemu[2]; /* stand-ins: their command line names the state directory */
};

/* One state directory for the run: lab_state_dir() reads REPLAB_STATE once. */
static const char *lab_dir(void)
{
	static char dir[40];

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/test-ready-lab.XXXXXX");
		assert_non_null(mkdtemp(dir));
		setenv("REPLAB_STATE", dir, 1);
	}
	return dir;
}

static void write_file(const char *dir, const char *name, const char *data, size_t len)
{
	char path[PATH_MAX];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t) len);
	close(fd);
}

/* Has pid exec'd, its command line naming the state directory? */
static bool execed(pid_t pid)
{
	char path[64], cmdline[256] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int) pid);
	if (!(f = fopen(path, "r")))
		return false;
	if (!fgets(cmdline, sizeof(cmdline), f))
		cmdline[0] = '\0';
	fclose(f);
	return strcmp(cmdline, lab_dir()) == 0;
}

static void fake_lab_up(struct fake_lab *lab)
{
	const char *dir = lab_dir();

	for (int i = 0; i < 2; i++) {
		lab->qemu[i] = fork();
		assert_true(lab->qemu[i] >= 0);
		if (lab->qemu[i] == 0) {
			execl("/bin/sleep", dir, "60", (char *) NULL);
			_exit(127);
		}
		for (int tries = 0; !execed(lab->qemu[i]) && tries < 200; tries++)
			clock_sleep_ms(10);
		/* recorded as the lab records its QEMUs (proc.h) */
		assert_true(proc_record(i == 0 ? "primary" : "replica", lab->qemu[i],
					(char *[]){ (char *) dir, "60", NULL }));
	}
}

static void fake_lab_down(struct fake_lab *lab)
{
	static const char *const files[] = { "primary.proc", "replica.proc", "primary.serial.log",
					     "replica.serial.log" };

	for (int i = 0; i < 2; i++) {
		kill(lab->qemu[i], SIGKILL);
		waitpid(lab->qemu[i], NULL, 0);
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/%s", lab_dir(), files[i]);
		unlink(path);
	}
}

static int remove_lab_dir(void **state)
{
	(void) state;
	rmdir(lab_dir());
	return 0;
}

/* ready_wait with its output in files (stdout's, stderr's) instead of the TAP stream */
static bool quiet_ready_wait(int timeout_s, json_t *timings, char **err_text)
{
	char out_path[] = "/tmp/test-ready-out.XXXXXX", err_path[] = "/tmp/test-ready-err.XXXXXX";
	int out = mkstemp(out_path), err = mkstemp(err_path), saved_out, saved_err;
	bool ok;
	FILE *f;
	size_t len = 0;

	assert_true(out >= 0 && err >= 0);
	fflush(stdout);
	fflush(stderr);
	saved_out = dup(STDOUT_FILENO);
	saved_err = dup(STDERR_FILENO);
	dup2(out, STDOUT_FILENO);
	dup2(err, STDERR_FILENO);
	ok = ready_wait(clock_now_ms(), timeout_s, timings);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_out, STDOUT_FILENO);
	dup2(saved_err, STDERR_FILENO);
	close(saved_out);
	close(saved_err);
	f = fopen(err_path, "r");
	assert_non_null(f);
	*err_text = NULL;
	assert_true(getdelim(err_text, &len, '\0', f) >= 0 || feof(f));
	if (!*err_text)
		*err_text = strdup("");
	fclose(f);
	close(out);
	close(err);
	unlink(out_path);
	unlink(err_path);
	return ok;
}

static void milestones_behind_nul_bytes_are_reached(void **state)
{
	static const char primary[] = "\0\0[0.0] Linux version 6.1\r\n\0cloud-init: running "
				      "'init-local'\r\n"
				      "\xff\xfe replab-ready: postgres role=primary\r\n";
	static const char replica[] = "Linux version\n\0running 'init\nreplica-bootstrap: copying "
				      "the primary\n"
				      "replab-ready: postgres role=replica\n\0\0replab-ready: "
				      "streaming role=replica\n";
	struct fake_lab lab;
	json_t *timings = json_object();
	char *err;

	(void) state;
	fake_lab_up(&lab);
	write_file(lab_dir(), "primary.serial.log", primary, sizeof(primary) - 1);
	write_file(lab_dir(), "replica.serial.log", replica, sizeof(replica) - 1);
	if (!quiet_ready_wait(5, timings, &err))
		fail_msg("ready_wait failed: %s", err);
	assert_non_null(json_object_get(timings, "primary: accepting connections"));
	assert_non_null(json_object_get(timings, "replica: streaming WAL from its upstream"));
	assert_int_equal(json_object_size(timings), 3 + 5);
	free(err);
	json_decref(timings);
	fake_lab_down(&lab);
}

static void failure_shows_the_log_safely(void **state)
{
	static const char replica[] = "Linux version\n\x1b]0;owned\x07\x1b[2Jsystemd: unit "
				      "failed\r\n"
				      "replab-ready: failed unit=replab-replica-bootstrap\r\n";
	struct fake_lab lab;
	json_t *timings = json_object();
	char *err;

	(void) state;
	fake_lab_up(&lab);
	write_file(lab_dir(), "primary.serial.log", "Linux version\n", 14);
	write_file(lab_dir(), "replica.serial.log", replica, sizeof(replica) - 1);
	assert_false(quiet_ready_wait(5, timings, &err));
	assert_non_null(strstr(err, "a lab service failed in the replica VM"));
	assert_non_null(strstr(err, "^[]0;owned^G^[[2Jsystemd: unit failed\n"));
	assert_null(strchr(err, '\x1b'));
	assert_null(strchr(err, '\x07'));
	assert_non_null(json_object_get(timings, "replica: kernel booting"));
	free(err);
	json_decref(timings);
	fake_lab_down(&lab);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(markers_after_nul_bytes),
		cmocka_unit_test(markers_split_between_reads),
		cmocka_unit_test(no_false_marker_across_reads),
		cmocka_unit_test(reads_from_where_it_stopped),
		cmocka_unit_test(big_log_costs_nothing_extra),
		cmocka_unit_test(tail_shows_the_last_lines),
		cmocka_unit_test(terminal_text_is_made_safe),
		cmocka_unit_test(milestones_behind_nul_bytes_are_reached),
		cmocka_unit_test(failure_shows_the_log_safely),
	};

	return cmocka_run_group_tests_name("ready", tests, NULL, remove_lab_dir);
}
