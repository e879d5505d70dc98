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
#include "history/history.h"
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
	"<script>alert(1)</script><img src=x onerror=alert(2)> &amp; \"'",
};
#define N_HOSTILE (sizeof(hostile) / sizeof(hostile[0]))

/* Names the history takes (printable ASCII, under 64 bytes) that try gnuplot and HTML. */
static const char *const hostile_sessions[] = {
	"x' ; system('touch PWNED'); print '",
	"`touch PWNED`",
	"a\"; system(\"touch PWNED\") #",
	"@macro {/Symbol a} ^{up}_{down} \\n \\\" end",
	"<script>alert(1)</script><img src=x onerror=alert(2)> &amp; \"'",
};
#define N_SESSIONS (sizeof(hostile_sessions) / sizeof(hostile_sessions[0]))

/* Operation i of a test history: session i % N_SESSIONS, each outcome in turn. */
static struct history_record test_op(size_t i)
{
	enum history_outcome outcome = (enum history_outcome)(i % 3);
	bool write = i % 2 == 0;

	return (struct history_record){
		.session = hostile_sessions[i % N_SESSIONS],
		.op = write ? HISTORY_WRITE : HISTORY_READ,
		.sent_ms = 1000 * (double) i,
		.answered = outcome != HISTORY_UNKNOWN,
		.answered_ms = 1000 * (double) i + 500,
		.outcome = outcome,
		.writer = write ? hostile_sessions[i % N_SESSIONS] : NULL,
		.seq = write ? (long long) i + 1 : 0,
	};
}

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
	assert_non_null(strstr(r.gp_text, "'events.dat' using 2:(0.03):3 axes x1y2 with labels "
					  "noenhanced"));
	report_free(&r);
	json_decref(doc);
}

static void labels_are_printable_and_unquotable(void **state)
{
	json_t *doc = hostile_timeline();
	struct report r;
	const char *events;
	double last_x = -1;

	(void) state;
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	events = data_text(&r, "events.dat");
	/*
	 * one line per event, "seconds<TAB>label's x<TAB>"label"", nothing but
	 * printable ASCII in the label; the events 1 ms apart on a 0.2 s
	 * picture, each label moved right of the one before by 2% of it
	 */
	for (const char *line = events; *line; line = strchr(line, '\n') + 1) {
		const char *q = strchr(line, '"'), *end = strchr(line, '\n');
		double t, x;

		assert_int_equal(sscanf(line, "%lf\t%lf\t", &t, &x), 2);
		assert_true(x >= t && x >= last_x + 0.2 * 0.02 - 1e-3);
		last_x = x;

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
		/* what experiment_save tells: nothing to draw, unless a history is beside it */
		assert_false(report_draws(doc));
		json_object_set_new(doc, "history", json_pack("{s:s}", "file", "x.history.jsonl"));
		assert_true(report_draws(doc));
		json_decref(doc);
	}
}

