/*
 * saved.h — the saved lab: every VM's memory and device state and its disk
 * as they were at one instant, with the lab's secrets, kept so that a later
 * "replab up" (or "replab reset") restores them instead of booting.
 *
 * Layout.  SAVED (build/saved, or $REPLAB_SAVED) is a directory of replab's
 * own under the state directory's rules (lifecycle.h: marker .replab-saved,
 * 0700, ours, only its entries removed).  It holds one saved lab, SAVED/lab:
 *
 *   manifest.json    the key (below), when it was saved, each file's size
 *   NAME.ram         QEMU's migration stream of VM NAME (memory, devices)
 *   NAME.qcow2       NAME's disk at that instant: a copy of its overlay,
 *                    backed, as the overlay was, by build/images/ROLE.qcow2
 *   NAME-seed.iso    the seed it booted with (part of the device model)
 *   secrets/         the lab's passwords and keys (0700, files 0600): the
 *                    guests hold them, so they live as long as the state
 *
 * A new one is written in SAVED/lab.tmp and renamed to SAVED/lab once every
 * file is complete and flushed to disk: a full disk or a Ctrl-C never
 * leaves a half-written lab under the final name.
 *
 * Key.  A saved lab is restored only into the same machine it was saved
 * from: the same QEMU binary (its path, size, modification time and inode,
 * and what --version says), the same accelerator, the same QEMU command line
 * (built from placeholders, so it holds the device model, memory and vCPUs),
 * the same shape (replicas, cascade), and the same images (size, mtime and
 * inode of vmlinuz, initrd.img, base.qcow2 and the role images).  Anything
 * else is a cold boot, with one line saying what differs.
 */
#ifndef REPLAB_SAVED_H
#define REPLAB_SAVED_H

#include "lab.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

struct vm_config;

/* The key of a lab of this shape (lab_nvms, lab_cascade) with settings c; NULL (logged). */
json_t *saved_key(const struct vm_config *c);

enum saved_found {
	SAVED_NONE,  /* nothing saved */
	SAVED_MATCH, /* a complete saved lab with this key */
	SAVED_OTHER, /* one saved for another key: *why says what differs */
	SAVED_BAD,   /* one that is incomplete or damaged: *why says how */
};

/*
 * Look for a saved lab for key; *why (caller frees) is set for SAVED_OTHER
 * and SAVED_BAD, and *manifest (caller decrefs) for SAVED_MATCH.  Refused
 * (logged) if SAVED is not replab's: that counts as SAVED_NONE.
 */
enum saved_found saved_find(json_t *key, char **why, json_t **manifest);

/* SAVED/lab/FILE (the complete one) or SAVED/lab.tmp/FILE (while saving). */
const char *saved_path(bool tmp, const char *file, char *buf, size_t len);

/* Start saving: SAVED made if need be, an empty SAVED/lab.tmp. */
bool saved_begin(void);

/* A new file SAVED/lab.tmp/FILE (0600) to write; -1 (logged) on failure. */
int saved_create(const char *file);

/*
 * Copy this run's disk, seed and secrets of every VM of the lab into
 * SAVED/lab.tmp, flushed to disk.
 */
bool saved_add_files(void);

/*
 * Write the manifest (key, the time, each file's size), then put lab.tmp
 * in place of any older saved lab.  false (logged) with lab.tmp removed.
 */
bool saved_commit(json_t *key);

/* Remove SAVED/lab.tmp (an unfinished save). */
void saved_abort(void);

/* Copy the saved secrets and seeds into the state directory, for a restore. */
bool saved_install(void);

/* Remove the saved lab (and SAVED itself when nothing else is in it); verbose says so. */
bool saved_forget(bool verbose);

/* Bytes the saved lab takes on disk (allocated blocks); -1 when there is none. */
long long saved_bytes(void);

/* One line for replab status: where the saved lab is, its size and age, or that there is none. */
void saved_print_status(void);

/* bytes as "812 MiB" (or "none" when negative). */
const char *saved_size_text(long long bytes, char *buf, size_t len);

/* "2026-12-01 14:50:18 UTC" from a manifest, or "an unknown time". */
const char *saved_when(json_t *manifest);

#endif
