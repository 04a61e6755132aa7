/* test_blobcache.c: the blob-id cache finds what an earlier run saved,
 * nothing else; a damaged, truncated, foreign, unsorted or shared cache file
 * is ignored (and replaced by the next save); the size bound keeps the
 * entries the latest run used; workers adding at once lose nothing. */
#include "blobcache.h"
#include "support.h"
#include "tmdiff.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/test_blobcache.XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    return support_sh(NULL, 0, "/", NULL, "rm -rf '%s'", dir) == 0 ? 0 : -1;
}

/* A made-up blob id for content number i (the cache never computes ids). */
static void fake_oid(uint8_t oid[20], unsigned i)
{
    for (int k = 0; k < 20; k++)
        oid[k] = (uint8_t)(i * 31 + (unsigned)k * 7);
}

static void content(char *out, size_t cap, unsigned i)
{
    snprintf(out, cap, "def f%u():\n    return %u\n", i, i * i);
}

/* Adds contents first..first+n-1 to a fresh cache of `dir` and saves it. */
static void save_contents(unsigned first, unsigned n, size_t bound)
{
    blobcache *c = NULL;
    assert_int_equal(blobcache_open_bounded(&c, dir, bound), TMD_OK);
    blobcache_pending p = {0};
    for (unsigned i = first; i < first + n; i++) {
        char text[64];
        uint8_t key[16], oid[20];
        content(text, sizeof text, i);
        blobcache_key(c, text, strlen(text), key);
        fake_oid(oid, i);
        blobcache_pending_add(&p, key, oid);
    }
    blobcache_merge(c, &p);
    assert_int_equal(blobcache_save(c), 0);
    blobcache_close(c);
}

/* 1 when content i is found, with its id. */
static int knows(blobcache *c, unsigned i)
{
    char text[64];
    uint8_t key[16], oid[20], want[20];
    content(text, sizeof text, i);
    blobcache_key(c, text, strlen(text), key);
    if (!blobcache_lookup(c, key, oid))
        return 0;
    fake_oid(want, i);
    assert_memory_equal(oid, want, 20);
    return 1;
}

static void empty_dir(void)
{
    assert_int_equal(support_sh(NULL, 0, "/", NULL, "rm -rf '%s'/* '%s'/.[!.]*", dir, dir), 0);
}

static void test_blobcache__hit_after_save_miss_otherwise(void **state)
{
    (void)state;
    empty_dir();
    blobcache *c = NULL;
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 0);
    assert_false(knows(c, 1));
    assert_int_equal(blobcache_save(c), 0); /* nothing new: no file */
    blobcache_close(c);
    struct stat st;
    char path[200];
    snprintf(path, sizeof path, "%s/%s", dir, BLOBCACHE_FILE);
    assert_int_not_equal(stat(path, &st), 0);

    save_contents(0, 50, BLOBCACHE_MAX_ENTRIES);
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 077, 0); /* the seed is the owner's */
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 50);
    for (unsigned i = 0; i < 50; i++)
        assert_true(knows(c, i));
    assert_false(knows(c, 50));
    /* one byte more is another content */
    char text[64];
    uint8_t key[16], oid[20];
    content(text, sizeof text, 3);
    size_t n = strlen(text);
    text[n] = ' ';
    blobcache_key(c, text, n + 1, key);
    assert_false(blobcache_lookup(c, key, oid));
    blobcache_close(c);
}

static void test_blobcache__seed_is_per_cache(void **state)
{
    (void)state;
    const char text[] = "x = 1\n";
    uint8_t k1[16], k2[16];
    char other[80];
    snprintf(other, sizeof other, "%s/other", dir);
    empty_dir();
    save_contents(0, 1, 16);
    blobcache *a = NULL, *b = NULL;
    assert_int_equal(blobcache_open(&a, dir), TMD_OK);
    assert_int_equal(blobcache_open(&b, other), TMD_OK);
    blobcache_key(a, text, sizeof text - 1, k1);
    blobcache_key(b, text, sizeof text - 1, k2);
    assert_memory_not_equal(k1, k2, 16);
    blobcache_close(a);
    blobcache_close(b);
}

