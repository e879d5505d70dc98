/*
 * faults.c — partitions and shaping with tc, in the lab's namespace.
 */
#define _GNU_SOURCE
#include "faults.h"

#include "child.h"
#include "log.h"
#include "netns.h"
#include "strutil.h"

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

/* tc -j ... on a tap, parsed; NULL on failure. */
static json_t *tc_json(const char *what, const char *tap, bool stats)
{
	char out[PATH_MAX];
	json_t *doc;

	lab_state_path("tc.json", out, sizeof(out));
	unlink(out);
	if ((stats ? tc_run(out, "-j", "-s", what, "show", "dev", tap, (const char *) NULL)
		   : tc_run(out, "-j", what, "show", "dev", tap, (const char *) NULL)) != 0)
		return NULL;
	doc = json_load_file(out, 0, NULL);
	unlink(out);
	return doc;
}

static bool has_scaffold(const char *tap)
{
	json_t *q = tc_json("qdisc", tap, false), *row;
	bool found = false;
	size_t i;

	json_array_foreach(q, i, row) {
		const char *kind = json_string_value(json_object_get(row, "kind"));
		const char *handle = json_string_value(json_object_get(row, "handle"));

		if (kind && handle && strcmp(kind, "htb") == 0 && strcmp(handle, "1:") == 0)
			found = true;
	}
	json_decref(q);
	return found;
}

/* The htb root, a passing class and a dropping class on vm's tap. */
static bool scaffold(const struct vm *vm, char *tap, size_t len)
{
	lab_tap_name(vm, tap, len);
	if (has_scaffold(tap))
		return true;
	if (TC("qdisc", "replace", "dev", tap, "root", "handle", "1:", "htb", "default", "1") &&
	    TC("class", "add", "dev", tap, "parent", "1:", "classid", "1:1", "htb", "rate", UNLIMITED, "quantum", "1514") &&
	    TC("class", "add", "dev", tap, "parent", "1:", "classid", "1:2", "htb", "rate", UNLIMITED, "quantum", "1514") &&
	    TC("qdisc", "add", "dev", tap, "parent", "1:2", "handle", "2:", "pfifo", "limit", "0"))
		return true;
	log_error("could not set up tc on %s (see %s)", tap, log_path());
	return false;
}

bool faults_cut(const struct vm *from, const struct vm *to)
{
	char tap[32], pref[16], src[32];

	if (!scaffold(to, tap, sizeof(tap)))
		return false;
	xsnprintf(pref, sizeof(pref), "%d", from->host_id);
	xsnprintf(src, sizeof(src), "%s/32", from->addr);
	/* replace: cutting twice is the same cut. */
	(void) TC("filter", "del", "dev", tap, "parent", "1:", "prio", pref);
	if (TC("filter", "add", "dev", tap, "parent", "1:", "protocol", "ip", "prio", pref, "u32", "match", "ip", "src",
	       src, "flowid", "1:2"))
		return true;
	log_error("could not drop %s's packets to %s (see %s)", from->name, to->name, log_path());
	return false;
}

