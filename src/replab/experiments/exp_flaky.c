/*
 * exp_flaky.c — "replab experiment flaky-link": when does a failure
 * detector cry wolf?  "pgrepl failover --detect-only" probes the primary
 * from the replica (SELECT 1 every probe interval, each bounded by the
 * connect timeout, as pgrepl failover does before it promotes) while the
 * primary's link is faulty: netem loss on what reaches the primary (with
 * --delay on top), or its cable pulled for half of every --flap period.
 * Over a grid of probe interval x timeout x fault, each cell watches for
 * --duration seconds and counts the detections: the primary is alive, so
 * each is false.  After a false detection the detector starts again on a
 * healthy link, and the fault comes back once it probes.  Then, for each
 * interval and timeout on a healthy link, the primary really goes (its
 * QEMU killed) and the time to the detection is measured; the lab is
 * brought back (replab reset with a saved lab) before the next.
 * --detect-only writes and promotes nothing: no cell changes the lab's
 * roles.  Every fault is undone on every exit path (exp_undo.c).  Every
 * probe is a read of flaky-link.history.jsonl, on a session per cell
 * ("200/1000 ms loss 10%") and per crash ("200/1000 ms crash"): when each
 * was sent, and whether the primary answered.
 */
#define _GNU_SOURCE
#include "experiment.h"
#include "failover.h"
#include "history_log.h"

#include "clock.h"
#include "interrupt.h"
#include "lab/lifecycle.h"
#include "lab/node.h"
#include "lab/vm.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FALSE_PER_CELL_MAX 5	   /* a detector that cried wolf that often is measured enough */
#define READY_TIMEOUT_MS   60000.0 /* from starting pgrepl to its first probe */
#define SETUP_GUESS_MS	   3000.0  /* putting a fault in place, until measured */
#define CRASH_WAIT_S	   120	   /* how long a detector waits for a crashed primary */
#define START_ATTEMPTS	   8	   /* starts of a detector whose first connection timed out */
#define START_PAUSE_MS	   1000.0  /* between them: a cable just plugged back needs its address */

/* A fault on the primary's link: loss_pct (with --delay), or a flap of flap_s. */
struct fault {
	int loss_pct;
	double flap_s;
	char loss[16]; /* "10%" for shape_set */
	char name[32]; /* "loss 10%", "flap 2s": a column of the grid */
};

/* What the detectors of one run share. */
struct run {
	const struct experiment_options *o;
	FILE *log; /* their narratives */
	char log_path[PATH_MAX];
	double setup_ms; /* putting a fault in place, measured */
	struct timeline x;
	json_t *records;	    /* the history: every detector's probes */
	struct history_clock clock; /* the replica's, measured after each detector */
};

/* "pgrepl failover --detect-only" running in the replica, its narrative read as it comes. */
struct detector {
	struct node_job job;
	int fd;
	FILE *log; /* where the narrative is kept */
	char buf[4096];
	size_t len;
	bool ready, gone, eof;
	bool reaped;		  /* it ended, was waited for, and what went wrong said */
	double ready_ms, gone_ms; /* host clock: its first probe, its detection */
};

static void detector_line(struct detector *d, const char *line)
{
	str_print_safe(d->log, line);
	fputc('\n', d->log);
	if (!d->ready && strstr(line, FAILOVER_READY_LINE)) {
		d->ready = true;
		d->ready_ms = clock_now_ms();
	}
	if (!d->gone && strstr(line, FAILOVER_GONE_LINE)) {
		d->gone = true;
		d->gone_ms = clock_now_ms();
	}
}