/* Rewrites the cache file through `edit` and checks it is then ignored. */
static void check_ignored(const char *what, const char *edit)
{
    empty_dir();
    save_contents(0, 20, BLOBCACHE_MAX_ENTRIES);
    assert_int_equal(support_sh(NULL, 0, dir, NULL, "%s", edit), 0);
    blobcache *c = NULL;
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    if (blobcache_count(c) != 0 || knows(c, 0))
        fail_msg("a cache file with %s was used", what);
    /* the next save replaces it with a good one */
    blobcache_pending p = {0};
    uint8_t key[16], oid[20];
    blobcache_key(c, "y", 1, key);
    fake_oid(oid, 99);
    blobcache_pending_add(&p, key, oid);
    blobcache_merge(c, &p);
    assert_int_equal(blobcache_save(c), 0);
    blobcache_close(c);
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 1);
    blobcache_key(c, "y", 1, key);
    assert_true(blobcache_lookup(c, key, oid));
    blobcache_close(c);
}

static void test_blobcache__damaged_files_are_ignored(void **state)
{
    (void)state;
    const char *f = BLOBCACHE_FILE;
    char cmd[300];
    /* a flipped byte in an entry's id: the checksum */
    snprintf(cmd, sizeof cmd, "printf '\\377' | dd of=%s bs=1 seek=100 conv=notrunc 2>/dev/null", f);
    check_ignored("a changed id", cmd);
    /* truncated in the middle of an entry, and at an entry boundary */
    snprintf(cmd, sizeof cmd, "truncate -s 437 %s", f);
    check_ignored("a torn entry", cmd);
    snprintf(cmd, sizeof cmd, "truncate -s 440 %s", f);
    check_ignored("entries missing", cmd);
    snprintf(cmd, sizeof cmd, "truncate -s 12 %s", f);
    check_ignored("half a head", cmd);
    snprintf(cmd, sizeof cmd, ": > %s", f);
    check_ignored("nothing in it", cmd);
    snprintf(cmd, sizeof cmd, "head -c 840 /dev/urandom > %s", f);
    check_ignored("random bytes", cmd);
    /* another magic (a future format) */
    snprintf(cmd, sizeof cmd, "printf 'TMDBLOB9' | dd of=%s bs=1 conv=notrunc 2>/dev/null", f);
    check_ignored("another magic", cmd);
    /* writable by others: anyone could plant ids in it */
    snprintf(cmd, sizeof cmd, "chmod 0622 %s", f);
    check_ignored("group/other write permission", cmd);
    /* a symlink to a good cache elsewhere */
    snprintf(cmd, sizeof cmd, "mv %s elsewhere && ln -s \"$PWD/elsewhere\" %s", f, f);
    check_ignored("a symlink", cmd);
    /* a directory in its place: ignored; the save fails (rename cannot
     * replace a directory) and leaves no temp file behind */
    empty_dir();
    assert_int_equal(support_sh(NULL, 0, dir, NULL, "mkdir %s", f), 0);
    blobcache *c = NULL;
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 0);
    blobcache_pending p = {0};
    uint8_t key[16] = {1}, oid[20] = {2};
    blobcache_pending_add(&p, key, oid);
    blobcache_merge(c, &p);
    assert_int_equal(blobcache_save(c), -1);
    blobcache_close(c);
    assert_int_equal(support_sh(NULL, 0, dir, NULL, "test -d %s && ls | wc -l | grep -qx 1", f), 0);
}

/* Rewrites the cache file of `dir` after `edit` changed its bytes, with
 * the checksum made to match (a file consistent in every other way). The
 * head: magic 8, entry size 4, byte order 4, count 8, seed 8, check 8. */
