/*
 * cmd_disk.c — a slow disk: "replab disk VM --iops N | --bandwidth R |
 * --clear", QEMU's block I/O throttling on the VM's root disk (lab/disks.h).
 * The options are checked before the lab is looked at; nothing changes
 * after a usage error.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/disks.h"
#include "log.h"
#include "strutil.h"

#include <getopt.h>
#include <stdio.h>

const char cmd_disk_help[] =
	"Usage: replab disk VM [--iops N] [--bandwidth R]\n"
	"       replab disk VM --clear\n"
	"\n"
	"Slows VM's root disk, the one PostgreSQL writes its data and WAL to, with\n"
	"QEMU's block I/O throttling: the guest's requests wait in QEMU until the\n"
	"limit lets them through, as on a slow or overloaded disk.\n"
	"\n"
	"  --iops N        at most N requests per second, reads and writes together\n"
	"                  (each request counts once, whatever its size); 1 to 1000000\n"
	"  --bandwidth R   at most R bytes per second, reads and writes together:\n"
	"                  a number and K, M or G (KiB, MiB, GiB per second), e.g.\n"
	"                  512K, 1M or 1.5M; 1K to 10G\n"
	"  --clear         lift every limit on VM's disks\n"
	"\n"
	"Each replab disk replaces the limits the disk had: what is not given is not\n"
	"limited.  replab status shows the limits in force, read back from QEMU.\n"
	"They last as long as the VM's QEMU: replab reset, start or up give disks\n"
	"without limits.\n";

/* What disk was asked to do. */
static struct {
	long iops;
	double bytes_per_s;
	const char *bandwidth; /* as given */
	bool clear;
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
		{ "clear", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "i:b:c", longopts, NULL)) != -1)
		if (!disk_option(c, optarg, argv[optind - 1]))
			return -1;
	if (!asked.clear && !asked.iops && !asked.bytes_per_s) {
		usage_error("disk", "give --iops, --bandwidth, or --clear");
		return -1;
	}
	if (asked.clear && (asked.iops || asked.bytes_per_s)) {
		usage_error("disk", "--clear goes alone");
		return -1;
	}
	return optind;
}

int cmd_disk(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];
	char iops[48] = "", bandwidth[160] = "";

	if (asked.clear) {
		if (!disks_clear(vm))
			return EXIT_FAIL;
		printf("%s's disks are no longer throttled\n", vm->name);
		return EXIT_OK;
	}
	if (!disks_throttle(vm, DISKS_ROOT, asked.iops, (long long) asked.bytes_per_s))
		return EXIT_FAIL;
	if (asked.iops)
		xsnprintf(iops, sizeof(iops), " %ld requests/s", asked.iops);
	if (asked.bytes_per_s)
		xsnprintf(bandwidth, sizeof(bandwidth), "%s %s/s", asked.iops ? "," : "",
			  asked.bandwidth);
	printf("%s's root disk is throttled to%s%s (reads and writes together)\n", vm->name, iops,
	       bandwidth);
	return EXIT_OK;
}
