/*
 * cmd_exec.c — into a VM: "replab exec VM -- CMD...", "replab psql VM",
 * "replab console VM".  exec and psql go over SSH on the management link;
 * console attaches to the VM's serial console socket.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "log.h"
#include "lab/node.h"
#include "lab/ssh.h"
#include "lab/vm.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

const char cmd_exec_help[] =
	"Usage: replab exec VM [--] COMMAND [ARG]...\n"
	"\n"
	"Runs COMMAND as root in VM over its management link;\n"
	"the exit status is the command's.  Example: replab exec replica -- pgrepl status\n";

int cmd_exec(const struct verb_args *a)
{
	int first = a->rest;

	if (first < a->argc && strcmp(a->argv[first], "--") == 0)
		first++;
	if (first >= a->argc)
		return usage_error("exec", "give the command to run after the VM's name");
	return ssh_run(a->vm[0], a->argv + first, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO),
		       NULL);
}

const char cmd_psql_help[] =
	"Usage: replab psql VM\n"
	"\n"
	"Opens psql on VM's PostgreSQL server, database \"lab\", as the postgres superuser.\n";

int cmd_psql(const struct verb_args *a)
{
	char *cmd[] = { "sh", "-c", "cd /tmp && exec runuser -u postgres -- psql -d lab", NULL };

	return ssh_run(a->vm[0], cmd, isatty(STDIN_FILENO), NULL);
}

/* Copy bytes both ways until the console closes or the user types Ctrl-]. */
static void relay(int sock)
{
	struct pollfd fds[2] = { { .fd = STDIN_FILENO, .events = POLLIN },
				 { .fd = sock, .events = POLLIN } };
	char buf[4096];

	for (;;) {
		ssize_t n;

		if (poll(fds, 2, -1) < 0 && errno != EINTR)
			return;
		if (fds[0].revents & (POLLIN | POLLHUP)) {
			n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0 || memchr(buf, 0x1d, (size_t) n))
				return;
			if (write(sock, buf, (size_t) n) != n)
				return;
		}
		if (fds[1].revents & (POLLIN | POLLHUP)) {
			n = read(sock, buf, sizeof(buf));
			if (n <= 0 || write(STDOUT_FILENO, buf, (size_t) n) != n)
				return;
		}
	}
}

const char cmd_console_help[] =
	"Usage: replab console VM\n"
	"\n"
	"Attaches to VM's serial console (root logs in without a password).\n"
	"Ctrl-] detaches.  Everything the console printed is in build/lab/VM.serial.log.\n";

int cmd_console(const struct verb_args *a)
{
	const struct vm *vm = a->vm[0];
	struct termios saved, raw;
	bool tty = isatty(STDIN_FILENO);
	int sock;

	if ((sock = vm_connect(vm, ".console")) < 0)
		return EXIT_FAIL;
	fprintf(stderr,
		"attached to the %s VM's console; Ctrl-] detaches (press Enter for a prompt)\n",
		vm->name);
	if (tty) {
		tcgetattr(STDIN_FILENO, &saved);
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	relay(sock);
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	close(sock);
	fprintf(stderr, "\ndetached\n");
	return EXIT_OK;
}
