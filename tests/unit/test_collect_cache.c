/* test_collect_cache.c: a collection read back from the cache equals the
 * one computed without it, field by field; any change to a test file, a
 * conftest, the config or the set of files gives a fresh collection, which
 * parses again only what changed; a damaged cache file is never used. */
#include "collect_cache.h"
#include "collect_internal.h"
#include "support.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

static char root[256], cache[300];

static void write_file(const char *rel, const char *text)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    mkdir(path, 0700);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* A cache file's bytes, as given (forged or damaged). */
static void write_bytes(const char *path, const unsigned char *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    fclose(f);
}

static size_t cache_files(void)
{
    DIR *d = opendir(cache);
    if (!d)
        return 0;
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".col") != NULL;
    closedir(d);
    return n;
}

static void assert_same_collection(const tmd_collection *a, const tmd_collection *b)
{
    assert_int_equal(a->count, b->count);
    assert_int_equal(a->nfiles, b->nfiles);
    assert_int_equal(a->doctest_modules, b->doctest_modules);
    if (a->inexact || b->inexact)
        assert_string_equal(a->inexact ? a->inexact : "(none)", b->inexact ? b->inexact : "(none)");
    for (size_t i = 0; i < a->count; i++) {
        const tmd_collected *x = &a->items[i], *y = &b->items[i];
        assert_string_equal(x->nodeid, y->nodeid);
        assert_int_equal(x->kind, y->kind);
        assert_string_equal(x->why ? x->why : "(none)", y->why ? y->why : "(none)");
        assert_int_equal(x->nexpect, y->nexpect);
        assert_int_equal(x->expect == NULL, y->expect == NULL);
        for (size_t k = 0; k < x->nexpect; k++)
            assert_string_equal(x->expect[k], y->expect[k]);
    }
    for (size_t i = 0; i < a->nfiles; i++)
        assert_string_equal(a->files[i], b->files[i]);
}

/* Collects without the cache and with it (which must agree); returns the
 * number of items. */
static size_t collect_both(void)
{
    tmd_collection plain, cached;
    setenv("TMDIFF_COLLECT_CACHE", "", 1);
    assert_int_equal(tmd_collect_project(&plain, root), 0);
    setenv("TMDIFF_COLLECT_CACHE", cache, 1);
    assert_int_equal(tmd_collect_project(&cached, root), 0);
    assert_same_collection(&plain, &cached);
    size_t n = plain.count;
    tmd_collection_free(&plain);
    tmd_collection_free(&cached);
    return n;
}

static void setup_tree(void)
{
    write_file("pytest.ini", "[pytest]\ntestpaths = tests\n");
    write_file("tests/conftest.py", "import pytest\n\n@pytest.fixture(params=[1, 2])\n"
                                    "def num(request):\n    return request.param\n");
    write_file("tests/test_a.py", "import pytest\n\ndef test_one():\n    pass\n\n"
                                  "@pytest.mark.parametrize('x', [1, 'b', None])\n"
                                  "def test_param(x):\n    pass\n\n"
                                  "def test_fixture(num):\n    pass\n\n"
                                  "class TestK:\n    def test_m(self):\n        pass\n");
    write_file("tests/test_b.py", "def test_b():\n    pass\n");
}

static void cached_equals_plain(void **state)
{
    (void)state;
    setup_tree();
    size_t n = collect_both();
    assert_true(n >= 4);
    assert_int_equal(cache_files(), 1);
    assert_int_equal(collect_both(), n); /* read back */
    assert_int_equal(cache_files(), 1);
}

