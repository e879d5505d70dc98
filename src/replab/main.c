/*
 * main.c — replab, the lab's host harness: a table of verbs.
 */
#include "commands.h"
#include "lab.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "up", cmd_up, "boot the primary and the replica; return when the replica streams" },
	{ "run", cmd_run, "the demo and the failover inside the VMs (make run)" },
	{ "status", cmd_status, "the VMs and their replication state" },
	{ "exec", cmd_exec, "run a command in a VM: replab exec VM -- CMD" },
	{ "psql", cmd_psql, "psql on a VM's server" },
	{ "console", cmd_console, "attach to a VM's serial console" },
	{ "down", cmd_down, "stop everything the lab started; always safe" },
	{ "partition", cmd_partition, "cut the data network between two VMs [--oneway]" },
	{ "isolate", cmd_isolate, "cut one VM off from all others" },
	{ "heal", cmd_heal, "remove cuts: between two VMs, or all" },
	{ "shape", cmd_shape, "slow a VM's link: --rate, --delay/--jitter/--loss (netem), --clear" },
	{ "crash", cmd_crash, "kill a VM's QEMU process (SIGKILL)" },
	{ "freeze", cmd_freeze, "pause a VM's CPUs (QMP stop)" },
	{ "thaw", cmd_thaw, "resume a frozen VM (QMP cont)" },
	{ "stop", cmd_stop, "power a VM off cleanly" },
	{ "start", cmd_start, "boot a stopped VM again" },
	{ "experiment", cmd_experiment, "a measured fault scenario: partition-reconnect" },
	{ "report", cmd_report, "draw an experiment's lag timeline (PNG, gnuplot)" },
	{ "build", cmd_build, "make the role images from the base image (make lab)" },
	{ "inspect", cmd_inspect, "show what an image holds, read-only" },
	{ "seed", cmd_seed, "make a lab's secrets and NoCloud seeds, boot nothing (Vagrantfile)" },
	{ "accel", cmd_accel, "print the accelerator VMs get here: kvm or tcg (Vagrantfile)" },
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

int main(int argc, char **argv)
{
	log_init(argv[0]);
	lab_load_shape();
	if (argc < 2)
		return usage_error(NULL, "no verb given");
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage();
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verbs[i].name, argv[1]) == 0)
			return verbs[i].run(argc - 1, argv + 1);
	return usage_error(NULL, "unknown verb \"%s\"", argv[1]);
}
