/*
 * disks.h — slow disks: QEMU's block I/O throttling on a VM's disks, set
 * and read back through QMP (block_set_io_throttle, query-block).  Every
 * VM has two disks PostgreSQL writes to (vm.c): the root disk, drive
 * DISKS_ROOT, with its data, and the WAL disk, drive DISKS_WAL, with its
 * pg_wal (images/guest/wal-disk.sh).  QEMU applies the limits to the guest's
 * requests before they reach the image; what is in force is always read
 * back from QEMU, so what is shown is what QEMU does.  A throttle lives in
 * its QEMU only: a restored, restarted or crashed VM has none.
 */
#ifndef REPLAB_DISKS_H
#define REPLAB_DISKS_H

#include "lab.h"

#include <jansson.h>
#include <stdbool.h>

#define DISKS_ROOT "root" /* the drive id of each VM's root disk */
#define DISKS_WAL  "wal"  /* the drive id of each VM's WAL disk (pg_wal) */

/* What "replab disk" accepts: IOPS 1 to DISKS_IOPS_MAX, bandwidth 1K to 10G per second. */
#define DISKS_IOPS_MAX	    1000000L
#define DISKS_BANDWIDTH_MIN 1024.0
#define DISKS_BANDWIDTH_MAX (10.0 * 1024 * 1024 * 1024)

/*
 * A bandwidth in bytes per second: a decimal number and one of K, M or G
 * (KiB, MiB, GiB per second; either case), e.g. "512K", "1.5M"; -1 when not
 * one or outside DISKS_BANDWIDTH_MIN to DISKS_BANDWIDTH_MAX.
 */
double disks_bandwidth_bytes(const char *bandwidth);

/*
 * Limit vm's disks (DISKS_ROOT and DISKS_WAL, one throttle group: their
 * requests count together) to iops requests per second, reads and writes
 * together (0: no limit), and to bytes_per_s bytes per second, reads and
 * writes together (0: no limit).  The limits replace whatever the disks
 * had; both 0 lifts them.  False (logged) when vm lacks one of them or
 * QEMU refuses.
 */
bool disks_throttle(const struct vm *vm, long iops, long long bytes_per_s);

/* Lift every limit on every disk of vm. */
bool disks_clear(const struct vm *vm);

/* Lift every limit on every disk of every running VM of the lab (replab heal --all). */
bool disks_clear_all(void);

/*
 * The limits in force, read back from QEMU: {"VM": [{"disk", "iops",
 * "iops_rd", "iops_wr", "bps", "bps_rd", "bps_wr"}...]} for each running
 * VM with a throttled disk; a VM whose QEMU did not answer is null.
 */
json_t *disks_list(void);

#endif
