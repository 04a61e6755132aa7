/* select.c: which tests pytest-testmon would run (testmon-format.md, section
 * 4): affected by a changed dependency, failed last time, or new; everything
 * when the environment differs. When a step cannot be decided the whole call
 * fails with a message, and the caller runs every test: never fewer. */
#include "error.h"
#include "select_internal.h"
#include "depindex.h"
#include "scan.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The current blocks of one changed file, sorted for the subset tests. */
typedef struct file_blocks {
    int32_t *have;    /* testmon's blocks (dedented when modified) */
    size_t nhave;
    int32_t *alt;     /* --precise: the blocks of the text as it is */
    size_t nalt;
} file_blocks;

/* A fingerprint of a changed file, for the one pass over the links. */
typedef struct changed_fp {
    int64_t id;
    size_t file;      /* index into sel->files */
    int verdict;      /* FP_UNSEEN until its first link, then the same for every link */
    size_t miss0;     /* FP_AFFECTED: its missing checksums, run.miss[miss0 .. + nmissing) */
    size_t nmissing;
} changed_fp;

enum { FP_UNSEEN = 0, FP_UNCHANGED, FP_AFFECTED };

/* What tmd_select_run hands out: the public selection and the blocks its
 * names and changes are carved from, freed with it rather than one by one
 * (100,000 tests are 100,000 allocations otherwise). */
typedef struct selection_store {
    tmd_selection pub;       /* first: the tmd_selection * the caller sees */
    tmd_depindex *dix;       /* the index the known tests' node_ids point into */
    tmd_dep_change *changes; /* every verdict's changes */
    int32_t *missing;        /* every change's missing checksums */
} selection_store;

/* One link that makes a test affected, gathered during the pass over the
 * links and laid out per test afterwards. */
typedef struct link_hit {
    size_t test;     /* index into sel->tests (still in id order) */
    size_t file;     /* index into sel->files */
    size_t miss0;    /* its missing checksums: run.miss[miss0 .. + nmissing) */
    size_t nmissing;
} link_hit;

typedef struct run {
    const tmd_select_options *opts;
    tmd_collect_job *collect; /* the collection, running on its own thread from
                                 the start (it needs only the root), or NULL */
    selection_store *store;
    tmd_selection *sel;       /* &store->pub */
    tmd_db *db;
    tmd_depindex *dix; /* the dependency index, or NULL: db.c's queries */
    const char *db_path;
    tmd_db_env env;
    tmd_dialect dialect;
    tmd_filestate *fs;
    tmd_db_test *tests; /* sorted by id; tests[i] <-> sel->tests[i] until the end */
    size_t ntests;
    int dense_ids;      /* 1: tests[i].id == tests[0].id + i (testmon counts up) */
    tmd_fpcache *cache; /* opened at the first changed file */
    int cache_tried;
    file_blocks *blocks; /* parallel to sel->files */
    size_t files_cap;    /* of both */
    changed_fp *cfps;    /* sorted by id before the pass */
    size_t ncfps, cfps_cap;
    link_hit *hits;
    size_t nhits, hits_cap;
    int32_t *miss;       /* moves to the store once the pass is over */
    size_t nmiss, miss_cap;
} run;

static int oom(const char *what) { return tmd_error(TMD_ENOMEM, "%s: out of memory", what); }

/* Makes room for `need` elements of `size` bytes in the array whose
 * pointer is at `arrp` (a T **; capacity *cap), doubling; 0, or -1 when out
 * of memory or the size overflows. The pointer is read and written with
 * memcpy, so any T * may be passed. */
static int reserve(void *arrp, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t ncap = *cap ? *cap : 64;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2)
            return -1;
        ncap *= 2;
    }
    if (ncap > SIZE_MAX / size)
        return -1;
    void *arr;
    memcpy(&arr, arrp, sizeof arr);
    void *grown = realloc(arr, ncap * size);
    if (!grown)
        return -1;
    memcpy(arrp, &grown, sizeof grown);
    *cap = ncap;
    return 0;
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

