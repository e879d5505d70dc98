/*
 * test_replab_report.c — "replab report" against hostile and malformed
 * results: no string of the document reaches gnuplot's script, labels come
 * out printable and unquotable, every wrong member is refused by name; end
 * to end (when gnuplot is installed), a crafted file draws without running
 * anything and leaves nothing behind.  Also the JSON files' helpers.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "commands.h"
#include "lab/jsonfile.h"
#include "log.h"
#include "experiments/report.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Names meant to break out of a gnuplot string or run a command. */
static const char *const hostile[] = {
	"x' ; system('touch PWNED'); print '",
	"`touch PWNED`",
	"a\"; system(\"touch PWNED\") #",
	"line1\nline2\rline3\tend",
	"@macro {/Symbol a} ^{up}_{down} \\n \\\" end",
	"\x1b[31mred\x1b[0m \xc3\xa9 \xe2\x80\xae",
	"'\n!touch PWNED\n'",
};
#define N_HOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static json_t *parse(const char *text)
{
	json_error_t err;
	json_t *doc = json_loads(text, JSON_DECODE_ANY, &err);

	if (!doc)
		fail_msg("test document does not parse: %s: %s", err.text, text);
	return doc;
}

/*
 * The refusals are expected, and read back with log_last_error(): while on,
 * the code's diagnostics (stdio's stderr) go nowhere; cmocka's do not.
 */
static void hush(bool on)
{
	static FILE *null, *real;

	if (!null)
		null = fopen("/dev/null", "w");
	if (on && null) {
		real = stderr;
		stderr = null;
	} else if (!on && real)
		stderr = real;
}

static enum report_result build(json_t *doc, struct report *r)
{
	enum report_result result;

	hush(true);
	result = report_build(r, doc, "test.json");
	hush(false);
	report_close(r);
	return result;
}

static const char *data_text(const struct report *r, const char *name)
{
	for (int i = 0; i < r->nfiles; i++)
		if (strcmp(r->files[i].name, name) == 0)
			return r->files[i].text;
	fail_msg("no data file %s", name);
	return NULL;
}

/* A timeline whose experiment and events carry the hostile names. */
static json_t *hostile_timeline(void)
{
	json_t *doc = json_pack("{s:s,s:[{s:f,s:i},{s:f,s:n},{s:f,s:i}],s:[]}", "experiment",
				hostile[0], "samples", "t_ms", 0.0, "lag_bytes", 0, "t_ms", 100.0,
				"lag_bytes", "t_ms", 200.0, "lag_bytes", 512, "events");

	for (size_t i = 0; i < N_HOSTILE; i++)
		json_array_append_new(json_object_get(doc, "events"),
				      json_pack("{s:f,s:s}", "t_ms", 50.0 + (double) i, "event",
						hostile[i]));
	return doc;
}

static void script_holds_no_document_text(void **state)
{
	json_t *doc = hostile_timeline();
	struct report r;

	(void) state;
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_null(strstr(r.gp_text, "PWNED"));
	assert_null(strstr(r.gp_text, "system"));
	assert_null(strchr(r.gp_text, '`'));
	assert_null(strstr(r.gp_text, "macro"));
	assert_non_null(strstr(r.gp_text, "set terminal pngcairo"));
	assert_null(strstr(r.gp_text, "set output")); /* the PNG goes to standard output */
	/* an unknown experiment's name is not in the title */
	assert_non_null(strstr(r.gp_text, "set title 'replication lag seen by the primary'"));
	assert_non_null(strstr(r.gp_text, "'events.dat' using 1:(0.03):2 axes x1y2 with labels "
					  "noenhanced"));
	report_free(&r);
	json_decref(doc);
}

