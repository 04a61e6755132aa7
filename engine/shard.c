/* shard.c: --shard K/N, the selection split into N parts of similar recorded
 * duration, so N CI machines each run one part. */
#include "error.h"
#include "tmdiff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int tmd_shard_parse(size_t *out_k, size_t *out_n, const char *spec)
{
    char *end;
    if (!spec || !(*spec >= '0' && *spec <= '9'))
        goto bad;
    errno = 0;
    unsigned long k = strtoul(spec, &end, 10);
    if (errno || *end != '/' || !(end[1] >= '0' && end[1] <= '9'))
        goto bad;
    unsigned long n = strtoul(end + 1, &end, 10);
    if (errno || *end || k < 1 || n < 1 || k > n || n > 10000)
        goto bad;
    *out_k = k;
    *out_n = n;
    return 0;
bad:
    return tmd_error(TMD_EINVAL, "--shard %s: not K/N with 1 <= K <= N <= 10000 (e.g. --shard 2/4)",
                     spec ? spec : "");
}

/* The stored tests a selected ID stands for: itself, or for a prefix (a bare
 * file, a class, a parametrized function) every test under it. */
static int covers(const char *id, size_t idlen, const char *test)
{
    if (strncmp(id, test, idlen) != 0)
        return 0;
    char next = test[idlen];
    return next == '\0' || next == '[' || (next == ':' && test[idlen + 1] == ':');
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

int tmd_shard_durations(double *out, const char *const *ids, size_t n,
                        const char *const *stored, const double *stored_durations,
                        size_t nstored)
{
    /* Sorted pointers into `stored`, so the tests under a prefix form one run. */
    const char *const **order = malloc((nstored ? nstored : 1) * sizeof *order);
    if (!order)
        return tmd_error(TMD_ENOMEM, "shard: out of memory");
    double mean = 0;
    for (size_t i = 0; i < nstored; i++) {
        order[i] = &stored[i];
        mean += stored_durations[i];
    }
    if (nstored)
        mean /= (double)nstored;
    qsort(order, nstored, sizeof *order, cmp_str_ptr);

    for (size_t i = 0; i < n; i++) {
        size_t idlen = strlen(ids[i]);
        /* lower bound of ids[i] among the sorted stored names */
        size_t lo = 0, hi = nstored;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2;
            if (strcmp(*order[mid], ids[i]) < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        double sum = 0;
        int found = 0;
        /* every name starting with ids[i] sorts in one run from lo on */
        for (size_t j = lo; j < nstored && strncmp(*order[j], ids[i], idlen) == 0; j++) {
            if (covers(ids[i], idlen, *order[j])) {
                sum += stored_durations[order[j] - stored];
                found = 1;
            }
        }
        out[i] = found ? sum : mean;
    }
    free(order);
    return 0;
}

struct job {
    const char *id;
    double duration;
    size_t index;
};

static int cmp_job(const void *a, const void *b)
{
    const struct job *x = a, *y = b;
    if (x->duration != y->duration)
        return x->duration > y->duration ? -1 : 1; /* longest first */
    int c = strcmp(x->id, y->id);
    if (c)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

int tmd_shard_assign(size_t *out, const char *const *ids, const double *durations,
                     size_t n, size_t parts)
{
    if (parts < 1)
        return tmd_error(TMD_EINVAL, "shard: zero parts (give --shard K/N with N >= 1)");
    struct job *jobs = malloc((n ? n : 1) * sizeof *jobs);
    double *load = calloc(parts, sizeof *load);
    size_t *count = calloc(parts, sizeof *count);
    if (!jobs || !load || !count) {
        free(jobs);
        free(load);
        free(count);
        return tmd_error(TMD_ENOMEM, "shard: out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        double d = durations[i];
        /* a NaN or negative recording must not break the ordering */
        jobs[i] = (struct job){ids[i], (d >= 0) ? d : 0, i};
    }
    qsort(jobs, n, sizeof *jobs, cmp_job);
    for (size_t i = 0; i < n; i++) {
        size_t best = 0;
        for (size_t p = 1; p < parts; p++)
            /* equal loads (tests never timed): the part with fewer tests */
            if (load[p] < load[best] || (load[p] == load[best] && count[p] < count[best]))
                best = p;
        load[best] += jobs[i].duration;
        count[best]++;
        out[jobs[i].index] = best;
    }
    free(jobs);
    free(load);
    free(count);
    return 0;
}
