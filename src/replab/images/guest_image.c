/*
 * guest_image.c — libguestfs handles for the lab's images.
 */
#include "guest_image.h"

#include "lab/accel.h"
#include "clock.h"
#include "log.h"

#include <stdio.h>

guestfs_h *guest_image_open(void)
{
	guestfs_h *g;

	accel_setup_libguestfs();
	g = guestfs_create();
	if (!g) {
		log_error("could not create a libguestfs handle");
		return NULL;
	}
	/* Errors are reported by guest_image_failed, once, with context. */
	guestfs_set_error_handler(g, NULL, NULL);
	return g;
}

bool guest_image_launch(guestfs_h *g)
{
	double start = clock_now_ms();

	fprintf(stderr, "replab: starting the libguestfs appliance ...\n");
	if (guestfs_launch(g) == -1)
		return guest_image_failed(g, "start the libguestfs appliance", NULL);
	fprintf(stderr, "replab: libguestfs appliance up in %.1f s\n",
		(clock_now_ms() - start) / 1000);
	return true;
}

bool guest_image_failed(guestfs_h *g, const char *action, const char *path)
{
	const char *err = guestfs_last_error(g);

	log_error("could not %s%s%s: %s", action, path ? " " : "", path ? path : "",
		  err ? err : "unknown libguestfs error");
	if (guestfs_last_errno(g) == 0 && err && !path)
		log_hint("run with LIBGUESTFS_DEBUG=1 LIBGUESTFS_TRACE=1 to see the appliance's "
			 "output");
	return false;
}