static void labels_are_printable_and_unquotable(void **state)
{
	json_t *doc = hostile_timeline();
	struct report r;
	const char *events;

	(void) state;
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	events = data_text(&r, "events.dat");
	/* one line per event, "seconds<TAB>"label"", nothing but printable ASCII in the label */
	for (const char *line = events; *line; line = strchr(line, '\n') + 1) {
		const char *q = strchr(line, '"'), *end = strchr(line, '\n');

		assert_non_null(q);
		assert_true(q > line && q[-1] == '\t');
		assert_true(end[-1] == '"');
		for (const char *c = q + 1; c < end - 1; c++) {
			assert_true(*c >= 0x20 && *c < 0x7F);
			assert_true(*c != '"' && *c != '\\');
		}
	}
	assert_non_null(strstr(events, "\"a'; system('touch PWNED') #\""));
	assert_non_null(strstr(events, "\"line1?line2?line3?end\""));
	assert_non_null(strstr(events, "\"@macro {/Symbol a} ^{up}_{down} /n /' end\""));
	assert_non_null(strstr(events, "\"?[31mred?[0m ? ?\""));
	assert_string_equal(data_text(&r, "lag.dat"), "0.000\t0\n0.100\tNaN\n0.200\t512\n");
	report_free(&r);
	json_decref(doc);
}

static void long_labels_are_cut(void **state)
{
	char name[500], doc_text[700];
	struct report r;
	json_t *doc;

	(void) state;
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(doc_text, sizeof(doc_text),
		 "{\"experiment\":\"rpo\",\"summary\":[{\"mode\":\"%s\",\"p50_ms\":1,\"p99_ms\":2,"
		 "\"lost\":0}]}",
		 name);
	doc = parse(doc_text);
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_int_equal(strcspn(data_text(&r, "rpo.dat"), "\t"),
			 REPORT_LABEL_MAX + 5); /* quotes and "..." */
	report_free(&r);
	json_decref(doc);
}

