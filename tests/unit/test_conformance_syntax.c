/* test_conformance_syntax.c: every file of the conformance kit's syntax/
 * corpus fingerprinted in each of the six dialects must give exactly what the
 * real pytest-testmon gave (syntax/expected/py3X.jsonl): the same status, the
 * same checksums and the same block strings, on the plain path (a file git
 * reports unmodified) and on the dedent path (a locally modified file:
 * TMD_FP_DEDENT), where a record's dedent_* fields override its plain ones.
 *
 * `error` means testmon itself raises for the file: tmdiff must say
 * TMD_FP_INEXACT. parse_ok false means ast.parse rejects it: TMD_FP_NO_PARSE
 * with no blocks. One cmocka test per dialect; each prints
 * "py311: 68/68 files match" and, for every file that differs, the first
 * difference (block index, first differing column, expected vs got). */
#include "support.h"
#include "tmdiff.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXCERPT 70 /* bytes of block text shown around a difference */

/* The version string of a dialect ("3.12.1" for "py312") from
 * expected/dialects.json; NULL if the kit does not name it. free() it. */
static char *dialect_version(const char *dialect)
{
    char *json = support_read_file(support_shared_path("conformance/syntax/expected/dialects.json"), NULL);
    if (!json)
        return NULL;
    cJSON *root = cJSON_Parse(json);
    free(json);
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(root, dialect);
    const cJSON *python = cJSON_GetObjectItemCaseSensitive(entry, "python");
    char *version = cJSON_IsString(python) ? strdup(python->valuestring) : NULL;
    cJSON_Delete(root);
    return version;
}

/* A record's field for one path: dedent_<name> when checking the dedent path
 * and the record has it, else <name>. */
static const cJSON *field(const cJSON *rec, const char *name, int dedent)
{
    if (dedent) {
        char key[64];
        snprintf(key, sizeof key, "dedent_%s", name);
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(rec, key);
        if (v)
            return v;
    }
    return cJSON_GetObjectItemCaseSensitive(rec, name);
}

static const char *status_name(tmd_fp_status s)
{
    switch (s) {
    case TMD_FP_BLOCKS: return "BLOCKS";
    case TMD_FP_NO_PARSE: return "NO_PARSE";
    case TMD_FP_INEXACT: return "INEXACT";
    }
    return "?";
}

/* Prints `text` around byte `col` on one line, as an escaped excerpt. */
static void print_excerpt(const char *label, const char *text, size_t col)
{
    size_t len = strlen(text), lo = col > EXCERPT / 2 ? col - EXCERPT / 2 : 0;
    size_t hi = lo + EXCERPT < len ? lo + EXCERPT : len;
    print_error("      %s %s%.*s%s\n", label, lo ? "..." : "", (int)(hi - lo), text + lo,
                hi < len ? "..." : "");
}

/* Compares one fingerprint with the record's expectation for one path.
 * Prints the first difference and returns 0 if they differ. */
static int matches(const char *where, const cJSON *rec, int dedent, const tmd_fingerprint *fp,
                   int with_text)
{
    const cJSON *error = field(rec, "error", dedent);
    const cJSON *parse_ok = field(rec, "parse_ok", dedent);
    const cJSON *checksums = field(rec, "checksums", dedent);
    const cJSON *blocks = field(rec, "blocks", dedent);
    tmd_fp_status want = error && !cJSON_IsNull(error) ? TMD_FP_INEXACT
                         : !cJSON_IsTrue(parse_ok)     ? TMD_FP_NO_PARSE
                                                       : TMD_FP_BLOCKS;
    if (fp->status != want) {
        print_error("    %s: status %s expected%s%s%s, got %s (%s)\n", where, status_name(want),
                    want == TMD_FP_INEXACT ? " (testmon raises " : "",
                    want == TMD_FP_INEXACT && cJSON_IsString(error) ? error->valuestring : "",
                    want == TMD_FP_INEXACT ? ")" : "", status_name(fp->status), fp->reason);
        return 0;
    }
    if (want == TMD_FP_INEXACT)
        return 1;
    if (want == TMD_FP_BLOCKS && !(cJSON_IsArray(checksums) && cJSON_IsArray(blocks) &&
                                   cJSON_GetArraySize(checksums) == cJSON_GetArraySize(blocks))) {
        print_error("    %s: record without matching checksums and blocks\n", where);
        return 0;
    }
    size_t n = want == TMD_FP_BLOCKS ? (size_t)cJSON_GetArraySize(checksums) : 0;
    if (fp->count != n) {
        print_error("    %s: %zu blocks expected, got %zu\n", where, n, fp->count);
        return 0;
    }
    for (size_t i = 0; i < n; i++) {
        const char *want_text = cJSON_GetArrayItem(blocks, (int)i)->valuestring;
        if (with_text && strcmp(fp->blocks[i], want_text) != 0) {
            size_t col = 0;
            while (want_text[col] && want_text[col] == fp->blocks[i][col])
                col++;
            print_error("    %s: block %zu differs at column %zu\n", where, i, col);
            print_excerpt("expected:", want_text, col);
            print_excerpt("got:     ", fp->blocks[i], col);
            return 0;
        }
        int32_t want_sum = (int32_t)cJSON_GetArrayItem(checksums, (int)i)->valuedouble;
        if (fp->checksums[i] != want_sum) {
            print_error("    %s: block %zu checksum expected %d, got %d%s\n", where, i,
                        (int)want_sum, (int)fp->checksums[i],
                        with_text ? " (same text: checksum code differs)" : "");
            return 0;
        }
    }
    return 1;
}

