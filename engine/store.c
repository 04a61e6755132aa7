/* store.c: the nearest ancestor's database, from the local cache when it can
 * be, else from the store (a directory or HTTP), and publishing one.
 *
 * Any ancestor's database is a safe base (selection then compares more
 * changes, never fewer), so a cached database of a farther ancestor is used
 * without asking the store when every nearer ancestor was reported absent
 * less than miss_ttl seconds ago: the warm path touches no network. */
#include "dbcache.h"
#include "error.h"
#include "store.h"
#include "store_warm.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct store_loc {
    const char *url; /* HTTP store, or NULL */
    tmd_http *http;  /* its libcurl side, made on first use (loc_http) */
    char *dir;       /* directory store */
    char *display;   /* the location without credentials: names the cache */
    tmd_store_options opts;
} store_loc;

/* The credential-free name of an HTTP store without starting libcurl (whose
 * initialisation the warm path does not need): the URL up to the path, with
 * any user:password@ and ?query removed. */
static char *http_display(const char *url)
{
    const char *host = strstr(url, "://") + 3;
    const char *end = host + strcspn(host, "/?#");
    const char *at = memchr(host, '@', (size_t)(end - host));
    const char *path_end = end + strcspn(end, "?#");
    size_t scheme = (size_t)(host - url);
    const char *from = at ? at + 1 : host;
    size_t n = scheme + (size_t)(path_end - from);
    char *out = malloc(n + 1);
    if (!out)
        return NULL;
    memcpy(out, url, scheme);
    memcpy(out + scheme, from, (size_t)(path_end - from));
    out[n] = '\0';
    while (n > scheme && out[n - 1] == '/')
        out[--n] = '\0';
    return out;
}

static int is_http(const char *s)
{
    return !strncmp(s, "http://", 7) || !strncmp(s, "https://", 8);
}

static int loc_open(store_loc *out, const char *store, const tmd_store_options *opts)
{
    memset(out, 0, sizeof *out);
    if (!store || !*store)
        return tmd_error(TMD_EINVAL, "store: none given (pass --store URL|DIR or set TMDIFF_STORE)");
    out->opts = *opts;
    if (is_http(store)) {
        out->url = store;
        if (!(out->display = http_display(store)))
            return tmd_error(TMD_ENOMEM, "store: out of memory");
        return 0;
    }
    if (strstr(store, "://") && strncmp(store, "file://", 7) != 0)
        return tmd_error(TMD_EINVAL, "%.*s: unsupported store scheme (use http(s):// or a "
                         "directory)", (int)(strstr(store, "://") - store), store);
    const char *path = !strncmp(store, "file://", 7) ? store + 7 : store;
    char resolved[PATH_MAX];
    /* The absolute path names the cache folder, whatever the cwd. */
    out->dir = strdup(realpath(path, resolved) ? resolved : path);
    if (!out->dir)
        return tmd_error(TMD_ENOMEM, "store: out of memory");
    size_t n = strlen(out->dir);
    while (n > 1 && out->dir[n - 1] == '/')
        out->dir[--n] = '\0';
    if (!(out->display = strdup(out->dir)))
        return tmd_error(TMD_ENOMEM, "store: out of memory");
    return 0;
}

/* The HTTP side, started on first use. */
static int loc_http(store_loc *l)
{
    return l->http ? 0 : tmd_store_http_new(&l->http, l->url, &l->opts);
}

static void loc_close(store_loc *l)
{
    tmd_store_http_free(l->http);
    free(l->dir);
    free(l->display);
    memset(l, 0, sizeof *l);
}

static int parse_env_number(double *out, const char *name, double lo, double hi)
{
    const char *v = getenv(name);
    if (!v || !*v)
        return 0;
    char *end = NULL;
    errno = 0;
    double d = strtod(v, &end);
    if (errno || *end || d < lo || d > hi)
        return tmd_error(TMD_EINVAL, "%s=%s: not a number from %g to %g (fix or unset it)", name, v,
                         lo, hi);
    *out = d;
    return 1;
}

