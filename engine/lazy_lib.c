/* lazy_lib.c: dlopen/dlsym behind lazy_curl.c and lazy_git2.c. The library
 * stays loaded until the process exits (its global state may be in use in
 * other threads; dlclose would gain nothing). */
#include "lazy_lib.h"
#include "error.h"

#include <dlfcn.h>
#include <stdio.h>

int tmd_lazy_open(tmd_lazy_lib *lib, tmd_lazy_fill fill)
{
    void *handle = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
        const char *e = dlerror();
        snprintf(lib->why, sizeof lib->why, "%s: cannot load: %s (install %s)", lib->soname,
                 e ? e : "not found", lib->package);
        lib->failed = 1;
        return -1;
    }
    char missing[128] = "";
    if (fill(handle, missing, sizeof missing) != 0) {
        snprintf(lib->why, sizeof lib->why, "%s: cannot load: it has no %s (install %s)",
                 lib->soname, missing, lib->package);
        lib->failed = 1;
        dlclose(handle);
        return -1;
    }
    return 0;
}

int tmd_lazy_status(const tmd_lazy_lib *lib)
{
    return lib->failed ? tmd_error(TMD_ENOTFOUND, "%s", lib->why) : 0;
}

void *tmd_lazy_sym(void *handle, const char *name)
{
    return dlsym(handle, name);
}
