/* lazy_git2.c: dlopen of libgit2 on first use (see lazy_git2.h for why). */
#define TMD_LAZY_GIT2_IMPL
#include "lazy_git2.h"
#include "lazy_lib.h"

#include <pthread.h>
#include <stdio.h>
#include <string.h>

#ifndef TMDIFF_GIT2_SONAME
#error "TMDIFF_GIT2_SONAME: set by engine/CMakeLists.txt from the library's SONAME"
#endif

static tmd_git2_api api;
static tmd_lazy_lib lib = {TMDIFF_GIT2_SONAME, TMDIFF_GIT2_PACKAGE, PTHREAD_ONCE_INIT, 0, ""};

static int fill(void *handle, char *missing, size_t cap)
{
#define TMD_GIT2_SYM(name)                                                     \
    if (!(api.name = (__typeof__(api.name))tmd_lazy_sym(handle, #name))) {     \
        snprintf(missing, cap, "%s", #name);                                   \
        memset(&api, 0, sizeof api);                                           \
        return -1;                                                             \
    }
    TMD_GIT2_FUNCTIONS(TMD_GIT2_SYM)
#undef TMD_GIT2_SYM
    return 0;
}

static git_error unloaded; /* git_error_last() without the library */

static void load_once(void)
{
    if (tmd_lazy_open(&lib, fill) != 0)
        unloaded.message = lib.why;
}

int tmd_git2_load(void)
{
    pthread_once(&lib.once, load_once);
    return tmd_lazy_status(&lib);
}

const tmd_git2_api *tmd_git2(void)
{
    pthread_once(&lib.once, load_once);
    return &api;
}

int tmd_git2_init(void)
{
    return tmd_git2_load() == 0 ? api.git_libgit2_init() : -1;
}

int tmd_git2_shutdown(void)
{
    return tmd_git2_load() == 0 ? api.git_libgit2_shutdown() : 0;
}

const git_error *tmd_git2_error_last(void)
{
    return tmd_git2_load() == 0 ? api.git_error_last() : &unloaded;
}
