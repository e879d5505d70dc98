/*
 * main.c — replab, the lab's host harness: a table of verbs.
 */
#include "commands.h"
#include "lab/lab.h"
#include "lab/lifecycle.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

/*
 * What a verb needs before it runs: READS_LAB, a state directory that is a
 * lab's (or none); CHANGES_LAB, that and the lab's lock (WAITS_LOCK: wait
 * for it rather than refuse).
 */
enum { READS_LAB = 1, CHANGES_LAB = 2 | READS_LAB, WAITS_LOCK = 4 };

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	int needs;
	const char *summary;
} verbs[] = {
	{ "up", cmd_up, CHANGES_LAB,
	  "boot the primary and the replica; return when the replica streams" },
	{ "run", cmd_run, CHANGES_LAB, "the demo and the failover inside the VMs (make run)" },
	{ "status", cmd_status, READS_LAB, "the VMs and their replication state" },
	{ "exec", cmd_exec, READS_LAB, "run a command in a VM: replab exec VM -- CMD" },
	{ "psql", cmd_psql, READS_LAB, "psql on a VM's server" },
	{ "console", cmd_console, READS_LAB, "attach to a VM's serial console" },
	{ "down", cmd_down, CHANGES_LAB, "stop everything the lab started; always safe" },
	{ "partition", cmd_partition, CHANGES_LAB,
	  "cut the data network between two VMs [--oneway]" },
	{ "isolate", cmd_isolate, CHANGES_LAB, "cut one VM off from all others" },
	{ "heal", cmd_heal, CHANGES_LAB, "remove cuts: between two VMs, or all" },
	{ "shape", cmd_shape, CHANGES_LAB,
	  "slow a VM's link: --rate, --delay/--jitter/--loss (netem), --clear" },
	{ "crash", cmd_crash, CHANGES_LAB, "kill a VM's QEMU process (SIGKILL)" },
	{ "freeze", cmd_freeze, CHANGES_LAB, "pause a VM's CPUs (QMP stop)" },
	{ "thaw", cmd_thaw, CHANGES_LAB, "resume a frozen VM (QMP cont)" },
	{ "stop", cmd_stop, CHANGES_LAB, "power a VM off cleanly" },
	{ "start", cmd_start, CHANGES_LAB, "boot a stopped VM again" },
	{ "experiment", cmd_experiment, CHANGES_LAB,
	  "a measured fault scenario (replab experiment --help lists them)" },
	{ "report", cmd_report, 0, "draw an experiment's lag timeline (PNG, gnuplot)" },
	{ "build", cmd_build, 0, "make the role images from the base image (make lab)" },
	{ "inspect", cmd_inspect, 0, "show what an image holds, read-only" },
	{ "seed", cmd_seed, CHANGES_LAB | WAITS_LOCK,
	  "make a lab's secrets and NoCloud seeds, boot nothing (Vagrantfile)" },
	{ "accel", cmd_accel, 0, "print the accelerator VMs get here: kvm or tcg (Vagrantfile)" },
};

static void usage(void)
{
	printf("replab runs a PostgreSQL replication lab on two QEMU virtual machines.\n\n"
	       "Usage:\n  replab VERB [OPTION]...\n\nVerbs:\n");
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %-10s %s\n", verbs[i].name, verbs[i].summary);
	printf("\n\"replab VERB --help\" tells more.  Exit status: 0 success, 1 failure,\n"
	       "2 usage error.\n");
}

static bool asks_help(int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* The lock and the state a verb needs; false (logged) when it cannot have them. */
static bool prepare(int needs)
{
	/* Refused before the lock is taken: nothing, not even a lock file, is made beside a foreign
	 * directory. */
	if ((needs & READS_LAB) && lab_state_check() == STATE_FOREIGN)
		return false;
	if ((needs & CHANGES_LAB) == CHANGES_LAB &&
	    (!lab_lock(needs & WAITS_LOCK) || lab_state_check() == STATE_FOREIGN))
		return false;
	if (needs & READS_LAB)
		lab_load_shape();
	return true;
}

int main(int argc, char **argv)
{
	log_init(argv[0]);
	lifecycle_init();
	if (argc < 2)
		return usage_error(NULL, "no verb given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage();
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
		if (strcmp(verbs[i].name, argv[1]) != 0)
			continue;
		if (!asks_help(argc - 1, argv + 1) && !prepare(verbs[i].needs))
			return lifecycle_finish(EXIT_FAIL);
		return lifecycle_finish(verbs[i].run(argc - 1, argv + 1));
	}
	return usage_error(NULL, "unknown verb \"%s\"", argv[1]);
}
