/* support.c: helpers shared by the cmocka unit tests. */
#include "support.h"

#include "tmdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int support_sh(char *out, size_t cap, const char *dir, const char *home, const char *fmt, ...)
{
    char cmd[4096], body[3500];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd,
             "cd '%s' && GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@e GIT_COMMITTER_NAME=t "
             "GIT_COMMITTER_EMAIL=t@e GIT_CONFIG_NOSYSTEM=1 HOME='%s' sh -c '%s' 2>/dev/null",
             dir, home, body);
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    size_t n = 0;
    char line[256];
    while (fgets(line, sizeof line, p)) {
        size_t len = strlen(line);
        if (out && n + len < cap) {
            memcpy(out + n, line, len);
            n += len;
        }
    }
    if (out)
        out[n] = '\0';
    return pclose(p);
}

void support_fingerprint(tmd_fingerprint *out, const char *python, const char *text)
{
    tmd_dialect dialect;
    assert_int_equal(tmd_dialect_parse(&dialect, python), TMD_OK);
    tmd_source src;
    assert_int_equal(tmd_source_prepare(&src, (const uint8_t *)text, strlen(text)), TMD_OK);
    assert_int_equal(tmd_fingerprint_python(out, &src, &dialect, TMD_FP_WANT_TEXT), TMD_OK);
    tmd_source_free(&src);
}
