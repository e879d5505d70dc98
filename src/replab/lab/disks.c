/*
 * disks.c — slow disks through QEMU's block I/O throttling (see disks.h).
 */
#include "disks.h"

#include "jsonfile.h"
#include "log.h"
#include "qmp.h"
#include "strutil.h"
#include "vm.h"

#include <string.h>

/* The six limits of block_set_io_throttle that must all be given, and query-block shows. */
static const char *const limits[] = { "iops", "iops_rd", "iops_wr", "bps", "bps_rd", "bps_wr" };
#define NLIMITS (sizeof(limits) / sizeof(limits[0]))

double disks_bandwidth_bytes(const char *bandwidth)
{
	static const struct str_unit units[] = {
		{ "k", 1024.0 },
		{ "m", 1024.0 * 1024 },
		{ "g", 1024.0 * 1024 * 1024 },
		{ NULL, 0 },
	};
	double bytes;

	return str_to_scaled(bandwidth, units, DISKS_BANDWIDTH_MIN, DISKS_BANDWIDTH_MAX, &bytes)
		       ? bytes
		       : -1;
}

/* query-block of vm's QEMU (an array, new reference), or NULL (logged). */
static json_t *query_block(const struct vm *vm)
{
	struct qmp q;
	json_t *r;

	if (!vm_qmp_open(vm, &q))
		return NULL;
	r = qmp_execute(&q, "query-block", NULL);
	qmp_close(&q);
	if (r && !json_is_array(r)) {
		log_error("the %s VM's QEMU answered query-block with something not a list",
			  vm->name);
		json_decref(r);
		r = NULL;
	}
	return r;
}

/* Does this block device (of query-block) have any limit in force? */
static bool throttled(const json_t *block)
{
	json_t *inserted = jfield(block, "inserted", JSON_OBJECT);

	for (size_t i = 0; i < NLIMITS; i++)
		if (json_integer_value(jfield(inserted, limits[i], JSON_INTEGER)) > 0)
			return true;
	return false;
}

/*
 * block_set_io_throttle on the guest device qdev (a QOM path, from
 * query-block), in vm's throttle group: the disks of one VM share one
 * budget, as the disks behind one slow controller or volume would.
 */
static bool set_throttle(const struct vm *vm, const char *qdev, long iops, long long bps)
{
	json_t *args = json_pack("{s:s,s:I,s:I,s:s}", "id", qdev, "iops", (json_int_t) iops, "bps",
				 (json_int_t) bps, "group", vm->name);
	struct qmp q;
	json_t *r;
	bool ok;

	for (size_t i = 0; i < NLIMITS; i++)
		if (!json_object_get(args, limits[i]))
			json_object_set_new(args, limits[i], json_integer(0));
	if (!vm_qmp_open(vm, &q)) {
		json_decref(args);
		return false;
	}
	r = qmp_execute(&q, "block_set_io_throttle", args);
	qmp_close(&q);
	ok = r != NULL;
	json_decref(r);
	return ok;
}

/* Limit one of vm's disks, the drive id disk. */
static bool throttle_disk(const struct vm *vm, const char *disk, long iops, long long bytes_per_s)
{
	json_t *blocks = query_block(vm), *b;
	const char *qdev = NULL;
	bool ok;
	size_t i;

	if (!blocks)
		return false;
	json_array_foreach(blocks, i, b) {
		const char *name = jfield_string(b, "device");

		if (name && strcmp(name, disk) == 0 && jfield(b, "inserted", JSON_OBJECT))
			qdev = jfield_string(b, "qdev");
	}
	if (!qdev) {
		log_error("the %s VM has no disk \"%s\"", vm->name, disk);
		log_hint("a QEMU started by an older replab names no disk: replab down, then "
			 "replab up");
		json_decref(blocks);
		return false;
	}
	ok = set_throttle(vm, qdev, iops, bytes_per_s);
	json_decref(blocks);
	return ok;
}

bool disks_throttle(const struct vm *vm, long iops, long long bytes_per_s)
{
	return throttle_disk(vm, DISKS_ROOT, iops, bytes_per_s) &&
	       throttle_disk(vm, DISKS_WAL, iops, bytes_per_s);
}

bool disks_clear(const struct vm *vm)
{
	json_t *blocks = query_block(vm), *b;
	bool ok = blocks != NULL;
	size_t i;

	json_array_foreach(blocks, i, b) {
		const char *qdev = jfield_string(b, "qdev");

		if (throttled(b))
			ok = qdev && set_throttle(vm, qdev, 0, 0) && ok;
	}
	json_decref(blocks);
	return ok;
}

bool disks_clear_all(void)
{
	bool ok = true;

	for (int i = 0; i < lab_nvms; i++)
		if (vm_pid(&lab_vms[i]))
			ok = disks_clear(&lab_vms[i]) && ok;
	return ok;
}

/* The limits of one block device of query-block, as disks_list shows them. */
static json_t *throttle_of(const json_t *block)
{
	json_t *inserted = jfield(block, "inserted", JSON_OBJECT);
	const char *name = jfield_string(block, "device");
	json_t *t = json_pack("{s:s}", "disk", name ? name : "?");

	for (size_t i = 0; i < NLIMITS; i++)
		json_object_set_new(t, limits[i],
				    json_integer(json_integer_value(
					    jfield(inserted, limits[i], JSON_INTEGER))));
	return t;
}

json_t *disks_list(void)
{
	json_t *doc = json_object();

	for (int i = 0; i < lab_nvms; i++) {
		const struct vm *vm = &lab_vms[i];
		json_t *blocks = NULL, *b, *list;
		size_t j;

		if (!vm_pid(vm))
			continue;
		if (!(blocks = query_block(vm))) {
			json_object_set_new(doc, vm->name, json_null());
			continue;
		}
		list = json_array();
		json_array_foreach(blocks, j, b) {
			if (throttled(b))
				json_array_append_new(list, throttle_of(b));
		}
		if (json_array_size(list) > 0)
			json_object_set(doc, vm->name, list);
		json_decref(list);
		json_decref(blocks);
	}
	return doc;
}
