/* test_filestate.c: what filestate.c reads and how it decides "unmodified".
 * Files are opened only below the root (symlinks and directories that lead
 * out are refused, ones that stay inside are followed); FIFOs, directories
 * and missing paths count as missing; the reusable read buffer gives each
 * file its own bytes whatever came before; with the blob cache, a file whose
 * bytes differ from the index is never unmodified, whatever the cache has
 * seen (another tracked file's content, the same size and timestamps). */
#include "filestate_internal.h"
#include "support.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <utime.h>

static char base[64], root[128], cache[128];

static int setup(void **state)
{
    (void)state;
    snprintf(base, sizeof base, "/tmp/test_filestate.XXXXXX");
    if (!mkdtemp(base))
        return -1;
    snprintf(root, sizeof root, "%s/root", base);
    snprintf(cache, sizeof cache, "%s/cache", base);
    return mkdir(root, 0700);
}

static int teardown(void **state)
{
    (void)state;
    return support_sh(NULL, 0, "/", NULL, "rm -rf '%s'", base) == 0 ? 0 : -1;
}

static void sh(const char *cmd)
{
    assert_int_equal(support_sh(NULL, 0, root, base, "%s", cmd), 0);
}

static void write_file(const char *rel, const char *text, size_t n)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    assert_int_equal(support_sh(NULL, 0, "/", NULL, "mkdir -p '%s'", path), 0);
    *slash = '/';
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, n, f), n);
    fclose(f);
}

static void write_text(const char *rel, const char *text)
{
    write_file(rel, text, strlen(text));
}

/* The state of rel from a fresh filestate, by peek + keep. */
static void state_of(tmd_file_now *out, const char *rel)
{
    tmd_filestate *fs = NULL;
    assert_int_equal(tmd_filestate_open(&fs, root), TMD_OK);
    assert_int_equal(filestate_peek(out, fs, rel), TMD_OK);
    assert_int_equal(filestate_keep(out), TMD_OK);
    tmd_filestate_close(fs);
}

static void test_filestate__never_reads_outside_the_root(void **state)
{
    (void)state;
    write_text("pkg/a.py", "a = 1\n");
    write_text("../outside/secret.py", "password = 1\n");
    char cmd[900];
    snprintf(cmd, sizeof cmd,
             "ln -s '%s/outside/secret.py' link.py && ln -s ../outside linkdir && "
             "ln -s ../../outside/secret.py pkg/up.py && ln -s pkg/a.py inner.py && "
             "ln -s '%s/pkg' absdir && ln -s pkg innerdir && ln -s loop.py loop.py && "
             "mkdir -p deep/er && ln -s ../../.. deep/er/top",
             base, root);
    sh(cmd);
    static const char *const refused[] = {"link.py", "linkdir/secret.py", "pkg/up.py",
                                          "../outside/secret.py", "/etc/passwd",
                                          "deep/er/top/outside/secret.py",
                                          "innerdir/../../outside/secret.py"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        tmd_file_now f;
        state_of(&f, refused[i]);
        if (f.present || !f.unsafe || f.bytes)
            fail_msg("%s: read, or not refused as unsafe", refused[i]);
        tmd_file_now_free(&f);
    }
    /* symlinks (to files or folders, relative or absolute) that stay inside
     * the root are followed, as Python would */
    static const char *const followed[] = {"inner.py", "absdir/a.py", "innerdir/a.py"};
    for (size_t i = 0; i < sizeof followed / sizeof *followed; i++) {
        tmd_file_now f;
        state_of(&f, followed[i]);
        if (!f.present || f.unsafe)
            fail_msg("%s: not followed", followed[i]);
        assert_int_equal(f.len, 6);
        assert_memory_equal(f.bytes, "a = 1\n", 6);
        tmd_file_now_free(&f);
    }
    tmd_file_now f;
    state_of(&f, "loop.py");
    assert_false(f.present);
    assert_false(f.unsafe);
    tmd_file_now_free(&f);
}

