/*
 * cmd_seed.c — "replab seed": a lab's secrets and both VMs' NoCloud seeds,
 * made in the state directory without booting anything.  The Vagrantfile
 * runs it, so that "vagrant up" configures the guests from the same
 * cloud-init/ templates, with the same code and the same kind of per-lab
 * secrets, as "replab up".  Seeds already there are kept: a lab keeps its
 * passwords for as long as its VMs exist.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/lab.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "lab/secrets.h"
#include "lab/seed.h"
#include "strutil.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static bool seeds_present(void)
{
	char path[PATH_MAX];

	for (int i = 0; i < lab_nvms; i++) {
		xsnprintf(path, sizeof(path), "%s/%s-seed.iso", lab_state_dir(), lab_vms[i].name);
		if (access(path, R_OK) != 0)
			return false;
	}
	return access(lab_state_path("secrets/id_ed25519", path, sizeof(path)), R_OK) == 0;
}

/* Secrets and seeds afresh: what an interrupted run left is discarded. */
static bool make_seeds(void)
{
	if (!lab_state_remove_entry("secrets") || !secrets_create())
		return false;
	for (int i = 0; i < lab_nvms; i++)
		if (!seed_make(&lab_vms[i]))
			return false;
	printf("made this lab's secrets and the seeds of %s and %s in %s\n", lab_vms[0].name,
	       lab_vms[1].name, lab_state_dir());
	return true;
}

const char cmd_seed_help[] =
	"Usage: replab seed\n"
	"\n"
	"Makes a lab's secrets (0600, in STATE/secrets) and the NoCloud seeds\n"
	"STATE/primary-seed.iso and STATE/replica-seed.iso from cloud-init/, unless\n"
	"they are there already; boots nothing.  STATE is $REPLAB_STATE (build/lab by\n"
	"default).  The Vagrantfile runs it with its own state directory.\n";

int cmd_seed(const struct verb_args *a)
{
	if (a->argc != 1)
		return usage_error("seed", "\"seed\" takes no arguments");
	if (!lab_state_ensure())
		return EXIT_FAIL;
	return seeds_present() || make_seeds() ? EXIT_OK : EXIT_FAIL;
}
