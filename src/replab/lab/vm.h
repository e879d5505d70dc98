/*
 * vm.h — one lab VM as a QEMU process: its command line, starting it in
 * the lab's namespace, and stopping it cleanly (QMP) or hard (SIGKILL).
 *
 * Files in the state directory, per VM NAME: NAME.qcow2 (this run's disk,
 * a thin overlay on build/images/NAME.qcow2), NAME-seed.iso, NAME.proc
 * (its QEMU, proc.h), NAME.qmp (QMP socket), NAME.console (serial console
 * socket), NAME.serial.log (everything the console printed) and
 * NAME.qemu.log (what QEMU itself said).
 *
 * QEMU runs under its seccomp sandbox and, when started as root, as the
 * unprivileged user VM_QEMU_USER (made by make deps; "nobody" where it is
 * missing) once it has opened its disks, sockets and tap.
 */
#ifndef REPLAB_VM_H
#define REPLAB_VM_H

#include "child.h"
#include "lab.h"

#include <stdbool.h>

struct qmp;

#define VM_QEMU_USER "replab-qemu"

struct vm_config {
	const char *images_dir;
	const char *state_dir;
	bool kvm;
	int memory_mb;
	int cpus;
	const char *run_as; /* the user QEMU becomes, or NULL to stay who we are */
	/* A restore (saved.h): QEMU waits, paused, for its state ("-incoming defer -S"),
	 * and a fresh disk is an overlay on DISKS_FROM/NAME.qcow2 rather than the image. */
	bool incoming;
	const char *disks_from;
};

/* This machine's settings for the lab's VMs, with memory_mb and cpus (accelerator, paths, user). */
void vm_config_make(struct vm_config *c, int memory_mb, int cpus);

/* The settings the running lab was brought up with (STATE/options.json); false (logged). */
bool vm_config_load(struct vm_config *c);

/* The user QEMU runs as when the harness runs as root. */
const char *vm_qemu_user(void);

/* A connection to vm's socket SUFFIX (".qmp", ".console"); -1 (logged) on failure. */
int vm_connect(const struct vm *vm, const char *suffix);

/* vm_connect to the QMP socket and qmp_open it. */
bool vm_qmp_open(const struct vm *vm, struct qmp *q);

/* The QEMU command line for vm (appended to a). */
void vm_qemu_argv(const struct vm *vm, const struct vm_config *c, struct argv_list *a);

/*
 * Start QEMU as a daemon in the lab's namespace, record it, and wait until
 * it answers on QMP; with fresh_disk, first make this run's disk
 * (otherwise the VM boots again from the disk it had).
 */
bool vm_start(const struct vm *vm, const struct vm_config *c, bool fresh_disk);

/* Was the VM started by the lab and is now gone (its disk, no process)? */
bool vm_is_down(const struct vm *vm);

/* QMP's run state of vm: "running", "paused", ... (caller frees); NULL when unreachable. */
char *vm_run_state(const struct vm *vm);

/* The QEMU process's PID if it runs, else 0. */
pid_t vm_pid(const struct vm *vm);

/*
 * Power the guest off from inside (systemctl poweroff over the management
 * link: services stop in order, like "docker stop"); wait up to timeout_s
 * for QEMU to exit, then SIGKILL.
 */
bool vm_stop_clean(const struct vm *vm, int timeout_s);

/* SIGKILL the QEMU process (a crash, as the guest sees it). */
bool vm_kill(const struct vm *vm);

/* A state file of vm: vm_path(vm, ".qmp", ...) is STATE/NAME.qmp. */
const char *vm_path(const struct vm *vm, const char *suffix, char *buf, size_t len);

#endif