static void rewrite_consistent(void (*edit)(uint8_t *d, size_t n))
{
    char path[200];
    snprintf(path, sizeof path, "%s/%s", dir, BLOBCACHE_FILE);
    size_t n = 0;
    uint8_t *d = (uint8_t *)support_read_file(path, &n);
    assert_non_null(d);
    if (n < 40) { /* the head alone is 40 bytes */
        free(d);
        fail_msg("%s: %zu bytes, shorter than the head", path, n);
        return;
    }
    edit(d, n);
    memset(d + 32, 0, 8);
    uint64_t check = XXH3_64bits(d, n);
    memcpy(d + 32, &check, 8);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(d, 1, n, f), n);
    fclose(f);
    free(d);
}

static void swap_first_two(uint8_t *d, size_t n)
{
    assert_true(n >= 120);
    uint8_t tmp[40];
    memcpy(tmp, d + 40, 40);
    memcpy(d + 40, d + 80, 40);
    memcpy(d + 80, tmp, 40);
}

static void no_edit(uint8_t *d, size_t n)
{
    (void)d, (void)n;
}

/* Every entry's "used" stamp (its last 4 bytes) two days back. */
static void age_two_days(uint8_t *d, size_t n)
{
    uint32_t old = (uint32_t)time(NULL) - 2 * 86400;
    for (size_t at = 40; at + 40 <= n; at += 40)
        memcpy(d + at + 36, &old, 4);
}

/* Binary search would miss keys in an unsorted file: it is not used. */
static void test_blobcache__unsorted_entries_are_ignored(void **state)
{
    (void)state;
    empty_dir();
    save_contents(0, 20, BLOBCACHE_MAX_ENTRIES);
    rewrite_consistent(swap_first_two);
    blobcache *c = NULL;
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 0);
    blobcache_close(c);

    /* the same rewrite without the swap is accepted: what refused the file
     * above is the key order, not the checksum */
    empty_dir();
    save_contents(0, 20, BLOBCACHE_MAX_ENTRIES);
    rewrite_consistent(no_edit);
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 20);
    assert_true(knows(c, 7));
    blobcache_close(c);
}

static ino_t inode_of_cache(void)
{
    char path[200];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, BLOBCACHE_FILE);
    assert_int_equal(stat(path, &st), 0);
    return st.st_ino;
}

/* A run that only finds entries writes nothing, unless an entry it used
 * was marked used a day or more ago: then it is rewritten once. */
static void test_blobcache__hits_alone_write_once_a_day(void **state)
{
    (void)state;
    empty_dir();
    save_contents(0, 10, BLOBCACHE_MAX_ENTRIES);
    ino_t before = inode_of_cache();
    blobcache *c = NULL;
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_true(knows(c, 3));
    assert_int_equal(blobcache_save(c), 0);
    blobcache_close(c);
    assert_true(inode_of_cache() == before); /* fresh stamps: not rewritten */

    rewrite_consistent(age_two_days);
    before = inode_of_cache();
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_false(knows(c, 10)); /* a miss alone does not write either */
    assert_int_equal(blobcache_save(c), 0);
    blobcache_close(c);
    assert_true(inode_of_cache() == before);
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_true(knows(c, 3));
    assert_int_equal(blobcache_save(c), 0);
    blobcache_close(c);
    ino_t after = inode_of_cache();
    assert_true(after != before); /* renamed over: rewritten */
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 10);
    assert_true(knows(c, 3));
    assert_int_equal(blobcache_save(c), 0); /* 3 is fresh now; the others were not used */
    blobcache_close(c);
    assert_true(inode_of_cache() == after);
}

