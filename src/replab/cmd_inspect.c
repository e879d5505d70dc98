/*
 * cmd_inspect.c — "replab inspect IMAGE": what a lab image holds, read
 * through libguestfs without changing it: its role, the lab's enabled
 * units, its PostgreSQL cluster, and pgrepl run inside the image.
 * Prints "key: value" lines on stdout.
 */
#include "commands.h"
#include "images/guest_image.h"
#include "log.h"
#include "strutil.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_role(guestfs_h *g)
{
	char *role = guestfs_is_file(g, "/etc/replab/role") > 0 ? guestfs_cat(g, "/etc/replab/role")
								: NULL;

	printf("role: ");
	str_print_safe(stdout, role && strtok(role, "\n") ? role : "(none: the base image)");
	putchar('\n');
	free(role);
}

static void print_units(guestfs_h *g)
{
	char **names = guestfs_ls(g, "/etc/systemd/system/multi-user.target.wants");

	printf("enabled:");
	for (int i = 0; names && names[i]; i++) {
		if (strncmp(names[i], "replab-", 7) == 0) {
			putchar(' ');
			str_print_safe(stdout, names[i]);
		}
		free(names[i]);
	}
	free(names);
	printf("\n");
}

static void print_cluster(guestfs_h *g, const char *label, const char *dir)
{
	char path[256], *version;

	snprintf(path, sizeof(path), "%s/PG_VERSION", dir);
	if (guestfs_is_file(g, path) <= 0)
		return;
	version = guestfs_cat(g, path);
	printf("%s: %s (PostgreSQL ", label, dir);
	str_print_safe(stdout, version && strtok(version, "\n") ? version : "?");
	printf(")\n");
	free(version);
}

static bool print_pgrepl(guestfs_h *g)
{
	char *argv[] = { "/usr/local/bin/pgrepl", "--version", NULL };
	char *out = guestfs_command(g, argv);

	if (!out)
		return guest_image_failed(g, "run pgrepl inside", "the image");
	printf("pgrepl: ");
	str_print_safe(stdout, strtok(out, "\n") ? out : "");
	putchar('\n');
	free(out);
	return true;
}

const char cmd_inspect_help[] =
	"Usage: replab inspect IMAGE\n"
	"\n"
	"Shows, read-only, what a lab image holds: role, enabled lab units,\n"
	"PostgreSQL cluster, and the version pgrepl reports when run inside it.\n";

int cmd_inspect(const struct verb_args *a)
{
	const char *image;
	guestfs_h *g;
	bool ok;

	if (a->argc != 2 || a->argv[1][0] == '-')
		return usage_error("inspect", "give exactly one image");
	image = a->argv[1];
	if (!(g = guest_image_open()))
		return EXIT_FAIL;
	/* readonly: the image is never written; writes (pgrepl's) go to a throw-away overlay. */
	ok = (guestfs_add_drive_opts(g, image, GUESTFS_ADD_DRIVE_OPTS_READONLY, 1, -1) == 0 ||
	      guest_image_failed(g, "open", image)) &&
	     guest_image_launch(g) &&
	     (guestfs_mount(g, "/dev/sda", "/") == 0 || guest_image_failed(g, "mount", image));
	if (ok) {
		printf("image: %s\n", image);
		print_role(g);
		print_units(g);
		print_cluster(g, "cluster", "/var/lib/replab/pgdata");
		print_cluster(g, "cluster template", "/var/lib/replab/primary-pgdata");
		ok = print_pgrepl(g);
	}
	guestfs_close(g);
	return ok ? EXIT_OK : EXIT_FAIL;
}
