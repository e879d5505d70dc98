/*
 * guestclock.c — a guest's wall clock set and read against the host's (see guestclock.h).
 */
#define _GNU_SOURCE
#include "guestclock.h"

#include "clock.h"
#include "log.h"
#include "strutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double host_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double) ts.tv_sec + ts.tv_nsec / 1e9;
}

bool guestclock_answer(struct guest_session *s, double offset_s)
{
	/* In nanoseconds, whole: a double has no room for both the seconds and them. */
	long long offset_ns = (long long) (offset_s * 1e9), t;
	struct timespec ts;
	char answer[48];

	clock_gettime(CLOCK_REALTIME, &ts);
	t = (long long) ts.tv_sec * 1000000000 + ts.tv_nsec + offset_ns;
	xsnprintf(answer, sizeof(answer), "%lld.%09lld\n", t / 1000000000, t % 1000000000);
	return guest_session_write(s, answer);
}

/* GUESTCLOCK_RATE setting the tick and freq given as $0 and $1. */
#define SET_RATE GUESTCLOCK_RATE " \"$0\" \"$1\""

/*
 * In one session in vm: with offset_s, its clock set to the host's plus
 * *offset_s; with rate, its rate set to *rate and read back the same.
 */
static bool clock_session(const struct vm *vm, const double *offset_s,
			  const struct guestclock_rate *rate)
{
	char tick[24] = "", freq[24] = "", line[64];
	char *cmd[] = {
		"sh",
		"-c",
		!rate ? GUESTCLOCK_STEP : offset_s ? GUESTCLOCK_STEP " && " SET_RATE : SET_RATE,
		tick,
		freq,
		NULL
	};
	struct guestclock_rate now;
	struct guest_session s;
	double deadline = clock_now_ms() + 30000;
	bool ok;

	if (rate) {
		xsnprintf(tick, sizeof(tick), "%lld", rate->tick);
		xsnprintf(freq, sizeof(freq), "%lld", rate->freq);
	}
	ok = guest_session_start(&s, vm, cmd);
	if (offset_s)
		ok = ok && guest_session_expect(&s, "ready", deadline) &&
		     guestclock_answer(&s, *offset_s) && guest_session_expect(&s, "set", deadline);
	if (rate)
		ok = ok && guest_session_read(&s, line, sizeof(line), deadline) &&
		     guestclock_rate_parse(line, &now) && now.tick == rate->tick &&
		     now.freq == rate->freq;
	if (!guest_session_finish(&s, ok)) {
		log_error("could not set the %s VM's clock%s (see %s/replab.log)", vm->name,
			  !rate	     ? ""
			  : offset_s ? " and its rate"
				     : "'s rate",
			  lab_state_dir());
		return false;
	}
	return true;
}

bool guestclock_set(const struct vm *vm, double offset_s)
{
	return clock_session(vm, &offset_s, NULL);
}

bool guestclock_drift(const struct vm *vm, double ppm)
{
	struct guestclock_rate rate = guestclock_rate_of(ppm);

	return clock_session(vm, NULL, &rate);
}

bool guestclock_reset(const struct vm *vm)
{
	static const struct guestclock_rate true_rate = { GUESTCLOCK_TICK_TRUE, 0 };
	double none = 0;

	return clock_session(vm, &none, &true_rate);
}

/* x to the nearest whole number (without libm), halves away from 0. */
static long long nearest(double x)
{
	return (long long) (x < 0 ? x - 0.5 : x + 0.5);
}

struct guestclock_rate guestclock_rate_of(double ppm)
{
	/* The tick takes whole 100 ppm, the frequency the rest: at most 50 ppm either way. */
	long long tick = GUESTCLOCK_TICK_TRUE + nearest(ppm / 100);

	return (struct guestclock_rate){
		.tick = tick,
		.freq = nearest((ppm - (double) (tick - GUESTCLOCK_TICK_TRUE) * 100) * 65536),
	};
}

double guestclock_rate_ppm(const struct guestclock_rate *rate)
{
	return (double) (rate->tick - GUESTCLOCK_TICK_TRUE) * 100 + (double) rate->freq / 65536;
}

bool guestclock_rate_parse(const char *line, struct guestclock_rate *rate)
{
	long long tick, freq;
	int end = -1;

	if (sscanf(line, "rate %lld %lld%n", &tick, &freq, &end) != 2 || line[end] ||
	    tick < GUESTCLOCK_TICK_TRUE * 9 / 10 || tick > GUESTCLOCK_TICK_TRUE * 11 / 10 ||
	    freq < -GUESTCLOCK_FREQ_MAX || freq > GUESTCLOCK_FREQ_MAX)
		return false;
	*rate = (struct guestclock_rate){ tick, freq };
	return true;
}

bool guestclock_offset(struct guest_session *s, double deadline, double *offset_s)
{
	char line[64], *end;
	double asked, told, guest;

	if (!guest_session_expect(s, "ready", deadline))
		return false;
	asked = host_now_s();
	if (!guest_session_write(s, "go\n") || !guest_session_read(s, line, sizeof(line), deadline))
		return false;
	told = host_now_s();
	guest = strtod(line, &end);
	/* What the guest said is only trusted to be a time after the epoch. */
	if (end == line || *end || !(guest > 0 && guest < 1e11))
		return false;
	*offset_s = guest - (asked + told) / 2;
	return true;
}
