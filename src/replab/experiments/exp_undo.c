/*
 * exp_undo.c — the changes experiments make to a lab, each with its undoing
 * pushed on the cleanup stack (lifecycle.h): cuts, shaping, pulled cables,
 * slow disks, a crashed primary, server settings and replication slots.  Whatever ends the
 * experiment (its end, a failure, Ctrl-C), the lab is given back as it was found, and each
 * restoration is said.
 */
#define _GNU_SOURCE
#include "experiment.h"

#include "clock.h"
#include "lab/faults.h"
#include "interrupt.h"
#include "lab/disks.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "lab/node.h"
#include "lab/shape.h"
#include "lab/snapshot.h"
#include "lab/vm.h"
#include "lab/vmfaults.h"
#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct change {
	const struct vm *a, *b; /* the members concerned (b: the other end of a cut) */
	char name[64];		/* a setting or a slot */
	int handle;		/* on the cleanup stack, or -1 once undone */
};

static struct change *change_new(const struct vm *a, const struct vm *b, const char *name)
{
	struct change *c = calloc(1, sizeof(*c));

	if (!c)
		fatal("out of memory");
	c->a = a;
	c->b = b;
	xsnprintf(c->name, sizeof(c->name), "%s", name ? name : "");
	return c;
}

/* ---- cuts ----------------------------------------------------------------- */

static struct change *cut_pending;

static void undo_cut(void *arg)
{
	struct change *c = arg;

	faults_heal_pair(c->a, c->b);
	c->handle = -1;
}

bool experiment_cut(const struct vm *a, const struct vm *b)
{
	char what[160];

	if (!cut_pending) {
		cut_pending = change_new(a, b, NULL);
		xsnprintf(what, sizeof(what), "heal the cut between %s and %s", a->name, b->name);
		cut_pending->handle = lab_cleanup_push(what, undo_cut, cut_pending);
	}
	return faults_cut_pair(a, b);
}

void experiment_heal(const struct vm *a, const struct vm *b)
{
	/* Once interrupted, commands are cut short: the cleanup stack heals it. */
	if (interrupted())
		return;
	faults_heal_pair(a, b);
	if (cut_pending) {
		lab_cleanup_pop(cut_pending->handle);
		free(cut_pending);
		cut_pending = NULL;
	}
}

/* ---- shaping and cables ---------------------------------------------------- */

/* The VMs (by index) whose shape or link an experiment changed: each undone once, at the end. */
#define TRACKED_VMS 8
static bool shaped[TRACKED_VMS], unplugged[TRACKED_VMS];

/* vm's index in lab_vms. */
static size_t vm_index(const struct vm *vm)
{
	size_t i = (size_t) (vm - lab_vms);

	if (i >= TRACKED_VMS)
		fatal("internal error: VM %s beyond the %d an experiment tracks", vm->name,
		      TRACKED_VMS);
	return i;
}

static void undo_shape(void *arg)
{
	static const struct shape none;
	struct change *c = arg;

	shape_set(c->a, NULL, &none);
}

bool experiment_shape(const struct vm *vm, const struct shape *s)
{
	char what[160];

	if (!shaped[vm_index(vm)]) {
		shaped[vm_index(vm)] = true;
		xsnprintf(what, sizeof(what), "take the %s off the link to %s",
			  shape_has_netem(s) ? "shaping" : "rate limit", vm->name);
		lab_cleanup_push(what, undo_shape, change_new(vm, NULL, NULL));
	}
	return shape_set(vm, NULL, s);
}

bool experiment_rate(const struct vm *vm, const char *rate)
{
	return experiment_shape(vm, &(const struct shape){ .rate = rate });
}

static void undo_unplug(void *arg)
{
	struct change *c = arg;

	vmfaults_link(c->a, true);
}

bool experiment_link(const struct vm *vm, bool up)
{
	char what[160];

	if (!unplugged[vm_index(vm)]) {
		unplugged[vm_index(vm)] = true;
		xsnprintf(what, sizeof(what), "plug %s's data link back in", vm->name);
		lab_cleanup_push(what, undo_unplug, change_new(vm, NULL, NULL));
	}
	return vmfaults_link(vm, up);
}

/* ---- a crashed VM ----------------------------------------------------------- */

static struct change *crashed;

/* The saved lab again (replab reset), or the VM booted again and its standby streaming. */
static bool restore(const struct vm *vm)
{
	struct vm_config c;

	if (snapshot_can_reset(NULL))
		return snapshot_reset();
	return vm_config_load(&c) && vm_start(vm, &c, false) &&
	       standby_caught_up(vm, "replica", 300000) >= 0;
}

static void undo_crash(void *arg)
{
	struct change *c = arg;

	if (!restore(c->a))
		log_warning("could not bring %s back: replab reset (or replab down && replab up)",
			    c->a->name);
}

