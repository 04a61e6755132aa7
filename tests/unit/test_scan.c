/* test_scan.c: the parallel scan settles each file exactly as
 * tmd_filestate_get does on one thread (present, git_clean, decodable,
 * fsha), keeps the bytes of changed files only, leaves refused names to the
 * caller, and gives the same answer with 1, 2 or 8 threads. */
#include "scan.h"
#include "blobcache.h"
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[256];

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

static void sh(const char *cmd)
{
    char full[900];
    snprintf(full, sizeof full, "cd %s && { %s; } >/dev/null 2>&1", root, cmd);
    assert_int_equal(system(full), 0);
}

/* A repository with committed files, then some modified, one deleted, one
 * untracked; every file is named by two fingerprints (as testmon stores a
 * file once per distinct set of blocks). */
static size_t make_tree(tmd_db_fp *fps, char names[][64], size_t max)
{
    size_t n = 0;
    for (int i = 0; i < 300; i++) {
        char rel[64], text[128];
        snprintf(rel, sizeof rel, "pkg%d/mod%03d.py", i % 7, i);
        snprintf(text, sizeof text, "def f%d():\n    return %d\n", i, i);
        write_file(rel, text);
    }
    sh("git init -q . && git add -A && git -c user.name=t -c user.email=t@t commit -q -m base");
    write_file("pkg1/mod001.py", "def f1():\n    return 'changed'\n");
    write_file("pkg2/mod002.py", "def f2():\n    return 2\n\n# comment\n");
    sh("rm pkg3/mod003.py");
    write_file("pkg4/new.py", "x = 1\n");
    sh("git ls-files -s > ../ls.txt");
    /* names in sorted order, as the database gives them */
    sh("(git ls-files; echo pkg3/mod003.py; echo pkg4/new.py; echo ../outside.py; "
       "echo pkg5/missing.py) | sort -u > ../names.txt");
    char path[600];
    snprintf(path, sizeof path, "%s/../names.txt", root);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t k = 0;
    while (k < max && fgets(names[k], 64, f)) {
        names[k][strcspn(names[k], "\n")] = '\0';
        k++;
    }
    fclose(f);
    /* fsha as recorded: the committed blob for tracked files (from a
     * filestate before the edits would be circular, so from git itself) */
    snprintf(path, sizeof path, "%s/../ls.txt", root);
    f = fopen(path, "r");
    assert_non_null(f);
    static char blobs[400][41], blob_names[400][64];
    size_t nb = 0;
    char line[300];
    while (nb < 400 && fgets(line, sizeof line, f)) {
        char mode[16], sha[41], stage[8], name[64];
        if (sscanf(line, "%15s %40s %7s %63s", mode, sha, stage, name) == 4) {
            memcpy(blobs[nb], sha, sizeof sha);
            memcpy(blob_names[nb], name, sizeof name);
            nb++;
        }
    }
    fclose(f);
    for (size_t i = 0; i < k && n + 2 <= max; i++) {
        const char *fsha = "0000000000000000000000000000000000000000";
        for (size_t b = 0; b < nb; b++)
            if (!strcmp(blob_names[b], names[i]))
                fsha = blobs[b];
        for (int twice = 0; twice < 2; twice++) {
            fps[n].id = (int64_t)n + 1;
            fps[n].filename = names[i];
            /* the second fingerprint of one file has a NULL fsha: changed */
            fps[n].fsha = (twice && i == 5) ? NULL : (char *)fsha;
            n++;
        }
    }
    return n;
}

/* Scans with 1, 2 and 8 threads and checks every file against
 * tmd_filestate_get's answer; adds the kept/unchanged/refused counts. */
