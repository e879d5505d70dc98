/*
 * cmd_disk.c — a slow or failing disk: "replab disk VM --iops N |
 * --bandwidth R | --fail | --clear".  Slow: QEMU's block I/O throttling on
 * the VM's disks (lab/disks.h); failing: every write to its WAL disk
 * erroring, through device-mapper in the guest (lab/vmfaults.h).  The
 * options are checked before the lab is looked at; nothing changes after
 * a usage error.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/disks.h"
#include "lab/vm.h"
#include "lab/vmfaults.h"
#include "log.h"
#include "strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char cmd_disk_help[] =
	"Usage: replab disk VM [--iops N] [--bandwidth R]\n"
	"       replab disk VM --fail\n"
	"       replab disk VM --clear\n"
	"\n"
	"A slow disk: VM's two disks, the root disk (PostgreSQL's data) and the WAL\n"
	"disk (its pg_wal, 256 MiB), share the limit (one QEMU throttle group):\n"
	"the guest's requests wait in QEMU until the limit lets them through, as\n"
	"on a slow or overloaded disk.\n"
	"\n"
	"  --iops N        at most N requests per second, reads and writes together\n"
	"                  (each request counts once, whatever its size); 1 to 1000000\n"
	"  --bandwidth R   at most R bytes per second, reads and writes together:\n"
	"                  a number and K, M or G (KiB, MiB, GiB per second), e.g.\n"
	"                  512K, 1M or 1.5M; 1K to 10G\n"
	"\n"
	"A failing disk:\n"
	"\n"
	"  --fail          every write to VM's WAL disk fails with an I/O error from\n"
	"                  now on (reads still work): device-mapper's flakey target in\n"
	"                  the guest, under the WAL disk's filesystem.  PostgreSQL's\n"
	"                  next WAL flush fails, and it stops with a PANIC.\n"
	"\n"
	"  --clear         lift every limit on VM's disks, and let writes reach its\n"
	"                  WAL disk again\n"
	"\n"
	"Each replab disk replaces the limits the disks had: what is not given is not\n"
	"limited.  replab status shows the limits in force, read back from QEMU, and\n"
	"a failing WAL disk, read back from the guest's device-mapper.  They last as\n"
	"long as the VM's QEMU: replab reset, start or up give disks without limits\n"
	"or failures.\n";

/* What disk was asked to do. */
static struct {
	long iops;
	double bytes_per_s;
	const char *bandwidth; /* as given */
	bool fail, clear;
} asked;

/* Option c (word on the command line) and its value, checked; false after a usage error. */
static bool disk_option(int c, const char *value, const char *word)
{
	switch (c) {
	case 'i':
		if (str_to_long(value, 1, DISKS_IOPS_MAX, &asked.iops))
			return true;
		usage_error("disk", "invalid --iops \"%s\": a whole number from 1 to %ld", value,
			    DISKS_IOPS_MAX);
		return false;
	case 'b':
		asked.bandwidth = value;
		if ((asked.bytes_per_s = disks_bandwidth_bytes(value)) > 0)
			return true;
		usage_error("disk",
			    "invalid --bandwidth \"%s\": bytes per second with K, M or G, from 1K "
			    "to 10G, e.g. 512K or 1.5M",
			    value);
		return false;
	case 'f':
		asked.fail = true;
		return true;
	case 'c':
		asked.clear = true;
		return true;
	default:
		usage_error("disk", "unknown option or missing value: \"%s\"", word);
		return false;
	}
}

int cmd_disk_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iops", required_argument, NULL, 'i' },
		{ "bandwidth", required_argument, NULL, 'b' },
		{ "fail", no_argument, NULL, 'f' },
		{ "clear", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "i:b:fc", longopts, NULL)) != -1)
		if (!disk_option(c, optarg, argv[optind - 1]))
			return -1;
	if (!asked.clear && !asked.fail && !asked.iops && !asked.bytes_per_s) {
		usage_error("disk", "give --iops, --bandwidth, --fail, or --clear");
		return -1;
	}
	if ((asked.clear || asked.fail) &&
	    asked.clear + asked.fail + !!asked.iops + !!asked.bytes_per_s > 1) {
		usage_error("disk", "--%s goes alone", asked.clear ? "clear" : "fail");
		return -1;
	}
	return optind;
}

/* Whether vm's guest runs, so that its device-mapper can be reached; false (said) when not. */
static bool guest_runs(const struct vm *vm, const char *what)
{
	char *state = vm_run_state(vm);
	bool runs = state && strcmp(state, "running") == 0;

	if (!runs) {
		log_error("the %s VM is %s: its WAL disk cannot be %s", vm->name,
			  state ? state : "not answering on QMP", what);
		log_hint("replab thaw %s, then try again", vm->name);
	}
	free(state);
	return runs;
}

static int fail_disk(const struct vm *vm)
{
	if (!guest_runs(vm, "failed") || !vmfaults_wal_disk(vm, true))
		return EXIT_FAIL;
	printf("every write to %s's WAL disk fails from now on (reads still work): PostgreSQL's\n"
	       "next WAL flush there gets an I/O error; replab disk %s --clear heals it\n",
	       vm->name, vm->name);
	return EXIT_OK;
}

static int clear_disks(const struct vm *vm)
{
	if (!disks_clear(vm))
		return EXIT_FAIL;
	printf("%s's disks are no longer throttled\n", vm->name);
	if (!guest_runs(vm, "healed") || !vmfaults_wal_disk(vm, false))
		return EXIT_FAIL;
	printf("writes reach %s's WAL disk\n", vm->name);
	return EXIT_OK;
}

int cmd_disk(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];
	char iops[48] = "", bandwidth[160] = "";

	if (asked.clear)
		return clear_disks(vm);
	if (asked.fail)
		return fail_disk(vm);
	if (!disks_throttle(vm, asked.iops, (long long) asked.bytes_per_s))
		return EXIT_FAIL;
	if (asked.iops)
		xsnprintf(iops, sizeof(iops), " %ld requests/s", asked.iops);
	if (asked.bytes_per_s)
		xsnprintf(bandwidth, sizeof(bandwidth), "%s %s/s", asked.iops ? "," : "",
			  asked.bandwidth);
	printf("%s's disks (root and WAL) are throttled to%s%s together (reads and writes)\n",
	       vm->name, iops, bandwidth);
	return EXIT_OK;
}
