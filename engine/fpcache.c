/* fpcache.c: block checksums of file contents already seen, so a changed
 * file is parsed once, not on every run. One SQLite file under
 * $XDG_CACHE_HOME/tmdiff (or ~/.cache/tmdiff): WAL mode and a busy timeout
 * let concurrent runs share it; every row carries a CRC-32 of its content,
 * so a damaged row is dropped and recomputed, and a damaged file is replaced;
 * the oldest rows go when it holds more than FPCACHE_MAX_ROWS. Keys carry
 * the build's identity (version + GNU build ID, or a hash of the executable). */
#include "build_id.h"
#include "cache_dir.h"
#include "error.h"
#include "fpcache_internal.h"
#include "tmdiff.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>
#include <zlib.h>

#ifndef TMDIFF_VERSION
#define TMDIFF_VERSION "0.1.0"
#endif

struct tmd_fpcache {
    sqlite3 *db;
    char *path;
    char version[64];  /* part of every key: an upgrade starts afresh */
    size_t max_rows;
    unsigned puts;     /* prune every FPCACHE_PRUNE_EVERY stores */
    sqlite3_stmt *get, *put, *touch;
};

static const char schema[] =
    "PRAGMA journal_mode=WAL;"
    "CREATE TABLE IF NOT EXISTS fp ("
    " key TEXT PRIMARY KEY,"  /* version|xxh3|size|dialect|flags */
    " status INTEGER NOT NULL,"
    " checksums BLOB,"        /* int32 little-endian */
    " reason TEXT NOT NULL,"
    " crc INTEGER NOT NULL,"  /* CRC-32 of key, status, checksums, reason */
    " used INTEGER NOT NULL"  /* seconds since the epoch, for pruning */
    ");"
    "CREATE INDEX IF NOT EXISTS fp_used ON fp(used);";

static uint32_t row_crc(const char *key, int status, const void *blob, size_t blob_len,
                        const char *reason)
{
    uLong c = crc32(0L, Z_NULL, 0);
    c = crc32(c, (const Bytef *)key, (uInt)strlen(key) + 1);
    unsigned char s = (unsigned char)status;
    c = crc32(c, &s, 1);
    c = crc32(c, blob ? (const Bytef *)blob : (const Bytef *)"", (uInt)blob_len);
    c = crc32(c, (const Bytef *)reason, (uInt)strlen(reason));
    return (uint32_t)c;
}

static void close_db(tmd_fpcache *c)
{
    sqlite3_finalize(c->get);
    sqlite3_finalize(c->put);
    sqlite3_finalize(c->touch);
    c->get = c->put = c->touch = NULL;
    if (c->db)
        sqlite3_close(c->db);
    c->db = NULL;
}

#define OPEN_DAMAGED (-1) /* not a cache of ours: replace the file */
#define OPEN_BUSY (-2)    /* another connection holds it: try again */
#define OPEN_TRIES 8      /* busy: 10, 20, 40, 80, 100, 100... ms apart */

/* Why the last call on c->db failed. Busy comes without the busy handler
 * when SQLite sees two connections that would wait for each other (two
 * runs creating the cache switch it to WAL at once): such a file is fine
 * and in use, never to be replaced. */
static int open_failure(const tmd_fpcache *c)
{
    int e = c->db ? sqlite3_errcode(c->db) & 0xff : SQLITE_NOMEM;
    return e == SQLITE_BUSY || e == SQLITE_LOCKED ? OPEN_BUSY : OPEN_DAMAGED;
}

/* Opens the file and checks it is a cache of ours: 0, OPEN_DAMAGED or
 * OPEN_BUSY. */
