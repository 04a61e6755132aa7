/* test_source.c: reading files and preparing their text as testmon does
 * (engine/source.c, engine/codec.c). Expected hashes below were computed
 * with tests/reference/testmon_reference.py prepare() on CPython 3.11.7. */
#include "support.h"

#include <cJSON.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "source_internal.h"
#include "tmdiff.h"

static void prepare_ok(tmd_source *src, const char *bytes, size_t n)
{
    assert_int_equal(tmd_source_prepare(src, (const uint8_t *)bytes, n), TMD_OK);
}

#define PREP(src, lit) prepare_ok(src, lit, sizeof lit - 1)

/* ---- conformance kit -------------------------------------------------------- */

static void conformance_hashes(void **state)
{
    (void)state;
    size_t jlen;
    const char *expected = support_shared_path("conformance/syntax/expected/py311.jsonl");
    char *jsonl = support_read_file(expected, &jlen);
    if (!jsonl)
        skip();
    int edge_files = 0, all_files = 0, undecodable = 0;
    for (char *line = strtok(jsonl, "\n"); line; line = strtok(NULL, "\n")) {
        cJSON *rec = cJSON_Parse(line);
        assert_non_null(rec);
        const char *file = cJSON_GetObjectItem(rec, "file")->valuestring;
        const char *git = cJSON_GetObjectItem(rec, "git_blob_sha")->valuestring;
        cJSON *fsha = cJSON_GetObjectItem(rec, "fsha");
        char rel[512];
        snprintf(rel, sizeof rel, "conformance/syntax/%s", file);
        uint8_t *bytes;
        size_t n;
        assert_int_equal(tmd_file_read(&bytes, &n, support_shared_path(rel)), TMD_OK);
        tmd_source src;
        assert_int_equal(tmd_source_prepare(&src, bytes, n), TMD_OK);
        if (strcmp(src.git_sha, git))
            fail_msg("%s: git sha %s, expected %s", file, src.git_sha, git);
        if (cJSON_IsNull(fsha)) {
            if (src.decodable)
                fail_msg("%s: decodable, testmon raises", file);
            assert_string_equal(src.fsha, "");
            undecodable++;
        } else {
            if (!src.decodable)
                fail_msg("%s: undecodable, testmon decodes it", file);
            if (strcmp(src.fsha, fsha->valuestring))
                fail_msg("%s: fsha %s, expected %s", file, src.fsha, fsha->valuestring);
            assert_true(src.len == 0 || src.text[src.len - 1] == '\n');
        }
        /* the text-only preparation: the same text, no SHA-1s */
        tmd_source text;
        assert_int_equal(tmd_source_prepare_text(&text, bytes, n), TMD_OK);
        assert_int_equal(text.decodable, src.decodable);
        assert_int_equal(text.len, src.len);
        assert_memory_equal(text.text, src.text, src.len + 1);
        assert_true(text.xxh3 == src.xxh3);
        assert_string_equal(text.fsha, "");
        assert_string_equal(text.git_sha, "");
        tmd_source_free(&text);
        edge_files += !strncmp(file, "py38_edge_", 10);
        all_files++;
        tmd_source_free(&src);
        free(bytes);
        cJSON_Delete(rec);
    }
    free(jsonl);
    assert_true(edge_files >= 25);
    assert_int_equal(undecodable, 3); /* README: 3 corpus files cannot be decoded */
    print_message("compared %d corpus files (%d edge files), %d undecodable\n", all_files,
                  edge_files, undecodable);
}

/* ---- text preparation ----------------------------------------------------------- */

static void newlines_and_form_feeds(void **state)
{
    (void)state;
    tmd_source src;
    PREP(&src, "a\r\nb\x0c" "c\rd");
    assert_string_equal(src.text, "a\nb c\rd\n"); /* lone CR stays, "\n" appended */
    assert_int_equal(src.len, 8);
    assert_string_equal(src.fsha, "15c8955cc471c1cdd936e98077fc74d97990ff1f");
    tmd_source_free(&src);

    PREP(&src, "\r\r\n\r");
    assert_string_equal(src.text, "\r\n\r\n"); /* bytes.replace: left to right once */
    tmd_source_free(&src);
}

