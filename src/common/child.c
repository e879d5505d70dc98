/*
 * child.c — child processes from argv arrays, via fork and execvp.
 */
#define _GNU_SOURCE
#include "child.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t child_start(char *const argv[], const char *out_path, child_prepare_fn prepare, void *arg)
{
	int status_pipe[2];
	int child_errno = 0;
	pid_t pid;

	/* The child reports a failed exec through a close-on-exec pipe. */
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
		if (out_path) {
			int fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

			if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0 || dup2(fd, STDERR_FILENO) < 0)
				goto failed;
		}
		if (prepare && !prepare(arg))
			goto failed;
		execvp(argv[0], argv);
failed:
		child_errno = errno ? errno : EINVAL;
		if (write(status_pipe[1], &child_errno, sizeof(child_errno)) < 0)
			_exit(127);
		_exit(127);
	}
	close(status_pipe[1]);
	if (read(status_pipe[0], &child_errno, sizeof(child_errno)) == sizeof(child_errno)) {
		close(status_pipe[0]);
		waitpid(pid, NULL, 0);
		log_error("could not run %s: %s", argv[0], strerror(child_errno));
		return -1;
	}
	close(status_pipe[0]);
	return pid;
}

int child_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) == -1) {
		if (errno != EINTR) {
			log_error("could not wait for process %d: %s", (int) pid, strerror(errno));
			return -1;
		}
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
