/*
 * losses.h — after a failover, a client's history checked against the new
 * primary (history/check.h): which acknowledged writes were lost and where
 * each was in the WAL against the point the standby's recovery ended (the
 * switch point of the new timeline: all it had received, flushed and
 * replayed), and which writes in doubt committed; or against a standby
 * that caught up, which of the primary's writes it lacks.
 */
#ifndef REPLAB_LOSSES_H
#define REPLAB_LOSSES_H

#include "lab/vm.h"

#include <jansson.h>

/*
 * Into buf, the query for losses_check that finds the writes of "pgrepl
 * load" in load_test as writer's (a name of history.h).
 */
void losses_load_sql(const char *writer, char *buf, size_t len);

/*
 * The "checks" of records (a history's, as history_log.h makes them; named
 * where in messages) against the writes found on new_primary, the rows of
 * found_sql ("writer" text, "seq" a number: every writer of the records
 * must be looked for), or NULL (logged).
 */
json_t *losses_check(const struct vm *new_primary, const json_t *records, const char *where,
		     const char *found_sql);

/*
 * The "checks" of records against the writes found_sql finds on vm, a
 * server that lost nothing by design (a replica that has caught up, a
 * primary after its crash recovery): nothing promoted, so the lost writes
 * have no stage; or NULL (logged).
 */
json_t *losses_check_standby(const struct vm *vm, const json_t *records, const char *where,
			     const char *found_sql);

/* Print what checks says of the lost and unknown writes, for a summary. */
void losses_print(const json_t *checks);

#endif
