/*
 * clock.h — monotonic time in milliseconds, for measuring and waiting.
 */
#ifndef REPLAB_CLOCK_H
#define REPLAB_CLOCK_H

/* Milliseconds since an arbitrary fixed point (CLOCK_MONOTONIC). */
double clock_now_ms(void);

/* Sleep for the given number of milliseconds; cut short once interrupted() (interrupt.h). */
void clock_sleep_ms(double ms);

#endif
