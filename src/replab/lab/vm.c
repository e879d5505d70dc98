/*
 * vm.c — QEMU processes of the lab's VMs.
 */
#define _GNU_SOURCE
#include "vm.h"

#include "accel.h"
#include "clock.h"
#include "disks.h"
#include "log.h"
#include "interrupt.h"
#include "jsonfile.h"
#include "netns.h"
#include "proc.h"
#include "qmp.h"
#include "ssh.h"
#include "strutil.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

const char *vm_path(const struct vm *vm, const char *suffix, char *buf, size_t len)
{
	assert(vm && suffix);
	xsnprintf(buf, len, "%s/%s%s", lab_state_dir(), vm->name, suffix);
	return buf;
}

/* A value inside a QEMU option list: commas doubled (a comma ends the value). */
static char *option_value(const char *v)
{
	char *out = malloc(2 * strlen(v) + 1), *o = out;

	if (!out)
		fatal("out of memory");
	for (; *v; v++) {
		*o++ = *v;
		if (*v == ',')
			*o++ = ',';
	}
	*o = '\0';
	return out;
}

const char *vm_qemu_user(void)
{
	return getpwnam(VM_QEMU_USER) ? VM_QEMU_USER : "nobody";
}

void vm_config_make(struct vm_config *c, int memory_mb, int cpus)
{
	*c = (struct vm_config){
		.images_dir = lab_images_dir(),
		.state_dir = lab_state_dir(),
		.kvm = accel_use_kvm(),
		.memory_mb = memory_mb,
		.cpus = cpus,
		.run_as = geteuid() == 0 ? vm_qemu_user() : NULL,
	};
}

bool vm_config_load(struct vm_config *c)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *doc = json_read_file(lab_state_path("options.json", path, sizeof(path)), 65536,
				     &jerr);
	json_t *memory = jfield(doc, "memory_mb", JSON_INTEGER);
	json_t *cpus = jfield(doc, "cpus", JSON_INTEGER);
	bool ok = memory && cpus;

	/* A lab brought up before options.json existed had the defaults. */
	if (!doc && access(path, F_OK) != 0)
		vm_config_make(c, 512, 1);
	else if (ok)
		vm_config_make(c, (int) json_integer_value(memory), (int) json_integer_value(cpus));
	else
		log_error("could not read %s: %s", path, doc ? "no memory_mb or cpus" : jerr.text);
	json_decref(doc);
	return ok || (!doc && access(path, F_OK) != 0);
}

