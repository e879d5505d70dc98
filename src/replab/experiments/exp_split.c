/*
 * exp_split.c — "replab experiment split-brain": the primary is cut off
 * from the replica but not from its clients, the replica is promoted
 * anyway, and both take writes: two primaries, two histories.  After the
 * heal it shows each side's timeline, the LSN where they forked (from the
 * new timeline's history file) and the rows each side has that the other
 * has not; then rejoins the old primary as a standby of the new one with
 * pg_rewind, which throws its own writes away, and shows that.
 *
 * Rows: ids 1-100 before the split; during it, the old primary writes
 * 101-130 and the new one 121-150, so 121-130 exist on both sides with
 * different contents.
 *
 * Each row is written by a statement of its own, committed, and kept as a
 * record of split-brain.history.jsonl (history.h): writer "old-primary"
 * (seq = id, 1-130) or "new-primary" (seq = id - 120, 1-30), with the WAL
 * position after its commit, sent and answered on the experiment's
 * timeline.  The history is checked against the new primary (losses.h),
 * whose rows the rewound old primary has too: the old primary's
 * acknowledged writes 101-130 come out lost, each past the point where
 * the new timeline forked.
 */
#define _GNU_SOURCE
#include "experiment.h"
#include "history_log.h"
#include "lab/faults.h"
#include "log.h"
#include "lab/node.h"
#include "losses.h"
#include "strutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NEW_SEQ_BASE 120 /* the new primary's writes are seq = id - 120 */

/* The writes made so far, each a record of the history, on the timeline x. */
struct writes {
	const struct timeline *x;
	json_t *records;
};

static const char fencing[] = "  Why fencing matters: the old primary never learnt that it had "
			      "been replaced,\n"
			      "  so it went on acknowledging writes that the new timeline does not "
			      "contain.\n"
			      "  Before promoting a standby, make sure the old primary cannot take "
			      "writes any\n"
			      "  more (power it off, cut its clients off, or revoke its address): "
			      "that is\n"
			      "  fencing.  A failover manager that cannot fence must not "
			      "promote.\n";

/* The entries of list that are not in other. */
static json_t *only_in(const json_t *list, const json_t *other)
{
	json_t *out = json_array(), *row, *seen;
	size_t i, j;

	json_array_foreach(list, i, row) {
		bool found = false;

		json_array_foreach(other, j, seen) {
			found = found || json_equal(row, seen);
		}
		if (!found)
			json_array_append(out, row);
	}
	return out;
}

/* "id:written_on" of every row on one side, by id; NULL (logged) when it could not be read. */
static json_t *rows_of(const struct vm *vm)
{
	json_t *rows = node_queryf(vm, "read the split_brain table", SQL_ANY_ROWS, 2,
				   "SELECT id, written_on FROM split_brain ORDER BY id");
	json_t *list, *row;
	const char *written_on;
	long long id;
	size_t i;

	if (!rows)
		return NULL;
	list = json_array();
	json_array_foreach(rows, i, row) {
		if (!sql_int(row, "id", &id) || !(written_on = sql_text(row, "written_on"))) {
			log_error("could not read the split_brain table: row %zu is no id and text",
				  i + 1);
			json_decref(list);
			list = NULL;
			break;
		}
		json_array_append_new(list, json_sprintf("%lld:%s", id, written_on));
	}
	json_decref(rows);
	return list;
}

/*
 * Rows first..last written on vm, one committed statement each, in one
 * session, as writes of writer (seq = id - seq_base) onto w's records, their
 * times the server's clock put on the timeline; false when one failed (its
 * record's outcome unknown: the commit may have happened).
 */
static bool write_rows(struct writes *w, const struct vm *vm, int first, int last, const char *side,
		       const char *writer, int seq_base)
{
	size_t n = (size_t) (last - first + 1);
	char **statements = calloc(n, sizeof(*statements));
	struct history_clock clock;
	bool ok;

	if (!statements)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++)
		if (asprintf(&statements[i],
			     "INSERT INTO split_brain (id, written_on) VALUES (%d, '%s')",
			     first + (int) i, side) < 0)
			fatal("out of memory");
	ok = history_clock_measure(vm, w->x, &clock) &&
	     history_commit(w->records, &clock, vm, writer, first - seq_base, statements, n);
	for (size_t i = 0; i < n; i++)
		free(statements[i]);
	free(statements);
	return ok;
}

/* Is lost write b (or NULL) the write after a, by the same writer? */
static bool follows(const json_t *a, const json_t *b)
{
	return b && json_equal(json_object_get(a, "writer"), json_object_get(b, "writer")) &&
	       json_integer_value(json_object_get(b, "seq")) ==
		       json_integer_value(json_object_get(a, "seq")) + 1;
}

