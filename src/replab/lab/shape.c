/*
 * shape.c — shaping on the host's taps or in the guests (see shape.h).
 * The tc commands are the same text in both places, run as one shell
 * script: in the lab's namespace on tap-VM, or in the member (over SSH in a
 * VM) on ifb-data0.
 */
#define _GNU_SOURCE
#include "shape.h"

#include "child.h"
#include "faults.h"
#include "log.h"
#include "netns.h"
#include "node.h"
#include "strutil.h"
#include "verb.h"
#include "vm.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNLIMITED     "10gbit"
#define GUEST_DEV     "ifb-data0"
#define GUEST_NIC     "data0"
#define SCRIPT_MAX    4096
#define NO_NETEM_EXIT 3 /* the guest script's exit status when its kernel lacks sch_netem */

static const char *log_path(void)
{
	static char path[PATH_MAX];

	return lab_state_path("faults.log", path, sizeof(path));
}

/* Append to a script buffer; the scripts are small and made of checked words. */
static void add(char *buf, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add(char *buf, const char *fmt, ...)
{
	size_t used = strlen(buf);
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf + used, SCRIPT_MAX - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t) n >= SCRIPT_MAX - used)
		fatal("a tc script outgrew its buffer");
}

/*
 * Run "sh -c script" in the lab's namespace (guest NULL) or in guest, with
 * its stdout (or, with want_stderr, its stderr) in *out and the rest in
 * the log: the exit status.
 */
static int run_script(const struct vm *guest, const char *script, bool want_stderr, char **out)
{
	char *cmd[] = { "sh", "-c", (char *) script, NULL };
	int fds[2], o, e;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC) != 0)
		fatal("could not make a pipe: %s", strerror(errno));
	o = want_stderr ? -1 : fds[1];
	e = want_stderr ? fds[1] : -1;
	pid = guest ? node_start(guest, cmd, log_path(), o, e) : netns_start(cmd, log_path(), o, e);
	close(fds[1]);
	return child_collect(pid, fds[0], out);
}

/* run_script, its stderr's first line logged as the error when it fails. */
static bool run_logged(const struct vm *guest, const char *script, const char *what)
{
	char *err;
	int rc = run_script(guest, script, true, &err);

	if (rc == NO_NETEM_EXIT && guest) {
		log_error("neither this host's kernel nor the %s VM's has sch_netem: nothing was "
			  "changed",
			  guest->name);
		log_hint("--rate works without it (htb on the host's tap)");
	} else if (rc != 0) {
		err[strcspn(err, "\n")] = '\0';
		log_error("could not %s: %s (see %s)", what, *err ? str_trim(err) : "tc failed",
			  log_path());
	}
	free(err);
	return rc == 0;
}

enum shape_mechanism shape_mechanism(void)
{
	static int known = -1; /* the kernel does not change under a run */
	char *cmd[] = { "modprobe", "--dry-run", "--quiet", "sch_netem", NULL };

	if (known < 0)
		known = access("/sys/module/sch_netem", F_OK) == 0 ||
					child_run(cmd, log_path()) == 0
				? SHAPE_HOST
				: SHAPE_GUEST;
	return (enum shape_mechanism) known;
}

const char *shape_mechanism_name(enum shape_mechanism m)
{
	return m == SHAPE_HOST ? "host" : "guest";
}

bool shape_has_netem(const struct shape *s)
{
	return s->delay || s->loss || s->duplicate || s->reorder || s->corrupt;
}

/* "A" or "A,B": A checked by first, B (when there) by second. */
static bool pair_ok(const char *word, double (*first)(const char *), double (*second)(const char *))
{
	const char *comma = strchr(word, ',');
	char head[64];

	if (!comma)
		return first(word) >= 0;
	if ((size_t) (comma - word) >= sizeof(head))
		return false;
	memcpy(head, word, (size_t) (comma - word));
	head[comma - word] = '\0';
	return first(head) >= 0 && second(comma + 1) >= 0;
}

bool shape_time_ok(const char *word)
{
	return pair_ok(word, faults_time_ms, faults_percent);
}

bool shape_percent_ok(const char *word)
{
	return pair_ok(word, faults_percent, faults_percent);
}

/* Add " NAME A [B]" for word "A[,B]" (checked: digits, a dot, units). */
static void add_option(char *buf, const char *name, const char *word)
{
	const char *comma;

	if (!word)
		return;
	comma = strchr(word, ',');
	if (comma)
		add(buf, " %s %.*s %s", name, (int) (comma - word), word, comma + 1);
	else
		add(buf, " %s %s", name, word);
}