static void test_filestate__only_regular_files_are_read(void **state)
{
    (void)state;
    write_text("plain/x.py", "x = 1\n");
    sh("mkfifo plain/fifo.py && mkdir -p plain/dir.py && : > plain/empty.py && "
       "ln -s fifo.py plain/tofifo.py");
    static const char *const missing[] = {"plain/fifo.py", "plain/tofifo.py", "plain/dir.py",
                                          "plain/gone.py", "nodir/x.py", "plain/x.py/y.py"};
    for (size_t i = 0; i < sizeof missing / sizeof *missing; i++) {
        tmd_file_now f;
        state_of(&f, missing[i]); /* a FIFO must not block the open */
        if (f.present || f.unsafe || f.bytes || !f.reason[0])
            fail_msg("%s: present, refused as unsafe, or no reason", missing[i]);
        tmd_file_now_free(&f);
    }
    tmd_file_now f;
    state_of(&f, "plain/empty.py");
    assert_true(f.present);
    assert_int_equal(f.len, 0);
    assert_non_null(f.bytes);
    tmd_file_now_free(&f);
}

/* One filestate reads files of very different sizes in turn (its buffer
 * grows, and is dropped after a file over 8 MiB): each peek has exactly
 * that file's bytes, and a kept copy survives the next peek. */
static void test_filestate__read_buffer_is_reused_safely(void **state)
{
    (void)state;
    static const size_t sizes[] = {10, 200000, 3, 9 << 20, 70000, 0, 1 << 16, 5};
    enum { N = sizeof sizes / sizeof *sizes };
    char rel[N][32];
    for (size_t i = 0; i < N; i++) {
        snprintf(rel[i], sizeof rel[i], "buf/f%zu.py", i);
        char *text = malloc(sizes[i] + 1);
        assert_non_null(text);
        for (size_t k = 0; k < sizes[i]; k++)
            text[k] = (char)('a' + (k * 7 + i) % 26);
        write_file(rel[i], text, sizes[i]);
        free(text);
    }
    tmd_filestate *fs = NULL;
    assert_int_equal(tmd_filestate_open(&fs, root), TMD_OK);
    tmd_file_now kept = {0};
    for (int round = 0; round < 2; round++)
        for (size_t i = 0; i < N; i++) {
            char path[300];
            snprintf(path, sizeof path, "%s/%s", root, rel[i]);
            size_t n = 0;
            char *want = support_read_file(path, &n);
            assert_non_null(want);
            tmd_file_now f;
            assert_int_equal(filestate_peek(&f, fs, rel[i]), TMD_OK);
            assert_true(f.present);
            assert_int_equal(f.len, sizes[i]);
            assert_memory_equal(f.bytes, want, n);
            assert_int_equal(f.bytes[n], 0); /* NUL after the bytes, as tmd_file_read */
            free(want);
            if (round == 0 && i == 1) {
                assert_int_equal(filestate_keep(&f), TMD_OK);
                kept = f;
            } else {
                filestate_drop(&f);
            }
        }
    assert_int_equal(kept.len, sizes[1]);
    for (size_t k = 0; k < kept.len; k++)
        if (kept.bytes[k] != (uint8_t)('a' + (k * 7 + 1) % 26))
            fail_msg("kept byte %zu changed by later reads", k);
    tmd_file_now_free(&kept);
    tmd_filestate_close(fs);
}

/* The states of `names` through one filestate attached to the cache of
 * `cache`, which is then merged and saved. Returns the entries saved. */