/* "-NAME VALUE": an option of QEMU's and its value, printf-formatted. */
static void option(struct argv_list *a, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void option(struct argv_list *a, const char *name, const char *fmt, ...)
{
	va_list ap;
	char *value;

	va_start(ap, fmt);
	if (vasprintf(&value, fmt, ap) < 0)
		fatal("out of memory");
	va_end(ap);
	argv_add(a, "%s", name);
	argv_add(a, "%s", value);
	free(value);
}

/* How the writable disks are opened (see vm_qemu_argv). */
#define WRITABLE_DISK "cache=unsafe,discard=unmap,file.auto-read-only=off"

void vm_qemu_argv(const struct vm *vm, const struct vm_config *c, struct argv_list *a)
{
	char *s = option_value(c->state_dir);
	const char *n = vm->name;
	char tap[32];

	lab_tap_name(vm, tap, sizeof(tap));
	argv_add(a, "qemu-system-x86_64");
	option(a, "-name", "%s", n);
	option(a, "-machine", "q35");
	/* TCG's default 1 GiB translation cache doubles QEMU's memory for nothing. */
	option(a, "-accel", "%s", c->kvm ? "kvm" : "tcg,tb-size=128");
	option(a, "-cpu", "max");
	option(a, "-smp", "%d", c->cpus);
	option(a, "-m", "%d", c->memory_mb);
	argv_add(a, "-nodefaults");
	argv_add(a, "-no-user-config");
	option(a, "-display", "none");
	argv_add(a, "-no-reboot");
	/*
	 * seccomp: no obsolete system calls, no new processes, no changes to
	 * scheduling; started as root, QEMU becomes an unprivileged user once
	 * it has opened its files (so it may setuid once, and never again).
	 */
	option(a, "-sandbox",
	       "on,obsolete=deny,spawn=deny,resourcecontrol=deny,elevateprivileges=%s",
	       c->run_as ? "allow" : "deny");
	if (c->run_as)
		option(a, "-runas", "%s", c->run_as);
	option(a, "-kernel", "%s/vmlinuz", c->images_dir);
	option(a, "-initrd", "%s/initrd.img", c->images_dir);
	option(a, "-append", "root=/dev/vda rw console=ttyS0 panic=-1");
	/*
	 * The guest's disks, each a device of its own given in this order, as
	 * the guest names them: vda the root disk, vdb the seed, vdc the WAL
	 * disk (found by its serial: images/guest/wal-disk.sh).  Their ids
	 * name them for QMP (disks.h).  The writable ones are opened
	 * read-write from the start: QEMU, no longer root, could not reopen
	 * them in the 0700 state directory when a migration hands the disks
	 * over (auto-read-only would open them read-only first).
	 */
	option(a, "-drive", "id=%s,file=%s/%s.qcow2,if=none,format=qcow2," WRITABLE_DISK,
	       DISKS_ROOT, s, n);
	option(a, "-device", "virtio-blk-pci,drive=%s", DISKS_ROOT);
	option(a, "-drive", "id=seed,file=%s/%s-seed.iso,if=none,format=raw,readonly=on", s, n);
	option(a, "-device", "virtio-blk-pci,drive=seed");
	option(a, "-drive", "id=%s,file=%s/%s-wal.qcow2,if=none,format=qcow2," WRITABLE_DISK,
	       DISKS_WAL, s, n);
	option(a, "-device", "virtio-blk-pci,drive=%s,serial=replab-wal", DISKS_WAL);
	/* The data link: a tap on the lab's bridge, where faults are injected. */
	option(a, "-netdev", "tap,id=data,ifname=%s,script=no,downscript=no", tap);
	option(a, "-device", "virtio-net-pci,netdev=data,mac=52:54:00:77:00:%d", vm->host_id);
	/* The management link: user-mode networking, SSH only, no way out. */
	option(a, "-netdev", "user,id=mgmt,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:%d-:22",
	       vm->ssh_port);
	option(a, "-device", "virtio-net-pci,netdev=mgmt,mac=52:54:00:77:01:%d", vm->host_id);
	option(a, "-device", "virtio-rng-pci");
	/* Sockets relative to the state directory, QEMU's working directory (vm_connect). */
	option(a, "-chardev",
	       "socket,id=console,path=%s.console,server=on,wait=off,logfile=%s/%s.serial.log,"
	       "logappend=on",
	       n, s, n);
	option(a, "-serial", "chardev:console");
	option(a, "-qmp", "unix:%s.qmp,server=on,wait=off", n);
	if (c->incoming) {
		option(a, "-incoming", "defer");
		argv_add(a, "-S");
	}
	free(s);
}

/*
 * QEMU makes its sockets relative to the state directory, its working
 * directory; we reach them through /proc/self/fd, so that no state
 * directory is too deep for a UNIX socket's 108 bytes.
 */
int vm_connect(const struct vm *vm, const char *suffix)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int dir = open(lab_state_dir(), O_PATH | O_DIRECTORY | O_CLOEXEC);
	int fd = dir < 0 ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int saved;

	if (fd >= 0) {
		xsnprintf(addr.sun_path, sizeof(addr.sun_path), "/proc/self/fd/%d/%s%s", dir,
			  vm->name, suffix);
		if (connect(fd, (struct sockaddr *) &addr, sizeof(addr)) == -1) {
			saved = errno;
			close(fd);
			fd = -1;
			errno = saved;
		}
	}
	saved = errno;
	if (dir >= 0)
		close(dir);
	if (fd < 0)
		log_error("could not connect to %s/%s%s: %s", lab_state_dir(), vm->name, suffix,
			  strerror(saved));
	return fd;
}

bool vm_qmp_open(const struct vm *vm, struct qmp *q)
{
	char name[64];

	xsnprintf(name, sizeof(name), "the %s VM's QEMU", vm->name);
	return qmp_open(q, vm_connect(vm, ".qmp"), name);
}