/* netem's words for s: "delay 100ms 10ms 25% loss 5% duplicate 1%...". */
static void add_netem(char *buf, const struct shape *s)
{
	if (s->delay) {
		add(buf, " delay %s", s->delay);
		if (s->jitter) {
			const char *comma = strchr(s->jitter, ',');

			if (comma)
				add(buf, " %.*s %s", (int) (comma - s->jitter), s->jitter,
				    comma + 1);
			else
				add(buf, " %s", s->jitter);
		}
	}
	add_option(buf, "loss", s->loss);
	add_option(buf, "duplicate", s->duplicate);
	add_option(buf, "reorder", s->reorder);
	add_option(buf, "corrupt", s->corrupt);
}

/* The class a shape of the traffic from "from" (NULL: everyone) uses: "1" or "1NN". */
static void class_minor(const struct vm *from, char *buf, size_t len)
{
	if (from)
		xsnprintf(buf, len, "%d", 100 + from->host_id);
	else
		xsnprintf(buf, len, "1");
}

/*
 * The commands that give class 1:MINOR of dev the shape (rate: its htb
 * rate, NULL for none; netem: whether its leaf is netem), steering from's
 * packets into it; with nothing asked, the class is emptied (a pair's
 * class and filter removed).
 */
static void add_class(char *buf, const char *dev, const struct vm *from, const struct shape *s,
		      const char *rate, bool netem)
{
	char minor[16];

	class_minor(from, minor, sizeof(minor));
	add(buf, "tc qdisc del dev %s parent 1:%s 2>/dev/null || true\n", dev, minor);
	if (from)
		add(buf, "tc filter del dev %s parent 1: prio %s 2>/dev/null || true\n", dev,
		    minor);
	if (!rate && !netem) {
		if (from)
			add(buf, "tc class del dev %s classid 1:%s 2>/dev/null || true\n", dev,
			    minor);
		else
			add(buf,
			    "tc class change dev %s parent 1: classid 1:1 htb rate %s quantum "
			    "1514\n",
			    dev, UNLIMITED);
		return;
	}
	add(buf, "tc class replace dev %s parent 1: classid 1:%s htb rate %s quantum 1514\n", dev,
	    minor, rate ? rate : UNLIMITED);
	if (netem) {
		add(buf, "tc qdisc add dev %s parent 1:%s handle %s0: netem", dev, minor, minor);
		add_netem(buf, s);
		add(buf, "\n");
	} else {
		/* at most about 100 ms of the rate queued (1000 packets would be seconds) */
		double bits = faults_rate_bits(rate);
		long limit = (long) (bits / 8 / 10);

		add(buf, "tc qdisc add dev %s parent 1:%s handle %s0: bfifo limit %ld\n", dev,
		    minor, minor, limit < 6056 ? 6056 : limit);
	}
	if (from)
		add(buf,
		    "tc filter add dev %s parent 1: protocol ip prio %s u32 match ip src %s/32 "
		    "flowid 1:%s\n",
		    dev, minor, from->addr, minor);
}

/* The guest's ifb: data0's ingress redirected to ifb-data0, whose root is htb 1: as a tap's. */
static void add_guest_scaffold(char *buf)
{
	add(buf,
	    "modprobe -q sch_netem || exit %d\n"
	    "ip link show " GUEST_DEV " >/dev/null 2>&1 || ip link add " GUEST_DEV " type ifb\n"
	    "ip link set " GUEST_DEV " up\n"
	    "if ! tc qdisc show dev " GUEST_DEV " | grep -q '^qdisc htb 1: root'; then\n"
	    "  tc qdisc replace dev " GUEST_DEV " root handle 1: htb default 1\n"
	    "  tc class add dev " GUEST_DEV " parent 1: classid 1:1 htb rate " UNLIMITED
	    " quantum 1514\n"
	    "fi\n"
	    "if ! tc qdisc show dev " GUEST_NIC " | grep -q '^qdisc ingress ffff:'; then\n"
	    "  tc qdisc add dev " GUEST_NIC " handle ffff: ingress\n"
	    "  tc filter add dev " GUEST_NIC " parent ffff: protocol all prio 1 u32 match u32 0 0 "
	    "action mirred egress redirect dev " GUEST_DEV "\n"
	    "fi\n",
	    NO_NETEM_EXIT);
}

