/*
 * cmd_experiment.c — "replab experiment partition-reconnect": a steady
 * write load on the primary, the replica cut off for --cut seconds, then
 * healed.  "pgrepl watch" in the primary VM streams a sample of
 * pg_stat_replication every 100 ms over the management link; each sample
 * and each fault is stamped with the host's clock as it happens.  Reported:
 * lag growth, time from heal to the WAL stream reconnecting and to zero
 * lag, and whether every acknowledged write reached the replica (by id).
 */
#define _GNU_SOURCE
#include "clock.h"
#include "commands.h"
#include "faults.h"
#include "lab.h"
#include "log.h"
#include "ssh.h"
#include "strutil.h"
#include "vm.h"

#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CUT_AT_MS 5000.0
#define SETTLE_TIMEOUT_MS 120000.0

struct experiment {
	int cut_s;
	int rate;
	double start;
	json_t *events;
	json_t *samples;
	double heal_at; /* ms since start */
};

static double since(const struct experiment *x)
{
	return clock_now_ms() - x->start;
}

static void event(struct experiment *x, const char *what)
{
	printf("[%7.1f s] %s\n", since(x) / 1000, what);
	fflush(stdout);
	json_array_append_new(x->events, json_pack("{s:f,s:s}", "t_ms", since(x), "event", what));
}

/* One line from pgrepl watch, stamped on arrival. */
static void take_sample(struct experiment *x, const char *line)
{
	json_t *s = json_loads(line, 0, NULL);

	if (!s)
		return;
	json_object_set_new(s, "guest_t_ms", json_incref(json_object_get(s, "t_ms")));
	json_object_set_new(s, "t_ms", json_real(since(x)));
	json_array_append_new(x->samples, s);
}

/* Is the last sample "streaming with no lag"? */
static bool caught_up(const struct experiment *x)
{
	json_t *s = json_array_get(x->samples, json_array_size(x->samples) - 1);
	const char *state = json_string_value(json_object_get(s, "state"));

	return state && strcmp(state, "streaming") == 0 && json_integer_value(json_object_get(s, "lag_bytes")) == 0;
}

/* Sample until the load is over and, after the heal, the replica has caught up. */
static bool observe(struct experiment *x, FILE *watch, pid_t load)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	int fd = fileno(watch);
	bool cut = false, healed = false, load_done = false;
	char *line = NULL;
	size_t cap = 0;

	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		double t = since(x);

		if (!cut && t >= CUT_AT_MS) {
			if (!faults_cut(primary, replica) || !faults_cut(replica, primary))
				return false;
			event(x, "cut: replica partitioned from the primary");
			cut = true;
		}
		if (cut && !healed && t >= CUT_AT_MS + x->cut_s * 1000.0) {
			faults_heal_pair(primary, replica);
			x->heal_at = since(x);
			event(x, "heal");
			healed = true;
		}
		if (!load_done && waitpid(load, NULL, WNOHANG) == load) {
			load_done = true;
			event(x, "write load finished");
		}
		if (healed && load_done && caught_up(x))
			return true;
		if (healed && t > x->heal_at + SETTLE_TIMEOUT_MS) {
			log_error("the replica had not caught up %.0f s after the heal", SETTLE_TIMEOUT_MS / 1000);
			return false;
		}
		if (poll(&p, 1, 50) > 0) {
			if (getline(&line, &cap, watch) <= 0) {
				log_error("pgrepl watch stopped early");
				free(line);
				return false;
			}
			take_sample(x, line);
		}
	}
}

/* First sample time at or after `after` matching; -1 when none. */
static double first_after(const struct experiment *x, double after, bool want_zero_lag, json_int_t not_pid)
{
	json_t *s;
	size_t i;

	json_array_foreach(x->samples, i, s) {
		const char *state = json_string_value(json_object_get(s, "state"));
		double t = json_real_value(json_object_get(s, "t_ms"));

		if (t < after || !state || strcmp(state, "streaming") != 0)
			continue;
		if (want_zero_lag && json_integer_value(json_object_get(s, "lag_bytes")) != 0)
			continue;
		if (!want_zero_lag && json_integer_value(json_object_get(s, "pid")) == not_pid)
			continue;
		return t - after;
	}
	return -1;
}

