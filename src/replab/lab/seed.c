/*
 * seed.c — rendering the cloud-init seeds and packing them.
 */
#define _GNU_SOURCE
#include "seed.h"

#include "child.h"
#include "fileread.h"
#include "lab.h"
#include "log.h"
#include "secrets.h"
#include "strutil.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* A template is a few lines; a bigger file is not one of the lab's. */
#define SEED_TEMPLATE_MAX (1024 * 1024)

static const char *const seed_files[] = { "user-data", "meta-data", "network-config" };

/* Length of the placeholder name at p (just after an '@'), or 0. */
static size_t placeholder_len(const char *p)
{
	size_t n = 0;

	while (isupper((unsigned char) p[n]) || isdigit((unsigned char) p[n]) || p[n] == '_')
		n++;
	return n > 0 && p[n] == '@' ? n : 0;
}

char *seed_render(const char *template, const struct seed_var *vars, size_t nvars, char **unknown)
{
	char *out = NULL;
	size_t outlen = 0;
	FILE *f = open_memstream(&out, &outlen);
	const char *line_start = template;

	*unknown = NULL;
	for (const char *p = template; *p; p++) {
		size_t n = *p == '@' ? placeholder_len(p + 1) : 0;
		const struct seed_var *var = NULL;

		if (*p == '\n')
			line_start = p + 1;
		if (n == 0) {
			fputc(*p, f);
			continue;
		}
		for (size_t i = 0; i < nvars && !var; i++)
			if (strlen(vars[i].name) == n && strncmp(vars[i].name, p + 1, n) == 0)
				var = &vars[i];
		if (!var) {
			*unknown = strndup(p + 1, n);
			fclose(f);
			free(out);
			return NULL;
		}
		for (const char *v = var->value; *v; v++) {
			fputc(*v, f);
			/* Continue a multi-line value at the placeholder's indentation. */
			if (*v == '\n' && v[1] != '\0' &&
			    strspn(line_start, " ") == (size_t) (p - line_start))
				fprintf(f, "%.*s", (int) (p - line_start), line_start);
		}
		p += n + 1;
	}
	fclose(f);
	return out;
}

/* A template: a few lines of cloud-init. */
static char *read_template(const char *path)
{
	char *text = file_read_all(path, SEED_TEMPLATE_MAX, NULL);

	if (!text)
		log_error("could not read %s: %s", path, strerror(errno));
	return text;
}

static bool render_file(const char *role, const char *file, const struct seed_var *vars,
			size_t nvars, const char *outdir)
{
	char src[PATH_MAX], dst[PATH_MAX + 64];
	char *template, *text, *unknown;
	FILE *out;
	bool ok;

	xsnprintf(src, sizeof(src), "%s/cloud-init/%s/%s", lab_root(), role, file);
	if (!(template = read_template(src)))
		return false;
	text = seed_render(template, vars, nvars, &unknown);
	free(template);
	if (!text) {
		log_error("%s: unknown placeholder @%s@", src, unknown);
		free(unknown);
		return false;
	}
	xsnprintf(dst, sizeof(dst), "%s/%s", outdir, file);
	out = fopen(dst, "w");
	ok = out && fputs(text, out) >= 0;
	if (out && fclose(out) != 0)
		ok = false;
	if (!ok)
		log_error("could not write %s: %s", dst, strerror(errno));
	free(text);
	return ok;
}

bool seed_make(const struct vm *vm)
{
	const char *role = vm->role;
	char host_id[8];
	char key_name[64], pub_name[72], instance[96], dir[PATH_MAX], iso[PATH_MAX],
		log_path[PATH_MAX];
	char *repl = secrets_read("replication-password"), *lab = secrets_read("lab-password");
	char *host_key, *host_pub, *client_pub = secrets_read("id_ed25519.pub");
	bool ok = repl && lab && client_pub;

	xsnprintf(key_name, sizeof(key_name), "host-%s", vm->name);
	xsnprintf(pub_name, sizeof(pub_name), "host-%s.pub", vm->name);
	xsnprintf(host_id, sizeof(host_id), "%d", vm->host_id);
	host_key = secrets_read(key_name);
	host_pub = secrets_read(pub_name);
	ok = ok && host_key && host_pub;
	xsnprintf(instance, sizeof(instance), "replab-%s-%ld", vm->name, (long) time(NULL));
	xsnprintf(dir, sizeof(dir), "%s/seed-%s", lab_state_dir(), vm->name);
	if (ok && mkdir(dir, 0700) != 0 && errno != EEXIST) {
		log_error("could not create %s: %s", dir, strerror(errno));
		ok = false;
	}
	if (ok) {
		const struct seed_var vars[] = {
			{ "REPLICATION_PASSWORD", repl }, { "LAB_PASSWORD", lab },
			{ "INSTANCE_ID", instance },	  { "SSH_HOST_KEY", host_key },
			{ "SSH_HOST_KEY_PUB", host_pub }, { "SSH_AUTHORIZED_KEY", client_pub },
			{ "HOSTNAME", vm->name },	  { "ADDRESS", vm->addr },
			{ "HOST_ID", host_id },		  { "UPSTREAM", lab_upstream(vm) },
		};

		for (size_t i = 0; ok && i < sizeof(seed_files) / sizeof(seed_files[0]); i++)
			ok = render_file(role, seed_files[i], vars, sizeof(vars) / sizeof(vars[0]),
					 dir);
	}
	if (ok) {
		char ud[PATH_MAX + 16], md[PATH_MAX + 16], nc[PATH_MAX + 16];
		char *argv[] = { "genisoimage", "-quiet", "-output", iso, "-volid", "cidata",
				 "-joliet",	"-rock",  ud,	     md,  nc,	    NULL };

		xsnprintf(iso, sizeof(iso), "%s/%s-seed.iso", lab_state_dir(), vm->name);
		xsnprintf(ud, sizeof(ud), "%s/user-data", dir);
		xsnprintf(md, sizeof(md), "%s/meta-data", dir);
		xsnprintf(nc, sizeof(nc), "%s/network-config", dir);
		ok = child_run(argv, lab_state_path("replab.log", log_path, sizeof(log_path))) == 0;
		if (!ok)
			log_error("genisoimage could not make %s (see %s)", iso, log_path);
	}
	free(repl);
	free(lab);
	free(client_pub);
	free(host_key);
	free(host_pub);
	return ok;
}
