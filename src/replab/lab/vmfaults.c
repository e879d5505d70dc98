/*
 * vmfaults.c — a VM's link state and clock as faults (see vmfaults.h).
 */
#define _GNU_SOURCE
#include "vmfaults.h"

#include "clock.h"
#include "guestclock.h"
#include "guest_session.h"
#include "log.h"
#include "qmp.h"
#include "ssh.h"
#include "strutil.h"
#include "vm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vmfaults_link(const struct vm *vm, bool up)
{
	struct qmp q;
	json_t *r;

	if (!vm_qmp_open(vm, &q))
		return false;
	/* On the netdev: QEMU passes the state on to the NIC it is the backend of. */
	r = qmp_execute(&q, "set_link", json_pack("{s:s, s:b}", "name", "data", "up", up));
	qmp_close(&q);
	json_decref(r);
	return r != NULL;
}

bool vmfaults_wal_disk(const struct vm *vm, bool failing)
{
	char *cmd[] = { WAL_DISK_SCRIPT, failing ? "fail" : "heal", NULL };
	char log_path[PATH_MAX];

	if (ssh_run(vm, cmd, false, lab_state_path("replab.log", log_path, sizeof(log_path))) == 0)
		return true;
	log_error("could not %s the %s VM's WAL disk (see %s)", failing ? "fail" : "heal", vm->name,
		  log_path);
	return false;
}

/*
 * The guest's clock, then its data NIC's carrier and carrier changes, then
 * its clock's rate, then its WAL disk's state.
 */
#define PROBE_SCRIPT                                                               \
	GUESTCLOCK_READ " && cat /sys/class/net/data0/carrier "                    \
			"/sys/class/net/data0/carrier_changes && " GUESTCLOCK_RATE \
			" && " WAL_DISK_SCRIPT " state"

/* vm's faults as its guest tells them, from a session running PROBE_SCRIPT. */
static json_t *probe_read(struct guest_session *s, double deadline)
{
	char carrier[16], changes[32], rate_line[64], wal_disk[16], *end;
	struct guestclock_rate rate;
	double offset;
	long long n;
	bool ok = guestclock_offset(s, deadline, &offset) &&
		  guest_session_read(s, carrier, sizeof(carrier), deadline) &&
		  guest_session_read(s, changes, sizeof(changes), deadline);
	bool rate_ok = ok && guest_session_read(s, rate_line, sizeof(rate_line), deadline) &&
		       guestclock_rate_parse(rate_line, &rate);
	bool wal_ok = rate_ok && guest_session_read(s, wal_disk, sizeof(wal_disk), deadline) &&
		      strspn(wal_disk, "abcdefghijklmnopqrstuvwxyz") == strlen(wal_disk);
	json_t *doc;

	wal_ok = guest_session_finish(s, wal_ok) && wal_ok;
	if (!ok || (strcmp(carrier, "0") != 0 && strcmp(carrier, "1") != 0))
		return json_pack("{s:s}", "unread", "its guest did not answer (see replab.log)");
	n = strtoll(changes, &end, 10);
	doc = json_pack("{s:b, s:I, s:f}", "carrier", carrier[0] == '1', "carrier_changes",
			(json_int_t) (*end || n < 0 ? -1 : n), "clock_offset_s", offset);
	if (rate_ok)
		json_object_update_new(doc, json_pack("{s:f, s:I, s:I}", "clock_drift_ppm",
						      guestclock_rate_ppm(&rate), "clock_tick",
						      (json_int_t) rate.tick, "clock_freq",
						      (json_int_t) rate.freq));
	if (wal_ok)
		json_object_set_new(doc, "wal_disk", json_string(wal_disk));
	return doc;
}

json_t *vmfaults_list(void)
{
	char *cmd[] = { "sh", "-c", PROBE_SCRIPT, NULL };
	struct guest_session *s = calloc((size_t) lab_nvms, sizeof(*s));
	bool *started = calloc((size_t) lab_nvms, sizeof(*started));
	double deadline = clock_now_ms() + 20000;
	json_t *doc = json_object();

	if (!s || !started)
		fatal("out of memory");
	/* Every guest's session at once: one SSH handshake's time for all. */
	for (int i = 0; i < lab_nvms; i++) {
		const struct vm *vm = &lab_vms[i];
		char *state = vm_pid(vm) ? vm_run_state(vm) : NULL;

		started[i] = state && strcmp(state, "running") == 0 &&
			     guest_session_start(&s[i], vm, cmd);
		if (!started[i] && vm_pid(vm))
			json_object_set_new(doc, vm->name,
					    json_pack("{s:s}", "unread",
						      !state ? "no answer on QMP"
						      : strcmp(state, "running") == 0
							      ? "no SSH session"
							      : state));
		free(state);
	}
	for (int i = 0; i < lab_nvms; i++)
		if (started[i])
			json_object_set_new(doc, lab_vms[i].name, probe_read(&s[i], deadline));
	free(s);
	free(started);
	return doc;
}

bool vmfaults_clear_all(void)
{
	bool ok = true;

	for (int i = 0; i < lab_nvms; i++) {
		const struct vm *vm = &lab_vms[i];
		char *state = vm_pid(vm) ? vm_run_state(vm) : NULL;

		if (state) {
			ok = vmfaults_link(vm, true) && ok;
			if (strcmp(state, "running") == 0)
				ok = guestclock_reset(vm) && vmfaults_wal_disk(vm, false) && ok;
			else
				printf("the %s VM is %s: its clock and WAL disk are seen to once "
				       "it "
				       "runs again (replab clock %s --reset, replab disk %s "
				       "--clear)\n",
				       vm->name, state, vm->name, vm->name);
		}
		free(state);
	}
	return ok;
}

/* The durations the VM fault verbs take. */
static const struct str_unit duration_units[] = {
	{ "ms", 1e-3 }, { "s", 1 }, { "min", 60 }, { "h", 3600 }, { "d", 86400 }, { NULL, 0 },
};

double vmfaults_duration_s(const char *text, double max_s)
{
	double s;

	return str_to_scaled(text, duration_units, 0, max_s, &s) ? s : -1;
}

/* A number with a sign ("+", "-" or none for "+") in units, at most max in size. */
static bool signed_scaled(const char *text, const struct str_unit *units, double max, double *out)
{
	double sign = text[0] == '-' ? -1 : 1, v;

	if (!str_to_scaled(text + (text[0] == '-' || text[0] == '+'), units, 0, max, &v))
		return false;
	*out = v == 0 ? 0 : sign * v; /* "-0ppm" is no drift, not a negative one */
	return true;
}

bool vmfaults_offset_s(const char *text, double *offset_s)
{
	return signed_scaled(text, duration_units, GUESTCLOCK_OFFSET_MAX_S, offset_s);
}

bool vmfaults_drift_ppm(const char *text, double *ppm)
{
	static const struct str_unit units[] = { { "%", 1e4 }, { "ppm", 1 }, { NULL, 0 } };

	return signed_scaled(text, units, GUESTCLOCK_DRIFT_MAX_PPM, ppm);
}
