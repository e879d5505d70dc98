/*
 * vm.h — one lab VM as a QEMU process: its command line, starting it in
 * the lab's namespace, and stopping it cleanly (QMP) or hard (SIGKILL).
 *
 * Files in the state directory, per VM NAME: NAME.qcow2 (this run's disk,
 * a thin overlay on build/images/NAME.qcow2), NAME-seed.iso, NAME.pid,
 * NAME.qmp (QMP socket), NAME.console (serial console socket) and
 * NAME.serial.log (everything the console printed).
 */
#ifndef REPLAB_VM_H
#define REPLAB_VM_H

#include "child.h"
#include "lab.h"

#include <stdbool.h>

struct vm_config {
	const char *images_dir;
	const char *state_dir;
	bool kvm;
	int memory_mb;
	int cpus;
};

/* The QEMU command line for vm (appended to a). */
void vm_qemu_argv(const struct vm *vm, const struct vm_config *c, struct argv_list *a);

/*
 * Start QEMU daemonized in the lab's namespace; with fresh_disk, first make
 * this run's disk (otherwise the VM boots again from the disk it had).
 */
bool vm_start(const struct vm *vm, const struct vm_config *c, bool fresh_disk);

/* Was the VM started by the lab and is now gone (its disk, no process)? */
bool vm_is_down(const struct vm *vm);

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