/* Nothing to clear in a guest that never had the ifb. */
#define GUEST_IF_SHAPED "ip link show " GUEST_DEV " >/dev/null 2>&1 || exit 0\n"

bool shape_can_change(const struct vm *vm, bool netem)
{
	if (shape_mechanism() == SHAPE_HOST)
		return true;
	if (!node_is_running(vm)) {
		if (!netem)
			return true; /* no guest kernel, so no shape in it */
		log_error("this host's kernel has no sch_netem, and the %s VM is not running to "
			  "shape in its own kernel: nothing changed",
			  vm->name);
		log_hint("replab start %s boots it again; --rate works without netem", vm->name);
		return false;
	}
	/* a member of the namespace tier has no QEMU, and always answers */
	return !vm_pid(vm) || verb_vm_ready(VM_THAWED, vm);
}

/* The host's part of a shape: its rate, and its netem with the host mechanism. */
static bool set_host(const struct vm *to, const struct vm *from, const struct shape *s, bool netem)
{
	char buf[SCRIPT_MAX] = "set -e\n", tap[32];

	if (!s->rate && !netem) {
		lab_tap_name(to, tap, sizeof(tap));
		if (!faults_has_scaffold(tap))
			return true;
	} else if (!faults_scaffold(to, tap, sizeof(tap)))
		return false;
	add_class(buf, tap, from, s, s->rate, netem);
	return run_logged(NULL, buf, "shape the traffic on the host's tap");
}

/* The guest's part of a shape: its netem, with the guest mechanism. */
static bool set_guest(const struct vm *to, const struct vm *from, const struct shape *s)
{
	char buf[SCRIPT_MAX] = "set -e\n";

	if (!node_is_running(to))
		return true;
	if (shape_has_netem(s))
		add_guest_scaffold(buf);
	else
		add(buf, GUEST_IF_SHAPED);
	add_class(buf, GUEST_DEV, from, s, NULL, shape_has_netem(s));
	return run_logged(to, buf, "shape the traffic in the guest");
}

bool shape_set(const struct vm *to, const struct vm *from, const struct shape *s)
{
	bool ok;

	if (shape_mechanism() == SHAPE_HOST)
		return set_host(to, from, s, shape_has_netem(s));
	/* netem: the guest first, so that where it refuses (no netem there) the host is left as
	 * it was; else the host first, so that a rate is lifted even when the guest cannot
	 * answer (a command cut short by an interruption) */
	if (shape_has_netem(s))
		return set_guest(to, from, s) && set_host(to, from, s, false);
	ok = set_host(to, from, s, false);
	return set_guest(to, from, s) && ok;
}

/* Take the ifb and the ingress redirection out of a guest. */
static bool clear_guest(const struct vm *vm)
{
	if (shape_mechanism() == SHAPE_HOST || !node_is_running(vm))
		return true;
	return run_logged(vm,
			  GUEST_IF_SHAPED "tc qdisc del dev " GUEST_NIC " ingress 2>/dev/null || "
					  "true\n"
					  "ip link del " GUEST_DEV "\n",
			  "clear the shaping in the guest");
}

bool shape_clear_vm(const struct vm *vm)
{
	static const struct shape none;
	bool ok = set_host(vm, NULL, &none, false);

	for (int i = 0; i < lab_nvms; i++) {
		const struct vm *peer = &lab_vms[i];

		if (peer == vm)
			continue;
		ok = set_host(vm, peer, &none, false) && ok;
		ok = set_host(peer, vm, &none, false) && ok;
		if (shape_mechanism() == SHAPE_GUEST)
			ok = set_guest(peer, vm, &none) && ok;
	}
	return clear_guest(vm) && ok;
}

bool shape_clear_all(void)
{
	bool ok = true;

	for (int i = 0; i < lab_nvms; i++)
		ok = shape_clear_vm(&lab_vms[i]) && ok;
	return ok;
}

/* ---- reading them back ---------------------------------------------------- */

/*
 * The entry in shapes (an object keyed "to/minor") for class 1:minor of
 * to's place, made on first use; NULL for the cut class 1:2 or a minor
 * that is not ours.
 */
