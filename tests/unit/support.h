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
/* Runs `sh -c CMD` in dir with a throw-away git identity and HOME=home,
 * stderr discarded; the first cap-1 bytes of stdout go to out (may be NULL).
 * Returns pclose()'s status (0: success). */
int support_sh(char *out, size_t cap, const char *dir, const char *home, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Fingerprints `text` with Python `python` ("3.11.7"), block texts kept;
 * fails the test on any engine error. Free *out with tmd_fingerprint_free. */
struct tmd_fingerprint;
void support_fingerprint(struct tmd_fingerprint *out, const char *python, const char *text);
/* Exit code that ctest counts as "skipped" (SKIP_RETURN_CODE). */
#define SUPPORT_SKIP 77

#endif
