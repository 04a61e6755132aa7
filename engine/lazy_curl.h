/* lazy_curl.h: libcurl loaded with dlopen on first use (internal).
 *
 * Linking libcurl costs every tmdiff run ~3 ms of dynamic loading (gnutls,
 * krb5, ldap, nghttp2, ssh2, ...), though only --store, fetch and publish
 * use it. Files that call libcurl include this header instead of
 * <curl/curl.h>; the macros below send each curl_* call through a table
 * filled by dlsym the first time it is needed, so call sites read as plain
 * libcurl. (curl.h's gcc type-check macros are turned off: they wrap
 * curl_easy_setopt/getinfo, which must be the table's entries here.)
 *
 * The gate is curl_global_init(): it returns CURLE_FAILED_INIT (tmd_error
 * set: "libcurl.so.4: cannot load (install libcurl4)") when the library
 * cannot be loaded, and callers must check it before any other curl_* call;
 * the cleanup/free functions are safe no-ops on NULL. */
#ifndef TMD_LAZY_CURL_H
#define TMD_LAZY_CURL_H

#ifndef CURL_DISABLE_TYPECHECK
#define CURL_DISABLE_TYPECHECK
#endif
#include <curl/curl.h>
#undef curl_easy_setopt
#undef curl_easy_getinfo
#undef curl_multi_setopt
#undef curl_share_setopt

/* Every libcurl function tmdiff calls: add one here when a caller needs it. */
#define TMD_CURL_FUNCTIONS(X)                                                  \
    X(curl_global_init) X(curl_easy_init) X(curl_easy_setopt)                  \
    X(curl_easy_getinfo) X(curl_easy_perform) X(curl_easy_cleanup)             \
    X(curl_easy_strerror) X(curl_free) X(curl_slist_append)                    \
    X(curl_slist_free_all) X(curl_url) X(curl_url_set) X(curl_url_get)         \
    X(curl_url_cleanup) X(curl_multi_init) X(curl_multi_setopt)                \
    X(curl_multi_add_handle) X(curl_multi_remove_handle)                       \
    X(curl_multi_perform) X(curl_multi_poll) X(curl_multi_info_read)           \
    X(curl_multi_cleanup)

typedef struct tmd_curl_api {
#define TMD_CURL_FIELD(name) __typeof__(name) *name;
    TMD_CURL_FUNCTIONS(TMD_CURL_FIELD)
#undef TMD_CURL_FIELD
} tmd_curl_api;

/* Loads libcurl once per process (thread-safe). 0, or TMD_ENOTFOUND with
 * the message set (in the calling thread, on every call). */
int tmd_curl_load(void);

/* The table: filled when tmd_curl_load() succeeded, all NULL otherwise.
 * Loads on first call. Static storage: nobody frees it. */
const tmd_curl_api *tmd_curl(void);

/* The gate (see top). */
CURLcode tmd_curl_global_init(long flags);

#ifndef TMD_LAZY_CURL_IMPL
#define curl_global_init tmd_curl_global_init
/* libcurl's own cleanup/free calls accept NULL; so do these, loaded or not. */
#define TMD_CURL_FREE(name, p) ((p) ? tmd_curl()->name(p) : (void)0)
#define curl_easy_cleanup(p) TMD_CURL_FREE(curl_easy_cleanup, p)
#define curl_free(p) TMD_CURL_FREE(curl_free, p)
#define curl_slist_free_all(p) TMD_CURL_FREE(curl_slist_free_all, p)
#define curl_url_cleanup(p) TMD_CURL_FREE(curl_url_cleanup, p)
#define curl_multi_cleanup(p) ((p) ? tmd_curl()->curl_multi_cleanup(p) : CURLM_OK)
#define curl_easy_init (tmd_curl()->curl_easy_init)
#define curl_easy_setopt (tmd_curl()->curl_easy_setopt)
#define curl_easy_getinfo (tmd_curl()->curl_easy_getinfo)
#define curl_easy_perform (tmd_curl()->curl_easy_perform)
#define curl_easy_strerror (tmd_curl()->curl_easy_strerror)
#define curl_slist_append (tmd_curl()->curl_slist_append)
#define curl_url (tmd_curl()->curl_url)
#define curl_url_set (tmd_curl()->curl_url_set)
#define curl_url_get (tmd_curl()->curl_url_get)
#define curl_multi_init (tmd_curl()->curl_multi_init)
#define curl_multi_setopt (tmd_curl()->curl_multi_setopt)
#define curl_multi_add_handle (tmd_curl()->curl_multi_add_handle)
#define curl_multi_remove_handle (tmd_curl()->curl_multi_remove_handle)
#define curl_multi_perform (tmd_curl()->curl_multi_perform)
#define curl_multi_poll (tmd_curl()->curl_multi_poll)
#define curl_multi_info_read (tmd_curl()->curl_multi_info_read)
#endif

#endif
