/*
 * shape.h — shaping what the data network delivers to a VM: netem's delay,
 * jitter, loss, duplication, reordering and corruption, and a rate, on all
 * the traffic that reaches the VM or only on what reaches it from one
 * other VM.  The direction is always the same: what arrives at the VM.
 *
 * Two mechanisms, one meaning:
 *
 *   host   the host's kernel has sch_netem: netem goes on the VM's tap,
 *          whose egress is what reaches the VM.
 *   guest  it has not: netem goes in the VM's own kernel, on its data NIC's
 *          ingress (what reaches the VM), redirected through an ifb device
 *          (ifb-data0) whose egress can hold a qdisc.
 *
 * Both places have the same tc layout: a root htb 1: whose default class
 * 1:1 carries all the traffic, and for a shape of the traffic from VM N
 * (its address ends in N) a class 1:1NN that a u32 filter at preference
 * 1NN steers N's packets into (cuts' filters, at preference N, come
 * first).  A class's leaf is netem when the shape has netem options.
 *
 * --rate always stays on the host's tap (htb, which every kernel has): so
 * it needs no guest to answer, works in the namespace test tier, and the
 * same rate means the same thing whatever holds the netem part.  Its leaf
 * there is a short bfifo (about 100 ms of the rate) unless netem is on the
 * tap.
 */
#ifndef REPLAB_SHAPE_H
#define REPLAB_SHAPE_H

#include "lab.h"

#include <jansson.h>
#include <stdbool.h>

/*
 * One shape, as checked words (shape_parse_*); NULL for what is not asked.
 * The percentages may carry a correlation: "5%,25%".
 */
struct shape {
	const char *delay, *jitter, *loss, *duplicate, *reorder, *corrupt, *rate;
};

enum shape_mechanism { SHAPE_HOST, SHAPE_GUEST };

/* Where netem goes in this lab: on the host when its kernel has sch_netem. */
enum shape_mechanism shape_mechanism(void);

/* "host" or "guest". */
const char *shape_mechanism_name(enum shape_mechanism m);

/* Does s ask for netem (anything but a rate)? */
bool shape_has_netem(const struct shape *s);

/*
 * Is "TIME[,PERCENT]" (a netem time, with an optional correlation) one,
 * and "PERCENT[,PERCENT]" (a percentage, with an optional correlation)?
 */
bool shape_time_ok(const char *word);
bool shape_percent_ok(const char *word);

/*
 * Can vm's shapes be set or cleared now?  With the guest mechanism and the
 * VM there, its guest must answer (not frozen); with netem asked for, it
 * must be there.  False after saying why; nothing is changed.
 */
bool shape_can_change(const struct vm *vm, bool netem);

/*
 * Shape what reaches to from from (NULL: from everyone), replacing the
 * shape that traffic had; an empty shape removes it.
 */
bool shape_set(const struct vm *to, const struct vm *from, const struct shape *s);

/* Remove every shape of vm: on what reaches it, and both halves of its pairs. */
bool shape_clear_vm(const struct vm *vm);

/* Remove every shape in the lab, on both mechanisms (cuts stay). */
bool shape_clear_all(void);

/*
 * The shapes in force, read back from tc where they live: an array of
 * {"to", "from" (absent: everyone), "mechanism", "netem" (tc's options),
 * "rate", "sent_packets", "dropped_packets"}, and {"to", "unknown": why}
 * for a guest that cannot answer.
 */
json_t *shape_list(void);

#endif
