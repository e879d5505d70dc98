/*
 * recipe.c — reading role recipes.
 */
#define _POSIX_C_SOURCE 200809L
#include "recipe.h"

#include "fileread.h"
#include "log.h"
#include "strutil.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	enum recipe_verb verb;
	int nargs; /* 2 for write means "a path, then the rest of the line" */
} verbs[] = {
	{ "enable", RECIPE_ENABLE, 1 },
	{ "move", RECIPE_MOVE, 2 },
	{ "remove", RECIPE_REMOVE, 1 },
	{ "write", RECIPE_WRITE, 2 },
};

/* Next blank-separated word of *p, copied; NULL at the end of the line. */
static char *next_word(const char **p)
{
	const char *s = *p, *end;
	char *word;

	s += strspn(s, " \t");
	if (*s == '\0' || *s == '\n')
		return NULL;
	end = s + strcspn(s, " \t\n");
	word = xstrdup(s);
	word[end - s] = '\0';
	*p = end;
	return word;
}

int recipe_parse_line(const char *line, struct recipe_step *step, const char **why)
{
	const char *p = line;
	char *verb = next_word(&p), *extra;
	size_t i;

	if (!verb || verb[0] == '#') {
		free(verb);
		return 0;
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(verb, verbs[i].name) == 0)
			break;
	free(verb);
	if (i == sizeof(verbs) / sizeof(verbs[0])) {
		*why = "unknown action (expected enable, move, remove or write)";
		return -1;
	}
	*step = (struct recipe_step){ .verb = verbs[i].verb };
	step->arg1 = next_word(&p);
	if (verbs[i].verb == RECIPE_WRITE) {
		char *rest = xstrdup(p);

		step->arg2 = xstrdup(str_trim(rest));
		free(rest);
		if (step->arg2[0] == '\0') {
			free(step->arg2);
			step->arg2 = NULL;
		}
	} else if (verbs[i].nargs == 2)
		step->arg2 = next_word(&p);
	extra = verbs[i].verb == RECIPE_WRITE ? NULL : next_word(&p);
	if (!step->arg1 || (verbs[i].nargs == 2 && !step->arg2) || extra) {
		*why = verbs[i].nargs == 2 ? "expected two arguments" : "expected one argument";
		free(extra);
		free(step->arg1);
		free(step->arg2);
		return -1;
	}
	if (step->arg1[0] != '/' && verbs[i].verb != RECIPE_ENABLE) {
		*why = "paths must be absolute";
		free(step->arg1);
		free(step->arg2);
		return -1;
	}
	return 1;
}

bool recipe_parse(const char *text, size_t len, const char *path, struct recipe *r)
{
	const char *line = text, *end = text + len;
	int lineno = 0;

	for (; line < end; line++) {
		const char *nl = memchr(line, '\n', (size_t) (end - line));
		size_t n = nl ? (size_t) (nl - line) : (size_t) (end - line);
		struct recipe_step step;
		const char *why = NULL;
		char *copy;
		int rc;

		lineno++;
		if (memchr(line, '\0', n)) {
			log_error("%s:%d: a NUL byte in the line", path, lineno);
			return false;
		}
		copy = strndup(line, n);
		if (!copy)
			fatal("out of memory");
		rc = recipe_parse_line(copy, &step, &why);
		free(copy);
		line += n;
		if (rc < 0) {
			log_error("%s:%d: %s", path, lineno, why);
			return false;
		}
		if (rc == 0)
			continue;
		step.line = lineno;
		r->steps = realloc(r->steps, (r->nsteps + 1) * sizeof(*r->steps));
		if (!r->steps)
			fatal("out of memory");
		r->steps[r->nsteps++] = step;
	}
	return true;
}

bool recipe_load(const char *path, struct recipe *r)
{
	const char *base = strrchr(path, '/');
	size_t len;
	char *text;
	bool ok;

	*r = (struct recipe){ .path = xstrdup(path) };
	/* A recipe is a few lines: read it whole (lines of any length). */
	if (!(text = file_read_all(path, RECIPE_MAX_BYTES, &len))) {
		if (errno == EFBIG)
			log_error("role recipe \"%s\" is larger than %d bytes", path,
				  RECIPE_MAX_BYTES);
		else
			log_error("could not read role recipe \"%s\": %s", path, strerror(errno));
		return false;
	}
	r->role = xstrdup(base ? base + 1 : path);
	if (strchr(r->role, '.'))
		*strchr(r->role, '.') = '\0';
	ok = recipe_parse(text, len, path, r);
	free(text);
	return ok;
}

void recipe_free(struct recipe *r)
{
	for (size_t i = 0; i < r->nsteps; i++) {
		free(r->steps[i].arg1);
		free(r->steps[i].arg2);
	}
	free(r->steps);
	free(r->path);
	free(r->role);
	*r = (struct recipe){ 0 };
}
