/* dbcache.c: verified databases in a local cache folder, installed
 * atomically, evicted least recently used first. See dbcache.h. */
#include "cache_dir.h"
#include "dbcache.h"
#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

static const char suffix_db[] = ".testmondata";

static char *join(const char *dir, const char *name, const char *ext)
{
    size_t n = strlen(dir) + strlen(name) + strlen(ext) + 2;
    char *p = malloc(n);
    if (p)
        snprintf(p, n, "%s/%s%s", dir, name, ext);
    return p;
}

int tmd_dbcache_open(tmd_dbcache *out, const char *base, const char *display,
                     const tmd_store_options *opts)
{
    memset(out, 0, sizeof *out);
    /* One folder per store, named by a hash of its credential-free location,
     * so two stores never mix databases. */
    char key[64];
    snprintf(key, sizeof key, "stores/%016llx", (unsigned long long)XXH3_64bits(display, strlen(display)));
    out->dir = cache_dir_path(base && *base ? base : NULL, key);
    if (!out->dir)
        return tmd_error(TMD_EINVAL, "cache: no cache folder: neither XDG_CACHE_HOME nor HOME "
                         "is set, or memory ran out (set XDG_CACHE_HOME)");
    out->max_entries = opts->cache_entries ? opts->cache_entries : 1;
    out->max_bytes = opts->cache_bytes;
    out->miss_ttl = opts->miss_ttl;
    int rc = TMD_OK;
    if (cache_dir_make(out->dir) != 0) /* private: cached databases name their code */
        rc = tmd_error(TMD_EIO, "%s: cannot create the cache folder: %s (set XDG_CACHE_HOME)",
                       out->dir, strerror(errno));
    if (rc == 0) {
        /* A note for whoever looks inside: which store this folder mirrors. */
        char *note = join(out->dir, "store", ".txt");
        FILE *f = note ? fopen(note, "wx") : NULL;
        if (f) {
            fprintf(f, "%s\n", display);
            fclose(f);
        }
        free(note);
    }
    if (rc != 0)
        tmd_dbcache_close(out);
    return rc;
}

void tmd_dbcache_close(tmd_dbcache *c)
{
    free(c->dir);
    c->dir = NULL;
}

char *tmd_dbcache_path(const tmd_dbcache *c, const char *commit)
{
    return join(c->dir, commit, suffix_db);
}

int tmd_dbcache_has(const tmd_dbcache *c, const char *commit)
{
    char *p = tmd_dbcache_path(c, commit);
    struct stat st;
    int found = p && stat(p, &st) == 0 && S_ISREG(st.st_mode);
    if (found)
        utimensat(AT_FDCWD, p, NULL, 0); /* most recently used */
    free(p);
    return found;
}

int tmd_dbcache_miss_fresh(const tmd_dbcache *c, const char *commit)
{
    if (c->miss_ttl <= 0)
        return 0;
    char *p = join(c->dir, commit, ".miss");
    struct stat st;
    int fresh = p && stat(p, &st) == 0 && difftime(time(NULL), st.st_mtime) < c->miss_ttl &&
                difftime(time(NULL), st.st_mtime) >= -1;
    free(p);
    return fresh;
}

void tmd_dbcache_note_miss(const tmd_dbcache *c, const char *commit)
{
    char *p = join(c->dir, commit, ".miss");
    int fd = p ? open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600) : -1;
    if (fd >= 0) {
        futimens(fd, NULL);
        close(fd);
    }
    free(p);
}

void tmd_dbcache_forget_miss(const tmd_dbcache *c, const char *commit)
{
    char *p = join(c->dir, commit, ".miss");
    if (p)
        unlink(p);
    free(p);
}

int tmd_dbcache_lock(int *out_fd, const tmd_dbcache *c, const char *commit)
{
    char *p = join(c->dir, commit, ".lock");
    if (!p)
        return tmd_error(TMD_ENOMEM, "cache: out of memory");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    int rc = 0;
    if (fd < 0)
        rc = tmd_error(TMD_EIO, "%s: %s (check the cache folder's permissions)", p, strerror(errno));
    while (rc == 0 && flock(fd, LOCK_EX) != 0) {
        if (errno != EINTR) {
            rc = tmd_error(TMD_EIO, "%s: cannot lock: %s", p, strerror(errno));
            close(fd);
        }
    }
    free(p);
    *out_fd = rc == 0 ? fd : -1;
    return rc;
}