int tmd_store_options_from_env(tmd_store_options *opts)
{
    double d;
    int rc;
    if ((rc = parse_env_number(&d, "TMDIFF_STORE_TIMEOUT", 0.001, 86400)) < 0)
        return rc;
    if (rc)
        opts->timeout = d;
    if ((rc = parse_env_number(&d, "TMDIFF_STORE_RETRIES", 0, 10)) < 0)
        return rc;
    if (rc)
        opts->retries = (int)d;
    if ((rc = parse_env_number(&d, "TMDIFF_STORE_PARALLEL", 1, 256)) < 0)
        return rc;
    if (rc)
        opts->parallel = (int)d;
    if ((rc = parse_env_number(&d, "TMDIFF_CACHE_ENTRIES", 1, 100000)) < 0)
        return rc;
    if (rc)
        opts->cache_entries = (size_t)d;
    if ((rc = parse_env_number(&d, "TMDIFF_CACHE_MB", 1, 1e9)) < 0)
        return rc;
    if (rc)
        opts->cache_bytes = (uint64_t)(d * 1024 * 1024);
    if ((rc = parse_env_number(&d, "TMDIFF_STORE_MISS_TTL", 0, 1e9)) < 0)
        return rc;
    if (rc)
        opts->miss_ttl = d;
    return 0;
}

/* Looks the candidates up in the store: the nearest present one in
 * out_index and out_form (TMD_FORM_NONE if none), misses noted in the cache. */
