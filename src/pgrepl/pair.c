/*
 * pair.c — the primary/replica pair and the demo table, shared by the demos.
 */
#include "pair.h"

#include "clock.h"
#include "log.h"
#include "narrate.h"

#include <stdlib.h>
#include <string.h>

#define SQLSTATE_UNDEFINED_TABLE "42P01"

const char pair_users_create_sql[] = "CREATE TABLE IF NOT EXISTS users (\n"
				     "    id         serial PRIMARY KEY,\n"
				     "    name       text NOT NULL,\n"
				     "    email      text UNIQUE NOT NULL,\n"
				     "    created_at timestamptz NOT NULL DEFAULT now()\n"
				     ")";

void pair_init(struct pair *pair, const struct options *o, const struct targets *t, json_t *doc,
	       const char *app_name)
{
	server_init(&pair->primary, "primary", t->primary, (int) o->connect_timeout_ms);
	server_init(&pair->replica, "replica", t->replica, (int) o->connect_timeout_ms);
	pair->doc = doc;
	pair->app_name = app_name;
}

void pair_close(struct pair *pair)
{
	server_close(&pair->primary);
	server_close(&pair->replica);
}

bool pair_check_roles(struct pair *pair)
{
	narrate_step("Check the two servers");
	if (!server_expect_role(&pair->primary, pair->app_name, false) ||
	    !server_expect_role(&pair->replica, pair->app_name, true))
		return false;
	narrate("primary %s: pg_is_in_recovery() = false, it takes writes", pair->primary.where);
	narrate("replica %s: pg_is_in_recovery() = true, a hot standby replaying the primary's WAL",
		pair->replica.where);
	json_object_set_new(pair->doc, "servers",
			    json_pack("{s:s,s:s}", "primary", pair->primary.where, "replica",
				      pair->replica.where));
	return true;
}

bool pair_run(struct server *s, const char *sql)
{
	struct db_error err;

	narrate_sql(sql);
	if (db_exec(s->conn, sql, 0, NULL, QUERY_TIMEOUT_MS, NULL, &err))
		return true;
	server_log_failure(s, "statement failed", &err);
	return false;
}

bool pair_count_users(struct server *s, long *count)
{
	struct db_error err;
	char v[32];

	if (!db_value(s->conn, "SELECT count(*) FROM users", 0, NULL, QUERY_TIMEOUT_MS, v,
		      sizeof(v), &err)) {
		server_log_failure(s, "could not count users", &err);
		return false;
	}
	*count = atol(v);
	return true;
}

bool pair_wait_visible(struct pair *pair, const char *count_sql, int nparams,
		       const char *const *params, long want, double *waited_ms)
{
	struct server *replica = &pair->replica;
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
			log_error("the replica (%s) shows %ld of %ld rows after %.0f ms",
				  replica->where, seen, want, *waited_ms);
			log_hint("is it streaming? run \"pgrepl status\" and look at the replica's "
				 "log");
			return false;
		}
		clock_sleep_ms(1);
	}
}
