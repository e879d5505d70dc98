/*
 * guest_image.h — libguestfs on the lab's disk images: one appliance
 * launch for several images, with every failure reported through log.h.
 */
#ifndef REPLAB_GUEST_IMAGE_H
#define REPLAB_GUEST_IMAGE_H

#include <guestfs.h>
#include <stdbool.h>

/* A handle set up for this machine (TCG when KVM is unusable); NULL on error. */
guestfs_h *guest_image_open(void);

/* Launch the appliance, with a progress line and its duration. */
bool guest_image_launch(guestfs_h *g);

/* Log libguestfs' last error for the action that failed; returns false. */
bool guest_image_failed(guestfs_h *g, const char *action, const char *path);

#endif