/* The fingerprint cache, opened on first use; without one (disabled, or
 * unusable) every changed file is simply fingerprinted again. */
static tmd_fpcache *cache_of(run *r)
{
    if (!r->cache_tried && !r->opts->no_cache) {
        r->cache_tried = 1;
        if (tmd_fpcache_open(&r->cache, r->opts->cache_dir) != TMD_OK) {
            r->cache = NULL;
            tmd_error_clear();
        }
    }
    return r->cache;
}

/* Checksums the changed file `cf` from its current state (testmon's rules:
 * dedent unless git reports it unmodified; non-.py files are one block). */
static int checksum_file(run *r, tmd_changed_file *cf, tmd_file_now *now, int flags,
                         tmd_fingerprint *keep)
{
    memset(keep, 0, sizeof *keep);
    if (!now->present) {
        cf->state = TMD_FILE_MISSING;
        snprintf(cf->reason, sizeof cf->reason, "%s", now->reason);
        return TMD_OK;
    }
    int rc = tmd_file_now_prepare(now);
    if (rc != TMD_OK)
        return rc;
    if (!now->src.decodable) {
        cf->state = TMD_FILE_INEXACT;
        snprintf(cf->reason, sizeof cf->reason, "testmon cannot decode it (it would fail)");
        return TMD_OK;
    }
    tmd_fingerprint fp;
    rc = tmd_fpcache_fingerprint(&fp, cache_of(r), &now->src, now->len, &r->dialect, flags,
                                 !has_suffix(cf->filename, ".py"));
    if (rc != TMD_OK)
        return rc;
    switch (fp.status) {
    case TMD_FP_BLOCKS:
        cf->state = TMD_FILE_BLOCKS;
        break;
    case TMD_FP_NO_PARSE:
        cf->state = TMD_FILE_NO_PARSE;
        break;
    default:
        cf->state = TMD_FILE_INEXACT;
        break;
    }
    if (fp.status != TMD_FP_BLOCKS)
        snprintf(cf->reason, sizeof cf->reason, "%s", fp.reason);
    *keep = fp;
    return TMD_OK;
}