static json_t *entry(json_t *shapes, const struct vm *to, const char *minor)
{
	const struct vm *from = NULL;
	char key[64];
	json_t *e;
	long n;

	if (!str_to_long(minor, 1, 999, &n) || n == 2 ||
	    (n != 1 && !(from = lab_vm_by_host_id(n - 100))))
		return NULL;
	xsnprintf(key, sizeof(key), "%s/%s", to->name, minor);
	if ((e = json_object_get(shapes, key)))
		return e;
	e = json_pack("{s:s}", "to", to->name);
	if (from)
		json_object_set_new(e, "from", json_string(from->name));
	json_object_set_new(shapes, key, e);
	return e;
}

/* The leaves of our classes in `tc -s -j qdisc show` output: netem and its counters. */
static void read_leaves(json_t *shapes, const struct vm *to, const char *text,
			enum shape_mechanism m)
{
	json_t *doc = json_loads(text, 0, NULL), *row;
	size_t i;

	json_array_foreach(doc, i, row) {
		const char *parent = json_string_value(json_object_get(row, "parent"));
		const char *kind = json_string_value(json_object_get(row, "kind"));
		bool netem = kind && strcmp(kind, "netem") == 0;
		json_t *e;

		if (!parent || strncmp(parent, "1:", 2) != 0 || !kind ||
		    !(e = entry(shapes, to, parent + 2)))
			continue;
		if (!netem && json_object_get(e, "netem"))
			continue; /* the guest's netem says more than the host's bfifo */
		if (netem) {
			json_object_set(e, "netem", json_object_get(row, "options"));
			json_object_set_new(e, "mechanism", json_string(shape_mechanism_name(m)));
		}
		json_object_set(e, "sent_packets", json_object_get(row, "packets"));
		json_object_set(e, "dropped_packets", json_object_get(row, "drops"));
	}
	json_decref(doc);
}

/* The rates of our classes, from `tc class show` (its JSON lacks htb's rates). */
static void read_rates(json_t *shapes, const struct vm *to, char *text)
{
	for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
		char minor[16], rate[32], *r = strstr(line, " rate ");
		json_t *e;

		if (sscanf(line, "class htb 1:%15s", minor) != 1 || !r ||
		    sscanf(r, " rate %31s", rate) != 1 || strcmp(rate, "10Gbit") == 0 ||
		    !(e = entry(shapes, to, minor)))
			continue;
		json_object_set_new(e, "rate", json_string(rate));
	}
}

static void list_host(json_t *shapes, const struct vm *to)
{
	char tap[32], buf[256], *text;

	lab_tap_name(to, tap, sizeof(tap));
	if (!faults_has_scaffold(tap))
		return;
	xsnprintf(buf, sizeof(buf), "tc -s -j qdisc show dev %s", tap);
	if (run_script(NULL, buf, false, &text) == 0)
		read_leaves(shapes, to, text, SHAPE_HOST);
	free(text);
	xsnprintf(buf, sizeof(buf), "tc class show dev %s", tap);
	if (run_script(NULL, buf, false, &text) == 0)
		read_rates(shapes, to, text);
	free(text);
}

static void list_guest(json_t *shapes, json_t *unknown, const struct vm *to)
{
	char *state, *text;

	if (!node_is_running(to))
		return;
	state = vm_pid(to) ? vm_run_state(to) : NULL;
	if (vm_pid(to) && (!state || strcmp(state, "running") != 0)) {
		json_array_append_new(unknown, json_pack("{s:s,s:s}", "to", to->name, "unknown",
							 state ? state : "no answer on QMP"));
		free(state);
		return;
	}
	free(state);
	if (run_script(to, "tc -s -j qdisc show dev " GUEST_DEV " 2>/dev/null || echo '[]'", false,
		       &text) == 0)
		read_leaves(shapes, to, text, SHAPE_GUEST);
	else
		json_array_append_new(unknown, json_pack("{s:s,s:s}", "to", to->name, "unknown",
							 "tc in the guest did not answer"));
	free(text);
}

json_t *shape_list(void)
{
	json_t *shapes = json_object(), *list = json_array(), *e;
	bool guest = shape_mechanism() == SHAPE_GUEST;
	const char *key;

	for (int i = 0; i < lab_nvms; i++) {
		if (guest)
			list_guest(shapes, list, &lab_vms[i]);
		list_host(shapes, &lab_vms[i]);
	}
	json_object_foreach(shapes, key, e) {
		if (!json_object_get(e, "netem") && !json_object_get(e, "rate"))
			continue; /* an empty class: no shape */
		if (!json_object_get(e, "mechanism"))
			json_object_set_new(e, "mechanism", json_string("host"));
		json_array_append(list, e);
	}
	json_decref(shapes);
	return list;
}
