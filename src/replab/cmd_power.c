/*
 * cmd_power.c — a VM's life: "replab crash VM" (SIGKILL to its QEMU),
 * "freeze VM" / "thaw VM" (QMP stop / cont: the guest stands still, like a
 * stuck disk or a long pause), "stop VM" (clean power-off), "start VM"
 * (boot it again from the disk it had).
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/lab.h"
#include "log.h"
#include "lab/qmp.h"
#include "lab/vm.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>

static int qmp_simple(const struct vm *vm, const char *command, const char *done)
{
	struct qmp q;
	json_t *r;

	if (!vm_qmp_open(vm, &q))
		return EXIT_FAIL;
	r = qmp_execute(&q, command, NULL);
	qmp_close(&q);
	if (!r)
		return EXIT_FAIL;
	json_decref(r);
	printf("%s %s\n", vm->name, done);
	return EXIT_OK;
}

const char cmd_crash_help[] =
	"Usage: replab crash VM\n"
	"\n"
	"Kills VM's QEMU process (SIGKILL): to the guest and its peers, a power cut.\n";

int cmd_crash(const struct verb_args *a)
{
	if (!vm_kill(a->vm[0]))
		return EXIT_FAIL;
	printf("%s crashed (its QEMU process was killed)\n", a->vm[0]->name);
	return EXIT_OK;
}

const char cmd_freeze_help[] =
	"Usage: replab freeze VM\n"
	"\n"
	"Stops VM's virtual CPUs (QMP stop): it holds its connections but answers\n"
	"nothing, like a hung disk or a long pause.  replab thaw VM resumes it.\n";

int cmd_freeze(const struct verb_args *a)
{
	return qmp_simple(a->vm[0], "stop", "frozen (replab thaw resumes it)");
}

const char cmd_thaw_help[] = "Usage: replab thaw VM\n"
			     "\n"
			     "Resumes a frozen VM (QMP cont).\n";

int cmd_thaw(const struct verb_args *a)
{
	return qmp_simple(a->vm[0], "cont", "running again");
}

const char cmd_stop_help[] = "Usage: replab stop VM\n"
			     "\n"
			     "Powers VM off cleanly (systemctl poweroff in the guest).\n";

int cmd_stop(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];

	if (!vm_stop_clean(vm, 60))
		return EXIT_FAIL;
	printf("%s is powered off (replab start %s boots it again)\n", vm->name, vm->name);
	return EXIT_OK;
}

const char cmd_start_help[] = "Usage: replab start VM\n"
			      "\n"
			      "Boots a stopped or crashed VM again, from the disk it had.\n";

int cmd_start(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];
	struct vm_config c;

	if (!vm_config_load(&c) || !vm_start(vm, &c, false))
		return EXIT_FAIL;
	printf("%s is booting again (its console: replab console %s)\n", vm->name, vm->name);
	return EXIT_OK;
}
