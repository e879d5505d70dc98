/*
 * losses.c — a history against the new primary after a failover (see
 * losses.h).  The standby's recovery ends where its WAL ends: the new
 * timeline's history file (pg_wal/0000000N.history, its last line) gives
 * that switch point, after the fact and from the host.  WAL the standby had
 * received but not flushed is not used by recovery, so the three positions
 * are the one switch point: a lost write's commit lies beyond it.
 */
#include "losses.h"

#include "history/check.h"
#include "history/history.h"
#include "history_log.h"
#include "lab/jsonfile.h"
#include "lab/node.h"
#include "lab/sqlrows.h"
#include "log.h"
#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>

/*
 * The writes sql finds on vm (its rows: "writer", "seq"); *rows keeps the
 * writers' names; false (logged) when not read.
 */
static bool found_rows(const struct vm *vm, const char *sql, json_t **rows,
		       struct history_found *found)
{
	struct history_id *ids;
	size_t n;

	*rows = node_queryf(vm, "read the writes that survived", SQL_ANY_ROWS, 2, "%s", sql);
	if (!*rows)
		return false;
	n = json_array_size(*rows);
	ids = calloc(n ? n : 1, sizeof(*ids));
	if (!ids)
		fatal("out of memory");
	for (size_t i = 0; i < n; i++) {
		const json_t *row = sql_row(*rows, i);

		ids[i].writer = sql_text(row, "writer");
		if (!ids[i].writer || !sql_int(row, "seq", &ids[i].seq)) {
			log_error("%s holds a write that is no writer and seq (%s)", vm->name, sql);
			free(ids);
			return false;
		}
	}
	found->ids = ids;
	found->n = n;
	return true;
}

/* Where the newest timeline of vm began (its history file's last line); false (logged). */
static bool switch_point(const struct vm *vm, lsn_t *at)
{
	json_t *rows = node_queryf(vm, "read the new timeline's switch point", 1, 1,
				   "SELECT split_part(l[array_length(l, 1)], E'\\t', 2) AS lsn FROM"
				   " (SELECT string_to_array(rtrim(pg_read_file('pg_wal/' || "
				   "name), E'\\n'), E'\\n') AS l"
				   "  FROM pg_ls_waldir() WHERE name LIKE '%%.history' ORDER BY "
				   "name DESC LIMIT 1) AS h");
	const char *text = sql_text(sql_row(rows, 0), "lsn");
	bool ok = text && lsn_parse(text, at);

	if (rows && !ok)
		log_error("%s's timeline history does not end in a switch point", vm->name);
	json_decref(rows);
	return ok;
}

void losses_load_sql(const char *writer, char *buf, size_t len)
{
	xsnprintf(buf, len, "SELECT '%s' AS writer, id AS seq FROM load_test", writer);
}

/* records against the writes sql finds on vm, with at_loss (or NULL); NULL (logged). */
static json_t *check_found(const struct vm *vm, const json_t *records, const char *where,
			   const char *sql, const struct standby_positions *at_loss)
{
	struct history_found found = { 0 };
	json_t *checks = NULL, *rows = NULL;
	struct history h;

	history_init(&h);
	if (history_from_records(&h, records, where) && found_rows(vm, sql, &rows, &found))
		checks = history_check(&h, &found, at_loss);
	history_free(&h);
	free((void *) found.ids);
	json_decref(rows);
	return checks;
}

json_t *losses_check(const struct vm *new_primary, const json_t *records, const char *where,
		     const char *found_sql)
{
	struct standby_positions at_loss;
	char text[LSN_TEXT_MAX];
	json_t *checks;
	lsn_t at;

	if (!switch_point(new_primary, &at))
		return NULL;
	at_loss = (struct standby_positions){ .received = at, .flushed = at, .replayed = at };
	checks = check_found(new_primary, records, where, found_sql, &at_loss);
	if (checks) {
		lsn_format(at, text);
		json_object_set_new(checks, "switch_point", json_string(text));
	}
	return checks;
}

json_t *losses_check_standby(const struct vm *vm, const json_t *records, const char *where,
			     const char *found_sql)
{
	return check_found(vm, records, where, found_sql, NULL);
}

void losses_print(const json_t *checks)
{
	const json_t *lost = json_object_get(checks, "lost_writes"),
		     *unknown = json_object_get(checks, "unknown_writes");

	printf("  the history, checked against the new primary:\n"
	       "    the standby's recovery ended at       %s (the new timeline's switch point)\n"
	       "    acknowledged writes lost              %lld",
	       json_string_value(json_object_get(checks, "switch_point")),
	       (long long) jfield_int(lost, "count"));
	if (jfield_int(lost, "count"))
		printf(": %lld bytes of WAL and %.0f ms of commits past it",
		       (long long) jfield_int(lost, "wal_bytes"),
		       json_number_value(json_object_get(lost, "ms")));
	printf("\n    writes with no answer                 %lld: %lld committed, %lld not\n",
	       (long long) jfield_int(unknown, "count"),
	       (long long) jfield_int(unknown, "committed"),
	       (long long) jfield_int(unknown, "not_committed"));
}
