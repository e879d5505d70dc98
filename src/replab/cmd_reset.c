/*
 * cmd_reset.c — "replab reset": the running lab back to the state saved
 * when it first streamed (lab/saved.h), whatever an experiment did to it
 * since (a failover, a cut, a rewind, slots): its QEMUs are replaced by
 * ones restored from the saved lab, and the faults on its taps removed.
 */
#include "commands.h"
#include "lab/snapshot.h"
#include "log.h"

const char cmd_reset_help[] =
	"Usage: replab reset\n"
	"\n"
	"Brings the running lab back to the state replab up saved once its replicas\n"
	"streamed (build/saved): roles, data, settings, slots and the taps' faults as\n"
	"they were then, whatever was done since (a failover, a cut, a rewind).  Checks\n"
	"that a row written on the primary reaches every replica.  A few seconds.\n";

/* No arguments: refused before the lab is looked at, as every usage error is. */
int cmd_reset_options(int argc, char **argv)
{
	(void) argv;
	if (argc == 1)
		return 1;
	usage_error("reset", "\"reset\" takes no arguments");
	return -1;
}

int cmd_reset(const struct verb_args *a)
{
	(void) a;
	if (snapshot_reset())
		return EXIT_OK;
	log_hint("replab down, then replab up");
	return EXIT_FAIL;
}
