/*
 * snapshot.c — saving and restoring the running lab with QMP (see snapshot.h).
 */
#define _GNU_SOURCE
#include "snapshot.h"

#include "child.h"
#include "faults.h"
#include "clock.h"
#include "interrupt.h"
#include "jsonfile.h"
#include "lab.h"
#include "lifecycle.h"
#include "log.h"
#include "node.h"
#include "qmp.h"
#include "ready.h"
#include "saved.h"
#include "secrets.h"
#include "sqlrows.h"
#include "ssh.h"
#include "strutil.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHECK_TABLE "replab_restore_check"
#define VMS_MAX	    3

/* ---- the row that proves replication works ------------------------------- */

bool snapshot_prepare_check(void)
{
	double deadline = clock_now_ms() + 60000;

	if (!node_execf(&lab_vms[0],
			"CREATE TABLE IF NOT EXISTS " CHECK_TABLE
			" (token text PRIMARY KEY, at timestamptz NOT NULL DEFAULT now())"))
		return false;
	for (int i = 1; i < lab_nvms; i++) {
		bool there = false;

		while (!there && !interrupted() && clock_now_ms() < deadline) {
			json_t *rows = node_queryf(&lab_vms[i], "look for the check table", 1, 1,
						   "SELECT to_regclass('public." CHECK_TABLE
						   "') IS NOT NULL AS there");

			if (!rows || !sql_bool(sql_row(rows, 0), "there", &there))
				there = false;
			json_decref(rows);
			if (!there)
				clock_sleep_ms(200);
		}
		if (!there) {
			log_error("the %s VM did not replicate the table " CHECK_TABLE,
				  lab_vms[i].name);
			return false;
		}
	}
	return true;
}

bool snapshot_check_row(int timeout_s)
{
	double deadline = clock_now_ms() + timeout_s * 1000.0;
	char token[17];

	/* Letters, digits, '.' and '_' only: nothing to quote in SQL. */
	if (!secrets_password(token, sizeof(token)) ||
	    !node_execf(&lab_vms[0], "INSERT INTO " CHECK_TABLE " (token) VALUES ('%s')", token))
		return false;
	for (int i = 1; i < lab_nvms; i++) {
		long long n = 0;

		while (n != 1 && !interrupted() && clock_now_ms() < deadline) {
			json_t *rows = node_queryf(&lab_vms[i], "read the check row back", 1, 1,
						   "SELECT count(*) AS n FROM " CHECK_TABLE
						   " WHERE token = '%s'",
						   token);

			if (!rows || !sql_int(sql_row(rows, 0), "n", &n))
				n = 0;
			json_decref(rows);
			if (n != 1)
				clock_sleep_ms(100);
		}
		if (n != 1) {
			log_error(
				"the %s VM did not get the row written on the primary within %d s",
				lab_vms[i].name, timeout_s);
			return false;
		}
	}
	return true;
}

/* ---- guest clocks ---------------------------------------------------------- */

struct clock_job {
	pid_t pid;
	int in, out; /* its stdin (ours to write), its stdout (ours to read) */
};

/*
 * Start "sh -c 'echo ready; read t; date -s @t'" in vm over SSH, its stdin
 * and stdout pipes of ours.  Children inherit our stdin, so the pipe is
 * put there for the moment of the start.
 */
static bool clock_job_start(const struct vm *vm, struct clock_job *j)
{
	char *cmd[] = { "sh", "-c", "echo ready; read t && date -u -s \"@$t\" >/dev/null", NULL };
	char log_path[PATH_MAX];
	int in[2], out[2], saved_stdin;

	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	saved_stdin = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 0);
	if (dup2(in[0], STDIN_FILENO) != STDIN_FILENO)
		fatal("could not redirect stdin: %s", strerror(errno));
	j->pid = ssh_start(vm, cmd, false, lab_state_path("replab.log", log_path, sizeof(log_path)),
			   out[1], -1);
	if (saved_stdin >= 0) {
		dup2(saved_stdin, STDIN_FILENO);
		close(saved_stdin);
	} else
		close(STDIN_FILENO);
	close(in[0]);
	close(out[1]);
	j->in = in[1];
	j->out = out[0];
	return j->pid > 0;
}

