/* build_id.h: the running executable's GNU build ID (internal). */
#ifndef TMD_BUILD_ID_H
#define TMD_BUILD_ID_H

#include <stddef.h>

/* Writes the main program's NT_GNU_BUILD_ID note as lowercase hex to `out`
 * (NUL-terminated) from the loaded program headers: no file is read. The
 * linker computes it over the whole output, so any rebuild that changes the
 * code changes it. 0, or -1 when the executable has none (linked without
 * --build-id) or `size` is too small. */
int tmd_build_id(char *out, size_t size);

#endif