static int open_db(tmd_fpcache *c)
{
    if (sqlite3_open_v2(c->path, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                        NULL) != SQLITE_OK)
        return open_failure(c);
    sqlite3_busy_timeout(c->db, 5000);
    if (sqlite3_exec(c->db, schema, NULL, NULL, NULL) != SQLITE_OK)
        return open_failure(c);
    sqlite3_exec(c->db, "PRAGMA synchronous=NORMAL", NULL, NULL, NULL);
    if (sqlite3_prepare_v2(c->db, "SELECT status, checksums, reason, crc, used FROM fp WHERE key=?1", -1,
                           &c->get, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "INSERT OR REPLACE INTO fp VALUES (?1, ?2, ?3, ?4, ?5, ?6)", -1,
                           &c->put, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(c->db, "UPDATE fp SET used=?2 WHERE key=?1", -1, &c->touch, NULL) != SQLITE_OK)
        return open_failure(c);
    /* a file that is not a database fails on its first real read (one
     * row, not count(*): that read the whole cache on every run) */
    sqlite3_stmt *probe = NULL;
    int step = SQLITE_ERROR;
    if (sqlite3_prepare_v2(c->db, "SELECT key FROM fp LIMIT 1", -1, &probe, NULL) == SQLITE_OK)
        step = sqlite3_step(probe);
    sqlite3_finalize(probe);
    if (step == SQLITE_ROW || step == SQLITE_DONE)
        return 0;
    return step == SQLITE_BUSY || step == SQLITE_LOCKED ? OPEN_BUSY : OPEN_DAMAGED;
}

/* open_db, again while the file is busy. */
static int open_db_waiting(tmd_fpcache *c)
{
    int rc = open_db(c);
    for (int i = 0; rc == OPEN_BUSY && i < OPEN_TRIES; i++) {
        close_db(c);
        usleep((useconds_t)(i < 4 ? 10000 << i : 100000));
        rc = open_db(c);
    }
    return rc;
}

int fpcache_open_versioned(tmd_fpcache **out, const char *dir, const char *version, size_t max_rows)
{
    *out = NULL;
    tmd_fpcache *c = calloc(1, sizeof *c);
    char *d = cache_dir_path(dir, NULL);
    if (!c || !d) {
        int located = d || dir;
        free(c);
        free(d);
        return located ? tmd_error(TMD_ENOMEM, "fpcache: out of memory")
                        : tmd_error(TMD_ENOTFOUND, "fpcache: neither $XDG_CACHE_HOME nor $HOME is set "
                                                   "(set one, or run without the cache)");
    }
    snprintf(c->version, sizeof c->version, "%s", version);
    c->max_rows = max_rows;
    if (cache_dir_make(d) != 0) {
        int e = errno;
        free(c);
        int rc = tmd_error(TMD_EIO, "%s: cannot create the cache folder: %s (check permissions)", d, strerror(e));
        free(d);
        return rc;
    }
    size_t n = strlen(d) + 32;
    c->path = malloc(n);
    if (c->path)
        snprintf(c->path, n, "%s/fingerprints.sqlite3", d);
    free(d);
    if (!c->path) {
        free(c);
        return tmd_error(TMD_ENOMEM, "fpcache: out of memory");
    }
    int rc = open_db_waiting(c);
    if (rc == OPEN_DAMAGED) {
        /* damaged beyond a row: start a new file */
        close_db(c);
        char side[4200];
        unlink(c->path);
        snprintf(side, sizeof side, "%s-wal", c->path);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", c->path);
        unlink(side);
        rc = open_db_waiting(c);
    }
    if (rc != 0) {
        rc = tmd_error(TMD_EIO, "%s: cannot open the fingerprint cache: %s (%s)", c->path,
                       c->db ? sqlite3_errmsg(c->db) : "out of memory",
                       rc == OPEN_BUSY ? "another tmdiff holds it; this run goes without it" : "remove the file");
        tmd_fpcache_close(c);
        return rc;
    }
    *out = c;
    return 0;
}

/* The running build's identity: its version and a hash of its executable,
 * so that any rebuild (a changed dumper between two commits too) starts
 * with fresh keys instead of trusting checksums an older build computed. */
static void build_identity(char *out, size_t size)
{
    char id[130];
    if (tmd_build_id(id, sizeof id) == 0) { /* no file to read: ~1 ms less per run */
        snprintf(out, size, "%s-%.40s", TMDIFF_VERSION, id);
        return;
    }
    uint8_t *exe = NULL;
    size_t n = 0;
    if (tmd_file_read(&exe, &n, "/proc/self/exe") == 0) {
        snprintf(out, size, "%s-%016llx", TMDIFF_VERSION, (unsigned long long)XXH3_64bits(exe, n));
        free(exe);
    } else {
        snprintf(out, size, "%s", TMDIFF_VERSION);
    }
}

int tmd_fpcache_open(tmd_fpcache **out, const char *dir)
{
    char version[64];
    build_identity(version, sizeof version);
    return fpcache_open_versioned(out, dir, version, FPCACHE_MAX_ROWS);
}

void tmd_fpcache_close(tmd_fpcache *cache)
{
    if (!cache)
        return;
    close_db(cache);
    free(cache->path);
    free(cache);
}

static void make_key(char *key, size_t size, const tmd_fpcache *c, const tmd_source *src, size_t raw_len,
                     const tmd_dialect *d, int flags, int whole_text)
{
    snprintf(key, size, "%s|%016llx|%zu|3.%d.%d|%d|%d", c->version, (unsigned long long)src->xxh3, raw_len,
             d ? d->minor : 0, d ? d->micro : 0, flags & TMD_FP_DEDENT, whole_text);
}

/* 1 and *out on a verified hit, 0 on a miss (damaged rows are deleted). */
static int lookup(tmd_fingerprint *out, tmd_fpcache *c, const char *key)
{
    sqlite3_reset(c->get);
    sqlite3_bind_text(c->get, 1, key, -1, SQLITE_STATIC);
    int hit = 0;
    if (sqlite3_step(c->get) == SQLITE_ROW) {
        int status = sqlite3_column_int(c->get, 0);
        const void *blob = sqlite3_column_blob(c->get, 1);
        size_t blen = (size_t)sqlite3_column_bytes(c->get, 1);
        const char *reason = (const char *)sqlite3_column_text(c->get, 2);
        uint32_t crc = (uint32_t)sqlite3_column_int64(c->get, 3);
        sqlite3_int64 used = sqlite3_column_int64(c->get, 4);
        int valid = reason && blen % 4 == 0 && status >= TMD_FP_BLOCKS && status <= TMD_FP_INEXACT &&
                    crc == row_crc(key, status, blob, blen, reason);
        if (valid) {
            memset(out, 0, sizeof *out);
            out->status = (tmd_fp_status)status;
            out->count = blen / 4;
            out->checksums = malloc(blen ? blen : 1);
            if (out->checksums) {
                const unsigned char *b = blob;
                for (size_t i = 0; i < out->count; i++)
                    out->checksums[i] = (int32_t)((uint32_t)b[4 * i] | (uint32_t)b[4 * i + 1] << 8 |
                                                  (uint32_t)b[4 * i + 2] << 16 | (uint32_t)b[4 * i + 3] << 24);
                snprintf(out->reason, sizeof out->reason, "%s", reason);
                hit = 1;
            }
        }
        sqlite3_reset(c->get);
        if (!valid) {
            sqlite3_stmt *del = NULL;
            if (sqlite3_prepare_v2(c->db, "DELETE FROM fp WHERE key=?1", -1, &del, NULL) == SQLITE_OK) {
                sqlite3_bind_text(del, 1, key, -1, SQLITE_STATIC);
                sqlite3_step(del);
            }
            sqlite3_finalize(del);
        } else if (hit && time(NULL) - used > 86400) {
            /* keep recently used rows from pruning, at most one write a day */
            sqlite3_reset(c->touch);
            sqlite3_bind_text(c->touch, 1, key, -1, SQLITE_STATIC);
            sqlite3_bind_int64(c->touch, 2, (sqlite3_int64)time(NULL));
            sqlite3_step(c->touch);
            sqlite3_reset(c->touch);
        }
    }
    sqlite3_reset(c->get);
    return hit;
}

static void prune(tmd_fpcache *c)
{
    sqlite3_stmt *s = NULL;
    if (sqlite3_prepare_v2(c->db,
                           "DELETE FROM fp WHERE rowid IN (SELECT rowid FROM fp ORDER BY used, rowid "
                           "LIMIT max(0, (SELECT count(*) FROM fp) - ?1))",
                           -1, &s, NULL) == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, (sqlite3_int64)c->max_rows);
        sqlite3_step(s);
    }
    sqlite3_finalize(s);
}

