/*
 * exp_slotfill.c — "replab experiment slot-fills-disk": a replication slot
 * protects its standby's WAL, and can kill the primary for it.  pg_wal is
 * on each VM's own 256 MiB WAL disk (images/guest/wal-disk.sh).
 *
 *   1. The replica away (cut off) with a physical slot: a client writes a
 *      row and a WAL segment switch at a time, each committed on its own;
 *      the slot pins every segment until pg_wal's disk is full and the
 *      server PANICs (its log's lines shown).  The way back: delete the
 *      disk's 32 MiB reserve file, start the server, let the replica come
 *      back and catch up from the slot, checkpoint: the WAL goes, and the
 *      reserve is made again.  The writes are the experiment's history
 *      (slot-fills-disk.history.jsonl, writer "fill"), checked against
 *      the primary after its crash recovery and against the replica: none
 *      acknowledged is lost, and the one in doubt is looked up.
 *   2. The same with max_slot_wal_keep_size set: at each segment the slot's
 *      wal_status and safe_wal_size, reserved -> extended -> unreserved ->
 *      lost; the primary lives, and the replica, whose WAL is gone, is
 *      rebuilt.
 */
#define _GNU_SOURCE
#include "clock.h"
#include "experiment.h"
#include "history_log.h"
#include "interrupt.h"
#include "lab/faults.h"
#include "lab/jsonfile.h"
#include "lab/lifecycle.h"
#include "lab/node.h"
#include "lab/vm.h"
#include "log.h"
#include "losses.h"
#include "strutil.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SLOT	  "replab_replica"
#define WAL_MOUNT "/var/lib/replab/wal"
#define RESERVE	  WAL_MOUNT "/reserve"
#define KEEP_SIZE "96MB" /* max_slot_wal_keep_size in phase 2: above max_wal_size (64MB) */
/*
 * tcp_user_timeout in phase 2.  The checkpointer that invalidates the slot
 * terminates the WAL sender holding it and waits for it to exit, and that
 * WAL sender, sending to the cut-off replica, is blocked on its full
 * socket (wait event ClientWrite), even its last error message: until TCP
 * gives up, about 15 minutes, the CHECKPOINT hangs.  With this, the kernel
 * fails the send once data has gone unacknowledged this long.
 */
#define SEND_TIMEOUT	  "10s"
#define MAX_SEGMENTS	  40 /* 640 MB: more than the disk holds */
#define MAX_SEGMENTS_TEXT "40"

#define WRITER	  "fill"
#define FOUND_SQL "SELECT '" WRITER "' AS writer, seq FROM slot_fill"

struct run {
	const struct vm *primary, *replica;
	struct timeline x;
	json_t *phases;
	json_t *records;	    /* the history: phase 1's writes */
	struct history_clock clock; /* the primary's, for their times */
};

/* A root shell command in vm's guest: whether it exited with 0 (its output in STATE/slotfill.log).
 */
static bool guest_sh(const struct vm *vm, const char *script)
{
	char *cmd[] = { "sh", "-c", (char *) script, NULL };
	char path[PATH_MAX];

	return node_run(vm, cmd, lab_state_path("slot-fills-disk.log", path, sizeof(path))) == 0;
}

/* What the primary's pg_wal holds, in bytes; -1 when it could not be asked. */
static long long pg_wal_bytes(const struct run *r)
{
	json_t *rows = node_queryf(r->primary, "measure pg_wal", 1, 1,
				   "SELECT sum(size) AS bytes FROM pg_ls_waldir()");
	long long bytes;

	if (!sql_int(sql_row(rows, 0), "bytes", &bytes))
		bytes = -1;
	json_decref(rows);
	return bytes;
}

/*
 * The guest's side of a loop over WAL segments, run in one SSH session (a
 * round trip from the host per step costs seconds under emulation): psql
 * as postgres in database lab, stopping at the first error.
 */
#define GUEST_PSQL "cd /tmp && " NODE_AS_POSTGRES " psql -XAtq -v ON_ERROR_STOP=1 -d lab"
/* One more segment: a message, then a switch. */
#define SWITCH_SQL "SELECT pg_switch_wal() FROM pg_logical_emit_message(false, 'replab', 'fill')"
/* "WAL_STATUS SAFE_MB" of the slot; SAFE_MB "unlimited" with no limit, "none" once lost. */
#define SLOT_STATE_SQL                                                           \
	"(SELECT wal_status || ' ' || CASE WHEN safe_wal_size IS NOT NULL"       \
	" THEN (safe_wal_size >> 20)::text WHEN wal_status = 'lost' THEN 'none'" \
	" ELSE 'unlimited' END FROM pg_replication_slots WHERE slot_name = '" SLOT "')"
