/* lazy_curl.c: dlopen of libcurl on first use (see lazy_curl.h for why). */
#define TMD_LAZY_CURL_IMPL
#include "lazy_curl.h"
#include "lazy_lib.h"

#include <stdio.h>
#include <string.h>

#ifndef TMDIFF_CURL_SONAME
#error "TMDIFF_CURL_SONAME: set by engine/CMakeLists.txt from the library's SONAME"
#endif

static tmd_curl_api api;
static tmd_lazy_lib lib = {TMDIFF_CURL_SONAME, TMDIFF_CURL_PACKAGE, PTHREAD_ONCE_INIT, 0, ""};

static int fill(void *handle, char *missing, size_t cap)
{
#define TMD_CURL_SYM(name)                                                     \
    if (!(api.name = (__typeof__(api.name))tmd_lazy_sym(handle, #name))) {     \
        snprintf(missing, cap, "%s", #name);                                   \
        memset(&api, 0, sizeof api);                                           \
        return -1;                                                             \
    }
    TMD_CURL_FUNCTIONS(TMD_CURL_SYM)
#undef TMD_CURL_SYM
    return 0;
}

static void load_once(void) { tmd_lazy_open(&lib, fill); }

int tmd_curl_load(void)
{
    pthread_once(&lib.once, load_once);
    return tmd_lazy_status(&lib);
}

const tmd_curl_api *tmd_curl(void)
{
    pthread_once(&lib.once, load_once);
    return &api;
}

CURLcode tmd_curl_global_init(long flags)
{
    return tmd_curl_load() == 0 ? api.curl_global_init(flags) : CURLE_FAILED_INIT;
}
