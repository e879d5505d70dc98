/*
 * guestclock.h — a guest's wall clock (CLOCK_REALTIME) set from the host's,
 * plus an offset, and read back as guest time minus host time; over the
 * management link in one session (guest_session.h), so that the SSH
 * handshake is not part of what is measured.  The guests run no time
 * synchronisation (no NTP client or systemd-timesyncd in the image), so a
 * clock set stays set; it runs on at the rate of the guest's clock source.
 */
#ifndef REPLAB_GUESTCLOCK_H
#define REPLAB_GUESTCLOCK_H

#include "guest_session.h"

#include <stdbool.h>

/* The largest offset a guest's clock may be set to from the host's: 30 days. */
#define GUESTCLOCK_OFFSET_MAX_S (30 * 86400.0)

/*
 * Shell text: says "ready", reads a time (seconds since the epoch, as
 * guestclock_answer writes it), sets the clock to it, says "set".  More
 * may follow it in the same script.
 */
#define GUESTCLOCK_STEP "echo ready; read t && date -u -s \"@$t\" >/dev/null && echo set"

/* After "ready": write the host's time plus offset_s to s, for GUESTCLOCK_STEP's read. */
bool guestclock_answer(struct guest_session *s, double offset_s);

/* Set vm's clock to the host's plus offset_s; false (logged) on failure. */
bool guestclock_set(const struct vm *vm, double offset_s);

/*
 * Shell text: says "ready", waits for a line, prints the guest's time
 * (date +%s.%N); guestclock_offset reads it.  More may follow.
 */
#define GUESTCLOCK_READ "echo ready; read go && date +%s.%N"

/*
 * In a session running GUESTCLOCK_READ: the guest's time minus the host's
 * (the host's read halfway between asking and being told), in *offset_s;
 * false when the session does not answer by deadline.
 */
bool guestclock_offset(struct guest_session *s, double deadline, double *offset_s);

#endif
