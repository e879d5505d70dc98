/*
 * fuzz_qmp.c — QMP replies (qmp_read_reply): any bytes from QEMU's socket
 * give the command's "return" member, or NULL with the error logged.
 */
#include "fuzz.h"

#include "lab/qmp.h"

FUZZ_QUIET_INITIALIZE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *in;
	json_t *r;

	if (size == 0 || !(in = fmemopen((void *) data, size, "r")))
		return 0;
	r = qmp_read_reply(in, "query-status");
	json_decref(r);
	fclose(in);
	return 0;
}
