/*
 * pgjson.h — one field of a libpq result as a jansson value, with SQL NULL
 * as JSON null.
 */
#ifndef PGREPL_PGJSON_H
#define PGREPL_PGJSON_H

#include <jansson.h>
#include <libpq-fe.h>

json_t *pgjson_text(const PGresult *res, int row, int col);
json_t *pgjson_integer(const PGresult *res, int row, int col);
json_t *pgjson_real(const PGresult *res, int row, int col);
json_t *pgjson_bool(const PGresult *res, int row, int col);

/* The field as text for people, "-" for NULL. */
const char *pg_text_or_dash(const PGresult *res, int row, int col);

#endif
