/*
 * exp_disk.c — "replab experiment slow-disk": what a slow disk costs, on
 * each side.  The primary's disk held to --iops requests per second: the
 * same writes (pgrepl load: --rate a second for 3 s' worth, one commit at
 * a time, so a slow disk stretches the load's time) without the limit,
 * with it, and with it and synchronous_commit = off, so the commit latency
 * shows who waits for the disk.  Then the replica's disk held to
 * --bandwidth: the same bulk insert on the primary without and with the
 * limit, and how far the standby is behind in flush and replay when the
 * primary commits, how long it takes to catch up, and how often it had no
 * WAL connection meanwhile (a walreceiver stuck in a flush sends no replies,
 * and the primary drops it after wal_sender_timeout).  The limits are
 * QEMU's (lab/disks.h), read back from QEMU into the JSON, and lifted on
 * every exit path.
 *
 * The three loads' histories go into the one slow-disk.history.jsonl, as
 * writer and session "no-limit", "iops" and "iops-async" (each load
 * numbers its writes from 1), each load's clock measured as it ended; each
 * bulk insert is one write of its own there, writer "bulk", seq 1 without
 * the limit and 2 with it.
 */
#include "experiment.h"
#include "clock.h"
#include "history_log.h"
#include "interrupt.h"
#include "lab/disks.h"
#include "log.h"
#include "lab/node.h"
#include "strutil.h"
#include "lab/vm.h"

#include <stdio.h>

#define LOAD_S		    3
#define BULK_ROWS	    30000 /* of 200 bytes each: about 8 MB of WAL */
#define CATCH_UP_TIMEOUT_MS 180000.0

/* The history of the run: its writes, on the timeline x. */
struct writes {
	const struct timeline *x;
	json_t *records;
};

/*
 * The write load on the primary for LOAD_S seconds, its history kept as
 * writer's: its "commits" figures, or NULL.
 */
static json_t *commits(const struct vm *primary, struct writes *w, int rate, const char *writer,
		       const char *what)
{
	pid_t loader = load_start(primary, rate, LOAD_S, false, false);
	json_t *load = loader > 0 ? load_finish(loader) : NULL, *c;
	struct history_clock clock;

	if (!load)
		return NULL;
	c = json_incref(json_object_get(load, "commits"));
	if (!history_take_as(primary, w->x, writer, load, &clock, w->records)) {
		json_decref(load);
		json_decref(c);
		return NULL;
	}
	json_object_set_new(c, "history_clock", json_string(clock.how));
	json_decref(load);
	printf("  %-44s %7.1f commits/s, p50 %6.1f ms, p99 %6.1f ms\n", what,
	       json_real_value(json_object_get(c, "acks_per_s")),
	       json_real_value(json_object_get(c, "p50_ms")),
	       json_real_value(json_object_get(c, "p99_ms")));
	return c;
}

/* The three runs on the primary's disk. */
static json_t *primary_side(const struct vm *primary, struct writes *w, int rate, long iops)
{
	char what[96];
	json_t *doc = json_object(), *c;

	printf("the primary's disk: %d writes, one commit at a time, at up to %d a second\n",
	       rate * LOAD_S, rate);
	if (!(c = commits(primary, w, rate, "no-limit", "no limit")))
		goto fail;
	json_object_set_new(doc, "unthrottled", c);
	if (!experiment_disk(primary, iops, 0))
		goto fail;
	json_object_set_new(doc, "throttle", disks_list());
	xsnprintf(what, sizeof(what), "--iops %ld", iops);
	if (!(c = commits(primary, w, rate, "iops", what)))
		goto fail;
	json_object_set_new(doc, "throttled", c);
	if (!experiment_set(primary, "synchronous_commit", "off"))
		goto fail;
	xsnprintf(what, sizeof(what), "--iops %ld, synchronous_commit = off", iops);
	if (!(c = commits(primary, w, rate, "iops-async", what)))
		goto fail;
	json_object_set_new(doc, "throttled_async", c);
	if (experiment_set(primary, "synchronous_commit", "on") && disks_clear(primary))
		return doc;
fail:
	json_decref(doc);
	return NULL;
}