/* Take what the detector narrates within wait_ms, line by line. */
static void detector_read(struct detector *d, double wait_ms)
{
	struct pollfd p = { .fd = d->fd, .events = POLLIN };
	char *nl;
	ssize_t n;

	if (d->eof || poll(&p, 1, wait_ms < 0 ? 0 : (int) wait_ms) <= 0)
		return;
	n = read(d->fd, d->buf + d->len, sizeof(d->buf) - 1 - d->len);
	if (n <= 0) {
		d->eof = true;
		d->buf[d->len] = '\0';
		if (d->len)
			detector_line(d, d->buf);
		return;
	}
	d->len += (size_t) n;
	d->buf[d->len] = '\0';
	while ((nl = strchr(d->buf, '\n'))) {
		*nl = '\0';
		detector_line(d, d->buf);
		d->len -= (size_t) (nl + 1 - d->buf);
		memmove(d->buf, nl + 1, d->len + 1);
	}
	if (d->len == sizeof(d->buf) - 1) {
		detector_line(d, d->buf);
		d->len = 0;
	}
}

/* Start the detector and wait for its first probe; false when it did not get there. */
static bool detector_launch(struct detector *d, const struct vm *replica, int interval_ms,
			    int timeout_ms, int wait_s, FILE *log)
{
	char interval[16], timeout[16], wait[16];
	char *cmd[] = {
		"pgrepl", "failover",	       "--detect-only", "--json", "--probe-interval",
		interval, "--connect-timeout", timeout,		"--wait", wait,
		NULL
	};
	double deadline = clock_now_ms() + READY_TIMEOUT_MS;
	int fds[2];

	*d = (struct detector){ .fd = -1, .log = log };
	xsnprintf(interval, sizeof(interval), "%d", interval_ms);
	xsnprintf(timeout, sizeof(timeout), "%d", timeout_ms);
	xsnprintf(wait, sizeof(wait), "%d", wait_s);
	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	fprintf(log,
		"\n>>> replab: pgrepl failover --detect-only --probe-interval %s "
		"--connect-timeout %s --wait %s\n",
		interval, timeout, wait);
	node_job_start(&d->job, replica, cmd, fds[1]);
	close(fds[1]);
	d->fd = fds[0];
	while (d->job.pid > 0 && !d->ready && !d->eof && !interrupted() &&
	       clock_now_ms() < deadline)
		detector_read(d, 200);
	return d->ready;
}

/* Say why the detector ended as it did (rc, its JSON result); false unless it succeeded. */
static bool detector_complain(int rc, json_t *result, const char *log_path)
{
	const char *why = json_string_value(json_object_get(result, "error"));

	if (rc == EXIT_USAGE) {
		log_error("the replica's pgrepl refused \"failover --detect-only\": its image "
			  "predates that option (its narrative: %s)",
			  log_path);
		log_hint("make lab rebuilds the VM images with this checkout's pgrepl");
	} else if (rc != EXIT_OK && !interrupted()) {
		log_error("pgrepl failover --detect-only failed in the replica (exit %d): %s", rc,
			  why ? why : "it said nothing");
		log_detail("its narrative is in %s", log_path);
		if (why && strstr(why, "timed out"))
			log_hint("a probe timeout must also cover setting up a connection (SCRAM "
				 "authentication takes a while under TCG): raise --timeouts");
	} else if (!json_is_object(json_object_get(result, "detection")) && !interrupted())
		log_error("pgrepl failover --detect-only printed no detection (its narrative: %s)",
			  log_path);
	else
		return true;
	return false;
}

/* Wait for the detector to end: its JSON result (or NULL), its exit status in *rc. */
static json_t *detector_end(struct detector *d, int *rc)
{
	while (d->job.pid > 0 && !d->eof && !interrupted())
		detector_read(d, 500);
	close(d->fd);
	*rc = -1;
	return node_job_finish(&d->job, rc);
}

/*
 * The detector started and probing, false when it could not be.  It
 * connects with the probe timeout, so its first connection may not fit in
 * a short one (SCRAM authentication under TCG), nor right after a flap
 * (the guest gives data0 its address back a moment after the carrier): a
 * start that fails so is tried again, on the healthy link, a second apart,
 * up to START_ATTEMPTS times.
 */