static void refuses_malformed_documents(void **state)
{
	static const char *const bad[] = {
		"[1, 2]",
		"\"rpo\"",
		"{\"experiment\": 5}",
		"{\"samples\": []}",
		"{\"experiment\": \"x\", \"samples\": {}}",
		"{\"experiment\": \"x\", \"samples\": [5]}",
		"{\"experiment\": \"x\", \"samples\": [{\"lag_bytes\": 1}]}",
		"{\"experiment\": \"x\", \"samples\": [{\"t_ms\": \"1\"}]}",
		"{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1e300}]}",
		"{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1, \"lag_bytes\": \"big\"}]}",
		"{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1}], \"events\": [{\"t_ms\": "
		"1}]}",
		"{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1}], \"events\": [{\"event\": "
		"\"e\"}]}",
		"{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1}], \"events\": \"e\"}",
		"{\"experiment\": \"x\", \"load\": []}",
		"{\"experiment\": \"x\", \"load\": {\"acks_per_100ms\": [1, -2]}}",
		"{\"experiment\": \"x\", \"load\": {\"acks_per_100ms\": [true]}}",
		"{\"experiment\": \"rpo\", \"summary\": {}}",
		"{\"experiment\": \"rpo\", \"summary\": [1]}",
		"{\"experiment\": \"rpo\", \"summary\": [{\"mode\": 1, \"p50_ms\": 1, \"p99_ms\": "
		"1, \"lost\": 0}]}",
		"{\"experiment\": \"rpo\", \"summary\": [{\"mode\": \"a\", \"p50_ms\": 1, "
		"\"p99_ms\": 1}]}",
		"{\"experiment\": \"rpo\", \"trials\": \"3\", \"summary\": []}",
		"{\"experiment\": \"rpo\", \"summary\": [{\"mode\": \"a\", \"p50_ms\": 1, "
		"\"p99_ms\": 1, \"lost\": 0, \"trials\": 2, \"trials_with_loss\": 3, "
		"\"loss_ci95\": [0, 1]}]}",
		"{\"experiment\": \"rpo\", \"summary\": [{\"mode\": \"a\", \"p50_ms\": 1, "
		"\"p99_ms\": 1, \"lost\": 0, \"trials\": 2, \"trials_with_loss\": 1, "
		"\"loss_ci95\": [0.9, 0.1]}]}",
		"{\"experiment\": \"rpo\", \"summary\": [{\"mode\": \"a\", \"p50_ms\": 1, "
		"\"p99_ms\": 1, \"lost\": 0, \"trials\": 2, \"trials_with_loss\": 1, "
		"\"loss_ci95\": 0.5}]}",
		"{\"experiment\": \"failover-under-load\", \"summary\": {\"modes\": [{\"runs\": "
		"[{\"detection_ms\": -1, \"promote_ms\": 1, \"client_downtime_ms\": 1, "
		"\"lost_writes\": 0}, {}]}]}}",
		"{\"experiment\": \"split-brain\", \"summary\": []}",
		"{\"experiment\": \"split-brain\", \"summary\": {\"rows\": []}}",
		"{\"experiment\": \"split-brain\", \"summary\": {\"rows\": {\"old_primary\": "
		"[1]}}}",
		"{\"experiment\": \"split-brain\", \"summary\": {\"rows\": {\"old_primary\": "
		"[\"x:old primary\"]}}}",
		"{\"experiment\": \"split-brain\", \"summary\": {\"rows\": {\"new_primary\": "
		"[\"99999999999999999999\"]}}}",
		"{\"experiment\": \"flaky-link\", \"rows\": [1], \"columns\": [\"c\"]}",
		"{\"experiment\": \"flaky-link\", \"rows\": [\"r\"], \"columns\": \"c\"}",
		"{\"experiment\": \"flaky-link\", \"rows\": [\"r\"], \"columns\": [\"c\"], "
		"\"cells\": [{\"row\": 1, \"column\": 0, \"per_minute\": 0, "
		"\"false_detections\": 0, \"watched_ms\": 1}]}",
		"{\"experiment\": \"flaky-link\", \"rows\": [\"r\"], \"columns\": [\"c\"], "
		"\"cells\": [{\"row\": 0.5, \"column\": 0, \"per_minute\": 0, "
		"\"false_detections\": 0, \"watched_ms\": 1}]}",
		"{\"experiment\": \"flaky-link\", \"rows\": [\"r\"], \"columns\": [\"c\"], "
		"\"cells\": [{\"row\": 0, \"column\": 0, \"per_minute\": -1, "
		"\"false_detections\": 0, \"watched_ms\": 1}]}",
		"{\"experiment\": \"flaky-link\", \"rows\": [\"r\"], \"columns\": [\"c\"], "
		"\"cells\": [{\"row\": 0, \"column\": 0, \"per_minute\": 0, "
		"\"false_detections\": 0}]}",
		"{\"experiment\": \"flaky-link\", \"rows\": [\"r\"], \"columns\": [\"c\"], "
		"\"cells\": [{\"row\": 0, \"column\": 0, \"per_minute\": 0, "
		"\"false_detections\": 0, \"watched_ms\": 1}], \"detections\": [{\"row\": 0, "
		"\"after_crash_ms\": \"soon\"}]}",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc = parse(bad[i]);
		struct report r;

		if (build(doc, &r) != REPORT_INVALID)
			fail_msg("accepted: %s", bad[i]);
		assert_true(strncmp(log_last_error(), "test.json: ", 11) == 0);
		report_free(&r);
		json_decref(doc);
	}
}

static void names_the_member_at_fault(void **state)
{
	json_t *doc = parse("{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1}, {\"t_ms\": 2, "
			    "\"lag_bytes\": [1]}]}");
	struct report r;

	(void) state;
	assert_int_equal(build(doc, &r), REPORT_INVALID);
	assert_string_equal(log_last_error(), "test.json: samples[1].lag_bytes is an array, not a "
					      "number");
	report_free(&r);
	json_decref(doc);
}

static void refuses_huge_arrays(void **state)
{
	json_t *doc = parse("{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1}], \"events\": "
			    "[]}");
	json_t *events = json_object_get(doc, "events");
	struct report r;

	(void) state;
	for (int i = 0; i <= REPORT_MAX_LABELS; i++)
		json_array_append_new(events, json_pack("{s:i,s:s}", "t_ms", i, "event", "e"));
	assert_int_equal(build(doc, &r), REPORT_INVALID);
	assert_non_null(strstr(log_last_error(), "events has 1001 elements"));
	report_free(&r);
	json_decref(doc);
}

