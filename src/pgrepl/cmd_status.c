/*
 * cmd_status.c — "pgrepl status": each configured server described by the
 * role it actually plays, so the view stays true after a failover.
 */
#include "commands.h"
#include "log.h"
#include "narrate.h"
#include "status.h"

#include <string.h>

static bool describe(struct server *s, json_t *doc)
{
	json_t *obj = json_object();
	bool in_recovery;
	bool ok;

	json_object_set_new(doc, s->name, obj);
	json_object_set_new(obj, "reachable", json_false());
	if (!server_connect(s, "pgrepl-status") || !server_in_recovery(s, &in_recovery))
		return false;
	json_object_set_new(obj, "reachable", json_true());
	json_object_set_new(obj, "address", json_string(s->where));
	json_object_set_new(obj, "in_recovery", json_boolean(in_recovery));
	narrate_step("The %s at %s is %s", s->name, s->where,
		     in_recovery ? "a standby (pg_is_in_recovery() = true)"
				 : "read-write (pg_is_in_recovery() = false)");
	ok = in_recovery ? status_standby(s, obj) : status_primary(s, obj);
	if (ok && in_recovery != (strcmp(s->name, "replica") == 0))
		log_warning("the server given as the %s is %s", s->name,
			    in_recovery ? "a standby" : "a primary (was it promoted?)");
	return ok;
}

static int cmd_status(const struct options *o, const struct targets *t, json_t *doc)
{
	struct server primary, replica;
	int rc = EXIT_OK;

	if (!t->primary && !t->replica) {
		log_error("no server to describe");
		log_hint("give --primary and/or --replica, a config file, or "
			 "PGREPL_PRIMARY/PGREPL_REPLICA");
		return EXIT_USAGE;
	}
	server_init(&primary, "primary", t->primary, (int) o->connect_timeout_ms);
	server_init(&replica, "replica", t->replica, (int) o->connect_timeout_ms);
	if (t->primary && !describe(&primary, doc))
		rc = EXIT_FAIL;
	if (t->replica && !describe(&replica, doc))
		rc = EXIT_FAIL;
	server_close(&primary);
	server_close(&replica);
	return rc;
}

static const struct opt status_options[] = {
	OPT_END(),
};

const struct command cmd_status_entry = {
	.name = "status",
	.summary = "replication state of each server (pg_stat_replication on the\n"
		   "primary; receive/replay positions on the standby)",
	.options = status_options,
	.run = cmd_status,
};
