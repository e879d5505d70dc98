/*
 * status_view.c — the JSON parts of "replab status" (see status_view.h).
 */
#include "status_view.h"

#include "jsonfile.h"
#include "strutil.h"

#include <stdlib.h>
#include <string.h>

#define TEXT_BUF (4 * STATUS_TEXT_MAX + 8) /* safe_text's longest, "..." and the NUL */

/* s as terminal-safe text of at most STATUS_TEXT_MAX bytes (then "..."), or missing. */
static const char *safe_text(char *buf, size_t len, const char *s, const char *missing)
{
	size_t n, full;
	char *safe;

	if (!s)
		return missing;
	n = full = strlen(s);
	if (n > STATUS_TEXT_MAX) {
		n = STATUS_TEXT_MAX;
		while (n > 0 && ((unsigned char) s[n] & 0xC0) == 0x80)
			n--; /* not in the middle of a UTF-8 sequence */
	}
	safe = str_sanitize_terminal(s, n, false);
	snprintf(buf, len, "%s%s", safe, n < full ? "..." : "");
	free(safe);
	return buf;
}

/* obj[key] as by safe_text, when it is a string. */
static const char *text(char *buf, size_t len, const json_t *obj, const char *key,
			const char *missing)
{
	return safe_text(buf, len, jfield_string(obj, key), missing);
}

static void print_standbys(FILE *out, const json_t *s, const char *none)
{
	json_t *list = jfield(s, "standbys", JSON_ARRAY), *row;
	size_t i;

	json_array_foreach(list, i, row) {
		char app[TEXT_BUF], addr[TEXT_BUF], state[TEXT_BUF];
		json_t *lag = jfield(row, "lag_bytes", JSON_INTEGER);

		if (i == STATUS_STANDBYS_MAX) {
			fprintf(out, "           ... and %zu more\n", json_array_size(list) - i);
			break;
		}
		fprintf(out, "           standby %s from %s: %s, lag ",
			text(app, sizeof(app), row, "application_name", "?"),
			text(addr, sizeof(addr), row, "client_addr", "a local socket"),
			text(state, sizeof(state), row, "state", "?"));
		if (lag)
			fprintf(out, "%lld bytes\n", (long long) json_integer_value(lag));
		else
			fprintf(out, "unknown\n");
	}
	if (none && json_array_size(list) == 0)
		fprintf(out, "           %s\n", none);
}

void status_print_server(FILE *out, const char *name, const json_t *s)
{
	char buf[TEXT_BUF], a[TEXT_BUF], b[TEXT_BUF], c[TEXT_BUF];
	const char *role = jfield_string(s, "role"), *where;

	if (!json_is_object(s)) {
		fprintf(out, "  %-8s unknown (pgrepl's answer does not describe it)\n", name);
		return;
	}
	if (!json_is_true(json_object_get(s, "reachable"))) {
		fprintf(out, "  %-8s unreachable\n", name);
		return;
	}
	where = text(buf, sizeof(buf), s, "address", "?");
	if (role && strcmp(role, "primary") == 0) {
		fprintf(out, "  %-8s %s is a primary; WAL at %s\n", name, where,
			text(a, sizeof(a), s, "current_lsn", "?"));
		print_standbys(out, s, "no standby connected");
	} else if (role && strcmp(role, "standby") == 0) {
		fprintf(out, "  %-8s %s is a standby: received %s, replayed %s, receiver %s\n",
			name, where, text(a, sizeof(a), s, "receive_lsn", "?"),
			text(b, sizeof(b), s, "replay_lsn", "?"),
			text(c, sizeof(c), s, "receiver_status", "not running"));
		print_standbys(out, s, NULL);
	} else
		fprintf(out, "  %-8s %s has role %s\n", name, where,
			text(a, sizeof(a), s, "role", "unknown"));
}

