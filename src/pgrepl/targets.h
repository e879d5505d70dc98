/*
 * targets.h — where the primary and the replica are.
 *
 * Each connection string comes from the first place that has it:
 * --primary/--replica, then the config file (--config, else $PGREPL_CONFIG,
 * else /etc/replab/pgrepl.conf, which cloud-init writes inside the lab's
 * VMs), then $PGREPL_PRIMARY/$PGREPL_REPLICA.
 *
 * The config file holds "key = value" lines; '#' starts a comment.  Keys:
 * primary, replica, replica2 (libpq connection strings; replica2, a second
 * standby, only from the file or $PGREPL_REPLICA2, for "pgrepl readers").
 */
#ifndef PGREPL_TARGETS_H
#define PGREPL_TARGETS_H

#include "options.h"

#include <libpq-fe.h>

#define TARGETS_DEFAULT_CONFIG "/etc/replab/pgrepl.conf"

struct targets {
	char *primary; /* NULL when nowhere set */
	char *replica;
	char *replica2; /* a second standby, or NULL */
};

/*
 * Fill *t.  Returns EXIT_OK; EXIT_USAGE for a malformed connection string;
 * EXIT_FAIL for a config file that cannot be read or parsed.  Errors are
 * logged.
 */
int targets_resolve(const struct options *o, struct targets *t);
void targets_free(struct targets *t);

/* For commands that need both: log which one is missing and return false. */
bool targets_require_both(const struct targets *t);

/*
 * One connection string reaching whichever of the two accepts writes:
 * the primary's settings, host/hostaddr/port listing the primary then the
 * replica, and target_session_attrs=read-write (libpq tries the hosts in
 * turn); tcp_user_timeout=1000 unless set, so that a host that has gone
 * silent is given up after about a second and the next one tried.  Both targets must be set and
 * valid; the caller frees the result.
 */
char *targets_any_writable(const struct targets *t);

/*
 * Which target conn is connected to, by its host and port: "primary",
 * "replica", or NULL when neither (or no connection).
 */
const char *targets_role_of(const struct targets *t, PGconn *conn);

/*
 * Split one config line in place.  Returns 1 with *key and *value set, 0 for
 * a blank or comment line, -1 when the line is not "key = value".
 */
int config_parse_line(char *line, char **key, char **value);

#endif
