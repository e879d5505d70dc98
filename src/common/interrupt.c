/*
 * interrupt.c — the stop flag raised by SIGINT, SIGTERM and SIGHUP.
 */
#define _POSIX_C_SOURCE 200809L
#include "interrupt.h"

#include <string.h>

static volatile sig_atomic_t first_signal;
static volatile sig_atomic_t stop_waits;
static volatile sig_atomic_t holding;

static void on_signal(int sig)
{
	if (!first_signal)
		first_signal = sig;
	if (!holding)
		stop_waits = 1;
}

void interrupt_catch(void)
{
	static const int signals[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: blocking calls return EINTR */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(signals) / sizeof(signals[0]); i++)
		sigaction(signals[i], &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

int interrupt_signal(void)
{
	return first_signal;
}

bool interrupted(void)
{
	return stop_waits != 0;
}

void interrupt_hold(bool hold)
{
	holding = hold;
	stop_waits = !hold && first_signal;
}
