/* collect_async.c: tmd_collect_project_also on a thread of its own, so the
 * caller can read the database meanwhile (tmdiff.h). Without a cache the
 * collection of a large suite is a second of CPU that depends on nothing
 * the database holds; started first, it overlaps the dependency index. */
#include "collect_cache.h"
#include "collect_internal.h"
#include "error.h"
#include "tmdiff.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tmd_collect_job {
    char *root;
    char *cache; /* the cache's folder; NULL: none */
    char **also;
    size_t nalso;
    pthread_t tid;
    int started; /* 0: the work is done by tmd_collect_finish itself */
    int rc;
    char msg[512]; /* the thread's error message */
    tmd_collection result;
};

static void job_free(tmd_collect_job *j)
{
    for (size_t i = 0; i < j->nalso; i++)
        free(j->also[i]);
    free(j->also);
    free(j->cache);
    free(j->root);
    free(j);
}

static void run(tmd_collect_job *j)
{
    j->rc = collect_project_cached(&j->result, j->root, (const char *const *)j->also, j->nalso,
                                   j->cache);
    if (j->rc != TMD_OK)
        snprintf(j->msg, sizeof j->msg, "%s", tmd_error_message());
}

static void *thread_main(void *arg)
{
    run(arg);
    return NULL;
}

int tmd_collect_start(tmd_collect_job **out, const char *root, const char *const *also,
                      size_t nalso, const tmd_collect_cache *cache)
{
    *out = NULL;
    tmd_collect_job *j = calloc(1, sizeof *j);
    if (!j || !(j->root = strdup(root ? root : ".")) ||
        (nalso && !(j->also = calloc(nalso, sizeof *j->also)))) {
        if (j)
            job_free(j);
        return tmd_error(TMD_ENOMEM, "collect: out of memory");
    }
    /* a folder that cannot be named (no HOME, no memory) means no cache */
    if (!cache || !cache->no_cache)
        j->cache = collect_cache_dir(cache ? cache->cache_dir : NULL);
    for (size_t i = 0; i < nalso; i++, j->nalso++)
        if (also[i] && !(j->also[i] = strdup(also[i]))) {
            job_free(j);
            return tmd_error(TMD_ENOMEM, "collect: out of memory");
        }
    j->started = pthread_create(&j->tid, NULL, thread_main, j) == 0;
    *out = j;
    return TMD_OK;
}

int tmd_collect_finish(tmd_collect_job *job, tmd_collection *out)
{
    if (out)
        memset(out, 0, sizeof *out);
    if (!job)
        return out ? tmd_error(TMD_EINVAL, "collect: no collection was started") : TMD_OK;
    if (job->started)
        pthread_join(job->tid, NULL);
    else if (out)
        run(job); /* no thread could be made: collected here */
    int rc = job->rc;
    if (rc != TMD_OK && out)
        rc = tmd_error(rc, "%s", job->msg);
    if (out && rc == TMD_OK)
        *out = job->result;
    else
        tmd_collection_free(&job->result);
    job_free(job);
    return out ? rc : TMD_OK;
}
