/*
 * cmd_experiment.c — "replab experiment NAME": the command line, and which
 * experiment runs (exp_*.c).  Every experiment prints a timeline as it
 * goes, a summary at the end, and keeps all of it as JSON.
 */
#include "commands.h"
#include "experiments/experiment.h"
#include "lab/disks.h"
#include "lab/faults.h"
#include "lab/shape.h"
#include "lab/snapshot.h"
#include "lab/vmfaults.h"
#include "interrupt.h"
#include "log.h"
#include "strutil.h"

#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

typedef int experiment_fn(const struct experiment_options *);

/*
 * fresh: a trial that changes the lab for good (a failover, a rewind)
 * starts from the saved lab and leaves the lab as saved (replab reset),
 * when there is one; rpo resets before each of its trials itself, and
 * failover-under-load between its --trials.
 */
static const struct {
	const char *name;
	experiment_fn *run;
	bool fresh;
} experiments[] = {
	{ "partition-reconnect", experiment_partition_reconnect, false },
	{ "wal-retention", experiment_wal_retention, false },
	{ "failover-under-load", experiment_failover_under_load, true },
	{ "split-brain", experiment_split_brain, true },
	{ "rpo", experiment_rpo, false },
	{ "slow-disk", experiment_slow_disk, false },
	{ "slot-fills-disk", experiment_slot_fills_disk, false },
	{ "flaky-link", experiment_flaky_link, false },
	{ "replica-reads", experiment_replica_reads, false },
};
#define NEXPERIMENTS (sizeof(experiments) / sizeof(experiments[0]))

