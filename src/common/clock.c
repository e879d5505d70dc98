/*
 * clock.c — monotonic time in milliseconds, for measuring and waiting.
 */
#define _POSIX_C_SOURCE 200809L
#include "clock.h"

#include "interrupt.h"

#include <errno.h>
#include <time.h>

double clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

void clock_sleep_ms(double ms)
{
	struct timespec req;

	if (ms <= 0)
		return;
	req.tv_sec = (time_t) (ms / 1000);
	req.tv_nsec = (long) ((ms - req.tv_sec * 1000.0) * 1e6);
	while (!interrupted() && nanosleep(&req, &req) == -1 && errno == EINTR)
		;
}