static size_t states_with_cache(tmd_file_now *out, const char *const *names, size_t n)
{
    blobcache *bc = NULL;
    assert_int_equal(blobcache_open(&bc, cache), TMD_OK);
    tmd_filestate *fs = NULL;
    assert_int_equal(tmd_filestate_open(&fs, root), TMD_OK);
    filestate_use_blobcache(fs, bc);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(filestate_peek(&out[i], fs, names[i]), TMD_OK);
        assert_int_equal(filestate_keep(&out[i]), TMD_OK);
    }
    filestate_use_blobcache(fs, NULL);
    tmd_filestate_close(fs);
    assert_int_equal(blobcache_save(bc), 0);
    blobcache_close(bc);
    assert_int_equal(blobcache_open(&bc, cache), TMD_OK);
    size_t count = blobcache_count(bc);
    blobcache_close(bc);
    return count;
}

static void git_blob_id(const char *rel, char out[41])
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "git hash-object '%s'", rel);
    char text[64] = "";
    assert_int_equal(support_sh(text, sizeof text, root, base, "%s", cmd), 0);
    memcpy(out, text, 40);
    out[40] = '\0';
}

static void test_filestate__cache_never_hides_a_change(void **state)
{
    (void)state;
    static const char *const names[] = {"git/a.py", "git/b.py", "git/c.py", "git/same1.py",
                                        "git/same2.py", "git/new.py"};
    enum { N = sizeof names / sizeof *names };
    sh("rm -rf * .git");
    write_text("git/a.py", "def a():\n    return 1\n");
    write_text("git/b.py", "def b():\n    return 2\n");
    write_text("git/c.py", "def c():\n    return 3\n");
    write_text("git/same1.py", "x = 1\n"); /* one content, two files */
    write_text("git/same2.py", "x = 1\n");
    sh("git init -q . && git add -A && git commit -q -m base");
    write_text("git/new.py", "untracked = 1\n");
    char blob[N][41];
    for (size_t i = 0; i < N; i++)
        git_blob_id(names[i], blob[i]);

    tmd_file_now plain[N], cold[N], warm[N];
    for (size_t i = 0; i < N; i++)
        state_of(&plain[i], names[i]);
    size_t count = states_with_cache(cold, names, N);
    /* the blob ids of the 4 tracked contents, testmon's fsha of new.py */
    assert_int_equal(count, 5);
    assert_int_equal(states_with_cache(warm, names, N), count); /* all found: nothing new */
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(cold[i].git_clean, i < N - 1);
        assert_int_equal(warm[i].git_clean, plain[i].git_clean);
        assert_int_equal(cold[i].git_clean, plain[i].git_clean);
        assert_string_equal(warm[i].fsha, plain[i].fsha);
        assert_string_equal(cold[i].fsha, blob[i]);
        tmd_file_now_free(&plain[i]);
        tmd_file_now_free(&cold[i]);
        tmd_file_now_free(&warm[i]);
    }

    /* a and b swap contents (both known to the cache), c changes with its
     * size and timestamps kept: all three are modified, with the new
     * content's fsha */
    struct stat st;
    char path[300];
    snprintf(path, sizeof path, "%s/git/c.py", root);
    assert_int_equal(stat(path, &st), 0);
    write_text("git/a.py", "def b():\n    return 2\n");
    write_text("git/b.py", "def a():\n    return 1\n");
    write_text("git/c.py", "def c():\n    return 4\n");
    struct utimbuf old = {st.st_atime, st.st_mtime};
    assert_int_equal(utime(path, &old), 0);
    count = states_with_cache(warm, names, N);
    assert_int_equal(count, 9); /* c's new content (blob id), own fsha of a, b, c */
    for (size_t i = 0; i < N; i++) {
        char now_blob[41];
        git_blob_id(names[i], now_blob);
        if (i < 3) {
            if (warm[i].git_clean)
                fail_msg("%s: modified but reported unmodified", names[i]);
        } else {
            assert_int_equal(warm[i].git_clean, i < N - 1);
        }
        assert_string_equal(warm[i].fsha, now_blob); /* ASCII LF text: both hashes agree */
        tmd_file_now_free(&warm[i]);
    }
    /* and staged, the swapped contents are unmodified again */
    sh("git add -A");
    count = states_with_cache(warm, names, N);
    for (size_t i = 0; i < N; i++) {
        assert_true(warm[i].git_clean);
        tmd_file_now_free(&warm[i]);
    }
    assert_int_equal(count, 10); /* new.py's blob id, now tracked */
}

