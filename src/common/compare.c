/*
 * compare.c — qsort comparators shared by the programs (see compare.h).
 */
#include "compare.h"

int compare_doubles(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return (x > y) - (x < y);
}