#define WAL_BYTES_SQL "(SELECT sum(size) FROM pg_ls_waldir())"

/* Run a guest loop on the primary; its output's lines, or NULL (logged) when it failed. */
static json_t *guest_loop(const struct run *r, const char *script)
{
	char *cmd[] = { "sh", "-c", (char *) script, NULL }, path[PATH_MAX], *line = NULL;
	json_t *lines;
	size_t cap = 0;
	FILE *f;

	lab_state_fresh("slot-fills-disk.out", path, sizeof(path));
	if (node_run(r->primary, cmd, path) != 0 || !(f = fopen(path, "r"))) {
		log_error("the primary's loop over WAL segments failed (see %s)", path);
		return NULL;
	}
	lines = json_array();
	while (getline(&line, &cap, f) > 0)
		json_array_append_new(lines, json_string(str_trim(line)));
	free(line);
	fclose(f);
	return lines;
}

/* The server answers within timeout_ms. */
static bool server_answers(const struct vm *vm, int timeout_ms)
{
	double deadline = clock_now_ms() + timeout_ms;

	while (!interrupted()) {
		if (node_execf(vm, "SELECT 1"))
			return true;
		if (clock_now_ms() > deadline)
			return false;
		clock_sleep_ms(1000);
	}
	return false;
}

/* ---- the way back from a full WAL disk ------------------------------------ */

/*
 * Room on the primary's WAL disk again: the reserve deleted, the server
 * (re)started, the replica back and caught up from its slot, a checkpoint
 * to remove what it no longer needs, the reserve made again.  Also run
 * when the experiment is cut short after the disk filled.
 */
static bool make_room(const struct run *r)
{
	bool ok;

	ok = guest_sh(r->primary, "rm -f " RESERVE " && systemctl restart replab-postgres") &&
	     server_answers(r->primary, 120000);
	faults_heal_pair(r->primary, r->replica);
	ok = ok && standby_caught_up(r->primary, "replica", 180000) >= 0;
	ok = ok && node_execf(r->primary, "CHECKPOINT");
	return guest_sh(r->primary, "[ -e " RESERVE " ] || fallocate -l 32M " RESERVE) && ok;
}

static void undo_full_disk(void *arg)
{
	if (!make_room(arg))
		log_warning("the primary's WAL disk may still be full: look at it by hand "
			    "(replab exec primary -- df -h " WAL_MOUNT ")");
}

/* ---- 1. no limit ----------------------------------------------------------- */

/*
 * Write until the disk is full: MAX_SEGMENTS rows, each in a transaction
 * of its own that switches to a new WAL segment first and keeps pg_wal's
 * size then (history_commit: one psql session, the server's clock around
 * each).  Whether one failed: the server's end.
 */
static bool fill_until_failure(struct run *r)
{
	char *statements[MAX_SEGMENTS];
	bool all;

	for (int i = 0; i < MAX_SEGMENTS; i++)
		if (asprintf(&statements[i],
			     "INSERT INTO slot_fill (seq, pg_wal_bytes) SELECT %d, " WAL_BYTES_SQL
			     " FROM pg_switch_wal()",
			     i + 1) < 0)
			fatal("out of memory");
	all = history_commit(r->records, &r->clock, r->primary, WRITER, 1, statements,
			     MAX_SEGMENTS);
	for (int i = 0; i < MAX_SEGMENTS; i++)
		free(statements[i]);
	return !all;
}

/* The rows phase 1 committed, read back (once the server is back): its steps, printed. */
static json_t *fill_steps(const struct run *r)
{
	json_t *rows = node_queryf(r->primary, "read the rows written", SQL_ANY_ROWS, 2,
				   "SELECT seq, pg_wal_bytes FROM slot_fill ORDER BY seq"),
	       *steps = json_array();
	long long seq, bytes;

	for (size_t i = 0; i < json_array_size(rows); i++) {
		if (!sql_int(sql_row(rows, i), "seq", &seq) ||
		    !sql_int(sql_row(rows, i), "pg_wal_bytes", &bytes))
			continue;
		json_array_append_new(steps, json_pack("{s:I,s:I}", "segment", (json_int_t) seq,
						       "pg_wal_bytes", (json_int_t) bytes));
		printf("  row %2lld, a segment switch before it: pg_wal held %lld MB\n", seq,
		       bytes >> 20);
	}
	json_decref(rows);
	return steps;
}

