/*
 * proc.h — which processes are the lab's.  A PID alone proves nothing: a
 * pidfile outlives its process (a crash, a reboot) and the PID is handed
 * to another.  When the lab starts a process it records, in STATE/NAME.proc,
 * the PID with the process's start time, its executable and its exact
 * command line; a process is the lab's only while all four still match.
 * Only such processes are ever signalled.
 *
 * The record is text: "PID STARTTIME\n", "EXECUTABLE\n", then the command
 * line as /proc/PID/cmdline has it (NUL-separated), so a test tier can
 * write one for a process of its own with shell tools.
 */
#ifndef REPLAB_PROC_H
#define REPLAB_PROC_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * Record pid under name, after checking that it runs exactly argv (the
 * command line the lab started); false (logged) otherwise.
 */
bool proc_record(const char *name, pid_t pid, char *const argv[]);

/* The process recorded under name, if it lives and is still that process; else 0. */
pid_t proc_find(const char *name);

/* SIGKILL the process recorded under name, if it is still ours, and wait until it is gone. */
bool proc_kill(const char *name, int timeout_s);

/* Wait up to timeout_s for pid to be gone (or a zombie); false if it is not. */
bool proc_wait_gone(pid_t pid, int timeout_s);

/*
 * What the kernel says of pid: its start time (clock ticks after boot) and
 * whether it is alive (not gone, not a zombie).  False when there is no such
 * process.  Exposed for tests.
 */
bool proc_start_time(pid_t pid, unsigned long long *start, bool *alive);

#endif
