/*
 * verb.c — a verb's needs (verb.h) checked in one order before it runs:
 * help, the state directory and lock, the verb's options, the VMs its
 * arguments name (usage errors, exit 2), then the state of the lab and of
 * those VMs (failures, exit 1).  Nothing is changed before all of it holds.
 */
#include "verb.h"

#include "lab/lab.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "lab/node.h"
#include "lab/vm.h"

#include <assert.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *verb_vm_names(const char *last, char *buf, size_t len)
{
	size_t used = 0;

	assert(len > 0);
	buf[0] = '\0';
	for (int i = 0; i < lab_nvms && used < len; i++) {
		const char *sep = i == 0 ? "" : i == lab_nvms - 1 ? last : ",";

		used += (size_t) snprintf(buf + used, len - used, "%s%s%s", sep, i ? " " : "",
					  lab_vms[i].name);
	}
	return buf;
}

/* -h or --help among the verb's own words: before "--", and not in a command it runs. */
static bool asks_help(int needs, int argc, char **argv)
{
	int end = (needs & TAKES_COMMAND) && argc > 2 ? 2 : argc;

	for (int i = 1; i < end && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

/* The lock and the state a verb needs; false (logged) when it cannot have them. */
static bool prepare(int needs)
{
	/* Refused before the lock is taken: nothing, not even a lock file, is made beside a foreign
	 * directory. */
	if ((needs & READS_LAB) && lab_state_check() == STATE_FOREIGN)
		return false;
	if ((needs & CHANGES_LAB) == CHANGES_LAB &&
	    (!lab_lock(needs & WAITS_LOCK) || lab_state_check() == STATE_FOREIGN))
		return false;
	if (needs & READS_LAB)
		lab_load_shape();
	return true;
}

static int wrong_count(const char *verb, int needs)
{
	char names[64];

	if (needs & ONE_VM)
		return usage_error(verb, "name one VM: %s",
				   verb_vm_names(" or", names, sizeof(names)));
	if (needs & ONE_OR_TWO_VMS)
		return usage_error(verb, "name one VM of %s, or two for the traffic between them",
				   verb_vm_names(" and", names, sizeof(names)));
	return usage_error(verb, "name two VMs of %s%s, e.g. \"replab %s primary replica\"",
			   verb_vm_names(" and", names, sizeof(names)),
			   needs & NONE_OR_TWO_VMS ? " (or none)" : "", verb);
}

int verb_name_vms(const char *verb, int needs, int nargs, char *const *args, const struct vm *vm[2])
{
	int want = needs & ONE_VM ? 1 : needs & (TWO_VMS | NONE_OR_TWO_VMS) ? 2 : 0;
	char names[64];

	if (needs & ONE_OR_TWO_VMS)
		want = nargs == 1 ? 1 : 2;
	if (want == 0 || ((needs & NONE_OR_TWO_VMS) && nargs == 0))
		return 0;
	if (nargs < want || (nargs > want && !(needs & TAKES_COMMAND) &&
			     !((needs & TAKES_WORD) && nargs == want + 1))) {
		wrong_count(verb, needs);
		return -1;
	}
	for (int i = 0; i < want; i++)
		if (!(vm[i] = lab_find_vm(args[i])))
			return -1;
	if (want == 2 && vm[0] == vm[1]) {
		usage_error(verb, "name two different VMs of %s",
			    verb_vm_names(" and", names, sizeof(names)));
		return -1;
	}
	return want;
}

static bool lab_up_now(void)
{
	if (lab_is_up())
		return true;
	log_error("no lab is running");
	log_hint("bring it up first: replab up");
	return false;
}

/* Is vm's guest running (not frozen, not paused)?  False after saying why. */
static bool vm_thawed(const struct vm *vm)
{
	char *state = vm_run_state(vm);
	bool running = state && strcmp(state, "running") == 0;

	if (!state)
		log_error("the %s VM does not answer on QMP", vm->name);
	else if (strcmp(state, "paused") == 0) {
		log_error("the %s VM is frozen: its guest cannot act on this", vm->name);
		log_hint("replab thaw %s resumes it", vm->name);
	} else if (!running)
		log_error("the %s VM is %s, not running", vm->name, state);
	free(state);
	return running;
}

bool verb_vm_ready(int needs, const struct vm *vm)
{
	if ((needs & VM_RUNS) && !vm_pid(vm)) {
		log_error("the %s VM is not running", vm->name);
		log_hint("replab start %s boots it again", vm->name);
		return false;
	}
	if ((needs & VM_THAWED) == VM_THAWED && !vm_thawed(vm))
		return false;
	if ((needs & VM_STOPPED) && vm_pid(vm)) {
		log_error("the %s VM is already running", vm->name);
		return false;
	}
	if ((needs & LINK_UP) && vm_is_down(vm)) {
		log_error("the %s VM is down: a fault on its link would change nothing", vm->name);
		log_hint("start it again first: replab start %s", vm->name);
		return false;
	}
	return true;
}

static bool all_run(void)
{
	if (!lab_is_up())
		return true;
	for (int i = 0; i < lab_nvms; i++)
		if (!node_is_running(&lab_vms[i])) {
			log_error("the %s VM is not running: this lab has been through "
				  "a failover or a crash",
				  lab_vms[i].name);
			log_hint("start a fresh lab: replab down && replab up");
			return false;
		}
	return true;
}

static bool state_ready(int needs, const struct verb_args *a)
{
	if ((needs & LAB_UP) && !lab_up_now())
		return false;
	for (int i = 0; i < a->nvms; i++)
		if (!verb_vm_ready(needs, a->vm[i]))
			return false;
	return !(needs & ALL_RUN) || all_run();
}

int verb_run(const struct verb *v, int argc, char **argv)
{
	struct verb_args a = { .argc = argc, .argv = argv, .rest = 1 };

	assert(v->run && v->help && argc >= 1);
	if (asks_help(v->needs, argc, argv)) {
		fputs(v->help, stdout);
		return EXIT_OK;
	}
	if (!prepare(v->needs))
		return EXIT_FAIL;
	opterr = 0; /* the verbs' parsers say what is wrong, in replab's words */
	if (v->options && (a.rest = v->options(argc, argv)) < 0)
		return EXIT_USAGE;
	if ((a.nvms = verb_name_vms(v->name, v->needs, argc - a.rest, argv + a.rest, a.vm)) < 0)
		return EXIT_USAGE;
	a.rest += a.nvms;
	if (!state_ready(v->needs, &a))
		return EXIT_FAIL;
	return v->run(&a);
}

int verb_flag_option(int argc, char **argv, const char *verb, const char *name, bool *set)
{
	const struct option longopts[] = {
		{ name, no_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (c != 'f') {
			usage_error(verb, "unknown option: \"%s\"", argv[optind - 1]);
			return -1;
		}
		*set = true;
	}
	return optind;
}
