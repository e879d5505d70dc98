/*
 * ready.c — the lab's boot milestones, read from the serial logs.
 */
#define _GNU_SOURCE
#include "ready.h"

#include "clock.h"
#include "lab.h"
#include "interrupt.h"
#include "log.h"
#include "strutil.h"
#include "vm.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What each VM of a role prints on its console, in order; "*": every VM. */
static const struct milestone {
	const char *role;
	const char *marker; /* a line on the VM's console */
	const char *name;   /* printed after the VM's name */
} milestones[] = {
	{ "*", "Linux version", "kernel booting" },
	{ "*", "running 'init", "cloud-init applying the seed" },
	{ "primary", "replab-ready: postgres role=primary", "accepting connections" },
	{ "replica", "replica-bootstrap: copying the primary", "base backup from the primary" },
	{ "replica", "replab-ready: postgres role=replica", "hot standby accepting reads" },
	{ "replica", "replab-ready: streaming role=replica", "streaming WAL from its upstream" },
};
#define N_MILESTONES (sizeof(milestones) / sizeof(milestones[0]))

static bool applies(const struct milestone *m, const struct vm *vm)
{
	return strcmp(m->role, "*") == 0 || strcmp(m->role, vm->role) == 0;
}

/* A VM's last milestone: once it is reached, the earlier ones no longer matter. */
static size_t final_milestone(const struct vm *vm)
{
	size_t last = 0;

	for (size_t i = 0; i < N_MILESTONES; i++)
		if (applies(&milestones[i], vm))
			last = i;
	return last;
}

static char *read_log(const char *vm_name)
{
	char path[PATH_MAX];
	char *text = NULL;
	size_t cap = 0;
	FILE *f;

	xsnprintf(path, sizeof(path), "%s/%s.serial.log", lab_state_dir(), vm_name);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	if (getdelim(&text, &cap, '\0', f) < 0) {
		free(text);
		text = NULL;
	}
	fclose(f);
	return text;
}

static void print_tail(const char *vm_name)
{
	char *text = read_log(vm_name);
	const char *p;
	int lines = 0;

	fprintf(stderr, "--- the end of the %s VM's serial log (%s/%s.serial.log):\n", vm_name, lab_state_dir(),
		vm_name);
	if (!text)
		return;
	p = text + strlen(text);
	while (p > text && lines <= 25)
		if (*--p == '\n')
			lines++;
	fputs(p == text ? p : p + 1, stderr);
	fputs("---\n", stderr);
	free(text);
}

bool ready_wait(double start_ms, int timeout_s, json_t *timings)
{
	bool reached[3][N_MILESTONES] = { { false } };
	int done = 0;
	double next_note = start_ms + 30000;

	for (;;) {
		double now = clock_now_ms(), t = (now - start_ms) / 1000;
		const char *behind = NULL;

		for (int v = 0; v < lab_nvms; v++) {
			char *log = read_log(lab_vms[v].name);

			for (size_t i = 0; i < N_MILESTONES; i++) {
				char name[96];

				if (reached[v][i] || !applies(&milestones[i], &lab_vms[v]))
					continue;
				if (log && strstr(log, milestones[i].marker)) {
					reached[v][i] = true;
					done += i == final_milestone(&lab_vms[v]);
					xsnprintf(name, sizeof(name), "%s: %s", lab_vms[v].name, milestones[i].name);
					printf("[%6.1f s] %s\n", t, name);
					fflush(stdout);
					json_object_set_new(timings, name, json_real(t));
				} else if (!behind)
					behind = lab_vms[v].name;
			}
			if (log && strstr(log, "replab-ready: failed")) {
				log_error("a lab service failed in the %s VM", lab_vms[v].name);
				print_tail(lab_vms[v].name);
				free(log);
				return false;
			}
			free(log);
			if (!vm_pid(&lab_vms[v])) {
				log_error("the %s VM's QEMU process has exited", lab_vms[v].name);
				print_tail(lab_vms[v].name);
				return false;
			}
		}
		if (done == lab_nvms)
			return true;
		if (interrupted())
			return false;
		if (now - start_ms > timeout_s * 1000.0) {
			log_error("the lab was not up after %d s", timeout_s);
			print_tail(behind ? behind : lab_vms[0].name);
			return false;
		}
		if (now > next_note) {
			printf("[%6.1f s] ... still waiting (%s is next)\n", t,
			       behind ? behind : "the last milestone");
			fflush(stdout);
			next_note += 30000;
		}
		clock_sleep_ms(100);
	}
}