/*
 * Bytes of WAL the replica has still to flush and to replay, as the primary
 * sees it: 1, or 0 when the replica has no WAL connection (the primary
 * dropped it, or it is connecting again), or -1 when the primary did not answer.
 */
static int standby_lag(const struct vm *primary, long long *flush, long long *replay)
{
	json_t *rows =
		node_queryf(primary, "read the replica's lag", SQL_ANY_ROWS, 2,
			    "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) AS flush,"
			    " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn) AS replay"
			    " FROM pg_stat_replication WHERE application_name = 'replica'"
			    " AND state = 'streaming' LIMIT 1");
	int got = !rows ? -1 : json_array_size(rows) == 0 ? 0 : 1;

	if (got == 1 && !(sql_int(sql_row(rows, 0), "flush", flush) &&
			  sql_int(sql_row(rows, 0), "replay", replay)))
		got = -1;
	json_decref(rows);
	return got;
}

/* The current WAL position of the primary in bytes, or -1. */
static long long wal_bytes(const struct vm *primary)
{
	json_t *rows = node_queryf(primary, "read the WAL position", 1, 1,
				   "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') AS at");
	long long at = -1;

	if (!sql_int(sql_row(rows, 0), "at", &at))
		at = -1;
	json_decref(rows);
	return at;
}

/* "6.5 MB" of a sample's member key, or "?" when the replica was not connected. */
static const char *megabytes(char *buf, size_t len, const json_t *sample, const char *key)
{
	json_t *v = json_object_get(sample, key);

	if (!json_is_integer(v))
		return "?";
	xsnprintf(buf, len, "%.1f MB", (double) json_integer_value(v) / 1e6);
	return buf;
}

/*
 * One bulk insert on the primary (write seq of writer "bulk" in w), then
 * the replica's lag sampled until it is 0; samples taken while the replica
 * had no WAL connection are counted.
 */
static json_t *bulk(const struct vm *primary, struct writes *w, int seq, const char *what)
{
	struct history_clock clock;
	/* The clock read first, so that the insert's time holds the insert only. */
	bool clock_read = history_clock_measure(primary, w->x, &clock);
	long long before = wal_bytes(primary), flush = 0, replay = 0;
	double start = clock_now_ms(), committed, caught_up = -1;
	json_t *samples = json_array(), *first, *doc;
	char f[32], r[32], sql[128], *statement[] = { sql };
	int got = 1, away = 0;

	xsnprintf(sql, sizeof(sql),
		  "INSERT INTO slow_disk SELECT g, repeat('x', 200)"
		  " FROM generate_series(1, %d) AS g",
		  BULK_ROWS);
	if (before < 0 || !node_execf(primary, "TRUNCATE slow_disk") || !clock_read ||
	    !history_commit(w->records, &clock, primary, "bulk", seq, statement, 1)) {
		json_decref(samples);
		return NULL;
	}
	committed = clock_now_ms();
	while (!interrupted() && clock_now_ms() - committed < CATCH_UP_TIMEOUT_MS &&
	       (got = standby_lag(primary, &flush, &replay)) >= 0) {
		double t = clock_now_ms() - committed;

		if (got == 0) {
			away++;
			json_array_append_new(samples, json_pack("{s:f,s:b}", "after_commit_ms", t,
								 "connected", 0));
		} else
			json_array_append_new(samples,
					      json_pack("{s:f,s:b,s:I,s:I}", "after_commit_ms", t,
							"connected", 1, "flush_lag_bytes",
							(json_int_t) flush, "replay_lag_bytes",
							(json_int_t) replay));
		if (got == 1 && flush == 0 && replay == 0) {
			caught_up = t;
			break;
		}
		clock_sleep_ms(250);
	}
	first = json_array_get(samples, 0);
	doc = json_pack("{s:I,s:f,s:f,s:i,s:O?,s:o}", "wal_bytes",
			(json_int_t) (wal_bytes(primary) - before), "insert_ms", committed - start,
			"caught_up_after_commit_ms", caught_up, "samples_without_connection", away,
			"at_commit", first, "samples", samples);
	printf("  %-18s %4.1f MB of WAL in %4.1f s; at the commit %s to flush, %s to replay;\n"
	       "  %-18s caught up %s%.1f s later; no WAL connection in %d of %zu samples\n",
	       what, (double) json_integer_value(json_object_get(doc, "wal_bytes")) / 1e6,
	       (committed - start) / 1000, megabytes(f, sizeof(f), first, "flush_lag_bytes"),
	       megabytes(r, sizeof(r), first, "replay_lag_bytes"), "",
	       caught_up < 0 ? "not even " : "",
	       (caught_up < 0 ? CATCH_UP_TIMEOUT_MS : caught_up) / 1000, away,
	       json_array_size(samples));
	if (caught_up >= 0)
		return doc;
	log_error("the replica had not caught up %.0f s after the commit",
		  CATCH_UP_TIMEOUT_MS / 1000);
	json_decref(doc);
	return NULL;
}