/* Fingerprints one corpus file on one path, with and without the block
 * strings (the checksum-only path must agree). Returns 1 on a full match. */
static int check_path(const char *file, const cJSON *rec, const tmd_source *src,
                      const tmd_dialect *dialect, int dedent)
{
    int ok = 1;
    for (int with_text = 1; with_text >= 0 && ok; with_text--) {
        char where[256];
        snprintf(where, sizeof where, "%s (%s%s)", file, dedent ? "dedent" : "plain",
                 with_text ? "" : ", checksums only");
        tmd_fingerprint fp;
        int flags = (with_text ? TMD_FP_WANT_TEXT : 0) | (dedent ? TMD_FP_DEDENT : 0);
        int rc = tmd_fingerprint_python(&fp, src, dialect, flags);
        if (rc != TMD_OK) {
            print_error("    %s: tmd_fingerprint_python failed: %s\n", where, tmd_error_message());
            return 0;
        }
        ok = matches(where, rec, dedent, &fp, with_text);
        tmd_fingerprint_free(&fp);
    }
    return ok;
}

static int check_record(const cJSON *rec, const tmd_dialect *dialect)
{
    const char *file = cJSON_GetObjectItemCaseSensitive(rec, "file")->valuestring;
    char rel[512];
    snprintf(rel, sizeof rel, "conformance/syntax/%s", file);
    size_t n = 0;
    char *bytes = support_read_file(support_shared_path(rel), &n);
    if (!bytes) {
        print_error("    %s: cannot read %s\n", file, support_shared_path(rel));
        return 0;
    }
    tmd_source src;
    int rc = tmd_source_prepare(&src, (const uint8_t *)bytes, n);
    free(bytes);
    if (rc != TMD_OK) {
        print_error("    %s: tmd_source_prepare failed: %s\n", file, tmd_error_message());
        return 0;
    }
    int plain = check_path(file, rec, &src, dialect, 0);
    int dedent = check_path(file, rec, &src, dialect, 1);
    tmd_source_free(&src);
    return plain && dedent;
}

static void check_dialect(const char *name)
{
    char *version = dialect_version(name);
    assert_non_null(version);
    tmd_dialect dialect;
    assert_int_equal(tmd_dialect_parse(&dialect, version), TMD_OK);

    char rel[128];
    snprintf(rel, sizeof rel, "conformance/syntax/expected/%s.jsonl", name);
    char *jsonl = support_read_file(support_shared_path(rel), NULL);
    assert_non_null(jsonl);

    int files = 0, matched = 0;
    for (char *line = jsonl, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next)
            *next++ = '\0';
        if (!*line)
            continue;
        cJSON *rec = cJSON_Parse(line);
        assert_non_null(rec);
        files++;
        matched += check_record(rec, &dialect);
        cJSON_Delete(rec);
    }
    free(jsonl);
    printf("%s: %d/%d files match (python %s, plain and dedent paths)\n", name, matched, files,
           version);
    fflush(stdout);
    free(version);
    assert_int_equal(files, 68); /* the kit's README: 68 syntax files */
    if (matched != files)
        fail_msg("%s: %d of %d corpus files differ from pytest-testmon (first difference of each above)",
                 name, files - matched, files);
}

static void test_py38(void **state) { (void)state; check_dialect("py38"); }
static void test_py39(void **state) { (void)state; check_dialect("py39"); }
static void test_py310(void **state) { (void)state; check_dialect("py310"); }
static void test_py311(void **state) { (void)state; check_dialect("py311"); }
static void test_py312(void **state) { (void)state; check_dialect("py312"); }
static void test_py313(void **state) { (void)state; check_dialect("py313"); }

int main(void)
{
    char *kit = support_read_file(support_shared_path("conformance/syntax/expected/dialects.json"), NULL);
    if (!kit) {
        fprintf(stderr, "conformance kit not found under %s: skipped\n", support_shared_path(""));
        return SUPPORT_SKIP;
    }
    free(kit);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_py38),  cmocka_unit_test(test_py39),  cmocka_unit_test(test_py310),
        cmocka_unit_test(test_py311), cmocka_unit_test(test_py312), cmocka_unit_test(test_py313),
    };
    return cmocka_run_group_tests_name("conformance_syntax", tests, NULL, NULL);
}
