/*
 * cmd_up.c — "replab up": a lab's secrets and seeds, its network
 * namespace, its VMs (a primary and one or two replicas), and the wait
 * until the replicas stream, with each milestone printed as it is reached.
 * Once they stream the whole lab is saved (lab/saved.h); a later "up" of
 * the same images and shape restores it in seconds instead of booting.
 */
#define _GNU_SOURCE
#include "lab/accel.h"
#include "clock.h"
#include "commands.h"
#include "interrupt.h"
#include "lab/jsonfile.h"
#include "lab/lab.h"
#include "lab/lifecycle.h"
#include "log.h"
#include "lab/netns.h"
#include "lab/ready.h"
#include "lab/saved.h"
#include "lab/secrets.h"
#include "lab/seed.h"
#include "lab/snapshot.h"
#include "lab/ssh.h"
#include "strutil.h"
#include "lab/vm.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool images_present(void)
{
	static const char *const files[] = { "vmlinuz",	  "initrd.img",	   "base.qcow2",
					     "wal.qcow2", "primary.qcow2", "replica.qcow2" };
	char path[PATH_MAX];

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		xsnprintf(path, sizeof(path), "%s/%s", lab_images_dir(), files[i]);
		if (access(path, R_OK) != 0) {
			log_error("missing image %s: %s", path, strerror(errno));
			log_hint("build the images first: make lab");
			return false;
		}
	}
	return true;
}

static bool write_json(const char *name, json_t *doc)
{
	char path[PATH_MAX];

	if (json_write_atomic(lab_state_path(name, path, sizeof(path)), doc,
			      JSON_INDENT(2) | JSON_REAL_PRECISION(4)))
		return true;
	log_error("could not write %s: %s", path, strerror(errno));
	return false;
}

void vm_config_for(const struct up_options *u, struct vm_config *c)
{
	vm_config_make(c, u->memory_mb, u->cpus);
}

static bool write_up_options(const struct up_options *u)
{
	json_t *doc = json_pack("{s:i,s:i,s:i,s:b}", "memory_mb", u->memory_mb, "cpus", u->cpus,
				"replicas", u->replicas, "cascade", u->cascade);
	bool ok = write_json("options.json", doc);

	json_decref(doc);
	return ok;
}

/* "primary 10.77.0.10, replica 10.77.0.11 and replica2 10.77.0.12 (from the replica)" */
static const char *lab_summary(char *buf, size_t len)
{
	xsnprintf(buf, len, "primary %s, replica %s%s%s%s", lab_vms[0].addr, lab_vms[1].addr,
		  lab_nvms > 2 ? " and replica2 " : "", lab_nvms > 2 ? lab_vms[2].addr : "",
		  lab_nvms > 2 ? (lab_cascade ? " (from the replica)" : " (from the primary)")
			       : "");
	return buf;
}

bool up_options_load(struct up_options *u)
{
	char path[PATH_MAX];
	json_error_t jerr;
	json_t *doc = json_read_file(lab_state_path("options.json", path, sizeof(path)), 65536,
				     &jerr);
	json_t *memory = jfield(doc, "memory_mb", JSON_INTEGER),
	       *cpus = jfield(doc, "cpus", JSON_INTEGER);

	up_options_default(u);
	if (!memory || !cpus) {
		log_error("could not read %s: %s", path, doc ? "no memory_mb or cpus" : jerr.text);
		json_decref(doc);
		return false;
	}
	u->memory_mb = (int) json_integer_value(memory);
	u->cpus = (int) json_integer_value(cpus);
	u->replicas = lab_nvms - 1;
	u->cascade = lab_cascade;
	json_decref(doc);
	return true;
}

static bool start_lab(const struct up_options *u, const struct vm_config *cp)
{
	struct vm_config c = *cp;
	json_t *timings = json_object();
	double start;
	bool ok;

	printf("creating the lab's secrets, seeds and network namespace in %s\n", lab_state_dir());
	ok = write_up_options(u) && secrets_create();
	for (int i = 0; ok && i < lab_nvms; i++)
		ok = seed_make(&lab_vms[i]);
	ok = ok && ssh_write_known_hosts() && netns_create();
	start = clock_now_ms();
	for (int i = 0; ok && i < lab_nvms; i++)
		ok = vm_start(&lab_vms[i], &c, true);
	if (ok) {
		printf("[%6.1f s] VMs powered on (%s, %d MiB, %d vCPUs each; QEMU sandboxed, as "
		       "%s)\n",
		       (clock_now_ms() - start) / 1000, c.kvm ? "KVM" : "TCG", c.memory_mb, c.cpus,
		       c.run_as ? c.run_as : "you");
		ok = ready_wait(start, u->timeout_s, timings);
	}
	if (ok) {
		json_t *doc = json_pack("{s:s,s:f,s:o}", "accel", c.kvm ? "kvm" : "tcg",
					"streaming_s", (clock_now_ms() - start) / 1000,
					"milestones", timings);

		char summary[160];

		printf("lab up: %s streaming, %.1f s after power-on\n",
		       lab_summary(summary, sizeof(summary)), (clock_now_ms() - start) / 1000);
		ok = write_json("up.json", doc);
		json_decref(doc);
	} else
		json_decref(timings);
	return ok;
}