static void uncut(const struct vm *from, const struct vm *to)
{
	char tap[32], pref[16];

	lab_tap_name(to, tap, sizeof(tap));
	xsnprintf(pref, sizeof(pref), "%d", from->host_id);
	if (has_scaffold(tap))
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

/*
 * A shaped class queues at most about 100 ms of its rate (a bfifo leaf;
 * the tap's default queue of 1000 packets would hold seconds of it at
 * 1mbit, and TCP would fill it, delaying every acknowledgement).
 */
static bool shaped_queue(const char *tap, const char *rate)
{
	double bits = faults_rate_bits(rate);
	long limit = bits > 0 ? (long) (bits / 8 / 10) : 100000;
	char limit_s[24];

	xsnprintf(limit_s, sizeof(limit_s), "%ld", limit < 6056 ? 6056 : limit);
	return TC("qdisc", "replace", "dev", tap, "parent", "1:1", "handle", "3:", "bfifo", "limit", limit_s);
}

bool faults_rate(const struct vm *vm, const char *rate)
{
	char tap[32];
	bool ok;

	if (rate && faults_rate_bits(rate) < 0) {
		log_error("invalid rate \"%s\": a tc rate from 1kbit to 10gbit, e.g. 1mbit or 500kbit", rate);
		return false;
	}
	if (!scaffold(vm, tap, sizeof(tap)))
		return false;
	ok = TC("class", "change", "dev", tap, "parent", "1:", "classid", "1:1", "htb", "rate", rate ? rate : UNLIMITED,
		"quantum", "1514");
	if (ok && !rate) {
		/* the bfifo is absent if the tap was never shaped: no matter */
		tc_run(log_path(), "qdisc", "del", "dev", tap, "parent", "1:1", "handle", "3:", (const char *) NULL);
		return true;
	}
	if (ok && shaped_queue(tap, rate))
		return true;
	log_error("tc refused the rate \"%s\" (see %s)", rate, log_path());
	log_hint("give a tc rate such as 1mbit, 500kbit or 10mbit");
	return false;
}

bool faults_netem(const struct vm *vm, const char *delay, const char *jitter, const char *loss)
{
	struct argv_list a = { 0 };
	char tap[32], out[PATH_MAX];
	FILE *f;
	char text[512] = "";
	int rc;

	if (!scaffold(vm, tap, sizeof(tap)))
		return false;
	argv_add(&a, "tc");
	argv_add(&a, "qdisc");
	argv_add(&a, "replace");
	argv_add(&a, "dev");
	argv_add(&a, "%s", tap);
	argv_add(&a, "parent");
	argv_add(&a, "1:1");
	argv_add(&a, "handle");
	argv_add(&a, "10:");
	argv_add(&a, "netem");
	if (delay) {
		argv_add(&a, "delay");
		argv_add(&a, "%s", delay);
		if (jitter)
			argv_add(&a, "%s", jitter);
	}
	if (loss) {
		argv_add(&a, "loss");
		argv_add(&a, "%s", loss);
	}
	lab_state_path("netem.out", out, sizeof(out));
	unlink(out);
	rc = netns_run(a.v, out);
	argv_free(&a);
	if (rc == 0)
		return true;
	f = fopen(out, "r");
	if (f) {
		if (!fgets(text, sizeof(text), f))
			text[0] = '\0';
		fclose(f);
	}
	if (strstr(text, "qdisc kind is unknown")) {
		log_error("this kernel has no sch_netem: delay, jitter and loss need it, so nothing was changed");
		log_hint("on a kernel with netem, \"modprobe sch_netem\" makes them work; --rate works without it");
	} else
		log_error("tc refused the netem settings: %s", str_trim(text));
	return false;
}

bool faults_netem_clear(const struct vm *vm)
{
	char tap[32];

	lab_tap_name(vm, tap, sizeof(tap));
	if (has_scaffold(tap))
		(void) TC("qdisc", "del", "dev", tap, "parent", "1:1", "handle", "10:");
	return true;
}

static const struct vm *vm_by_id(long id)
{
	for (int i = 0; i < lab_nvms; i++)
		if (lab_vms[i].host_id == id)
			return &lab_vms[i];
	return NULL;
}

/* The rate of the passing class 1:1 as tc prints it ("1Mbit"); its JSON output lacks htb classes. */
static char *class_rate(const char *tap)
{
	char out[PATH_MAX], line[512];
	char *rate = NULL;
	FILE *f;

	lab_state_path("tc.txt", out, sizeof(out));
	unlink(out);
	if (tc_run(out, "class", "show", "dev", tap, "classid", "1:1", (const char *) NULL) != 0 || !(f = fopen(out, "r")))
		return NULL;
	if (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, " rate ");

		if (p) {
			p += 6;
			p[strcspn(p, " \n")] = '\0';
			rate = xstrdup(p);
		}
	}
	fclose(f);
	unlink(out);
	return rate;
}

/* Add the cuts and the dropped-packet count found on one tap to doc. */
static void list_tap(const struct vm *to, json_t *doc)
{
	char tap[32];
	json_t *filters, *qdiscs, *row;
	char *rate;
	long dropped = 0;
	size_t i;

	lab_tap_name(to, tap, sizeof(tap));
	if (!has_scaffold(tap))
		return;
	qdiscs = tc_json("qdisc", tap, true);
	json_array_foreach(qdiscs, i, row) {
		const char *parent = json_string_value(json_object_get(row, "parent"));
		const char *kind = json_string_value(json_object_get(row, "kind"));

		if (parent && strcmp(parent, "1:2") == 0)
			dropped = (long) json_integer_value(json_object_get(row, "drops"));
		if (kind && strcmp(kind, "netem") == 0)
			json_object_set(json_object_get(doc, "netem"), to->name, json_object_get(row, "options"));
	}
	filters = tc_json("filter", tap, false);
	json_array_foreach(filters, i, row) {
		json_t *opts = json_object_get(row, "options");
		const char *flow = json_string_value(json_object_get(opts, "flowid"));
		const struct vm *from = vm_by_id((long) json_integer_value(json_object_get(row, "pref")));

		if (flow && strcmp(flow, "1:2") == 0 && from)
			json_array_append_new(json_object_get(doc, "cuts"),
					      json_pack("{s:s,s:s,s:i}", "from", from->name, "to", to->name,
							"dropped_packets_to_vm", (int) dropped));
	}
	rate = class_rate(tap);
	if (rate && strcmp(rate, "10Gbit") != 0)
		json_object_set_new(json_object_get(doc, "rates"), to->name, json_string(rate));
	free(rate);
	json_decref(qdiscs);
	json_decref(filters);
}

json_t *faults_list(void)
{
	json_t *doc = json_pack("{s:[],s:{},s:{}}", "cuts", "rates", "netem");

	for (int i = 0; i < lab_nvms; i++)
		list_tap(&lab_vms[i], doc);
	return doc;
}

double faults_rate_bits(const char *rate)
{
	/* tc's own rate units (tc(8)), a unit required: a bare number is ambiguous. */
	static const struct str_unit units[] = {
		{ "bit", 1 }, { "kbit", 1e3 }, { "mbit", 1e6 }, { "gbit", 1e9 },
		{ "bps", 8 }, { "kbps", 8e3 }, { "mbps", 8e6 }, { "gbps", 8e9 }, { NULL, 0 },
	};
	double bits;

	return str_to_scaled(rate, units, FAULTS_RATE_MIN_BITS, FAULTS_RATE_MAX_BITS, &bits) ? bits : -1;
}

double faults_time_ms(const char *time)
{
	static const struct str_unit units[] = {
		{ "us", 1e-3 }, { "usec", 1e-3 }, { "ms", 1 }, { "msec", 1 }, { "s", 1e3 }, { "sec", 1e3 }, { NULL, 0 },
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
