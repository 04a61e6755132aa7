/* test_pyliteral.c: engine/pyliteral*.c against answers of the real CPython
 * interpreters (pyliteral_cases.inc, made by tests/tools/gen_pyliteral_cases.py),
 * plus the API's own contracts. */
#include "support.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pyliteral.h"
#include "pyliteral_ucd.h"

typedef struct lit_case {
    const char *python; /* "3.X.Y" that produced the answer */
    char kind;          /* s, f, n, i (see the generator) */
    const char *input;
    int status;         /* LIT_OK, LIT_SYNTAX, LIT_INEXACT */
    const char *expect; /* the dump, repr or name for LIT_OK */
} lit_case;

static const lit_case cases[] = {
#include "pyliteral_cases.inc"
};

static tmd_dialect dialect_of(const char *python)
{
    tmd_dialect d;
    assert_int_equal(tmd_dialect_parse(&d, python), 0);
    return d;
}

/* Runs one case through the API; LIT_* status, output in *out. */
static int run_case(const lit_case *c, tmd_buf *out, char *why)
{
    tmd_dialect d = dialect_of(c->python);
    const char *in = c->input;
    size_t len = strlen(in);
    if (c->kind == 'n')
        return lit_repr_number(out, in, len, &d, why);
    if (c->kind == 'i')
        return lit_identifier(out, in, len, &d, why);
    lit_str acc = {0};
    int r = LIT_OK;
    if (c->kind == 'f') {
        int raw = in[0] == 'r';
        acc.has_pieces = 1;
        r = lit_str_append_fragment(&acc, in + raw, len - (size_t)raw, raw ? LIT_P_RAW | LIT_P_F : LIT_P_F,
                                    1, &d, why);
    } else {
        for (const char *p = in; r == LIT_OK;) {
            const char *end = strchr(p, '\001');
            size_t n = end ? (size_t)(end - p) : strlen(p);
            r = lit_str_append_token(&acc, p, n, &d, why);
            if (!end)
                break;
            p = end + 1;
        }
    }
    if (r == LIT_OK)
        r = lit_dump_constant(out, &acc, &d, why);
    lit_str_free(&acc);
    return r;
}

static void test_cpython_answers(void **state)
{
    (void)state;
    size_t n = sizeof cases / sizeof cases[0], bad = 0, inexact_extra = 0, fallback = 0;
    assert_true(n > 1000);
    for (size_t i = 0; i < n; i++) {
        const lit_case *c = &cases[i];
        tmd_buf out = TMD_BUF_INIT;
        char why[LIT_WHY_SIZE] = "";
        int r = run_case(c, &out, why);
        int ok = r == c->status && (r != LIT_OK || (out.data && strcmp(out.data, c->expect) == 0));
        tmd_dialect d = dialect_of(c->python);
        if (r == LIT_INEXACT && !lit_ucd_is_exact(&d)) {
            fallback++; /* tables from the UCD files: inexact is their honest answer */
        } else if (r == LIT_INEXACT && c->status == LIT_OK) {
            /* allowed (tmdiff then selects more), but must stay rare */
            inexact_extra++;
            print_message("inexact: %s %c '%.80s' (%s)\n", c->python, c->kind, c->input, why);
        } else if (!ok) {
            bad++;
            print_error("%s %c '%.80s': got %d '%.120s' (%s), CPython %d '%.120s'\n", c->python, c->kind,
                        c->input, r, out.data ? out.data : "", why, c->status, c->expect);
        }
        tmd_buf_free(&out);
    }
    if (fallback)
        print_message("%zu cases inexact: this build's Unicode tables are not from the "
                      "dialects' own interpreters\n", fallback);
    assert_int_equal(bad, 0);
    /* only U+2EBF0 (Unicode 15.1, newer than libutf8proc 2.6's 15.0) in 3.13 */
    assert_true(inexact_extra <= 1);
}

