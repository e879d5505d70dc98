/*
 * fuzz_recipe.c — role recipes (recipe_parse): any text gives steps whose
 * arguments are what each action needs, or an error.
 */
#include "fuzz.h"

#include "images/recipe.h"

FUZZ_QUIET_INITIALIZE

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct recipe r = { 0 };

	if (recipe_parse((const char *) data, size, "fuzz.role", &r)) {
		for (size_t i = 0; i < r.nsteps; i++) {
			const struct recipe_step *s = &r.steps[i];

			FUZZ_ASSERT(s->arg1 && s->arg1[0] != '\0');
			FUZZ_ASSERT(s->verb == RECIPE_ENABLE || s->arg1[0] == '/');
			FUZZ_ASSERT((s->arg2 != NULL) ==
				    (s->verb == RECIPE_MOVE || s->verb == RECIPE_WRITE));
			FUZZ_ASSERT(s->line >= 1);
		}
	}
	recipe_free(&r);
	return 0;
}
