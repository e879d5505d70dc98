/*
 * cmd_experiment.c — "replab experiment NAME": the command line, and which
 * experiment runs (exp_*.c).  Every experiment prints a timeline as it
 * goes, a summary at the end, and keeps all of it as JSON.
 */
#include "commands.h"
#include "experiments/experiment.h"
#include "lab/faults.h"
#include "log.h"
#include "lab/node.h"
#include "strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*run)(const struct experiment_options *);
} experiments[] = {
	{ "partition-reconnect", experiment_partition_reconnect },
	{ "wal-retention", experiment_wal_retention },
	{ "failover-under-load", experiment_failover_under_load },
	{ "split-brain", experiment_split_brain },
	{ "rpo", experiment_rpo },
};

static void usage(void)
{
	printf("Usage: replab experiment NAME [OPTION]...\n\n"
	       "Experiments (each prints a timeline, then a summary; the whole run goes\n"
	       "to --json FILE, by default build/lab/NAME.json, for \"replab report\"):\n\n"
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
	       "                        writes missing on the new primary (leaves the lab\n"
	       "                        failed over: replab down && replab up)\n"
	       "  split-brain           the primary cut off from the replica (not from its\n"
	       "                        clients), the replica promoted, both written to:\n"
	       "                        timelines, the fork, the rows only one side has;\n"
	       "                        then pg_rewind makes the old primary a standby\n"
	       "                        (leaves the roles swapped)\n"
	       "  rpo                   the primary's server killed under load, --trials\n"
	       "                        times in each of async, sync and remote_apply:\n"
	       "                        acknowledged writes lost, writes in doubt, commit\n"
	       "                        latency and throughput, side by side\n\n"
	       "Options:\n"
	       "  --json FILE          where the result goes\n"
	       "  --rate N             writes per second (default 200)\n"
	       "  --cut SECONDS        partition-reconnect: length of the cut (default 20)\n"
	       "  --link-rate RATE     partition-reconnect: shape the replica's link first\n"
	       "                       (tc rate, e.g. 2mbit) and compare catch-up with it\n"
	       "  --segments N         wal-retention: WAL segments written (default 6)\n"
	       "  --crash-at SECONDS   failover-under-load: when the primary crashes (default 5)\n"
	       "  --duration SECONDS   failover-under-load: length of the load (default 15)\n"
	       "  --trials N           rpo: crash trials per mode (default 20)\n");
}

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

int cmd_experiment(int argc, char **argv)
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
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct experiment_options o = { .cut_s = 20,
					.rate = 200,
					.segments = 6,
					.crash_at_s = 5,
					.duration_s = 15,
					.trials = 20 };
	int c;

	while ((c = getopt_long(argc, argv, "c:r:j:l:s:a:d:t:h", longopts, NULL)) != -1) {
		bool ok = true;

		switch (c) {
		case 'c':
			ok = number("--cut", optarg, 1, 3600, &o.cut_s);
			break;
		case 'r':
			ok = number("--rate", optarg, 1, 5000, &o.rate);
			break;
		case 'j':
			o.json_path = optarg;
			break;
		case 'l':
			o.link_rate = optarg;
			if (faults_rate_bits(optarg) < 0) {
				usage_error("experiment",
					    "invalid --link-rate \"%s\": a tc rate from 1kbit to "
					    "10gbit, e.g. 2mbit",
					    optarg);
				ok = false;
			}
			break;
		case 's':
			ok = number("--segments", optarg, 2, 64, &o.segments);
			break;
		case 'a':
			ok = number("--crash-at", optarg, 1, 3600, &o.crash_at_s);
			break;
		case 'd':
			ok = number("--duration", optarg, 2, 3600, &o.duration_s);
			break;
		case 't':
			ok = number("--trials", optarg, 1, 1000, &o.trials);
			break;
		case 'h':
			usage();
			return EXIT_OK;
		default:
			return usage_error("experiment", "unknown option or missing value: \"%s\"",
					   argv[optind - 1]);
		}
		if (!ok)
			return EXIT_USAGE;
	}
	if (optind != argc - 1)
		return usage_error("experiment", "name one experiment: partition-reconnect, "
						 "wal-retention, failover-under-load, split-brain "
						 "or rpo");
	if (o.crash_at_s >= o.duration_s)
		return usage_error("experiment",
				   "--crash-at (%d s) must come before the end of the load "
				   "(--duration %d s)",
				   o.crash_at_s, o.duration_s);
	for (size_t i = 0; i < sizeof(experiments) / sizeof(experiments[0]); i++) {
		if (strcmp(argv[optind], experiments[i].name) != 0)
			continue;
		for (int v = 0; v < lab_nvms; v++)
			if (!node_is_running(&lab_vms[v])) {
				log_error("the %s VM is not running", lab_vms[v].name);
				log_hint("start a fresh lab: replab down && replab up");
				return EXIT_FAIL;
			}
		return experiments[i].run(&o);
	}
	return usage_error("experiment",
			   "unknown experiment \"%s\" (known: partition-reconnect, wal-retention, "
			   "failover-under-load, split-brain, rpo)",
			   argv[optind]);
}
