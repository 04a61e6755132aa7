/* fuzz_collect_files.c: the collection cache's per-file layer
 * (engine/collect_cache_files.c) on the input written as the layer's file
 * of a fixed root: a conftest and two test modules with fixed digests.
 *
 * Each input is loaded twice: as it is, then with the hash of its rest
 * (bytes 8..15) set right, so the fuzzer gets past the hash. Every unit's
 * facts and every file's items are then asked for.
 *
 * Invariants: nothing is read outside the file (ASan); reused facts hold
 * NUL-terminated strings, the scope/name and fixture/dependency pairs with
 * their inner NUL; reused items have node IDs, known kinds, an expect list
 * only with its count; a file that is refused or misses gives nothing. */
#include "fuzz_seeds.h"
#include "collect_cache.h"

#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define NCONF 1
#define NFILES 2

static const char *const units[NCONF + NFILES] = {"tests/conftest.py", "tests/test_a.py",
                                                  "tests/test_b.py"};
static char dir[PATH_MAX];
static char path[PATH_MAX + 64];
static collect_key unit_digest[NCONF + NFILES];
static collect_digests digests;

static void remove_dir(void)
{
    unlink(path);
    rmdir(dir);
}

static void setup(void)
{
    fuzz_temp_dir(dir, sizeof dir, "files");
    atexit(remove_dir);
    for (int i = 0; i < 16; i++)
        digests.config.bytes[i] = (unsigned char)(0x30 + i);
    for (size_t u = 0; u < NCONF + NFILES; u++)
        collect_digest_bytes(&unit_digest[u], units[u], strlen(units[u]));
    digests.unit = unit_digest;
    char hex[33];
    for (int i = 0; i < 16; i++)
        snprintf(hex + 2 * i, 3, "%02x", digests.config.bytes[i]);
    snprintf(path, sizeof path, "%s/%s.files", dir, hex);
}

static void check_pairs(const strvec *v, const char *what)
{
    for (size_t i = 0; i < v->n; i++) {
        FUZZ_CHECK(v->v[i] != NULL, "%s %zu is NULL", what, i);
        const char *second = v->v[i] + strlen(v->v[i]) + 1;
        FUZZ_CHECK(strlen(second) < 1u << 31, "%s %zu", what, i); /* ASan: inside */
    }
}

static void check_facts(const collect_facts *f)
{
    const strvec *plain[] = {&f->param_fixtures, &f->generate_dirs, &f->uncertain_dirs};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < plain[k]->n; i++)
            FUZZ_CHECK(plain[k]->v[i] && strlen(plain[k]->v[i]) < 1u << 31, "a fact string");
    check_pairs(&f->fixture_edges, "fixture edge");
    check_pairs(&f->autouse, "autouse pair");
}

static void check_items(const item_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        const tmd_collected *it = &l->v[i];
        FUZZ_CHECK(it->nodeid != NULL, "item %zu without a node ID", i);
        FUZZ_CHECK(it->kind == TMD_COLLECT_EXACT || it->kind == TMD_COLLECT_PREFIX,
                   "item %zu of kind %d", i, (int)it->kind);
        FUZZ_CHECK(it->expect || !it->nexpect, "item %zu: expected IDs at NULL", i);
        for (size_t k = 0; it->expect && k < it->nexpect; k++)
            FUZZ_CHECK(it->expect[k] != NULL, "item %zu's expected ID %zu", i, k);
    }
}

/* Opens the layer over the file and asks it everything. Returns how many
 * units it gave back. */
