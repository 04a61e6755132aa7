/* lazy_lib.h: opening a shared library on first use (internal), for
 * lazy_curl.c and lazy_git2.c. Each keeps one static tmd_lazy_lib and a
 * fill() that looks up its functions. */
#ifndef TMD_LAZY_LIB_H
#define TMD_LAZY_LIB_H

#include <pthread.h>
#include <stddef.h>

typedef struct tmd_lazy_lib {
    const char *soname;  /* exact SONAME the build linked against */
    const char *package; /* what to install when it is missing */
    pthread_once_t once;
    int failed;
    char why[512]; /* "<soname>: cannot load: <why> (install <package>)" */
} tmd_lazy_lib;

/* fill(handle, missing, cap): look up every function with tmd_lazy_sym;
 * on a missing one, write its name to `missing` and return -1. */
typedef int (*tmd_lazy_fill)(void *handle, char *missing, size_t cap);

/* dlopen()s lib->soname and runs fill; on failure sets lib->failed and
 * lib->why, closes the library and returns -1. Call it from pthread_once. */
int tmd_lazy_open(tmd_lazy_lib *lib, tmd_lazy_fill fill);

/* 0 once loaded, else TMD_ENOTFOUND with lib->why as this thread's message. */
int tmd_lazy_status(const tmd_lazy_lib *lib);

void *tmd_lazy_sym(void *handle, const char *name);

#endif
