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
 */
#define _GNU_SOURCE
#include "experiment.h"
#include "lab/faults.h"
#include "log.h"
#include "lab/node.h"
#include "strutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The entries of list (comma-separated) that are not in other, as a JSON array. */
static json_t *only_in(const char *list, const char *other)
{
	json_t *out = json_array();
	char *copy = xstrdup(list), *padded = NULL, *save = NULL;

	if (asprintf(&padded, ",%s,", other) < 0)
		fatal("out of memory");
	for (char *row = strtok_r(copy, ",", &save); row; row = strtok_r(NULL, ",", &save)) {
		char needle[80];

		xsnprintf(needle, sizeof(needle), ",%s,", row);
		if (!strstr(padded, needle))
			json_array_append_new(out, json_string(row));
	}
	free(copy);
	free(padded);
	return out;
}

/* "id:written_on" of every row on one side, comma-separated. */
static bool rows_of(const struct vm *vm, char *buf, size_t len)
{
	return node_sqlf(vm, buf, len,
			 "SELECT coalesce(string_agg(id || ':' || written_on, ',' ORDER BY id), "
			 "'') FROM split_brain");
}

/* The same as a JSON array. */
static json_t *row_array(const char *list)
{
	return only_in(list, "");
}

static bool write_rows(const struct vm *vm, int first, int last, const char *side)
{
	return node_sqlf(vm, NULL, 0,
			 "INSERT INTO split_brain (id, written_on) SELECT g, '%s' FROM "
			 "generate_series(%d, %d) AS g",
			 side, first, last);
}

/* The timeline a server writes on, and for a promoted one where it forked. */
static json_t *timeline_of(const struct vm *vm)
{
	char tli[16] = "", history[256] = "";

	node_sqlf(vm, tli, sizeof(tli),
		  "SELECT ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, "
		  "8))::bit(32)::int");
	if (atoi(tli) > 1)
		node_sqlf(vm, history, sizeof(history),
			  "SELECT replace(pg_read_file('pg_wal/' || lpad(upper(to_hex(%d)), 8, "
			  "'0') || '.history'), E'\\t', ' ')",
			  atoi(tli));
	return json_pack("{s:i,s:s}", "timeline", atoi(tli), "history", history);
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

int experiment_split_brain(const struct experiment_options *o)
{
	const struct vm *old = lab_find_vm("primary"), *promoted = lab_find_vm("replica");
	char old_rows[8192] = "", new_rows[8192] = "", after[8192] = "", path[PATH_MAX],
	     in_recovery[8] = "";
	json_t *summary = NULL, *doc, *old_tl = NULL, *new_tl = NULL;
	struct timeline x;
	bool ok, rejoined = false;
	int rc = EXIT_FAIL;

	printf("split-brain: the replica is promoted while the primary still takes writes\n");
	timeline_begin(&x);
	ok = node_sqlf(old, NULL, 0, "DROP TABLE IF EXISTS split_brain") &&
	     node_sqlf(old, NULL, 0,
		       "CREATE TABLE split_brain (id int PRIMARY KEY, written_on text NOT NULL)") &&
	     write_rows(old, 1, 100, "before the split") &&
	     standby_caught_up(old, "replica", 60000) >= 0;
	if (ok)
		timeline_event(&x, "rows 1-100 written on the primary and replicated");
	ok = ok && experiment_cut(old, promoted);
	if (ok)
		timeline_event(&x, "cut: the primary and the replica cannot see each other");
	ok = ok && node_sqlf(promoted, NULL, 0, "SELECT pg_promote(true, 60)");
	if (ok)
		timeline_event(&x, "replica promoted: two primaries");
	ok = ok && write_rows(old, 101, 130, "old primary") &&
	     write_rows(promoted, 121, 150, "new primary");
	if (ok)
		timeline_event(&x, "old primary wrote 101-130, new primary 121-150");
	experiment_heal(old, promoted);
	timeline_event(&x, "heal");
	ok = ok && rows_of(old, old_rows, sizeof(old_rows)) &&
	     rows_of(promoted, new_rows, sizeof(new_rows));
	if (ok) {
		old_tl = timeline_of(old);
		new_tl = timeline_of(promoted);
		summary = json_pack("{s:O,s:O,s:o,s:o,s:{s:o,s:o}}", "old_primary", old_tl,
				    "new_primary", new_tl, "only_on_old_primary",
				    only_in(old_rows, new_rows), "only_on_new_primary",
				    only_in(new_rows, old_rows), "rows", "old_primary",
				    row_array(old_rows), "new_primary", row_array(new_rows));
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
	if (rejoined && rows_of(old, after, sizeof(after)) &&
	    node_sqlf(old, in_recovery, sizeof(in_recovery), "SELECT pg_is_in_recovery()")) {
		json_t *discarded = only_in(old_rows, after);

		json_object_set_new(summary, "discarded_by_rewind", discarded);
		json_object_set_new(json_object_get(summary, "rows"), "after_rewind",
				    row_array(after));
		json_object_set_new(summary, "rejoined_as_standby",
				    json_boolean(strcmp(in_recovery, "t") == 0));
		json_object_set_new(summary, "same_rows_after",
				    json_boolean(strcmp(after, new_rows) == 0));
		print_rows("discarded by the rewind", discarded);
		printf("  the old primary is now %s; its rows are %s the new primary's\n",
		       strcmp(in_recovery, "t") == 0 ? "a standby" : "NOT a standby",
		       strcmp(after, new_rows) == 0 ? "exactly" : "NOT");
		printf("  (the lab's roles are now swapped: replab down && replab up starts "
		       "afresh)\n");
		rc = strcmp(in_recovery, "t") == 0 && strcmp(after, new_rows) == 0 ? EXIT_OK
										   : EXIT_FAIL;
	}
	if (summary) {
		doc = json_pack("{s:s,s:O,s:O,s:O}", "experiment", "split-brain", "summary",
				summary, "events", x.events, "samples", x.samples);
		if (!experiment_save(doc, "split-brain", o->json_path))
			rc = EXIT_FAIL;
		json_decref(doc);
	}
	json_decref(summary);
	json_decref(old_tl);
	json_decref(new_tl);
	timeline_free(&x);
	return rc;
}