const char cmd_experiment_help[] =
	"Usage: replab experiment NAME [OPTION]...\n"
	"\n"
	"Experiments (each prints a timeline, then a summary; the whole run goes\n"
	"to --json FILE, by default build/lab/NAME.json, for \"replab report\"):\n"
	"\n"
	"  partition-reconnect   a steady write load; the replica cut off for --cut\n"
	"                        seconds, then healed: lag growth, time to reconnect\n"
	"                        and to catch up, catch-up throughput, and every\n"
	"                        acknowledged write looked for on the replica\n"
	"  wal-retention         the replica cut off while the primary writes\n"
	"                        --segments WAL segments: first with a replication\n"
	"                        slot (the replica survives; the slot's disk cost),\n"
	"                        then with a small wal_keep_size and no slot (the WAL\n"
	"                        it needs is removed; it is rebuilt)\n"
	"  failover-under-load   the primary crashes at --crash-at during a write\n"
	"                        load that follows the writable server; the replica\n"
	"                        is promoted: client downtime, and acknowledged\n"
	"                        writes missing on the new primary (with a saved\n"
	"                        lab, from it and back to it: replab reset; else\n"
	"                        the lab is left failed over)\n"
	"  split-brain           the primary cut off from the replica (not from its\n"
	"                        clients), the replica promoted, both written to:\n"
	"                        timelines, the fork, the rows only one side has;\n"
	"                        then pg_rewind makes the old primary a standby\n"
	"                        (with a saved lab, from it and back to it; else\n"
	"                        the roles stay swapped)\n"
	"  rpo                   the primary's server killed under load, --trials\n"
	"                        times in each of async, sync and remote_apply:\n"
	"                        acknowledged writes lost, writes in doubt, commit\n"
	"                        latency and throughput, side by side (each trial\n"
	"                        from the saved lab when there is one, else the\n"
	"                        crashed primary is rewound into a standby)\n"
	"  slow-disk             the primary's disk held to --iops: commit latency\n"
	"                        without the limit, with it, and with it and\n"
	"                        synchronous_commit = off; then the replica's disk\n"
	"                        held to --bandwidth under a bulk insert: how far\n"
	"                        it is behind in flush and replay, and for how long\n"
	"  slot-fills-disk       the replica away with a replication slot while the\n"
	"                        primary writes, pg_wal on its own 256 MiB disk:\n"
	"                        the disk fills and the primary stops (its log shown;\n"
	"                        then room is made and the replica catches up); then\n"
	"                        with max_slot_wal_keep_size: the slot's wal_status\n"
	"                        to lost, the primary lives, the replica is rebuilt\n"
	"  flaky-link            pgrepl failover --detect-only probes the primary\n"
	"                        from the replica while the primary's link loses\n"
	"                        --loss packets (and --delay, or flaps every --flap),\n"
	"                        for each --intervals x --timeouts: false detections\n"
	"                        in --duration seconds a cell, then the time to\n"
	"                        detect a real crash (the lab brought back after\n"
	"                        it: replab reset with a saved lab); nothing is\n"
	"                        promoted\n"
	"  replica-reads         --clients sessions write on the primary and read at\n"
	"                        once on the replica (and replica2 in turn, with\n"
	"                        one), --duration seconds in each of async, on and\n"
	"                        remote_apply (and again under --delay): stale\n"
	"                        reads, read-your-writes and monotonic-read\n"
	"                        violations, staleness, commit latency; every\n"
	"                        operation in NAME.history.jsonl\n"
	"\n"
	"Options:\n"
	"  --json FILE          where the result goes\n"
	"  --rate N             writes per second (default 200)\n"
	"  --cut SECONDS        partition-reconnect: length of the cut (default 20)\n"
	"  --link-rate RATE     partition-reconnect: shape the replica's link first\n"
	"                       (tc rate, e.g. 2mbit) and compare catch-up with it\n"
	"  --workload W         partition-reconnect, failover-under-load: rows (the\n"
	"                       lab's numbered rows, default) or pgbench (pgbench\n"
	"                       -c 4: on the primary, tables compared across\n"
	"                       servers; from the replica's side, transactions\n"
	"                       lost and balances checked on the new primary)\n"
	"  --segments N         wal-retention: WAL segments written (default 6)\n"
	"  --crash-at SECONDS   failover-under-load: when the primary crashes (default 5)\n"
	"  --duration SECONDS   failover-under-load: length of the load; flaky-link:\n"
	"                       watching per cell; replica-reads: per mode (default 15)\n"
	"  --clients N          replica-reads: sessions at once, sharing --rate\n"
	"                       (default 4; 1 to 64)\n"
	"  --trials N           rpo: crash trials per mode (default 20);\n"
	"                       failover-under-load: crash trials, each from the\n"
	"                       saved lab (default 1; more need a saved lab)\n"
	"  --iops N             slow-disk: the primary's limit (default 20 requests/s)\n"
	"  --bandwidth R        slow-disk: the replica's limit (default 512K: KiB/s)\n"
	"  --intervals MS,...   flaky-link: probe intervals (default 100,500; 10 to 60000)\n"
	"  --timeouts MS,...    flaky-link: probe timeouts (default 500,2000; 100 to\n"
	"                       600000)\n"
	"  --loss PCT,...       flaky-link: loss on what reaches the primary, whole\n"
	"                       percents (default 0,10,30; 0 to 100)\n"
	"  --delay TIME         flaky-link: a delay on every cell too (netem, e.g. 20ms);\n"
	"                       replica-reads: the modes again under it, on what\n"
	"                       reaches the replica\n"
	"  --flap PERIOD        flaky-link: one more fault, the primary's cable pulled\n"
	"                       for half of each PERIOD (200ms to 1h, e.g. 2s)\n";

static bool number(const char *opt, const char *text, long min, long max, int *out)
{
	long v;

	if (!str_to_long(text, min, max, &v)) {
		usage_error("experiment", "invalid %s \"%s\": a whole number from %ld to %ld", opt,
			    text, min, max);
		return false;
	}
	*out = (int) v;
	return true;
}

/*
 * A list of whole numbers ("100,500"), each from min to max, at most
 * EXPERIMENT_LIST_MAX of them, into out and *n; false after a usage error.
 */
