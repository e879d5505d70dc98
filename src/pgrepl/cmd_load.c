/*
 * cmd_load.c — "pgrepl load": numbered rows written to the primary at a
 * steady rate, one transaction each, so that afterwards every acknowledged
 * write can be looked for by id.  A write that fails (the server went
 * away, a timeout) is counted, the connection is made again, and the next
 * id is tried: an id is acknowledged only when its commit returned.
 */
#include "clock.h"
#include "commands.h"
#include "log.h"
#include "narrate.h"
#include "server.h"

#include <stdio.h>
#include <string.h>

static const char drop_sql[] = "DROP TABLE IF EXISTS load_test";
static const char create_sql[] = "CREATE TABLE load_test (id bigint PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())";

int cmd_load(const struct options *o, const struct targets *t, json_t *doc)
{
	struct server primary;
	json_t *failures = json_array();
	double start, period = 1000.0 / o->rate;
	long acked = 0, failed = 0, id;
	long total = o->rate * o->duration_s;
	struct db_error err;

	if (!t->primary) {
		log_error("no primary to write to");
		log_hint("give --primary, a config file, or PGREPL_PRIMARY");
		json_decref(failures);
		return EXIT_USAGE;
	}
	server_init(&primary, "primary", t->primary, (int) o->connect_timeout_ms);
	narrate_step("Write %ld rows to the primary, %ld a second", total, o->rate);
	narrate_sql(drop_sql);
	narrate_sql(create_sql);
	if (!server_connect(&primary, "pgrepl-load") ||
	    !db_exec(primary.conn, drop_sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err) ||
	    !db_exec(primary.conn, create_sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err)) {
		if (primary.conn)
			server_log_failure(&primary, "could not create load_test", &err);
		server_close(&primary);
		json_decref(failures);
		return EXIT_FAIL;
	}
	narrate_sql("INSERT INTO load_test (id) VALUES ($1)   -- id 1, 2, 3, ...");
	start = clock_now_ms();
	for (id = 1; id <= total; id++) {
		char idtext[24];
		const char *params[] = { idtext };

		clock_sleep_ms(start + (id - 1) * period - clock_now_ms());
		snprintf(idtext, sizeof(idtext), "%ld", id);
		if (!primary.conn && !server_connect(&primary, "pgrepl-load")) {
			failed++;
			continue;
		}
		if (db_exec(primary.conn, "INSERT INTO load_test (id) VALUES ($1)", 1, params, (int) o->connect_timeout_ms,
			    NULL, &err)) {
			acked = id;
			continue;
		}
		failed++;
		if (json_array_size(failures) < 20)
			json_array_append_new(failures, json_pack("{s:I,s:f,s:s}", "id", (json_int_t) id, "at_ms",
								  clock_now_ms() - start, "error", err.message));
		server_close(&primary);
	}
	narrate("%ld writes acknowledged, %ld failed, in %.1f s", total - failed, failed, (clock_now_ms() - start) / 1000);
	json_object_set_new(doc, "rate", json_integer(o->rate));
	json_object_set_new(doc, "attempted", json_integer(total));
	json_object_set_new(doc, "acknowledged", json_integer(total - failed));
	json_object_set_new(doc, "failed", json_integer(failed));
	json_object_set_new(doc, "last_acknowledged_id", json_integer(acked));
	json_object_set_new(doc, "failures", failures);
	json_object_set_new(doc, "elapsed_ms", json_real(clock_now_ms() - start));
	server_close(&primary);
	return EXIT_OK;
}