static bool detector_start(struct detector *d, const struct vm *replica, int interval_ms,
			   int timeout_ms, int wait_s, FILE *log, const char *log_path)
{
	for (int attempt = 1;; attempt++) {
		json_t *result;
		int rc;

		if (detector_launch(d, replica, interval_ms, timeout_ms, wait_s, log))
			return true;
		if (!d->eof && !interrupted())
			log_error(
				"pgrepl failover --detect-only did not begin to probe within %.0f "
				"s (its narrative: %s)",
				READY_TIMEOUT_MS / 1000, log_path);
		result = detector_end(d, &rc);
		d->reaped = true;
		if (rc != EXIT_FAIL || attempt == START_ATTEMPTS || interrupted()) {
			detector_complain(rc, result, log_path);
			json_decref(result);
			return false;
		}
		json_decref(result);
		fprintf(log, ">>> replab: it could not start; again (attempt %d)\n", attempt + 1);
		clock_sleep_ms(START_PAUSE_MS);
	}
}

/*
 * Wait for the detector to end: its "detection" figures, or NULL (logged);
 * its probes onto the run's history, as session's.
 */
static json_t *detector_finish(struct detector *d, struct run *r, const char *session)
{
	json_t *result, *detection = NULL, *extra;
	int rc;

	if (d->reaped)
		return NULL;
	result = detector_end(d, &rc);
	fflush(d->log);
	if (detector_complain(rc, result, r->log_path) &&
	    history_clock_measure(lab_find_vm("replica"), &r->x, &r->clock)) {
		extra = json_pack("{s:s}", "session", session);
		history_take(&r->clock, result, extra, r->records);
		json_decref(extra);
		detection = json_incref(json_object_get(result, "detection"));
	}
	json_decref(result);
	return detection;
}

static bool fault_shapes(const struct experiment_options *o, const struct fault *f)
{
	return f->loss_pct > 0 || o->delay;
}

/* The fault's shape on what reaches the primary (a flap is the caller's). */
static bool fault_on(const struct experiment_options *o, const struct vm *primary,
		     const struct fault *f)
{
	struct shape s = { .loss = f->loss_pct > 0 ? f->loss : NULL, .delay = o->delay };

	return !fault_shapes(o, f) || experiment_shape(primary, &s);
}

static bool fault_off(const struct experiment_options *o, const struct vm *primary,
		      const struct fault *f, bool down)
{
	static const struct shape none;
	bool ok = !down || experiment_link(primary, true);

	return (!fault_shapes(o, f) || experiment_shape(primary, &none)) && ok;
}

/* The figures of one run of the detector that ended, watched_ms after the fault came. */
static json_t *run_figures(const struct detector *d, json_t *detection, double watched_ms)
{
	json_t *run = json_pack("{s:b,s:f,s:O}", "detected", d->gone, "watched_ms", watched_ms,
				"probes", json_object_get(detection, "probes"));

	if (d->gone)
		json_object_set(run, "error", json_object_get(detection, "error"));
	return run;
}

/*
 * One run of the detector under fault f for at most left_ms: {"detected",
 * "watched_ms" (from the fault in place to the detection or the end),
 * "probes", "error"}, or NULL.  r->setup_ms is how long the fault took to
 * be in place, measured.
 */
static json_t *watch_once(struct run *r, int interval_ms, int timeout_ms, const struct fault *f,
			  double left_ms)
{
	const struct experiment_options *o = r->o;
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	int wait_s = (int) ((left_ms + (fault_shapes(o, f) ? r->setup_ms : 0)) / 1000) + 1;
	double applied, next_flap, end;
	json_t *detection, *run = NULL;
	struct detector d;
	char session[HISTORY_NAME_MAX];
	bool ok, down = false;

	xsnprintf(session, sizeof(session), "%d/%d ms %s", interval_ms, timeout_ms, f->name);
	ok = detector_start(&d, replica, interval_ms, timeout_ms, wait_s, r->log, r->log_path) &&
	     fault_on(o, primary, f);
	applied = next_flap = clock_now_ms();
	if (ok && fault_shapes(o, f))
		r->setup_ms = applied - d.ready_ms;
	while (ok && !d.eof && !interrupted()) {
		if (f->flap_s > 0 && clock_now_ms() >= next_flap) {
			down = !down;
			ok = experiment_link(primary, !down);
			next_flap += f->flap_s * 500;
		}
		detector_read(&d, f->flap_s > 0 && next_flap - clock_now_ms() < 200
					  ? next_flap - clock_now_ms()
					  : 200);
	}
	end = d.gone ? d.gone_ms : clock_now_ms();
	ok = fault_off(o, primary, f, down) && ok;
	detection = detector_finish(&d, r, session);
	if (ok && detection)
		run = run_figures(&d, detection, end > applied ? end - applied : 0);
	json_decref(detection);
	return run;
}

