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

void status_print_faults(FILE *out, const json_t *doc)
{
	json_t *cuts = jfield(doc, "cuts", JSON_ARRAY), *rates = jfield(doc, "rates", JSON_OBJECT);
	json_t *netem = jfield(doc, "netem", JSON_OBJECT), *row, *v;
	const char *name;
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
	json_object_foreach(rates, name, v) {
		char vm[TEXT_BUF], rate[TEXT_BUF];

		fprintf(out, "  traffic to %s limited to %s/s\n",
			safe_text(vm, sizeof(vm), name, "?"),
			safe_text(rate, sizeof(rate), json_string_value(v), "?"));
	}
	json_object_foreach(netem, name, v) {
		char vm[TEXT_BUF], what[TEXT_BUF],
			*dump = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII);

		fprintf(out, "  netem on traffic to %s: %s\n", safe_text(vm, sizeof(vm), name, "?"),
			safe_text(what, sizeof(what), dump, "?"));
		free(dump);
	}
	if (json_array_size(cuts) == 0 && json_object_size(rates) == 0 &&
	    json_object_size(netem) == 0)
		fprintf(out, "  none\n");
}

void status_print_vm_faults(FILE *out, const json_t *doc)
{
	const char *name;
	json_t *v;

	/* None: no VM's QEMU runs (the namespace tier, or every VM stopped). */
	if (!json_is_object(doc) || json_object_size(doc) == 0)
		return;
	fprintf(out, "faults in the VMs (link: the guest's carrier; clock: guest minus host):\n");
	json_object_foreach((json_t *) doc, name, v) {
		char vm[TEXT_BUF], why[TEXT_BUF];
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
		fprintf(out, "; clock %+.3f s\n", json_number_value(offset));
	}
}