/* A pgbench failover whose second run starts at first (ms) with bins: refused, naming what. */
static void pgbench_refused(const char *first, const char *bins, const char *what)
{
	struct report r;
	char text[512];
	json_t *doc;

	snprintf(text, sizeof(text),
		 "{\"experiment\": \"failover-under-load\", \"workload\": \"pgbench\","
		 " \"pgbench\": {\"before\": {\"first_commit_t_ms\": 100, \"last_commit_t_ms\":"
		 " 290, \"commits_per_100ms\": [3, 4]}, \"after\": {\"first_commit_t_ms\": %s,"
		 " \"commits_per_100ms\": [%s]}}}",
		 first, bins);
	doc = parse(text);
	assert_int_equal(build(doc, &r), REPORT_INVALID);
	assert_non_null(strstr(log_last_error(), what));
	report_free(&r);
	json_decref(doc);
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

	/* failover-under-load with trials: a bar group per trial. */
	doc = parse("{\"experiment\": \"failover-under-load\", \"summary\": {\"modes\": [{\"runs\":"
		    " [{\"detection_ms\": 1500, \"promote_ms\": 300, \"client_downtime_ms\": 2100,"
		    " \"lost_writes\": 3}, {\"detection_ms\": 1400, \"promote_ms\": 250,"
		    " \"client_downtime_ms\": 1900, \"lost_writes\": 0}]}]}}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_true(report_draws(doc));
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

	/* failover-under-load --workload pgbench: each run's commits, the downtime between. */
	doc = parse("{\"experiment\": \"failover-under-load\", \"workload\": \"pgbench\","
		    " \"events\": [{\"t_ms\": 300, \"event\": \"primary crashed\"}], \"pgbench\":"
		    " {\"before\": {\"first_commit_t_ms\": 100, \"last_commit_t_ms\": 290,"
		    " \"commits_per_100ms\": [3, 4]}, \"after\": {\"first_commit_t_ms\": 1150.4,"
		    " \"commits_per_100ms\": [5]}}}");
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_true(report_draws(doc));
	assert_string_equal(data_text(&r, "before.dat"), "0.100\t30\n0.200\t40\n0.300\t40\n");
	assert_string_equal(data_text(&r, "after.dat"), "1.150\t50\n1.250\t50\n");
	assert_string_equal(data_text(&r, "downtime.dat"), "0.290\t1.150\t\"860 ms\"\n");
	assert_string_equal(data_text(&r, "events.dat"), "0.300\t0.300\t\"primary crashed\"\n");
	assert_non_null(strstr(r.gp_text, "'after.dat' using 1:2 with steps"));
	report_free(&r);
	json_decref(doc);
	/* the second run's first commit before the first's last, a count that is not one */
	pgbench_refused("200", "5", "pgbench.after.first_commit_t_ms");
	pgbench_refused("400", "\"x\"", "pgbench.after.commits_per_100ms[0]");

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

/* A history whose sessions carry the hostile names, one operation of each outcome. */
static void write_hostile_history(const char *path)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < 2 * N_SESSIONS; i++) {
		struct history_record op = test_op(i);

		assert_true(history_write_line(f, &op));
	}
	fclose(f);
}

/* Every tag of page is one the page itself writes: none came from the document. */
static void only_our_tags(const char *page)
{
	static const char *const tags[] = { "!DOCTYPE", "html", "head",	      "meta",  "title",
					    "style",	"body", "h1",	      "h2",    "p",
					    "figure",	"img",	"figcaption", "table", "tr",
					    "th",	"td",	"div",	      "br" };

	for (const char *p = page; (p = strchr(p, '<')); p++) {
		const char *name = p[1] == '/' ? p + 2 : p + 1;
		size_t len = strcspn(name, " >");
		bool ours = false;

		for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]) && !ours; i++)
			ours = strlen(tags[i]) == len && strncmp(tags[i], name, len) == 0;
		if (!ours)
			fail_msg("a tag not of the page's own: %.40s", p);
	}
}

/* The page at path: nimages PNGs embedded, no markup from the document, nothing fetched. */
static void page_is_safe(const char *path, int nimages)
{
	char *page = NULL;
	size_t len = 0;
	FILE *f = fopen(path, "r");
	int n = 0;

	assert_non_null(f);
	assert_true(getdelim(&page, &len, '\0', f) > 0);
	fclose(f);
	for (const char *p = page; (p = strstr(p, "<img ")); p++)
		n++;
	assert_int_equal(n, nimages);
	n = 0;
	for (const char *p = page; (p = strstr(p, "src=\"data:image/png;base64,iVBORw0KGgo")); p++)
		n++;
	assert_int_equal(n, nimages);
	only_our_tags(page);
	assert_null(strstr(page, "<script"));
	assert_null(strstr(page, "<img src=x"));
	assert_null(strstr(page, "http:"));
	assert_null(strstr(page, "https:"));
	assert_non_null(strstr(page, "default-src 'none'; img-src data:"));
	free(page);
}

