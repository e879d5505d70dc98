/*
 * snapshot.c — saving and restoring the running lab with QMP (see snapshot.h).
 */
#define _GNU_SOURCE
#include "snapshot.h"

#include "child.h"
#include "faults.h"
#include "guestclock.h"
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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHECK_TABLE "replab_restore_check"
#define VMS_MAX	    3

static bool timeouts_off(void);

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
	return timeouts_off();
}

/* ---- after the QEMUs run: one SSH session per guest ------------------------ */

/*
 * A restored guest resumes at its saved instant, its wall clock behind the
 * host's.  Stepping it forward past wal_receiver_timeout/wal_sender_timeout
 * would end the replication connection (they compare wall times), and
 * reconnecting takes seconds under TCG: so the lab is saved with both
 * timeouts off, and each guest gets them back only once every clock is set
 * and replication traffic has crossed since: the row the primary writes has
 * reached the guest and every standby it sends to.  Each guest does all
 * that in one SSH session (one handshake) and one psql.
 */
#define TIMEOUTS_OFF                                      \
	" -c \"ALTER SYSTEM SET wal_sender_timeout = 0\"" \
	" -c \"ALTER SYSTEM SET wal_receiver_timeout = 0\""
#define RELOAD " -c \"SELECT pg_reload_conf()\" >/dev/null"

/*
 * The session: "ready", the host's time read and set, "set"; once the host
 * says "go" (every clock is set), psql runs the statements given as $0...
 */
#define GUEST_SCRIPT                                                     \
	GUESTCLOCK_STEP " && read go && " NODE_PSQL                      \
			" -XAtq -v ON_ERROR_STOP=1 -c \"$0\" -c \"$1\" " \
			"-c \"$2\" -c \"$3\" -c \"$4\" -c \"$5\" >/dev/null"

/* ... until every standby this server sends to has replayed what it has. */
#define DOWNSTREAM_REPLAYED                                                           \
	"DO $$DECLARE lsn pg_lsn := CASE WHEN pg_is_in_recovery() "                   \
	"THEN pg_last_wal_replay_lsn() ELSE pg_current_wal_lsn() END; "               \
	"BEGIN WHILE EXISTS (SELECT FROM pg_stat_replication "                        \
	"WHERE replay_lsn IS NULL OR replay_lsn < lsn) LOOP PERFORM pg_sleep(0.02); " \
	"END LOOP; END$$"

/* The lines the guest's session prints, each answered by the host. */
static const char *const guest_steps[] = { "ready", "set" };
#define GUEST_STEPS 2

struct guest_job {
	struct guest_session s;
	int step; /* the steps it has passed */
};

/* VM i's part of the check: the primary writes the row, a standby waits until it has it. */
static char *guest_check(int i, const char *token)
{
	char *s;
	int n = i == 0 ? asprintf(&s, "INSERT INTO " CHECK_TABLE " (token) VALUES ('%s')", token)
		       : asprintf(&s,
				  "DO $$BEGIN WHILE NOT EXISTS (SELECT FROM " CHECK_TABLE
				  " WHERE token = '%s') LOOP PERFORM pg_sleep(0.02); END LOOP; "
				  "END$$",
				  token);

	if (n < 0)
		fatal("out of memory");
	return s;
}

/* Start the session in vm over SSH (the six statements its psql runs). */
static bool guest_job_start(struct guest_job *j, const struct vm *vm, char *const statements[])
{
	char *cmd[] = { "sh",	       "-c",	      GUEST_SCRIPT,  statements[0], statements[1],
			statements[2], statements[3], statements[4], statements[5], NULL };

	j->step = 0;
	return guest_session_start(&j->s, vm, cmd);
}

/* Wait for j's next line, then answer it: the host's time after "ready", else "go". */
static bool guest_job_step(struct guest_job *j, double deadline)
{
	if (!guest_session_expect(&j->s, guest_steps[j->step], deadline))
		return false;
	if (!(j->step == 0 ? guestclock_answer(&j->s, 0) : guest_session_write(&j->s, "go\n")))
		return false;
	j->step++;
	return true;
}

