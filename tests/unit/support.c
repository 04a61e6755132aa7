/* support.c: helpers shared by the cmocka unit tests. */
#include "support.h"

#include <stdio.h>
#include <stdlib.h>

char *support_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, n = 0;
    char *data = malloc(cap + 1);
    size_t got;
    while (data && (got = fread(data + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            char *bigger = realloc(data, cap * 2 + 1);
            if (!bigger) {
                free(data);
                data = NULL;
                break;
            }
            data = bigger;
            cap *= 2;
        }
    }
    fclose(f);
    if (data) {
        data[n] = '\0';
        if (len)
            *len = n;
    }
    return data;
}

const char *support_shared_path(const char *rel)
{
    static char path[4096];
    const char *dir = getenv("TMDIFF_SHARED_DIR");
    snprintf(path, sizeof path, "%s/%s", dir && *dir ? dir : TMDIFF_SHARED_DIR, rel);
    return path;
}