static json_t *summarise(struct experiment *x)
{
	json_int_t pid_before = 0, max_lag = 0;
	double cost = 0;
	json_t *s;
	size_t i;

	json_array_foreach(x->samples, i, s) {
		double t = json_real_value(json_object_get(s, "t_ms"));

		cost += json_real_value(json_object_get(s, "sample_ms"));
		if (t < CUT_AT_MS)
			pid_before = json_integer_value(json_object_get(s, "pid"));
		if (json_integer_value(json_object_get(s, "lag_bytes")) > max_lag)
			max_lag = json_integer_value(json_object_get(s, "lag_bytes"));
	}
	return json_pack("{s:I,s:f,s:f,s:f,s:I}", "max_lag_bytes", max_lag, "reconnect_after_heal_ms",
			 first_after(x, x->heal_at, false, pid_before), "caught_up_after_heal_ms",
			 first_after(x, x->heal_at, true, 0), "mean_sample_ms",
			 json_array_size(x->samples) ? cost / (double) json_array_size(x->samples) : 0.0, "samples",
			 (json_int_t) json_array_size(x->samples));
}

/* How many of the acknowledged ids are on the replica. */
static long replica_has(json_int_t last_id)
{
	char sql[160], path[PATH_MAX], text[32] = "";
	char *cmd[] = { "sh", "-c", "cd /tmp && exec runuser -u postgres -- psql -XAtq -d lab -c \"$0\"", sql, NULL };
	FILE *f;

	xsnprintf(sql, sizeof(sql), "SELECT count(*) FROM load_test WHERE id BETWEEN 1 AND %lld", (long long) last_id);
	lab_state_path("count.txt", path, sizeof(path));
	unlink(path);
	if (ssh_run(lab_find_vm("replica"), cmd, false, path) != 0 || !(f = fopen(path, "r")))
		return -1;
	if (!fgets(text, sizeof(text), f))
		text[0] = '\0';
	fclose(f);
	return atol(text);
}

static int partition_reconnect(int cut_s, int rate, const char *json_path)
{
	struct experiment x = { .cut_s = cut_s, .rate = rate, .events = json_array(), .samples = json_array() };
	int duration = (int) (CUT_AT_MS / 1000) + cut_s + 10;
	char rate_s[16], duration_s[16], watch_s[16], loadcmd[160], out[PATH_MAX], path[PATH_MAX];
	char *watch_cmd[] = { "pgrepl", "watch", "--interval", "100", "--duration", watch_s, NULL };
	char *load_cmd[] = { "sh", "-c", loadcmd, NULL };
	json_t *load = NULL, *doc, *summary;
	int fds[2], rc = EXIT_FAIL;
	pid_t watch, loader;
	FILE *watch_in;
	long on_replica;
	bool ok;

	xsnprintf(rate_s, sizeof(rate_s), "%d", rate);
	xsnprintf(duration_s, sizeof(duration_s), "%d", duration);
	xsnprintf(watch_s, sizeof(watch_s), "%d", duration + (int) (SETTLE_TIMEOUT_MS / 1000) + 30);
	xsnprintf(loadcmd, sizeof(loadcmd), "pgrepl load --json --rate %s --duration %s >/run/replab-load.json", rate_s,
		  duration_s);
	printf("partition-reconnect: %d writes/s for %d s; the replica is cut off at %.0f s for %d s\n", rate, duration,
	       CUT_AT_MS / 1000, cut_s);
	if (pipe(fds) != 0)
		fatal("pipe failed");
	watch = ssh_start(lab_find_vm("primary"), watch_cmd, false, NULL, fds[1], -1);
	close(fds[1]);
	watch_in = fdopen(fds[0], "r");
	x.start = clock_now_ms();
	loader = ssh_start(lab_find_vm("primary"), load_cmd, false, lab_state_path("load.log", out, sizeof(out)), -1, -1);
	event(&x, "write load started");
	ok = watch > 0 && loader > 0 && observe(&x, watch_in, loader);
	if (watch > 0)
		kill(watch, SIGTERM);
	if (loader > 0 && !ok) {
		kill(loader, SIGTERM);
		waitpid(loader, NULL, 0);
	}
	faults_heal_pair(lab_find_vm("primary"), lab_find_vm("replica"));
	if (watch > 0)
		child_wait(watch);
	fclose(watch_in);
	if (ok)
		load = ssh_fetch_json(lab_find_vm("primary"), "/run/replab-load.json", "load.json");
	if (ok && !json_is_true(json_object_get(load, "ok"))) {
		log_error("pgrepl load failed: %s", load ? json_string_value(json_object_get(load, "error")) : "no result");
		log_detail("its output is in %s", out);
		ok = false;
	}
	if (ok) {
		json_int_t acked = json_integer_value(json_object_get(load, "acknowledged"));
		json_int_t last = json_integer_value(json_object_get(load, "last_acknowledged_id"));

		on_replica = replica_has(last);
		summary = summarise(&x);
		json_object_set_new(summary, "acknowledged_writes", json_integer(acked));
		json_object_set_new(summary, "on_replica", json_integer(on_replica));
		json_object_set_new(summary, "lost_writes", json_integer(on_replica < 0 ? -1 : acked - on_replica));
		doc = json_pack("{s:s,s:i,s:i,s:o,s:o,s:o,s:o}", "experiment", "partition-reconnect", "cut_s", cut_s,
				"rate", rate, "summary", summary, "events", x.events, "samples", x.samples, "load", load);
		printf("\nsummary:\n"
		       "  writes acknowledged by the primary   %lld\n"
		       "  of them on the replica               %ld (lost: %lld)\n"
		       "  largest lag during the cut           %lld bytes\n"
		       "  heal -> WAL stream reconnected       %.0f ms%s\n"
		       "  heal -> replica caught up (lag 0)    %.0f ms\n"
		       "  sampling: %lld samples, %.2f ms per query\n",
		       (long long) acked, on_replica, (long long) (acked - on_replica),
		       (long long) json_integer_value(json_object_get(summary, "max_lag_bytes")),
		       json_real_value(json_object_get(summary, "reconnect_after_heal_ms")),
		       json_real_value(json_object_get(summary, "reconnect_after_heal_ms")) < 0 ? " (no new connection)" : "",
		       json_real_value(json_object_get(summary, "caught_up_after_heal_ms")),
		       (long long) json_integer_value(json_object_get(summary, "samples")),
		       json_real_value(json_object_get(summary, "mean_sample_ms")));
		if (!json_path)
			json_path = lab_state_path("experiment.json", path, sizeof(path));
		if (json_dump_file(doc, json_path, JSON_INDENT(1) | JSON_REAL_PRECISION(6)) == 0) {
			printf("  timeline: %s (replab report %s draws it)\n", json_path, json_path);
			rc = on_replica >= 0 && acked == on_replica ? EXIT_OK : EXIT_FAIL;
			if (rc != EXIT_OK)
				log_error("acknowledged writes are missing on the replica");
		} else
			log_error("could not write %s: %s", json_path, strerror(errno));
		json_decref(doc);
	} else {
		json_decref(x.events);
		json_decref(x.samples);
		json_decref(load);
	}
	return rc;
}

