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

bool guestclock_set(const struct vm *vm, double offset_s)
{
	char *cmd[] = { "sh", "-c", GUESTCLOCK_STEP, NULL };
	struct guest_session s;
	double deadline = clock_now_ms() + 30000;
	bool ok = guest_session_start(&s, vm, cmd) && guest_session_expect(&s, "ready", deadline) &&
		  guestclock_answer(&s, offset_s) && guest_session_expect(&s, "set", deadline);

	if (!guest_session_finish(&s, ok)) {
		log_error("could not set the %s VM's clock (see %s/replab.log)", vm->name,
			  lab_state_dir());
		return false;
	}
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