/* One shape: "traffic to replica from primary: limited to 1Mbit/s, netem {...} (guest: ...)". */
static void print_shape(FILE *out, const json_t *row)
{
	char to[TEXT_BUF], from[TEXT_BUF], rate[TEXT_BUF], mech[TEXT_BUF], what[TEXT_BUF];
	const json_t *netem = json_object_get(row, "netem");
	json_t *sent = jfield(row, "sent_packets", JSON_INTEGER),
	       *dropped = jfield(row, "dropped_packets", JSON_INTEGER);

	fprintf(out, "  traffic to %s", text(to, sizeof(to), row, "to", "?"));
	if (jfield_string(row, "from"))
		fprintf(out, " from %s", text(from, sizeof(from), row, "from", "?"));
	if (jfield_string(row, "unknown")) {
		fprintf(out, ": shapes in its guest unknown (%s)\n",
			text(what, sizeof(what), row, "unknown", "?"));
		return;
	}
	if (jfield_string(row, "rate"))
		fprintf(out, " limited to %s/s", text(rate, sizeof(rate), row, "rate", "?"));
	if (netem) {
		char *dump = json_dumps(netem,
					JSON_COMPACT | JSON_ENSURE_ASCII | JSON_REAL_PRECISION(6));

		fprintf(out, "%s netem %s", jfield_string(row, "rate") ? "," : ":",
			safe_text(what, sizeof(what), dump, "?"));
		free(dump);
	}
	fprintf(out, " (%s", text(mech, sizeof(mech), row, "mechanism", "?"));
	if (sent)
		fprintf(out, ": %lld packets sent, %lld dropped",
			(long long) json_integer_value(sent),
			(long long) json_integer_value(dropped));
	fprintf(out, ")\n");
}

void status_print_faults(FILE *out, const json_t *doc)
{
	json_t *cuts = jfield(doc, "cuts", JSON_ARRAY), *shapes = jfield(doc, "shapes", JSON_ARRAY);
	json_t *row;
	size_t i;

	fprintf(out, "faults on the data network:\n");
	if (!json_is_object(doc)) {
		fprintf(out, "  unknown (tc failed)\n");
		return;
	}
	json_array_foreach(cuts, i, row) {
		char from[TEXT_BUF], to[TEXT_BUF];
		json_t *dropped = jfield(row, "dropped_packets_to_vm", JSON_INTEGER);
		const char *f = text(from, sizeof(from), row, "from", "?"),
			   *t = text(to, sizeof(to), row, "to", "?");

		fprintf(out,
			"  %s -> %s dropped (%lld packets dropped on their way to %s so far)\n", f,
			t, (long long) json_integer_value(dropped), t);
	}
	/* at most one per pair of VMs and one per VM: shape_list() keeps only the lab's classes */
	json_array_foreach(shapes, i, row)
		print_shape(out, row);
	if (json_array_size(cuts) == 0 && json_array_size(shapes) == 0)
		fprintf(out, "  none\n");
}

/* bytes per second as "1M/s", "512K/s" or "1000 bytes/s", in replab disk's units. */
static const char *bandwidth_text(char *buf, size_t len, long long bytes)
{
	if (bytes % (1024 * 1024) == 0)
		snprintf(buf, len, "%lldM/s", bytes / (1024 * 1024));
	else if (bytes % 1024 == 0)
		snprintf(buf, len, "%lldK/s", bytes / 1024);
	else
		snprintf(buf, len, "%lld bytes/s", bytes);
	return buf;
}

/* The limits of one throttle of disks_list(), e.g. " 50 requests/s, 1M/s written". */
static void print_limits(FILE *out, const json_t *t)
{
	static const struct {
		const char *key, *what;
		bool bytes;
	} limits[] = {
		{ "iops", "requests/s", false },
		{ "iops_rd", "read requests/s", false },
		{ "iops_wr", "write requests/s", false },
		{ "bps", "", true },
		{ "bps_rd", " read", true },
		{ "bps_wr", " written", true },
	};
	const char *sep = " ";
	bool together = false;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		long long v = (long long) json_integer_value(
			jfield(t, limits[i].key, JSON_INTEGER));
		char buf[64];

		if (v <= 0)
			continue;
		if (limits[i].bytes)
			fprintf(out, "%s%s%s", sep, bandwidth_text(buf, sizeof(buf), v),
				limits[i].what);
		else
			fprintf(out, "%s%lld %s", sep, v, limits[i].what);
		together = together || strcmp(limits[i].key, "iops") == 0 ||
			   strcmp(limits[i].key, "bps") == 0;
		sep = ", ";
	}
	fprintf(out, "%s\n", together ? " (reads and writes together)" : "");
}

