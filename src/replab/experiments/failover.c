/*
 * failover.c — the primary stopped while "pgrepl failover" waits for it in
 * the replica (see failover.h).
 */
#define _GNU_SOURCE
#include "failover.h"

#include "clock.h"
#include "interrupt.h"
#include "log.h"
#include "strutil.h"
#include "lab/node.h"
#include "lab/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void stop_primary(bool crash, struct timeline *x)
{
	const struct vm *primary = lab_find_vm("primary");
	bool ok;

	fprintf(stderr, "\n    >>> replab: %s\n",
		crash ? "crashing the primary (SIGKILL)"
		      : "powering the primary VM off (systemctl poweroff: a clean shutdown)");
	ok = crash ? node_crash(primary) : vm_stop_clean(primary, 60);
	if (x)
		timeline_event(x, crash ? "primary crashed" : "primary powered off");
	if (!ok)
		log_error("could not stop the primary");
}

json_t *failover_in_replica(bool crash, struct timeline *x)
{
	char *cmd[] = { "pgrepl", "failover", "--json", NULL };
	char *line = NULL;
	size_t cap = 0;
	bool stopped = false;
	struct node_job job;
	int fds[2], rc;
	FILE *narrative;
	json_t *result;

	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	node_job_start(&job, lab_find_vm("replica"), cmd, fds[1]);
	close(fds[1]);
	if (job.pid < 0) {
		close(fds[0]);
		json_decref(node_job_finish(&job, NULL));
		return NULL;
	}
	narrative = fdopen(fds[0], "r");
	while (getline(&line, &cap, narrative) > 0) {
		str_print_safe(stderr, line);
		if (!stopped && strstr(line, FAILOVER_READY_LINE)) {
			stop_primary(crash, x);
			stopped = true;
		}
	}
	free(line);
	fclose(narrative);
	result = node_job_finish(&job, &rc);
	if (rc != 0) {
		log_error("pgrepl failover failed in the replica (exit %d)", rc);
		json_decref(result);
		return NULL;
	}
	if (!result)
		log_error("pgrepl failover printed no result");
	return result;
}

json_t *failover_under_load(struct timeline *x, double t_ms, pid_t load, bool (*done)(pid_t),
			    const char *what)
{
	json_t *failover;

	while (timeline_ms(x) < t_ms) {
		if (interrupted())
			return NULL;
		if (done(load)) {
			log_error("%s ended before the crash", what);
			return NULL;
		}
		clock_sleep_ms(50);
	}
	if ((failover = failover_in_replica(true, x)))
		timeline_event(x, "replica promoted and written to");
	return failover;
}
