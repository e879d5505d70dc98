/*
 * cmd_exec.c — into a VM: "replab exec VM -- CMD...", "replab psql VM",
 * "replab console VM".  exec and psql go over SSH on the management link;
 * console attaches to the VM's serial console socket.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/lab.h"
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

/* The running VM named in argv[1], or NULL after a message (*rc set). */
static const struct vm *running_vm(int argc, char **argv, const char *verb, int *rc)
{
	const struct vm *vm;

	*rc = EXIT_USAGE;
	if (argc < 2) {
		usage_error(verb, "name a VM: primary or replica");
		return NULL;
	}
	vm = lab_find_vm(argv[1]);
	if (!vm)
		return NULL;
	*rc = EXIT_FAIL;
	if (!vm_pid(vm)) {
		log_error("the %s VM is not running", vm->name);
		log_hint(lab_is_up() ? "start it again, or see replab status"
				     : "bring the lab up first: replab up");
		return NULL;
	}
	return vm;
}

int cmd_exec(int argc, char **argv)
{
	const struct vm *vm;
	int rc, first = 2;

	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		printf("Usage: replab exec VM [--] COMMAND [ARG]...\n\nRuns COMMAND as root in VM "
		       "(primary or replica) over its management link;\n"
		       "the exit status is the command's.  Example: replab exec replica -- pgrepl "
		       "status\n");
		return EXIT_OK;
	}
	if (!(vm = running_vm(argc, argv, "exec", &rc)))
		return rc;
	if (first < argc && strcmp(argv[first], "--") == 0)
		first++;
	if (first >= argc)
		return usage_error("exec", "give the command to run after the VM's name");
	return ssh_run(vm, argv + first, isatty(STDIN_FILENO) && isatty(STDOUT_FILENO), NULL);
}

int cmd_psql(int argc, char **argv)
{
	char *cmd[] = { "sh", "-c", NODE_PSQL, NULL };
	const struct vm *vm;
	int rc;

	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		printf("Usage: replab psql VM\n\nOpens psql on VM's PostgreSQL server, database "
		       "\"lab\", as the postgres superuser.\n");
		return EXIT_OK;
	}
	if (argc > 2)
		return usage_error("psql", "\"psql\" takes only the VM's name");
	if (!(vm = running_vm(argc, argv, "psql", &rc)))
		return rc;
	return ssh_run(vm, cmd, isatty(STDIN_FILENO), NULL);
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

int cmd_console(int argc, char **argv)
{
	struct termios saved, raw;
	const struct vm *vm;
	bool tty = isatty(STDIN_FILENO);
	int rc, sock;

	if (argc >= 2 && strcmp(argv[1], "--help") == 0) {
		printf("Usage: replab console VM\n\nAttaches to VM's serial console (root logs in "
		       "without a password).\n"
		       "Ctrl-] detaches.  Everything the console printed is in "
		       "build/lab/VM.serial.log.\n");
		return EXIT_OK;
	}
	if (argc > 2)
		return usage_error("console", "\"console\" takes only the VM's name");
	if (!(vm = running_vm(argc, argv, "console", &rc)))
		return rc;
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