/*
 * The history of w checked against vm, the new primary, into
 * summary.checks and on stdout; false (logged) when it could not be.
 */
static bool check_history(const struct writes *w, const struct vm *vm, json_t *summary)
{
	json_t *checks, *first, *r;
	char sql[256];
	size_t i;

	/* The rows of split_brain as the writes of the history's two writers. */
	xsnprintf(sql, sizeof(sql),
		  "SELECT CASE written_on WHEN 'new primary' THEN 'new-primary' ELSE "
		  "'old-primary' END AS writer, CASE written_on WHEN 'new primary' THEN id - %d "
		  "ELSE id END AS seq FROM split_brain",
		  NEW_SEQ_BASE);
	if (!(checks = losses_check(vm, w->records, "the split's writes", sql)))
		return false;
	printf("\n");
	losses_print(checks);
	first = json_object_get(json_object_get(checks, "lost_writes"), "first");
	printf("    lost:");
	/* Runs of one writer's consecutive seqs as "WRITER A-B". */
	json_array_foreach(first, i, r) {
		bool starts = i == 0 || !follows(json_array_get(first, i - 1), r),
		     ends = !follows(r, json_array_get(first, i + 1));

		if (starts)
			printf(" %s %lld", json_string_value(json_object_get(r, "writer")),
			       (long long) json_integer_value(json_object_get(r, "seq")));
		if (ends && !starts)
			printf("-%lld", (long long) json_integer_value(json_object_get(r, "seq")));
	}
	printf("%s\n",
	       json_integer_value(json_object_get(json_object_get(checks, "lost_writes"),
						  "count")) > (json_int_t) json_array_size(first)
		       ? " ..."
		       : "");
	json_object_set_new(summary, "checks", checks);
	return true;
}

/* The timeline a server writes on, or 0 when it could not be asked. */
static long long current_timeline(const struct vm *vm)
{
	json_t *rows = node_queryf(vm, "read the current timeline", 1, 1,
				   "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()),"
				   " 1, 8))::bit(32)::int AS timeline");
	long long tli = 0;

	if (!sql_int(sql_row(rows, 0), "timeline", &tli))
		tli = 0;
	json_decref(rows);
	return tli;
}

/* The first line of timeline tli's history file (where it forked), tabs as spaces, into buf. */
static void fork_point(const struct vm *vm, long long tli, char *buf, size_t len)
{
	json_t *rows = node_queryf(vm, "read the timeline's history", 1, 1,
				   "SELECT btrim(split_part(replace(pg_read_file('pg_wal/' || "
				   "lpad(upper(to_hex(%lld)), 8, '0') || '.history'), E'\\t', ' '),"
				   " E'\\n', 1)) AS history",
				   tli);
	const char *history = sql_text(sql_row(rows, 0), "history");

	if (history)
		snprintf(buf, len, "%s", history);
	json_decref(rows);
}

/* The timeline a server writes on, and for a promoted one where it forked. */
static json_t *timeline_of(const struct vm *vm)
{
	long long tli = current_timeline(vm);
	char history[256] = "";

	if (tli > 1)
		fork_point(vm, tli, history, sizeof(history));
	return json_pack("{s:i,s:s}", "timeline", (int) tli, "history", history);
}

static void print_rows(const char *title, json_t *rows)
{
	json_t *r;
	size_t i;

	printf("  %-34s %zu:", title, json_array_size(rows));
	json_array_foreach(rows, i, r) {
		if (i < 12 && json_is_string(r)) {
			putchar(' ');
			str_print_safe(stdout, json_string_value(r));
		}
	}
	printf("%s\n", json_array_size(rows) > 12 ? " ..." : "");
}

/* What the rewind did to the old primary, into summary and on stdout: the exit status. */
static int report_rewind(json_t *summary, json_t *old_rows, json_t *new_rows, json_t *after,
			 bool standby)
{
	json_t *discarded = only_in(old_rows, after);
	bool same = json_equal(after, new_rows);

	json_object_set_new(summary, "discarded_by_rewind", discarded);
	json_object_set_new(json_object_get(summary, "rows"), "after_rewind", json_copy(after));
	json_object_set_new(summary, "rejoined_as_standby", json_boolean(standby));
	json_object_set_new(summary, "same_rows_after", json_boolean(same));
	print_rows("discarded by the rewind", discarded);
	printf("  the old primary is now %s; its rows are %s the new primary's\n",
	       standby ? "a standby" : "NOT a standby", same ? "exactly" : "NOT");
	printf("  (the lab's roles are now swapped: replab down && replab up starts "
	       "afresh)\n");
	return standby && same ? EXIT_OK : EXIT_FAIL;
}