static void test_prefix_flags(void **state)
{
    (void)state;
    size_t p = 99;
    assert_int_equal(lit_prefix_flags("'x'", 3, &p), 0);
    assert_int_equal(p, 0);
    assert_int_equal(lit_prefix_flags("Rb'x'", 5, &p), LIT_P_RAW | LIT_P_BYTES);
    assert_int_equal(p, 2);
    assert_int_equal(lit_prefix_flags("fR\"x\"", 5, &p), LIT_P_F | LIT_P_RAW);
    assert_int_equal(lit_prefix_flags("U'x'", 4, &p), LIT_P_U);
    assert_int_equal(lit_prefix_flags("ur'x'", 5, &p), -1);
    assert_int_equal(lit_prefix_flags("bf'x'", 5, &p), -1);
    assert_int_equal(lit_prefix_flags("rr'x'", 5, &p), -1);
    assert_int_equal(lit_prefix_flags("t'x'", 4, &p), -1);
    assert_int_equal(lit_prefix_flags("abc", 3, &p), -1);
}

/* One lit_str reused across literals keeps no state from the last one. */
static void test_reset_reuses(void **state)
{
    (void)state;
    tmd_dialect d = dialect_of("3.12");
    lit_str acc = {0};
    tmd_buf out = TMD_BUF_INIT;
    assert_int_equal(lit_str_append_token(&acc, "u'ab'", 5, &d, NULL), LIT_OK);
    lit_str_reset(&acc);
    assert_int_equal(lit_str_append_token(&acc, "b'c'", 4, &d, NULL), LIT_OK);
    assert_int_equal(lit_dump_constant(&out, &acc, &d, NULL), LIT_OK);
    assert_string_equal(out.data, "Constant(b'c', None)");
    lit_str_free(&acc);
    assert_null(acc.cp);
    tmd_buf_free(&out);
}

static void test_fstring_fragments(void **state)
{
    (void)state;
    tmd_dialect d = dialect_of("3.11");
    lit_str acc = {0};
    char why[LIT_WHY_SIZE];
    /* a lone brace cannot be a literal part: not guessed */
    assert_int_equal(lit_str_append_fragment(&acc, "a}b", 3, LIT_P_F, 1, &d, why), LIT_INEXACT);
    lit_str_reset(&acc);
    /* outside an f-string braces are plain characters */
    assert_int_equal(lit_str_append_fragment(&acc, "{{}", 3, 0, 0, &d, why), LIT_OK);
    assert_int_equal(acc.n, 3);
    assert_int_equal(acc.cp[0], '{');
    assert_int_equal(acc.cp[2], '}');
    /* an f-string handed to the token API is refused, not mis-decoded */
    lit_str_reset(&acc);
    assert_int_equal(lit_str_append_token(&acc, "f'{x}'", 6, &d, why), LIT_INEXACT);
    lit_str_free(&acc);
}

static void test_repr_bytes_quotes(void **state)
{
    (void)state;
    const uint32_t only_single[] = {'\'', 'a'}, both[] = {'\'', '"', 0xff, '\\'};
    tmd_buf out = TMD_BUF_INIT;
    lit_repr_bytes(&out, only_single, 2);
    assert_string_equal(out.data, "b\"'a\"");
    tmd_buf_truncate(&out, 0);
    lit_repr_bytes(&out, both, 4);
    assert_string_equal(out.data, "b'\\'\"\\xff\\\\'");
    tmd_buf_free(&out);
}

/* 3.8.13 had no int str-digits limit: a long decimal literal parses there,
 * so tmdiff cannot call it a syntax error (it is inexact instead). */
static void test_digit_limit_by_micro(void **state)
{
    (void)state;
    size_t n = 4301;
    char *tok = malloc(n);
    assert_non_null(tok);
    memset(tok, '7', n);
    tmd_dialect old = dialect_of("3.8.13"), fixed = dialect_of("3.8.14"), newest = dialect_of("3.10");
    tmd_buf out = TMD_BUF_INIT;
    assert_int_equal(lit_repr_number(&out, tok, n, &old, NULL), LIT_INEXACT);
    assert_int_equal(lit_repr_number(&out, tok, n, &fixed, NULL), LIT_SYNTAX);
    assert_int_equal(lit_repr_number(&out, tok, n, &newest, NULL), LIT_SYNTAX);
    assert_int_equal(out.len, 0);
    free(tok);
    tmd_buf_free(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpython_answers),
        cmocka_unit_test(test_prefix_flags),
        cmocka_unit_test(test_reset_reuses),
        cmocka_unit_test(test_fstring_fragments),
        cmocka_unit_test(test_repr_bytes_quotes),
        cmocka_unit_test(test_digit_limit_by_micro),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
