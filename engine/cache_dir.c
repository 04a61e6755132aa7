/* cache_dir.c: the cache folder's location and creation (cache_dir.h). */
#include "cache_dir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

char *cache_dir_path(const char *given, const char *sub)
{
    const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    const char *base, *tail;
    if (given) {
        base = given, tail = "";
    } else if (xdg && *xdg == '/') {
        base = xdg, tail = "/tmdiff";
    } else if (home && *home) {
        base = home, tail = "/.cache/tmdiff";
    } else {
        return NULL;
    }
    size_t n = strlen(base) + strlen(tail) + (sub ? strlen(sub) + 1 : 0) + 1;
    char *path = malloc(n);
    if (path)
        snprintf(path, n, "%s%s%s%s", base, tail, sub ? "/" : "", sub ? sub : "");
    return path;
}

int cache_dir_make(const char *path)
{
    char *p = strdup(path);
    if (!p)
        return -1;
    for (char *s = p + 1; *s; s++)
        if (*s == '/') {
            *s = '\0';
            mkdir(p, 0700); /* an existing or unmakeable parent shows below */
            *s = '/';
        }
    int rc = mkdir(p, 0700) == 0 || errno == EEXIST ? 0 : -1;
    int e = errno;
    free(p);
    errno = e;
    return rc;
}
