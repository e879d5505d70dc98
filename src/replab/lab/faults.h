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
 * This needs neither sch_netem nor act_gact.  Delay, jitter and loss do
 * need netem: on a kernel without it they are refused, never ignored.
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

/* Limit everything sent to vm to rate (tc syntax: "1mbit", "500kbit"); NULL: no limit. */
bool faults_rate(const struct vm *vm, const char *rate);

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

/* netem on traffic to vm; refuses clearly on a kernel without sch_netem. */
bool faults_netem(const struct vm *vm, const char *delay, const char *jitter, const char *loss);

/* Remove netem from vm's tap. */
bool faults_netem_clear(const struct vm *vm);

/*
 * The faults in force: {"cuts": [{"from", "to", "dropped_packets"}...],
 * "rates": {"replica": "1Mbit"}, "netem": {...}}.  NULL when tc fails.
 */
json_t *faults_list(void);

#endif