static void test_blobcache__bound_keeps_the_latest_used(void **state)
{
    (void)state;
    empty_dir();
    save_contents(0, 6, 6);
    sleep(1); /* "used" has one-second steps */
    blobcache *c = NULL;
    assert_int_equal(blobcache_open_bounded(&c, dir, 6), TMD_OK);
    assert_int_equal(blobcache_count(c), 6);
    /* this run uses contents 4 and 5 and adds 10..13: 10 entries, bound 6 */
    assert_true(knows(c, 4));
    assert_true(knows(c, 5));
    blobcache_pending p = {0};
    for (unsigned i = 10; i < 14; i++) {
        char text[64];
        uint8_t key[16], oid[20];
        content(text, sizeof text, i);
        blobcache_key(c, text, strlen(text), key);
        fake_oid(oid, i);
        blobcache_pending_add(&p, key, oid);
    }
    blobcache_merge(c, &p);
    assert_int_equal(blobcache_save(c), 0);
    blobcache_close(c);
    assert_int_equal(blobcache_open_bounded(&c, dir, 6), TMD_OK);
    assert_int_equal(blobcache_count(c), 6);
    for (unsigned i = 0; i < 4; i++)
        assert_false(knows(c, i));
    for (unsigned i = 4; i < 6; i++)
        assert_true(knows(c, i));
    for (unsigned i = 10; i < 14; i++)
        assert_true(knows(c, i));
    blobcache_close(c);
}

typedef struct worker_arg {
    blobcache *c;
    unsigned first;
    blobcache_pending p;
    int hits;
} worker_arg;

/* Looks up the saved contents 0..99 and adds 100 new ones of its own. */
static void *worker(void *arg)
{
    worker_arg *w = arg;
    for (unsigned i = 0; i < 100; i++) {
        char text[64];
        uint8_t key[16], oid[20];
        content(text, sizeof text, i);
        blobcache_key(w->c, text, strlen(text), key);
        w->hits += blobcache_lookup(w->c, key, oid);
        content(text, sizeof text, w->first + i);
        blobcache_key(w->c, text, strlen(text), key);
        fake_oid(oid, w->first + i);
        blobcache_pending_add(&w->p, key, oid);
    }
    return NULL;
}

static void test_blobcache__workers_share_one_cache(void **state)
{
    (void)state;
    empty_dir();
    save_contents(0, 100, BLOBCACHE_MAX_ENTRIES);
    blobcache *c = NULL;
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    worker_arg args[4];
    pthread_t tid[4];
    for (int t = 0; t < 4; t++) {
        memset(&args[t], 0, sizeof args[t]);
        args[t].c = c;
        /* workers 2 and 3 add the same contents: saved once */
        args[t].first = 1000 + 100 * (unsigned)(t < 2 ? t : 2);
        assert_int_equal(pthread_create(&tid[t], NULL, worker, &args[t]), 0);
    }
    for (int t = 0; t < 4; t++) {
        assert_int_equal(pthread_join(tid[t], NULL), 0);
        assert_int_equal(args[t].hits, 100);
        blobcache_merge(c, &args[t].p);
    }
    assert_int_equal(blobcache_save(c), 0);
    blobcache_close(c);
    assert_int_equal(blobcache_open(&c, dir), TMD_OK);
    assert_int_equal(blobcache_count(c), 100 + 300);
    for (unsigned i = 0; i < 100; i++)
        assert_true(knows(c, i));
    for (unsigned i = 1000; i < 1300; i++)
        assert_true(knows(c, i));
    blobcache_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_blobcache__hit_after_save_miss_otherwise),
        cmocka_unit_test(test_blobcache__seed_is_per_cache),
        cmocka_unit_test(test_blobcache__damaged_files_are_ignored),
        cmocka_unit_test(test_blobcache__unsorted_entries_are_ignored),
        cmocka_unit_test(test_blobcache__hits_alone_write_once_a_day),
        cmocka_unit_test(test_blobcache__bound_keeps_the_latest_used),
        cmocka_unit_test(test_blobcache__workers_share_one_cache),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
