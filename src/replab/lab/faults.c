/*
 * faults.c — partitions with tc, in the lab's namespace (shaping: shape.c).
 */
#define _GNU_SOURCE
#include "faults.h"

#include "child.h"
#include "log.h"
#include "netns.h"
#include "shape.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define UNLIMITED "10gbit"

/* Run "tc WORDS..." in the lab; the words are given as separate arguments. */
static int tc_run(const char *out_path, ...)
{
	struct argv_list a = { 0 };
	const char *w;
	va_list ap;
	int rc;

	argv_add(&a, "tc");
	va_start(ap, out_path);
	while ((w = va_arg(ap, const char *)) != NULL)
		argv_add(&a, "%s", w);
	va_end(ap);
	rc = netns_run(a.v, out_path);
	argv_free(&a);
	return rc;
}

static const char *log_path(void)
{
	static char path[PATH_MAX];

	return lab_state_path("faults.log", path, sizeof(path));
}

#define TC(...) (tc_run(log_path(), __VA_ARGS__, (const char *) NULL) == 0)

/*
 * Run "tc WORDS..." in the lab with its stdout (or, with want_stderr, its
 * stderr) read through a pipe of this run's own; the rest goes to the log.
 * The exit status, and the text in *out.
 */
static int tc_capture(bool want_stderr, char **out, char *const words[])
{
	struct argv_list a = { 0 };
	int fds[2];
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	argv_add(&a, "tc");
	for (int i = 0; words[i]; i++)
		argv_add(&a, "%s", words[i]);
	pid = netns_start(a.v, log_path(), want_stderr ? -1 : fds[1], want_stderr ? fds[1] : -1);
	close(fds[1]);
	argv_free(&a);
	return child_collect(pid, fds[0], out);
}

