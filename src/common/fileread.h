/*
 * fileread.h — a whole file into memory, bounded in size: the one reader
 * behind templates, role recipes and JSON results.
 */
#ifndef REPLAB_FILEREAD_H
#define REPLAB_FILEREAD_H

#include <stddef.h>

/*
 * The contents of the file at path, NUL-terminated (the file may hold NUL
 * bytes too: *len, when len is not NULL, says how many bytes it has).  NULL
 * with errno set when it cannot be opened or read, or EFBIG when it holds
 * more than max bytes.  The caller frees the result.
 */
char *file_read_all(const char *path, size_t max, size_t *len);

#endif
