/*
 * accel.h — choosing QEMU's accelerator: KVM when it really works, else
 * TCG (software emulation), with a one-line notice saying why.
 * REPLAB_ACCEL=kvm|tcg overrides the choice.
 */
#ifndef REPLAB_ACCEL_H
#define REPLAB_ACCEL_H

#include <stdbool.h>

/* True for KVM.  Logs the notice once when falling back to TCG. */
bool accel_use_kvm(void);

/*
 * Point libguestfs at the same choice: under TCG it must not try KVM
 * (LIBGUESTFS_BACKEND=direct, LIBGUESTFS_BACKEND_SETTINGS=force_tcg),
 * unless the user set those variables.
 */
void accel_setup_libguestfs(void);

#endif
