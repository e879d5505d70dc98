/*
 * experiment.h — what the experiments share: a timeline of events and
 * samples stamped with the host's clock as they happen, "pgrepl watch" and
 * "pgrepl load" running in a lab member, the check of acknowledged writes
 * against a server (by id), and saving the result for "replab report".
 */
#ifndef REPLAB_EXPERIMENT_H
#define REPLAB_EXPERIMENT_H

#include "lab/lab.h"
#include "lab/shape.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

struct timeline {
	double start;	 /* host clock, ms */
	json_t *events;	 /* [{"t_ms", "event"}] */
	json_t *samples; /* pgrepl watch lines, "t_ms" re-stamped on arrival */
};

void timeline_begin(struct timeline *x);
double timeline_ms(const struct timeline *x);

/* Print "[  12.3 s] what" and record it. */
void timeline_event(struct timeline *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The latest sample, or NULL. */
json_t *timeline_last(const struct timeline *x);

/* Time of the first event named what, or -1. */
double timeline_event_at(const struct timeline *x, const char *what);

void timeline_free(struct timeline *x);

/* "pgrepl watch" in a member: a sample of pg_stat_replication every 100 ms. */
struct watch {
	pid_t pid;
	FILE *in;
};

bool watch_start(struct watch *w, const struct vm *on, int duration_s);

/* Take the samples that arrive within wait_ms; false when the watch ended. */
bool watch_take(struct watch *w, struct timeline *x, int wait_ms);

/* Another sampler (one JSON object a line from cmd in a member), its samples taken into into. */
bool watch_start_cmd(struct watch *w, const struct vm *on, char *const cmd[]);
bool watch_take_into(struct watch *w, const struct timeline *x, json_t *into, int wait_ms);

void watch_stop(struct watch *w);

/*
 * "pgrepl load --json" in a member (one at a time), its result kept in a
 * scratch file of this run's own (a node_job) and its narrative in
 * STATE/load.log; follow and until_failure add those options.
 */
pid_t load_start(const struct vm *on, int rate, int duration_s, bool follow, bool until_failure);

/*
 * Wait until the load writes rows (its table made, its first INSERT under
 * way), up to timeout_ms; false (logged) when it ended first or timed out.
 */
bool load_writing(pid_t pid, int timeout_ms);

/* Has the load ended?  Does not block. */
bool load_done(pid_t pid);

/* Wait for the load; its JSON result when it succeeded, else NULL (logged). */
json_t *load_finish(pid_t pid);

/*
 * Look for the load's acknowledged and in-doubt ids on server; adds to
 * summary: acknowledged_writes, on_server, lost_writes, lost_ids (the
 * first 50), in_doubt, in_doubt_committed.  False when it could not ask.
 */
bool acked_writes_check(const struct vm *server, json_t *load, json_t *summary);

/*
 * Poll primary until the standby called standby_name streams with no lag,
 * up to timeout_ms: the time it took, or -1.
 */
double standby_caught_up(const struct vm *primary, const char *standby_name, double timeout_ms);

/*
 * A member's server log (its journal, copied to STATE/VM-server.log):
 * experiment_log_mark counts its lines now (0 when it cannot be read);
 * experiment_log_lines appends to lines (JSON strings) each line after the
 * first since that holds one of texts (NULL-terminated), at most max.
 */
long experiment_log_mark(const struct vm *vm);
void experiment_log_lines(const struct vm *vm, long since, const char *const texts[], int max,
			  json_t *lines);

/*
 * Write doc to json_path (default STATE/NAME.json, NAME the experiment),
 * with "netem_mechanism" (where a shape's netem runs: "host" or "guest"),
 * and say where it is; false (logged) when it could not.
 */
bool experiment_save(json_t *doc, const char *name, const char *json_path);

/*
 * What experiments change in a lab, each undone on every exit path
 * (exp_undo.c, on the cleanup stack of lifecycle.h): a cut between a and b
 * both ways (experiment_heal heals it within the experiment), a shape of
 * what reaches vm (shape_set; an empty shape, or the end, takes it off) or
 * only a rate limit on it, vm's data link pulled or plugged back (left
 * plugged in afterwards), limits on vm's disks (disks_throttle; lifted
 * afterwards), a server setting (ALTER SYSTEM, reset afterwards), a
 * physical replication slot (dropped afterwards), and a crash of vm
 * (node_crash): experiment_restore brings it back, as the cleanup would
 * (replab reset with a saved lab, else the VM started again and the
 * replica streaming from it).
 */
bool experiment_cut(const struct vm *a, const struct vm *b);
void experiment_heal(const struct vm *a, const struct vm *b);
bool experiment_shape(const struct vm *vm, const struct shape *s);
bool experiment_rate(const struct vm *vm, const char *rate);
bool experiment_link(const struct vm *vm, bool up);
bool experiment_crash(const struct vm *vm);
bool experiment_restore(void);
bool experiment_disk(const struct vm *vm, long iops, long long bytes_per_s);
bool experiment_set(const struct vm *vm, const char *name, const char *value);
bool experiment_slot(const struct vm *vm, const char *slot);

/* The command line of "replab experiment", shared by all of them. */
#define EXPERIMENT_LIST_MAX 8
struct experiment_options {
	const char *json_path;	    /* --json, or NULL for STATE/NAME.json */
	int cut_s;		    /* partition-reconnect: how long the replica is cut off */
	int rate;		    /* writes per second of the load */
	const char *link_rate;	    /* partition-reconnect: shape the replica's link first */
	int segments;		    /* wal-retention: WAL segments written during the cut */
	int crash_at_s;		    /* failover-under-load: when the primary crashes */
	int duration_s;		    /* failover-under-load: how long the load runs */
	int trials;		    /* rpo: per mode; failover-under-load: trials */
	long disk_iops;		    /* slow-disk: the primary's disk limit */
	const char *disk_bandwidth; /* slow-disk: the replica's disk limit */
	/* flaky-link: the grid (probe intervals and timeouts in ms, loss in %), and
	 * a delay on every cell and a flapping link as one more fault (0: none). */
	int intervals[EXPERIMENT_LIST_MAX], nintervals;
	int timeouts[EXPERIMENT_LIST_MAX], ntimeouts;
	int loss[EXPERIMENT_LIST_MAX], nloss;
	const char *delay;
	double flap_s;
	int clients; /* replica-reads: sessions at once */
	/* partition-reconnect, failover-under-load: --workload pgbench, not numbered rows */
	bool workload_pgbench;
};

int experiment_partition_reconnect(const struct experiment_options *o);
int experiment_wal_retention(const struct experiment_options *o);
int experiment_failover_under_load(const struct experiment_options *o);
int experiment_split_brain(const struct experiment_options *o);
int experiment_rpo(const struct experiment_options *o);
int experiment_slow_disk(const struct experiment_options *o);
int experiment_slot_fills_disk(const struct experiment_options *o);
int experiment_flaky_link(const struct experiment_options *o);
int experiment_replica_reads(const struct experiment_options *o);

#endif
