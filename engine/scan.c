/* scan.c: tmd_filestate_get over the files of interest on several threads
 * (scan.h). Workers take the next file from a shared counter, so one large
 * file does not hold up a fixed share of the list. */
#include "scan.h"
#include "blobcache.h"
#include "error.h"
#include "filestate_internal.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_THREADS 8
#define CHUNK 32 /* consecutive files per turn: same folders, fewer turns */
/* Fewer files than this are hashed without the blob cache: loading it
 * costs more than the SHA-1 it would save. */
#define BLOBCACHE_MIN_FILES 128

typedef struct job {
    const tmd_db_fp *fps;
    const size_t *first; /* first fps index of file i; first[n] = nfps */
    tmd_scan_file *files;
    size_t n;
    const tmd_scan_fp *fpo;
    atomic_size_t next;
} job;

typedef struct worker {
    job *j;
    tmd_filestate *fs;
    tmd_fpcache *cache; /* this worker's connection, opened at its first changed file */
    int cache_tried;
} worker;

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* Fingerprints a changed file as select.c's checksum_file will (dedented
 * unless git reports it unmodified; non-.py files are one block), only for
 * the cache's sake: the results are dropped. */
static void prefingerprint(worker *w, const char *relpath, tmd_file_now *now)
{
    const tmd_scan_fp *fpo = w->j->fpo;
    if (!fpo || !now->present)
        return;
    if (!w->cache_tried) {
        w->cache_tried = 1;
        if (tmd_fpcache_open(&w->cache, fpo->cache_dir) != TMD_OK) {
            w->cache = NULL;
            tmd_error_clear();
        }
    }
    if (!w->cache || tmd_file_now_prepare(now) != TMD_OK || !now->src.decodable) {
        tmd_error_clear();
        return;
    }
    int whole = !has_suffix(relpath, ".py");
    for (int pass = 0; pass < 2; pass++) {
        int flags = pass == 0 && !now->git_clean ? TMD_FP_DEDENT : 0;
        if (pass == 1 && (now->git_clean || !fpo->precise))
            break;
        tmd_fingerprint fp;
        if (tmd_fpcache_fingerprint(&fp, w->cache, &now->src, now->len, fpo->dialect, flags,
                                    whole) == TMD_OK)
            tmd_fingerprint_free(&fp);
        tmd_error_clear();
    }
}

static int unchanged(const tmd_db_fp *fps, size_t n, const tmd_file_now *now)
{
    if (!now->present || !now->decodable)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!fps[i].fsha || strcmp(fps[i].fsha, now->fsha))
            return 0;
    return 1;
}

static void scan_one(worker *w, size_t i)
{
    job *j = w->j;
    const tmd_db_fp *fps = j->fps + j->first[i];
    size_t n = j->first[i + 1] - j->first[i];
    tmd_scan_file *f = &j->files[i];
    if (!tmd_filestate_name_ok(fps[0].filename))
        return; /* the caller refuses it, with its message */
    /* peeked: the bytes stay in the filestate's read buffer unless kept */
    if (filestate_peek(&f->now, w->fs, fps[0].filename) != TMD_OK) {
        tmd_error_clear(); /* the caller's own call reports it */
        memset(&f->now, 0, sizeof f->now);
        return;
    }
    if (unchanged(fps, n, &f->now)) {
        filestate_drop(&f->now); /* memory for changed files only */
        f->state = SCAN_UNCHANGED;
        return;
    }
    if (filestate_keep(&f->now) != TMD_OK) {
        tmd_error_clear(); /* out of memory: the caller tries again and reports it */
        memset(&f->now, 0, sizeof f->now);
        return;
    }
    f->state = SCAN_KEPT;
    prefingerprint(w, fps[0].filename, &f->now);
}

static void *work(void *arg)
{
    worker *w = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&w->j->next, CHUNK);
        if (i >= w->j->n)
            break;
        for (size_t k = i; k < i + CHUNK && k < w->j->n; k++)
            scan_one(w, k);
    }
    return NULL;
}

int tmd_scan_files(tmd_scan_file **out, size_t *nfiles, tmd_filestate *fs,
                   const tmd_db_fp *fps, size_t nfps, int threads, const tmd_scan_fp *fpo)
{
    *out = NULL;
    *nfiles = 0;
    size_t n = 0;
    for (size_t i = 0; i < nfps; i++)
        n += i == 0 || strcmp(fps[i].filename, fps[i - 1].filename);
    size_t *first = malloc((n + 1) * sizeof *first);
    tmd_scan_file *files = calloc(n ? n : 1, sizeof *files);
    if (!first || !files) {
        free(first);
        free(files);
        return tmd_error(TMD_ENOMEM, "scan: out of memory");
    }
    for (size_t i = 0, k = 0; i < nfps; i++)
        if (i == 0 || strcmp(fps[i].filename, fps[i - 1].filename))
            first[k++] = i;
    first[n] = nfps;

    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? (int)cpus : 1;
    }
    if (threads > MAX_THREADS)
        threads = MAX_THREADS;
    /* fpo NULL is --no-cache: no blob cache either */
    blobcache *bc = NULL;
    if (fpo && n >= BLOBCACHE_MIN_FILES && blobcache_open(&bc, fpo->cache_dir) != TMD_OK) {
        tmd_error_clear(); /* no cache folder known: every id by SHA-1 */
        bc = NULL;
    }
    job j = {fps, first, files, n, fpo, 0};
    pthread_t tid[MAX_THREADS];
    worker helpers[MAX_THREADS], self = {&j, fs, NULL, 0};
    int started = 0;
    for (int t = 1; t < threads && (size_t)t * CHUNK < n; t++) {
        worker *w = &helpers[started];
        memset(w, 0, sizeof *w);
        w->j = &j;
        if (filestate_open_sibling(&w->fs, fs) != TMD_OK) {
            tmd_error_clear();
            break; /* fewer helpers: the work still gets done below */
        }
        filestate_use_blobcache(w->fs, bc);
        if (pthread_create(&tid[started], NULL, work, w) != 0) {
            tmd_filestate_close(w->fs);
            break;
        }
        started++;
    }
    if (started == 0)
        j.fpo = NULL; /* alone: select fingerprints them next, no cache round trip first */
    filestate_use_blobcache(fs, bc);
    work(&self);
    filestate_use_blobcache(fs, NULL); /* merges the ids this thread computed */
    tmd_fpcache_close(self.cache);
    for (int t = 0; t < started; t++) {
        pthread_join(tid[t], NULL);
        filestate_use_blobcache(helpers[t].fs, NULL);
        tmd_filestate_close(helpers[t].fs);
        tmd_fpcache_close(helpers[t].cache);
    }
    if (bc)
        (void)blobcache_save(bc); /* best effort: a failed write costs SHA-1s next run */
    blobcache_close(bc);
    free(first);
    *out = files;
    *nfiles = n;
    return TMD_OK;
}

void tmd_scan_free(tmd_scan_file *files, size_t n)
{
    for (size_t i = 0; files && i < n; i++)
        if (files[i].state == SCAN_KEPT)
            tmd_file_now_free(&files[i].now);
    free(files);
}

int tmd_scan_take(tmd_file_now *now, tmd_scan_file *f, tmd_filestate *fs, const char *relpath)
{
    if (!f || f->state == SCAN_NOT_DONE)
        return tmd_filestate_get(now, fs, relpath);
    *now = f->now;
    memset(&f->now, 0, sizeof f->now);
    f->state = SCAN_NOT_DONE;
    return TMD_OK;
}
