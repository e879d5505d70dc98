/*
 * child.h — child processes from argv arrays (never through a shell), and
 * waiting for them.  Only PIDs started here are ever signalled.
 */
#ifndef REPLAB_CHILD_H
#define REPLAB_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Start argv[0] (looked up in PATH) with argv.  When out_path is not NULL the
 * child's stdout and stderr go to that file (appended).  Returns the PID, or
 * -1 with the error logged.
 */
pid_t child_start(char *const argv[], const char *out_path);

/* Wait for pid; returns its exit status, 128+signal when killed, -1 on error. */
int child_wait(pid_t pid);

/* child_start + child_wait. */
int child_run(char *const argv[], const char *out_path);

/* "a b 'c d'" — argv joined for messages (static buffer). */
const char *child_describe(char *const argv[]);

#endif