/*
 * Once the replicas stream: save the lab for the next up (its check row is
 * written and read back on every replica as the lab runs on).
 */
static void save_lab(const struct vm_config *c)
{
	if (!snapshot_prepare_check()) {
		log_warning("the lab was not saved: a table made on the primary did not reach "
			    "every replica");
		return;
	}
	snapshot_save(c);
}

enum restore { RESTORED, RESTORE_FAILED, BOOT_COLD };

/* Start the lab from the saved one when it was saved from the same images and shape. */
static enum restore restore_lab(const struct up_options *u, const struct vm_config *c, double start)
{
	json_t *key = saved_key(c), *manifest = NULL, *doc;
	char *why = NULL, summary[160];
	enum saved_found found = key ? saved_find(key, &why, &manifest) : SAVED_NONE;
	bool loaded = false, ok;

	json_decref(key);
	/* Each line as it is decided: whoever watches the output sees why it boots as it does. */
	switch (found) {
	case SAVED_NONE:
		printf("no saved lab in %s: booting from power-on (the lab is saved once it "
		       "streams)\n",
		       lab_saved_dir());
		fflush(stdout);
		return BOOT_COLD;
	case SAVED_OTHER:
		printf("not restoring the lab saved in %s: %s differs; booting from power-on\n",
		       lab_saved_dir(), why);
		fflush(stdout);
		free(why);
		return BOOT_COLD;
	case SAVED_BAD:
		log_warning("the lab saved in %s is damaged (%s): removing it, booting from "
			    "power-on",
			    lab_saved_dir(), why);
		free(why);
		saved_forget(false);
		return BOOT_COLD;
	case SAVED_MATCH:
		break;
	}
	printf("restoring the lab saved in %s (saved %s)\n", lab_saved_dir(), saved_when(manifest));
	fflush(stdout);
	ok = write_up_options(u) && netns_create() && snapshot_restore(c, start, &loaded);
	if (ok) {
		printf("lab up: restored from %s (saved %s): %s streaming, %.1f s\n",
		       lab_saved_dir(), saved_when(manifest), lab_summary(summary, sizeof(summary)),
		       (clock_now_ms() - start) / 1000);
		doc = json_pack("{s:s,s:f,s:s,s:s}", "accel", c->kvm ? "kvm" : "tcg", "streaming_s",
				(clock_now_ms() - start) / 1000, "restored_from", lab_saved_dir(),
				"saved_at", saved_when(manifest));
		ok = write_json("up.json", doc);
		json_decref(doc);
	}
	json_decref(manifest);
	if (ok)
		return RESTORED;
	if (interrupt_signal())
		return RESTORE_FAILED;
	if (!loaded) {
		log_warning("the saved lab in %s could not be loaded: removing it, booting from "
			    "power-on",
			    lab_saved_dir());
		saved_forget(false);
	} else
		log_warning("the restored lab did not stream: booting from power-on");
	/* What the restore started goes; the cold boot starts from an empty state directory. */
	if (!lab_teardown(false) || !lab_state_create())
		return RESTORE_FAILED;
	return BOOT_COLD;
}

static bool bring_up(const struct up_options *u)
{
	double start = clock_now_ms();
	struct vm_config c;

	vm_config_for(u, &c);
	if (u->cold)
		printf("booting from power-on (--cold)\n");
	else
		switch (restore_lab(u, &c, start)) {
		case RESTORED:
			return true;
		case RESTORE_FAILED:
			return false;
		case BOOT_COLD:
			break;
		}
	if (!start_lab(u, &c))
		return false;
	save_lab(&c);
	/* Ctrl-C while saving interrupts the up: the rules for an interrupted up hold. */
	return !interrupt_signal();
}

static void undo_up(void *arg)
{
	(void) arg;
	lab_teardown(true);
}

