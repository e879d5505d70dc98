/*
 * fuzz_seed.c — cloud-init seed templates (seed_render): any template text
 * renders, or names the placeholder no variable fills.
 */
#include "fuzz.h"

#include "lab/seed.h"

FUZZ_QUIET_INITIALIZE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct seed_var vars[] = {
		{ "HOSTNAME", "primary" },
		{ "SSH_HOST_KEY", "-----BEGIN KEY-----\nline two\nline three\n-----END "
				  "KEY-----\n" },
		{ "EMPTY", "" },
		{ "MULTI", "a\n\nb\n" },
	};
	char *template = fuzz_string(data, size), *unknown = (char *) 1;
	char *out = seed_render(template, vars, sizeof(vars) / sizeof(vars[0]), &unknown);

	FUZZ_ASSERT((out == NULL) != (unknown == NULL));
	if (unknown)
		FUZZ_ASSERT(strstr(template, unknown) != NULL);
	free(out);
	free(unknown);
	free(template);
	return 0;
}