static void crafted_file_draws_and_runs_nothing(void **state)
{
	char dir[] = "/tmp/test-report.XXXXXX", tmp[PATH_MAX], json[PATH_MAX], png[PATH_MAX],
	     pwned[PATH_MAX], history[PATH_MAX], history_png[PATH_MAX], html[PATH_MAX];
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
	snprintf(history, sizeof(history), "%s/it's \"x\"; `touch PWNED`.history.jsonl", dir);
	snprintf(history_png, sizeof(history_png), "%s/it's \"x\"; `touch PWNED`-history.png", dir);
	snprintf(html, sizeof(html), "%s/it's \"x\"; `touch PWNED`.html", dir);
	assert_int_equal(json_dump_file(doc, json, 0), 0);
	write_hostile_history(history);
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
	f = fopen(history_png, "rb");
	assert_non_null(f);
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	assert_memory_equal(head, "\x89PNG\r\n\x1a\n", sizeof(head));
	page_is_safe(html, 2);
	assert_int_equal(count_entries(tmp), 0); /* the private directory is gone */
	/* the JSON, the history, two PNGs, the page and tmp/: nothing temporary */
	assert_int_equal(count_entries(dir), 6);
	unlink(json);
	unlink(png);
	unlink(history);
	unlink(history_png);
	unlink(html);
	rmdir(tmp);
	assert_int_equal(chdir("/"), 0);
	assert_int_equal(rmdir(dir), 0);
	json_decref(doc);
}

static void malformed_file_fails_cleanly(void **state)
{
	char dir[] = "/tmp/test-report.XXXXXX", json[PATH_MAX], history[PATH_MAX];
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
	/* a good result with a malformed history beside it: no picture at all, no page */
	f = fopen(json, "w");
	fputs("{\"experiment\": \"x\", \"samples\": [{\"t_ms\": 1, \"lag_bytes\": 2}]}", f);
	fclose(f);
	snprintf(history, sizeof(history), "%s/bad.history.jsonl", dir);
	f = fopen(history, "w");
	fputs("{\"session\": \"s\", \"op\": \"read\", \"outcome\": \"late\", \"sent_ms\": 1}\n", f);
	fclose(f);
	assert_int_equal(quiet_report(argv), EXIT_FAIL);
	assert_non_null(strstr(log_last_error(), "bad.history.jsonl line 1: "));
	assert_int_equal(count_entries(dir), 2);
	unlink(history);
	unlink(json);
	assert_int_equal(rmdir(dir), 0);
}

/* ---- the history, staleness, intervals, faults, gaps ---- */

static void draws_a_history(void **state)
{
	json_t *doc = parse("{\"experiment\": \"partition-reconnect\", \"events\": [{\"t_ms\": "
			    "1000, \"event\": \"cut\"}, {\"t_ms\": 3000, \"event\": \"heal\"}, "
			    "{\"t_ms\": 3500, \"event\": \"primary crashed\"}]}");
	struct report_anomalies a;
	struct history h;
	struct report r;

	(void) state;
	history_init(&h);
	for (size_t i = 0; i < 8; i++) {
		struct history_record op = test_op(i);

		assert_true(history_append(&h, &op));
	}
	hush(true);
	assert_true(report_anomalies_find(&a, doc, &h, "test.json"));
	assert_int_equal(report_build_history(&r, doc, &h, &a, "test.json"), REPORT_DRAWN);
	hush(false);
	report_close(&r);
	assert_null(strstr(r.gp_text, "PWNED"));
	assert_null(strstr(r.gp_text, "script"));
	assert_null(strchr(r.gp_text, '`'));
	/* the sessions as labels, in the order they came; reads a quarter above their line */
	assert_string_equal(
		data_text(&r, "sessions.dat"),
		"0\t\"x' ; system('touch PWNED'); print '\"\n1\t\"`touch PWNED`\"\n"
		"2\t\"a'; system('touch PWNED') #\"\n3\t\"@macro {/Symbol a} ^{up}_{down} "
		"/n /' end\"\n4\t\"<script>alert(1)</script><img src=x onerror=alert(2)> "
		"&amp; ...\"\n");
	assert_string_equal(data_text(&r, "ok.dat"),
			    "0.000\t0.00\t0.500\t5\n3.000\t3.25\t0.500\t7\n"
			    "6.000\t1.00\t0.500\t5\n");
	assert_string_equal(data_text(&r, "fail.dat"), "1.000\t1.25\t0.500\t7\n4.000\t4.00\t0.500\t"
						       "5\n7.000\t2.25\t0.500\t7\n");
	/* an unknown outcome: a mark where it was sent, no line */
	assert_string_equal(data_text(&r, "unknown.dat"), "2.000\t2.00\t0.000\t5\n5.000\t0.25\t"
							  "0.000\t7\n");
	/* the cut and heal an interval; the crash open until the last answer */
	assert_string_equal(data_text(&r, "faults.dat"), "1.000\t3.000\n3.500\t7.500\n");
	assert_non_null(strstr(r.gp_text, "set yrange [-0.5:4.5]"));
	/* its one ok read saw nothing of the write acknowledged before it: stale, marked */
	assert_string_equal(data_text(&r, "anomalies.dat"), "3.000\t3.25\t3\n");
	assert_non_null(strstr(r.gp_text, "'anomalies.dat' using 1:($3 == 3 ? $2 : NaN)"));
	assert_non_null(strstr(r.gp_text, "title 'stale reads: 1'"));
	assert_null(strstr(r.gp_text, "no anomaly found"));
	report_anomalies_free(&a);
	report_free(&r);
	history_free(&h);
	json_decref(doc);
}

