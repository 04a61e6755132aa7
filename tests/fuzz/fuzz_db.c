/* fuzz_db.c: the database reader (tmd_db_* of engine/tmdiff.h and
 * select_internal.h) on a temporary file holding the input.
 *
 * Invariants: an opened database has data version 13 or 14; the environment
 * tmd_db_env_find returns is found again by tmd_db_env_find_exact with its
 * own python_version and packages, as the same row; tests come sorted by
 * strictly increasing id with names; fingerprints sorted by (filename, id)
 * with filenames; every link names a loaded test and an index into the ids
 * asked for. */
#include "fuzz_common.h"
#include "select_internal.h"

#include <limits.h>
#include <string.h>
#include <unistd.h>

static char db_path[PATH_MAX + 64];

static void write_input(const uint8_t *data, size_t size)
{
    if (!db_path[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(db_path, sizeof db_path, "%s/tmdiff-fuzz-db-%ld.testmondata",
                 tmp && *tmp && strlen(tmp) < PATH_MAX ? tmp : "/tmp", (long)getpid());
    }
    FILE *f = fopen(db_path, "wb");
    FUZZ_CHECK(f != NULL, "cannot create %s", db_path);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size, "cannot write %s", db_path);
    FUZZ_CHECK(fclose(f) == 0, "cannot write %s", db_path);
}

typedef struct link_ctx {
    const tmd_db_test *tests;
    size_t ntests, nids, links;
} link_ctx;

static int cmp_id(const void *key, const void *elem)
{
    int64_t x = *(const int64_t *)key, y = ((const tmd_db_test *)elem)->id;
    return (x > y) - (x < y);
}

static int on_link(void *vctx, int64_t test_id, size_t which, const int32_t *checksums,
                   size_t count)
{
    link_ctx *c = vctx;
    FUZZ_CHECK(which < c->nids, "link to fingerprint index %zu of %zu", which, c->nids);
    FUZZ_CHECK(bsearch(&test_id, c->tests, c->ntests, sizeof *c->tests, cmp_id) != NULL,
               "link names test %lld that was not loaded", (long long)test_id);
    FUZZ_CHECK(count == 0 || checksums != NULL, "%zu checksums at NULL", count);
    volatile uint32_t sum = 0; /* touch every checksum: ASan checks the array */
    for (size_t i = 0; i < count; i++)
        sum += (uint32_t)checksums[i];
    (void)sum;
    c->links++;
    return 0;
}

static void check_rows(tmd_db *db, int64_t env_id)
{
    tmd_db_test *tests = NULL;
    size_t ntests = 0;
    if (tmd_db_tests_load(&tests, &ntests, db, env_id) != TMD_OK)
        return;
    for (size_t i = 0; i < ntests; i++) {
        FUZZ_CHECK(tests[i].name != NULL, "test %zu without a name", i);
        FUZZ_CHECK(i == 0 || tests[i - 1].id < tests[i].id, "tests not sorted by id at %zu", i);
    }
    tmd_db_fp *fps = NULL;
    size_t nfps = 0;
    if (tmd_db_fps_load(&fps, &nfps, db, tests, ntests) == TMD_OK) {
        int64_t *ids = malloc((nfps ? nfps : 1) * sizeof *ids);
        FUZZ_CHECK(ids != NULL, "out of memory");
        for (size_t i = 0; i < nfps; i++) {
            FUZZ_CHECK(fps[i].filename != NULL, "fingerprint %zu without a filename", i);
            if (i > 0) {
                int c = strcmp(fps[i - 1].filename, fps[i].filename);
                FUZZ_CHECK(c < 0 || (c == 0 && fps[i - 1].id < fps[i].id),
                           "fingerprints not sorted at %zu", i);
            }
            ids[i] = fps[i].id;
        }
        /* links_each wants the ids ascending */
        for (size_t i = 1; i < nfps; i++)
            for (size_t j = i; j > 0 && ids[j - 1] > ids[j]; j--) {
                int64_t t = ids[j];
                ids[j] = ids[j - 1], ids[j - 1] = t;
            }
        link_ctx ctx = {tests, ntests, nfps, 0};
        tmd_db_links_each(db, tests, ntests, ids, nfps, on_link, &ctx);
        if (getenv("FUZZ_REPLAY_VERBOSE"))
            fprintf(stderr, "  %zu tests, %zu fingerprints, %zu links\n", ntests, nfps,
                    ctx.links);
        free(ids);
        tmd_db_fps_free(fps, nfps);
    }
    tmd_db_tests_free(tests, ntests);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    write_input(data, size);
    tmd_db *db = NULL;
    if (tmd_db_open(&db, db_path) == TMD_OK) {
        FUZZ_CHECK(db != NULL, "opened without a handle");
        int v = tmd_db_version(db);
        FUZZ_CHECK(v == 13 || v == 14, "data version %d", v);
        tmd_db_env env;
        if (tmd_db_env_find(&env, db, "default") == TMD_OK) {
            FUZZ_CHECK(env.name && env.python_version && env.system_packages,
                       "environment with NULL fields");
            int64_t id = env.id;
            char *py = strdup(env.python_version), *pk = strdup(env.system_packages);
            FUZZ_CHECK(py && pk, "out of memory");
            tmd_db_env again;
            int rc = tmd_db_env_find_exact(&again, db, "default", py, pk);
            FUZZ_CHECK(rc == TMD_OK && again.id == id,
                       "environment %lld not found again by its own values (rc %d)",
                       (long long)id, rc);
            free(py), free(pk);
            check_rows(db, id);
        }
        tmd_db_close(db);
    } else {
        FUZZ_CHECK(db == NULL, "failed open left a handle");
        FUZZ_CHECK(tmd_error_message()[0] != '\0', "failed open without a message");
    }
    unlink(db_path);
    return 0;
}
