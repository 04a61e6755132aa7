/* error.c: the last-error message, one per thread, as libgit2 keeps it. */
#include "error.h"

#include <stdarg.h>
#include <stdio.h>

static _Thread_local char last_message[1024];

int tmd_error(int status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(last_message, sizeof last_message, fmt, ap);
    va_end(ap);
    return status;
}

void tmd_error_clear(void) { last_message[0] = '\0'; }

const char *tmd_error_message(void) { return last_message; }
