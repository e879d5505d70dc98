/*
 * report_split.c — the split-brain experiment for "replab report": each
 * row id as a mark on three lines (the old primary before the rewind, the
 * new primary, the old primary after the rewind), coloured by where the row
 * was written, so the fork and what the rewind threw away show at a glance.
 */
#include "report.h"

#include <stdlib.h>
#include <string.h>

static void rows(FILE *data, json_t *list, int line)
{
	json_t *r;
	size_t i;

	json_array_foreach(list, i, r) {
		const char *row = json_string_value(r), *colon = strchr(row, ':');
		int colour = !colon ? 0 : strcmp(colon + 1, "old primary") == 0 ? 1 : strcmp(colon + 1, "new primary") == 0 ? 2 : 0;

		fprintf(data, "%d %d %d\n", atoi(row), line, colour);
	}
}

bool report_split(json_t *doc, FILE *data, FILE *gp, const char *data_path)
{
	json_t *sides = json_object_get(json_object_get(doc, "summary"), "rows");

	if (!json_is_object(sides))
		return false;
	rows(data, json_object_get(sides, "old_primary"), 3);
	rows(data, json_object_get(sides, "new_primary"), 2);
	rows(data, json_object_get(sides, "after_rewind"), 1);
	fprintf(gp, "set title 'split-brain: the rows each side had'\nset xlabel 'row id'\n"
		    "set ytics ('old primary after the rewind' 1, 'new primary' 2, 'old primary before' 3)\n"
		    "set yrange [0.5:3.5]\nset key outside bottom center horizontal\n"
		    "set palette defined (0 'gray', 1 'red', 2 'blue')\nset cbrange [0:2]\nunset colorbox\n");
	fprintf(gp,
		"plot '%s' using 1:2:3 with points pt 7 ps 0.8 lc palette notitle,"
		" NaN with points pt 7 lc rgb 'gray' title 'before the split',"
		" NaN with points pt 7 lc rgb 'red' title 'written on the old primary',"
		" NaN with points pt 7 lc rgb 'blue' title 'written on the new primary'\n",
		data_path);
	return true;
}
