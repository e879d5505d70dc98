/*
 * jsonfile.h — JSON files the harness reads and writes, and typed access to
 * their members.  A file written replaces the old one whole or not at all;
 * a file read is bounded in size; a member of the wrong type reads as absent,
 * so nothing downstream dereferences what the file did not promise.
 */
#ifndef REPLAB_JSONFILE_H
#define REPLAB_JSONFILE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/*
 * Write doc (json_dumpf flags) to a new file beside path, flush it to disk
 * and rename it over path.  False, with errno set and nothing left behind,
 * when any step fails; the caller logs.
 */
bool json_write_atomic(const char *path, json_t *doc, size_t flags);

/*
 * Parse the file at path, refusing one larger than max_bytes.  NULL with
 * err->text saying why (a system error, the size, or jansson's message).
 */
json_t *json_read_file(const char *path, size_t max_bytes, json_error_t *err);

/* obj[key] when obj is an object and the member has that type, else NULL. */
json_t *jfield(const json_t *obj, const char *key, json_type type);

/* obj[key]'s text when it is a string, else NULL. */
const char *jfield_string(const json_t *obj, const char *key);

/* A JSON number (integer or real) as a finite double; false for anything else. */
bool jnumber(const json_t *v, double *out);

/* obj[key] as by jnumber. */
bool jfield_number(const json_t *obj, const char *key, double *out);

/*
 * For figures a program wrote itself: obj[key] as a whole number, or as a
 * number (an integer too); 0 when obj has no such member.
 */
json_int_t jfield_int(const json_t *obj, const char *key);
double jfield_real(const json_t *obj, const char *key);

#endif