void status_print_disks(FILE *out, const json_t *doc)
{
	const char *name;
	json_t *list;

	fprintf(out, "slow disks (QEMU's block I/O limits):\n");
	if (!json_is_object(doc)) {
		fprintf(out, "  unknown\n");
		return;
	}
	json_object_foreach((json_t *) doc, name, list) {
		char vm[TEXT_BUF], disk[TEXT_BUF];
		json_t *t;
		size_t i;

		if (!json_is_array(list)) {
			fprintf(out, "  %s: unknown (its QEMU did not answer)\n",
				safe_text(vm, sizeof(vm), name, "?"));
			continue;
		}
		json_array_foreach(list, i, t) {
			fprintf(out, "  %s's disk %s: at most",
				safe_text(vm, sizeof(vm), name, "?"),
				text(disk, sizeof(disk), t, "disk", "?"));
			print_limits(out, t);
		}
	}
	if (json_object_size(doc) == 0)
		fprintf(out, "  none\n");
}

/* ", running 20000.000 ppm fast (+2.0000%: tick 10200 us, frequency +0.000 ppm)\n" */
static void print_rate(FILE *out, const json_t *v)
{
	json_t *ppm = json_object_get(v, "clock_drift_ppm");
	json_t *tick = jfield(v, "clock_tick", JSON_INTEGER),
	       *freq = jfield(v, "clock_freq", JSON_INTEGER);
	double d = json_number_value(ppm);

	if (!json_is_number(ppm) || !tick || !freq)
		fprintf(out, ", its rate unread\n");
	else if (d == 0)
		fprintf(out, ", at true rate\n");
	else
		fprintf(out, ", running %.3f ppm %s (%+.4f%%: tick %lld us, frequency %+.3f ppm)\n",
			d < 0 ? -d : d, d < 0 ? "slow" : "fast", d / 1e4,
			(long long) json_integer_value(tick),
			(double) json_integer_value(freq) / 65536);
}

void status_print_vm_faults(FILE *out, const json_t *doc)
{
	const char *name;
	json_t *v;

	/* None: no VM's QEMU runs (the namespace tier, or every VM stopped). */
	if (!json_is_object(doc) || json_object_size(doc) == 0)
		return;
	fprintf(out,
		"faults in the VMs (link: the guest's carrier; clock: guest minus host, and its "
		"rate in the guest's kernel):\n");
	json_object_foreach((json_t *) doc, name, v) {
		char vm[TEXT_BUF], why[TEXT_BUF], wal[TEXT_BUF];
		json_t *carrier = json_object_get(v, "carrier");
		json_t *changes = jfield(v, "carrier_changes", JSON_INTEGER);
		json_t *offset = json_object_get(v, "clock_offset_s");

		fprintf(out, "  %-8s ", safe_text(vm, sizeof(vm), name, "?"));
		if (!json_is_boolean(carrier) || !json_is_number(offset)) {
			fprintf(out, "unread (%s)\n", text(why, sizeof(why), v, "unread", "?"));
			continue;
		}
		fprintf(out, "link %s", json_is_true(carrier) ? "up" : "DOWN (no carrier)");
		if (changes && json_integer_value(changes) >= 0)
			fprintf(out, ", %lld carrier changes since boot",
				(long long) json_integer_value(changes));
		fprintf(out, "; clock %+.3f s", json_number_value(offset));
		print_rate(out, v);
		/* The guest's device-mapper table says it. */
		if (strcmp(text(wal, sizeof(wal), v, "wal_disk", "?"), "failing") == 0)
			fprintf(out, "  %-8s WAL disk FAILING: every write errors\n", vm);
	}
}