/* A history from JSON lines. */
static void history_of(struct history *h, const char *text)
{
	history_init(h);
	assert_true(history_parse(h, text, strlen(text), "test"));
}

#define OP(session, op, sent, ans, outcome, rest)                                              \
	"{\"session\": \"" session "\", \"op\": \"" op "\", \"server\": \"replica\", "         \
	"\"sent_ms\": " #sent ", \"answered_ms\": " #ans ", \"outcome\": \"" outcome "\"" rest \
	"}\n"

/*
 * Two runs one after the other, as replica-reads keeps its modes, each
 * record naming its mode: m1/c1 writes and reads it; m2/c1 does the same,
 * and reads once missing its own write (a stale read, a read-your-writes
 * violation).  Checked as one history every read of m2 would miss m1's
 * writes, which its run dropped.
 */
#define M1 ", \"mode\": \"m1\", \"delay\": null"
#define M2 ", \"mode\": \"m2\", \"delay\": null"
static const char two_runs[] = OP("m1/c1", "write", 0, 1, "ok",
				  M1 ", \"writer\": \"m1/c1\", \"seq\": 1")
	OP("m1/c1", "read", 2, 3, "ok", M1 ", \"seen\": {\"m1/c1\": 1}")
		OP("m2/c1", "write", 10, 11, "ok", M2 ", \"writer\": \"m2/c1\", \"seq\": 1")
			OP("m2/c1", "read", 12, 13, "ok", M2 ", \"seen\": {\"m2/c1\": 1}")
				OP("m2/c1", "write", 14, 15, "ok",
				   M2 ", \"writer\": \"m2/c1\", \"seq\": 2")
					OP("m2/c1", "read", 2016, 2017, "ok",
					   M2 ", \"seen\": {\"m2/c1\": 1}");

static void marks_each_run_as_its_mode_checked_it(void **state)
{
	json_t *doc = parse("{\"experiment\": \"replica-reads\", \"modes\": [{\"checks\": "
			    "{\"operations\": 2}}, {\"checks\": {\"operations\": 4}}]}");
	struct report_anomalies a;
	struct history h, one;
	struct report r;

	(void) state;
	history_of(&h, two_runs);
	assert_true(report_anomalies_find(&a, doc, &h, "test.json"));
	assert_int_equal(a.count[HISTORY_STALE], 1);
	assert_int_equal(a.count[HISTORY_RYW], 1);
	assert_int_equal(a.marks.at[HISTORY_STALE][0], 5);
	assert_int_equal(report_anomalies_total(&a), 2);
	assert_false(a.writes);
	hush(true);
	assert_int_equal(report_build_history(&r, doc, &h, &a, "test.json"), REPORT_DRAWN);
	hush(false);
	report_close(&r);
	/* at its time, a quarter above its session's line (the second) */
	assert_string_equal(data_text(&r, "anomalies.dat"), "2.016\t1.25\t3\n2.016\t1.25\t4\n");
	assert_non_null(strstr(r.gp_text, "title 'stale reads: 1'"));
	assert_non_null(strstr(r.gp_text, "title 'read-your-writes violations: 1'"));
	assert_null(strstr(r.gp_text, "lost acknowledged"));
	assert_null(strstr(r.gp_text, "no anomaly found"));
	report_free(&r);
	report_anomalies_free(&a);
	json_decref(doc);
	/* the same records naming no mode, one run: m2's reads miss m1's write */
	history_init(&one);
	for (size_t i = 0; i < h.n; i++) {
		struct history_record op = h.records[i];

		op.mode = NULL;
		assert_true(history_append(&one, &op));
	}
	doc = parse("{\"experiment\": \"x\"}");
	assert_true(report_anomalies_find(&a, doc, &one, "test.json"));
	assert_int_equal(a.count[HISTORY_STALE], 2);
	report_anomalies_free(&a);
	json_decref(doc);
	history_free(&one);
	history_free(&h);
}

