/*
 * exp_wal.c — "replab experiment wal-retention": how long a primary keeps
 * the WAL a disconnected replica will need.  The primary keeps only
 * wal_keep_size = 16MB beyond what checkpoints need; the replica is cut
 * off while the primary writes --segments WAL segments (a small row and
 * pg_switch_wal() each) and checkpoints.
 *
 *   1. With a physical replication slot: the slot pins the WAL
 *      (pg_replication_slots.wal_status, safe_wal_size; pg_wal grows: the
 *      disk cost); after the heal the replica catches up.
 *   2. Without: the checkpoint removes the segment the replica needs next;
 *      after the heal it can never stream again ("requested WAL segment ...
 *      has already been removed").  It is then rebuilt with a new base
 *      backup, and the primary's settings are restored.
 *
 * Each row is a write of wal-retention.history.jsonl (history.h), committed
 * on its own: writer "slot" or "no-slot" (the phase), seq 1..--segments,
 * with the WAL position after its commit.  Each phase's writes are checked
 * against the replica (losses.h) once it caught up (1) or was rebuilt (2):
 * the phase's "checks", none lost.
 */
#define _GNU_SOURCE
#include "clock.h"
#include "experiment.h"
#include "history_log.h"
#include "lab/faults.h"
#include "interrupt.h"
#include "log.h"
#include "lsn.h"
#include "lab/node.h"
#include "losses.h"
#include "strutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT	     "replab_replica"
#define REMOVED_TEXT "has already been removed"

struct run {
	const struct vm *primary, *replica;
	struct timeline x;
	int segments;
	json_t *phases;
	json_t *records;	    /* the history: every phase's writes */
	struct history_clock clock; /* the primary's, for their times */
};

/* Cut the replica off, write the segments as writer's writes onto mine, checkpoint. */
static bool cut_and_write(struct run *r, const char *writer, json_t *mine)
{
	char sql[128], *statement[] = { sql };

	if (!experiment_cut(r->primary, r->replica))
		return false;
	timeline_event(&r->x, "cut");
	for (int g = 1; g <= r->segments; g++) {
		xsnprintf(sql, sizeof(sql), "INSERT INTO wal_retention VALUES ('%s', %d)", writer,
			  g);
		if (!history_commit(mine, &r->clock, r->primary, writer, g, statement, 1) ||
		    !node_execf(r->primary, "SELECT pg_switch_wal()"))
			return false;
	}
	if (!node_execf(r->primary, "CHECKPOINT"))
		return false;
	timeline_event(&r->x, "%d WAL segments written, checkpoint done", r->segments);
	return true;
}

static void heal(struct run *r)
{
	experiment_heal(r->primary, r->replica);
	timeline_event(&r->x, "heal");
}

/* What the primary's pg_wal holds, in bytes; 0 when it could not be asked. */
static long long pg_wal_bytes(struct run *r)
{
	json_t *rows = node_queryf(r->primary, "measure pg_wal", 1, 1,
				   "SELECT sum(size) AS bytes FROM pg_ls_waldir()");
	long long bytes;

	if (!sql_int(sql_row(rows, 0), "bytes", &bytes))
		bytes = 0;
	json_decref(rows);
	return bytes;
}

/* "wal_status|safe_wal_size" of the slot into buf, left alone when there is none. */
static void slot_status(struct run *r, char *buf, size_t len)
{
	json_t *rows = node_queryf(r->primary, "read the slot's state", SQL_ANY_ROWS, 2,
				   "SELECT wal_status, coalesce(safe_wal_size::text, 'unlimited')"
				   " AS safe_wal_size FROM pg_replication_slots"
				   " WHERE slot_name = '" SLOT "'");
	const char *wal_status = sql_text(sql_row(rows, 0), "wal_status");
	const char *safe_wal_size = sql_text(sql_row(rows, 0), "safe_wal_size");

	if (wal_status && safe_wal_size)
		snprintf(buf, len, "%s|%s", wal_status, safe_wal_size);
	json_decref(rows);
}