/* Wait for "ready", then write the host's time at once: the guest reads it a pipe hop later. */
static bool clock_job_finish(const struct vm *vm, struct clock_job *j)
{
	struct pollfd p = { .fd = j->out, .events = POLLIN };
	char buf[16] = { 0 }, now[48];
	struct timespec ts;
	ssize_t n = -1;
	bool ok;

	if (j->pid > 0 && poll(&p, 1, 30000) == 1)
		n = read(j->out, buf, sizeof(buf) - 1);
	ok = n > 0 && strncmp(buf, "ready", 5) == 0;
	if (ok) {
		clock_gettime(CLOCK_REALTIME, &ts);
		xsnprintf(now, sizeof(now), "%lld.%09ld\n", (long long) ts.tv_sec, ts.tv_nsec);
		ok = write(j->in, now, strlen(now)) == (ssize_t) strlen(now);
	}
	close(j->in);
	close(j->out);
	if (j->pid > 0 && child_wait(j->pid) != 0)
		ok = false;
	if (!ok)
		log_error("could not set the %s VM's clock (see %s/replab.log)", vm->name,
			  lab_state_dir());
	return ok;
}

bool snapshot_set_clocks(void)
{
	struct clock_job jobs[VMS_MAX];
	bool ok = true;

	for (int i = 0; i < lab_nvms; i++)
		clock_job_start(&lab_vms[i], &jobs[i]);
	for (int i = 0; i < lab_nvms; i++)
		ok = clock_job_finish(&lab_vms[i], &jobs[i]) && ok;
	return ok;
}

/* ---- QMP on every VM at once ------------------------------------------- */

static bool open_all(struct qmp q[])
{
	for (int i = 0; i < lab_nvms; i++)
		if (!vm_qmp_open(&lab_vms[i], &q[i])) {
			while (i-- > 0)
				qmp_close(&q[i]);
			return false;
		}
	return true;
}

static void close_all(struct qmp q[])
{
	for (int i = 0; i < lab_nvms; i++)
		qmp_close(&q[i]);
}

static bool execute(struct qmp *q, const char *command, json_t *args)
{
	json_t *r = qmp_execute(q, command, args);

	json_decref(r);
	return r != NULL;
}

/* Every VM runs again, back to back. */
static bool cont_all(struct qmp q[])
{
	bool ok = true;

	for (int i = 0; i < lab_nvms; i++)
		ok = execute(&q[i], "cont", NULL) && ok;
	return ok;
}

/* Until the outgoing migration is over: true when it completed. */
static bool migration_done(struct qmp *q, const struct vm *vm)
{
	double deadline = clock_now_ms() + 300000;

	while (!interrupted() && clock_now_ms() < deadline) {
		json_t *r = qmp_execute(q, "query-migrate", NULL);
		const char *status = jfield_string(r, "status");
		bool completed = status && strcmp(status, "completed") == 0;
		bool over = completed || (status && (strcmp(status, "failed") == 0 ||
						     strcmp(status, "cancelled") == 0));
		char *why = NULL;

		if (over && !completed) {
			const char *desc = jfield_string(r, "error-desc");

			why = desc ? str_sanitize_terminal(desc, strlen(desc), false) : NULL;
			log_error("could not save the %s VM's state: the migration %s%s%s",
				  vm->name, status, why ? ": " : "", why ? why : "");
			free(why);
		}
		json_decref(r);
		if (!r)
			return false;
		if (over)
			return completed;
		clock_sleep_ms(20);
	}
	log_error("could not save the %s VM's state: %s", vm->name,
		  interrupted() ? "interrupted" : "the migration did not end");
	return false;
}

/* Stream vm's state into SAVED/lab.tmp/NAME.ram. */
static bool migrate_out(struct qmp *q, const struct vm *vm)
{
	char file[64];
	int fd;
	bool ok;

	xsnprintf(file, sizeof(file), "%s.ram", vm->name);
	/* 7.2 limits a migration to 128 MiB/s even with the VM stopped: 0 is no limit. */
	if (!execute(q, "migrate-set-parameters", json_pack("{s:i}", "max-bandwidth", 0)))
		return false;
	if ((fd = saved_create(file)) < 0)
		return false;
	ok = qmp_getfd(q, "replab-save", fd);
	close(fd);
	return ok && execute(q, "migrate", json_pack("{s:s}", "uri", "fd:replab-save"));
}

