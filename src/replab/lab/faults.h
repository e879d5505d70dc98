/*
 * faults.h — network faults on the lab's data network, with tc on the taps
 * (the VMs' ports on the lab's bridge; in the namespace test tier, veths of
 * the same names).  A tap's egress is everything sent to its VM, so:
 *
 *   tap-X: root htb 1:, default class 1:1 (passes; its rate is the shaping),
 *          class 1:2 whose leaf is "pfifo limit 0" (drops everything),
 *          u32 filters at preference N steering packets from the VM whose
 *          address ends in N to 1:2.
 *
 * This needs neither sch_netem nor act_gact.  Shaping (shape.h) adds
 * classes of its own, and netem where the host's kernel has it.
 * The faults in force are read back from tc itself, so what is shown is
 * what the kernel does.
 */
#ifndef REPLAB_FAULTS_H
#define REPLAB_FAULTS_H

#include "lab.h"

#include <jansson.h>
#include <stdbool.h>

/* Drop everything from "from" to "to" (one direction). */
bool faults_cut(const struct vm *from, const struct vm *to);

/* Drop everything between a and b, both directions. */
bool faults_cut_pair(const struct vm *a, const struct vm *b);

/* Remove the drop rules between a and b, both directions. */
bool faults_heal_pair(const struct vm *a, const struct vm *b);

/* Remove every drop rule on every tap (shaping stays). */
bool faults_heal_all(void);

/* Take every fault off every tap: cuts, rates and netem (the taps as a new lab has them). */
bool faults_clear_all(void);

/*
 * The scaffold above on vm's tap (made when missing, never over a root
 * qdisc the lab did not make), its name in tap: false (logged) when it
 * cannot be there.  Shaping (shape.h) adds its classes to it.
 */
bool faults_scaffold(const struct vm *vm, char *tap, size_t len);

/* Is our scaffold on this tap? */
bool faults_has_scaffold(const char *tap);

/* What the shaping verbs accept: rates 1kbit to 10gbit, times up to 60 s. */
#define FAULTS_RATE_MIN_BITS 1e3
#define FAULTS_RATE_MAX_BITS 1e10
#define FAULTS_TIME_MAX_MS   60000.0

/*
 * A tc rate ("1mbit", "2.5mbps": a decimal number and one of tc's units
 * bit, kbit, mbit, gbit, bps, kbps, mbps, gbps, in any case) in bits per
 * second; -1 when not one, or outside FAULTS_RATE_MIN_BITS to
 * FAULTS_RATE_MAX_BITS (never inf, nan or negative).
 */
double faults_rate_bits(const char *rate);

/* A netem time ("50ms", "1.5s", "200us") in ms, 0 to FAULTS_TIME_MAX_MS; -1 when not one. */
double faults_time_ms(const char *time);

/* A netem percentage ("5%" or "5"), 0 to 100; -1 when not one. */
double faults_percent(const char *percent);

/*
 * The faults in force: {"cuts": [{"from", "to", "dropped_packets_to_vm"}...],
 * "shapes": shape_list()}.
 */
json_t *faults_list(void);

#endif