/* tc -j [-s] WHAT show dev TAP, parsed; NULL on failure. */
static json_t *tc_json(const char *what, const char *tap, bool stats)
{
	char *text;
	json_t *doc;
	int rc = stats ? tc_capture(false, &text,
				    (char *[]){ "-j", "-s", (char *) what, "show", "dev",
						(char *) tap, NULL })
		       : tc_capture(false, &text,
				    (char *[]){ "-j", (char *) what, "show", "dev", (char *) tap,
						NULL });

	doc = rc == 0 ? json_loads(text, 0, NULL) : NULL;
	free(text);
	if (doc && !json_is_array(doc)) {
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/*
 * The tc scaffold on a tap: SCAFFOLD_OURS (our htb 1: is its root),
 * SCAFFOLD_NONE (the kernel's default root qdisc), SCAFFOLD_OTHER (a root
 * qdisc someone else put there: never replaced) or SCAFFOLD_UNKNOWN (tc
 * could not say).
 */
enum scaffold { SCAFFOLD_OURS, SCAFFOLD_NONE, SCAFFOLD_OTHER, SCAFFOLD_UNKNOWN };

static enum scaffold scaffold_state(const char *tap)
{
	json_t *q = tc_json("qdisc", tap, false), *row;
	enum scaffold state = q ? SCAFFOLD_NONE : SCAFFOLD_UNKNOWN;
	size_t i;

	json_array_foreach(q, i, row) {
		const char *kind = json_string_value(json_object_get(row, "kind"));
		const char *handle = json_string_value(json_object_get(row, "handle"));

		if (!json_is_true(json_object_get(row, "root")) || !kind || !handle)
			continue;
		if (strcmp(kind, "htb") == 0 && strcmp(handle, "1:") == 0)
			state = SCAFFOLD_OURS;
		else if (strcmp(handle, "0:") != 0)
			state = SCAFFOLD_OTHER;
	}
	json_decref(q);
	return state;
}

bool faults_has_scaffold(const char *tap)
{
	return scaffold_state(tap) == SCAFFOLD_OURS;
}

/*
 * The htb root, a passing class and a dropping class on vm's tap.  "add",
 * not "replace": a root qdisc that is not the kernel's default is left
 * alone, and the fault refused.
 */
bool faults_scaffold(const struct vm *vm, char *tap, size_t len)
{
	lab_tap_name(vm, tap, len);
	switch (scaffold_state(tap)) {
	case SCAFFOLD_OURS:
		return true;
	case SCAFFOLD_OTHER:
		log_error("%s has a root qdisc the lab did not make: left as it is, and nothing "
			  "changed",
			  tap);
		log_hint("see it with: replab status; remove it by hand if it is not wanted");
		return false;
	case SCAFFOLD_UNKNOWN:
		log_error("could not read the qdiscs of %s (see %s): nothing changed", tap,
			  log_path());
		return false;
	case SCAFFOLD_NONE:
		break;
	}
	if (TC("qdisc", "add", "dev", tap, "root", "handle", "1:", "htb", "default", "1") &&
	    TC("class", "add", "dev", tap, "parent", "1:", "classid", "1:1", "htb", "rate",
	       UNLIMITED, "quantum", "1514") &&
	    TC("class", "add", "dev", tap, "parent", "1:", "classid", "1:2", "htb", "rate",
	       UNLIMITED, "quantum", "1514") &&
	    TC("qdisc", "add", "dev", tap, "parent", "1:2", "handle", "2:", "pfifo", "limit", "0"))
		return true;
	log_error("could not set up tc on %s (see %s)", tap, log_path());
	return false;
}

bool faults_cut(const struct vm *from, const struct vm *to)
{
	char tap[32], pref[16], src[32];

	if (!faults_scaffold(to, tap, sizeof(tap)))
		return false;
	xsnprintf(pref, sizeof(pref), "%d", from->host_id);
	xsnprintf(src, sizeof(src), "%s/32", from->addr);
	/* replace: cutting twice is the same cut. */
	(void) TC("filter", "del", "dev", tap, "parent", "1:", "prio", pref);
	if (TC("filter", "add", "dev", tap, "parent", "1:", "protocol", "ip", "prio", pref, "u32",
	       "match", "ip", "src", src, "flowid", "1:2"))
		return true;
	log_error("could not drop %s's packets to %s (see %s)", from->name, to->name, log_path());
	return false;
}

bool faults_cut_pair(const struct vm *a, const struct vm *b)
{
	return faults_cut(a, b) && faults_cut(b, a);
}

static void uncut(const struct vm *from, const struct vm *to)
{
	char tap[32], pref[16];

	lab_tap_name(to, tap, sizeof(tap));
	xsnprintf(pref, sizeof(pref), "%d", from->host_id);
	if (faults_has_scaffold(tap))
		(void) TC("filter", "del", "dev", tap, "parent", "1:", "prio", pref);
}

bool faults_heal_pair(const struct vm *a, const struct vm *b)
{
	uncut(a, b);
	uncut(b, a);
	return true;
}

bool faults_heal_all(void)
{
	for (int i = 0; i < lab_nvms; i++)
		for (int j = 0; j < lab_nvms; j++)
			if (i != j)
				uncut(&lab_vms[i], &lab_vms[j]);
	return true;
}

bool faults_clear_all(void)
{
	bool ok = true;

	for (int i = 0; i < lab_nvms; i++) {
		char tap[32];

		lab_tap_name(&lab_vms[i], tap, sizeof(tap));
		if (faults_has_scaffold(tap))
			ok = TC("qdisc", "del", "dev", tap, "root") && ok;
	}
	return ok;
}

/* Add the cuts and the dropped-packet count found on one tap to doc. */
static void list_tap(const struct vm *to, json_t *doc)
{
	char tap[32];
	json_t *filters, *qdiscs, *row;
	long dropped = 0;
	size_t i;

	lab_tap_name(to, tap, sizeof(tap));
	if (!faults_has_scaffold(tap))
		return;
	qdiscs = tc_json("qdisc", tap, true);
	json_array_foreach(qdiscs, i, row) {
		const char *parent = json_string_value(json_object_get(row, "parent"));

		if (parent && strcmp(parent, "1:2") == 0)
			dropped = (long) json_integer_value(json_object_get(row, "drops"));
	}
	filters = tc_json("filter", tap, false);
	json_array_foreach(filters, i, row) {
		json_t *opts = json_object_get(row, "options");
		const char *flow = json_string_value(json_object_get(opts, "flowid"));
		const struct vm *from = lab_vm_by_host_id(
			(long) json_integer_value(json_object_get(row, "pref")));

		if (flow && strcmp(flow, "1:2") == 0 && from)
			json_array_append_new(json_object_get(doc, "cuts"),
					      json_pack("{s:s,s:s,s:i}", "from", from->name, "to",
							to->name, "dropped_packets_to_vm",
							(int) dropped));
	}
	json_decref(qdiscs);
	json_decref(filters);
}

json_t *faults_list(void)
{
	json_t *doc = json_pack("{s:[],s:o}", "cuts", "shapes", shape_list());

	for (int i = 0; i < lab_nvms; i++)
		list_tap(&lab_vms[i], doc);
	return doc;
}

double faults_rate_bits(const char *rate)
{
	/* tc's own rate units (tc(8)), a unit required: a bare number is ambiguous. */
	static const struct str_unit units[] = {
		{ "bit", 1 },	 { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 }, { "bps", 8 },
		{ "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 }, { NULL, 0 },
	};
	double bits;

	return str_to_scaled(rate, units, FAULTS_RATE_MIN_BITS, FAULTS_RATE_MAX_BITS, &bits) ? bits
											     : -1;
}

double faults_time_ms(const char *time)
{
	static const struct str_unit units[] = {
		{ "us", 1e-3 }, { "usec", 1e-3 }, { "ms", 1 }, { "msec", 1 },
		{ "s", 1e3 },	{ "sec", 1e3 },	  { NULL, 0 },
	};
	double ms;

	return str_to_scaled(time, units, 0, FAULTS_TIME_MAX_MS, &ms) ? ms : -1;
}

double faults_percent(const char *percent)
{
	static const struct str_unit units[] = { { "%", 1 }, { "", 1 }, { NULL, 0 } };
	double p;

	return str_to_scaled(percent, units, 0, 100, &p) ? p : -1;
}
