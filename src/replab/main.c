/*
 * main.c — replab, the lab's host harness: a table of verbs, each with what it
 * needs checked before it runs (verb.c).
 */
#include "commands.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "verb.h"

#include <stdio.h>
#include <string.h>

/* Each verb: what it runs, the options it parses first, what it needs (verb.h), its help. */
static const struct verb verbs[] = {
	{ "up", cmd_up, NULL, CHANGES_LAB, cmd_up_help,
	  "boot the primary and the replica; return when the replica streams" },
	{ "reset", cmd_reset, cmd_reset_options, CHANGES_LAB | LAB_UP, cmd_reset_help,
	  "back to the lab saved when it first streamed, in seconds" },
	{ "forget", cmd_forget, NULL, CHANGES_LAB, cmd_forget_help,
	  "remove the saved lab and its secrets (the next up boots from power-on)" },
	{ "run", cmd_run, cmd_run_options, CHANGES_LAB | ALL_RUN, cmd_run_help,
	  "the demo and the failover inside the VMs (make run)" },
	{ "status", cmd_status, NULL, READS_LAB, cmd_status_help,
	  "the VMs and their replication state" },
	{ "exec", cmd_exec, NULL, READS_LAB | ONE_VM | TAKES_COMMAND | LAB_UP | VM_RUNS,
	  cmd_exec_help, "run a command in a VM: replab exec VM -- CMD" },
	{ "psql", cmd_psql, NULL, READS_LAB | ONE_VM | LAB_UP | VM_RUNS, cmd_psql_help,
	  "psql on a VM's server" },
	{ "console", cmd_console, NULL, READS_LAB | ONE_VM | LAB_UP | VM_RUNS, cmd_console_help,
	  "attach to a VM's serial console" },
	{ "down", cmd_down, NULL, CHANGES_LAB, cmd_down_help,
	  "stop everything the lab started; always safe" },
	{ "partition", cmd_partition, cmd_partition_options,
	  CHANGES_LAB | TWO_VMS | LAB_UP | LINK_UP, cmd_partition_help,
	  "cut the data network between two VMs [--oneway]" },
	{ "isolate", cmd_isolate, NULL, CHANGES_LAB | ONE_VM | LAB_UP | LINK_UP, cmd_isolate_help,
	  "cut one VM off from all others" },
	{ "heal", cmd_heal, cmd_heal_options, CHANGES_LAB | NONE_OR_TWO_VMS | LAB_UP, cmd_heal_help,
	  "remove cuts: between two VMs, or all; --all: every fault" },
	{ "shape", cmd_shape, cmd_shape_options, CHANGES_LAB | ONE_OR_TWO_VMS | LAB_UP | LINK_UP,
	  cmd_shape_help, "shape a VM's traffic, or two VMs': netem's delay, loss... and --rate" },
	{ "disk", cmd_disk, cmd_disk_options, CHANGES_LAB | ONE_VM | LAB_UP | VM_RUNS,
	  cmd_disk_help, "slow or fail a VM's disks: --iops, --bandwidth, --fail, --clear" },
	{ "link", cmd_link, cmd_link_options, CHANGES_LAB | ONE_VM | TAKES_WORD | LAB_UP | VM_RUNS,
	  cmd_link_help, "pull or plug a VM's data cable: down, up, or --flap PERIOD" },
	{ "clock", cmd_clock, cmd_clock_options, CHANGES_LAB | ONE_VM | LAB_UP | VM_THAWED,
	  cmd_clock_help, "move a VM's clock: --jump +30s, --drift +2%, --reset" },
	{ "crash", cmd_crash, NULL, CHANGES_LAB | ONE_VM | LAB_UP | VM_RUNS, cmd_crash_help,
	  "kill a VM's QEMU process (SIGKILL)" },
	{ "freeze", cmd_freeze, NULL, CHANGES_LAB | ONE_VM | LAB_UP | VM_RUNS, cmd_freeze_help,
	  "pause a VM's CPUs (QMP stop)" },
	{ "thaw", cmd_thaw, NULL, CHANGES_LAB | ONE_VM | LAB_UP | VM_RUNS, cmd_thaw_help,
	  "resume a frozen VM (QMP cont)" },
	{ "stop", cmd_stop, NULL, CHANGES_LAB | ONE_VM | LAB_UP | VM_RUNS, cmd_stop_help,
	  "power a VM off cleanly" },
	{ "start", cmd_start, NULL, CHANGES_LAB | ONE_VM | LAB_UP | VM_STOPPED, cmd_start_help,
	  "boot a stopped VM again" },
	{ "experiment", cmd_experiment, cmd_experiment_options, CHANGES_LAB | LAB_UP | ALL_RUN,
	  cmd_experiment_help, "a measured fault scenario (replab experiment --help lists them)" },
	{ "report", cmd_report, NULL, 0, cmd_report_help,
	  "draw an experiment's result and history (PNGs, gnuplot) and its HTML page" },
	{ "check", cmd_check, NULL, 0, cmd_check_help,
	  "check a client's history: stale reads, read-your-writes, staleness" },
	{ "build", cmd_build, NULL, 0, cmd_build_help,
	  "make the role images from the base image (make lab)" },
	{ "inspect", cmd_inspect, NULL, 0, cmd_inspect_help,
	  "show what an image holds, read-only" },
	{ "seed", cmd_seed, NULL, CHANGES_LAB | WAITS_LOCK, cmd_seed_help,
	  "make a lab's secrets and NoCloud seeds, boot nothing (Vagrantfile)" },
	{ "accel", cmd_accel, NULL, 0, cmd_accel_help,
	  "print the accelerator VMs get here: kvm or tcg (Vagrantfile)" },
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
		return lifecycle_finish(verb_run(&verbs[i], argc - 1, argv + 1));
	}
	return usage_error(NULL, "unknown verb \"%s\"", argv[1]);
}
