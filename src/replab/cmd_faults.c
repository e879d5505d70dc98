/*
 * cmd_faults.c — network faults: "replab partition A B [--oneway]",
 * "replab isolate VM", "replab heal [A B]", "replab shape VM ...".
 * They act on the data network only; the management link (SSH) and QMP
 * keep working whatever is cut.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "log.h"
#include "lab/vm.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

/* The lab must be up, and a VM it started must still run. */
static bool lab_ready_for(const struct vm *a, const struct vm *b)
{
	if (!lab_is_up()) {
		log_error("no lab is running");
		log_hint("bring it up first: replab up");
		return false;
	}
	for (const struct vm *v = a; v; v = v == a ? b : NULL)
		if (vm_is_down(v)) {
			log_error("the %s VM is down: a fault on its link would change nothing",
				  v->name);
			log_hint("start it again first: replab start %s", v->name);
			return false;
		}
	return true;
}

static bool wants_help(int argc, char **argv, const char *text)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			fputs(text, stdout);
			return true;
		}
	return false;
}

/* Two different VM names from argv[first..]. */
static bool two_vms(int argc, char **argv, int first, const char *verb, const struct vm **a,
		    const struct vm **b, int *rc)
{
	*rc = EXIT_USAGE;
	if (argc - first != 2) {
		usage_error(verb, "name two VMs, e.g. \"replab %s primary replica\"", verb);
		return false;
	}
	if (!(*a = lab_find_vm(argv[first])) || !(*b = lab_find_vm(argv[first + 1])))
		return false;
	if (*a == *b) {
		usage_error(verb, "name two different VMs");
		return false;
	}
	*rc = EXIT_FAIL;
	return true;
}

int cmd_partition(int argc, char **argv)
{
	const struct vm *a, *b;
	bool oneway = false;
	int rc, first = 1;

	if (wants_help(argc, argv,
		       "Usage: replab partition A B [--oneway]\n\n"
		       "Cuts the data network between VMs A and B: packets each way are dropped\n"
		       "(tc on the lab's taps).  With --oneway only A's packets to B are dropped;\n"
		       "B's still reach A.  replab heal undoes it.\n"))
		return EXIT_OK;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--oneway") == 0) {
			oneway = true;
			memmove(argv + i, argv + i + 1, (size_t) (argc - i - 1) * sizeof(*argv));
			argc--;
			break;
		}
	if (!two_vms(argc, argv, first, "partition", &a, &b, &rc) || !lab_ready_for(a, b))
		return rc;
	if (!faults_cut(a, b) || (!oneway && !faults_cut(b, a)))
		return EXIT_FAIL;
	printf(oneway ? "cut: %s's packets to %s are dropped (the other way still works)\n"
		      : "partitioned: %s and %s cannot reach each other\n",
	       a->name, b->name);
	return EXIT_OK;
}

int cmd_isolate(int argc, char **argv)
{
	const struct vm *vm;

	if (wants_help(argc, argv,
		       "Usage: replab isolate VM\n\nCuts VM off from every other VM on the data "
		       "network.\n"))
		return EXIT_OK;
	if (argc != 2)
		return usage_error("isolate", "name one VM");
	if (!(vm = lab_find_vm(argv[1])))
		return EXIT_USAGE;
	if (!lab_ready_for(vm, NULL))
		return EXIT_FAIL;
	for (int i = 0; i < lab_nvms; i++)
		if (&lab_vms[i] != vm &&
		    (!faults_cut(vm, &lab_vms[i]) || !faults_cut(&lab_vms[i], vm)))
			return EXIT_FAIL;
	printf("isolated: %s can reach no other VM, and none can reach it\n", vm->name);
	return EXIT_OK;
}

int cmd_heal(int argc, char **argv)
{
	const struct vm *a, *b;
	int rc;

	if (wants_help(argc, argv,
		       "Usage: replab heal [A B]\n\nRemoves the cuts between A and B, or every cut "
		       "when no VM is named.\n"
		       "Shaping stays (replab shape VM --clear removes it).\n"))
		return EXIT_OK;
	if (argc == 1) {
		if (!lab_ready_for(NULL, NULL))
			return EXIT_FAIL;
		faults_heal_all();
		printf("healed: every cut is gone\n");
		return EXIT_OK;
	}
	if (!two_vms(argc, argv, 1, "heal", &a, &b, &rc) || !lab_ready_for(NULL, NULL))
		return rc;
	faults_heal_pair(a, b);
	printf("healed: %s and %s reach each other again\n", a->name, b->name);
	return EXIT_OK;
}

