/* error.h: setting the per-thread last-error message (internal). */
#ifndef TMD_ERROR_H
#define TMD_ERROR_H

#include "tmdiff.h"

/* Formats the message kept for tmd_error_message() and returns `status`, so
 * a failure reads `return tmd_error(TMD_EIO, "%s: %s", path, strerror(errno));`.
 * Messages name the file and the fix: "what: why (hint)". */
int tmd_error(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears the message (a successful call leaves it unchanged otherwise). */
void tmd_error_clear(void);

#endif
