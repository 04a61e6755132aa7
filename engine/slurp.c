/* slurp.c: a small file read whole (slurp.h). */
#include "slurp.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

char *tmd_slurp(const char *path, size_t max, size_t *len, const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    *why = "cannot be read";
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct stat st;
    char *s = NULL;
    if (fstat(fileno(f), &st) != 0)
        ;
    else if (!S_ISREG(st.st_mode))
        *why = "not a regular file";
    else if ((uintmax_t)st.st_size > max)
        *why = "too large";
    else if ((s = malloc((size_t)st.st_size + 1)) && fread(s, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
        free(s);
        s = NULL;
    }
    fclose(f);
    if (!s)
        return NULL;
    s[st.st_size] = '\0';
    if (len)
        *len = (size_t)st.st_size;
    *why = NULL;
    return s;
}
