/*
 * lab.h — the lab's fixed shape and where its files live.
 *
 * A primary and one or two replicas on the data network 10.77.0.0/24
 * (replica2, with "replab up --replicas 2", streams from the primary, or
 * with --cascade from the replica), each reached by the harness
 * over its own management link (QEMU user-mode networking, SSH forwarded to
 * 127.0.0.1:PORT inside the lab's network namespace).  Everything a running
 * lab owns is in the state directory (build/lab, lifecycle.h): process
 * records (proc.h), sockets, disks, seeds, secrets (0600), serial logs.
 */
#ifndef REPLAB_LAB_H
#define REPLAB_LAB_H

#include <stdbool.h>
#include <sys/types.h>

struct vm {
	const char *name;
	const char *role; /* "primary" or "replica": its image and seed templates */
	const char *addr; /* on the data network */
	int host_id;	  /* last byte of addr and of both MACs */
	int ssh_port;	  /* management link, inside the lab's namespace */
};

/* Every VM a lab may have; the first lab_nvms are this lab's. */
extern const struct vm lab_vms[];
extern const int lab_vms_known;
extern int lab_nvms;
extern bool lab_cascade;

/* This lab's shape: 1 or 2 replicas, replica2 streaming from the replica. */
void lab_set_shape(int replicas, bool cascade);

/* The shape a running lab was brought up with (STATE/options.json), if any. */
void lab_load_shape(void);

/* The address a standby copies and streams from. */
const char *lab_upstream(const struct vm *vm);

#define LAB_SUBNET "10.77.0.0/24"
#define LAB_BRIDGE "br0"

/* The VM called name, or NULL after logging the known names. */
const struct vm *lab_find_vm(const char *name);

/* The VM whose data address ends in host_id (10.77.0.host_id), or NULL. */
const struct vm *lab_vm_by_host_id(long host_id);

/* The tap carrying a VM's data link: "tap-primary". */
void lab_tap_name(const struct vm *vm, char *buf, size_t len);

/* Paths: the source tree (has cloud-init/), images, state. */
const char *lab_root(void);
const char *lab_images_dir(void);
const char *lab_state_dir(void);
/* Where the saved lab is kept (saved.h): $REPLAB_SAVED, else build/saved. */
const char *lab_saved_dir(void);

/* STATE/name, e.g. lab_state_path("primary.pid"). */
const char *lab_state_path(const char *name, char *buf, size_t len);

/*
 * STATE/name emptied, for a member's output that is read back: child.c
 * appends to its out_path, so a file reused across runs would also hold
 * the earlier runs' lines.  Every such reader takes its path from here.
 */
const char *lab_state_fresh(const char *name, char *buf, size_t len);

/* Is any of the lab's processes (namespace holder, QEMUs) alive? */
bool lab_is_up(void);

#endif