/*
 * The phase's writes (writer's, mine) checked against the replica into
 * phase's "checks"; whether none was lost.
 */
static bool check_writes(struct run *r, const char *writer, const json_t *mine, json_t *phase)
{
	json_t *checks;
	char sql[128];
	json_int_t lost;

	xsnprintf(sql, sizeof(sql), "SELECT writer, seq FROM wal_retention WHERE writer = '%s'",
		  writer);
	if (!(checks = losses_check_standby(r->replica, mine, writer, sql)))
		return false;
	lost = json_integer_value(json_object_get(json_object_get(checks, "lost_writes"), "count"));
	printf("  the history, checked against the replica: %zu writes, %lld lost\n",
	       json_array_size(mine), (long long) lost);
	json_object_set_new(phase, "checks", checks);
	return lost == 0;
}

/* Drop the slot unless the replica still uses it: whether it went. */
static bool drop_slot(struct run *r)
{
	json_t *rows = node_queryf(r->primary, "drop the replication slot", 1, 1,
				   "SELECT count(pg_drop_replication_slot(slot_name)) AS dropped"
				   " FROM pg_replication_slots"
				   " WHERE slot_name = '" SLOT "' AND NOT active");
	long long dropped;
	bool ok = sql_int(sql_row(rows, 0), "dropped", &dropped) && dropped == 1;

	json_decref(rows);
	return ok;
}

static bool with_slot(struct run *r)
{
	char status[128] = "";
	long long before, during, after;
	json_t *mine = json_array(), *phase;
	double caught_up;
	bool kept;

	printf("\n== 1. with a physical replication slot\n");
	before = pg_wal_bytes(r);
	if (!experiment_slot(r->primary, SLOT) ||
	    !experiment_set(r->replica, "primary_slot_name", SLOT)) {
		json_decref(mine);
		return false;
	}
	timeline_event(&r->x, "slot " SLOT " created, the replica uses it");
	if (standby_caught_up(r->primary, "replica", 60000) < 0 ||
	    !cut_and_write(r, "slot", mine)) {
		json_array_extend(r->records, mine);
		json_decref(mine);
		return false;
	}
	slot_status(r, status, sizeof(status));
	during = pg_wal_bytes(r);
	timeline_event(&r->x, "slot: wal_status|safe_wal_size = %s; pg_wal holds %lld MB", status,
		       during >> 20);
	heal(r);
	caught_up = standby_caught_up(r->primary, "replica", 120000);
	timeline_event(&r->x,
		       caught_up >= 0 ? "the replica caught up" : "the replica did not catch up");
	node_execf(r->primary, "CHECKPOINT");
	after = pg_wal_bytes(r);
	phase = json_pack("{s:s,s:s,s:I,s:I,s:I,s:f,s:b}", "phase", "slot", "slot_status", status,
			  "pg_wal_bytes_before", (json_int_t) before, "pg_wal_bytes_during",
			  (json_int_t) during, "pg_wal_bytes_after", (json_int_t) after,
			  "caught_up_after_heal_ms", caught_up, "survived", caught_up >= 0);
	kept = caught_up >= 0 && check_writes(r, "slot", mine, phase);
	json_array_append_new(r->phases, phase);
	json_array_extend(r->records, mine);
	json_decref(mine);
	/* The slot goes once the replica has stopped using it. */
	node_execf(r->replica, "ALTER SYSTEM RESET primary_slot_name");
	node_execf(r->replica, "SELECT pg_reload_conf()");
	for (int i = 0; i < 60 && !interrupted() && !drop_slot(r); i++)
		clock_sleep_ms(500);
	timeline_event(&r->x, "slot dropped");
	return kept;
}

/*
 * Where the replica's WAL receiver got to, in *pos, and as the server wrote
 * it in text ("" when it could not be asked); false when it is no LSN.
 */