/* A failover's load: 1 and 2 acknowledged, 3 and 4 never answered. */
static const char load[] = OP("load", "write", 0, 1, "ok", ", \"writer\": \"load\", \"seq\": 1")
	OP("load", "write", 2, 3, "ok", ", \"writer\": \"load\", \"seq\": 2")
		OP("load", "write", 4, null, "unknown", ", \"writer\": \"load\", \"seq\": 3")
			OP("load", "write", 6, null, "unknown",
			   ", \"writer\": \"load\", \"seq\": 4");

static void marks_the_writes_the_experiment_resolved(void **state)
{
	static const struct {
		const char *checks, *error; /* error NULL: valid */
	} cases[] = {
		{ "{\"lost_writes\": {\"count\": 3, \"first\": [{\"writer\": \"load\", \"seq\": "
		  "2}]}, "
		  "\"unknown_writes\": {\"committed\": 1, \"not_committed\": 1, \"first\": "
		  "[{\"writer\": \"load\", \"seq\": 3, \"committed\": false}, {\"writer\": "
		  "\"load\", "
		  "\"seq\": 4, \"committed\": true}]}}",
		  NULL },
		{ "{\"lost_writes\": {\"count\": 1, \"first\": [{\"writer\": \"load\", \"seq\": "
		  "3}]}}",
		  "test.json: summary.checks.lost_writes.first[0]: the history has no acknowledged "
		  "write 3 of that writer" },
		{ "{\"lost_writes\": {\"count\": 1, \"first\": [{\"writer\": \"other\", \"seq\": "
		  "1}]}}",
		  "test.json: summary.checks.lost_writes.first[0]: the history has no acknowledged "
		  "write 1 of that writer" },
		{ "{\"lost_writes\": {\"count\": 9, \"first\": []}}",
		  "test.json: summary.checks.lost_writes.count is 9, outside [0, 4]" },
		{ "{\"lost_writes\": {\"count\": 0, \"first\": [{\"writer\": \"load\", \"seq\": "
		  "1}]}}",
		  "test.json: the checks list 1 lost acknowledged writes, more than the 0 they "
		  "count" },
		{ "{\"lost_writes\": {\"count\": 0, \"first\": {}}}",
		  "test.json: lost_writes.first is not an array" },
		{ "{\"lost_writes\": {\"count\": 0, \"first\": []}, \"unknown_writes\": "
		  "{\"committed\": 1, \"not_committed\": 0, \"first\": [{\"writer\": \"load\", "
		  "\"seq\": 3}]}}",
		  "test.json: summary.checks.unknown_writes.first[0] is not a write (\"writer\", "
		  "\"seq\", \"committed\")" },
	};
	struct report_anomalies a;
	struct history h;
	struct report r;

	(void) state;
	history_of(&h, load);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[1024];
		json_t *doc;

		snprintf(text, sizeof(text),
			 "{\"experiment\": \"failover-under-load\", \"summary\": {\"checks\": %s}}",
			 cases[i].checks);
		doc = parse(text);
		hush(true);
		assert_int_equal(report_anomalies_find(&a, doc, &h, "test.json"), !cases[i].error);
		hush(false);
		if (cases[i].error)
			assert_string_equal(log_last_error(), cases[i].error);
		if (!cases[i].error) {
			assert_true(a.writes);
			/* 3 lost, the first listed only */
			assert_int_equal(a.count[HISTORY_LOST], 3);
			assert_int_equal(a.marks.n[HISTORY_LOST], 1);
			assert_int_equal(a.marks.at[HISTORY_LOST][0], 1);
			assert_int_equal(a.marks.at[HISTORY_NOT_COMMITTED][0], 2);
			assert_int_equal(a.marks.at[HISTORY_COMMITTED][0], 3);
			hush(true);
			assert_int_equal(report_build_history(&r, doc, &h, &a, "test.json"),
					 REPORT_DRAWN);
			hush(false);
			report_close(&r);
			assert_string_equal(data_text(&r, "anomalies.dat"),
					    "0.002\t0.00\t0\n0.006\t0.00\t1\n0.004\t0.00\t2\n");
			assert_non_null(strstr(r.gp_text,
					       "title 'lost acknowledged writes: 3 (1 marked)'"));
			assert_non_null(
				strstr(r.gp_text, "title 'unknown writes that committed: 1'"));
			assert_non_null(
				strstr(r.gp_text, "title 'unknown writes that did not commit: 1'"));
			report_free(&r);
		}
		report_anomalies_free(&a);
		json_decref(doc);
	}
	history_free(&h);
}