void tmd_dbcache_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

int tmd_dbcache_tmpfile(int *out_fd, char **out_path, const tmd_dbcache *c, const char *commit)
{
    /* ".tmp-<commit>-<pid>-<n>": never a final name, and the pid lets a later
     * eviction remove what a killed process left. */
    char name[128];
    for (unsigned n = 0; n < 1000; n++) {
        snprintf(name, sizeof name, ".tmp-%s-%ld-%u", commit, (long)getpid(), n);
        char *p = join(c->dir, name, "");
        if (!p)
            return tmd_error(TMD_ENOMEM, "cache: out of memory");
        int fd = open(p, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd >= 0) {
            *out_fd = fd;
            *out_path = p;
            return 0;
        }
        int e = errno;
        free(p);
        if (e != EEXIST)
            return tmd_error(TMD_EIO, "%s: cannot create a temporary file: %s (check free space and "
                             "permissions)", c->dir, strerror(e));
    }
    return tmd_error(TMD_EIO, "%s: no free temporary file name (clear the folder)", c->dir);
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The 100-byte header against the file's size: catches a cut download even
 * where quick_check would only look at the pages that are there. */
static int check_header(const char *path)
{
    unsigned char h[100];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tmd_error(TMD_EIO, "%s: %s", path, strerror(errno));
    struct stat st;
    ssize_t got = fstat(fd, &st) == 0 ? pread(fd, h, sizeof h, 0) : -1;
    close(fd);
    if (got != (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
        return tmd_error(TMD_EFORMAT, "%s: not a SQLite database (the store holds something else "
                         "under this commit: publish it again)", path);
    uint32_t page = (uint32_t)h[16] << 8 | h[17];
    if (page == 1)
        page = 65536;
    if (page < 512 || (page & (page - 1)) != 0 || st.st_size % page != 0)
        return tmd_error(TMD_EFORMAT, "%s: SQLite file of %lld bytes is not whole pages of %u "
                         "(truncated: fetch it again)", path, (long long)st.st_size, page);
    uint32_t pages = be32(h + 28), change = be32(h + 24), valid_for = be32(h + 92);
    if (pages != 0 && change == valid_for && (uint64_t)pages * page != (uint64_t)st.st_size)
        return tmd_error(TMD_EFORMAT, "%s: SQLite header says %u pages, the file holds %lld "
                         "(truncated: fetch it again)", path, pages, (long long)(st.st_size / page));
    return 0;
}

int tmd_dbcache_verify(const char *path)
{
    int rc = check_header(path);
    if (rc != 0)
        return rc;
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        rc = tmd_error(TMD_EFORMAT, "%s: cannot open: %s", path, db ? sqlite3_errmsg(db) : "no memory");
        goto done;
    }
    int version = -1;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    st = NULL;
    if (version != 13 && version != 14) {
        rc = tmd_error(TMD_EFORMAT, "%s: data version %d, tmdiff reads 13 and 14 (pytest-testmon "
                       "2.0-2.2: record it with one of those)", path, version);
        goto done;
    }
    const char *verdict = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW)
        verdict = (const char *)sqlite3_column_text(st, 0);
    if (!verdict || strcmp(verdict, "ok") != 0)
        rc = tmd_error(TMD_EFORMAT, "%s: damaged database: %s (publish it again)", path,
                       verdict ? verdict : sqlite3_errmsg(db));
done:
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

int tmd_dbcache_unwal(const char *path)
{
    int fd = open(path, O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return tmd_error(TMD_EIO, "%s: %s", path, strerror(errno));
    unsigned char h[20];
    int rc = 0;
    if (pread(fd, h, sizeof h, 0) != (ssize_t)sizeof h || memcmp(h, "SQLite format 3", 16) != 0)
        rc = tmd_error(TMD_EFORMAT, "%s: not a SQLite database (the store holds something else "
                       "under this commit: publish it again)", path);
    else if ((h[18] == 2 || h[19] == 2) && pwrite(fd, "\1\1", 2, 18) != 2)
        rc = tmd_error(TMD_EIO, "%s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

int tmd_dbcache_install(const tmd_dbcache *c, const char *tmp_path, const char *commit,
                        const char *source)
{
    char *final = tmd_dbcache_path(c, commit);
    int rc = final ? 0 : tmd_error(TMD_ENOMEM, "cache: out of memory");
    if (rc == 0 && ((rc = tmd_dbcache_unwal(tmp_path)) != 0 || (rc = tmd_dbcache_verify(tmp_path)) != 0)) {
        /* Name what was served, not the temporary file. */
        const char *why = tmd_error_message();
        size_t skip = strlen(tmp_path);
        if (!strncmp(why, tmp_path, skip) && !strncmp(why + skip, ": ", 2))
            why += skip + 2;
        char reason[900];
        snprintf(reason, sizeof reason, "%s", why);
        rc = tmd_error(rc, "%s: rejected, not cached: %s", source, reason);
    }
    if (rc == 0) {
        int fd = open(tmp_path, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || fsync(fd) != 0)
            rc = tmd_error(TMD_EIO, "%s: %s", tmp_path, strerror(errno));
        if (fd >= 0)
            close(fd);
    }
    if (rc == 0 && rename(tmp_path, final) != 0)
        rc = tmd_error(TMD_EIO, "%s: cannot rename into place: %s", final, strerror(errno));
    if (rc == 0) {
        int dfd = open(c->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dfd >= 0) {
            fsync(dfd); /* the rename itself survives a crash */
            close(dfd);
        }
    } else {
        unlink(tmp_path);
    }
    free(final);
    return rc;
}

typedef struct cached_db {
    char *name;
    time_t mtime;
    uint64_t size;
} cached_db;

static int newest_first(const void *a, const void *b)
{
    const cached_db *x = a, *y = b;
    return x->mtime < y->mtime ? 1 : x->mtime > y->mtime ? -1 : strcmp(x->name, y->name);
}

/* A temporary file whose process is gone (or that is a day old). */
static int stale_tmp(const char *name, const struct stat *st)
{
    const char *dash = strrchr(name, '-');
    if (!dash || dash - name < 5)
        return 1;
    const char *p = dash - 1;
    while (p > name && *p != '-')
        p--;
    long pid = strtol(p + 1, NULL, 10);
    if (difftime(time(NULL), st->st_mtime) > 86400)
        return 1;
    return pid <= 0 || (kill((pid_t)pid, 0) != 0 && errno == ESRCH);
}

void tmd_dbcache_evict(const tmd_dbcache *c, const char *keep)
{
    DIR *d = opendir(c->dir);
    if (!d)
        return;
    cached_db *dbs = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        struct stat st;
        char *p = join(c->dir, e->d_name, "");
        if (!p || stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
            free(p);
            continue;
        }
        size_t len = strlen(e->d_name);
        if (!strncmp(e->d_name, ".tmp-", 5)) {
            if (stale_tmp(e->d_name, &st))
                unlink(p);
        } else if ((len > 5 && !strcmp(e->d_name + len - 5, ".miss")) || strstr(e->d_name, ".walk")) {
            /* Misses and remembered walks (store_warm.c) expire together. */
            if (difftime(time(NULL), st.st_mtime) > (c->miss_ttl > 0 ? c->miss_ttl : 0))
                unlink(p);
        } else if (len == 40 + strlen(suffix_db) && !strcmp(e->d_name + 40, suffix_db)) {
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                cached_db *bigger = realloc(dbs, cap * sizeof *dbs);
                if (!bigger) {
                    free(p);
                    break;
                }
                dbs = bigger;
            }
            dbs[n].name = strdup(e->d_name);
            dbs[n].mtime = st.st_mtime;
            dbs[n].size = (uint64_t)st.st_size;
            if (dbs[n].name)
                n++;
        }
        free(p);
    }
    closedir(d);
    qsort(dbs, n, sizeof *dbs, newest_first);
    size_t kept = 0;
    uint64_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        int is_keep = keep && !strncmp(dbs[i].name, keep, 40);
        if (is_keep || (kept < c->max_entries && bytes + dbs[i].size <= c->max_bytes)) {
            kept++;
            bytes += dbs[i].size;
        } else {
            char *p = join(c->dir, dbs[i].name, "");
            if (p)
                unlink(p);
            free(p);
        }
        free(dbs[i].name);
    }
    free(dbs);
}
