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
#include <string.h>

/* argv must be "VERB VM"; the VM must be in a lab that is up. */
static const struct vm *one_vm(int argc, char **argv, const char *help, int *rc)
{
	const struct vm *vm;

	*rc = EXIT_OK;
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("%s", help);
		return NULL;
	}
	*rc = EXIT_USAGE;
	if (argc != 2) {
		usage_error(argv[0], "name one VM: primary or replica");
		return NULL;
	}
	if (!(vm = lab_find_vm(argv[1])))
		return NULL;
	*rc = EXIT_FAIL;
	if (!lab_is_up()) {
		log_error("no lab is running");
		log_hint("bring it up first: replab up");
		return NULL;
	}
	return vm;
}

static const struct vm *running(int argc, char **argv, const char *help, int *rc)
{
	const struct vm *vm = one_vm(argc, argv, help, rc);

	if (vm && !vm_pid(vm)) {
		log_error("the %s VM is not running", vm->name);
		log_hint("replab start %s boots it again", vm->name);
		return NULL;
	}
	return vm;
}

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

int cmd_crash(int argc, char **argv)
{
	const struct vm *vm;
	int rc;

	if (!(vm = running(argc, argv,
			   "Usage: replab crash VM\n\nKills VM's QEMU process (SIGKILL): to the "
			   "guest and its peers, a power cut.\n",
			   &rc)))
		return rc;
	if (!vm_kill(vm))
		return EXIT_FAIL;
	printf("%s crashed (its QEMU process was killed)\n", vm->name);
	return EXIT_OK;
}

int cmd_freeze(int argc, char **argv)
{
	const struct vm *vm;
	int rc;

	if (!(vm = running(argc, argv,
			   "Usage: replab freeze VM\n\nStops VM's virtual CPUs (QMP stop): it "
			   "holds its connections but answers\nnothing, like a hung disk or a long "
			   "pause.  replab thaw VM resumes it.\n",
			   &rc)))
		return rc;
	return qmp_simple(vm, "stop", "frozen (replab thaw resumes it)");
}

int cmd_thaw(int argc, char **argv)
{
	const struct vm *vm;
	int rc;

	if (!(vm = running(argc, argv, "Usage: replab thaw VM\n\nResumes a frozen VM (QMP cont).\n",
			   &rc)))
		return rc;
	return qmp_simple(vm, "cont", "running again");
}

int cmd_stop(int argc, char **argv)
{
	const struct vm *vm;
	int rc;

	if (!(vm = running(argc, argv,
			   "Usage: replab stop VM\n\nPowers VM off cleanly (systemctl poweroff in "
			   "the guest).\n",
			   &rc)))
		return rc;
	if (!vm_stop_clean(vm, 60))
		return EXIT_FAIL;
	printf("%s is powered off (replab start %s boots it again)\n", vm->name, vm->name);
	return EXIT_OK;
}

int cmd_start(int argc, char **argv)
{
	struct up_options u;
	struct vm_config c;
	const struct vm *vm;
	char path[PATH_MAX];
	json_t *saved;
	int rc;

	if (!(vm = one_vm(argc, argv,
			  "Usage: replab start VM\n\nBoots a stopped or crashed VM again, from the "
			  "disk it had.\n",
			  &rc)))
		return rc;
	if (vm_pid(vm)) {
		log_error("the %s VM is already running", vm->name);
		return EXIT_FAIL;
	}
	up_options_default(&u);
	saved = json_load_file(lab_state_path("options.json", path, sizeof(path)), 0, NULL);
	if (saved) {
		u.memory_mb = (int) json_integer_value(json_object_get(saved, "memory_mb"));
		u.cpus = (int) json_integer_value(json_object_get(saved, "cpus"));
		json_decref(saved);
	}
	vm_config_for(&u, &c);
	if (!vm_start(vm, &c, false))
		return EXIT_FAIL;
	printf("%s is booting again (its console: replab console %s)\n", vm->name, vm->name);
	return EXIT_OK;
}