static size_t ask_all(void)
{
    collect_files_cache *fc = collect_files_open(dir, &digests, NCONF, NFILES);
    FUZZ_CHECK(fc != NULL, "out of memory");
    size_t found = 0;
    collect_facts merged = {0};
    for (size_t u = 0; u < NCONF + NFILES; u++) {
        collect_facts f = {0};
        int rc = collect_files_facts(fc, u, units[u], u < NCONF, &f);
        FUZZ_CHECK(rc == 0 || rc == 1, "facts of unit %zu: %d", u, rc);
        if (rc == 1) {
            check_facts(&f);
            found++;
        } else {
            FUZZ_CHECK(!f.param_fixtures.n && !f.fixture_edges.n && !f.autouse.n,
                       "a miss filled facts");
        }
        collect_facts_free(&f);
    }
    collect_files_facts_done(fc, &merged);
    for (size_t i = 0; i < NFILES; i++) {
        item_list l = {0};
        int rc = collect_files_items(fc, i, units[NCONF + i], &l);
        FUZZ_CHECK(rc == 0 || rc == 1, "items of file %zu: %d", i, rc);
        FUZZ_CHECK(rc == 1 || l.n == 0, "a miss filled items");
        check_items(&l);
        found += rc == 1;
        item_list_free(&l);
    }
    collect_files_free(fc);
    return found;
}

static void check_one(const uint8_t *d, size_t size)
{
    fuzz_write_file(path, d, size);
    ask_all();
    unlink(path);
}

/* as it is, then with the hash of its rest (bytes 8..15) set right */
static void check_input(const uint8_t *data, size_t size)
{
    fuzz_check_with_hash_fixed(check_one, data, size, 8, 16);
}

/* A valid file from the real writer: fixtures with params, an autouse pair
 * and an edge in the conftest, items of both kinds with expected IDs. */
static void writer_seed(void)
{
    collect_facts conf = {0}, none = {0};
    FUZZ_CHECK(!strvec_push(&conf.param_fixtures, "num") &&
                   !strvec_push_n(&conf.fixture_edges, "pair\0num", 8) &&
                   !strvec_push_n(&conf.autouse, "tests\0setup_db", 14) &&
                   !strvec_push(&conf.generate_dirs, "tests"),
               "out of memory");
    strvec expect = {0};
    FUZZ_CHECK(!strvec_push(&expect, "tests/test_a.py::test_p[obj0]"), "out of memory");
    item_list a = {0}, b = {0};
    FUZZ_CHECK(!item_list_add(&a, "tests/test_a.py::TestX::test_m", 30, TMD_COLLECT_EXACT, NULL,
                              NULL) &&
                   !item_list_add(&a, "tests/test_a.py::test_p", 23, TMD_COLLECT_PREFIX,
                                  "parametrize", &expect) &&
                   !item_list_add(&b, "tests/test_b.py::test_\xc3\xa9", 24, TMD_COLLECT_EXACT,
                                  NULL, NULL),
               "out of memory");
    collect_files_cache *fc = collect_files_open(dir, &digests, NCONF, NFILES);
    FUZZ_CHECK(fc != NULL, "out of memory");
    collect_files_keep_facts(fc, 0, units[0], 1, &conf);
    collect_files_keep_facts(fc, 1, units[1], 0, &none);
    collect_files_keep_facts(fc, 2, units[2], 0, &none);
    collect_facts merged = {0};
    collect_files_facts_done(fc, &merged);
    collect_files_keep_items(fc, 0, units[1], &a);
    collect_files_keep_items(fc, 1, units[2], &b);
    collect_files_save(fc, dir);
    collect_files_free(fc);

    FILE *f = fopen(path, "rb");
    FUZZ_CHECK(f != NULL, "the writer wrote no %s", path);
    uint8_t buf[4096];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    FUZZ_CHECK(n > 16 && n < sizeof buf, "the writer's file has %zu bytes", n);
    FUZZ_CHECK(ask_all() == NCONF + NFILES + NFILES, "the writer's file is not reused whole");
    unlink(path);
    fuzz_seed_variants(check_input, buf, n);
    collect_facts_free(&conf);
    strvec_free(&expect);
    item_list_free(&a);
    item_list_free(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!dir[0]) {
        setup();
        writer_seed();
    }
    check_input(data, size);
    return 0;
}