/* The two bulk inserts, without and with the limit on the replica's disk. */
static json_t *standby_side(const struct vm *primary, const struct vm *replica, struct writes *w,
			    const char *bandwidth)
{
	char what[64];
	json_t *doc = json_object(), *b;

	printf("the replica's disk: %d rows of 200 bytes inserted on the primary at once\n",
	       BULK_ROWS);
	if (!node_execf(primary, "DROP TABLE IF EXISTS slow_disk;"
				 " CREATE TABLE slow_disk (id int, pad text)") ||
	    !(b = bulk(primary, w, 1, "no limit")))
		goto fail;
	json_object_set_new(doc, "unthrottled", b);
	if (!experiment_disk(replica, 0, (long long) disks_bandwidth_bytes(bandwidth)))
		goto fail;
	json_object_set_new(doc, "throttle", disks_list());
	xsnprintf(what, sizeof(what), "--bandwidth %s", bandwidth);
	if (!(b = bulk(primary, w, 2, what)))
		goto fail;
	json_object_set_new(doc, "throttled", b);
	if (disks_clear(replica) && node_execf(primary, "DROP TABLE slow_disk"))
		return doc;
fail:
	json_decref(doc);
	return NULL;
}

int experiment_slow_disk(const struct experiment_options *o)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	json_t *p, *s = NULL, *doc;
	struct history_clock clock = { 0 };
	struct timeline x;
	struct writes w = { &x, NULL };
	int rc = EXIT_FAIL;

	if (!vm_pid(primary) || !vm_pid(replica)) {
		log_error("slow-disk needs the VM lab: its disks are slowed by QEMU");
		log_hint("replab up brings up the VMs");
		return EXIT_FAIL;
	}
	timeline_begin(&x);
	w.records = json_array();
	p = primary_side(primary, &w, o->rate, o->disk_iops);
	if (p && !interrupted())
		s = standby_side(primary, replica, &w, o->disk_bandwidth);
	if (!p || !s) {
		json_decref(p);
		json_decref(w.records);
		timeline_free(&x);
		return EXIT_FAIL;
	}
	printf("\nlesson: every synchronous commit waits for the primary's disk (commit latency "
	       "follows its\nlimit, and synchronous_commit = off hides it); the replica writes "
	       "and flushes the WAL\nit receives before it replays it, so a slow disk there "
	       "leaves it behind in flush and replay\n(and a walreceiver stuck in a flush "
	       "answers nothing: past wal_sender_timeout the primary\ndrops the connection, "
	       "and the standby must connect again).\n");
	doc = json_pack("{s:s,s:i,s:I,s:s,s:o,s:o}", "experiment", "slow-disk", "rate", o->rate,
			"iops", (json_int_t) o->disk_iops, "bandwidth", o->disk_bandwidth,
			"primary_disk", p, "replica_disk", s);
	xsnprintf(clock.how, sizeof(clock.how),
		  "each load's records as its history_clock says (the load ran in the primary); "
		  "the bulk inserts the primary's clock read before and after each, minus its "
		  "offset against the host's");
	if (history_save(doc, w.records, &clock, "slow-disk", o->json_path) &&
	    experiment_save(doc, "slow-disk", o->json_path))
		rc = EXIT_OK;
	json_decref(doc);
	json_decref(w.records);
	timeline_free(&x);
	return rc;
}