static void abort_save(void *arg)
{
	(void) arg;
	saved_abort();
}

bool snapshot_save(const struct vm_config *c)
{
	static const char *const postmigrate[] = { "postmigrate", NULL };
	double start = clock_now_ms();
	json_t *key = saved_key(c);
	struct qmp q[VMS_MAX];
	bool ok, opened;
	int undo;

	if (!key || !saved_begin()) {
		json_decref(key);
		log_warning("the lab was not saved: the next replab up boots from power-on");
		return false;
	}
	undo = lab_cleanup_push("remove the unfinished saved lab", abort_save, NULL);
	ok = opened = open_all(q);
	/* All stopped before any is saved: one instant for the whole lab. */
	for (int i = 0; ok && i < lab_nvms; i++)
		ok = execute(&q[i], "stop", NULL);
	for (int i = 0; ok && i < lab_nvms; i++)
		ok = migrate_out(&q[i], &lab_vms[i]);
	for (int i = 0; ok && i < lab_nvms; i++)
		ok = migration_done(&q[i], &lab_vms[i]) &&
		     qmp_wait_status(&q[i], postmigrate, 10000);
	/* The disks cannot change now: stopped, flushed, and handed over. */
	ok = ok && saved_add_files() && saved_commit(key);
	/* Every VM, whatever step failed: "cont" on one that runs is harmless. */
	if (opened && !cont_all(q))
		log_warning("a VM of the lab did not run on after the save (replab status)");
	if (opened)
		close_all(q);
	lab_cleanup_pop(undo);
	if (!ok) {
		saved_abort();
		log_warning("the lab was not saved: the next replab up boots from power-on");
	}
	json_decref(key);
	if (ok) {
		char size[32];

		saved_size_text(saved_bytes(), size, sizeof(size));
		printf("saved the lab in %s (%s, %.1f s): the next replab up restores it\n",
		       lab_saved_dir(), size, (clock_now_ms() - start) / 1000);
	}
	/* The guests lost the time the save took. */
	if (opened && !snapshot_set_clocks())
		log_warning("the guests' clocks may be behind by the time the save took");
	return ok;
}

/* ---- restoring ---------------------------------------------------------- */

/* Hand vm its saved state. */
static bool migrate_in(struct qmp *q, const struct vm *vm)
{
	char file[64], path[PATH_MAX];
	int fd;
	bool ok;

	xsnprintf(file, sizeof(file), "%s.ram", vm->name);
	fd = open(saved_path(false, file, path, sizeof(path)), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		log_error("could not open %s: %s", path, strerror(errno));
		return false;
	}
	ok = qmp_getfd(q, "replab-restore", fd);
	close(fd);
	return ok && execute(q, "migrate-incoming", json_pack("{s:s}", "uri", "fd:replab-restore"));
}

/* What QEMU said last, when loading failed. */
static void show_qemu_log(const struct vm *vm)
{
	char path[PATH_MAX];
	char *tail = serial_tail(vm_path(vm, ".qemu.log", path, sizeof(path)), 3, 4096);

	if (tail && *tail)
		log_detail("the %s VM's QEMU said: %s", vm->name, tail);
	free(tail);
}