static int find_test(const run *r, int64_t id)
{
    if (r->dense_ids) {
        /* unsigned: an id below tests[0].id wraps to a large offset */
        uint64_t at = (uint64_t)id - (uint64_t)r->tests[0].id;
        return at < r->ntests ? (int)at : -1;
    }
    size_t lo = 0, hi = r->ntests;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (r->tests[mid].id == id)
            return (int)mid;
        if (r->tests[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

/* 1 if every checksum of the fingerprint is among the sorted `have`. */
static int all_present(const int32_t *checksums, size_t count, const int32_t *have, size_t nhave)
{
    for (size_t i = 0; i < count; i++)
        if (!bsearch(&checksums[i], have, nhave, sizeof *have, cmp_int32))
            return 0;
    return 1;
}

/* Decides fingerprint `cfp` (its checksums) against its file's blocks now;
 * an affected one gets its missing checksums in run.miss, shared by every
 * test linked to it. */
static int judge_fp(run *r, changed_fp *cfp, const int32_t *checksums, size_t count)
{
    const tmd_changed_file *cf = &r->sel->files[cfp->file];
    const file_blocks *fb = &r->blocks[cfp->file];
    /* Every fingerprint of a changed file is checked, also one whose fsha
     * equals the current one (testmon joins on the file name). A missing,
     * unparsable or inexact file has no blocks: every dependant is
     * affected. Otherwise a set test: order and count do not matter. */
    size_t nhave = cf->state == TMD_FILE_BLOCKS ? fb->nhave : 0;
    cfp->verdict = FP_UNCHANGED;
    if (nhave && all_present(checksums, count, fb->have, nhave))
        return TMD_OK;
    if (fb->nalt && all_present(checksums, count, fb->alt, fb->nalt))
        return TMD_OK; /* --precise: the exact recorded code is still there */
    if (count > SIZE_MAX - 1 - r->nmiss ||
        reserve(&r->miss, &r->miss_cap, r->nmiss + count + 1, sizeof *r->miss) != 0)
        return oom(cf->filename);
    cfp->verdict = FP_AFFECTED;
    cfp->miss0 = r->nmiss;
    for (size_t i = 0; i < count; i++)
        if (!nhave || !bsearch(&checksums[i], fb->have, nhave, sizeof(int32_t), cmp_int32))
            r->miss[r->nmiss++] = checksums[i];
    cfp->nmissing = r->nmiss - cfp->miss0;
    return TMD_OK;
}

/* One link: the walk gives the same checksums for every link of a
 * fingerprint, so each fingerprint is judged once, at its first link. */
static int on_link(void *ctx, int64_t test_id, size_t which, const int32_t *checksums,
                   size_t count)
{
    run *r = ctx;
    changed_fp *cfp = &r->cfps[which];
    int rc;
    if (cfp->verdict == FP_UNSEEN && (rc = judge_fp(r, cfp, checksums, count)) != TMD_OK)
        return rc;
    if (cfp->verdict != FP_AFFECTED)
        return 0;
    int ti = find_test(r, test_id);
    if (ti < 0)
        return 0;
    if (reserve(&r->hits, &r->hits_cap, r->nhits + 1, sizeof *r->hits) != 0)
        return oom(r->sel->files[cfp->file].filename);
    link_hit *h = &r->hits[r->nhits++];
    h->test = (size_t)ti;
    h->file = cfp->file;
    h->miss0 = cfp->miss0;
    h->nmissing = cfp->nmissing;
    r->sel->tests[ti].why |= TMD_WHY_AFFECTED;
    return 0;
}

static int add_changed_file(run *r, const char *filename, tmd_changed_file **out)
{
    tmd_selection *sel = r->sel;
    /* doubling: a branch switch changes thousands of files */
    size_t cap = r->files_cap;
    if (reserve(&sel->files, &cap, sel->nfiles + 1, sizeof *sel->files) != 0 ||
        reserve(&r->blocks, &r->files_cap, sel->nfiles + 1, sizeof *r->blocks) != 0)
        return oom(filename);
    memset(&r->blocks[sel->nfiles], 0, sizeof *r->blocks);
    tmd_changed_file *cf = &sel->files[sel->nfiles];
    memset(cf, 0, sizeof *cf);
    if (!(cf->filename = strdup(filename)))
        return oom(filename);
    sel->nfiles++;
    *out = cf;
    return TMD_OK;
}

/* Moves a fingerprint's sorted checksums out of it. */
static void take_sorted(int32_t **out, size_t *n, tmd_fingerprint *fp)
{
    *out = NULL;
    *n = 0;
    if (fp->status != TMD_FP_BLOCKS || !fp->count)
        return;
    qsort(fp->checksums, fp->count, sizeof *fp->checksums, cmp_int32);
    *out = fp->checksums;
    *n = fp->count;
    fp->checksums = NULL;
    fp->count = 0;
}

/* Rules 2-3, first half, for one file of interest (fps[0..n) are its
 * fingerprints): is it changed, and if so, what are its blocks now. */
static int check_file(run *r, const tmd_db_fp *fps, size_t n, tmd_scan_file *scanned)
{
    const char *filename = fps[0].filename;
    if (!tmd_filestate_name_ok(filename))
        return tmd_error(TMD_EUNSAFE, "%s: the database names a file outside the project: "
                         "'%s' (absolute or with '..'; not from pytest-testmon; run every test)",
                         r->db_path, filename);
    if (scanned && scanned->state == SCAN_UNCHANGED)
        return TMD_OK; /* the scan compared every fsha, by the rule below */
    tmd_file_now now;
    int rc = tmd_scan_take(&now, scanned, r->fs, filename);
    if (rc != TMD_OK)
        return rc;
    int changed = 0;
    for (size_t i = 0; i < n; i++)
        if (!fps[i].fsha || !now.present || !now.decodable || strcmp(fps[i].fsha, now.fsha))
            changed = 1;
    if (!changed) {
        tmd_file_now_free(&now);
        return TMD_OK;
    }
    if (now.present && !now.bytes) { /* scanned as unchanged by another rule */
        tmd_file_now_free(&now);
        if ((rc = tmd_filestate_get(&now, r->fs, filename)) != TMD_OK)
            return rc;
    }

    tmd_changed_file *cf = NULL;
    tmd_fingerprint fp = {0}, alt = {0};
    if ((rc = add_changed_file(r, filename, &cf)) != TMD_OK)
        goto done;
    size_t fi = r->sel->nfiles - 1;
    int dedent = now.present && !now.git_clean;
    cf->dedented = dedent;
    if (now.present && now.decodable)
        memcpy(cf->fsha, now.fsha, sizeof cf->fsha);
    if ((rc = checksum_file(r, cf, &now, dedent ? TMD_FP_DEDENT : 0, &fp)) != TMD_OK)
        goto done;
    if (cf->state == TMD_FILE_BLOCKS && fp.count) {
        /* cf keeps testmon's order, for --format json */
        cf->count = fp.count;
        if (!(cf->checksums = malloc(fp.count * sizeof *cf->checksums))) {
            rc = oom(filename);
            goto done;
        }
        memcpy(cf->checksums, fp.checksums, fp.count * sizeof *cf->checksums);
    }
    /* --precise: a modified file's dedent can change blocks whose code did
     * not change (whitespace-only lines in strings); the text as it is on
     * disk is what CI recorded, so a fingerprint found there is unchanged. */
    if (dedent && r->opts->precise && cf->state != TMD_FILE_INEXACT) {
        tmd_changed_file scratch = *cf;
        if ((rc = checksum_file(r, &scratch, &now, 0, &alt)) != TMD_OK)
            goto done;
        take_sorted(&r->blocks[fi].alt, &r->blocks[fi].nalt, &alt);
    }
    if (cf->state == TMD_FILE_BLOCKS)
        take_sorted(&r->blocks[fi].have, &r->blocks[fi].nhave, &fp);

    for (size_t i = 0; i < n; i++) {
        if (r->ncfps == r->cfps_cap) {
            size_t ncap = r->cfps_cap ? r->cfps_cap * 2 : 64;
            changed_fp *grown = realloc(r->cfps, ncap * sizeof *grown);
            if (!grown) {
                rc = oom(filename);
                goto done;
            }
            r->cfps = grown;
            r->cfps_cap = ncap;
        }
        memset(&r->cfps[r->ncfps], 0, sizeof *r->cfps);
        r->cfps[r->ncfps].id = fps[i].id;
        r->cfps[r->ncfps++].file = fi;
    }
done:
    tmd_fingerprint_free(&fp);
    tmd_fingerprint_free(&alt);
    tmd_file_now_free(&now);
    return rc;
}

static int cmp_changed_fp(const void *a, const void *b)
{
    int64_t x = ((const changed_fp *)a)->id, y = ((const changed_fp *)b)->id;
    return (x > y) - (x < y);
}

static int cmp_change(const void *a, const void *b)
{
    size_t x = ((const tmd_dep_change *)a)->file, y = ((const tmd_dep_change *)b)->file;
    return (x > y) - (x < y);
}

/* Lays the hits out as each test's changes (sorted by file, as before):
 * one array for all of them, grouped by test with a counting sort. */
static int attach_changes(run *r)
{
    tmd_selection *sel = r->sel;
    if (!r->nhits)
        return TMD_OK;
    size_t *end = calloc(sel->ntests + 1, sizeof *end);
    tmd_dep_change *changes = malloc(r->nhits * sizeof *changes);
    if (!end || !changes) {
        free(end), free(changes);
        return oom("selection");
    }
    for (size_t i = 0; i < r->nhits; i++)
        end[r->hits[i].test + 1]++;
    for (size_t t = 0; t < sel->ntests; t++)
        end[t + 1] += end[t];
    /* end[t] is test t's first slot; filling moves it to the slot after t */
    for (size_t i = 0; i < r->nhits; i++) {
        const link_hit *h = &r->hits[i];
        tmd_dep_change *dc = &changes[end[h->test]++];
        dc->file = h->file;
        dc->nmissing = h->nmissing;
        dc->missing = r->miss + h->miss0;
    }
    for (size_t t = 0, begin = 0; t < sel->ntests; begin = end[t], t++) {
        tmd_test_verdict *v = &sel->tests[t];
        v->nchanges = end[t] - begin;
        v->changes = v->nchanges ? changes + begin : NULL;
        if (v->nchanges > 1)
            qsort(v->changes, v->nchanges, sizeof *v->changes, cmp_change);
    }
    free(end);
    r->store->changes = changes;
    r->store->missing = r->miss; /* the changes point into it */
    r->miss = NULL;
    return TMD_OK;
}

/* Rules 2-3, second half: one pass over the links of the changed files'
 * fingerprints, each tested against its file's blocks. */
static int check_links(run *r)
{
    if (!r->ncfps)
        return TMD_OK;
    qsort(r->cfps, r->ncfps, sizeof *r->cfps, cmp_changed_fp);
    int64_t *ids = malloc(r->ncfps * sizeof *ids);
    if (!ids)
        return oom("selection");
    for (size_t i = 0; i < r->ncfps; i++)
        ids[i] = r->cfps[i].id;
    int rc = TMD_OK, use_index = r->dix != NULL;
    if (use_index && tmd_depindex_links_check(r->dix, ids, r->ncfps) != TMD_OK) {
        /* a cached index damaged in its links since it was saved: the
         * database's links instead (its rows passed when the index was built
         * from it, which the rest of the index, checked at open, proves) */
        tmd_error_clear();
        use_index = 0;
    }
    if (rc == TMD_OK)
        rc = use_index ? tmd_depindex_links_each(r->dix, ids, r->ncfps, on_link, r)
                       : tmd_db_links_each(r->db, r->tests, r->ntests, ids, r->ncfps, on_link, r);
    free(ids);
    return rc == TMD_OK ? attach_changes(r) : rc;
}

/* Whether the home file of a test `node_id` exists (a file that cannot be
 * checked counts as present). */
static int home_exists(run *r, const char *node_id, char **home, size_t *cap)
{
    const char *sep = strstr(node_id, "::");
    size_t len = sep ? (size_t)(sep - node_id) : strlen(node_id);
    if (reserve(home, cap, len + 1, 1) != 0)
        return -1;
    memcpy(*home, node_id, len);
    (*home)[len] = '\0';
    tmd_file_now now;
    int present = tmd_filestate_get(&now, r->fs, *home) != TMD_OK || now.present;
    tmd_file_now_free(&now);
    tmd_error_clear();
    return present;
}

/* Stored tests the static collection does not model keep running while
 * their file exists: items of a file it does not collect that is not Python
 * (a plugin's YAML tests, a doctest text file named on pytest's command
 * line), and doctests ("module.name") where the config does not enable
 * --doctest-modules (CI may pass it on the command line). */
static int keep_unlisted_tests(run *r, const tmd_collection *col)
{
    char *home = NULL;
    size_t cap = 0;
    for (size_t i = 0; i < r->sel->ntests; i++) {
        tmd_test_verdict *v = &r->sel->tests[i];
        const char *sep = v->exists ? NULL : strstr(v->node_id, "::");
        if (!sep)
            continue;
        size_t hl = (size_t)(sep - v->node_id);
        int python = hl > 3 && !strncmp(sep - 3, ".py", 3);
        int doctest = python && memchr(sep + 2, '.', strcspn(sep + 2, ":["));
        if (python && !doctest)
            continue; /* the collector's to judge */
        int present = home_exists(r, v->node_id, &home, &cap);
        if (present < 0) {
            free(home);
            return oom("selection");
        }
        /* with --doctest-modules the collector read the module's docstrings */
        if (present && !(doctest && col->doctest_modules && tmd_collection_lists_file(col, home)))
            v->exists = 1;
    }
    free(home);
    return TMD_OK;
}

/* Rule 5 and existence: asks the static collector. sel->tests must be
 * sorted by node_id; the new tests are appended, sorted among themselves. */
static int apply_collection(run *r)
{
    tmd_collection owned;
    int rc = r->collect ? tmd_collect_finish(r->collect, &owned)
                        : tmd_collect_project(&owned, r->opts->root);
    r->collect = NULL; /* finished */
    if (rc != TMD_OK)
        return rc;
    const tmd_collection *col = &owned;
    tmd_selection *sel = r->sel;
    const char **stored = NULL, **changed = NULL;
    char **fresh = NULL;
    size_t nfresh = 0;
    if (col->inexact) {
        /* which tests pytest collects is beyond the static collection */
        rc = tmd_error(TMD_EUNDECIDED, "%s: %s: tmdiff cannot list the tests pytest collects "
                       "(run them all; tmdiff decides again once that is gone)",
                       r->opts->root, col->inexact);
        goto done;
    }
    int all_known = select_mark_existing(sel->tests, sel->ntests, col);
    if ((rc = keep_unlisted_tests(r, col)) != TMD_OK || all_known)
        goto done;
    if (!(stored = malloc((sel->ntests ? sel->ntests : 1) * sizeof *stored)) ||
        !(changed = malloc((sel->nfiles ? sel->nfiles : 1) * sizeof *changed))) {
        rc = oom("collection");
        goto done;
    }
    for (size_t i = 0; i < sel->ntests; i++)
        stored[i] = sel->tests[i].node_id; /* sorted */
    for (size_t i = 0; i < sel->nfiles; i++)
        changed[i] = sel->files[i].filename; /* sorted */
    if ((rc = tmd_collection_new_tests(&fresh, &nfresh, col, stored, sel->ntests, changed,
                                       sel->nfiles)) != TMD_OK)
        goto done;
    if (nfresh) {
        tmd_test_verdict *grown = realloc(sel->tests, (sel->ntests + nfresh) * sizeof *grown);
        if (!grown) {
            rc = oom("collection");
            goto done;
        }
        sel->tests = grown;
        for (size_t i = 0; i < nfresh; i++) {
            tmd_test_verdict *v = &sel->tests[sel->ntests++];
            memset(v, 0, sizeof *v);
            v->node_id = fresh[i];
            fresh[i] = NULL;
            v->why = TMD_WHY_NEW;
            v->exists = 1;
        }
    }
done:
    for (size_t i = 0; i < nfresh; i++)
        free(fresh[i]);
    free(fresh);
    free(stored);
    free(changed);
    tmd_collection_free(&owned);
    return rc;
}

/* Without collection, a test whose home file is gone cannot be run. */
static int check_home_files(run *r)
{
    char *home = NULL; /* the node_id up to "::" (node_ids may be read only) */
    size_t cap = 0;
    for (size_t i = 0; i < r->sel->ntests; i++) {
        int present = home_exists(r, r->sel->tests[i].node_id, &home, &cap);
        if (present < 0) {
            free(home);
            return oom("selection");
        }
        r->sel->tests[i].exists = present;
    }
    free(home);
    return TMD_OK;
}

/* Rule 1. testmon keeps one environment row per (name, packages, Python)
 * and uses the row equal to the local environment; when none is equal,
 * every test runs. The checksums' dialect is that row's Python. */
static int choose_environment(run *r, const char *env_name)
{
    int rc = tmd_db_env_find(&r->env, r->db, env_name); /* the newest row */
    if (rc != TMD_OK || !r->opts->env_check)
        return rc;
    tmd_pyenv_options po = TMD_PYENV_OPTIONS_INIT;
    po.root = r->opts->root;
    po.python_exe = r->opts->python_exe;
    tmd_pyenv local;
    if ((rc = tmd_pyenv_load(&local, &po)) != TMD_OK)
        return rc;
    tmd_db_env same;
    if (tmd_db_env_find_exact(&same, r->db, env_name, local.python_version,
                              local.packages ? local.packages : "") == TMD_OK) {
        r->env = same;
    } else {
        char why[200] = "";
        tmd_pyenv_compare(&local, r->env.python_version, r->env.system_packages, why,
                          sizeof why);
        r->sel->everything = 1;
        snprintf(r->sel->reason, sizeof r->sel->reason, "the environment changed: %s",
                 why[0] ? why : "no recorded environment matches the local one");
    }
    tmd_error_clear();
    tmd_pyenv_free(&local);
    return TMD_OK;
}

static int select_all(run *r)
{
    tmd_selection *sel = r->sel;
    int rc;
    sel->nknown = r->ntests;
    if (r->ntests && !(sel->tests = calloc(r->ntests, sizeof *sel->tests)))
        return oom("selection");
    sel->ntests = r->ntests;
    for (size_t i = 0; i < r->ntests; i++) {
        sel->tests[i].node_id = r->tests[i].name;
        r->tests[i].name = NULL; /* moved */
        sel->tests[i].known = 1;
        sel->tests[i].exists = 1;
        sel->tests[i].duration = r->tests[i].duration;
        sel->tests[i].why = r->tests[i].failed ? TMD_WHY_FAILED : 0;
        sel->seconds_total += r->tests[i].duration;
    }

    tmd_db_fp *fps = NULL;
    size_t nfps = 0;
    rc = r->dix ? tmd_depindex_fps(r->dix, &fps, &nfps)
                : tmd_db_fps_load(&fps, &nfps, r->db, r->tests, r->ntests);
    if (rc != TMD_OK)
        return rc;
    /* every file read and hashed on all cores first (scan.c); what the scan
     * leaves undone, check_file does itself */
    tmd_scan_file *scanned = NULL;
    size_t nscanned = 0, k = 0;
    tmd_scan_fp fpo = {&r->dialect, r->opts->cache_dir, r->opts->precise};
    if (tmd_scan_files(&scanned, &nscanned, r->fs, fps, nfps, 0,
                       r->opts->no_cache ? NULL : &fpo) != TMD_OK) {
        scanned = NULL;
        tmd_error_clear();
    }
    for (size_t i = 0; i < nfps && rc == TMD_OK; k++) {
        size_t j = i + 1;
        /* the index hands out one pointer per file name */
        while (j < nfps && (fps[j].filename == fps[i].filename ||
                            !strcmp(fps[j].filename, fps[i].filename)))
            j++;
        rc = check_file(r, fps + i, j - i, scanned && k < nscanned ? &scanned[k] : NULL);
        i = j;
    }
    tmd_scan_free(scanned, nscanned);
    if (r->dix)
        free(fps); /* its strings belong to the index */
    else
        tmd_db_fps_free(fps, nfps);
    if (rc == TMD_OK)
        rc = check_links(r);
    if (rc != TMD_OK)
        return rc;

    if ((rc = select_sort_verdicts(sel->tests, sel->ntests)) != TMD_OK)
        return rc;
    size_t nknown = sel->ntests;
    if (r->opts->collect) {
        if ((rc = apply_collection(r)) != TMD_OK)
            return rc;
    } else if ((rc = check_home_files(r)) != TMD_OK) {
        return rc;
    }
    if ((rc = select_merge_verdicts(sel->tests, nknown, sel->ntests)) != TMD_OK)
        return rc;
    for (size_t i = 0; i < sel->ntests; i++) {
        tmd_test_verdict *v = &sel->tests[i];
        if (sel->everything)
            v->why |= TMD_WHY_ENV;
        if (v->why && v->exists) {
            sel->nselected++;
            sel->seconds_selected += v->duration;
        }
    }
    return TMD_OK;
}

int tmd_select_run(tmd_selection **out, const tmd_select_options *opts)
{
    *out = NULL;
    if (!opts || !opts->root)
        return tmd_error(TMD_EINVAL, "select: no root given (pass --root DIR)");
    run r;
    memset(&r, 0, sizeof r);
    r.opts = opts;
    if (!(r.store = calloc(1, sizeof *r.store)))
        return oom("selection");
    r.sel = &r.store->pub;
    tmd_collect_cache cc = {opts->cache_dir, opts->no_cache};
    if (opts->collect && tmd_collect_start(&r.collect, opts->root, NULL, 0, &cc) != TMD_OK) {
        r.collect = NULL; /* collected when needed instead */
        tmd_error_clear();
    }

    char *db_path = NULL;
    const char *path = opts->db_path;
    if (!path) {
        if (!(db_path = malloc(strlen(opts->root) + 16))) {
            tmd_collect_finish(r.collect, NULL);
            free(r.store);
            return oom("selection");
        }
        sprintf(db_path, "%s/.testmondata", opts->root);
        path = db_path;
    }
    const char *env_name = opts->env_name ? opts->env_name : "default";
    r.db_path = path;
    int rc = tmd_db_open_unchecked(&r.db, path);
    if (rc == TMD_OK)
        rc = choose_environment(&r, env_name);
    if (rc == TMD_OK && tmd_dialect_parse(&r.dialect, r.env.python_version) != TMD_OK)
        rc = tmd_error(TMD_EFORMAT, "%s: environment '%s' was recorded by Python %s, whose "
                       "syntax tmdiff cannot reproduce (3.8-3.13; run every test)", path,
                       env_name, r.env.python_version);
    if (rc == TMD_OK)
        snprintf(r.sel->python_version, sizeof r.sel->python_version, "%s", r.env.python_version);
    /* The dependency index (cached per database) reads each table once;
     * without it, db.c's queries decide and report what is wrong. */
    if (rc == TMD_OK && tmd_depindex_open(&r.dix, r.db, path, r.env.id, opts->cache_dir,
                                          !opts->no_cache) != TMD_OK) {
        r.dix = NULL;
        tmd_error_clear();
    }
    /* An index exists only for a database whose every file_fp row passed
     * (depindex.h): without one, the rows are checked before any is read. */
    if (rc == TMD_OK && !r.dix)
        rc = tmd_db_check_fingerprints(r.db);
    if (rc == TMD_OK)
        rc = r.dix ? tmd_depindex_tests_view(r.dix, &r.tests, &r.ntests)
                   : tmd_db_tests_load(&r.tests, &r.ntests, r.db, r.env.id);
    r.dense_ids = r.ntests && (uint64_t)r.tests[r.ntests - 1].id - (uint64_t)r.tests[0].id ==
                                  r.ntests - 1;
    if (rc == TMD_OK)
        rc = tmd_filestate_open(&r.fs, opts->root);
    if (rc == TMD_OK)
        rc = select_all(&r);

    tmd_collect_finish(r.collect, NULL); /* a run that failed before it needed it */
    tmd_fpcache_close(r.cache);
    for (size_t i = 0; r.blocks && i < r.sel->nfiles; i++)
        free(r.blocks[i].have), free(r.blocks[i].alt);
    free(r.blocks);
    free(r.cfps);
    free(r.hits);
    free(r.miss);
    tmd_filestate_close(r.fs);
    if (r.dix)
        free(r.tests); /* the names are the index's */
    else
        tmd_db_tests_free(r.tests, r.ntests);
    r.store->dix = r.dix; /* the node_ids point into it: freed with the selection */
    tmd_db_close(r.db);
    free(db_path);
    if (rc != TMD_OK) {
        tmd_selection_free(r.sel);
        return rc;
    }
    *out = r.sel;
    return TMD_OK;
}

void tmd_selection_free(tmd_selection *sel)
{
    if (!sel)
        return;
    selection_store *store = (selection_store *)sel; /* tmd_select_run made it */
    for (size_t i = 0; i < sel->ntests; i++)
        if (!store->dix || !tmd_depindex_holds(store->dix, sel->tests[i].node_id))
            free(sel->tests[i].node_id); /* a new test's, or one read by db.c */
    tmd_depindex_close(store->dix);
    free(store->changes);
    free(store->missing);
    free(sel->tests);
    for (size_t i = 0; i < sel->nfiles; i++)
        free(sel->files[i].filename), free(sel->files[i].checksums);
    free(sel->files);
    free(sel);
}