/*
 * Phase 1's writes checked against vm (the primary after its crash
 * recovery, the replica once caught up), printed as seen on name; NULL
 * (logged) when they could not be.
 */
static json_t *check_fill(const struct run *r, const struct vm *vm, const char *name)
{
	json_t *checks = losses_check_standby(vm, r->records, "slot-fills-disk", FOUND_SQL),
	       *unknown = json_object_get(checks, "unknown_writes");

	if (!checks)
		return NULL;
	printf("  the history against the %s: %zu writes, %lld acknowledged and lost, %lld "
	       "with no answer (%lld committed)\n",
	       name, json_array_size(r->records),
	       (long long) jfield_int(json_object_get(checks, "lost_writes"), "count"),
	       (long long) jfield_int(unknown, "count"),
	       (long long) jfield_int(unknown, "committed"));
	return checks;
}

/* The log lines that tell how the primary's server met the full disk. */
static const char *const full_texts[] = { "No space left on device", "PANIC",
					  "terminated by signal",    "shutting down",
					  "startup process",	     NULL };

/* checks (or NULL: not made) found no acknowledged write lost. */
static bool none_lost(const json_t *checks)
{
	return checks && jfield_int(json_object_get(checks, "lost_writes"), "count") == 0;
}

static bool slot_kills_primary(struct run *r)
{
	json_t *steps, *lines = json_array(), *checks = NULL, *replica_checks = NULL;
	long long bytes = 0;
	bool died, back, kept;
	long mark;
	int undo;
	size_t i;

	printf("\n== 1. a slot with no limit: the replica away, the primary writing\n");
	if (!node_execf(r->primary, "DROP TABLE IF EXISTS slot_fill") ||
	    !node_execf(r->primary, "CREATE TABLE slot_fill (seq int PRIMARY KEY, pg_wal_bytes "
				    "bigint)") ||
	    !history_clock_measure(r->primary, &r->x, &r->clock) ||
	    !experiment_slot(r->primary, SLOT) ||
	    !experiment_set(r->replica, "primary_slot_name", SLOT) ||
	    standby_caught_up(r->primary, "replica", 60000) < 0 ||
	    !experiment_cut(r->primary, r->replica))
		return false;
	timeline_event(&r->x, "slot " SLOT " in use; the replica cut off");
	mark = experiment_log_mark(r->primary);
	undo = lab_cleanup_push("make room on the primary's WAL disk", undo_full_disk, r);
	printf("  writing rows, a new WAL segment for each, until the primary fails (at most "
	       "%d):\n  the write that meets the full disk fails, as it should (the error below)\n",
	       MAX_SEGMENTS);
	fflush(stdout); /* before the failed write's error, on stderr */
	died = fill_until_failure(r);
	if (interrupted())
		return false;
	timeline_event(&r->x, died ? "the primary failed at write %zu" : "%zu writes committed",
		       json_array_size(r->records));
	clock_sleep_ms(3000);
	experiment_log_lines(r->primary, mark, full_texts, 8, lines);
	for (i = 0; i < json_array_size(lines); i++) {
		printf("  the primary's log: ");
		str_print_safe(stdout, json_string_value(json_array_get(lines, i)));
		putchar('\n');
	}
	back = make_room(r);
	lab_cleanup_pop(undo);
	timeline_event(&r->x,
		       back ? "room made: the server runs, the replica caught up from its slot"
			    : "the way back failed");
	steps = fill_steps(r);
	if (back) {
		checks = check_fill(r, r->primary, "primary after its crash recovery");
		replica_checks = check_fill(r, r->replica, "replica, caught up from its slot");
	}
	kept = none_lost(checks) && none_lost(replica_checks);
	bytes = pg_wal_bytes(r);
	printf("  after the reserve went, a restart and the replica's catch-up: pg_wal holds %lld "
	       "MB\n",
	       bytes >> 20);
	json_array_append_new(r->phases,
			      json_pack("{s:s,s:o,s:b,s:o,s:b,s:I,s:o?,s:o?}", "phase", "no limit",
					"steps", steps, "primary_failed", died, "log_lines", lines,
					"recovered", back, "pg_wal_bytes_after", (json_int_t) bytes,
					"checks", checks, "checks_on_replica", replica_checks));
	return died && back && kept;
}

/* ---- 2. max_slot_wal_keep_size ----------------------------------------------- */

/*
 * One step's output line, "step N BEFORE SAFE AFTER SAFE BYTES" (the slot's
 * state after a segment, then after a checkpoint, and pg_wal's size), into
 * steps and printed; the state after the checkpoint into status.
 */
