/*
 * cmd_reset.c — "replab reset": the running lab back to the state saved
 * when it first streamed (lab/saved.h), whatever an experiment did to it
 * since (a failover, a cut, a rewind, slots): its QEMUs are replaced by
 * ones restored from the saved lab, and the faults on its taps removed.
 */
#include "commands.h"
#include "clock.h"
#include "interrupt.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "lab/lifecycle.h"
#include "lab/saved.h"
#include "lab/snapshot.h"
#include "lab/vm.h"
#include "log.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

/* An interrupted reset leaves no half-restored VM: the lab is then down but for its namespace. */
static void undo_reset(void *arg)
{
	(void) arg;
	for (int i = 0; i < lab_nvms; i++)
		vm_kill(&lab_vms[i]);
}

bool lab_reset(void)
{
	double start = clock_now_ms();
	struct up_options u;
	struct vm_config c;
	json_t *key, *manifest = NULL;
	char *why = NULL;
	bool ok = true, loaded;
	enum saved_found found;
	int undo;

	if (!up_options_load(&u))
		return false;
	vm_config_for(&u, &c);
	key = saved_key(&c);
	found = key ? saved_find(key, &why, &manifest) : SAVED_NONE;
	json_decref(key);
	if (found != SAVED_MATCH) {
		log_error("no saved lab to reset this lab to in %s", lab_saved_dir());
		if (why)
			log_detail("the one there does not fit: %s", why);
		log_hint("replab up saves the lab once it streams (replab down, then replab up)");
		free(why);
		return false;
	}
	printf("resetting the lab to the state saved in %s (saved %s)\n", lab_saved_dir(),
	       saved_when(manifest));
	json_decref(manifest);
	/* Their state is thrown away: no need to power them off cleanly. */
	for (int i = 0; i < lab_nvms; i++)
		ok = vm_kill(&lab_vms[i]) && ok;
	ok = ok && faults_clear_all();
	if (ok)
		printf("[%6.1f s] old VMs stopped, faults removed from the taps\n",
		       (clock_now_ms() - start) / 1000);
	undo = lab_cleanup_push("stop the VMs being restored (replab down, then replab up)",
				undo_reset, NULL);
	ok = ok && snapshot_restore(&c, start, &loaded);
	if (ok || !interrupt_signal())
		lab_cleanup_pop(undo);
	if (!ok) {
		if (!interrupt_signal())
			log_error("could not reset the lab");
		log_hint("replab down, then replab up");
		return false;
	}
	printf("lab reset in %.1f s\n", (clock_now_ms() - start) / 1000);
	return true;
}

const char cmd_reset_help[] =
	"Usage: replab reset\n"
	"\n"
	"Brings the running lab back to the state replab up saved once its replicas\n"
	"streamed (build/saved): roles, data, settings, slots and the taps' faults as\n"
	"they were then, whatever was done since (a failover, a cut, a rewind).  Checks\n"
	"that a row written on the primary reaches every replica.  A few seconds.\n";

int cmd_reset(const struct verb_args *a)
{
	if (a->argc != 1)
		return usage_error("reset", "\"reset\" takes no arguments");
	return lab_reset() ? EXIT_OK : EXIT_FAIL;
}
