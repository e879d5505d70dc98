/*
 * child.c — child processes from argv arrays, via fork and execvp.
 */
#define _GNU_SOURCE
#include "child.h"

#include "interrupt.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * In the child: its stdio, prepare, exec; a failure's errno goes down the
 * close-on-exec status pipe.  A daemon's stdin and (without out_path) its
 * stdout and stderr are /dev/null, and it keeps no other descriptor of
 * ours: one it outlived us with (a lock our caller holds, a pipe someone
 * reads to its end) would stay open as long as it runs.
 */
static _Noreturn void become(char *const argv[], const char *out_path, bool daemon,
			     child_prepare_fn prepare, void *arg, int status_fd)
{
	int devnull = daemon ? open("/dev/null", O_RDWR | O_CLOEXEC) : -1;
	int child_errno;

	if (daemon && close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
		goto failed;
	signal(SIGPIPE, SIG_DFL);
	if (daemon && (devnull < 0 || dup2(devnull, STDIN_FILENO) < 0))
		goto failed;
	if (out_path) {
		int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
			goto failed;
	} else if (daemon && (dup2(devnull, STDOUT_FILENO) < 0 || dup2(devnull, STDERR_FILENO) < 0))
		goto failed;
	if (prepare && !prepare(arg))
		goto failed;
	execvp(argv[0], argv);
failed:
	child_errno = errno ? errno : EINVAL;
	if (write(status_fd, &child_errno, sizeof(child_errno)) < 0)
		_exit(127);
	_exit(127);
}

/*
 * Fork and exec argv; a daemon is forked twice (a session of its own, and
 * not our child), its PID passed back through the status pipe.
 */
static pid_t start(char *const argv[], const char *out_path, child_prepare_fn prepare, void *arg,
		   bool daemon)
{
	int status_pipe[2];
	int child_errno = 0;
	pid_t pid;

	if (pipe2(status_pipe, O_CLOEXEC) == -1) {
		log_error("could not run %s: %s", argv[0], strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid == -1) {
		log_error("could not run %s: %s", argv[0], strerror(errno));
		close(status_pipe[0]);
		close(status_pipe[1]);
		return -1;
	}
	if (pid == 0) {
		close(status_pipe[0]);
		if (daemon) {
			pid_t grandchild;

			setsid();
			grandchild = fork();
			if (grandchild != 0) {
				ssize_t w = write(status_pipe[1], &grandchild, sizeof(grandchild));

				_exit(w == sizeof(grandchild) && grandchild > 0 ? 0 : 127);
			}
		}
		become(argv, out_path, daemon, prepare, arg, status_pipe[1]);
	}
	close(status_pipe[1]);
	if (daemon) {
		waitpid(pid, NULL, 0);
		if (read(status_pipe[0], &pid, sizeof(pid)) != sizeof(pid) || pid <= 0) {
			log_error("could not run %s: the launching process failed", argv[0]);
			close(status_pipe[0]);
			return -1;
		}
	}
	/* Exec closes the pipe; a failure writes its errno first. */
	if (read(status_pipe[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		close(status_pipe[0]);
		if (!daemon)
			waitpid(pid, NULL, 0);
		log_error("could not run %s: %s", argv[0], strerror(child_errno));
		return -1;
	}
	close(status_pipe[0]);
	return pid;
}

pid_t child_start(char *const argv[], const char *out_path, child_prepare_fn prepare, void *arg)
{
	return start(argv, out_path, prepare, arg, false);
}

pid_t child_start_detached(char *const argv[], const char *out_path, child_prepare_fn prepare,
			   void *arg)
{
	return start(argv, out_path, prepare, arg, true);
}

/*
 * Once interrupted, the child is asked to stop (SIGTERM: it is ours) and,
 * if it has not within ten seconds, killed.
 */
int child_wait(pid_t pid)
{
	int status, waited_ms = 0, signalled = 0;

	for (;;) {
		pid_t got = waitpid(pid, &status, interrupted() ? WNOHANG : 0);

		if (got == pid)
			break;
		if (got == -1 && errno != EINTR) {
			log_error("could not wait for process %d: %s", (int) pid, strerror(errno));
			return -1;
		}
		if (!interrupted())
			continue;
		if (!signalled || (signalled == 1 && waited_ms >= 10000)) {
			kill(pid, signalled ? SIGKILL : SIGTERM);
			signalled++;
		}
		usleep(10000);
		waited_ms += 10;
	}
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	return 128 + WTERMSIG(status);
}

int child_run(char *const argv[], const char *out_path)
{
	pid_t pid = child_start(argv, out_path, NULL, NULL);

	return pid < 0 ? -1 : child_wait(pid);
}

int child_collect(pid_t pid, int fd, char **out)
{
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap);
	ssize_t n;

	if (!buf)
		fatal("out of memory");
	for (;;) {
		if (len + 1 == cap && cap < CHILD_OUTPUT_MAX) {
			cap *= 2;
			if (!(buf = realloc(buf, cap)))
				fatal("out of memory");
		}
		n = read(fd, buf + len, len + 1 < cap ? cap - 1 - len : 1);
		if (n < 0 && errno == EINTR && !interrupted())
			continue;
		if (n <= 0)
			break;
		if (len + 1 < cap)
			len += (size_t) n; /* past the bound, the rest is read and dropped */
	}
	close(fd);
	buf[len] = '\0';
	*out = buf;
	return pid < 0 ? -1 : child_wait(pid);
}

void argv_add(struct argv_list *a, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	a->v = realloc(a->v, (a->n + 2) * sizeof(*a->v));
	if (!a->v)
		fatal("out of memory");
	a->v[a->n++] = s;
	a->v[a->n] = NULL;
}

void argv_free(struct argv_list *a)
{
	for (size_t i = 0; i < a->n; i++)
		free(a->v[i]);
	free(a->v);
	*a = (struct argv_list){ 0 };
}