bool experiment_crash(const struct vm *vm)
{
	char what[160];

	crashed = change_new(vm, NULL, NULL);
	xsnprintf(what, sizeof(what), "bring the crashed %s back (%s)", vm->name,
		  snapshot_can_reset(NULL) ? "replab reset" : "replab start");
	crashed->handle = lab_cleanup_push(what, undo_crash, crashed);
	return node_crash(vm);
}

bool experiment_restore(void)
{
	bool ok;

	if (!crashed || interrupted())
		return false; /* the cleanup stack brings it back */
	ok = restore(crashed->a);
	lab_cleanup_pop(crashed->handle);
	free(crashed);
	crashed = NULL;
	return ok;
}

/* ---- slow disks ------------------------------------------------------------ */

static void undo_disk(void *arg)
{
	struct change *c = arg;

	disks_clear(c->a);
}

bool experiment_disk(const struct vm *vm, long iops, long long bytes_per_s)
{
	char what[160];

	xsnprintf(what, sizeof(what), "lift the limits on %s's disks", vm->name);
	lab_cleanup_push(what, undo_disk, change_new(vm, NULL, NULL));
	return disks_throttle(vm, iops, bytes_per_s);
}

/* ---- server settings (ALTER SYSTEM) -------------------------------------- */

#define SETTINGS_MAX 16
static struct change *settings[SETTINGS_MAX];
static int nsettings;

/* The server reads its configuration again. */
static bool reload_conf(const struct vm *vm)
{
	return node_execf(vm, "SELECT pg_reload_conf()");
}

static void undo_setting(void *arg)
{
	struct change *c = arg;

	if (!node_execf(c->a, "ALTER SYSTEM RESET %s", c->name) || !reload_conf(c->a))
		log_warning("could not reset %s on %s: look at it by hand (replab psql %s)",
			    c->name, c->a->name, c->a->name);
}

bool experiment_set(const struct vm *vm, const char *name, const char *value)
{
	char what[160];
	int i;

	/* name is one of the experiments' own words; value is quoted as a literal. */
	for (i = 0; i < nsettings; i++)
		if (settings[i]->a == vm && strcmp(settings[i]->name, name) == 0)
			break;
	if (i == nsettings) {
		if (nsettings == SETTINGS_MAX)
			fatal("internal error: more than %d settings changed", SETTINGS_MAX);
		settings[nsettings] = change_new(vm, NULL, name);
		xsnprintf(what, sizeof(what), "reset %s on %s", name, vm->name);
		settings[nsettings]->handle = lab_cleanup_push(what, undo_setting,
							       settings[nsettings]);
		nsettings++;
	}
	if (strchr(value, '\''))
		fatal("internal error: a quote in the value of %s", name);
	return node_execf(vm, "ALTER SYSTEM SET %s = '%s'", name, value) && reload_conf(vm);
}

/* ---- replication slots -------------------------------------------------- */

/*
 * count(counted) over the slots called slot on vm (only the inactive ones
 * when inactive): -1 when it could not be asked.
 */
static long long slot_count(const struct vm *vm, const char *counted, const char *slot,
			    bool inactive)
{
	json_t *rows = node_queryf(vm, "count the replication slots", 1, 1,
				   "SELECT count(%s) AS slots FROM pg_replication_slots"
				   " WHERE slot_name = '%s'%s",
				   counted, slot, inactive ? " AND NOT active" : "");
	long long n;

	if (!sql_int(sql_row(rows, 0), "slots", &n))
		n = -1;
	json_decref(rows);
	return n;
}

/* Drop the slot unless a standby uses it: whether it is gone. */
static bool slot_dropped(const struct change *c)
{
	long long dropped = slot_count(c->a, "pg_drop_replication_slot(slot_name)", c->name, true);

	return dropped == 1 || (dropped >= 0 && slot_count(c->a, "*", c->name, false) == 0);
}

static void undo_slot(void *arg)
{
	struct change *c = arg;

	/* A slot still in use cannot go: give its standby a few seconds to let go of it. */
	for (int i = 0; i < 20; i++) {
		if (slot_dropped(c))
			return;
		clock_sleep_ms(500);
	}
	log_warning("could not drop the replication slot %s on %s: it pins WAL until dropped "
		    "(replab psql %s)",
		    c->name, c->a->name, c->a->name);
}

bool experiment_slot(const struct vm *vm, const char *slot)
{
	char what[160];

	xsnprintf(what, sizeof(what), "drop the replication slot %s on %s", slot, vm->name);
	lab_cleanup_push(what, undo_slot, change_new(vm, NULL, slot));
	return node_execf(vm, "SELECT pg_create_physical_replication_slot('%s')", slot);
}