static int store_find(size_t *out_index, int *out_form, store_loc *loc,
                      const tmd_dbcache *cache, const char (*commits)[41], size_t n,
                      const unsigned char *skip)
{
    *out_form = TMD_FORM_NONE;
    if (n == 0)
        return 0;
    unsigned char *missing = calloc(n, 1);
    if (!missing)
        return tmd_error(TMD_ENOMEM, "store: out of memory");
    int rc = 0;
    if (loc->url) {
        rc = loc_http(loc);
        if (rc == 0)
            rc = tmd_store_http_find(out_index, out_form, loc->http, commits, n, skip, missing);
    } else {
        for (size_t i = 0; rc == 0 && i < n; i++) {
            if (skip[i])
                continue;
            rc = tmd_store_dir_lookup(out_form, loc->dir, commits[i]);
            if (rc == 0 && *out_form != TMD_FORM_NONE) {
                *out_index = i;
                break;
            }
            missing[i] = rc == 0;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (missing[i])
            tmd_dbcache_note_miss(cache, commits[i]);
    free(missing);
    return rc;
}

/* Downloads one commit's database into the cache unless another process did
 * while we waited for the lock. */
static int download(int *out_cached, store_loc *loc, const tmd_dbcache *cache,
                    const char *commit, int form, const tmd_store_options *opts)
{
    int lock = -1, fd = -1;
    char *tmp = NULL;
    char source[8192];
    int rc = loc->url ? loc_http(loc) : 0;
    if (rc == 0)
        rc = tmd_dbcache_lock(&lock, cache, commit);
    if (rc != 0)
        return rc;
    snprintf(source, sizeof source, "%s/%s%s", loc->url ? tmd_store_http_display(loc->http) : loc->display,
             commit, form == TMD_FORM_ZST ? ".testmondata.zst" : ".testmondata");
    *out_cached = tmd_dbcache_has(cache, commit);
    if (!*out_cached)
        rc = tmd_dbcache_tmpfile(&fd, &tmp, cache, commit);
    if (rc == 0 && !*out_cached) {
        tmd_sink sink;
        rc = tmd_sink_init(&sink, fd, form, source, opts->progress, opts->progress_data);
        sink.limit = opts->cache_bytes;
        if (rc == 0) {
            rc = loc->http ? tmd_store_http_download(loc->http, &sink, commit, form)
                           : tmd_store_dir_download(&sink, loc->dir, commit, form);
            tmd_sink_free(&sink);
        }
        close(fd);
        if (rc == 0)
            rc = tmd_dbcache_install(cache, tmp, commit, source);
        else
            unlink(tmp);
    }
    free(tmp);
    tmd_dbcache_unlock(lock);
    return rc;
}

int tmd_store_fetch_nearest(tmd_store_result *out, const char *store, const char *repo_path,
                            const tmd_store_options *opts_in)
{
    memset(out, 0, sizeof *out);
    tmd_store_options opts = TMD_STORE_OPTIONS_INIT;
    if (opts_in)
        opts = *opts_in;
    tmd_ancestry anc = {0};
    store_loc loc = {0};
    tmd_dbcache cache = {0};
    unsigned char *skip = NULL;
    char head[41];
    int rc = loc_open(&loc, store, &opts);
    if (rc == 0)
        rc = tmd_dbcache_open(&cache, opts.cache_dir, loc.display, &opts);
    /* Warm and at HEAD: the cache may answer before libgit2 starts. */
    if (rc == 0 && (!opts.rev || !strcmp(opts.rev, "HEAD")) &&
        tmd_store_warm_head(head, repo_path) == 0 && tmd_store_warm_lookup(out, &cache, head) == 0) {
        if (out->distance < (opts.depth ? opts.depth : 50))
            goto done;
        tmd_store_result_free(out);
        memset(out, 0, sizeof *out);
    }
    if (rc == 0)
        rc = tmd_ancestry_list(&anc, repo_path, opts.rev, opts.depth ? opts.depth : 50);
    if (rc == 0 && !(skip = calloc(anc.count + 1, 1)))
        rc = tmd_error(TMD_ENOMEM, "store: out of memory");
    if (rc != 0)
        goto done;

    /* The nearest cached database, and whether everything nearer is a
     * recent miss. */
    size_t cached = anc.count, ask = 0;
    for (size_t i = 0; i < anc.count; i++) {
        if (tmd_dbcache_has(&cache, anc.commits[i])) {
            cached = i;
            break;
        }
        skip[i] = (unsigned char)tmd_dbcache_miss_fresh(&cache, anc.commits[i]);
        ask += !skip[i];
    }
    size_t found = cached;
    int form = TMD_FORM_NONE;
    if (ask > 0) {
        size_t index = 0;
        rc = store_find(&index, &form, &loc, &cache, (const char (*)[41])anc.commits, cached, skip);
        if (rc != 0)
            goto done;
        if (form != TMD_FORM_NONE)
            found = index;
    }
    out->searched = anc.count;
    out->shallow = anc.shallow;
    if (found == anc.count) {
        rc = tmd_error(TMD_ENOTFOUND, "%s: no database for any of the %zu commits from %s%s "
                       "(publish one from CI with `tmdiff publish`%s%s; until then run every test)",
                       loc.display, anc.count, opts.rev ? opts.rev : "HEAD",
                       anc.shallow ? ", back to the shallow clone's boundary" : "",
                       anc.shallow ? ", or deepen the clone: git fetch --deepen=50"
                       : anc.depth_reached ? ", or raise --depth" : "",
                       ask == 0 ? "; the store was asked minutes ago, `tmdiff fetch --refresh` asks again"
                                : "");
        goto done;
    }
    out->from_cache = 1;
    if (found < cached) {
        tmd_dbcache_forget_miss(&cache, anc.commits[found]);
        rc = download(&out->from_cache, &loc, &cache, anc.commits[found], form, &opts);
    }
    if (rc != 0)
        goto done;
    memcpy(out->commit, anc.commits[found], 41);
    out->distance = found;
    if (!(out->path = tmd_dbcache_path(&cache, out->commit)))
        rc = tmd_error(TMD_ENOMEM, "store: out of memory");
    if (rc == 0)
        tmd_store_warm_remember(&cache, (const char (*)[41])anc.commits, found, anc.count, anc.shallow);
    if (!out->from_cache)
        tmd_dbcache_evict(&cache, out->commit);
done:
    free(skip);
    tmd_dbcache_close(&cache);
    loc_close(&loc);
    tmd_ancestry_free(&anc);
    if (rc != 0)
        tmd_store_result_free(out);
    return rc;
}

void tmd_store_result_free(tmd_store_result *r)
{
    free(r->path);
    r->path = NULL;
}

/* "file:<path><query>" with the characters URIs reserve escaped. */
static void file_uri(char *out, size_t cap, const char *path, const char *query)
{
    size_t n = (size_t)snprintf(out, cap, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p && n + 4 < cap; p++) {
        if (*p == '%' || *p == '?' || *p == '#' || *p < 0x21 || *p >= 0x7f)
            n += (size_t)snprintf(out + n, cap - n, "%%%02X", *p);
        else
            out[n++] = (char)*p;
    }
    snprintf(out + n, cap - n, "%s", query);
}

/* A consistent copy of `src` in `dst` through sqlite3_backup: committed WAL
 * content included, the user's file opened read-only. */
static int private_copy(const char *dst, const char *src)
{
    sqlite3 *from = NULL, *to = NULL;
    int rc = 0;
    if (access(src, R_OK) != 0)
        return tmd_error(TMD_ENOTFOUND, "%s: %s (run pytest --testmon first, or name the file)", src,
                         strerror(errno));
    /* No -wal beside it (testmon exited cleanly): the file is complete, and
     * immutable=1 reads it without creating -wal/-shm files in the user's
     * folder. With a -wal, a plain read-only connection includes its
     * committed content. */
    char wal[4200], uri[12800];
    snprintf(wal, sizeof wal, "%s-wal", src);
    int immutable = access(wal, F_OK) != 0;
    if (immutable)
        file_uri(uri, sizeof uri, src, "?immutable=1");
    if (sqlite3_open_v2(immutable ? uri : src, &from, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) !=
        SQLITE_OK) {
        rc = tmd_error(TMD_EFORMAT, "%s: cannot open: %s", src, from ? sqlite3_errmsg(from) : "no memory");
        goto done;
    }
    sqlite3_busy_timeout(from, 10000); /* testmon may be writing right now */
    if (sqlite3_open_v2(dst, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        rc = tmd_error(TMD_EIO, "%s: cannot create: %s", dst, to ? sqlite3_errmsg(to) : "no memory");
        goto done;
    }
    sqlite3_backup *b = sqlite3_backup_init(to, "main", from, "main");
    if (!b) {
        rc = tmd_error(TMD_EIO, "%s: cannot copy: %s", src, sqlite3_errmsg(to));
        goto done;
    }
    int step;
    for (int tries = 0; tries < 100; tries++) {
        step = sqlite3_backup_step(b, -1);
        if (step != SQLITE_BUSY && step != SQLITE_LOCKED)
            break;
        sqlite3_sleep(100);
    }
    sqlite3_backup_finish(b);
    if (step != SQLITE_DONE)
        rc = tmd_error(TMD_EIO, "%s: cannot copy: %s (is pytest still writing it?)", src,
                       sqlite3_errstr(step));
done:
    sqlite3_close(from);
    sqlite3_close(to);
    if (rc == 0)
        rc = tmd_dbcache_unwal(dst);
    return rc;
}

int tmd_store_publish(char **out_where, const char *store, const char *commit,
                      const char *db_path, const tmd_store_options *opts_in)
{
    if (out_where)
        *out_where = NULL;
    tmd_store_options opts = TMD_STORE_OPTIONS_INIT;
    if (opts_in)
        opts = *opts_in;
    if (!commit || strlen(commit) != 40 || strspn(commit, "0123456789abcdef") != 40)
        return tmd_error(TMD_EINVAL, "publish: \"%s\" is not a 40-hex commit id", commit ? commit : "");
    store_loc loc;
    int rc = loc_open(&loc, store, &opts);
    if (rc != 0)
        return rc;
    const char *tdir = getenv("TMPDIR");
    char copy[4096], packed[4200];
    snprintf(copy, sizeof copy, "%s/tmdiff-publish-XXXXXX", tdir && *tdir ? tdir : "/tmp");
    int fd = mkstemp(copy);
    packed[0] = '\0';
    if (fd < 0) {
        rc = tmd_error(TMD_EIO, "%s: %s (set TMPDIR)", copy, strerror(errno));
        goto done;
    }
    close(fd);
    rc = private_copy(copy, db_path);
    if (rc == 0 && (rc = tmd_dbcache_verify(copy)) != 0)
        rc = tmd_error(rc, "%s: refusing to publish: %s", db_path, tmd_error_message());
    const char *upload = copy;
    if (rc == 0 && opts.compress) {
        snprintf(packed, sizeof packed, "%s.zst", copy);
        rc = tmd_zstd_compress_file(packed, copy);
        upload = packed;
    }
    int form = opts.compress ? TMD_FORM_ZST : TMD_FORM_PLAIN;
    if (rc == 0 && loc.url && (rc = loc_http(&loc)) == 0)
        rc = tmd_store_http_upload(out_where, loc.http, commit, upload, form);
    else if (rc == 0 && !loc.url)
        rc = tmd_store_dir_upload(out_where, loc.dir, commit, upload, form);
    if (rc == 0) {
        /* This machine's cache may remember the commit as absent. */
        tmd_dbcache cache;
        if (tmd_dbcache_open(&cache, opts.cache_dir, loc.display, &opts) == 0) {
            tmd_dbcache_forget_miss(&cache, commit);
            tmd_dbcache_close(&cache);
        }
    }
done:
    unlink(copy);
    if (packed[0])
        unlink(packed);
    loc_close(&loc);
    return rc;
}