/* One cell of the grid: the false detections under f in --duration s of watching, or NULL. */
static json_t *grid_cell(struct run *r, int interval_ms, int timeout_ms, const struct fault *f)
{
	double duration_ms = r->o->duration_s * 1000.0, watched = 0, first = -1;
	json_t *runs = json_array(), *run = NULL;
	int alarms = 0;

	while (watched < duration_ms && alarms < FALSE_PER_CELL_MAX && !interrupted()) {
		double w;

		run = watch_once(r, interval_ms, timeout_ms, f, duration_ms - watched);
		if (!run)
			break;
		w = json_real_value(json_object_get(run, "watched_ms"));
		if (json_is_true(json_object_get(run, "detected"))) {
			if (alarms++ == 0)
				first = watched + w;
		}
		watched += w;
		json_array_append_new(runs, run);
	}
	if (!run || interrupted()) {
		json_decref(runs);
		return NULL;
	}
	return json_pack("{s:i,s:i,s:s,s:i,s:f,s:f,s:i,s:f,s:f,s:o}", "interval_ms", interval_ms,
			 "timeout_ms", timeout_ms, "fault", f->name, "loss_pct", f->loss_pct,
			 "flap_s", f->flap_s, "watched_ms", watched, "false_detections", alarms,
			 "per_minute", alarms * 60000.0 / (watched > 1 ? watched : 1),
			 "first_after_ms", first, "runs", runs);
}

/*
 * The primary crashed under a detector on a healthy link, then brought
 * back: {"after_crash_ms" (host clock), "since_last_answer_ms" (pgrepl's),
 * "probes", "error"}, or NULL.
 */
static json_t *true_detection(struct run *r, int interval_ms, int timeout_ms, int n)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	double settle = clock_now_ms() + 1000 + (n * 397) % 1000, crashed_at = 0;
	json_t *detection = NULL, *t = NULL;
	struct detector d;
	char session[HISTORY_NAME_MAX];
	bool ok = detector_start(&d, replica, interval_ms, timeout_ms, CRASH_WAIT_S, r->log,
				 r->log_path);

	xsnprintf(session, sizeof(session), "%d/%d ms crash", interval_ms, timeout_ms);
	/* The crash at a different moment of the probe cycle each time. */
	while (ok && !d.eof && !interrupted() && clock_now_ms() < settle)
		detector_read(&d, settle - clock_now_ms());
	if (ok && (d.eof || d.gone)) {
		log_error("the detector declared the primary gone before its crash, on a healthy "
			  "link (its narrative: %s)",
			  r->log_path);
		log_hint("a longer timeout (--timeouts) holds on a busy host");
		ok = false;
	}
	if (ok) {
		crashed_at = clock_now_ms();
		ok = experiment_crash(primary);
	}
	while (ok && !d.eof && !interrupted())
		detector_read(&d, 200);
	detection = detector_finish(&d, r, session);
	if (ok && detection && d.gone)
		t = json_pack("{s:i,s:i,s:f,s:O,s:O,s:O}", "interval_ms", interval_ms, "timeout_ms",
			      timeout_ms, "after_crash_ms", d.gone_ms - crashed_at,
			      "since_last_answer_ms", json_object_get(detection, "detection_ms"),
			      "probes", json_object_get(detection, "probes"), "error",
			      json_object_get(detection, "error"));
	else if (ok && detection)
		log_error("the detector did not notice the crashed primary within %d s",
			  CRASH_WAIT_S);
	json_decref(detection);
	if (crashed_at > 0 && !interrupted() && !experiment_restore()) {
		log_error("could not bring the primary back after its crash");
		json_decref(t);
		t = NULL;
	}
	return t;
}

