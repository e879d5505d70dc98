/*
 * cmd_link.c — "replab link VM down|up" and "replab link VM --flap PERIOD
 * [--for DURATION]": a VM's data cable pulled and plugged back (QEMU's link
 * state, lab/vmfaults.h), once or again and again.
 *
 * A flap holds the lab's lock while it runs, like every verb that changes
 * the lab: no other replab may change the lab under it (a reset, a down or
 * a start would swap the QEMU whose link it toggles, and a "link VM up"
 * from elsewhere would be undone at the next toggle).  It holds no QMP
 * connection between toggles (QEMU serves one QMP client at a time), so
 * replab status, which takes no lock, works while it runs.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "clock.h"
#include "interrupt.h"
#include "lab/lab.h"
#include "lab/lifecycle.h"
#include "lab/vmfaults.h"
#include "log.h"
#include "strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

const char cmd_link_help[] =
	"Usage: replab link VM down|up\n"
	"       replab link VM --flap PERIOD [--for DURATION]\n"
	"\n"
	"Pulls VM's data network cable (down) or plugs it back (up): QEMU's link\n"
	"state, so the guest's NIC loses its carrier (ip link shows NO-CARRIER) and\n"
	"the guest knows at once, unlike a cut (replab partition), which it only\n"
	"notices by its timeouts.  The management link (SSH) stays.\n"
	"\n"
	"--flap PERIOD pulls and plugs it every PERIOD, in the foreground: down for\n"
	"the first half of each PERIOD, up for the second, until DURATION is over\n"
	"or Ctrl-C; the link is always left up.  PERIOD is 200ms to 1h, DURATION up\n"
	"to 1d (ms, s, min, h, d: \"2s\", \"1.5min\").  While it runs no other replab\n"
	"can change the lab; replab status works.\n";

#define FLAP_MIN_S 0.2
#define FLAP_MAX_S 3600.0
#define FOR_MAX_S  86400.0

static struct {
	const char *state;	/* "down" or "up", or NULL with --flap */
	double period_s, for_s; /* --flap, --for; 0 when not given */
} linking;

/* Option c with value; false after a usage error. */
static bool link_option(int c, const char *value, const char *word)
{
	if (c == 'f' && (linking.period_s = vmfaults_duration_s(value, FLAP_MAX_S)) >= FLAP_MIN_S)
		return true;
	if (c == 'f')
		usage_error("link", "invalid --flap \"%s\": a period from 200ms to 1h, e.g. 2s",
			    value);
	else if (c == 'd' && (linking.for_s = vmfaults_duration_s(value, FOR_MAX_S)) > 0)
		return true;
	else if (c == 'd')
		usage_error("link", "invalid --for \"%s\": a duration up to 1d, e.g. 30s or 5min",
			    value);
	else
		usage_error("link", "unknown option or missing value: \"%s\"", word);
	return false;
}

int cmd_link_options(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "flap", required_argument, NULL, 'f' },
		{ "for", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "f:d:", longopts, NULL)) != -1)
		if (!link_option(c, optarg, argv[optind - 1]))
			return -1;
	/* What follows the options: the VM, then down or up unless it flaps. */
	if (argc - optind == 2)
		linking.state = argv[argc - 1];
	if (linking.state && strcmp(linking.state, "down") != 0 && strcmp(linking.state, "up") != 0)
		usage_error("link", "say down or up after the VM, not \"%s\"", linking.state);
	else if (linking.state && linking.period_s > 0)
		usage_error("link", "--flap takes no down or up: it ends with the link up");
	else if (linking.for_s > 0 && linking.period_s == 0)
		usage_error("link", "--for needs --flap");
	else if (argc - optind == 1 && linking.period_s == 0)
		usage_error("link", "say down or up after the VM, or --flap PERIOD");
	else
		return optind;
	return -1;
}

static void link_back_up(void *vm)
{
	vmfaults_link(vm, true);
}

/* Down and up every period_s until for_s (0: Ctrl-C) is over; an exit status. */
static int flap(const struct vm *vm)
{
	char what[96];
	double start = clock_now_ms(), half_ms = linking.period_s * 500;
	int handle, pulls = 0;
	bool down = false;

	xsnprintf(what, sizeof(what), "the %s VM's data link back up", vm->name);
	handle = lab_cleanup_push(what, link_back_up, (void *) vm);
	printf("flapping %s's data link: down %.1f s, up %.1f s, %s\n", vm->name, half_ms / 1000,
	       half_ms / 1000, linking.for_s > 0 ? "until the time is over" : "until Ctrl-C");
	fflush(stdout);
	/* Each change at its own instant from the start, so that the period does not drift. */
	for (int k = 0; !interrupted(); k++) {
		double at = start + k * half_ms;

		if (linking.for_s > 0 && at - start >= linking.for_s * 1000) {
			clock_sleep_ms(start + linking.for_s * 1000 - clock_now_ms());
			break;
		}
		clock_sleep_ms(at - clock_now_ms());
		if (interrupted())
			break;
		down = k % 2 == 0;
		if (!vmfaults_link(vm, !down))
			return EXIT_FAIL; /* the cleanup tries to plug it back */
		pulls += down;
		printf("[%6.1f s] %s\n", (clock_now_ms() - start) / 1000, down ? "down" : "up");
		fflush(stdout);
	}
	if (interrupted())
		return EXIT_FAIL;
	if (down && !vmfaults_link(vm, true))
		return EXIT_FAIL;
	lab_cleanup_pop(handle);
	printf("%s's data link pulled %d times in %.1f s; it is up\n", vm->name, pulls,
	       (clock_now_ms() - start) / 1000);
	return EXIT_OK;
}

int cmd_link(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];
	bool up;

	if (linking.period_s > 0)
		return flap(vm);
	up = strcmp(linking.state, "up") == 0;
	if (!vmfaults_link(vm, up))
		return EXIT_FAIL;
	if (up)
		printf("%s's data link is up (its cable plugged in)\n", vm->name);
	else
		printf("%s's data link is down: its cable pulled, the guest sees no carrier "
		       "(replab link %s up plugs it back)\n",
		       vm->name, vm->name);
	return EXIT_OK;
}
