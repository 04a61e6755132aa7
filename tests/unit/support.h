/* support.h: helpers shared by the cmocka unit tests. */
#ifndef TMD_TEST_SUPPORT_H
#define TMD_TEST_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

/* Reads a whole file; NULL if it cannot. free() the result. */
char *support_read_file(const char *path, size_t *len);
/* "<shared>/<rel>" in a static buffer; the shared/ folder is TMDIFF_SHARED_DIR
 * or $TMDIFF_SHARED_DIR. */
const char *support_shared_path(const char *rel);
/* Exit code that ctest counts as "skipped" (SKIP_RETURN_CODE). */
#define SUPPORT_SKIP 77

#endif
