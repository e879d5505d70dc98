/*
 * cmd_clock.c — "replab clock VM --jump OFFSET | --reset": a guest's wall
 * clock set off the host's by OFFSET, or from the host's again
 * (lab/guestclock.h).
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/guestclock.h"
#include "lab/vmfaults.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>

const char cmd_clock_help[] =
	"Usage: replab clock VM --jump OFFSET\n"
	"       replab clock VM --reset\n"
	"\n"
	"Sets VM's wall clock (CLOCK_REALTIME) to the host's time plus OFFSET: a clock\n"
	"jump, as a bad NTP step or a manual date -s makes.  OFFSET has a sign and a\n"
	"unit: +30s, -30s, +1.5min, -2h, +1d (ms, s, min, h, d), at most 30 days\n"
	"either way; it is from the host's time, not from the guest's (two jumps of\n"
	"+30s leave it 30 s ahead).  --reset sets it from the host's clock again.\n"
	"The guests run no time synchronisation, so nothing undoes a jump but\n"
	"--reset (or replab down).  replab status shows each guest's offset.\n";

static struct {
	const char *jump;
	double offset_s;
	bool reset;
} clocking;

int cmd_clock_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jump", required_argument, NULL, 'j' },
		{ "reset", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "j:r", longopts, NULL)) != -1) {
		if (c == 'r')
			clocking.reset = true;
		else if (c != 'j') {
			usage_error("clock", "unknown option or missing value: \"%s\"",
				    argv[optind - 1]);
			return -1;
		} else if (!vmfaults_offset_s(clocking.jump = optarg, &clocking.offset_s)) {
			usage_error(
				"clock",
				"invalid --jump \"%s\": an offset with a unit, from -30d to +30d,"
				" e.g. +30s, -30s, +5min or -2h",
				optarg);
			return -1;
		}
	}
	if (!clocking.reset && !clocking.jump)
		usage_error("clock", "give --jump OFFSET or --reset");
	else if (clocking.reset && clocking.jump)
		usage_error("clock", "--jump or --reset, not both");
	else
		return optind;
	return -1;
}

int cmd_clock(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];

	if (!guestclock_set(vm, clocking.reset ? 0 : clocking.offset_s))
		return EXIT_FAIL;
	if (clocking.reset)
		printf("%s's clock is set from the host's again\n", vm->name);
	else
		printf("%s's clock is %s from the host's (%+.3f s; replab clock %s --reset "
		       "sets it back)\n",
		       vm->name, clocking.jump, clocking.offset_s, vm->name);
	return EXIT_OK;
}
