/*
 * status.h — what a server says about replication: a primary's
 * pg_stat_replication, a standby's receive and replay positions.  Used by
 * "pgrepl status" and by the demos.
 */
#ifndef PGREPL_STATUS_H
#define PGREPL_STATUS_H

#include "server.h"

#include <jansson.h>

/*
 * Narrate the primary's view and fill obj with "current_lsn" and
 * "standbys" (one object per walsender, base backups included and marked).
 */
bool status_primary(struct server *s, json_t *obj);

/* Narrate the standby's view and fill obj with positions and the receiver. */
bool status_standby(struct server *s, json_t *obj);

/*
 * Count standbys in obj["standbys"] that stream WAL (state "streaming",
 * not a pg_basebackup in progress).
 */
int status_streaming_standbys(const json_t *obj);

#endif