/* The grid's columns: each loss, then the flap. */
static int faults_of(const struct experiment_options *o, struct fault *faults)
{
	int n = 0;

	for (int i = 0; i < o->nloss; i++, n++) {
		faults[n] = (struct fault){ .loss_pct = o->loss[i] };
		xsnprintf(faults[n].loss, sizeof(faults[n].loss), "%d%%", o->loss[i]);
		xsnprintf(faults[n].name, sizeof(faults[n].name), "loss %d%%", o->loss[i]);
	}
	if (o->flap_s > 0) {
		faults[n] = (struct fault){ .flap_s = o->flap_s };
		xsnprintf(faults[n].name, sizeof(faults[n].name), "flap %gs", o->flap_s);
		n++;
	}
	return n;
}

static void print_summary(json_t *cells, json_t *detections, const struct fault *faults,
			  int nfaults)
{
	size_t i = 0, j;
	json_t *c, *t;

	printf("\nfalse detections (the primary alive): count in the seconds watched\n  %-18s",
	       "interval/timeout");
	for (int k = 0; k < nfaults; k++)
		printf(" %-14s", faults[k].name);
	json_array_foreach(cells, j, c) {
		if (j % (size_t) nfaults == 0)
			printf("\n  %5lld ms/%5lld ms  ",
			       (long long) json_integer_value(json_object_get(c, "interval_ms")),
			       (long long) json_integer_value(json_object_get(c, "timeout_ms")));
		printf(" %2lld in %5.1f s   ",
		       (long long) json_integer_value(json_object_get(c, "false_detections")),
		       json_real_value(json_object_get(c, "watched_ms")) / 1000);
	}
	printf("\n\ntrue detection (the primary's QEMU killed, a healthy link):\n");
	json_array_foreach(detections, i, t) {
		printf("  %5lld ms/%5lld ms   %6.0f ms after the crash (%.0f ms after its last "
		       "answer, probe %lld)\n",
		       (long long) json_integer_value(json_object_get(t, "interval_ms")),
		       (long long) json_integer_value(json_object_get(t, "timeout_ms")),
		       json_real_value(json_object_get(t, "after_crash_ms")),
		       json_number_value(json_object_get(t, "since_last_answer_ms")),
		       (long long) json_integer_value(json_object_get(t, "probes")));
	}
	printf("\n  A probe that gets no answer within the timeout cannot tell a dead primary\n"
	       "  from a slow or lossy link: TCP retransmits a lost packet only after ~200 ms\n"
	       "  (then 400, 800...), so a timeout within a few retransmissions cries wolf on\n"
	       "  a lossy link, and a link down for longer than the timeout always does.  A\n"
	       "  longer timeout buys fewer false alarms with a slower true detection (about\n"
	       "  the timeout plus up to one interval).  A failover manager that promotes on\n"
	       "  one failed probe promotes a healthy primary's standby: a split brain.\n");
}

/* The grid's row and column names, for the report. */
static json_t *names(const struct experiment_options *o, const struct fault *faults, int nfaults,
		     bool rows)
{
	json_t *a = json_array();

	if (!rows)
		for (int k = 0; k < nfaults; k++)
			json_array_append_new(a, json_string(faults[k].name));
	for (int i = 0; rows && i < o->nintervals; i++)
		for (int j = 0; j < o->ntimeouts; j++)
			json_array_append_new(a, json_sprintf("%d ms / %d ms", o->intervals[i],
							      o->timeouts[j]));
	return a;
}

static bool needs_ok(const struct experiment_options *o, const struct vm *primary,
		     const struct vm *replica)
{
	bool netem = o->delay != NULL;

	for (int i = 0; i < o->nloss; i++)
		netem = netem || o->loss[i] > 0;
	if (!vm_pid(primary) || !vm_pid(replica)) {
		log_error("flaky-link needs the VM lab: its faults are netem in the guests and "
			  "QEMU's link state");
		log_hint("replab up brings up the VMs");
		return false;
	}
	return !netem || shape_can_change(primary, true);
}