static void every_input_is_in_the_key(void **state)
{
    (void)state;
    setup_tree();
    size_t before = collect_both(), files = cache_files();
    /* a test module's bytes */
    write_file("tests/test_b.py", "def test_b():\n    pass\n\ndef test_b2():\n    pass\n");
    assert_int_equal(collect_both(), before + 1);
    assert_int_equal(cache_files(), ++files);
    /* a new test file */
    write_file("tests/test_c.py", "def test_c():\n    pass\n");
    assert_int_equal(collect_both(), before + 2);
    assert_int_equal(cache_files(), ++files);
    /* a conftest */
    write_file("tests/conftest.py", "import pytest\n");
    collect_both();
    assert_int_equal(cache_files(), ++files);
    /* the config */
    write_file("pytest.ini", "[pytest]\ntestpaths = tests\npython_functions = check_*\n");
    collect_both();
    assert_int_equal(cache_files(), ++files);
    /* a deleted file */
    char path[600];
    snprintf(path, sizeof path, "%s/tests/test_c.py", root);
    assert_int_equal(unlink(path), 0);
    collect_both();
    assert_int_equal(cache_files(), ++files);
}

static void damaged_cache_is_not_used(void **state)
{
    (void)state;
    setup_tree();
    collect_both();
    DIR *d = opendir(cache);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".col"))
            continue;
        char path[700];
        snprintf(path, sizeof path, "%s/%s", cache, e->d_name);
        size_t len = 0;
        char *data = support_read_file(path, &len);
        assert_non_null(data);
        for (size_t at = 0; at < len; at += len / 9 + 1) {
            data[at] ^= 0x41;
            FILE *f = fopen(path, "wb");
            assert_non_null(f);
            fwrite(data, 1, len, f);
            fclose(f);
            tmd_collection c;
            assert_int_equal(collect_cache_load(&c, cache, &(collect_key){{0}}), -1);
            collect_both(); /* equal to the plain one, and rewrites the file */
            data[at] ^= 0x41;
        }
        free(data);
    }
    closedir(d);
}

/* The one cache file of the tree (its path in a static buffer). */
/* The path of the (last listed) cache file whose name holds `kind`
 * ("" if none); *found says how many do. */
static const char *cache_file(const char *kind, int *found)
{
    static char path[700];
    path[0] = '\0';
    *found = 0;
    DIR *d = opendir(cache);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)))
        if (strstr(e->d_name, kind)) {
            snprintf(path, sizeof path, "%s/%s", cache, e->d_name);
            ++*found;
        }
    closedir(d);
    return path;
}

static const char *only_cache_file(void)
{
    int found;
    const char *path = cache_file(".col", &found);
    assert_int_equal(found, 1);
    return path;
}

/* Writes data with its hash made right again, then loads it under its key. */
static int load_forged(const char *path, unsigned char *data, size_t len)
{
    uint64_t h = XXH3_64bits(data + 32, len - 32);
    memcpy(data + 24, &h, sizeof h);
    write_bytes(path, data, len);
    collect_key key;
    memcpy(key.bytes, data + 8, sizeof key.bytes);
    tmd_collection c;
    int rc = collect_cache_load(&c, cache, &key);
    if (rc == 0) {
        assert_non_null(c.arena);
        assert_true(c.count > 0);
        tmd_collection_free(&c);
    } else {
        assert_null(c.items); /* nothing half-filled is handed out */
        assert_int_equal(c.count, 0);
    }
    return rc;
}

static void put32(unsigned char *at, uint32_t v) { memcpy(at, &v, 4); }
static uint32_t get32(const unsigned char *at)
{
    uint32_t v;
    memcpy(&v, at, 4);
    return v;
}

/* A file whose hash is right but whose body lies (as a bug or an attacker
 * could write it): counts, strings without their NUL, a short body, items
 * out of order. Never used, nothing read out of bounds (ASan). */
