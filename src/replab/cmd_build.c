/*
 * cmd_build.c — "replab build": make each role's image as a thin qcow2
 * overlay on the base image and apply the role's recipe to it, all in one
 * libguestfs appliance.  Overlays are written under a temporary name and
 * renamed when complete; on any failure they are deleted, so no half image
 * is ever left under a final name.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "images/guest_image.h"
#include "log.h"
#include "images/recipe.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct role_image {
	struct recipe recipe;
	char tmp[PATH_MAX];
	char final[PATH_MAX];
};

/* The overlays being written, for the signal handler to delete. */
static struct role_image *in_progress;
static int n_in_progress;

static void remove_partial_and_exit(int sig)
{
	for (int i = 0; i < n_in_progress; i++)
		unlink(in_progress[i].tmp);
	signal(sig, SIG_DFL);
	raise(sig);
}

const char cmd_build_help[] =
	"Usage: replab build --base BASE.qcow2 --out DIR ROLE.role...\n"
	"\n"
	"Makes DIR/ROLE.qcow2 for each recipe: a qcow2 overlay backed by BASE with\n"
	"the recipe's actions applied (see images/roles/).  Run by \"make lab\".\n";

/* The backing path as the overlay will record it: relative when both sit together. */
static bool backing_path(const char *base, const char *outdir, char *buf, size_t len)
{
	char base_real[PATH_MAX], out_real[PATH_MAX], base_dir[PATH_MAX];

	if (!realpath(base, base_real)) {
		log_error("base image \"%s\": %s", base, strerror(errno));
		log_hint("build it first: make lab");
		return false;
	}
	if (!realpath(outdir, out_real)) {
		log_error("output directory \"%s\": %s", outdir, strerror(errno));
		return false;
	}
	snprintf(base_dir, sizeof(base_dir), "%s", base_real);
	if (strcmp(dirname(base_dir), out_real) == 0)
		snprintf(buf, len, "%s", strrchr(base_real, '/') + 1);
	else
		snprintf(buf, len, "%s", base_real);
	return true;
}

static bool enable_unit(guestfs_h *g, const char *unit)
{
	static const char *const dirs[] = { "/etc/systemd/system", "/lib/systemd/system" };
	const char *wants = "/etc/systemd/system/multi-user.target.wants";
	char target[PATH_MAX], link[PATH_MAX];

	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(target, sizeof(target), "%s/%s", dirs[i], unit);
		if (guestfs_is_file(g, target) > 0) {
			snprintf(link, sizeof(link), "%s/%s", wants, unit);
			return (guestfs_mkdir_p(g, wants) == 0 &&
				guestfs_ln_sf(g, target, link) == 0) ||
			       guest_image_failed(g, "enable", unit);
		}
	}
	log_error("unit %s is not in the base image", unit);
	return false;
}

static bool write_file(guestfs_h *g, const char *path, const char *text)
{
	char dir[PATH_MAX], *content;
	bool ok;

	snprintf(dir, sizeof(dir), "%s", path);
	if (asprintf(&content, "%s\n", text ? text : "") < 0)
		fatal("out of memory");
	ok = (guestfs_mkdir_p(g, dirname(dir)) == 0 &&
	      guestfs_write(g, path, content, strlen(content)) == 0) ||
	     guest_image_failed(g, "write", path);
	free(content);
	return ok;
}

static bool apply_step(guestfs_h *g, const struct recipe_step *s)
{
	switch (s->verb) {
	case RECIPE_ENABLE:
		return enable_unit(g, s->arg1);
	case RECIPE_MOVE:
		return guestfs_mv(g, s->arg1, s->arg2) == 0 ||
		       guest_image_failed(g, "move", s->arg1);
	case RECIPE_REMOVE:
		if (guestfs_exists(g, s->arg1) <= 0) {
			log_error("cannot remove %s: it is not in the base image", s->arg1);
			return false;
		}
		return guestfs_rm_rf(g, s->arg1) == 0 || guest_image_failed(g, "remove", s->arg1);
	case RECIPE_WRITE:
		return write_file(g, s->arg1, s->arg2);
	}
	return false;
}