int experiment_flaky_link(const struct experiment_options *o)
{
	const struct vm *primary = lab_find_vm("primary"), *replica = lab_find_vm("replica");
	struct fault faults[EXPERIMENT_LIST_MAX + 1];
	int nfaults = faults_of(o, faults), rc = EXIT_FAIL, row = 0, n = 0;
	struct run r = { .o = o, .setup_ms = SETUP_GUESS_MS };
	json_t *cells, *detections, *doc;
	bool ok = true;

	if (!needs_ok(o, primary, replica))
		return EXIT_FAIL;
	if (!(r.log = fopen(lab_state_path("flaky-link.log", r.log_path, sizeof(r.log_path)),
			    "we")))
		fatal("could not write %s: %s", r.log_path, strerror(errno));
	printf("flaky-link: pgrepl failover --detect-only probes the primary from the replica, "
	       "%d s a cell,\nwhile the primary's link %s%s%s; then the primary crashes for "
	       "real (narratives: %s)\n",
	       o->duration_s, "loses packets", o->delay ? " and delays them by " : "",
	       o->delay ? o->delay : "", r.log_path);
	cells = json_array();
	detections = json_array();
	r.records = json_array();
	timeline_begin(&r.x);
	for (int i = 0; ok && i < o->nintervals; i++)
		for (int j = 0; ok && j < o->ntimeouts; j++, row++)
			for (int k = 0; ok && k < nfaults; k++) {
				json_t *c = grid_cell(&r, o->intervals[i], o->timeouts[j],
						      &faults[k]);

				if (!(ok = c != NULL))
					break;
				json_object_set_new(c, "row", json_integer(row));
				json_object_set_new(c, "column", json_integer(k));
				timeline_event(&r.x,
					       "interval %d ms, timeout %d ms, %s: %lld false "
					       "detections in %.1f s",
					       o->intervals[i], o->timeouts[j], faults[k].name,
					       (long long) json_integer_value(
						       json_object_get(c, "false_detections")),
					       json_real_value(json_object_get(c, "watched_ms")) /
						       1000);
				json_array_append_new(cells, c);
			}
	row = 0;
	for (int i = 0; ok && i < o->nintervals; i++)
		for (int j = 0; ok && j < o->ntimeouts; j++, row++) {
			json_t *t = true_detection(&r, o->intervals[i], o->timeouts[j], n++);

			if (!(ok = t != NULL))
				break;
			json_object_set_new(t, "row", json_integer(row));
			timeline_event(&r.x,
				       "interval %d ms, timeout %d ms: the crash detected after "
				       "%.0f ms",
				       o->intervals[i], o->timeouts[j],
				       json_real_value(json_object_get(t, "after_crash_ms")));
			json_array_append_new(detections, t);
		}
	fclose(r.log);
	if (ok) {
		print_summary(cells, detections, faults, nfaults);
		doc = json_pack("{s:s,s:i,s:s?,s:f,s:o,s:o,s:O,s:O,s:O,s:O}", "experiment",
				"flaky-link", "duration_s", o->duration_s, "delay", o->delay,
				"flap_s", o->flap_s, "rows", names(o, faults, nfaults, true),
				"columns", names(o, faults, nfaults, false), "cells", cells,
				"detections", detections, "events", r.x.events, "samples",
				r.x.samples);
		xsnprintf(r.clock.how, sizeof(r.clock.how),
			  "pgrepl's CLOCK_REALTIME in the replica minus its offset against the "
			  "host's, measured over the management link after each detector ended");
		if (history_save(doc, r.records, &r.clock, "flaky-link", o->json_path) &&
		    experiment_save(doc, "flaky-link", o->json_path))
			rc = EXIT_OK;
		json_decref(doc);
	}
	json_decref(r.records);
	json_decref(cells);
	json_decref(detections);
	timeline_free(&r.x);
	return rc;
}