int lab_up(const struct up_options *u)
{
	int undo;
	bool ok;

	lab_set_shape(u->replicas, u->cascade);
	if (!images_present())
		return EXIT_FAIL;
	switch (lab_state_check()) {
	case STATE_FOREIGN:
		return EXIT_FAIL;
	case STATE_LAB:
		if (lab_is_up()) {
			log_error("a lab is already running (state in %s)", lab_state_dir());
			log_hint("use it (replab status), or stop it first: replab down");
			return EXIT_FAIL;
		}
		printf("removing what a lab whose processes are gone left in %s\n",
		       lab_state_dir());
		if (!lab_teardown(false))
			return EXIT_FAIL;
		break;
	case STATE_ABSENT:
		break;
	}
	if (!lab_state_create())
		return EXIT_FAIL;
	undo = lab_cleanup_push("stop the lab's VMs and namespace, remove its state", undo_up,
				NULL);
	ok = bring_up(u);
	if (ok || (u->keep && !interrupt_signal())) {
		lab_cleanup_pop(undo);
		if (!ok)
			printf("kept the failed lab for you to look at (replab status, replab "
			       "console); replab down removes it\n");
	} else if (!interrupt_signal())
		printf("cleaning up (replab up --keep leaves a failed lab running to look at)\n");
	return ok ? EXIT_OK : EXIT_FAIL;
}

void up_options_default(struct up_options *u)
{
	*u = (struct up_options){ .timeout_s = 600, .memory_mb = 512, .cpus = 1, .replicas = 1 };
}

const char cmd_up_help[] =
	"Usage: replab up [--replicas 1|2 [--cascade]] [--timeout SECONDS] [--memory MiB]\n"
	"                 [--cpus N] [--keep] [--cold]\n"
	"\n"
	"Boots the primary and the replica from build/images on the lab's own network\n"
	"(10.77.0.0/24 in a network namespace), and returns once the replica streams.\n"
	"--replicas 2 adds replica2 (10.77.0.12), a standby of the primary, or with\n"
	"--cascade of the replica (cascading replication).\n"
	"Defaults: --timeout 600, --memory 512, --cpus 1.  On failure it prints the end\n"
	"of the lagging VM's serial log and cleans up, unless --keep.\n"
	"\n"
	"Once the replicas stream, the whole running lab is saved in build/saved\n"
	"(REPLAB_SAVED overrides): memory, devices, disks and the lab's secrets.  A\n"
	"later up with the same images, QEMU and shape (--replicas, --cascade,\n"
	"--memory, --cpus) restores it in seconds and checks that a row written on the\n"
	"primary reaches every replica; anything different boots from power-on and\n"
	"says why.  --cold boots from power-on anyway (and saves again).\n"
	"replab reset goes back to the saved lab; replab forget removes it.\n";

int cmd_up(const struct verb_args *a)
{
	static const struct option longopts[] = {
		{ "timeout", required_argument, NULL, 't' },
		{ "memory", required_argument, NULL, 'm' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "keep", no_argument, NULL, 'k' },
		{ "replicas", required_argument, NULL, 'r' },
		{ "cascade", no_argument, NULL, 'C' },
		{ "cold", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	int argc = a->argc;
	char **argv = a->argv;
	struct up_options u;
	long v;
	int c;

	up_options_default(&u);
	while ((c = getopt_long(argc, argv, "t:m:c:kr:CF", longopts, NULL)) != -1) {
		switch (c) {
		case 't':
			if (!str_to_long(optarg, 10, 7200, &v))
				return usage_error("up",
						   "invalid --timeout \"%s\": seconds, 10 to 7200",
						   optarg);
			u.timeout_s = (int) v;
			break;
		case 'm':
			if (!str_to_long(optarg, 256, 65536, &v))
				return usage_error("up",
						   "invalid --memory \"%s\": MiB, 256 to 65536",
						   optarg);
			u.memory_mb = (int) v;
			break;
		case 'c':
			if (!str_to_long(optarg, 1, 64, &v))
				return usage_error("up", "invalid --cpus \"%s\": 1 to 64", optarg);
			u.cpus = (int) v;
			break;
		case 'k':
			u.keep = true;
			break;
		case 'r':
			if (!str_to_long(optarg, 1, 2, &v))
				return usage_error("up", "invalid --replicas \"%s\": 1 or 2",
						   optarg);
			u.replicas = (int) v;
			break;
		case 'C':
			u.cascade = true;
			break;
		case 'F':
			u.cold = true;
			break;
		default:
			return usage_error("up", "unknown option or missing value: \"%s\"",
					   argv[optind - 1]);
		}
	}
	if (optind < argc)
		return usage_error("up", "unexpected argument \"%s\"", argv[optind]);
	if (u.cascade && u.replicas != 2)
		return usage_error("up", "--cascade needs a second replica to stream from the "
					 "first: add --replicas 2");
	return lab_up(&u);
}
