/*
 * interrupt.h — a polite stop: SIGINT, SIGTERM and SIGHUP do not kill the
 * program at once but raise a flag that its waits check (child_wait,
 * clock_sleep_ms and the programs' own loops), so that every exit path
 * can undo what the run did.  SIGPIPE is ignored: a closed pipe is an
 * error to report, not a reason to die half-way.
 */
#ifndef REPLAB_INTERRUPT_H
#define REPLAB_INTERRUPT_H

#include <signal.h>
#include <stdbool.h>

/* Install the handlers. */
void interrupt_catch(void);

/* The first signal that asked us to stop, or 0. */
int interrupt_signal(void);

/* Should the current wait give up?  (A signal came and no cleanup is running.) */
bool interrupted(void);

/*
 * While cleaning up, waits run to their end even if another signal comes
 * (it is remembered, not acted on): the cleanup itself must not be cut short.
 */
void interrupt_hold(bool hold);

#endif
