/*
 * child.h — child processes from argv arrays (never through a shell), and
 * waiting for them.  Only PIDs started here are ever signalled.
 */
#ifndef REPLAB_CHILD_H
#define REPLAB_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Runs in the child between fork and exec; returns false to abort the exec. */
typedef bool (*child_prepare_fn)(void *arg);

/*
 * Start argv[0] (looked up in PATH) with argv.  When out_path is not NULL the
 * child's stdout and stderr are appended to that file; otherwise it shares
 * ours.  prepare (may be NULL) runs in the child first, e.g. to enter
 * namespaces.  Returns the PID, or -1 with the error logged.
 */
pid_t child_start(char *const argv[], const char *out_path, child_prepare_fn prepare, void *arg);

/*
 * Wait for pid; returns its exit status, 128+signal when killed, -1 on
 * error.  Once interrupted() (interrupt.h), the child is stopped: SIGTERM,
 * then SIGKILL after ten seconds.
 */
int child_wait(pid_t pid);

/* child_start + child_wait, without a prepare step. */
int child_run(char *const argv[], const char *out_path);

#define CHILD_OUTPUT_MAX (16 << 20)

/*
 * Read fd (the read end of a pipe whose write end pid has) to its end into
 * *out (NUL-terminated, at most CHILD_OUTPUT_MAX bytes kept; always set),
 * close it, and wait for pid: its exit status (-1 when pid is -1).
 */
int child_collect(pid_t pid, int fd, char **out);

/*
 * Start argv as a daemon: in a session of its own, not our child (so no
 * zombie is left for us to reap), stdin from /dev/null, stdout and stderr
 * appended to out_path (or /dev/null); prepare runs in it before exec.
 * The PID, once exec succeeded, or -1 with the error logged.
 */
pid_t child_start_detached(char *const argv[], const char *out_path, child_prepare_fn prepare,
			   void *arg);

/* A growing, NULL-terminated argv of copied strings. */
struct argv_list {
	char **v;
	size_t n;
};

void argv_add(struct argv_list *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void argv_free(struct argv_list *a);

#endif
