/*
 * lab.h — what "demo" and "failover" share: the primary/replica pair with
 * its role check, the demo's "users" table, and waiting for rows written
 * on the primary to become visible on the replica.
 */
#ifndef PGREPL_LAB_H
#define PGREPL_LAB_H

#include "options.h"
#include "server.h"
#include "targets.h"

#include <jansson.h>

#define VISIBLE_TIMEOUT_MS 30000.0

struct lab {
	struct server primary;
	struct server replica;
	json_t *doc;
	const char *app_name;
};

extern const char lab_users_create_sql[];

void lab_init(struct lab *lab, const struct options *o, const struct targets *t, json_t *doc,
	      const char *app_name);
void lab_close(struct lab *lab);

/* Narrated step: connect to both and check each plays its role. */
bool lab_check_roles(struct lab *lab);

/* Show and run one statement; log the failure. */
bool lab_run(struct server *s, const char *sql);

/* SELECT count(*) FROM users on one server. */
bool lab_count_users(struct server *s, long *count);

/*
 * Poll the replica every millisecond with count_sql (one bigint column)
 * until it reports at least want rows.  "relation does not exist" counts as
 * zero: the CREATE TABLE itself may not have been replayed yet.  Returns
 * false, with the error logged, on a failed query or after timeout_ms.
 * *waited_ms is the time from the call to the first poll that saw them.
 */
bool lab_wait_visible(struct lab *lab, const char *count_sql, int nparams, const char *const *params,
		      long want, double *waited_ms);

#endif