static void limit_step(const char *line, json_t *steps, char *status, size_t len)
{
	char before[16], safe[16], after[16], safe_after[16];
	long long bytes;
	int n;

	if (sscanf(line, "step %d %15[a-z] %15[-0-9a-z] %15[a-z] %15[-0-9a-z] %lld", &n, before,
		   safe, after, safe_after, &bytes) != 6)
		return;
	printf("  segment %2d: wal_status %-10s safe_wal_size %9s MB | after a checkpoint: %-10s"
	       " %9s MB; pg_wal %lld MB\n",
	       n, before, safe, after, safe_after, bytes >> 20);
	json_array_append_new(steps, json_pack("{s:i,s:s,s:s,s:s,s:s,s:I}", "segment", n,
					       "wal_status", before, "safe_wal_size_mb", safe,
					       "wal_status_after_checkpoint", after,
					       "safe_wal_size_mb_after_checkpoint", safe_after,
					       "pg_wal_bytes", (json_int_t) bytes));
	snprintf(status, len, "%s", after);
}

static const char *const removed_texts[] = { "has already been removed", NULL };

static bool slot_is_lost(struct run *r)
{
	json_t *steps = json_array(), *lines = json_array(), *out, *l;
	char status[32] = "", path[PATH_MAX];
	bool lives, broke, rebuilt;
	long mark = experiment_log_mark(r->replica);
	size_t i;

	printf("\n== 2. the same with max_slot_wal_keep_size = " KEEP_SIZE
	       " (and tcp_user_timeout = " SEND_TIMEOUT ")\n");
	if (!experiment_set(r->primary, "max_slot_wal_keep_size", KEEP_SIZE) ||
	    !experiment_set(r->primary, "tcp_user_timeout", SEND_TIMEOUT) ||
	    standby_caught_up(r->primary, "replica", 60000) < 0 ||
	    !experiment_cut(r->primary, r->replica))
		return false;
	timeline_event(&r->x, "max_slot_wal_keep_size = " KEEP_SIZE "; the replica cut off");
	out = guest_loop(r,
			 "n=0; while [ $n -lt " MAX_SEGMENTS_TEXT " ]; do n=$((n + 1));"
			 " out=$(" GUEST_PSQL " -c \"" SWITCH_SQL "\" -c \"SELECT " SLOT_STATE_SQL
			 "\" -c CHECKPOINT -c \"SELECT " SLOT_STATE_SQL " || ' ' || " WAL_BYTES_SQL
			 "\") || exit 1; line=$(echo \"$out\" | tail -n 2 | tr '\\n' ' ');"
			 " echo \"step $n $line\"; case $line in *' lost none '*) exit 0 ;; esac;"
			 " done");
	json_array_foreach(out, i, l)
		limit_step(json_string_value(l), steps, status, sizeof(status));
	json_decref(out);
	lives = server_answers(r->primary, 10000);
	timeline_event(&r->x, "slot %s after %zu segments; the primary %s", status,
		       json_array_size(steps), lives ? "lives" : "does NOT answer");
	experiment_heal(r->primary, r->replica);
	broke = standby_caught_up(r->primary, "replica", 15000) < 0;
	experiment_log_lines(r->replica, mark, removed_texts, 1, lines);
	for (i = 0; i < json_array_size(lines); i++) {
		printf("  the replica's log: ");
		str_print_safe(stdout, json_string_value(json_array_get(lines, i)));
		putchar('\n');
	}
	timeline_event(&r->x, broke ? "the replica cannot stream again" : "the replica streams");
	/* Not copied into the new replica's settings by its base backup. */
	node_execf(r->primary, "ALTER SYSTEM RESET max_slot_wal_keep_size");
	node_execf(r->primary, "ALTER SYSTEM RESET tcp_user_timeout");
	node_execf(r->primary, "SELECT pg_reload_conf()");
	printf("  rebuilding the replica: a new base backup (pg_basebackup) from the primary\n");
	if (!node_rebuild(r->replica, lab_state_path("rebuild.log", path, sizeof(path))))
		log_error("rebuilding the replica failed (see %s)", path);
	rebuilt = standby_caught_up(r->primary, "replica", 180000) >= 0;
	timeline_event(&r->x, rebuilt ? "rebuilt replica streaming"
				      : "the rebuilt replica does not stream");
	json_array_append_new(r->phases,
			      json_pack("{s:s,s:s,s:o,s:s,s:b,s:b,s:o,s:b}", "phase",
					"max_slot_wal_keep_size", "max_slot_wal_keep_size",
					KEEP_SIZE, "steps", steps, "final_wal_status", status,
					"primary_lives", lives, "replica_broke", broke, "log_lines",
					lines, "rebuilt", rebuilt));
	return strcmp(status, "lost") == 0 && lives && broke && rebuilt;
}