static bool apply_recipe(guestfs_h *g, const char *device, const struct recipe *r)
{
	if (guestfs_mount(g, device, "/") == -1)
		return guest_image_failed(g, "mount the overlay of", r->role);
	for (size_t i = 0; i < r->nsteps; i++) {
		if (!apply_step(g, &r->steps[i])) {
			log_detail("at %s:%d", r->path, r->steps[i].line);
			return false;
		}
	}
	fprintf(stderr, "replab: %s: %zu actions applied\n", r->role, r->nsteps);
	return guestfs_umount_all(g) == 0 || guest_image_failed(g, "unmount", r->role);
}

static bool build(const char *base, const char *outdir, struct role_image *roles, int nroles)
{
	char backing[PATH_MAX];
	guestfs_h *g;
	char **devices = NULL;
	bool ok = false;

	if (!backing_path(base, outdir, backing, sizeof(backing)) || !(g = guest_image_open()))
		return false;
	for (int i = 0; i < nroles; i++) {
		unlink(roles[i].tmp);
		if (guestfs_disk_create(g, roles[i].tmp, "qcow2", -1,
					GUESTFS_DISK_CREATE_BACKINGFILE, backing,
					GUESTFS_DISK_CREATE_BACKINGFORMAT, "qcow2", -1) == -1 ||
		    guestfs_add_drive_opts(g, roles[i].tmp, GUESTFS_ADD_DRIVE_OPTS_FORMAT, "qcow2",
					   -1) == -1) {
			guest_image_failed(g, "create", roles[i].tmp);
			goto out;
		}
	}
	if (!guest_image_launch(g))
		goto out;
	devices = guestfs_list_devices(g);
	if (!devices) {
		guest_image_failed(g, "list the overlays' devices", NULL);
		goto out;
	}
	for (int i = 0; i < nroles; i++)
		if (!apply_recipe(g, devices[i], &roles[i].recipe))
			goto out;
	if (guestfs_shutdown(g) == -1) {
		guest_image_failed(g, "flush the overlays", NULL);
		goto out;
	}
	ok = true;
out:
	for (int i = 0; devices && devices[i]; i++)
		free(devices[i]);
	free(devices);
	guestfs_close(g);
	return ok;
}

int cmd_build(const struct verb_args *a)
{
	static const struct option longopts[] = {
		{ "base", required_argument, NULL, 'b' },
		{ "out", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	const char *base = NULL, *outdir = NULL;
	int argc = a->argc;
	char **argv = a->argv;
	struct role_image *roles;
	int c, nroles;
	bool ok = true;

	while ((c = getopt_long(argc, argv, "b:o:", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			base = optarg;
			break;
		case 'o':
			outdir = optarg;
			break;
		default:
			return usage_error("build", "unknown option or missing value: \"%s\"",
					   argv[optind - 1]);
		}
	}
	if (!base || !outdir || optind >= argc)
		return usage_error("build", "give --base, --out and at least one role recipe");
	nroles = argc - optind;
	roles = calloc((size_t) nroles, sizeof(*roles));
	if (!roles)
		fatal("out of memory");
	for (int i = 0; i < nroles && ok; i++) {
		ok = recipe_load(argv[optind + i], &roles[i].recipe);
		snprintf(roles[i].final, sizeof(roles[i].final), "%s/%s.qcow2", outdir,
			 roles[i].recipe.role);
		snprintf(roles[i].tmp, sizeof(roles[i].tmp), "%s.tmp", roles[i].final);
	}
	in_progress = roles;
	n_in_progress = nroles;
	signal(SIGINT, remove_partial_and_exit);
	signal(SIGTERM, remove_partial_and_exit);
	signal(SIGHUP, remove_partial_and_exit);
	ok = ok && build(base, outdir, roles, nroles);
	for (int i = 0; i < nroles; i++) {
		if (ok && rename(roles[i].tmp, roles[i].final) == -1) {
			log_error("could not rename %s: %s", roles[i].tmp, strerror(errno));
			ok = false;
		}
		if (!ok)
			unlink(roles[i].tmp);
		else
			printf("%s\n", roles[i].final);
		recipe_free(&roles[i].recipe);
	}
	n_in_progress = 0;
	free(roles);
	return ok ? EXIT_OK : EXIT_FAIL;
}
