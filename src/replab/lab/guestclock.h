/*
 * guestclock.h — a guest's wall clock (CLOCK_REALTIME) set from the host's,
 * plus an offset, and read back as guest time minus host time; over the
 * management link in one session (guest_session.h), so that the SSH
 * handshake is not part of what is measured.  And its rate: the guest
 * kernel's NTP tick and frequency (adjtimex(2)), which every clock but
 * CLOCK_MONOTONIC_RAW runs at, set and read back.  The guests run no time
 * synchronisation (no NTP client or systemd-timesyncd in the image), so a
 * clock or a rate set stays set; stepping the clock (date -s) leaves the
 * rate as it is.
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

/* Set vm's clock to the host's plus offset_s (its rate stays); false (logged) on failure. */
bool guestclock_set(const struct vm *vm, double offset_s);

/*
 * A clock's rate as the kernel keeps it: tick, the microseconds it counts
 * for each USER_HZ (100 Hz) tick, 9000 to 11000 (10000 is true time, each
 * microsecond 100 ppm); freq, parts per million scaled by 2^16, at most
 * 500 ppm either way.  The two add up.
 */
struct guestclock_rate {
	long long tick, freq;
};

#define GUESTCLOCK_TICK_TRUE 10000
#define GUESTCLOCK_FREQ_MAX  (500LL << 16)
/* The largest drift: the tick's range, 10% either way, in ppm. */
#define GUESTCLOCK_DRIFT_MAX_PPM 100000.0

/*
 * Shell text: python3 calling adjtimex(2) through ctypes (the image has no
 * adjtimex command), on the guest's x86_64 struct timex (uapi
 * linux/timex.h: 208 bytes; modes, a u32, at 0; freq at 16; tick at 88;
 * both longs); with two arguments, TICK and FREQ, it sets them first
 * (ADJ_TICK | ADJ_FREQUENCY).  It prints "rate TICK FREQ", what the kernel
 * then has (guestclock_rate_parse reads it).
 */
#define GUESTCLOCK_RATE                                                                       \
	"python3 -c 'import ctypes,os,struct,sys;a=[int(x) for x in sys.argv[1:]];"           \
	"b=ctypes.create_string_buffer(208);struct.pack_into(\"=I\",b,0,0x4002 if a else 0);" \
	"[struct.pack_into(\"=q\",b,o,v) for o,v in zip((88,16),a)];"                         \
	"r=ctypes.CDLL(None,use_errno=True).adjtimex(b);"                                     \
	"r<0 and sys.exit(\"adjtimex: \"+os.strerror(ctypes.get_errno()));"                   \
	"print(\"rate %d %d\"%(struct.unpack_from(\"=q\",b,88)+struct.unpack_from(\"=q\",b,16)))'"

/* The tick and freq that make a drift of ppm (within GUESTCLOCK_DRIFT_MAX_PPM). */
struct guestclock_rate guestclock_rate_of(double ppm);

/* The drift rate makes, in ppm: how much faster than true time the clock runs. */
double guestclock_rate_ppm(const struct guestclock_rate *rate);

/* GUESTCLOCK_RATE's line, in *rate; false unless it is one with both in the kernel's ranges. */
bool guestclock_rate_parse(const char *line, struct guestclock_rate *rate);

/* Set vm's clock running ppm fast (slow when negative), read back; false (logged). */
bool guestclock_drift(const struct vm *vm, double ppm);

/* Set vm's clock from the host's and its rate true, in one session; false (logged). */
bool guestclock_reset(const struct vm *vm);

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