static void forged_cache_is_refused(void **state)
{
    (void)state;
    setup_tree();
    write_file("tests/test_c.py", "import pytest\n\n"
                                  "@pytest.mark.parametrize('o', [Thing(1), Thing(2)])\n"
                                  "def test_obj(o):\n    pass\n");
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s", cache);
    assert_int_equal(system(cmd), 0);
    collect_both();
    const char *path = only_cache_file();
    size_t len = 0;
    unsigned char *good = (unsigned char *)support_read_file(path, &len);
    assert_non_null(good);
    assert_true(len > 64);
    unsigned char *data = malloc(len);
    assert_non_null(data);
    memcpy(data, good, len);
    assert_int_equal(load_forged(path, data, len), 0); /* the control: as written */

    static const struct {
        size_t at;
        int delta;
    } counts[] = {{32, 1}, {32, -1}, {36, 1}, {36, -1}, {40, 1}, {40, -1}};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        memcpy(data, good, len);
        put32(data + counts[i].at, get32(data + counts[i].at) + (uint32_t)counts[i].delta);
        assert_int_equal(load_forged(path, data, len), -1);
    }
    memcpy(data, good, len);
    put32(data + 32, 0xFFFFFFFFu); /* more items than bytes */
    assert_int_equal(load_forged(path, data, len), -1);
    memcpy(data, good, len);
    assert_int_equal(load_forged(path, data, len - 1), -1); /* the last NUL cut off */

    /* the first item's id: without its NUL, or longer than the file */
    size_t inexact = 48 + 4 + (get32(good + 48) == 0xFFFFFFFFu ? 0 : get32(good + 48) + 1);
    size_t id_len_at = inexact + 4, id_at = id_len_at + 4;
    uint32_t id_len = get32(good + id_len_at);
    assert_true(id_at + id_len < len);
    memcpy(data, good, len);
    data[id_at + id_len] = 'x';
    assert_int_equal(load_forged(path, data, len), -1);
    memcpy(data, good, len);
    put32(data + id_len_at, 0x7FFFFFF0u);
    assert_int_equal(load_forged(path, data, len), -1);
    memcpy(data, good, len);
    data[id_at] = '\0'; /* a NUL inside it */
    assert_int_equal(load_forged(path, data, len), -1);
    memcpy(data, good, len);
    data[id_at] = '~'; /* sorts after the next item */
    assert_int_equal(load_forged(path, data, len), -1);

    memcpy(data, good, len);
    assert_int_equal(load_forged(path, data, len), 0); /* and the good one still is */
    free(data);
    free(good);
}

/* Collects with the cache and returns how many files that parsed, after
 * checking the result against a collection made without the cache. */
static size_t parses_of_cached(void)
{
    tmd_collection cached, plain;
    setenv("TMDIFF_COLLECT_CACHE", cache, 1);
    size_t before = collect_parse_count();
    assert_int_equal(tmd_collect_project(&cached, root), 0);
    size_t parsed = collect_parse_count() - before;
    setenv("TMDIFF_COLLECT_CACHE", "", 1);
    assert_int_equal(tmd_collect_project(&plain, root), 0);
    assert_same_collection(&plain, &cached);
    tmd_collection_free(&plain);
    tmd_collection_free(&cached);
    return parsed;
}

static void fresh_tree(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s/tests/test_c.py", cache, root);
    assert_int_equal(system(cmd), 0);
    setup_tree();
}

/* The key opens files folder by folder: a module in a sub-folder (listed
 * before the folder's own modules) and those after it are each keyed. */
static void subfolder_files_are_keyed(void **state)
{
    (void)state;
    fresh_tree();
    size_t before = collect_both();
    write_file("tests/sub/test_d.py", "def test_d():\n    pass\n");
    assert_int_equal(collect_both(), before + 1);
    write_file("tests/sub/test_d.py", "def test_d():\n    pass\n\ndef test_d2():\n    pass\n");
    assert_int_equal(collect_both(), before + 2);
    write_file("tests/test_b.py", "def test_b():\n    pass\n\ndef test_b2():\n    pass\n");
    assert_int_equal(collect_both(), before + 3);
    assert_int_equal(cache_files(), 4);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -r %s/tests/sub", root);
    assert_int_equal(system(cmd), 0);
}