bool snapshot_restore(const struct vm_config *c0, double start_ms, bool *loaded)
{
	static const char *const paused[] = { "paused", NULL };
	struct vm_config c = *c0;
	char from[PATH_MAX];
	struct qmp q[VMS_MAX];
	bool ok;

	*loaded = false;
	c.incoming = true;
	c.disks_from = saved_path(false, NULL, from, sizeof(from));
	ok = saved_install() && ssh_write_known_hosts();
	for (int i = 0; ok && i < lab_nvms; i++)
		ok = vm_start(&lab_vms[i], &c, true) && !interrupted();
	if (!ok || !open_all(q))
		return false;
	for (int i = 0; ok && i < lab_nvms; i++)
		ok = migrate_in(&q[i], &lab_vms[i]);
	for (int i = 0; ok && i < lab_nvms; i++)
		if (!(ok = qmp_wait_status(&q[i], paused, 60000)) && !interrupted())
			show_qemu_log(&lab_vms[i]);
	*loaded = ok;
	/* Together, so that no guest talks to one that is not there yet. */
	ok = ok && !interrupted() && cont_all(q);
	close_all(q);
	if (!ok)
		return false;
	printf("[%6.1f s] VMs restored from their saved state (%s, %d MiB, %d vCPUs each)\n",
	       (clock_now_ms() - start_ms) / 1000, c.kvm ? "KVM" : "TCG", c.memory_mb, c.cpus);
	fflush(stdout);
	/* Ctrl-C is looked for between the steps: each is short, none is left half done. */
	if (interrupted() || !snapshot_set_clocks() || interrupted())
		return false;
	printf("[%6.1f s] guest clocks set from the host's\n", (clock_now_ms() - start_ms) / 1000);
	fflush(stdout);
	if (!snapshot_check_row(30) || interrupted())
		return false;
	printf("[%6.1f s] a row written on the primary read back on %s\n",
	       (clock_now_ms() - start_ms) / 1000,
	       lab_nvms > 2 ? "the replica and replica2" : "the replica");
	return true;
}

/* ---- reset ----------------------------------------------------------------- */

/* The saved lab's manifest when it fits the running lab's settings c, else NULL (why set). */
static json_t *saved_for(const struct vm_config *c, char **why)
{
	char path[PATH_MAX];
	json_t *key, *manifest = NULL;

	*why = NULL;
	/* A test tier's members (STATE/nodes) are no VMs: nothing to restore. */
	if (access(lab_state_path("nodes", path, sizeof(path)), F_OK) == 0) {
		*why = xstrdup("the lab's members are not VMs");
		return NULL;
	}
	key = saved_key(c);
	if (key && saved_find(key, why, &manifest) == SAVED_NONE)
		*why = xstrdup("there is none");
	json_decref(key);
	if (!manifest && !*why)
		*why = xstrdup("its key could not be made");
	return manifest;
}

bool snapshot_can_reset(char **why)
{
	struct vm_config c;
	char *reason = NULL;
	json_t *manifest = vm_config_load(&c) ? saved_for(&c, &reason) : NULL;

	json_decref(manifest);
	if (why)
		*why = manifest ? NULL
		       : reason ? reason
				: xstrdup("the lab's settings are unknown");
	else
		free(reason);
	return manifest != NULL;
}

/* An interrupted reset leaves no half-restored VM: the lab is then down but for its namespace. */
static void undo_reset(void *arg)
{
	(void) arg;
	for (int i = 0; i < lab_nvms; i++)
		vm_kill(&lab_vms[i]);
}

bool snapshot_reset(void)
{
	double start = clock_now_ms();
	struct vm_config c;
	json_t *manifest;
	char *why = NULL;
	bool ok = true, loaded;
	int undo;

	if (!vm_config_load(&c))
		return false;
	if (!(manifest = saved_for(&c, &why))) {
		log_error("no saved lab to reset this lab to in %s", lab_saved_dir());
		log_detail("%s", why);
		log_hint("replab up saves the lab once it streams (replab down, then replab up)");
		free(why);
		return false;
	}
	printf("resetting the lab to the state saved in %s (saved %s)\n", lab_saved_dir(),
	       saved_when(manifest));
	fflush(stdout);
	json_decref(manifest);
	/* Their state is thrown away: no need to power them off cleanly. */
	for (int i = 0; i < lab_nvms; i++)
		ok = vm_kill(&lab_vms[i]) && ok;
	ok = ok && faults_clear_all();
	if (ok)
		printf("[%6.1f s] old VMs stopped, faults removed from the taps\n",
		       (clock_now_ms() - start) / 1000);
	undo = lab_cleanup_push("stop the VMs being restored (replab down, then replab up)",
				undo_reset, NULL);
	ok = ok && snapshot_restore(&c, start, &loaded);
	if (ok || !interrupt_signal())
		lab_cleanup_pop(undo);
	if (ok)
		printf("lab reset in %.1f s\n", (clock_now_ms() - start) / 1000);
	else if (!interrupt_signal())
		log_error("could not reset the lab");
	return ok;
}
