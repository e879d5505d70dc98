/*
 * commands.h — pgrepl's commands.  Each narrates what it does, fills the
 * JSON document doc, and returns an exit status (options.h).
 */
#ifndef PGREPL_COMMANDS_H
#define PGREPL_COMMANDS_H

#include "options.h"
#include "targets.h"

#include <jansson.h>

int cmd_status(const struct options *o, const struct targets *t, json_t *doc);
int cmd_demo(const struct options *o, const struct targets *t, json_t *doc);
int cmd_failover(const struct options *o, const struct targets *t, json_t *doc);
int cmd_load(const struct options *o, const struct targets *t, json_t *doc);
int cmd_watch(const struct options *o, const struct targets *t, json_t *doc);
int cmd_set_password(const struct options *o, const struct targets *t, json_t *doc);

#endif
