/*
 * cmd_run.c — "replab run": the seed demo on the VMs.  Brings the lab up if
 * it is not, runs "pgrepl demo" in the replica VM, then the failover: starts
 * "pgrepl failover" there, stops the primary VM the way it is told (a clean
 * power-off, or SIGKILL to its QEMU: a crash) once pgrepl waits for
 * it, and lets pgrepl detect, promote and write.  pgrepl's narrative streams
 * live; the figures end in a summary and in STATE/run.json.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/lab.h"
#include "lab/jsonfile.h"
#include "log.h"
#include "experiments/failover.h"
#include "lab/node.h"
#include "strutil.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static json_t *run_demo(void)
{
	char *cmd[] = { "pgrepl", "demo", "--json", NULL };
	json_t *demo;

	printf("\n== pgrepl demo, in the replica VM\n");
	fflush(stdout);
	demo = node_run_json(lab_find_vm("replica"), cmd, -1);
	if (!demo || !json_is_true(json_object_get(demo, "ok"))) {
		log_error("pgrepl demo failed in the replica VM");
		json_decref(demo);
		return NULL;
	}
	return demo;
}

static json_t *run_failover(bool crash)
{
	printf("\n== pgrepl failover, in the replica VM\n");
	fflush(stdout);
	return failover_in_replica(crash, NULL);
}

static double number(json_t *doc, const char *path)
{
	char *copy = xstrdup(path), *save = NULL;
	json_t *v = doc;

	for (char *key = strtok_r(copy, ".", &save); key && v; key = strtok_r(NULL, ".", &save))
		v = json_object_get(v, key);
	free(copy);
	return json_number_value(v);
}

static void summary(json_t *up, json_t *demo, json_t *failover, bool crash)
{
	printf("\n== Summary\n");
	if (up)
		printf("  power-on to replica streaming     %8.1f s (%s)\n",
		       number(up, "streaming_s"), json_string_value(json_object_get(up, "accel")));
	printf("  3 users visible on the replica    %8.1f ms after the commit\n",
	       number(demo, "users.visible_after_ms"));
	printf("  100 inserts, replica caught up    %8.1f ms after the last one\n",
	       number(demo, "bulk.caught_up_after_ms"));
	printf("  peak lag during the burst         %8.0f bytes\n", number(demo, "bulk.peak_lag_"
										 "bytes"));
	printf("  primary stopped by                %8s\n", crash ? "SIGKILL" : "poweroff");
	printf("  primary loss detected             %8.0f ms after its last answer\n",
	       number(failover, "detection.detection_ms"));
	printf("  promotion (pg_promote)            %8.0f ms\n", number(failover, "promotion."
										  "promote_ms"));
	printf("  first write on the new primary    %8.0f ms after detection\n",
	       number(failover, "rto_ms"));
}

const char cmd_run_help[] =
	"Usage: replab run [--crash]\n"
	"\n"
	"Runs the demo and the failover in the lab's VMs (bringing the lab up first\n"
	"when it is not).  The primary VM is powered off cleanly, or with --crash its\n"
	"QEMU process is killed.  Figures go to build/lab/run.json.\n";

static bool crash; /* --crash: SIGKILL to the primary's QEMU, not a power-off */

int cmd_run_options(int argc, char **argv)
{
	int rest = verb_flag_option(argc, argv, "run", "crash", &crash);

	if (rest >= 0 && rest < argc) {
		usage_error("run", "unexpected argument \"%s\"", argv[rest]);
		return -1;
	}
	return rest;
}

int cmd_run(const struct verb_args *a)
{
	json_t *up, *demo = NULL, *failover = NULL;
	char path[PATH_MAX];
	int rc = EXIT_FAIL;

	(void) a;
	if (!lab_is_up()) {
		struct up_options u;
		int up_rc;

		up_options_default(&u);
		if ((up_rc = lab_up(&u)) != EXIT_OK)
			return up_rc;
	}
	up = json_load_file(lab_state_path("up.json", path, sizeof(path)), 0, NULL);
	demo = run_demo();
	if (demo)
		failover = run_failover(crash);
	if (demo && failover) {
		json_t *run = json_pack("{s:O?,s:O,s:O,s:s}", "up", up, "demo", demo, "failover",
					failover, "primary_stopped_by",
					crash ? "sigkill" : "poweroff");

		summary(up, demo, failover, crash);
		if (json_write_atomic(lab_state_path("run.json", path, sizeof(path)), run,
				      JSON_INDENT(2)))
			rc = EXIT_OK;
		else
			log_error("could not write %s: %s", path, strerror(errno));
		json_decref(run);
	}
	json_decref(up);
	json_decref(demo);
	json_decref(failover);
	return rc;
}
