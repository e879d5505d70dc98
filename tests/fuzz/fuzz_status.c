/*
 * fuzz_status.c — what "replab status" prints of pgrepl's JSON answer (from
 * a guest), of the faults, of the slow disks and of the VMs' own faults:
 * any document prints, and what it prints holds no control character or
 * escape sequence.
 */
#include "fuzz.h"

#include "lab/status_view.h"

FUZZ_QUIET_INITIALIZE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *doc = json_loadb((const char *) data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	if (!doc)
		return 0;
	if (!(f = open_memstream(&out, &len)))
		abort();
	status_print_server(f, "primary", json_object_get(doc, "primary"));
	status_print_server(f, "replica", json_object_get(doc, "replica"));
	status_print_server(f, "whole", doc);
	status_print_faults(f, doc);
	status_print_disks(f, doc);
	status_print_disks(f, json_object_get(doc, "disks"));
	status_print_vm_faults(f, doc);
	FUZZ_ASSERT(fclose(f) == 0);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char) out[i];

		FUZZ_ASSERT(c >= 0x20 || c == '\n' || c == '\t');
		FUZZ_ASSERT(c != 0x7F);
		FUZZ_ASSERT(!(c == 0xC2 && i + 1 < len && (unsigned char) out[i + 1] < 0xA0));
	}
	free(out);
	json_decref(doc);
	return 0;
}