/* Is the server a standby, in *standby?  False when it could not be asked. */
static bool ask_in_recovery(const struct vm *vm, bool *standby)
{
	json_t *rows = node_queryf(vm, "ask whether the server is a standby", 1, 1,
				   "SELECT pg_is_in_recovery() AS in_recovery");
	bool ok = sql_bool(sql_row(rows, 0), "in_recovery", standby);

	json_decref(rows);
	return ok;
}

int experiment_split_brain(const struct experiment_options *o)
{
	const struct vm *old = lab_find_vm("primary"), *promoted = lab_find_vm("replica");
	char path[PATH_MAX];
	json_t *summary = NULL, *doc, *old_tl = NULL, *new_tl = NULL, *old_rows = NULL,
	       *new_rows = NULL, *after = NULL;
	struct history_clock clock = { 0 };
	struct timeline x;
	struct writes w = { &x, json_array() };
	bool ok, rejoined = false, standby;
	int rc = EXIT_FAIL;

	printf("split-brain: the replica is promoted while the primary still takes writes\n");
	timeline_begin(&x);
	ok = node_execf(old, "DROP TABLE IF EXISTS split_brain") &&
	     node_execf(old, "CREATE TABLE split_brain"
			     " (id int PRIMARY KEY, written_on text NOT NULL)") &&
	     write_rows(&w, old, 1, 100, "before the split", "old-primary", 0) &&
	     standby_caught_up(old, "replica", 60000) >= 0;
	if (ok)
		timeline_event(&x, "rows 1-100 written on the primary and replicated");
	ok = ok && experiment_cut(old, promoted);
	if (ok)
		timeline_event(&x, "cut: the primary and the replica cannot see each other");
	ok = ok && node_execf(promoted, "SELECT pg_promote(true, 60)");
	if (ok)
		timeline_event(&x, "replica promoted: two primaries");
	ok = ok && write_rows(&w, old, 101, 130, "old primary", "old-primary", 0) &&
	     write_rows(&w, promoted, 121, 150, "new primary", "new-primary", NEW_SEQ_BASE);
	if (ok)
		timeline_event(&x, "old primary wrote 101-130, new primary 121-150");
	experiment_heal(old, promoted);
	timeline_event(&x, "heal");
	ok = ok && (old_rows = rows_of(old)) && (new_rows = rows_of(promoted));
	if (ok) {
		old_tl = timeline_of(old);
		new_tl = timeline_of(promoted);
		summary = json_pack("{s:O,s:O,s:o,s:o,s:{s:O,s:O}}", "old_primary", old_tl,
				    "new_primary", new_tl, "only_on_old_primary",
				    only_in(old_rows, new_rows), "only_on_new_primary",
				    only_in(new_rows, old_rows), "rows", "old_primary", old_rows,
				    "new_primary", new_rows);
		printf("\ndivergence:\n  old primary: timeline %d\n  new primary: timeline %d, "
		       "forked from: ",
		       (int) json_integer_value(json_object_get(old_tl, "timeline")),
		       (int) json_integer_value(json_object_get(new_tl, "timeline")));
		str_print_safe(stdout, json_is_string(json_object_get(new_tl, "history"))
					       ? json_string_value(json_object_get(new_tl, "histor"
											   "y"))
					       : "?");
		putchar('\n');
		print_rows("rows only on the old primary", json_object_get(summary, "only_on_old_"
										    "primary"));
		print_rows("rows only on the new primary", json_object_get(summary, "only_on_new_"
										    "primary"));
		printf("\n%s\n", fencing);
		printf("rejoining the old primary as a standby of the new one (pg_rewind)\n");
		timeline_event(&x, "rewind started");
		rejoined = node_rejoin(old, promoted->addr,
				       lab_state_path("rejoin.log", path, sizeof(path))) &&
			   standby_caught_up(promoted, "primary", 120000) >= 0;
		timeline_event(&x, rejoined ? "old primary streams from the new one"
					    : "the old primary did not rejoin");
		if (!rejoined)
			log_error("rejoining failed (see %s)", path);
	}
	if (rejoined && (after = rows_of(old)) && ask_in_recovery(old, &standby))
		rc = report_rewind(summary, old_rows, new_rows, after, standby);
	if (summary && !check_history(&w, promoted, summary))
		rc = EXIT_FAIL;
	if (summary) {
		doc = json_pack("{s:s,s:O,s:O,s:O}", "experiment", "split-brain", "summary",
				summary, "events", x.events, "samples", x.samples);
		history_clock_harness(&clock);
		if (!history_save(doc, w.records, &clock, "split-brain", o->json_path) ||
		    !experiment_save(doc, "split-brain", o->json_path))
			rc = EXIT_FAIL;
		json_decref(doc);
	}
	json_decref(w.records);
	json_decref(summary);
	json_decref(old_rows);
	json_decref(new_rows);
	json_decref(after);
	json_decref(old_tl);
	json_decref(new_tl);
	timeline_free(&x);
	return rc;
}
