/*
 * cmd_seed.c — "replab seed": a lab's secrets and both VMs' NoCloud seeds,
 * made in the state directory without booting anything.  The Vagrantfile
 * runs it, so that "vagrant up" configures the guests from the same
 * cloud-init/ templates, with the same code and the same kind of per-lab
 * secrets, as "replab up".  Seeds already there are kept: a lab keeps its
 * passwords for as long as its VMs exist.
 */
#define _GNU_SOURCE
#include "child.h"
#include "commands.h"
#include "lab.h"
#include "log.h"
#include "secrets.h"
#include "seed.h"
#include "strutil.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
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
	char secrets[PATH_MAX];

	lab_state_path("secrets", secrets, sizeof(secrets));
	if (child_run((char *[]){ "rm", "-rf", secrets, NULL }, NULL) != 0) {
		log_error("could not remove %s", secrets);
		return false;
	}
	if (!secrets_create())
		return false;
	for (int i = 0; i < lab_nvms; i++)
		if (!seed_make(&lab_vms[i]))
			return false;
	printf("made this lab's secrets and the seeds of %s and %s in %s\n", lab_vms[0].name, lab_vms[1].name,
	       lab_state_dir());
	return true;
}

int cmd_seed(int argc, char **argv)
{
	char lock_path[PATH_MAX];
	int lock_fd;
	bool ok;

	if (argc == 2 && strcmp(argv[1], "--help") == 0) {
		printf("Usage: replab seed\n\n"
		       "Makes a lab's secrets (0600, in STATE/secrets) and the NoCloud seeds\n"
		       "STATE/primary-seed.iso and STATE/replica-seed.iso from cloud-init/, unless\n"
		       "they are there already; boots nothing.  STATE is $REPLAB_STATE (build/lab by\n"
		       "default).  The Vagrantfile runs it with its own state directory.\n");
		return EXIT_OK;
	}
	if (argc != 1)
		return usage_error("seed", "\"seed\" takes no arguments");
	if (mkdir(lab_state_dir(), 0700) != 0 && errno != EEXIST) {
		log_error("could not create %s: %s", lab_state_dir(), strerror(errno));
		return EXIT_FAIL;
	}
	lock_fd = open(lab_state_path("lock", lock_path, sizeof(lock_path)), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
	if (lock_fd < 0 || flock(lock_fd, LOCK_EX) != 0) {
		log_error("could not lock %s: %s", lock_path, strerror(errno));
		return EXIT_FAIL;
	}
	ok = seeds_present() || make_seeds();
	close(lock_fd);
	return ok ? EXIT_OK : EXIT_FAIL;
}
