/*
 * cmd_faults.c — network faults: "replab partition A B [--oneway]",
 * "replab isolate VM", "replab heal [A B]", "replab shape VM ...".
 * They act on the data network only; the management link (SSH) and QMP
 * keep working whatever is cut.  The VMs named are checked (verb.c) before
 * any of them runs.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>

const char cmd_partition_help[] =
	"Usage: replab partition A B [--oneway]\n"
	"\n"
	"Cuts the data network between VMs A and B: packets each way are dropped\n"
	"(tc on the lab's taps).  With --oneway only A's packets to B are dropped;\n"
	"B's still reach A.  replab heal undoes it.\n";

static bool oneway; /* partition --oneway */

int cmd_partition_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "oneway", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "o", longopts, NULL)) != -1) {
		if (c != 'o') {
			usage_error("partition", "unknown option: \"%s\"", argv[optind - 1]);
			return -1;
		}
		oneway = true;
	}
	return optind;
}

int cmd_partition(const struct verb_args *a)
{
	const struct vm *from = a->vm[0], *to = a->vm[1];

	if (!(oneway ? faults_cut(from, to) : faults_cut_pair(from, to)))
		return EXIT_FAIL;
	printf(oneway ? "cut: %s's packets to %s are dropped (the other way still works)\n"
		      : "partitioned: %s and %s cannot reach each other\n",
	       from->name, to->name);
	return EXIT_OK;
}

const char cmd_isolate_help[] = "Usage: replab isolate VM\n"
				"\n"
				"Cuts VM off from every other VM on the data network.\n";

int cmd_isolate(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];

	for (int i = 0; i < lab_nvms; i++)
		if (&lab_vms[i] != vm && !faults_cut_pair(vm, &lab_vms[i]))
			return EXIT_FAIL;
	printf("isolated: %s can reach no other VM, and none can reach it\n", vm->name);
	return EXIT_OK;
}

const char cmd_heal_help[] = "Usage: replab heal [A B]\n"
			     "\n"
			     "Removes the cuts between A and B, or every cut when no VM is named.\n"
			     "Shaping stays (replab shape VM --clear removes it).\n";

int cmd_heal(const struct verb_args *a)
{
	if (a->nvms == 0) {
		faults_heal_all();
		printf("healed: every cut is gone\n");
		return EXIT_OK;
	}
	faults_heal_pair(a->vm[0], a->vm[1]);
	printf("healed: %s and %s reach each other again\n", a->vm[0]->name, a->vm[1]->name);
	return EXIT_OK;
}

#define TIME_ERROR "invalid --%s \"%s\": a time from 0 to 60s, e.g. 50ms, 1.5s or 200us"

const char cmd_shape_help[] =
	"Usage: replab shape VM --rate RATE\n"
	"       replab shape VM --delay TIME [--jitter TIME] [--loss PERCENT]\n"
	"       replab shape VM --clear\n"
	"\n"
	"Slows what the data network delivers to VM.  --rate (e.g. 1mbit) uses htb and\n"
	"works everywhere; --delay, --jitter and --loss need the kernel's sch_netem and\n"
	"are refused without it.  --clear removes all shaping of VM.\n"
	"\n"
	"RATE is 1kbit to 10gbit in tc's units (bit, kbit, mbit, gbit, bps, kbps, mbps,\n"
	"gbps), TIME 0 to 60s (us, ms, s), PERCENT 0 to 100 (\"5%\" or \"5\").\n";

/* What shape was asked to do; NULL for what it was not. */
static struct {
	const char *rate, *delay, *jitter, *loss;
	bool clear;
} shaping;

/* Option c (word on the command line) and its value, checked; false after a usage error. */
static bool shape_option(int c, const char *value, const char *word)
{
	switch (c) {
	case 'r':
		shaping.rate = value;
		if (faults_rate_bits(value) >= 0)
			return true;
		usage_error("shape",
			    "invalid --rate \"%s\": a tc rate from 1kbit to 10gbit, e.g. 1mbit,"
			    " 500kbit or 2.5mbps",
			    value);
		return false;
	case 'd':
		shaping.delay = value;
		if (faults_time_ms(value) >= 0)
			return true;
		usage_error("shape", TIME_ERROR, "delay", value);
		return false;
	case 'j':
		shaping.jitter = value;
		if (faults_time_ms(value) >= 0)
			return true;
		usage_error("shape", TIME_ERROR, "jitter", value);
		return false;
	case 'l':
		shaping.loss = value;
		if (faults_percent(value) >= 0)
			return true;
		usage_error("shape",
			    "invalid --loss \"%s\": a percentage from 0 to 100, e.g. 5%% or 0.5%%",
			    value);
		return false;
	case 'c':
		shaping.clear = true;
		return true;
	default:
		usage_error("shape", "unknown option or missing value: \"%s\"", word);
		return false;
	}
}

/* Do the options ask for one thing that can be done?  False after a usage error. */
static bool shaping_makes_sense(void)
{
	if (!shaping.clear && !shaping.rate && !shaping.delay && !shaping.loss)
		usage_error("shape", "give --rate, --delay/--loss, or --clear");
	else if (shaping.clear && (shaping.rate || shaping.delay || shaping.jitter || shaping.loss))
		usage_error("shape", "--clear goes alone");
	else if (shaping.jitter && !shaping.delay)
		usage_error("shape", "--jitter needs --delay");
	else
		return true;
	return false;
}

int cmd_shape_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "loss", required_argument, NULL, 'l' },
		{ "clear", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "r:d:j:l:c", longopts, NULL)) != -1)
		if (!shape_option(c, optarg, argv[optind - 1]))
			return -1;
	return shaping_makes_sense() ? optind : -1;
}

int cmd_shape(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];

	if (shaping.clear) {
		if (!faults_rate(vm, NULL) || !faults_netem_clear(vm))
			return EXIT_FAIL;
		printf("%s's link is no longer shaped\n", vm->name);
		return EXIT_OK;
	}
	if ((shaping.delay || shaping.loss) &&
	    !faults_netem(vm, shaping.delay, shaping.jitter, shaping.loss))
		return EXIT_FAIL;
	if (shaping.rate && !faults_rate(vm, shaping.rate))
		return EXIT_FAIL;
	printf("shaped what reaches %s:%s%s%s%s%s%s%s%s\n", vm->name, shaping.rate ? " rate " : "",
	       shaping.rate ? shaping.rate : "", shaping.delay ? " delay " : "",
	       shaping.delay ? shaping.delay : "", shaping.jitter ? " jitter " : "",
	       shaping.jitter ? shaping.jitter : "", shaping.loss ? " loss " : "",
	       shaping.loss ? shaping.loss : "");
	return EXIT_OK;
}
