/*
 * cmd_down.c — "replab down": stop everything the lab started and remove
 * its state.  Idempotent, and complete after a kill -9 of the harness or of
 * a QEMU process: only PIDs from the state directory's pidfiles (checked to
 * be ours) are signalled; the namespace, bridge and taps vanish with the
 * holder process.
 */
#include "commands.h"
#include "lab/lab.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "lab/netns.h"
#include "lab/proc.h"
#include "lab/vm.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool lab_teardown(bool verbose)
{
	enum lab_state state = lab_state_check();
	bool ok = true;

	if (state != STATE_LAB) {
		if (verbose && state == STATE_ABSENT)
			printf("no lab here: nothing to do\n");
		return state == STATE_ABSENT;
	}
	for (int i = 0; i < lab_vms_known; i++) {
		pid_t pid = vm_pid(&lab_vms[i]);

		if (pid && verbose)
			printf("stopping the %s VM (QEMU PID %d)\n", lab_vms[i].name, (int) pid);
		ok = vm_kill(&lab_vms[i]) && ok;
	}
	if (verbose && proc_find("netns"))
		printf("removing the lab's network namespace, bridge and taps\n");
	netns_destroy();
	return lab_state_remove(verbose) && ok;
}

const char cmd_down_help[] =
	"Usage: replab down\n"
	"\n"
	"Stops the lab's VMs and removes its network namespace, taps and state.\n"
	"Always safe to run.\n";

int cmd_down(const struct verb_args *a)
{
	if (a->argc != 1)
		return usage_error("down", "\"down\" takes no arguments");
	return lab_teardown(true) ? EXIT_OK : EXIT_FAIL;
}