/* The page's table: each kind found, escaped; a clean history says so. */
static void lists_the_anomalies_for_the_page(void **state)
{
	char session[] = OP("SESSION", "write", 0, 1, "ok", ", \"writer\": \"w\", \"seq\": 1");
	json_t *doc = parse("{\"experiment\": \"x\", \"summary\": {\"checks\": {\"lost_writes\": "
			    "{\"count\": 1, \"first\": [{\"writer\": \"w\", \"seq\": 1}]}}}}");
	struct report_anomalies a;
	char *text = NULL, line[512];
	struct history h;
	struct report r;
	size_t len;
	FILE *f;

	(void) state;
	/* a session named <b>&'": escaped in the table */
	snprintf(line, sizeof(line), "%.*s<b>&'%s", (int) (strstr(session, "SESSION") - session),
		 session, strstr(session, "SESSION") + strlen("SESSION"));
	history_of(&h, line);
	assert_true(report_anomalies_find(&a, doc, &h, "test.json"));
	f = open_memstream(&text, &len);
	report_anomalies_html(f, &a);
	fclose(f);
	assert_string_equal(text,
			    "<table class=\"checks\">\n<tr><th>anomaly</th><th>count</th>"
			    "<th>the first located</th></tr>\n<tr><td>lost acknowledged "
			    "writes</td><td>1</td><td>&lt;b&gt;&amp;&#39; at 0.000 s: write w "
			    "1</td></tr>\n</table>\n");
	free(text);
	report_anomalies_free(&a);
	json_decref(doc);
	doc = parse("{\"experiment\": \"x\"}");
	assert_true(report_anomalies_find(&a, doc, &h, "test.json"));
	f = open_memstream(&text, &len);
	report_anomalies_html(f, &a);
	fclose(f);
	assert_non_null(strstr(text, "found no anomaly in the history (its reads;"));
	free(text);
	/* and the picture says so */
	assert_int_equal(report_build_history(&r, doc, &h, &a, "test.json"), REPORT_DRAWN);
	report_close(&r);
	assert_non_null(strstr(r.gp_text, "reads); no anomaly found'"));
	assert_null(strstr(r.gp_text, "anomalies.dat"));
	report_free(&r);
	report_anomalies_free(&a);
	json_decref(doc);
	history_free(&h);
}

