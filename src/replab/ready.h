/*
 * ready.h — waiting for the lab to come up, phase by phase, by reading the
 * VMs' serial logs (the guests' replab-ready.service and bootstrap unit
 * print their milestones on the console).
 */
#ifndef REPLAB_READY_H
#define REPLAB_READY_H

#include <jansson.h>
#include <stdbool.h>

/*
 * Print each milestone with the time since start_ms as it is reached;
 * return true when the replica streams.  On failure (a VM reports a failed
 * unit, its QEMU exits, or timeout_s passes) print the end of the log of
 * the VM that is behind and return false.  Milestone times go into
 * timings (seconds, by milestone name).
 */
bool ready_wait(double start_ms, int timeout_s, json_t *timings);

#endif