/* When the whole collection misses, a file is parsed again only if it, the
 * config, or (for its items) the fixture facts changed. */
static void only_changed_files_are_parsed(void **state)
{
    (void)state;
    fresh_tree();
    /* the fixtures of conftest.py and test_a.py (it names one), the items of
     * test_a.py and test_b.py */
    assert_int_equal(parses_of_cached(), 4);
    assert_int_equal(parses_of_cached(), 0); /* the whole collection is cached */
    write_file("tests/test_b.py", "def test_b():\n    pass\n\ndef test_b2():\n    pass\n");
    assert_int_equal(parses_of_cached(), 1);
    write_file("tests/test_c.py", "def test_c():\n    pass\n");
    assert_int_equal(parses_of_cached(), 1);
    /* a conftest edit that leaves the fixtures as they were: only itself */
    write_file("tests/conftest.py", "import pytest\n\n@pytest.fixture(params=[1, 2])\n"
                                    "def num(request):\n    return request.param  # same\n");
    assert_int_equal(parses_of_cached(), 1);
    /* fixtures changed (num no longer parametrized): every module's items */
    write_file("tests/conftest.py", "import pytest\n\n@pytest.fixture(params=[1, 2])\n"
                                    "def other(request):\n    return request.param\n");
    assert_int_equal(parses_of_cached(), 1 + 3);
    /* the config: everything */
    write_file("pytest.ini", "[pytest]\ntestpaths = tests\npython_functions = check_*\n");
    assert_int_equal(parses_of_cached(), 2 + 3);
}

/* The per-file layer's file, damaged or forged with a right hash: refused,
 * or at worst used without reading out of bounds (ASan). */
static void damaged_file_layer_is_harmless(void **state)
{
    (void)state;
    fresh_tree();
    parses_of_cached();
    int found;
    const char *path = cache_file(".files", &found);
    assert_true(path[0]);
    size_t len = 0;
    unsigned char *good = (unsigned char *)support_read_file(path, &len);
    assert_non_null(good);
    assert_true(len > 40);
    unsigned char *data = malloc(len);
    assert_non_null(data);
    for (int forged = 0; forged < 2; forged++) {
        for (size_t at = 8; at < len; at += len / 23 + 1) {
            memcpy(data, good, len);
            data[at] ^= 0x5A;
            if (forged) { /* the hash made right: only the checks of the body remain */
                uint64_t h = XXH3_64bits(data + 16, len - 16);
                memcpy(data + 8, &h, sizeof h);
            }
            write_bytes(path, data, len);
            /* a new test module: the whole collection misses, the layer is read */
            char name[64], text[64];
            snprintf(name, sizeof name, "tests/test_n%zu_%d.py", at, forged);
            snprintf(text, sizeof text, "def test_n%zu():\n    pass\n", at);
            write_file(name, text);
            tmd_collection c;
            setenv("TMDIFF_COLLECT_CACHE", cache, 1);
            assert_int_equal(tmd_collect_project(&c, root), 0);
            tmd_collection_free(&c);
            if (!forged)
                parses_of_cached(); /* and equal to the plain collection */
        }
    }
    free(data);
    free(good);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -f %s/tests/test_n*.py", root);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    snprintf(root, sizeof root, "/tmp/test_collect_cache.XXXXXX");
    if (!mkdtemp(root))
        return 1;
    snprintf(cache, sizeof cache, "%s.cache", root);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cached_equals_plain),
        cmocka_unit_test(every_input_is_in_the_key),
        cmocka_unit_test(damaged_cache_is_not_used),
        cmocka_unit_test(forged_cache_is_refused),
        cmocka_unit_test(subfolder_files_are_keyed),
        cmocka_unit_test(only_changed_files_are_parsed),
        cmocka_unit_test(damaged_file_layer_is_harmless),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf %s %s", root, cache);
    if (system(cmd) != 0 && !rc)
        rc = 1;
    return rc;
}