static void empty_file(void **state)
{
    (void)state;
    tmd_source src;
    prepare_ok(&src, "", 0);
    assert_true(src.decodable);
    assert_int_equal(src.len, 0);
    assert_string_equal(src.text, "");
    assert_string_equal(src.git_sha, "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391");
    assert_string_equal(src.fsha, src.git_sha);
    tmd_source_free(&src);
}

static void fsha_counts_characters(void **state)
{
    (void)state;
    tmd_source src;
    PREP(&src, "\xc3\xa9\n"); /* é: 2 bytes, 1 character */
    assert_string_equal(src.fsha, "cab8014522f665a3560e58125f3037392080690f");
    assert_string_not_equal(src.fsha, src.git_sha);
    tmd_source_free(&src);

    PREP(&src, "x = 1\n");
    assert_string_equal(src.fsha, src.git_sha); /* pure ASCII LF: both agree */
    tmd_source_free(&src);
}

static void cpython_replacement_rule(void **state)
{
    (void)state;
    tmd_source src;
    PREP(&src, "x = 1\n\n# \xed\xa0\x80\n"); /* an encoded surrogate: three U+FFFD */
    assert_true(src.decodable);
    assert_string_equal(src.text, "x = 1\n\n# \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
    assert_string_equal(src.fsha, "4d3787083fe1303dbd75d8e9378b8b67ddcbb135");
    tmd_source_free(&src);

    /* a truncated 3-byte sequence is one U+FFFD; so is a lead with one good
     * continuation; bytes that can never start a sequence are one each */
    PREP(&src, "\n\n\xe2\x82" "A\xf0\x90\x80\xc0\x80\xff");
    assert_string_equal(src.text, "\n\n\xef\xbf\xbd" "A"
                                  "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\n");
    tmd_source_free(&src);

    PREP(&src, "\n\n\xf4\x90\x80\x80"); /* above U+10FFFF: four */
    assert_int_equal(src.len, 2 + 4 * 3 + 1);
    tmd_source_free(&src);
}

static void boms(void **state)
{
    (void)state;
    tmd_source src;
    PREP(&src, "\xef\xbb\xbf\xef\xbb\xbfx = 1\n"); /* testmon drops a second U+FEFF too */
    assert_string_equal(src.text, "x = 1\n");
    assert_string_equal(src.fsha, "76563cb94a74ea0b9646aab1cc36ab050a53fc12");
    tmd_source_free(&src);

    PREP(&src, "\xef\xbb\xbf# coding: utf-8\nx = 1\n");
    assert_true(src.decodable);
    assert_string_equal(src.text, "# coding: utf-8\nx = 1\n");
    tmd_source_free(&src);

    PREP(&src, "\xef\xbb\xbf# coding: latin-1\nx = 1\n");
    assert_false(src.decodable);
    assert_string_equal(src.fsha, "");
    assert_int_equal(strlen(src.git_sha), 40);
    tmd_source_free(&src);

    PREP(&src, "\xef\xbb\xbf# coding: utf8\n"); /* tokenize compares with "utf-8" */
    assert_false(src.decodable);
    tmd_source_free(&src);
}

static void cookies(void **state)
{
    (void)state;
    tmd_source src;
    PREP(&src, "# coding: latin-1\nx = '\xe9'\n");
    assert_string_equal(src.text, "# coding: latin-1\nx = '\xc3\xa9'\n");
    assert_string_equal(src.fsha, "52b192040dfb638899a176f7ef1f0916ae610ead");
    tmd_source_free(&src);

    PREP(&src, "#!/usr/bin/python\n# vim: set fileencoding=cp1252 :\n\x80\x81\n");
    assert_string_equal(src.text, "#!/usr/bin/python\n# vim: set fileencoding=cp1252 :\n"
                                  "\xe2\x82\xac\xef\xbf\xbd\n"); /* 0x81 is undefined */
    tmd_source_free(&src);

    PREP(&src, "x = 1\n# coding: latin-1\n\xe9\n"); /* line 1 is code: line 2 unread */
    assert_string_equal(src.text, "x = 1\n# coding: latin-1\n\xef\xbf\xbd\n");
    tmd_source_free(&src);

    PREP(&src, "\n\n# coding: latin-1\n\xe9\n"); /* line 3: ignored */
    assert_string_equal(src.text, "\n\n# coding: latin-1\n\xef\xbf\xbd\n");
    tmd_source_free(&src);

    PREP(&src, "# coding: no-such-codec\n");
    assert_false(src.decodable);
    assert_non_null(strstr(src.why_undecodable, "codec"));
    tmd_source_free(&src);

    PREP(&src, "# -*- coding: KOI8_R -*-\n\xc1\n");
    assert_string_equal(src.text, "# -*- coding: KOI8_R -*-\n\xd0\xb0\n"); /* а */
    tmd_source_free(&src);

    PREP(&src, "# coding is coding=iso8859.1\n\xe9"); /* alias iso8859_1 */
    assert_string_equal(src.text, "# coding is coding=iso8859.1\n\xc3\xa9\n");
    tmd_source_free(&src);

    PREP(&src, "# coding=latin.1\n"); /* dots stay: no alias, no module */
    assert_false(src.decodable);
    tmd_source_free(&src);
}

static void cjk_codecs(void **state)
{
    (void)state;
    tmd_source src;
    PREP(&src, "# -*- coding: euc-jp -*-\ns = '\xa4\xa2'\n");
    assert_true(src.decodable);
    assert_string_equal(src.text, "# -*- coding: euc-jp -*-\ns = '\xe3\x81\x82'\n"); /* あ */
    tmd_source_free(&src);

    PREP(&src, "# coding: euc-jp\ns = '\x85'\n"); /* glibc: U+0085, Python: U+FFFD */
    assert_false(src.decodable);
    tmd_source_free(&src);

    PREP(&src, "# coding: gbk\ns = '\xa4\xa2\xff'\n"); /* invalid: replaced how? */
    assert_false(src.decodable);
    tmd_source_free(&src);

    PREP(&src, "# coding: shift_jis\ns = '\\'\n"); /* glibc reads 0x5C as a yen sign */
    assert_false(src.decodable);
    tmd_source_free(&src);
}

static void invalid_utf8_where_detect_encoding_reads(void **state)
{
    (void)state;
    tmd_source src;
    PREP(&src, "# caf\xe9\nx = 1\n");
    assert_false(src.decodable);
    tmd_source_free(&src);

    PREP(&src, "#\n# caf\xe9\n"); /* line 1 a comment: line 2 is read */
    assert_false(src.decodable);
    tmd_source_free(&src);

    PREP(&src, "x = 1\n# caf\xe9\n"); /* line 1 code: line 2 is not read */
    assert_true(src.decodable);
    assert_null(src.why_undecodable);
    tmd_source_free(&src);
}

static void lookup_names(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int kind, exact;
    } cases[] = {
        {"utf-8", TMD_CODEC_UTF8, 1},       {"UTF_8", TMD_CODEC_UTF8, 1},
        {"utf-8-whatever", TMD_CODEC_UTF8, 1}, {"utf8", TMD_CODEC_UTF8, 0},
        {"latin-1-x", TMD_CODEC_SINGLE_BYTE, 0}, {"iso-latin-1", TMD_CODEC_SINGLE_BYTE, 0},
        {"windows-1252", TMD_CODEC_SINGLE_BYTE, 0}, {"euc-jp", TMD_CODEC_MULTI_BYTE, 0},
        {"shift_jis", TMD_CODEC_UNDECODABLE, 0}, {"windows-31j", TMD_CODEC_UNDECODABLE, 0},
        {"aliases", TMD_CODEC_UNDECODABLE, 0}, {"cp1252.x", TMD_CODEC_UNDECODABLE, 0},
        {"-.-latin1", TMD_CODEC_UNDECODABLE, 0}, {"--latin1--", TMD_CODEC_SINGLE_BYTE, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        tmd_codec c;
        int exact = -1;
        tmd_codec_lookup(&c, &exact, cases[i].name, strlen(cases[i].name));
        if ((int)c.kind != cases[i].kind || exact != cases[i].exact)
            fail_msg("%s: kind %d exact %d", cases[i].name, c.kind, exact);
    }
}

/* ---- dedent -------------------------------------------------------------------- */

static void check_dedent(const char *in, const char *want)
{
    char *out;
    size_t len;
    assert_int_equal(tmd_source_dedent(&out, &len, in, strlen(in)), TMD_OK);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
}

static void dedent(void **state)
{
    (void)state;
    check_dedent("  a\n    b\n", "a\n  b\n");
    check_dedent("  a\n\tb\n", "  a\n\tb\n");           /* no common prefix */
    check_dedent("\t  a\n\t b\n", " a\nb\n");           /* prefix "\t " */
    check_dedent("  a\n   \n\t\n  b\n", "a\n\n\nb\n");  /* blank lines emptied */
    check_dedent("a\n  \n", "a\n\n");                  /* even with no margin */
    check_dedent("  a\r  b\n  c\n", "a\r  b\nc\n");     /* only \n ends a line */
    check_dedent("  a\n  b", "a\nb");
    check_dedent("  a\n   ", "a\n");
    check_dedent("", "");
    check_dedent("   ", "");
    check_dedent("    x\n  \x0c y\n", "  x\n\x0c y\n"); /* \f is not indentation here */
}

/* ---- reading files ---------------------------------------------------------------- */

static char tmpdir[64];

static int make_tmpdir(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/tmd_source_XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void file_errors(void **state)
{
    (void)state;
    uint8_t *bytes = (uint8_t *)"x";
    size_t n = 7;
    char path[128];

    snprintf(path, sizeof path, "%s/missing.py", tmpdir);
    assert_int_equal(tmd_file_read(&bytes, &n, path), TMD_ENOTFOUND);
    assert_null(bytes);
    assert_non_null(strstr(tmd_error_message(), path));

    assert_int_equal(tmd_file_read(&bytes, &n, tmpdir), TMD_EINVAL);
    assert_non_null(strstr(tmd_error_message(), "directory"));

    assert_int_equal(tmd_file_read(&bytes, &n, "/dev/null"), TMD_EINVAL);
    assert_non_null(strstr(tmd_error_message(), "device"));

    snprintf(path, sizeof path, "%s/fifo", tmpdir);
    assert_int_equal(mkfifo(path, 0600), 0);
    assert_int_equal(tmd_file_read(&bytes, &n, path), TMD_EINVAL); /* and no hang */
    assert_non_null(strstr(tmd_error_message(), "FIFO"));

    snprintf(path, sizeof path, "%s/huge.py", tmpdir);
    int fd = open(path, O_WRONLY | O_CREAT, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, ((off_t)256 << 20) + 1), 0); /* sparse */
    close(fd);
    assert_int_equal(tmd_file_read(&bytes, &n, path), TMD_EINVAL);
    assert_non_null(strstr(tmd_error_message(), "256 MiB"));
}

static void file_contents(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof path, "%s/data.py", tmpdir);
    static const char data[] = "a\0b\xff\r\n";
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(data, 1, sizeof data - 1, f);
    fclose(f);
    uint8_t *bytes;
    size_t n;
    assert_int_equal(tmd_file_read(&bytes, &n, path), TMD_OK);
    assert_int_equal(n, sizeof data - 1);
    assert_memory_equal(bytes, data, n);
    free(bytes);

    snprintf(path, sizeof path, "%s/empty.py", tmpdir);
    f = fopen(path, "wb");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(tmd_file_read(&bytes, &n, path), TMD_OK);
    assert_non_null(bytes);
    assert_int_equal(n, 0);
    free(bytes);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(conformance_hashes),
        cmocka_unit_test(newlines_and_form_feeds),
        cmocka_unit_test(empty_file),
        cmocka_unit_test(fsha_counts_characters),
        cmocka_unit_test(cpython_replacement_rule),
        cmocka_unit_test(boms),
        cmocka_unit_test(cookies),
        cmocka_unit_test(cjk_codecs),
        cmocka_unit_test(invalid_utf8_where_detect_encoding_reads),
        cmocka_unit_test(lookup_names),
        cmocka_unit_test(dedent),
        cmocka_unit_test(file_errors),
        cmocka_unit_test(file_contents),
    };
    return cmocka_run_group_tests_name("source", tests, make_tmpdir, remove_tmpdir);
}
