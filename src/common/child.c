/*
 * child.c — child processes from argv arrays, via posix_spawnp.
 */
#define _GNU_SOURCE
#include "child.h"

#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

pid_t child_start(char *const argv[], const char *out_path)
{
	posix_spawn_file_actions_t actions;
	pid_t pid;
	int rc;

	posix_spawn_file_actions_init(&actions);
	if (out_path) {
		posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path,
						 O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
	}
	rc = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&actions);
	if (rc != 0) {
		log_error("could not run %s: %s", argv[0], strerror(rc));
		return -1;
	}
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
	pid_t pid = child_start(argv, out_path);

	return pid < 0 ? -1 : child_wait(pid);
}

const char *child_describe(char *const argv[])
{
	static char buf[1024];
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; argv[i] && used < sizeof(buf) - 1; i++) {
		bool quote = argv[i][0] == '\0' || strpbrk(argv[i], " \t'\"") != NULL;
		int n = snprintf(buf + used, sizeof(buf) - used, "%s%s%s%s", i ? " " : "", quote ? "'" : "",
				 argv[i], quote ? "'" : "");

		if (n < 0)
			break;
		used += (size_t) n;
	}
	return buf;
}