static bool number_list(const char *opt, const char *text, long min, long max, int *out, int *n)
{
	char item[32];
	const char *p = text;
	long v;

	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");

		if (*n == EXPERIMENT_LIST_MAX || len >= sizeof(item))
			break;
		memcpy(item, p, len);
		item[len] = '\0';
		if (!str_to_long(item, min, max, &v))
			break;
		out[(*n)++] = (int) v;
		if (p[len] == '\0')
			return true;
		p += len + 1;
	}
	usage_error("experiment",
		    "invalid %s \"%s\": up to %d whole numbers from %ld to %ld, separated by "
		    "commas",
		    opt, text, EXPERIMENT_LIST_MAX, min, max);
	return false;
}

/* The experiment asked for, and its options. */
static int chosen = -1;
static struct experiment_options options = {
	.cut_s = 20,
	.rate = 200,
	.segments = 6,
	.crash_at_s = 5,
	.duration_s = 15,
	.trials = 0, /* the experiment's own default */
	.disk_iops = 20,
	.disk_bandwidth = "512K",
	.intervals = { 100, 500 },
	.nintervals = 2,
	.timeouts = { 500, 2000 },
	.ntimeouts = 2,
	.loss = { 0, 10, 30 },
	.nloss = 3,
	.clients = 4,
};

/* Option c (word on the command line) and its value into options; false after a usage
 * error. */
static bool experiment_option(int c, const char *value, const char *word)
{
	struct experiment_options *o = &options;

	switch (c) {
	case 'c':
		return number("--cut", value, 1, 3600, &o->cut_s);
	case 'r':
		return number("--rate", value, 1, 5000, &o->rate);
	case 'j':
		o->json_path = value;
		return true;
	case 'l':
		o->link_rate = value;
		if (faults_rate_bits(value) >= 0)
			return true;
		usage_error("experiment",
			    "invalid --link-rate \"%s\": a tc rate from 1kbit to 10gbit, e.g. "
			    "2mbit",
			    value);
		return false;
	case 's':
		return number("--segments", value, 2, 64, &o->segments);
	case 'a':
		return number("--crash-at", value, 1, 3600, &o->crash_at_s);
	case 'd':
		return number("--duration", value, 2, 3600, &o->duration_s);
	case 't':
		return number("--trials", value, 1, 1000, &o->trials);
	case 'i':
		if (str_to_long(value, 1, DISKS_IOPS_MAX, &o->disk_iops))
			return true;
		usage_error("experiment", "invalid --iops \"%s\": a whole number from 1 to %ld",
			    value, DISKS_IOPS_MAX);
		return false;
	case 'b':
		o->disk_bandwidth = value;
		if (disks_bandwidth_bytes(value) > 0)
			return true;
		usage_error("experiment",
			    "invalid --bandwidth \"%s\": bytes per second with K, M or G, from 1K "
			    "to 10G, e.g. 512K",
			    value);
		return false;
	case 'I':
		return number_list("--intervals", value, 10, 60000, o->intervals, &o->nintervals);
	case 'T':
		return number_list("--timeouts", value, 100, 600000, o->timeouts, &o->ntimeouts);
	case 'L':
		return number_list("--loss", value, 0, 100, o->loss, &o->nloss);
	case 'D':
		o->delay = value;
		if (shape_time_ok(value) && !strchr(value, ','))
			return true;
		usage_error("experiment", "invalid --delay \"%s\": a time from 0 to 60s, e.g. 20ms",
			    value);
		return false;
	case 'C':
		return number("--clients", value, 1, 64, &o->clients);
	case 'W':
		if (strcmp(value, "rows") == 0 || strcmp(value, "pgbench") == 0) {
			o->workload_pgbench = strcmp(value, "pgbench") == 0;
			return true;
		}
		usage_error("experiment", "invalid --workload \"%s\": rows or pgbench", value);
		return false;
	case 'F':
		if ((o->flap_s = vmfaults_duration_s(value, 3600)) >= 0.2)
			return true;
		usage_error("experiment",
			    "invalid --flap \"%s\": a period from 200ms to 1h, e.g. 2s", value);
		return false;
	default:
		usage_error("experiment", "unknown option or missing value: \"%s\"", word);
		return false;
	}
}