static bool received_lsn(struct run *r, lsn_t *pos, char *text, size_t len)
{
	json_t *rows = node_queryf(r->replica, "read the replica's position", 1, 1,
				   "SELECT pg_last_wal_receive_lsn() AS lsn");
	const char *lsn = sql_text(sql_row(rows, 0), "lsn");
	bool ok = sql_lsn(sql_row(rows, 0), "lsn", pos);

	snprintf(text, len, "%s", lsn ? lsn : "");
	json_decref(rows);
	return ok;
}

/* The segment holding lsn into buf, and whether the primary has removed it. */
static bool segment_removed(struct run *r, const char *lsn, char *buf, size_t len)
{
	json_t *rows = node_queryf(r->primary, "look for the replica's next segment", 1, 2,
				   "SELECT pg_walfile_name('%s') AS segment,"
				   " NOT EXISTS (SELECT FROM pg_ls_waldir()"
				   " WHERE name = pg_walfile_name('%s')) AS removed",
				   lsn, lsn);
	const char *segment = sql_text(sql_row(rows, 0), "segment");
	bool removed = false;

	if (segment)
		snprintf(buf, len, "%s", segment);
	if (!sql_bool(sql_row(rows, 0), "removed", &removed))
		removed = false;
	json_decref(rows);
	return removed;
}

static bool without_slot(struct run *r)
{
	static const char *const removed[] = { REMOVED_TEXT, NULL };
	char received[64] = "", lsn[LSN_TEXT_MAX] = "", needed[96] = "", path[PATH_MAX];
	json_t *lines = json_array(), *mine = json_array(), *phase;
	const char *message;
	long mark = experiment_log_mark(r->replica);
	lsn_t pos;
	double rebuilt;
	bool gone = false, broke, kept;

	printf("\n== 2. without a slot: only wal_keep_size = 16MB\n");
	if (standby_caught_up(r->primary, "replica", 60000) < 0 ||
	    !cut_and_write(r, "no-slot", mine)) {
		json_array_extend(r->records, mine);
		json_decref(lines);
		json_decref(mine);
		return false;
	}
	/*
	 * The replica's answer goes into the primary's SQL: only as an LSN it
	 * parses as, printed again by lsn_format (hex digits and a slash).
	 */
	if (received_lsn(r, &pos, received, sizeof(received))) {
		lsn_format(pos, lsn);
		gone = segment_removed(r, lsn, needed, sizeof(needed));
	} else {
		log_error("the replica gave no WAL position (pg_last_wal_receive_lsn() = "
			  "\"%.40s\")",
			  received);
		snprintf(lsn, sizeof(lsn), "unknown");
		snprintf(needed, sizeof(needed), "unknown");
	}
	timeline_event(&r->x, "the replica needs %s (from %s): %s", needed, lsn,
		       gone ? "the primary has removed it" : "still there");
	heal(r);
	broke = standby_caught_up(r->primary, "replica", 15000) < 0;
	experiment_log_lines(r->replica, mark, removed, 1, lines);
	message = json_array_size(lines) ? json_string_value(json_array_get(lines, 0)) : "";
	timeline_event(&r->x, broke ? "15 s after the heal the replica still does not stream"
				    : "the replica streams again");
	if (message[0]) {
		printf("  the replica's log: ");
		str_print_safe(stdout, message);
		putchar('\n');
	}
	printf("  rebuilding the replica: a new base backup (pg_basebackup) from the primary\n");
	timeline_event(&r->x, "rebuild started");
	if (!node_rebuild(r->replica, lab_state_path("rebuild.log", path, sizeof(path))))
		log_error("rebuilding the replica failed (see %s)", path);
	rebuilt = standby_caught_up(r->primary, "replica", 180000);
	timeline_event(&r->x, rebuilt >= 0 ? "rebuilt replica streaming"
					   : "the rebuilt replica does not stream");
	phase = json_pack("{s:s,s:s,s:s,s:b,s:b,s:s,s:b}", "phase", "no slot", "needed_segment",
			  needed, "replica_lsn", lsn, "segment_removed", gone, "replica_broke",
			  broke, "log_line", message, "rebuilt", rebuilt >= 0);
	kept = rebuilt >= 0 && check_writes(r, "no-slot", mine, phase);
	json_array_append_new(r->phases, phase);
	json_array_extend(r->records, mine);
	json_decref(lines);
	json_decref(mine);
	return gone && broke && kept;
}

