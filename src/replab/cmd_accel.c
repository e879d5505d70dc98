/*
 * cmd_accel.c — "replab accel": the accelerator replab would boot the VMs
 * with, "kvm" or "tcg", on stdout; with TCG, why on stderr.  The
 * Vagrantfile asks it, so that its libvirt domains fall back to plain QEMU
 * exactly when "replab up" does.
 */
#include "lab/accel.h"
#include "commands.h"
#include "log.h"

#include <stdio.h>
#include <string.h>

const char cmd_accel_help[] =
	"Usage: replab accel\n"
	"\n"
	"Prints \"kvm\" when KVM really works here (the CPU shows vmx or svm and\n"
	"/dev/kvm creates a VM), else \"tcg\" (software emulation) and, on stderr,\n"
	"why.  REPLAB_ACCEL=kvm|tcg overrides the choice.\n";

int cmd_accel(const struct verb_args *a)
{
	if (a->argc != 1)
		return usage_error("accel", "\"accel\" takes no arguments");
	printf("%s\n", accel_use_kvm() ? "kvm" : "tcg");
	return EXIT_OK;
}
