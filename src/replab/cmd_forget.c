/*
 * cmd_forget.c — "replab forget": remove the saved lab (lab/saved.h) and
 * the secrets kept with it; the next replab up boots from power-on.
 */
#include "commands.h"
#include "lab/lab.h"
#include "lab/saved.h"
#include "log.h"

const char cmd_forget_help[] =
	"Usage: replab forget\n"
	"\n"
	"Removes the saved lab (build/saved, or REPLAB_SAVED) and the passwords and\n"
	"keys kept with it (refused while a lab runs: replab down first).  The next\n"
	"replab up boots from power-on and saves the lab again.\n";

int cmd_forget(const struct verb_args *a)
{
	if (a->argc != 1)
		return usage_error("forget", "\"forget\" takes no arguments");
	/* A restored lab's disks are overlays on the saved ones. */
	if (lab_is_up()) {
		log_error("a lab is running, perhaps on the saved lab's disks");
		log_hint("stop it first: replab down");
		return EXIT_FAIL;
	}
	return saved_forget(true) ? EXIT_OK : EXIT_FAIL;
}
