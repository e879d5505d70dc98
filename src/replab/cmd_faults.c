/*
 * cmd_faults.c — network faults: "replab partition A B [--oneway]",
 * "replab isolate VM", "replab heal [A B | --all]", "replab shape VM [B] ..."
 * (shape.h says where shapes go and why).
 * They act on the data network only; the management link (SSH) and QMP
 * keep working whatever is cut.  The VMs named are checked (verb.c) before
 * any of them runs.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/disks.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "lab/shape.h"
#include "lab/vm.h"
#include "lab/vmfaults.h"
#include "log.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

const char cmd_partition_help[] =
	"Usage: replab partition A B [--oneway]\n"
	"\n"
	"Cuts the data network between VMs A and B: packets each way are dropped\n"
	"(tc on the lab's taps).  With --oneway only A's packets to B are dropped;\n"
	"B's still reach A.  replab heal undoes it.\n";

static bool oneway; /* partition --oneway */

int cmd_partition_options(int argc, char **argv)
{
	return verb_flag_option(argc, argv, "partition", "oneway", &oneway);
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

const char cmd_heal_help[] =
	"Usage: replab heal [A B]\n"
	"       replab heal --all\n"
	"\n"
	"Removes the cuts between A and B, or every cut when no VM is named; shaping\n"
	"stays (replab shape VM --clear removes it).  With --all, every fault in the\n"
	"lab goes: cuts and shapes (on the taps and in the guests), slow disks, pulled\n"
	"cables (links up) and moved or drifting clocks (set from the host's, at true\n"
	"rate).  --all needs every running VM thawed, as its shapes and clock live in\n"
	"its guest.\n";

static bool heal_everything; /* heal --all */

int cmd_heal_options(int argc, char **argv)
{
	int rest = verb_flag_option(argc, argv, "heal", "all", &heal_everything);

	if (rest >= 0 && heal_everything && rest < argc) {
		usage_error("heal", "--all heals the whole lab: name no VM with it");
		return -1;
	}
	return rest;
}

/* heal --all: every fault of every kind, once every guest can answer. */
static int heal_all(void)
{
	bool ok = true;

	for (int i = 0; i < lab_nvms; i++)
		if (vm_pid(&lab_vms[i]) && !verb_vm_ready(VM_THAWED, &lab_vms[i]))
			return EXIT_FAIL;
	ok = faults_clear_all() && ok;
	ok = shape_clear_all() && ok;
	ok = disks_clear_all() && ok;
	ok = vmfaults_clear_all() && ok;
	if (!ok) {
		log_error("some faults could not be removed: replab status shows what is left");
		return EXIT_FAIL;
	}
	printf("healed: no cut, shape, slow or failing disk, pulled cable or moved clock is "
	       "left\n");
	return EXIT_OK;
}

int cmd_heal(const struct verb_args *a)
{
	if (heal_everything)
		return heal_all();
	if (a->nvms == 0) {
		faults_heal_all();
		printf("healed: every cut is gone\n");
		return EXIT_OK;
	}
	faults_heal_pair(a->vm[0], a->vm[1]);
	printf("healed: %s and %s reach each other again\n", a->vm[0]->name, a->vm[1]->name);
	return EXIT_OK;
}

const char cmd_shape_help[] =
	"Usage: replab shape VM [B] [--delay TIME [--jitter TIME[,CORR]] [--reorder PCT[,CORR]]]\n"
	"                    [--loss PCT[,CORR]] [--duplicate PCT[,CORR]] [--corrupt PCT[,CORR]]\n"
	"                    [--rate RATE]\n"
	"       replab shape VM [B] --clear\n"
	"\n"
	"Shapes what the data network delivers to VM (its incoming traffic), or with\n"
	"two VMs only the traffic between them, both ways: what VM receives from B\n"
	"and what B receives from VM.  Each shape replaces the one that traffic had;\n"
	"a pair's shape is in place of VM's own shape for the pair's traffic.\n"
	"\n"
	"  --delay TIME     hold every packet TIME (netem delay)\n"
	"  --jitter TIME    vary the delay by up to +-TIME; CORR ties each to the last\n"
	"  --loss PCT       drop PCT of the packets; with CORR (e.g. 5%,25%) losses come\n"
	"                   in bursts: each depends CORR on the one before\n"
	"  --duplicate PCT  deliver PCT of the packets twice\n"
	"  --reorder PCT    send PCT of the packets at once, the others after --delay\n"
	"  --corrupt PCT    flip a bit in PCT of the packets\n"
	"  --rate RATE      at most RATE (htb on the host's tap, everywhere)\n"
	"  --clear          no shape on VM's traffic any more (with B: on the pair's)\n"
	"\n"
	"The netem options run on the host's taps where its kernel has sch_netem, and\n"
	"else in the VM's own kernel (ingress of its data NIC through an ifb device),\n"
	"which needs the VM running and not frozen.  replab status shows which.\n"
	"RATE is 1kbit to 10gbit in tc's units (bit, kbit, mbit, gbit, bps, kbps, mbps,\n"
	"gbps), TIME 0 to 60s (us, ms, s), PCT and CORR 0 to 100 (\"5%\" or \"5\").\n";

/* What shape was asked to do; NULL for what it was not. */
static struct shape shaping;
static bool clearing;

/* Option c (word on the command line) and its value, checked; false after a usage error. */
static bool shape_option(int c, const char *value, const char *word)
{
	static const struct {
		int c;
		const char *name, **field;
		bool time;
	} opts[] = {
		{ 'd', "delay", &shaping.delay, true },
		{ 'j', "jitter", &shaping.jitter, true },
		{ 'l', "loss", &shaping.loss, false },
		{ 'u', "duplicate", &shaping.duplicate, false },
		{ 'o', "reorder", &shaping.reorder, false },
		{ 'x', "corrupt", &shaping.corrupt, false },
	};

	if (c == 'c') {
		clearing = true;
		return true;
	}
	if (c == 'r') {
		shaping.rate = value;
		if (faults_rate_bits(value) >= 0)
			return true;
		usage_error("shape",
			    "invalid --rate \"%s\": a tc rate from 1kbit to 10gbit, e.g. 1mbit,"
			    " 500kbit or 2.5mbps",
			    value);
		return false;
	}
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		if (opts[i].c != c)
			continue;
		*opts[i].field = value;
		if (opts[i].time && (strcmp(opts[i].name, "delay") == 0 ? faults_time_ms(value) >= 0
									: shape_time_ok(value)))
			return true;
		if (!opts[i].time && shape_percent_ok(value))
			return true;
		if (opts[i].time)
			usage_error("shape",
				    "invalid --%s \"%s\": a time from 0 to 60s, e.g. 50ms, 1.5s or "
				    "200us%s",
				    opts[i].name, value,
				    strcmp(opts[i].name, "jitter") == 0
					    ? " (and a correlation: 10ms,25%)"
					    : "");
		else
			usage_error("shape",
				    "invalid --%s \"%s\": a percentage from 0 to 100, e.g. 5%% or "
				    "0.5%%, and a correlation if wanted: 5%%,25%%",
				    opts[i].name, value);
		return false;
	}
	usage_error("shape", "unknown option or missing value: \"%s\"", word);
	return false;
}