#define TIME_ERROR "invalid --%s \"%s\": a time from 0 to 60s, e.g. 50ms, 1.5s or 200us"

int cmd_shape(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "rate", required_argument, NULL, 'r' },
		{ "delay", required_argument, NULL, 'd' },
		{ "jitter", required_argument, NULL, 'j' },
		{ "loss", required_argument, NULL, 'l' },
		{ "clear", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *rate = NULL, *delay = NULL, *jitter = NULL, *loss = NULL;
	const struct vm *vm;
	bool clear = false;
	int c;

	while ((c = getopt_long(argc, argv, "r:d:j:l:ch", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rate = optarg;
			if (faults_rate_bits(rate) < 0)
				return usage_error("shape",
						   "invalid --rate \"%s\": a tc rate from 1kbit to "
						   "10gbit, e.g. 1mbit,"
						   " 500kbit or 2.5mbps",
						   rate);
			break;
		case 'd':
			delay = optarg;
			if (faults_time_ms(delay) < 0)
				return usage_error("shape", TIME_ERROR, "delay", delay);
			break;
		case 'j':
			jitter = optarg;
			if (faults_time_ms(jitter) < 0)
				return usage_error("shape", TIME_ERROR, "jitter", jitter);
			break;
		case 'l':
			loss = optarg;
			if (faults_percent(loss) < 0)
				return usage_error("shape",
						   "invalid --loss \"%s\": a percentage from 0 to "
						   "100, e.g. 5%% or 0.5%%",
						   loss);
			break;
		case 'c':
			clear = true;
			break;
		case 'h':
			printf("Usage: replab shape VM --rate RATE\n"
			       "       replab shape VM --delay TIME [--jitter TIME] [--loss "
			       "PERCENT]\n"
			       "       replab shape VM --clear\n\n"
			       "Slows what the data network delivers to VM.  --rate (e.g. 1mbit) "
			       "uses htb and\n"
			       "works everywhere; --delay, --jitter and --loss need the kernel's "
			       "sch_netem and\n"
			       "are refused without it.  --clear removes all shaping of VM.\n\n"
			       "RATE is 1kbit to 10gbit in tc's units (bit, kbit, mbit, gbit, bps, "
			       "kbps, mbps,\n"
			       "gbps), TIME 0 to 60s (us, ms, s), PERCENT 0 to 100 (\"5%%\" or "
			       "\"5\").\n");
			return EXIT_OK;
		default:
			return usage_error("shape", "unknown option or missing value: \"%s\"",
					   argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return usage_error("shape", "name one VM (options may come first or after it)");
	if (!(vm = lab_find_vm(argv[optind])))
		return EXIT_USAGE;
	if (!clear && !rate && !delay && !loss)
		return usage_error("shape", "give --rate, --delay/--loss, or --clear");
	if (clear && (rate || delay || jitter || loss))
		return usage_error("shape", "--clear goes alone");
	if (jitter && !delay)
		return usage_error("shape", "--jitter needs --delay");
	if (!lab_ready_for(vm, NULL))
		return EXIT_FAIL;
	if (clear) {
		if (!faults_rate(vm, NULL) || !faults_netem_clear(vm))
			return EXIT_FAIL;
		printf("%s's link is no longer shaped\n", vm->name);
		return EXIT_OK;
	}
	if ((delay || loss) && !faults_netem(vm, delay, jitter, loss))
		return EXIT_FAIL;
	if (rate && !faults_rate(vm, rate))
		return EXIT_FAIL;
	printf("shaped what reaches %s:%s%s%s%s%s%s%s%s\n", vm->name, rate ? " rate " : "",
	       rate ? rate : "", delay ? " delay " : "", delay ? delay : "",
	       jitter ? " jitter " : "", jitter ? jitter : "", loss ? " loss " : "",
	       loss ? loss : "");
	return EXIT_OK;
}
