/* dialect.c: which Python's ast a database was recorded with. */
#include "error.h"

#include <stdio.h>

int tmd_dialect_parse(tmd_dialect *out, const char *version)
{
    int major = 0, minor = 0, micro = -1, used = 0;
    int n = sscanf(version, "%d.%d%n.%d%n", &major, &minor, &used, &micro, &used);
    if (n < 2 || version[used] != '\0' || major != 3 || minor < 8 || minor > 13 ||
        (n == 3 && micro < 0))
        return tmd_error(TMD_EFORMAT,
                         "python version '%s': not one tmdiff knows (it reproduces "
                         "CPython 3.8 to 3.13: give X.Y or X.Y.Z)", version);
    out->minor = minor;
    out->micro = n == 3 ? micro : -1;
    return TMD_OK;
}
