/* slurp.h: a small file read whole (internal): configuration files, package
 * metadata, test modules. The files of interest themselves go through
 * fileread.h, which keeps them inside the root and reuses one buffer. */
#ifndef TMD_SLURP_H
#define TMD_SLURP_H

#include <stddef.h>

/* The regular file `path` if it has at most `max` bytes: a malloc'd copy
 * with a NUL after its bytes (*len of them, when len is not NULL). NULL
 * otherwise, with *why (when not NULL) "cannot be read" (missing,
 * unreadable, out of memory) or "not a regular file" or "too large". */
char *tmd_slurp(const char *path, size_t max, size_t *len, const char **why);

#endif