/* Close j's session and wait for it. */
static bool guest_job_finish(struct guest_job *j, bool ok)
{
	const struct vm *vm = j->s.vm;

	if (guest_session_finish(&j->s, ok))
		return true;
	if (j->step < GUEST_STEPS)
		log_error("the %s VM did not say \"%s\" (see %s/replab.log)", vm->name,
			  guest_steps[j->step], lab_state_dir());
	else
		log_error("the %s VM could not check the row written on the primary, or "
			  "have its replication timeouts back (see %s/replab.log)",
			  vm->name, lab_state_dir());
	return false;
}

/* Every job through step, each by deadline; false when one is not. */
static bool guest_jobs_step(struct guest_job jobs[], bool ok[], double deadline)
{
	bool all = true;

	for (int i = 0; i < lab_nvms; i++)
		all = (ok[i] = ok[i] && guest_job_step(&jobs[i], deadline)) && all;
	return all;
}

static void print_step(double start_ms, const char *what)
{
	printf("[%6.1f s] %s\n", (clock_now_ms() - start_ms) / 1000, what);
	fflush(stdout);
}

/* Start every VM's session (see GUEST_SCRIPT): false when one could not be. */
static bool guest_jobs_start(struct guest_job jobs[], bool ok[], int timeout_s)
{
	char token[17], limit[64];
	bool all = true;

	/* Letters, digits, '.' and '_' only: nothing to quote in SQL. */
	if (!secrets_password(token, sizeof(token)))
		return false;
	xsnprintf(limit, sizeof(limit), "SET statement_timeout = '%ds'", timeout_s);
	for (int i = 0; i < lab_nvms; i++) {
		char *check = guest_check(i, token);
		char *statements[] = { limit,
				       check,
				       DOWNSTREAM_REPLAYED,
				       "ALTER SYSTEM RESET wal_sender_timeout",
				       "ALTER SYSTEM RESET wal_receiver_timeout",
				       "SELECT pg_reload_conf()" };

		all = (ok[i] = guest_job_start(&jobs[i], &lab_vms[i], statements)) && all;
		free(check);
	}
	return all;
}

bool snapshot_resume(int timeout_s, double start_ms)
{
	struct guest_job jobs[VMS_MAX];
	bool ok[VMS_MAX], all;
	double now = clock_now_ms();

	all = guest_jobs_start(jobs, ok, timeout_s) && guest_jobs_step(jobs, ok, now + 30000) &&
	      guest_jobs_step(jobs, ok, now + 40000);
	if (all && start_ms >= 0)
		print_step(start_ms, "guest clocks set from the host's");
	for (int i = 0; i < lab_nvms; i++)
		all = guest_job_finish(&jobs[i], ok[i]) && all;
	if (all && start_ms >= 0)
		print_step(start_ms, lab_nvms > 2
					     ? "a row written on the primary read back on the "
					       "replica and replica2, replication timeouts back"
					     : "a row written on the primary read back on the "
					       "replica, replication timeouts back");
	return all;
}

/* Before the save: the replication timeouts off on every VM (see above). */
static bool timeouts_off(void)
{
	char *cmd[] = { "sh", "-c", NODE_PSQL " -XAtq -v ON_ERROR_STOP=1" TIMEOUTS_OFF RELOAD,
			NULL };
	char log_path[PATH_MAX];
	pid_t pids[VMS_MAX];
	bool ok = true;

	lab_state_path("sql.log", log_path, sizeof(log_path));
	for (int i = 0; i < lab_nvms; i++)
		pids[i] = ssh_start(&lab_vms[i], cmd, false, log_path, -1, -1);
	for (int i = 0; i < lab_nvms; i++)
		if (pids[i] < 0 || child_wait(pids[i]) != 0) {
			log_error("could not turn the %s VM's replication timeouts off (see %s)",
				  lab_vms[i].name, log_path);
			ok = false;
		}
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
		/* The timeouts are off (snapshot_prepare_check): back on once the row crossed. */
		if (!snapshot_resume(30, -1))
			log_warning("the guests' replication timeouts may be off (replab status)");
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
	/* The guests lost the time the save took; their replication timeouts are off. */
	if (!snapshot_resume(30, -1))
		log_warning("the guests' clocks may be behind by the time the save took, their "
			    "replication timeouts off (replab status)");
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
	return !interrupted() && snapshot_resume(30, start_ms) && !interrupted();
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