static void nothing_to_draw(void **state)
{
	static const char *const empty[] = {
		"{\"experiment\": \"wal-retention\"}",
		"{\"experiment\": \"x\", \"samples\": [], \"events\": [{\"t_ms\": 1, \"event\": "
		"\"e\"}]}",
		"{\"experiment\": \"rpo\", \"summary\": []}",
		"{\"experiment\": \"split-brain\", \"summary\": {\"rows\": {}}}",
		"{\"experiment\": \"flaky-link\"}",
		"{\"experiment\": \"flaky-link\", \"rows\": [\"r\"], \"columns\": [\"c\"], "
		"\"cells\": []}",
	};

	(void) state;
	for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
		json_t *doc = parse(empty[i]);
		struct report r;

		assert_int_equal(build(doc, &r), REPORT_EMPTY);
		report_free(&r);
		json_decref(doc);
	}
}

static void draws_each_kind(void **state)
{
	json_t *doc;
	struct report r;

	(void) state;
	doc = parse("{\"experiment\": \"rpo\", \"trials\": 3, \"summary\": [{\"mode\": \"async\", "
		    "\"p50_ms\": 1.5,"
		    " \"p99_ms\": 3, \"lost\": 2}]}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_string_equal(data_text(&r, "rpo.dat"), "\"async\"\t1.500\t3.000\t2\n");
	assert_string_equal(data_text(&r, "trials.dat"), "3\n");
	assert_non_null(strstr(r.gp_text, "stats 'trials.dat' using 1 nooutput"));
	report_free(&r);
	json_decref(doc);

	/* With the trials' interval: a second panel, error bars in percent. */
	doc = parse(
		"{\"experiment\": \"rpo\", \"trials\": 5, \"summary\": [{\"mode\": \"async\", "
		"\"p50_ms\": 1, \"p99_ms\": 2, \"lost\": 4, \"trials\": 5, \"trials_with_loss\": 2,"
		" \"loss_ci95\": [0.05274, 0.85337]}, {\"mode\": \"sync\", \"p50_ms\": 2, "
		"\"p99_ms\": 3, \"lost\": 0, \"trials\": 5, \"trials_with_loss\": 0, "
		"\"loss_ci95\": [0, 0.45072]}]}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_string_equal(data_text(&r, "loss.dat"),
			    "\"async\"\t40.000\t5.274\t85.337\n\"sync\"\t0.000\t0.000\t45.072\n");
	assert_non_null(strstr(r.gp_text, "with yerrorbars"));
	report_free(&r);
	json_decref(doc);

	/* failover-under-load with trials: a bar group per trial. */
	doc = parse("{\"experiment\": \"failover-under-load\", \"summary\": {\"modes\": [{\"runs\":"
		    " [{\"detection_ms\": 1500, \"promote_ms\": 300, \"client_downtime_ms\": 2100,"
		    " \"lost_writes\": 3}, {\"detection_ms\": 1400, \"promote_ms\": 250,"
		    " \"client_downtime_ms\": 1900, \"lost_writes\": 0}]}]}}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_string_equal(data_text(&r, "runs.dat"),
			    "1\t1500.0\t300.0\t2100.0\t3\n2\t1400.0\t250.0\t1900.0\t0\n");
	report_free(&r);
	json_decref(doc);

	doc = parse("{\"experiment\": \"split-brain\", \"summary\": {\"rows\": {\"old_primary\": "
		    "[\"1:before the split\","
		    " \"101:old primary\"], \"new_primary\": [\"121:new primary\"], "
		    "\"after_rewind\": [\"1\"]}}}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_string_equal(data_text(&r, "rows.dat"), "1\t3\t0\n101\t3\t1\n121\t2\t2\n1\t1\t0\n");
	report_free(&r);
	json_decref(doc);

	/* flaky-link: the names become labels; the cells' labels are our own numbers */
	doc = parse("{\"experiment\": \"flaky-link\", \"rows\": [\"100 ms / 250 ms\"], "
		    "\"columns\": [\"loss 0%\", \"`touch x` \\\"'\"], \"cells\": [{\"row\": 0, "
		    "\"column\": 1, \"per_minute\": 12.5, \"false_detections\": 3, "
		    "\"watched_ms\": 14400}], \"detections\": [{\"row\": 0, \"after_crash_ms\": "
		    "512.25}]}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_string_equal(data_text(&r, "rows.dat"), "0\t\"100 ms / 250 ms\"\n");
	assert_string_equal(data_text(&r, "columns.dat"), "0\t\"loss 0%\"\n1\t\"`touch x` ''\"\n");
	assert_string_equal(data_text(&r, "cells.dat"), "1\t0\t12.500\t\"3 in 14 s\"\n");
	assert_string_equal(data_text(&r, "detect.dat"), "0\t512.250\t\"512 ms\"\n");
	assert_null(strstr(r.gp_text, "touch"));
	assert_non_null(strstr(r.gp_text, "stats 'rows.dat' using 1 nooutput"));
	report_free(&r);
	json_decref(doc);

	doc = parse("{\"experiment\": \"failover-under-load\", \"events\": [{\"t_ms\": 500, "
		    "\"event\": \"write load "
		    "started\"}], \"load\": {\"acks_per_100ms\": [1, 2]}}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_string_equal(data_text(&r, "lag.dat"), "0.500\t10\n0.600\t20\n");
	assert_non_null(strstr(r.gp_text, "set title 'failover-under-load: writes the client saw "
					  "acknowledged'"));
	report_free(&r);
	json_decref(doc);
}

/* ---- end to end: replab report on a crafted file ---- */

static bool have_gnuplot(void)
{
	char *path = strdup(getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin"), *save = NULL;
	bool found = false;

	for (char *dir = strtok_r(path, ":", &save); dir && !found;
	     dir = strtok_r(NULL, ":", &save)) {
		char exe[PATH_MAX];

		snprintf(exe, sizeof(exe), "%s/gnuplot", dir);
		found = access(exe, X_OK) == 0;
	}
	free(path);
	return found;
}

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* cmd_report with its standard output (the PNG's name) out of the TAP stream */
static int quiet_report(char **argv)
{
	struct verb_args report = { .argc = 2, .argv = argv, .rest = 1 };
	int saved, null, rc;

	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	null = open("/dev/null", O_WRONLY);
	assert_true(saved >= 0 && null >= 0 && dup2(null, STDOUT_FILENO) >= 0);
	hush(true);
	rc = cmd_report(&report);
	hush(false);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(null);
	return rc;
}

static void crafted_file_draws_and_runs_nothing(void **state)
{
	char dir[] = "/tmp/test-report.XXXXXX", tmp[PATH_MAX], json[PATH_MAX], png[PATH_MAX],
	     pwned[PATH_MAX];
	char *argv[3] = { "report", json, NULL };
	json_t *doc = hostile_timeline();
	const char *old_tmpdir = getenv("TMPDIR");
	char saved_tmpdir[PATH_MAX] = "";
	unsigned char head[8];
	FILE *f;

	(void) state;
	if (!have_gnuplot())
		skip();
	assert_non_null(mkdtemp(dir));
	snprintf(pwned, sizeof(pwned), "%s/PWNED", dir);
	snprintf(tmp, sizeof(tmp), "%s/tmp", dir);
	assert_int_equal(mkdir(tmp, 0700), 0);
	/* the file's name itself is hostile too */
	snprintf(json, sizeof(json), "%s/it's \"x\"; `touch PWNED`.json", dir);
	snprintf(png, sizeof(png), "%s/it's \"x\"; `touch PWNED`.png", dir);
	assert_int_equal(json_dump_file(doc, json, 0), 0);
	if (old_tmpdir)
		snprintf(saved_tmpdir, sizeof(saved_tmpdir), "%s", old_tmpdir);
	setenv("TMPDIR", tmp, 1);
	/* gnuplot's working directory is a fresh one: a relative "touch PWNED" would land there */
	assert_int_equal(chdir(dir), 0);
	assert_int_equal(quiet_report(argv), EXIT_OK);
	if (old_tmpdir)
		setenv("TMPDIR", saved_tmpdir, 1);
	else
		unsetenv("TMPDIR");
	assert_int_equal(access(pwned, F_OK), -1);
	assert_int_equal(access("/tmp/PWNED", F_OK), -1);
	f = fopen(png, "rb");
	assert_non_null(f);
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	assert_memory_equal(head, "\x89PNG\r\n\x1a\n", sizeof(head));
	assert_int_equal(count_entries(tmp), 0); /* the private directory is gone */
	assert_int_equal(count_entries(dir), 3); /* the JSON, the PNG and tmp/: no temporary PNG */
	unlink(json);
	unlink(png);
	rmdir(tmp);
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(rmdir(dir), 0);
	json_decref(doc);
}

static void malformed_file_fails_cleanly(void **state)
{
	char dir[] = "/tmp/test-report.XXXXXX", json[PATH_MAX];
	char *argv[3] = { "report", json, NULL };
	FILE *f;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(json, sizeof(json), "%s/bad.json", dir);
	f = fopen(json, "w");
	assert_non_null(f);
	fputs("{\"experiment\": \"x\", \"samples\": [{\"t_ms\": NaN}]}", f);
	fclose(f);
	assert_int_equal(quiet_report(argv), EXIT_FAIL);
	assert_non_null(strstr(log_last_error(), "is not an experiment's result: line 1"));
	f = fopen(json, "w");
	fputs("{\"experiment\": \"rpo\", \"summary\": [{\"mode\": null}]}", f);
	fclose(f);
	assert_int_equal(quiet_report(argv), EXIT_FAIL);
	assert_non_null(strstr(log_last_error(), "summary[0].mode is not a string"));
	assert_int_equal(count_entries(dir), 1); /* no PNG, nothing temporary */
	unlink(json);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- jsonfile ---- */

static void writes_atomically(void **state)
{
	char dir[] = "/tmp/test-jsonfile.XXXXXX", path[PATH_MAX], missing[PATH_MAX];
	json_t *doc = json_pack("{s:i}", "a", 1), *back;
	json_error_t err;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/result.json", dir);
	assert_true(json_write_atomic(path, doc, JSON_COMPACT));
	json_object_set_new(doc, "a", json_integer(2));
	assert_true(json_write_atomic(path, doc, JSON_COMPACT));
	back = json_read_file(path, 1024, &err);
	assert_non_null(back);
	assert_int_equal(json_integer_value(json_object_get(back, "a")), 2);
	json_decref(back);
	assert_int_equal(count_entries(dir), 1);
	snprintf(missing, sizeof(missing), "%s/no/such/dir/result.json", dir);
	assert_false(json_write_atomic(missing, doc, 0));
	assert_int_equal(errno, ENOENT);
	assert_null(json_read_file(path, 4, &err));
	assert_non_null(strstr(err.text, "larger than 4 bytes"));
	assert_null(json_read_file(missing, 1024, &err));
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	json_decref(doc);
}

static void typed_members(void **state)
{
	json_t *doc = parse("{\"s\": \"x\", \"n\": 1.5, \"i\": 2, \"o\": {}, \"big\": 1e308}");
	double d;

	(void) state;
	assert_string_equal(jfield_string(doc, "s"), "x");
	assert_null(jfield_string(doc, "n"));
	assert_null(jfield_string(json_object_get(doc, "s"), "s")); /* not an object */
	assert_true(jfield_number(doc, "n", &d) && d == 1.5);
	assert_true(jfield_number(doc, "i", &d) && d == 2);
	assert_true(jfield_number(doc, "big", &d));
	assert_false(jfield_number(doc, "s", &d));
	assert_false(jfield_number(doc, "absent", &d));
	assert_non_null(jfield(doc, "o", JSON_OBJECT));
	assert_null(jfield(doc, "o", JSON_ARRAY));
	json_decref(doc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(script_holds_no_document_text),
		cmocka_unit_test(labels_are_printable_and_unquotable),
		cmocka_unit_test(long_labels_are_cut),
		cmocka_unit_test(refuses_malformed_documents),
		cmocka_unit_test(names_the_member_at_fault),
		cmocka_unit_test(refuses_huge_arrays),
		cmocka_unit_test(nothing_to_draw),
		cmocka_unit_test(draws_each_kind),
		cmocka_unit_test(crafted_file_draws_and_runs_nothing),
		cmocka_unit_test(malformed_file_fails_cleanly),
		cmocka_unit_test(writes_atomically),
		cmocka_unit_test(typed_members),
	};

	log_init("replab");
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