/* What a server answered, if it is a WAL name or a slot state: letters, digits, '|' and '.'; else
 * "?". */
static const char *printable(const char *s)
{
	return s && s[strspn(s, "0123456789ABCDEFabcdefghijklmnopqrstuvwxyz_|.")] == '\0' ? s : "?";
}

static void print_summary(json_t *phases)
{
	json_t *slot = json_array_get(phases, 0), *none = json_array_get(phases, 1);

	printf("\nsummary:\n");
	if (slot)
		printf("  with a slot:    the replica %s; slot %s (wal_status|safe_wal_size);\n"
		       "                  pg_wal %lld MB before, %lld MB during the cut, %lld MB "
		       "after\n",
		       json_is_true(json_object_get(slot, "survived")) ? "survived and caught up"
								       : "did NOT catch up",
		       printable(json_string_value(json_object_get(slot, "slot_status"))),
		       (long long) json_integer_value(json_object_get(slot, "pg_wal_bytes_"
									    "before")) >>
			       20,
		       (long long) json_integer_value(json_object_get(slot, "pg_wal_bytes_"
									    "during")) >>
			       20,
		       (long long) json_integer_value(json_object_get(slot, "pg_wal_bytes_"
									    "after")) >>
			       20);
	if (none)
		printf("  without a slot: segment %s %s; the replica %s; rebuilt: %s\n",
		       printable(json_string_value(json_object_get(none, "needed_segment"))),
		       json_is_true(json_object_get(none, "segment_removed")) ? "removed" : "kept",
		       json_is_true(json_object_get(none, "replica_broke")) ? "could not stream "
									      "again"
									    : "recovered",
		       json_is_true(json_object_get(none, "rebuilt")) ? "yes" : "no");
	printf("\n  A slot makes the primary keep every segment its standby has not confirmed,\n"
	       "  however long it is away: set max_slot_wal_keep_size so that a standby gone\n"
	       "  for good cannot fill the primary's disk.  Without a slot, wal_keep_size is\n"
	       "  all the slack there is.\n");
}

int experiment_wal_retention(const struct experiment_options *o)
{
	struct run r = { .primary = lab_find_vm("primary"),
			 .replica = lab_find_vm("replica"),
			 .segments = o->segments,
			 .phases = json_array(),
			 .records = json_array() };
	bool ok;
	json_t *doc;
	int rc = EXIT_FAIL;

	printf("wal-retention: the replica cut off while the primary writes %d WAL segments (16 MB "
	       "each)\n",
	       o->segments);
	timeline_begin(&r.x);
	ok = history_clock_measure(r.primary, &r.x, &r.clock) &&
	     node_execf(r.primary, "DROP TABLE IF EXISTS wal_retention") &&
	     node_execf(r.primary, "CREATE TABLE wal_retention"
				   " (writer text, seq int, PRIMARY KEY (writer, seq))") &&
	     experiment_set(r.primary, "wal_keep_size", "16MB");
	if (ok)
		timeline_event(&r.x, "primary: wal_keep_size = 16MB");
	ok = ok && with_slot(&r);
	ok = ok && without_slot(&r);
	experiment_heal(r.primary, r.replica);
	print_summary(r.phases);
	doc = json_pack("{s:s,s:i,s:O,s:O,s:O}", "experiment", "wal-retention", "segments",
			o->segments, "phases", r.phases, "events", r.x.events, "samples",
			r.x.samples);
	history_clock_harness(&r.clock);
	if (history_save(doc, r.records, &r.clock, "wal-retention", o->json_path) &&
	    experiment_save(doc, "wal-retention", o->json_path) && ok)
		rc = EXIT_OK;
	json_decref(doc);
	json_decref(r.records);
	json_decref(r.phases);
	timeline_free(&r.x);
	return rc;
}
