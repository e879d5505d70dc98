/*
 * losses.h — after a failover, the load's history checked against the new
 * primary (history/check.h): which acknowledged writes were lost and where
 * each was in the WAL against the point the standby's recovery ended (the
 * switch point of the new timeline: all it had received, flushed and
 * replayed), and which writes in doubt committed.
 */
#ifndef REPLAB_LOSSES_H
#define REPLAB_LOSSES_H

#include "lab/vm.h"

#include <jansson.h>

/*
 * The "checks" of the history in history_path (the load's, writer "load")
 * against the rows of load_test on new_primary, or NULL (logged).
 */
json_t *losses_check(const struct vm *new_primary, const char *history_path);

/* Print what checks says of the lost and unknown writes, for a summary. */
void losses_print(const json_t *checks);

#endif