/* Best effort: a store that fails (disk full, locked too long) costs time only. */
static void store(tmd_fpcache *c, const char *key, const tmd_fingerprint *fp)
{
    size_t blen = fp->count * 4;
    unsigned char *blob = malloc(blen ? blen : 1);
    if (!blob)
        return;
    for (size_t i = 0; i < fp->count; i++) {
        uint32_t v = (uint32_t)fp->checksums[i];
        blob[4 * i] = (unsigned char)v;
        blob[4 * i + 1] = (unsigned char)(v >> 8);
        blob[4 * i + 2] = (unsigned char)(v >> 16);
        blob[4 * i + 3] = (unsigned char)(v >> 24);
    }
    sqlite3_reset(c->put);
    sqlite3_bind_text(c->put, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int(c->put, 2, (int)fp->status);
    sqlite3_bind_blob(c->put, 3, blob, (int)blen, SQLITE_STATIC);
    sqlite3_bind_text(c->put, 4, fp->reason, -1, SQLITE_STATIC);
    sqlite3_bind_int64(c->put, 5, (sqlite3_int64)row_crc(key, (int)fp->status, blob, blen, fp->reason));
    sqlite3_bind_int64(c->put, 6, (sqlite3_int64)time(NULL));
    sqlite3_step(c->put);
    sqlite3_reset(c->put);
    free(blob);
    if (++c->puts % FPCACHE_PRUNE_EVERY == 1)
        prune(c);
}

int tmd_fpcache_fingerprint(tmd_fingerprint *out, tmd_fpcache *cache, const tmd_source *src,
                            size_t raw_len, const tmd_dialect *dialect, int flags, int whole_text)
{
    memset(out, 0, sizeof *out);
    if (flags & TMD_FP_WANT_TEXT)
        return tmd_error(TMD_EINVAL, "fpcache: block texts are not cached (call tmd_fingerprint_python)");
    char key[160];
    if (cache) {
        make_key(key, sizeof key, cache, src, raw_len, dialect, flags, whole_text);
        if (lookup(out, cache, key))
            return 0;
    }
    int rc = whole_text ? tmd_fingerprint_whole_text(out, src, flags)
                        : tmd_fingerprint_python(out, src, dialect, flags);
    if (rc == 0 && cache)
        store(cache, key, out);
    return rc;
}

size_t fpcache_rows(tmd_fpcache *c)
{
    sqlite3_stmt *s = NULL;
    size_t n = 0;
    if (sqlite3_prepare_v2(c->db, "SELECT count(*) FROM fp", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        n = (size_t)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

const char *fpcache_path(const tmd_fpcache *c)
{
    return c->path;
}
