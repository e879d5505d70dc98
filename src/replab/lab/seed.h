/*
 * seed.h — a VM's cloud-init NoCloud seed: the templates in
 * cloud-init/ROLE/ with their @NAME@ placeholders filled in, written to the
 * state directory and packed into a volume labelled "cidata".
 */
#ifndef REPLAB_SEED_H
#define REPLAB_SEED_H

#include <stdbool.h>
#include <stddef.h>

struct seed_var {
	const char *name; /* without the @ signs */
	const char *value;
};

/*
 * Fill in a template.  A multi-line value continues at the indentation of
 * its placeholder (for YAML block scalars).  Returns the new text, or NULL
 * with *unknown set to the first placeholder no variable names (caller
 * frees it).
 */
char *seed_render(const char *template, const struct seed_var *vars, size_t nvars, char **unknown);

struct vm;
/*
 * Render the files of cloud-init/ROLE (the VM's role) for this lab and this
 * VM (HOSTNAME, ADDRESS, HOST_ID, UPSTREAM besides the secrets); make
 * STATE/NAME-seed.iso.
 */
bool seed_make(const struct vm *vm);

#endif
