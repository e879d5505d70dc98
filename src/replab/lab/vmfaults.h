/*
 * vmfaults.h — faults that live in a VM rather than on the host's taps: its
 * data link's state in QEMU (a pulled cable: QMP set_link on the netdev
 * "data", so the guest's NIC loses its carrier), its wall clock set off
 * the host's or running at another rate (guestclock.h), and its WAL disk
 * failing writes (the guest's device-mapper: images/guest/wal-disk.sh).
 *
 * Both are read back from the guest itself: QEMU's QMP has no query that
 * reports a NIC's link state (query-rx-filter does not), so the link is the
 * carrier the guest's data0 sees, with the kernel's count of carrier
 * changes, and the clock is the guest's time minus the host's, with the
 * rate its kernel keeps.
 */
#ifndef REPLAB_VMFAULTS_H
#define REPLAB_VMFAULTS_H

#include "lab.h"

#include <jansson.h>
#include <stdbool.h>

/* vm's data link up or down, as a cable plugged in or pulled; false (logged). */
bool vmfaults_link(const struct vm *vm, bool up);

/* The guest's script that maps, fails and heals its WAL disk (device-mapper). */
#define WAL_DISK_SCRIPT "/usr/local/lib/replab/wal-disk.sh"

/*
 * Every write to vm's WAL disk failing (EIO; reads still work), or reaching
 * the disk again; false (logged) when the guest could not (no WAL disk).
 */
bool vmfaults_wal_disk(const struct vm *vm, bool failing);

/*
 * Each VM's whose QEMU runs, by name: {"carrier": true|false,
 * "carrier_changes": N, "clock_offset_s": X, "clock_drift_ppm": D,
 * "clock_tick": T, "clock_freq": F, "wal_disk": "ok" | "failing" | "none"}
 * read from its guest (the rate's three missing when its kernel's rate
 * could not be read, wal_disk when its state could not); {"unread": "why"}
 * when the guest cannot answer (frozen, or its session failed).
 */
json_t *vmfaults_list(void);

/*
 * Every running VM's link up, its clock set from the host's, at true rate,
 * and its WAL disk's writes reaching it (a frozen VM's link too; its clock
 * and disk only once thawed: said); false (logged) when one could not be.
 */
bool vmfaults_clear_all(void);

/* The durations the VM fault verbs take: ms, s, min, h or d after a decimal number. */

/* A duration ("500ms", "2s", "1.5min", "1h", "1d") in seconds, 0 to max_s; -1 when not one. */
double vmfaults_duration_s(const char *text, double max_s);

/*
 * A clock offset: a duration with a sign ("+30s", "-2h"; none is "+") of at
 * most GUESTCLOCK_OFFSET_MAX_S, in seconds in *offset_s; false when not one.
 */
bool vmfaults_offset_s(const char *text, double *offset_s);

/*
 * A clock drift: a number with a sign (none is "+") and a unit, "%" or
 * "ppm" ("+2%", "-500ppm", "0.5%"), at most GUESTCLOCK_DRIFT_MAX_PPM (10%)
 * either way, in ppm in *ppm; false when not one.
 */
bool vmfaults_drift_ppm(const char *text, double *ppm);

#endif