int cmd_experiment(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "cut", required_argument, NULL, 'c' },  { "rate", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *json_path = NULL;
	long cut = 20, rate = 200;
	int c;

	while ((c = getopt_long(argc, argv, "c:r:j:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!str_to_long(optarg, 1, 3600, &cut))
				return usage_error("experiment", "invalid --cut \"%s\": seconds, 1 to 3600", optarg);
			break;
		case 'r':
			if (!str_to_long(optarg, 1, 5000, &rate))
				return usage_error("experiment", "invalid --rate \"%s\": writes per second, 1 to 5000", optarg);
			break;
		case 'j':
			json_path = optarg;
			break;
		case 'h':
			printf("Usage: replab experiment partition-reconnect [--cut SECONDS] [--rate N] [--json FILE]\n\n"
			       "A steady write load (--rate, default 200/s) on the primary; the replica is cut off\n"
			       "for --cut seconds (default 20), then healed.  Reports lag growth, time to\n"
			       "reconnect and to catch up, and checks every acknowledged write reached the\n"
			       "replica.  The timeline (a sample every 100 ms) goes to --json FILE, by default\n"
			       "build/lab/experiment.json.\n");
			return EXIT_OK;
		default:
			return usage_error("experiment", "unknown option or missing value: \"%s\"", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("experiment", "name one experiment: partition-reconnect");
	if (strcmp(argv[optind], "partition-reconnect") != 0)
		return usage_error("experiment", "unknown experiment \"%s\" (known: partition-reconnect)", argv[optind]);
	for (int i = 0; i < lab_nvms; i++)
		if (!vm_pid(&lab_vms[i])) {
			log_error("the %s VM is not running", lab_vms[i].name);
			log_hint("start a fresh lab: replab down && replab up");
			return EXIT_FAIL;
		}
	return partition_reconnect((int) cut, (int) rate, json_path);
}