/* Until QEMU answers on QMP (it has opened its files and runs), or is gone. */
static bool qemu_answers(const struct vm *vm, pid_t pid)
{
	char path[PATH_MAX];
	double deadline = clock_now_ms() + 60000;
	struct stat st;
	struct qmp q;

	vm_path(vm, ".qmp", path, sizeof(path));
	while (stat(path, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		unsigned long long start;
		bool alive;

		if (!proc_start_time(pid, &start, &alive) || !alive || interrupted() ||
		    clock_now_ms() > deadline)
			return false;
		clock_sleep_ms(20);
	}
	if (!vm_qmp_open(vm, &q))
		return false;
	qmp_close(&q);
	return true;
}

/*
 * vm's disk STATE/NAME.qcow2 or STATE/NAME-wal.qcow2, a thin overlay: on
 * the saved lab's copy of it (c->disks_from), else on its image: its
 * role's, or the empty WAL disk's (images/base-image.sh).
 */
static bool make_disk(const struct vm *vm, const struct vm_config *c, bool wal,
		      const char *log_path)
{
	char disk[PATH_MAX], base[PATH_MAX];

	vm_path(vm, wal ? "-wal.qcow2" : ".qcow2", disk, sizeof(disk));
	if (c->disks_from)
		xsnprintf(base, sizeof(base), "%s/%s%s", c->disks_from, vm->name,
			  wal ? "-wal.qcow2" : ".qcow2");
	else
		xsnprintf(base, sizeof(base), "%s/%s.qcow2", c->images_dir, wal ? "wal" : vm->role);
	return child_run((char *[]){ "qemu-img", "create", "-q", "-f", "qcow2", "-b", base, "-F",
				     "qcow2", disk, NULL },
			 log_path) == 0;
}

bool vm_start(const struct vm *vm, const struct vm_config *c, bool fresh_disk)
{
	char disk[PATH_MAX], log_path[PATH_MAX];
	struct argv_list qemu = { 0 };
	bool ok;
	pid_t pid;

	vm_path(vm, ".qemu.log", log_path, sizeof(log_path));
	if (fresh_disk &&
	    (!make_disk(vm, c, false, log_path) || !make_disk(vm, c, true, log_path))) {
		log_error("could not create %s's disks (see %s)", vm->name, log_path);
		return false;
	}
	/*
	 * A QEMU that ran as an unprivileged user could not remove its sockets
	 * from the state directory: a stale one would pass for the new QEMU's.
	 */
	unlink(vm_path(vm, ".qmp", disk, sizeof(disk)));
	unlink(vm_path(vm, ".console", disk, sizeof(disk)));
	vm_qemu_argv(vm, c, &qemu);
	pid = netns_start_detached(qemu.v, log_path, c->state_dir);
	ok = pid > 0 && proc_record(vm->name, pid, qemu.v);
	argv_free(&qemu);
	if (ok && qemu_answers(vm, pid))
		return true;
	if (pid > 0 && !ok)
		kill(pid, SIGKILL); /* started just now by us, and not recorded */
	vm_kill(vm);
	log_error("QEMU did not start the %s VM (see %s)", vm->name, log_path);
	return false;
}

bool vm_is_down(const struct vm *vm)
{
	char path[PATH_MAX];

	/* This run's disk stays when its QEMU is gone. */
	return access(vm_path(vm, ".qcow2", path, sizeof(path)), F_OK) == 0 && !vm_pid(vm);
}

char *vm_run_state(const struct vm *vm)
{
	struct qmp q;
	json_t *r;
	char *state = NULL;

	if (!vm_qmp_open(vm, &q))
		return NULL;
	r = qmp_execute(&q, "query-status", NULL);
	if (json_is_string(json_object_get(r, "status")))
		state = xstrdup(json_string_value(json_object_get(r, "status")));
	json_decref(r);
	qmp_close(&q);
	return state;
}

pid_t vm_pid(const struct vm *vm)
{
	return proc_find(vm->name);
}

bool vm_kill(const struct vm *vm)
{
	return proc_kill(vm->name, 10);
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
	if (proc_wait_gone(pid, timeout_s))
		return true;
	log_warning("the %s VM did not power off within %d s: killing it", vm->name, timeout_s);
	return vm_kill(vm);
}