static void refuses_a_history_with_malformed_events(void **state)
{
	json_t *doc = parse("{\"experiment\": \"x\", \"events\": [{\"t_ms\": \"x\"}]}");
	struct history_record op = test_op(0);
	struct report_anomalies a = { 0 };
	struct history h;
	struct report r;

	(void) state;
	history_init(&h);
	assert_true(history_append(&h, &op));
	hush(true);
	assert_int_equal(report_build_history(&r, doc, &h, &a, "test.json"), REPORT_INVALID);
	hush(false);
	assert_string_equal(log_last_error(),
			    "test.json: events[0].t_ms is a string, not a number");
	report_free(&r);
	history_free(&h);
	json_decref(doc);
	/* an empty history: nothing to draw */
	doc = parse("{\"experiment\": \"x\"}");
	history_init(&h);
	assert_int_equal(report_build_history(&r, doc, &h, &a, "test.json"), REPORT_EMPTY);
	report_free(&r);
	history_free(&h);
	json_decref(doc);
}

static void draws_staleness_per_mode(void **state)
{
	json_t *doc = parse(
		"{\"experiment\": \"replica-reads\", \"modes\": [{\"mode\": \"`touch "
		"PWNED`'\", \"checks\": {\"staleness\": {\"ms\": {\"p50\": 3, "
		"\"p99\": 40}, \"histogram_ms\": [[0, 0, 3], [0, 10, 1]]}}}, {\"mode\": "
		"\"remote_apply\", \"checks\": {\"staleness\": {\"histogram_ms\": "
		"[]}}}]}");
	struct report r;

	(void) state;
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	/* a mode without reads has no block */
	assert_string_equal(data_text(&r, "stale.dat"),
			    "\"`touch PWNED`' (p50 3 ms, p99 40 ms)\"\t\"-\"\t\"-\"\n0.000\t0.000\t"
			    "75.000\n0.000\t10.000\t25.000\n\n\n");
	assert_non_null(strstr(r.gp_text, "plot for [i=0:0] 'stale.dat' index i"));
	assert_null(strstr(r.gp_text, "touch"));
	report_free(&r);
	json_decref(doc);
}

static void draws_loss_intervals(void **state)
{
	json_t *doc = parse(
		"{\"experiment\": \"rpo\", \"trials\": 20, \"summary\": [{\"mode\": "
		"\"async\", \"p50_ms\": 1, \"p99_ms\": 2, \"lost\": 9, \"trials\": 20, "
		"\"trials_with_loss\": 12, \"loss_ci95\": [0.387, 0.781]}, {\"mode\": "
		"\"on\", \"p50_ms\": 2, \"p99_ms\": 3, \"lost\": 0, \"trials\": 20, "
		"\"trials_with_loss\": 0, \"loss_ci95\": [0, 0.15]}, {\"mode\": \"old\", "
		"\"p50_ms\": 2, \"p99_ms\": 3, \"lost\": 0}]}");
	struct report r;

	(void) state;
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	assert_string_equal(data_text(&r, "ci.dat"),
			    "\"async\"\t60.00000\t38.70000\t78.10000\t\"12 of 20: 39-78% at 95%\"\n"
			    "\"on\"\t0.00000\t0.00000\t15.00000\t\"0 of 20: below 15% at 95%\"\n"
			    "\"old\"\tNaN\tNaN\tNaN\t\"\"\n");
	assert_non_null(strstr(r.gp_text, "with yerrorbars"));
	report_free(&r);
	json_decref(doc);
}

static void refuses_malformed_intervals(void **state)
{
	static const char *const bad[] = {
		"[0.1]",
		"[0.5, 0.1]",
		"[0, 1.5]",
		"[\"0\", 1]",
	};
	char text[400];

	(void) state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_t *doc;
		struct report r;

		snprintf(text, sizeof(text),
			 "{\"experiment\": \"rpo\", \"summary\": [{\"mode\": \"a\", \"p50_ms\": "
			 "1, \"p99_ms\": 1, \"lost\": 0, \"trials\": 5, \"trials_with_loss\": "
			 "1, \"loss_ci95\": %s}]}",
			 bad[i]);
		doc = parse(text);
		if (build(doc, &r) != REPORT_INVALID)
			fail_msg("accepted: %s", text);
		assert_non_null(strstr(log_last_error(), "summary[0].loss_ci95"));
		report_free(&r);
		json_decref(doc);
	}
	{
		json_t *doc = parse("{\"experiment\": \"rpo\", \"summary\": [{\"mode\": \"a\", "
				    "\"p50_ms\": 1, \"p99_ms\": 1, \"lost\": 0, \"trials\": 5, "
				    "\"trials_with_loss\": 6, \"loss_ci95\": [0, 1]}]}");
		struct report r;

		assert_int_equal(build(doc, &r), REPORT_INVALID);
		assert_non_null(strstr(log_last_error(), "summary[0].trials_with_loss is 6"));
		report_free(&r);
		json_decref(doc);
	}
}

