/*
 * recipe.h — a role recipe (images/roles/NAME.role): what "replab build"
 * writes into a role's overlay on the base image.  One action a line:
 *   enable UNIT        systemctl enable, for multi-user.target
 *   move FROM TO       rename a path
 *   remove PATH        delete a path, recursively
 *   write PATH TEXT    replace a file with TEXT and a newline
 * Blank lines and lines starting with '#' are ignored.
 */
#ifndef REPLAB_RECIPE_H
#define REPLAB_RECIPE_H

#include <stdbool.h>
#include <stddef.h>

enum recipe_verb { RECIPE_ENABLE, RECIPE_MOVE, RECIPE_REMOVE, RECIPE_WRITE };

struct recipe_step {
	enum recipe_verb verb;
	char *arg1;
	char *arg2; /* NULL for enable and remove */
	int line;
};

struct recipe {
	char *path;
	char *role; /* the file name without directory and ".role" */
	struct recipe_step *steps;
	size_t nsteps;
};

/*
 * Parse one line into *step (arguments copied).  Returns 1 for a step, 0 for
 * a blank or comment line, -1 with *why set for a malformed line.
 */
int recipe_parse_line(const char *line, struct recipe_step *step, const char **why);

#define RECIPE_MAX_BYTES (1024 * 1024)

/*
 * Append the steps of a recipe's text (len bytes, lines of any length) to
 * r; false at the first malformed line (or one with a NUL byte), with the
 * error logged as "path:line: why".
 */
bool recipe_parse(const char *text, size_t len, const char *path, struct recipe *r);

/* Read a whole recipe file; false with the error logged. */
bool recipe_load(const char *path, struct recipe *r);
void recipe_free(struct recipe *r);

#endif