/* The experiments' names, "a, b or c", for messages. */
static const char *experiment_names(void)
{
	static char names[256];
	size_t used = 0;

	for (size_t i = 0; i < NEXPERIMENTS && used < sizeof(names); i++)
		used += (size_t) snprintf(names + used, sizeof(names) - used, "%s%s",
					  i == 0		  ? ""
					  : i + 1 == NEXPERIMENTS ? " or "
								  : ", ",
					  experiments[i].name);
	return names;
}

/* The experiment called name, or -1 after a usage error. */
static int experiment_called(const char *name)
{
	for (size_t i = 0; i < NEXPERIMENTS; i++)
		if (strcmp(name, experiments[i].name) == 0)
			return (int) i;
	usage_error("experiment", "unknown experiment \"%s\" (known: %s)", name,
		    experiment_names());
	return -1;
}

int cmd_experiment_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cut", required_argument, NULL, 'c' },
		{ "rate", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "link-rate", required_argument, NULL, 'l' },
		{ "segments", required_argument, NULL, 's' },
		{ "crash-at", required_argument, NULL, 'a' },
		{ "duration", required_argument, NULL, 'd' },
		{ "trials", required_argument, NULL, 't' },
		{ "iops", required_argument, NULL, 'i' },
		{ "bandwidth", required_argument, NULL, 'b' },
		{ "intervals", required_argument, NULL, 'I' },
		{ "timeouts", required_argument, NULL, 'T' },
		{ "loss", required_argument, NULL, 'L' },
		{ "delay", required_argument, NULL, 'D' },
		{ "flap", required_argument, NULL, 'F' },
		{ "clients", required_argument, NULL, 'C' },
		{ "workload", required_argument, NULL, 'W' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:r:j:l:s:a:d:t:i:b:I:T:L:D:F:C:W:", longopts,
				NULL)) != -1)
		if (!experiment_option(c, optarg, argv[optind - 1]))
			return -1;
	if (optind != argc - 1) {
		usage_error("experiment", "name one experiment: %s", experiment_names());
		return -1;
	}
	if ((chosen = experiment_called(argv[optind])) < 0)
		return -1;
	if (options.trials && experiments[chosen].run != experiment_rpo &&
	    experiments[chosen].run != experiment_failover_under_load) {
		usage_error("experiment", "--trials applies to rpo and failover-under-load only");
		return -1;
	}
	if (options.trials == 0)
		options.trials = experiments[chosen].run == experiment_rpo ? 20 : 1;
	if (options.workload_pgbench && experiments[chosen].run != experiment_partition_reconnect &&
	    experiments[chosen].run != experiment_failover_under_load) {
		usage_error("experiment", "--workload pgbench applies to partition-reconnect and "
					  "failover-under-load only");
		return -1;
	}
	if (options.workload_pgbench && options.trials > 1) {
		usage_error("experiment", "--workload pgbench runs one trial: no --trials %d",
			    options.trials);
		return -1;
	}
	if (experiments[chosen].run == experiment_failover_under_load &&
	    options.crash_at_s >= options.duration_s) {
		usage_error("experiment",
			    "--crash-at (%d s) must come before the end of the load "
			    "(--duration %d s)",
			    options.crash_at_s, options.duration_s);
		return -1;
	}
	return optind + 1;
}

int cmd_experiment(const struct verb_args *a)
{
	bool fresh;
	int rc;

	(void) a;
	assert(chosen >= 0);
	fresh = experiments[chosen].fresh && snapshot_can_reset(NULL);
	if (fresh) {
		printf("starting from the saved lab (replab reset)\n");
		if (!snapshot_reset())
			return EXIT_FAIL;
	}
	rc = experiments[chosen].run(&options);
	if (fresh && !interrupt_signal()) {
		printf("leaving the lab as saved (replab reset)\n");
		if (!snapshot_reset())
			rc = EXIT_FAIL;
	}
	return rc;
}