static void lag_gaps_stay_gaps(void **state)
{
	json_t *doc = parse(
		"{\"experiment\": \"partition-reconnect\", \"samples\": [{\"t_ms\": 0, "
		"\"lag_bytes\": 1}, {\"t_ms\": 900, \"lag_bytes\": 2}, {\"t_ms\": 2500, "
		"\"lag_bytes\": 3}, {\"t_ms\": 2600}], \"events\": [{\"t_ms\": 100, "
		"\"event\": \"cut\"}]}");
	struct report r;

	(void) state;
	assert_int_equal(build(doc, &r), REPORT_DRAWN);
	/* a blank line: gnuplot draws no line across the 1.6 s without samples */
	assert_string_equal(data_text(&r, "lag.dat"),
			    "0.000\t1\n0.900\t2\n\n2.500\t3\n2.600\tNaN\n");
	/* a cut never healed: shaded to the last sample */
	assert_string_equal(data_text(&r, "faults.dat"), "0.100\t2.600\n");
	assert_non_null(strstr(r.gp_text, "(gaps: no samples for over a second)"));
	assert_non_null(strstr(r.gp_text, "'faults.dat' using"));
	report_free(&r);
	json_decref(doc);
}

/* ---- the page ---- */

static void escapes_html(void **state)
{
	char *text = NULL;
	size_t len;
	FILE *f = open_memstream(&text, &len);
	char longer[3000];

	(void) state;
	report_html_escape(f, "<a href=\"x\">&amp;'</a>\x01\n\xc3\xa9");
	fputc('|', f);
	memset(longer, 'y', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	report_html_escape(f, longer);
	fclose(f);
	assert_true(strncmp(text, "&lt;a href=&quot;x&quot;&gt;&amp;amp;&#39;&lt;/a&gt;??\xc3\xa9|",
			    57) == 0);
	assert_int_equal(strlen(text), 57 + 2000 + strlen("&hellip;"));
	free(text);
}

static void page_of_a_hostile_result(void **state)
{
	json_t *doc = json_pack("{s:s,s:b,s:{s:s,s:[s,i,f,n],s:[{s:s}]}}", "experiment", hostile[7],
				"ok", 1, "summary", hostile[7], hostile[7], "list", hostile[2], 3,
				1.5, "modes", "mode", hostile[7]);
	static const unsigned char png[] = "\x89PNG\r\n\x1a\n\x01";
	struct report_image image = {
		.caption = "the experiment", .file = hostile[7], .png = png, .len = sizeof(png) - 1
	};
	char dir[] = "/tmp/test-page.XXXXXX", path[PATH_MAX];
	FILE *f;

	(void) state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/page.html", dir);
	f = fopen(path, "w");
	report_html(f, doc, hostile[7], &image, 1);
	fclose(f);
	page_is_safe(path, 1);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
	json_decref(doc);
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
		cmocka_unit_test(draws_a_history),
		cmocka_unit_test(refuses_a_history_with_malformed_events),
		cmocka_unit_test(draws_staleness_per_mode),
		cmocka_unit_test(draws_loss_intervals),
		cmocka_unit_test(refuses_malformed_intervals),
		cmocka_unit_test(lag_gaps_stay_gaps),
		cmocka_unit_test(marks_each_run_as_its_mode_checked_it),
		cmocka_unit_test(marks_the_writes_the_experiment_resolved),
		cmocka_unit_test(lists_the_anomalies_for_the_page),
		cmocka_unit_test(escapes_html),
		cmocka_unit_test(page_of_a_hostile_result),
		cmocka_unit_test(writes_atomically),
		cmocka_unit_test(typed_members),
	};

	log_init("replab");
	return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