/* Do the options ask for one thing that can be done?  False after a usage error. */
static bool shaping_makes_sense(void)
{
	bool any = shaping.rate || shaping.jitter || shape_has_netem(&shaping);

	if (!clearing && !any)
		usage_error("shape", "give --delay, --loss, --duplicate, --reorder, --corrupt, "
				     "--rate, or --clear");
	else if (clearing && any)
		usage_error("shape", "--clear goes alone");
	else if (shaping.jitter && !shaping.delay)
		usage_error("shape", "--jitter needs --delay (it varies the delay)");
	else if (shaping.reorder && !shaping.delay)
		usage_error("shape", "--reorder needs --delay (the packets not reordered are "
				     "delayed)");
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
		{ "duplicate", required_argument, NULL, 'u' },
		{ "reorder", required_argument, NULL, 'o' },
		{ "corrupt", required_argument, NULL, 'x' },
		{ "clear", no_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1)
		if (!shape_option(c, optarg, argv[optind - 1]))
			return -1;
	return shaping_makes_sense() ? optind : -1;
}

/* Can every VM this shape touches take it?  Clearing VM alone touches its peers' guests too. */
static bool can_change(const struct verb_args *a)
{
	bool netem = shape_has_netem(&shaping);

	if (clearing && a->nvms == 1) {
		for (int i = 0; i < lab_nvms; i++)
			if (!shape_can_change(&lab_vms[i], false))
				return false;
		return true;
	}
	for (int i = 0; i < a->nvms; i++)
		if (!shape_can_change(a->vm[i], netem))
			return false;
	return true;
}

/* " delay 100ms loss 5%,25%": what was asked, for the message. */
static void describe(char *buf, size_t len)
{
	const char *names[] = {
		"delay", "jitter", "loss", "duplicate", "reorder", "corrupt", "rate"
	};
	const char *values[] = { shaping.delay,	  shaping.jitter,  shaping.loss, shaping.duplicate,
				 shaping.reorder, shaping.corrupt, shaping.rate };
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]) && used < len; i++)
		if (values[i])
			used += (size_t) snprintf(buf + used, len - used, " %s %s", names[i],
						  values[i]);
}

int cmd_shape(const struct verb_args *a)
{
	static const struct shape none;
	const struct vm *vm = a->vm[0], *peer = a->nvms == 2 ? a->vm[1] : NULL;
	const char *where = shape_mechanism_name(shape_mechanism());
	char what[256];

	if (!can_change(a))
		return EXIT_FAIL;
	if (clearing && !peer) {
		if (!shape_clear_vm(vm))
			return EXIT_FAIL;
		printf("no shape on %s's traffic any more\n", vm->name);
		return EXIT_OK;
	}
	if (!shape_set(vm, peer, clearing ? &none : &shaping) ||
	    (peer && !shape_set(peer, vm, clearing ? &none : &shaping)))
		return EXIT_FAIL;
	describe(what, sizeof(what));
	if (clearing)
		printf("no shape between %s and %s any more\n", vm->name, peer->name);
	else if (peer)
		printf("shaped the traffic between %s and %s, both ways (netem: %s):%s\n", vm->name,
		       peer->name, where, what);
	else
		printf("shaped what reaches %s (netem: %s):%s\n", vm->name, where, what);
	return EXIT_OK;
}
