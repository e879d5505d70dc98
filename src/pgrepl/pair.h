/*
 * pair.h — the pair of servers "demo" and "failover" work on: the primary
 * and its replica with their role check, the demo's "users" table, and
 * waiting for rows written on the primary to become visible on the replica.
 */
#ifndef PGREPL_PAIR_H
#define PGREPL_PAIR_H

#include "options.h"
#include "server.h"
#include "targets.h"

#include <jansson.h>

#define VISIBLE_TIMEOUT_MS 30000.0

struct pair {
	struct server primary;
	struct server replica;
	json_t *doc;
	const char *app_name;
};

extern const char pair_users_create_sql[];

void pair_init(struct pair *pair, const struct options *o, const struct targets *t, json_t *doc,
	       const char *app_name);
void pair_close(struct pair *pair);

/* Narrated step: connect to both and check each plays its role. */
bool pair_check_roles(struct pair *pair);

/* Show and run one statement; log the failure. */
bool pair_run(struct server *s, const char *sql);

/* SELECT count(*) FROM users on one server. */
bool pair_count_users(struct server *s, long *count);

/*
 * Poll the replica every millisecond with count_sql (one bigint column)
 * until it reports at least want rows.  "relation does not exist" counts as
 * zero: the CREATE TABLE itself may not have been replayed yet.  Returns
 * false, with the error logged, on a failed query or after timeout_ms.
 * *waited_ms is the time from the call to the first poll that saw them.
 */
bool pair_wait_visible(struct pair *pair, const char *count_sql, int nparams,
		       const char *const *params, long want, double *waited_ms);

#endif
