/*
 * test_replab_qemu.c — QMP framing over a socketpair (greeting-free reply
 * reading, events skipped, errors reported, a descriptor passed with getfd) and the QEMU command
 * line (sandboxed, never daemonized, paths with commas escaped).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <cmocka.h>

#include "log.h"
#include "lab/qmp.h"
#include "lab/vm.h"

/* A QMP peer that has already sent text; returns our reading end. */
static FILE *peer_said(const char *text)
{
	int sv[2];

	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(write(sv[1], text, strlen(text)), (ssize_t) strlen(text));
	close(sv[1]);
	return fdopen(sv[0], "r");
}

static void reply_after_events(void **state)
{
	FILE *in = peer_said("{\"event\": \"STOP\", \"timestamp\": {}}\r\n"
			     "{\"return\": {\"status\": \"paused\", \"running\": false}}\r\n");
	json_t *r = qmp_read_reply(in, "query-status");

	(void) state;
	assert_non_null(r);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "paused");
	json_decref(r);
	fclose(in);
}

static void error_replies_and_eof(void **state)
{
	FILE *in = peer_said("{\"error\": {\"class\": \"GenericError\", \"desc\": \"no such "
			     "VM\"}}\r\n");

	(void) state;
	assert_null(qmp_read_reply(in, "stop"));
	assert_non_null(strstr(log_last_error(), "no such VM"));
	fclose(in);
	in = peer_said("{\"event\": \"SHUTDOWN\"}\r\n");
	assert_null(qmp_read_reply(in, "system_powerdown"));
	assert_non_null(strstr(log_last_error(), "connection closed"));
	fclose(in);
	in = peer_said("{not json\r\n");
	assert_null(qmp_read_reply(in, "cont"));
	fclose(in);
}

