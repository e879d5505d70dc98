/*
 * guest_session.c — a line-by-line shell session in a guest (see guest_session.h).
 */
#define _GNU_SOURCE
#include "guest_session.h"

#include "child.h"
#include "clock.h"
#include "interrupt.h"
#include "lifecycle.h"
#include "log.h"
#include "ssh.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

/*
 * Children inherit our stdin, so the pipe is put there for the moment of
 * the start.
 */
bool guest_session_start(struct guest_session *s, const struct vm *vm, char *const cmd[])
{
	char log_path[PATH_MAX];
	int in[2], out[2], saved_stdin;

	*s = (struct guest_session){ .vm = vm, .pid = -1, .in = -1, .out = -1 };
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	saved_stdin = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	if (dup2(in[0], STDIN_FILENO) != STDIN_FILENO)
		fatal("could not redirect stdin: %s", strerror(errno));
	s->pid = ssh_start(vm, cmd, false, lab_state_path("replab.log", log_path, sizeof(log_path)),
			   out[1], -1);
	if (saved_stdin >= 0) {
		dup2(saved_stdin, STDIN_FILENO);
		close(saved_stdin);
	} else
		close(STDIN_FILENO);
	close(in[0]);
	close(out[1]);
	s->in = in[1];
	s->out = out[0];
	return s->pid > 0;
}

bool guest_session_read(struct guest_session *s, char *line, size_t len, double deadline)
{
	size_t n = 0;

	while (n < len - 1 && !interrupted()) {
		struct pollfd p = { .fd = s->out, .events = POLLIN };
		int left = (int) (deadline - clock_now_ms());

		if (s->pid <= 0 || left <= 0 || poll(&p, 1, left) != 1 ||
		    read(s->out, &line[n], 1) != 1)
			return false;
		if (line[n] == '\n') {
			line[n] = '\0';
			return true;
		}
		n++;
	}
	return false;
}

bool guest_session_expect(struct guest_session *s, const char *want, double deadline)
{
	char line[64];

	return guest_session_read(s, line, sizeof(line), deadline) && strcmp(line, want) == 0;
}

bool guest_session_write(struct guest_session *s, const char *text)
{
	size_t n = strlen(text);

	return s->pid > 0 && write(s->in, text, n) == (ssize_t) n;
}

bool guest_session_finish(struct guest_session *s, bool ok)
{
	if (s->in >= 0)
		close(s->in);
	if (s->out >= 0)
		close(s->out);
	s->in = s->out = -1;
	/* A session stuck in a step: its ssh is ours to stop. */
	if (!ok && s->pid > 0)
		kill(s->pid, SIGTERM);
	if (s->pid > 0 && child_wait(s->pid) != 0)
		ok = false;
	s->pid = -1;
	return ok;
}
