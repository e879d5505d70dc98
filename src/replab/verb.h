/*
 * verb.h — what a replab verb declares it needs, and the one place that
 * checks it before the verb runs (like git's RUN_SETUP flags and tmux's
 * command targets): the lab's state directory and lock, "-h"/"--help",
 * the VMs its arguments name, and the state those VMs must be in.
 */
#ifndef REPLAB_VERB_H
#define REPLAB_VERB_H

#include <stdbool.h>
#include <stddef.h>

struct vm;

enum verb_needs {
	/* A state directory that is a lab's (or none); with CHANGES_LAB, also the
	 * lab's lock (WAITS_LOCK: wait for it rather than refuse). */
	READS_LAB = 1 << 0,
	CHANGES_LAB = 1 << 1 | READS_LAB,
	WAITS_LOCK = 1 << 2,
	/* The arguments (after the options) begin with VM names of this lab:
	 * one, two different ones, one or two, or none or two.  Without
	 * TAKES_COMMAND or TAKES_WORD nothing may follow them. */
	ONE_VM = 1 << 3,
	TWO_VMS = 1 << 4,
	NONE_OR_TWO_VMS = 1 << 5,
	ONE_OR_TWO_VMS = 1 << 14,
	TAKES_COMMAND = 1 << 6, /* after the VM, a command to run: none of its words are ours */
	TAKES_WORD = 1 << 13,	/* after the VM, at most one word, the verb's options parser's */
	/* The state the lab and the named VMs must be in. */
	LAB_UP = 1 << 7,     /* some process of the lab is alive */
	VM_RUNS = 1 << 8,    /* the VM's QEMU runs */
	VM_STOPPED = 1 << 9, /* the VM's QEMU does not run */
	LINK_UP = 1 << 10,   /* the VM is not down, so a fault on its link changes something */
	ALL_RUN = 1 << 11,   /* when a lab is up, every VM of it runs */
	VM_THAWED = 1 << 12 | VM_RUNS, /* it runs and is not frozen: its guest can answer */
};

/* What a verb is given: its arguments, and the VMs they name. */
struct verb_args {
	int argc;
	char **argv;		/* argv[0] is the verb */
	int rest;		/* argv[rest] follows the options and the VM names */
	const struct vm *vm[2]; /* the VMs named, in order */
	int nvms;
};

struct verb {
	const char *name;
	int (*run)(const struct verb_args *a);
	/* The verb's options, parsed and checked before its needs are: the
	 * index of the first other argument, or -1 after a usage error.  NULL:
	 * the verb takes no options here (it may parse them itself in run). */
	int (*options)(int argc, char **argv);
	int needs;
	const char *help;    /* "replab VERB --help" prints it */
	const char *summary; /* one line for "replab --help" */
};

/* Check v's needs for argv (argv[0] is the verb), then run it; an exit status. */
int verb_run(const struct verb *v, int argc, char **argv);

/*
 * The VMs that args[0..nargs) name for a verb needing needs: how many, and
 * vm[] set; -1 after a usage error (unknown name, wrong count, a VM twice).
 */
int verb_name_vms(const char *verb, int needs, int nargs, char *const *args,
		  const struct vm *vm[2]);

/*
 * Is vm in the state needs (VM_RUNS, VM_THAWED, VM_STOPPED, LINK_UP) asks
 * for?  False after saying why: for a verb whose needs depend on its
 * options, checked by the verb itself.
 */
bool verb_vm_ready(int needs, const struct vm *vm);

/*
 * The options parser of a verb whose one option is the flag --name: *set
 * when given; argv's index after the options, or -1 after a usage error.
 */
int verb_flag_option(int argc, char **argv, const char *verb, const char *name, bool *set);

/* This lab's VM names as words: "primary, replica or replica2" (last: "or", "and"). */
const char *verb_vm_names(const char *last, char *buf, size_t len);

#endif
