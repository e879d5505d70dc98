/*
 * pgjson.c — libpq result fields as jansson values.
 */
#include "pgjson.h"

#include <stdlib.h>

json_t *pgjson_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null() : json_string(PQgetvalue(res, row, col));
}

json_t *pgjson_integer(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col)
		       ? json_null()
		       : json_integer(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

json_t *pgjson_real(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null()
					  : json_real(strtod(PQgetvalue(res, row, col), NULL));
}

json_t *pgjson_bool(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? json_null()
					  : json_boolean(PQgetvalue(res, row, col)[0] == 't');
}

const char *pg_text_or_dash(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "-" : PQgetvalue(res, row, col);
}