/* getfd: the command and the descriptor arrive together (SCM_RIGHTS). */
static void fd_passed_with_command(void **state)
{
	int sv[2], pipefd[2], got = -1;
	char buf[256] = { 0 };
	union {
		char b[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr msg = { .msg_iov = &iov,
			      .msg_iovlen = 1,
			      .msg_control = control.b,
			      .msg_controllen = sizeof(control.b) };
	const char reply[] = "{\"return\": {}}\r\n";
	struct qmp q;
	struct cmsghdr *c;

	(void) state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_equal(pipe(pipefd), 0);
	assert_int_equal(write(sv[1], reply, strlen(reply)), (ssize_t) strlen(reply));
	q.in = fdopen(sv[0], "r");
	q.out = fdopen(dup(sv[0]), "w");
	assert_true(qmp_getfd(&q, "replab-save", pipefd[1]));
	assert_true(recvmsg(sv[1], &msg, 0) > 0);
	assert_non_null(strstr(buf, "\"execute\":\"getfd\""));
	assert_non_null(strstr(buf, "\"fdname\":\"replab-save\""));
	c = CMSG_FIRSTHDR(&msg);
	assert_non_null(c);
	assert_int_equal(c->cmsg_type, SCM_RIGHTS);
	memcpy(&got, CMSG_DATA(c), sizeof(int));
	/* What is written to the passed descriptor comes out of our pipe. */
	assert_int_equal(write(got, "x", 1), 1);
	assert_int_equal(read(pipefd[0], buf, 1), 1);
	assert_int_equal(buf[0], 'x');
	close(got);
	close(pipefd[0]);
	close(pipefd[1]);
	close(sv[1]);
	qmp_close(&q);
}

/* The word after option in the argv, or NULL. */
static const char *after(struct argv_list *a, const char *option, int nth)
{
	for (size_t i = 0; i + 1 < a->n; i++)
		if (strcmp(a->v[i], option) == 0 && nth-- == 0)
			return a->v[i + 1];
	return NULL;
}

static void qemu_command_line(void **state)
{
	struct vm_config c = {
		.images_dir = "/img", .state_dir = "/st", .kvm = false, .memory_mb = 512, .cpus = 1
	};
	struct argv_list a = { 0 };

	(void) state;
	vm_qemu_argv(&lab_vms[1], &c, &a);
	assert_string_equal(a.v[0], "qemu-system-x86_64");
	assert_null(a.v[a.n]);
	assert_string_equal(after(&a, "-accel", 0), "tcg,tb-size=128");
	assert_string_equal(after(&a, "-m", 0), "512");
	assert_string_equal(after(&a, "-kernel", 0), "/img/vmlinuz");
	/* The disks in the guest's order: vda the root disk, vdb the seed, vdc the WAL disk. */
	assert_string_equal(after(&a, "-drive", 0), "id=root,file=/st/"
						    "replica.qcow2,if=none,format=qcow2,cache="
						    "unsafe,discard=unmap,file.auto-read-only=off");
	assert_string_equal(after(&a, "-device", 0), "virtio-blk-pci,drive=root");
	assert_string_equal(after(&a, "-device", 1), "virtio-blk-pci,drive=seed");
	assert_string_equal(after(&a, "-drive", 2), "id=wal,file=/st/"
						    "replica-wal.qcow2,if=none,format=qcow2,cache="
						    "unsafe,discard=unmap,file.auto-read-only=off");
	assert_string_equal(after(&a, "-device", 2), "virtio-blk-pci,drive=wal,serial=replab-wal");
	assert_string_equal(after(&a, "-netdev", 0), "tap,id=data,ifname=tap-replica,script=no,"
						     "downscript=no");
	assert_string_equal(after(&a, "-device", 3), "virtio-net-pci,netdev=data,mac=52:54:00:77:"
						     "00:11");
	assert_string_equal(after(&a, "-netdev", 1), "user,id=mgmt,restrict=on,ipv6=off,hostfwd="
						     "tcp:127.0.0.1:2211-:22");
	assert_string_equal(after(&a, "-qmp", 0), "unix:replica.qmp,server=on,wait=off");
	assert_null(after(&a, "-daemonize", 0));
	assert_null(after(&a, "-runas", 0));
	assert_string_equal(after(&a, "-sandbox", 0), "on,obsolete=deny,spawn=deny,resourcecontrol="
						      "deny,elevateprivileges=deny");
	argv_free(&a);
	c.kvm = true;
	c.run_as = "replab-qemu";
	vm_qemu_argv(&lab_vms[0], &c, &a);
	assert_string_equal(after(&a, "-accel", 0), "kvm");
	assert_string_equal(after(&a, "-netdev", 0), "tap,id=data,ifname=tap-primary,script=no,"
						     "downscript=no");
	assert_string_equal(after(&a, "-runas", 0), "replab-qemu");
	assert_non_null(strstr(after(&a, "-sandbox", 0), "elevateprivileges=allow"));
	assert_null(after(&a, "-incoming", 0));
	argv_free(&a);
	/* A restore: the same command line, waiting paused for the saved state. */
	c.incoming = true;
	vm_qemu_argv(&lab_vms[0], &c, &a);
	assert_string_equal(after(&a, "-incoming", 0), "defer");
	assert_string_equal(a.v[a.n - 1], "-S");
	argv_free(&a);
}

/* A comma in a path would end an option's value: QEMU reads ",," as one comma. */
static void qemu_paths_escaped(void **state)
{
	struct vm_config c = {
		.images_dir = "/my img", .state_dir = "/a b,c/lab", .memory_mb = 512, .cpus = 1
	};
	struct argv_list a = { 0 };

	(void) state;
	vm_qemu_argv(&lab_vms[0], &c, &a);
	assert_string_equal(after(&a, "-drive", 0), "id=root,file=/a "
						    "b,,c/lab/"
						    "primary.qcow2,if=none,format=qcow2,cache="
						    "unsafe,discard=unmap,file.auto-read-only=off");
	assert_string_equal(after(&a, "-qmp", 0), "unix:primary.qmp,server=on,wait=off");
	assert_string_equal(after(&a, "-chardev", 0), "socket,id=console,path=primary.console,"
						      "server=on,"
						      "wait=off,logfile=/a "
						      "b,,c/lab/primary.serial.log,logappend=on");
	assert_string_equal(after(&a, "-kernel", 0), "/my img/vmlinuz");
	argv_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reply_after_events),	  cmocka_unit_test(error_replies_and_eof),
		cmocka_unit_test(fd_passed_with_command), cmocka_unit_test(qemu_command_line),
		cmocka_unit_test(qemu_paths_escaped),
	};

	log_init("replab");
	if (!freopen("/dev/null", "w", stderr))
		return 1;
	return cmocka_run_group_tests_name("qemu", tests, NULL, NULL);
}
