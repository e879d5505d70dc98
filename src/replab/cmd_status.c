/*
 * cmd_status.c — "replab status": the VMs (QEMU process, QMP run state,
 * addresses), the saved lab, and replication as pgrepl sees it from
 * inside the lab.
 */
#define _GNU_SOURCE
#include "commands.h"
#include "lab/disks.h"
#include "lab/faults.h"
#include "lab/lab.h"
#include "log.h"
#include "lab/node.h"
#include "lab/qmp.h"
#include "lab/saved.h"
#include "lab/ssh.h"
#include "lab/status_view.h"
#include "lab/vmfaults.h"
#include "strutil.h"
#include "lab/vm.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* pgrepl status --json in a VM (replica: another replica's conninfo, or NULL). */
static json_t *pgrepl_status(const struct vm *from, const char *replica)
{
	char *cmd[] = { "pgrepl",	  "status", "--json", replica ? "--replica" : NULL,
			(char *) replica, NULL };
	char err[PATH_MAX];
	json_t *doc;
	int efd;

	efd = open(lab_state_path("status.log", err, sizeof(err)),
		   O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (efd < 0) {
		log_error("could not write %s: %s", err, strerror(errno));
		return NULL;
	}
	doc = node_run_json(from, cmd, efd);
	close(efd);
	if (!doc)
		printf("  unknown: pgrepl status gave no answer (see %s)\n", err);
	else if (!json_is_object(doc)) {
		printf("  unknown: pgrepl status did not answer with a JSON object (see %s)\n",
		       err);
		json_decref(doc);
		doc = NULL;
	}
	return doc;
}

/* Replication as pgrepl sees it from inside a running VM. */
static void print_replication(void)
{
	const struct vm *from = NULL;
	char replica2[128];
	json_t *doc;

	for (int i = lab_nvms - 1; i >= 0 && !from; i--)
		if (vm_pid(&lab_vms[i]))
			from = &lab_vms[i];
	if (!from)
		return;
	printf("replication (pgrepl status, run in the %s VM):\n", from->name);
	if ((doc = pgrepl_status(from, NULL))) {
		status_print_server(stdout, "primary", json_object_get(doc, "primary"));
		status_print_server(stdout, "replica", json_object_get(doc, "replica"));
		json_decref(doc);
	}
	xsnprintf(replica2, sizeof(replica2),
		  "host=%s user=lab dbname=lab passfile=/etc/replab/lab.pgpass", lab_vms[2].addr);
	if (lab_nvms > 2 && (doc = pgrepl_status(from, replica2))) {
		status_print_server(stdout, "replica2", json_object_get(doc, "replica"));
		json_decref(doc);
	}
}

static void print_faults(void)
{
	json_t *doc = faults_list();

	status_print_faults(stdout, doc);
	json_decref(doc);
	doc = disks_list();
	status_print_disks(stdout, doc);
	json_decref(doc);
	doc = vmfaults_list();
	status_print_vm_faults(stdout, doc);
	json_decref(doc);
}

const char cmd_status_help[] = "Usage: replab status\n"
			       "\n"
			       "The lab's VMs and their replication state.\n";

int cmd_status(const struct verb_args *a)
{
	if (a->argc != 1)
		return usage_error("status", "\"status\" takes no arguments");
	if (!lab_is_up()) {
		printf("no lab is running (replab up starts one)\n");
		saved_print_status();
		return EXIT_OK;
	}
	printf("%-8s %-10s %-10s %-12s %s\n", "VM", "QEMU PID", "state", "data addr",
	       "management (SSH, in the lab namespace)");
	for (int i = 0; i < lab_nvms; i++) {
		const struct vm *vm = &lab_vms[i];
		pid_t pid = vm_pid(vm);
		char *state = pid ? vm_run_state(vm) : NULL;
		char pidtext[16];

		xsnprintf(pidtext, sizeof(pidtext), "%d", (int) pid);
		printf("%-8s %-10s %-10s %-12s 127.0.0.1:%d\n", vm->name, pid ? pidtext : "-",
		       pid		? (state ? state : "?")
		       : vm_is_down(vm) ? "down"
					: "-",
		       vm->addr, vm->ssh_port);
		free(state);
	}
	saved_print_status();
	print_faults();
	print_replication();
	return EXIT_OK;
}
