/* dbcache.h: the local cache of downloaded databases (internal).
 *
 * One folder per store. A database enters it only through
 * tmd_dbcache_install: downloaded into a temporary file of the same folder,
 * verified, fsync'd and renamed into place, so a crash, Ctrl-C or a second
 * process never leaves a file under a final name that is not a verified
 * database. "<commit>.miss" markers remember recent "not in the store"
 * answers; "<commit>.lock" files serialise downloads of one commit. */
#ifndef TMD_DBCACHE_H
#define TMD_DBCACHE_H

#include "tmdiff.h"

typedef struct tmd_dbcache {
    char *dir;            /* <base>/stores/<key>, created on open */
    size_t max_entries;
    uint64_t max_bytes;
    double miss_ttl;      /* seconds */
} tmd_dbcache;

/* Opens (creating) the folder for the store whose credential-free location
 * is `display`. base NULL: $XDG_CACHE_HOME/tmdiff or ~/.cache/tmdiff.
 * Release with tmd_dbcache_close. */
int tmd_dbcache_open(tmd_dbcache *out, const char *base, const char *display,
                     const tmd_store_options *opts);
void tmd_dbcache_close(tmd_dbcache *c);

/* "<dir>/<commit>.testmondata"; free() it. NULL when out of memory. */
char *tmd_dbcache_path(const tmd_dbcache *c, const char *commit);
/* 1 when the commit's database is in the cache (it was verified before it
 * got its name); refreshes its mtime, the eviction order. */
int tmd_dbcache_has(const tmd_dbcache *c, const char *commit);
/* 1 when the store said "no such commit" less than miss_ttl seconds ago. */
int tmd_dbcache_miss_fresh(const tmd_dbcache *c, const char *commit);
void tmd_dbcache_note_miss(const tmd_dbcache *c, const char *commit);
/* The store has it now (found, or published from here). */
void tmd_dbcache_forget_miss(const tmd_dbcache *c, const char *commit);

/* Waits for the exclusive lock on the commit's download; *out_fd is passed to
 * tmd_dbcache_unlock. */
int tmd_dbcache_lock(int *out_fd, const tmd_dbcache *c, const char *commit);
void tmd_dbcache_unlock(int fd);

/* Creates an empty temporary file in the cache folder: *out_fd open for
 * reading and writing, *out_path its name (free() it). */
int tmd_dbcache_tmpfile(int *out_fd, char **out_path, const tmd_dbcache *c, const char *commit);

/* Marks the database in tmp_path as rollback-journal (a lone file, no -wal),
 * verifies it, fsyncs and renames it to the commit's final name. On failure
 * the temporary file is removed and the cache is as before. */
int tmd_dbcache_install(const tmd_dbcache *c, const char *tmp_path, const char *commit,
                        const char *source);

/* Keeps at most max_entries databases and max_bytes (the most recently used
 * first, `keep` always), drops stale markers and the temporary files of
 * processes that are gone. Best effort: failures are ignored. */
void tmd_dbcache_evict(const tmd_dbcache *c, const char *keep);

/* Sets bytes 18-19 of a SQLite header (read/write format version) to 1, the
 * rollback journal, so the file is complete without a -wal beside it. */
int tmd_dbcache_unwal(const char *path);

#endif
