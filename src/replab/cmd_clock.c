/*
 * cmd_clock.c — "replab clock VM --jump OFFSET | --drift RATE | --reset": a
 * guest's wall clock set off the host's by OFFSET, or running RATE fast or
 * slow, or set from the host's again at true rate (lab/guestclock.h).
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
	"       replab clock VM --drift RATE\n"
	"       replab clock VM --reset\n"
	"\n"
	"--jump sets VM's wall clock (CLOCK_REALTIME) to the host's time plus\n"
	"OFFSET: a clock jump, as a bad NTP step or a manual date -s makes.  OFFSET\n"
	"has a sign and a unit: +30s, -30s, +1.5min, -2h, +1d (ms, s, min, h, d), at\n"
	"most 30 days either way; it is from the host's time, not from the guest's\n"
	"(two jumps of +30s leave it 30 s ahead).\n"
	"\n"
	"--drift makes VM's clock run RATE fast (or slow, with a minus): a steady\n"
	"drift, as a bad crystal or a wrong NTP frequency makes.  RATE is in % or\n"
	"ppm (parts per million), from -10% to +10%: +2% gains 1.2 s a minute,\n"
	"-500ppm loses 1.8 s an hour.  It is set in the guest's kernel (adjtimex's\n"
	"tick and frequency, which every clock of the guest runs at); a drift\n"
	"replaces the one before and leaves the clock where it is, a jump leaves the\n"
	"drift as it is.\n"
	"\n"
	"--reset sets the clock from the host's again and its rate true.  The guests\n"
	"run no time synchronisation, so nothing undoes a jump or a drift but\n"
	"--reset, replab heal --all or replab down.  replab status shows each\n"
	"guest's offset and drift, read from its kernel.\n";

static struct {
	const char *jump, *drift;
	double offset_s, ppm;
	bool reset;
} clocking;

int cmd_clock_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "jump", required_argument, NULL, 'j' },
		{ "drift", required_argument, NULL, 'd' },
		{ "reset", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c == 'r')
			clocking.reset = true;
		else if (c == 'j' && vmfaults_offset_s(clocking.jump = optarg, &clocking.offset_s))
			continue;
		else if (c == 'j') {
			usage_error(
				"clock",
				"invalid --jump \"%s\": an offset with a unit, from -30d to +30d,"
				" e.g. +30s, -30s, +5min or -2h",
				optarg);
			return -1;
		} else if (c == 'd' && vmfaults_drift_ppm(clocking.drift = optarg, &clocking.ppm))
			continue;
		else if (c == 'd') {
			usage_error("clock",
				    "invalid --drift \"%s\": a rate in %% or ppm, from -10%% to "
				    "+10%%, e.g. +2%%, -0.5%% or +500ppm",
				    optarg);
			return -1;
		} else {
			usage_error("clock", "unknown option or missing value: \"%s\"",
				    argv[optind - 1]);
			return -1;
		}
	}
	if (!clocking.reset + !clocking.jump + !clocking.drift == 3)
		usage_error("clock", "give --jump OFFSET, --drift RATE or --reset");
	else if (!clocking.reset + !clocking.jump + !clocking.drift < 2)
		usage_error("clock", "one of --jump, --drift and --reset, not two");
	else
		return optind;
	return -1;
}

int cmd_clock(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];
	struct guestclock_rate rate = guestclock_rate_of(clocking.ppm);

	if (clocking.drift) {
		if (!guestclock_drift(vm, clocking.ppm))
			return EXIT_FAIL;
		printf("%s's clock runs %s (%+.3f ppm: %s %.3f s a minute; its kernel's tick "
		       "%lld us, frequency %+.3f ppm); replab clock %s --reset ends it\n",
		       vm->name, clocking.drift, guestclock_rate_ppm(&rate),
		       clocking.ppm < 0 ? "it loses" : "it gains",
		       60 * (clocking.ppm < 0 ? -clocking.ppm : clocking.ppm) / 1e6, rate.tick,
		       (double) rate.freq / 65536, vm->name);
	} else if (clocking.reset) {
		if (!guestclock_reset(vm))
			return EXIT_FAIL;
		printf("%s's clock is set from the host's again, at true rate\n", vm->name);
	} else {
		if (!guestclock_set(vm, clocking.offset_s))
			return EXIT_FAIL;
		printf("%s's clock is %s from the host's (%+.3f s; replab clock %s --reset "
		       "sets it back)\n",
		       vm->name, clocking.jump, clocking.offset_s, vm->name);
	}
	return EXIT_OK;
}
