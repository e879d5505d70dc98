/*
 * lab.c — the primary/replica pair and the demo table, shared by the demos.
 */
#include "lab.h"

#include "clock.h"
#include "log.h"
#include "narrate.h"

#include <stdlib.h>
#include <string.h>

#define SQLSTATE_UNDEFINED_TABLE "42P01"

const char lab_users_create_sql[] =
	"CREATE TABLE IF NOT EXISTS users (\n"
	"    id         serial PRIMARY KEY,\n"
	"    name       text NOT NULL,\n"
	"    email      text UNIQUE NOT NULL,\n"
	"    created_at timestamptz NOT NULL DEFAULT now()\n"
	")";

void lab_init(struct lab *lab, const struct options *o, const struct targets *t, json_t *doc,
	      const char *app_name)
{
	server_init(&lab->primary, "primary", t->primary, (int) o->connect_timeout_ms);
	server_init(&lab->replica, "replica", t->replica, (int) o->connect_timeout_ms);
	lab->doc = doc;
	lab->app_name = app_name;
}

void lab_close(struct lab *lab)
{
	server_close(&lab->primary);
	server_close(&lab->replica);
}

bool lab_check_roles(struct lab *lab)
{
	narrate_step("Check the two servers");
	if (!server_expect_role(&lab->primary, lab->app_name, false) ||
	    !server_expect_role(&lab->replica, lab->app_name, true))
		return false;
	narrate("primary %s: pg_is_in_recovery() = false, it takes writes", lab->primary.where);
	narrate("replica %s: pg_is_in_recovery() = true, a hot standby replaying the primary's WAL",
		lab->replica.where);
	json_object_set_new(lab->doc, "servers", json_pack("{s:s,s:s}", "primary", lab->primary.where,
							   "replica", lab->replica.where));
	return true;
}

bool lab_run(struct server *s, const char *sql)
{
	struct db_error err;

	narrate_sql(sql);
	if (db_exec(s->conn, sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err))
		return true;
	server_log_failure(s, "statement failed", &err);
	return false;
}

bool lab_count_users(struct server *s, long *count)
{
	struct db_error err;
	char v[32];

	if (!db_value(s->conn, "SELECT count(*) FROM users", 0, NULL, QUERY_TIMEOUT_MS, v, sizeof(v), &err)) {
		server_log_failure(s, "could not count users", &err);
		return false;
	}
	*count = atol(v);
	return true;
}

bool lab_wait_visible(struct lab *lab, const char *count_sql, int nparams, const char *const *params,
		      long want, double *waited_ms)
{
	struct server *replica = &lab->replica;
	double start = clock_now_ms();
	long seen = 0;

	for (;;) {
		struct db_error err;
		char count[32];

		if (db_value(replica->conn, count_sql, nparams, params, QUERY_TIMEOUT_MS, count,
			     sizeof(count), &err))
			seen = atol(count);
		else if (strcmp(err.sqlstate, SQLSTATE_UNDEFINED_TABLE) != 0) {
			server_log_failure(replica, "could not count replicated rows", &err);
			return false;
		}
		*waited_ms = clock_now_ms() - start;
		if (seen >= want)
			return true;
		if (*waited_ms > VISIBLE_TIMEOUT_MS) {
			log_error("the replica (%s) shows %ld of %ld rows after %.0f ms", replica->where, seen,
				  want, *waited_ms);
			log_hint("is it streaming? run \"pgrepl status\" and look at the replica's log");
			return false;
		}
		clock_sleep_ms(1);
	}
}
