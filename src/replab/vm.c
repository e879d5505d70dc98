/*
 * vm.c — QEMU processes of the lab's VMs.
 */
#define _GNU_SOURCE
#include "vm.h"

#include "clock.h"
#include "log.h"
#include "netns.h"
#include "ssh.h"
#include "strutil.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *vm_path(const struct vm *vm, const char *suffix, char *buf, size_t len)
{
	xsnprintf(buf, len, "%s/%s%s", lab_state_dir(), vm->name, suffix);
	return buf;
}

void vm_qemu_argv(const struct vm *vm, const struct vm_config *c, struct argv_list *a)
{
	const char *s = c->state_dir, *n = vm->name;
	char tap[32];

	lab_tap_name(vm, tap, sizeof(tap));
	argv_add(a, "qemu-system-x86_64");
	argv_add(a, "-name");
	argv_add(a, "%s", n);
	argv_add(a, "-machine");
	argv_add(a, "q35");
	argv_add(a, "-accel");
	/* TCG's default 1 GiB translation cache doubles QEMU's memory for nothing. */
	argv_add(a, "%s", c->kvm ? "kvm" : "tcg,tb-size=128");
	argv_add(a, "-cpu");
	argv_add(a, "max");
	argv_add(a, "-smp");
	argv_add(a, "%d", c->cpus);
	argv_add(a, "-m");
	argv_add(a, "%d", c->memory_mb);
	argv_add(a, "-nodefaults");
	argv_add(a, "-no-user-config");
	argv_add(a, "-display");
	argv_add(a, "none");
	argv_add(a, "-no-reboot");
	argv_add(a, "-kernel");
	argv_add(a, "%s/vmlinuz", c->images_dir);
	argv_add(a, "-initrd");
	argv_add(a, "%s/initrd.img", c->images_dir);
	argv_add(a, "-append");
	argv_add(a, "root=/dev/vda rw console=ttyS0 panic=-1");
	argv_add(a, "-drive");
	argv_add(a, "file=%s/%s.qcow2,if=virtio,format=qcow2,cache=unsafe,discard=unmap", s, n);
	argv_add(a, "-drive");
	argv_add(a, "file=%s/%s-seed.iso,if=virtio,format=raw,readonly=on", s, n);
	/* The data link: a tap on the lab's bridge, where faults are injected. */
	argv_add(a, "-netdev");
	argv_add(a, "tap,id=data,ifname=%s,script=no,downscript=no", tap);
	argv_add(a, "-device");
	argv_add(a, "virtio-net-pci,netdev=data,mac=52:54:00:77:00:%d", vm->host_id);
	/* The management link: user-mode networking, SSH only, no way out. */
	argv_add(a, "-netdev");
	argv_add(a, "user,id=mgmt,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:%d-:22", vm->ssh_port);
	argv_add(a, "-device");
	argv_add(a, "virtio-net-pci,netdev=mgmt,mac=52:54:00:77:01:%d", vm->host_id);
	argv_add(a, "-device");
	argv_add(a, "virtio-rng-pci");
	argv_add(a, "-chardev");
	argv_add(a, "socket,id=console,path=%s/%s.console,server=on,wait=off,logfile=%s/%s.serial.log,logappend=on",
		 s, n, s, n);
	argv_add(a, "-serial");
	argv_add(a, "chardev:console");
	argv_add(a, "-qmp");
	argv_add(a, "unix:%s/%s.qmp,server=on,wait=off", s, n);
	argv_add(a, "-pidfile");
	argv_add(a, "%s/%s.pid", s, n);
	argv_add(a, "-daemonize");
}

bool vm_start(const struct vm *vm, const struct vm_config *c, bool fresh_disk)
{
	char disk[PATH_MAX], base[PATH_MAX], log_path[PATH_MAX];
	struct argv_list qemu = { 0 };
	int rc;

	xsnprintf(base, sizeof(base), "%s/%s.qcow2", c->images_dir, vm->role);
	vm_path(vm, ".qcow2", disk, sizeof(disk));
	vm_path(vm, ".qemu.log", log_path, sizeof(log_path));
	rc = !fresh_disk ? 0
			 : child_run((char *[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F", "qcow2", disk, NULL },
				     log_path);
	if (rc != 0) {
		log_error("could not create %s's disk (see %s)", vm->name, log_path);
		return false;
	}
	vm_qemu_argv(vm, c, &qemu);
	rc = netns_run(qemu.v, log_path);
	argv_free(&qemu);
	if (rc != 0) {
		log_error("QEMU did not start the %s VM (see %s)", vm->name, log_path);
		return false;
	}
	return true;
}

bool vm_is_down(const struct vm *vm)
{
	char path[PATH_MAX];

	/* QEMU removes its pidfile on a clean exit; this run's disk stays. */
	return access(vm_path(vm, ".qcow2", path, sizeof(path)), F_OK) == 0 && !vm_pid(vm);
}

pid_t vm_pid(const struct vm *vm)
{
	char name[64];

	xsnprintf(name, sizeof(name), "%s.pid", vm->name);
	return lab_read_pid(name);
}

static bool wait_gone(pid_t pid, int timeout_s)
{
	double deadline = clock_now_ms() + timeout_s * 1000.0;

	while (kill(pid, 0) == 0) {
		if (clock_now_ms() > deadline)
			return false;
		clock_sleep_ms(50);
	}
	return true;
}

bool vm_kill(const struct vm *vm)
{
	pid_t pid = vm_pid(vm);

	if (!pid)
		return true;
	if (kill(pid, SIGKILL) == -1 && errno != ESRCH) {
		log_error("could not kill the %s VM (PID %d): %s", vm->name, (int) pid, strerror(errno));
		return false;
	}
	return wait_gone(pid, 10);
}

bool vm_stop_clean(const struct vm *vm, int timeout_s)
{
	char *poweroff[] = { "systemctl", "poweroff", NULL };
	char log_path[PATH_MAX];
	pid_t pid = vm_pid(vm);

	if (!pid)
		return true;
	/* The session ends as the guest goes down: its exit status says nothing. */
	ssh_run(vm, poweroff, false, vm_path(vm, ".qemu.log", log_path, sizeof(log_path)));
	if (wait_gone(pid, timeout_s))
		return true;
	log_warning("the %s VM did not power off within %d s: killing it", vm->name, timeout_s);
	return vm_kill(vm);
}