/* ---- the summary ------------------------------------------------------------- */

/* The distinct wal_status values phase 2 went through, in order, as "a -> b -> c". */
static void status_path(const json_t *phase, char *buf, size_t len)
{
	const char *last = "";
	size_t i, used = 0;
	json_t *s;

	buf[0] = '\0';
	json_array_foreach(json_object_get(phase, "steps"), i, s) {
		const char *keys[] = { "wal_status", "wal_status_after_checkpoint" };

		for (int k = 0; k < 2; k++) {
			const char *v = json_string_value(json_object_get(s, keys[k]));

			if (v && strcmp(v, last) != 0 && used + strlen(v) + 5 < len) {
				used += (size_t) snprintf(buf + used, len - used, "%s%s",
							  used ? " -> " : "", v);
				last = v;
			}
		}
	}
}

static void print_summary(const json_t *phases)
{
	const json_t *full = json_array_get(phases, 0), *limit = json_array_get(phases, 1);
	char path[256];

	printf("\nsummary:\n");
	if (full)
		printf("  no limit:  the primary %s; after the reserve went and the replica "
		       "caught up: %s\n",
		       json_is_true(json_object_get(full, "primary_failed"))
			       ? "stopped when pg_wal's disk was full"
			       : "did NOT fail",
		       json_is_true(json_object_get(full, "recovered")) ? "back" : "NOT back");
	if (limit) {
		status_path(limit, path, sizeof(path));
		printf("  max_slot_wal_keep_size = %s: %s; the primary %s; the replica %s, "
		       "rebuilt: %s\n",
		       KEEP_SIZE, path,
		       json_is_true(json_object_get(limit, "primary_lives")) ? "lived"
									     : "did NOT live",
		       json_is_true(json_object_get(limit, "replica_broke")) ? "lost its WAL"
									     : "kept streaming",
		       json_is_true(json_object_get(limit, "rebuilt")) ? "yes" : "no");
	}
	printf("\n  A slot keeps every segment its standby has not confirmed, for as long as\n"
	       "  it is away: with no limit, a standby gone for long enough fills the\n"
	       "  primary's pg_wal and stops it.  max_slot_wal_keep_size trades the\n"
	       "  standby for the primary: the slot is given up, and the standby rebuilt.\n");
}

int experiment_slot_fills_disk(const struct experiment_options *o)
{
	struct run r = { .primary = lab_find_vm("primary"),
			 .replica = lab_find_vm("replica"),
			 .phases = json_array() };
	json_t *doc;
	bool ok;
	int rc = EXIT_FAIL;

	if (!vm_pid(r.primary) || !vm_pid(r.replica)) {
		log_error("slot-fills-disk needs the VM lab: pg_wal's own disk is a VM's");
		log_hint("replab up brings up the VMs");
		json_decref(r.phases);
		return EXIT_FAIL;
	}
	if (!guest_sh(r.primary,
		      "mountpoint -q " WAL_MOUNT " && [ -L /var/lib/replab/pgdata/pg_wal ]")) {
		log_error("the primary's pg_wal is not on a WAL disk of its own");
		log_hint("a lab from images older than its WAL disk: make lab, then replab down "
			 "and replab up");
		json_decref(r.phases);
		return EXIT_FAIL;
	}
	printf("slot-fills-disk: the replica away with a replication slot while the primary "
	       "writes,\nwith pg_wal on its own 256 MiB disk\n");
	r.records = json_array();
	timeline_begin(&r.x);
	ok = slot_kills_primary(&r);
	ok = ok && slot_is_lost(&r);
	experiment_heal(r.primary, r.replica);
	print_summary(r.phases);
	doc = json_pack("{s:s,s:O,s:O,s:O}", "experiment", "slot-fills-disk", "phases", r.phases,
			"events", r.x.events, "samples", r.x.samples);
	history_clock_harness(&r.clock);
	if (history_save(doc, r.records, &r.clock, "slot-fills-disk", o->json_path) &&
	    experiment_save(doc, "slot-fills-disk", o->json_path) && ok)
		rc = EXIT_OK;
	json_decref(doc);
	json_decref(r.records);
	json_decref(r.phases);
	timeline_free(&r.x);
	return rc;
}