static void scan_rounds(tmd_filestate *fs, const tmd_db_fp *fps, size_t nfps,
                        const tmd_scan_fp *fpo, size_t seen[3])
{
    static const int threads[] = {1, 2, 8};
    for (size_t t = 0; t < sizeof threads / sizeof *threads; t++) {
        tmd_scan_file *files = NULL;
        size_t nfiles = 0;
        assert_int_equal(tmd_scan_files(&files, &nfiles, fs, fps, nfps, threads[t], fpo), 0);
        assert_int_equal(nfiles, nfps / 2);
        for (size_t g = 0; g < nfiles; g++) {
            const tmd_db_fp *f = &fps[2 * g];
            tmd_scan_file *sf = &files[g];
            if (!tmd_filestate_name_ok(f->filename)) {
                assert_int_equal(sf->state, SCAN_NOT_DONE);
                seen[2]++;
                continue;
            }
            tmd_file_now want;
            assert_int_equal(tmd_filestate_get(&want, fs, f->filename), 0);
            assert_int_not_equal(sf->state, SCAN_NOT_DONE);
            assert_int_equal(sf->now.present, want.present);
            assert_int_equal(sf->now.git_clean, want.git_clean);
            assert_int_equal(sf->now.decodable, want.decodable);
            assert_string_equal(sf->now.fsha, want.fsha);
            int same = want.present && want.decodable && f[0].fsha && f[1].fsha &&
                       !strcmp(f[0].fsha, want.fsha) && !strcmp(f[1].fsha, want.fsha);
            if (same) {
                assert_int_equal(sf->state, SCAN_UNCHANGED);
                assert_null(sf->now.bytes);
                seen[1]++;
            } else {
                assert_int_equal(sf->state, SCAN_KEPT);
                assert_int_equal(sf->now.len, want.len);
                if (want.len)
                    assert_memory_equal(sf->now.bytes, want.bytes, want.len);
                seen[0]++;
            }
            /* take moves the state out, once */
            tmd_file_now got;
            assert_int_equal(tmd_scan_take(&got, sf, fs, f->filename), 0);
            assert_string_equal(got.fsha, want.fsha);
            assert_int_equal(sf->state, SCAN_NOT_DONE);
            tmd_file_now_free(&got);
            tmd_file_now_free(&want);
        }
        tmd_scan_free(files, nfiles);
    }
}

static void same_as_one_thread(void **state)
{
    (void)state;
    static tmd_db_fp fps[1000];
    static char names[500][64];
    size_t nfps = make_tree(fps, names, 1000);
    assert_true(nfps > 500);

    tmd_filestate *fs = NULL;
    assert_int_equal(tmd_filestate_open(&fs, root), 0);
    size_t seen[3] = {0}; /* kept, unchanged, refused */
    scan_rounds(fs, fps, nfps, NULL, seen);
    /* modified x2, deleted, untracked, missing, NULL fsha: 6 per round */
    assert_int_equal(seen[0], 3 * 6);
    assert_int_equal(seen[2], 3);
    assert_true(seen[1] > 3 * 280);

    /* With the caches (fpo set): the first round fills the blob cache, the
     * next two find every tracked content there; same answers. */
    char cache[300], path[340];
    snprintf(cache, sizeof cache, "%s/../cache", root);
    snprintf(path, sizeof path, "%s/blobids.bin", cache);
    tmd_dialect d = {11, 2};
    tmd_scan_fp fpo = {&d, cache, 0};
    size_t cached[3] = {0};
    scan_rounds(fs, fps, nfps, &fpo, cached);
    assert_memory_equal(cached, seen, sizeof seen);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    /* a 40-byte entry for the blob id of each of the 299 tracked files
     * still there (one deleted; two modified), and for testmon's own fsha
     * of the two modified ones and the untracked one */
    blobcache *probe = NULL;
    uint8_t key[16];
    assert_int_equal(blobcache_open(&probe, cache), 0);
    int own_cached = blobcache_key_fsha(probe, "", 0, key); /* 0: a build without an ID */
    blobcache_close(probe);
    assert_int_equal(st.st_size, 40 + (299 + (own_cached ? 3 : 0)) * 40);

    /* a file edited back to another file's committed content is changed */
    write_file("pkg1/mod001.py", "def f8():\n    return 8\n");
    tmd_scan_file *files = NULL;
    size_t nfiles = 0;
    assert_int_equal(tmd_scan_files(&files, &nfiles, fs, fps, nfps, 2, &fpo), 0);
    int found = 0;
    for (size_t g = 0; g < nfiles; g++)
        if (!strcmp(fps[2 * g].filename, "pkg1/mod001.py")) {
            assert_int_equal(files[g].state, SCAN_KEPT);
            assert_false(files[g].now.git_clean);
            found = 1;
        }
    assert_true(found);
    tmd_scan_free(files, nfiles);
    tmd_filestate_close(fs);

    /* A repository gitindex.c leaves to libgit2 (a sparse-checkout key in
     * its config): the helpers open libgit2 each, and the blob cache serves
     * libgit2's comparison too; same answers with and without it. */
    sh("git config core.sparseCheckout false");
    assert_int_equal(tmd_filestate_open(&fs, root), 0);
    size_t plain2[3] = {0}, cached2[3] = {0};
    scan_rounds(fs, fps, nfps, NULL, plain2);
    scan_rounds(fs, fps, nfps, &fpo, cached2);
    assert_memory_equal(plain2, cached2, sizeof plain2);
    assert_true(plain2[1] > 3 * 280);
    tmd_filestate_close(fs);
}

int main(void)
{
    char base[] = "/tmp/test_scan.XXXXXX";
    if (!mkdtemp(base))
        return 1;
    snprintf(root, sizeof root, "%s/repo", base);
    mkdir(root, 0700);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_as_one_thread),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", base);
    if (system(cmd) != 0 && !rc)
        rc = 1;
    return rc;
}
