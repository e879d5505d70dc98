/*
 * accel.c — KVM or TCG.
 *
 * /dev/kvm existing is not enough: on a nested, paravirtualised host the
 * device opens and VMs can be created, yet a guest kernel hangs.  KVM is
 * used only when the CPU advertises hardware virtualisation (vmx or svm)
 * and /dev/kvm answers the API-version and create-VM ioctls.
 */
#define _GNU_SOURCE
#include "accel.h"

#include "log.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

static bool cpu_has_virtualisation(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (strncmp(line, "flags", 5) == 0)
			found = strstr(line, " vmx") || strstr(line, " svm");
	fclose(f);
	return found;
}

/* NULL when KVM works, else why not. */
static const char *kvm_problem(void)
{
	int fd, vm;

	if (!cpu_has_virtualisation())
		return "the CPU advertises no vmx/svm (nested or paravirtualised host)";
	fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return "/dev/kvm cannot be opened";
	if (ioctl(fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		close(fd);
		return "/dev/kvm speaks an unexpected API version";
	}
	vm = ioctl(fd, KVM_CREATE_VM, 0);
	close(fd);
	if (vm < 0)
		return "/dev/kvm refuses to create a VM";
	close(vm);
	return NULL;
}

bool accel_use_kvm(void)
{
	static int decided = -1;
	const char *forced = getenv("REPLAB_ACCEL");
	const char *why;

	if (decided >= 0)
		return decided;
	if (forced && *forced) {
		if (strcmp(forced, "kvm") != 0 && strcmp(forced, "tcg") != 0)
			fatal("REPLAB_ACCEL must be \"kvm\" or \"tcg\", not \"%s\"", forced);
		decided = strcmp(forced, "kvm") == 0;
		return decided;
	}
	why = kvm_problem();
	decided = why == NULL;
	if (why)
		log_info("KVM is not usable here (%s): using TCG software emulation, which is "
			 "slower; REPLAB_ACCEL=kvm forces KVM",
			 why);
	return decided;
}

void accel_setup_libguestfs(void)
{
	if (accel_use_kvm())
		return;
	setenv("LIBGUESTFS_BACKEND", "direct", 0);
	setenv("LIBGUESTFS_BACKEND_SETTINGS", "force_tcg", 0);
}
