/*
 * snapshot.h — saving the whole running lab and restoring it (the files are
 * saved.h's), with QMP: every VM stopped first, each migrated to a file
 * the harness opened (getfd, "fd:" URI: QEMU's sandbox forbids "exec:", and
 * 7.2 has no "file:"), its disk copied while it cannot change, then all
 * run on.  A restore starts each QEMU with the same command line waiting
 * for its state (-incoming defer -S), feeds it the saved stream, and lets
 * all of them run at once; then each guest's clock is set from the host's
 * and a row written on the primary is read back on every replica.
 */
#ifndef REPLAB_SNAPSHOT_H
#define REPLAB_SNAPSHOT_H

#include <jansson.h>
#include <stdbool.h>

struct vm_config;

/*
 * Before saving: the table for the check row made on the primary and seen
 * on every replica (replication works), and the replication timeouts off
 * (see snapshot_resume, which writes the row once the lab runs on).
 */
bool snapshot_prepare_check(void);

/*
 * Save the running lab (its VMs started with c).  On any failure the lab
 * runs on as it was, nothing is left in the saved lab's directory under a
 * final name, and a warning says why; false then.
 */
bool snapshot_save(const struct vm_config *c);

/*
 * Start this lab's VMs (settings c; the namespace and taps exist, no QEMU
 * runs) from the saved lab and bring them to streaming, printing each
 * milestone with the time since start_ms.  *loaded says whether the saved
 * state itself was loaded (false: it could not be, e.g. a damaged file).
 */
bool snapshot_restore(const struct vm_config *c, double start_ms, bool *loaded);

/*
 * Is there a saved lab that the running lab can be reset to (a VM lab
 * whose settings match it)?  why (may be NULL) gets what is missing.
 */
bool snapshot_can_reset(char **why);

/*
 * The running lab back to its saved state: its QEMUs killed, the taps'
 * faults removed, the saved lab restored and checked, each step printed.
 * An interrupted reset stops the VMs it was restoring.  False (logged).
 */
bool snapshot_reset(void);

/*
 * After a save or a restore, in one SSH session per VM: each guest's clock
 * set from the host's, a row written on the primary read back on every
 * replica within timeout_s, then the replication timeouts (turned off by
 * snapshot_prepare_check for the save) back as configured.  Each step is
 * printed with the time since start_ms unless start_ms is negative.  False
 * (logged) on failure.
 */
bool snapshot_resume(int timeout_s, double start_ms);

#endif