/* Outside git every file gets testmon's own fsha (decoded text): the cache
 * gives the same answers as decoding, never for an undecodable file, and
 * an edit is seen. */
static void test_filestate__own_fsha_outside_git(void **state)
{
    (void)state;
    char plain_root[200];
    snprintf(plain_root, sizeof plain_root, "%s/nogit", base);
    static const char *const names[] = {"lf.py", "crlf.py", "latin1.py", "unknown_codec.py"};
    static const char *const texts[] = {
        "x = 1\n", "x = 1\r\ny = 2\r\n",
        "# -*- coding: latin-1 -*-\ns = '\xe9t\xe9'\n",
        "# -*- coding: no-such-codec -*-\nx = 1\n"};
    enum { N = sizeof names / sizeof *names };
    for (size_t i = 0; i < N; i++) {
        char rel[64];
        snprintf(rel, sizeof rel, "../nogit/%s", names[i]);
        write_text(rel, texts[i]);
    }
    tmd_file_now want[N];
    tmd_filestate *fs = NULL;
    assert_int_equal(tmd_filestate_open(&fs, plain_root), TMD_OK);
    for (size_t i = 0; i < N; i++)
        assert_int_equal(tmd_filestate_get(&want[i], fs, names[i]), TMD_OK);
    tmd_filestate_close(fs);
    assert_false(want[3].decodable);
    assert_string_not_equal(want[0].fsha, want[1].fsha);

    /* cold: the 3 decodable contents are added; warm: all found, nothing
     * added, same answers; after an edit of the same size: its new content */
    static const size_t added_per_round[] = {3, 0, 1};
    for (int round = 0; round < 3; round++) {
        if (round == 2) {
            write_text("../nogit/lf.py", "x = 2\n");
            tmd_file_now_free(&want[0]);
            assert_int_equal(tmd_filestate_open(&fs, plain_root), TMD_OK);
            assert_int_equal(tmd_filestate_get(&want[0], fs, names[0]), TMD_OK);
            tmd_filestate_close(fs);
        }
        blobcache *bc = NULL;
        assert_int_equal(blobcache_open(&bc, cache), TMD_OK);
        size_t before = blobcache_count(bc);
        assert_int_equal(tmd_filestate_open(&fs, plain_root), TMD_OK);
        filestate_use_blobcache(fs, bc);
        for (size_t i = 0; i < N; i++) {
            tmd_file_now got;
            assert_int_equal(filestate_peek(&got, fs, names[i]), TMD_OK);
            assert_true(got.present);
            assert_false(got.git_clean);
            assert_int_equal(got.decodable, want[i].decodable);
            assert_string_equal(got.fsha, want[i].fsha);
            filestate_drop(&got);
        }
        filestate_use_blobcache(fs, NULL);
        tmd_filestate_close(fs);
        uint8_t probe[16];
        int fsha_cached = blobcache_key_fsha(bc, "", 0, probe); /* 0: a build without an ID */
        assert_int_equal(blobcache_count(bc) - before, fsha_cached ? added_per_round[round] : 0);
        assert_int_equal(blobcache_save(bc), 0);
        blobcache_close(bc);
    }
    for (size_t i = 0; i < N; i++)
        tmd_file_now_free(&want[i]);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_filestate__never_reads_outside_the_root),
        cmocka_unit_test(test_filestate__only_regular_files_are_read),
        cmocka_unit_test(test_filestate__read_buffer_is_reused_safely),
        cmocka_unit_test(test_filestate__cache_never_hides_a_change),
        cmocka_unit_test(test_filestate__own_fsha_outside_git),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
