/*
 * guest_session.h — a shell session in a guest over its management link
 * (ssh.h) that the host talks to line by line: the guest prints a line, the
 * host answers on its stdin.  The answer can then hold what the host knows
 * only at that instant (its clock), with no SSH handshake in between.
 */
#ifndef REPLAB_GUEST_SESSION_H
#define REPLAB_GUEST_SESSION_H

#include "lab.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct guest_session {
	const struct vm *vm;
	pid_t pid;   /* its ssh, or -1 */
	int in, out; /* its stdin (ours to write), its stdout (ours to read) */
};

/* Start cmd in vm with pipes of ours for its stdin and stdout (stderr to STATE/replab.log). */
bool guest_session_start(struct guest_session *s, const struct vm *vm, char *const cmd[]);

/* Its next line (without the newline) by deadline (clock_now_ms); false on EOF or time out. */
bool guest_session_read(struct guest_session *s, char *line, size_t len, double deadline);

/* Its next line by deadline, which must be want. */
bool guest_session_expect(struct guest_session *s, const char *want, double deadline);

/* Write text to its stdin; false when it cannot take it. */
bool guest_session_write(struct guest_session *s, const char *text);

/*
 * Close its pipes and wait for it (ssh stops when its stdin closes); one
 * that has not ok'd is stopped first.  True when ok and it exited with 0.
 */
bool guest_session_finish(struct guest_session *s, bool ok);

#endif
