/* lazy_git2.h: libgit2 loaded with dlopen on first use (internal).
 *
 * Linking libgit2 costs every tmdiff run ~2 ms of dynamic loading (it pulls
 * in mbedTLS, libssh2, http-parser, pcre2), though most runs never touch it:
 * filestate reads git's index itself. Files that call libgit2 include this
 * header instead of <git2.h>; the macros below send each git_* call through
 * a table filled by dlsym the first time it is needed, so call sites read
 * as plain libgit2.
 *
 * The gate is git_libgit2_init(): it returns -1 (tmd_error set: "libgit2.so.1.5:
 * cannot load (install libgit2-1.5)") when the library cannot be loaded, and
 * callers must check it before any other git_* call. git_error_last() then
 * returns that message, and the *_free functions and git_libgit2_shutdown()
 * are safe no-ops on NULL / an unloaded library. */
#ifndef TMD_LAZY_GIT2_H
#define TMD_LAZY_GIT2_H

#include <git2.h>

/* Every libgit2 function tmdiff calls: add one here when a caller needs it. */
#define TMD_GIT2_FUNCTIONS(X)                                                  \
    X(git_libgit2_init) X(git_libgit2_shutdown) X(git_error_last)              \
    X(git_repository_open_ext) X(git_repository_free)                          \
    X(git_repository_workdir) X(git_repository_commondir)                      \
    X(git_repository_index) X(git_index_free) X(git_index_get_bypath)          \
    X(git_commit_lookup) X(git_commit_free) X(git_commit_id)                   \
    X(git_commit_time) X(git_commit_parentcount) X(git_commit_parent_id)       \
    X(git_object_free) X(git_object_peel) X(git_revparse_single)               \
    X(git_odb_hash) X(git_oid_cmp) X(git_oid_equal) X(git_oid_fromstr)         \
    X(git_oid_tostr) X(git_status_list_new) X(git_status_list_free)            \
    X(git_status_list_entrycount) X(git_status_byindex)                        \
    X(git_status_options_init)

typedef struct tmd_git2_api {
#define TMD_GIT2_FIELD(name) __typeof__(name) *name;
    TMD_GIT2_FUNCTIONS(TMD_GIT2_FIELD)
#undef TMD_GIT2_FIELD
} tmd_git2_api;

/* Loads libgit2 once per process (thread-safe). 0, or TMD_ENOTFOUND with
 * the message set (in the calling thread, on every call). */
int tmd_git2_load(void);

/* The table: filled when tmd_git2_load() succeeded, all NULL otherwise.
 * Loads on first call. Static storage: nobody frees it. */
const tmd_git2_api *tmd_git2(void);

/* The gate and the calls that must work without the library (see top). */
int tmd_git2_init(void);
int tmd_git2_shutdown(void);
const git_error *tmd_git2_error_last(void);

#ifndef TMD_LAZY_GIT2_IMPL
#define git_libgit2_init tmd_git2_init
#define git_libgit2_shutdown tmd_git2_shutdown
#define git_error_last tmd_git2_error_last
/* libgit2's own *_free accept NULL; so do these, loaded or not. */
#define TMD_GIT2_FREE(name, p) ((p) ? tmd_git2()->name(p) : (void)0)
#define git_repository_free(p) TMD_GIT2_FREE(git_repository_free, p)
#define git_index_free(p) TMD_GIT2_FREE(git_index_free, p)
#define git_commit_free(p) TMD_GIT2_FREE(git_commit_free, p)
#define git_object_free(p) TMD_GIT2_FREE(git_object_free, p)
#define git_status_list_free(p) TMD_GIT2_FREE(git_status_list_free, p)
#define git_repository_open_ext (tmd_git2()->git_repository_open_ext)
#define git_repository_workdir (tmd_git2()->git_repository_workdir)
#define git_repository_commondir (tmd_git2()->git_repository_commondir)
#define git_repository_index (tmd_git2()->git_repository_index)
#define git_index_get_bypath (tmd_git2()->git_index_get_bypath)
#define git_commit_lookup (tmd_git2()->git_commit_lookup)
#define git_commit_id (tmd_git2()->git_commit_id)
#define git_commit_time (tmd_git2()->git_commit_time)
#define git_commit_parentcount (tmd_git2()->git_commit_parentcount)
#define git_commit_parent_id (tmd_git2()->git_commit_parent_id)
#define git_object_peel (tmd_git2()->git_object_peel)
#define git_revparse_single (tmd_git2()->git_revparse_single)
#define git_odb_hash (tmd_git2()->git_odb_hash)
#define git_oid_cmp (tmd_git2()->git_oid_cmp)
#define git_oid_equal (tmd_git2()->git_oid_equal)
#define git_oid_fromstr (tmd_git2()->git_oid_fromstr)
#define git_oid_tostr (tmd_git2()->git_oid_tostr)
#define git_status_list_new (tmd_git2()->git_status_list_new)
#define git_status_list_entrycount (tmd_git2()->git_status_list_entrycount)
#define git_status_byindex (tmd_git2()->git_status_byindex)
#define git_status_options_init (tmd_git2()->git_status_options_init)
#endif

#endif
