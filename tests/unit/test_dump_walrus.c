/* test_dump_walrus.c: `x := a if b else c`, which tree-sitter-python 0.23
 * reads as `(x := a) if b else c` (engine/dump_expr.c dump_ifexp rebuilds
 * CPython's NamedExpr of the whole conditional), and a `:=` outside
 * brackets in an f-string field, where CPython starts a format spec
 * (engine/dump_fstring.c: inexact unless it is the plain `{x:=5}`).
 * Expected blocks: what CPython 3.8.18 ... 3.13.0 produced through
 * tests/reference/testmon_reference.py --dump. */
#include "support.h"
#include "tmdiff.h"

#include <stdlib.h>
#include <string.h>

static const char *const pythons[] = {"3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"};
#define NPYTHONS (sizeof pythons / sizeof pythons[0])

typedef struct walrus_case {
    const char *source;
    int from_minor;             /* CPython rejects it before 3.<from_minor> */
    const char *block_38;       /* the last block up to 3.11 */
    const char *block_312;      /* from 3.12 (NULL: the same) */
} walrus_case;

static const walrus_case valid[] = {
    {"y = (x := a if b else c)\nf(x := a if b else c if d else e)\nif x := a if b else c:\n    pass\n", 8,
     "0:Assign(Name('y', Store()), NamedExpr(Name('x', Store()), IfExp(Name('b', Load()), Name('a', Load()), "
     "Name('c', Load()))), None), Expr(Call(Name('f', Load()), NamedExpr(Name('x', Store()), IfExp(Name('b', "
     "Load()), Name('a', Load()), IfExp(Name('d', Load()), Name('c', Load()), Name('e', Load())))), )), "
     "If(NamedExpr(Name('x', Store()), IfExp(Name('b', Load()), Name('a', Load()), Name('c', Load()))), Pass(), )",
     NULL},
    {"@x := f if a else g\ndef h(): pass\n", 9,
     "1:FunctionDef('h', arguments(, , None, , , None, ), transformed_into_block, NamedExpr(Name('x', Store()), "
     "IfExp(Name('a', Load()), Name('f', Load()), Name('g', Load()))), None, None)",
     "1:FunctionDef('h', arguments(, , None, , , None, ), transformed_into_block, NamedExpr(Name('x', Store()), "
     "IfExp(Name('a', Load()), Name('f', Load()), Name('g', Load()))), None, None, )"},
    {"x = [1][x := 1 if a else b]\n", 10,
     "0:Assign(Name('x', Store()), Subscript(List(Constant(1, None), Load()), NamedExpr(Name('x', Store()), "
     "IfExp(Name('a', Load()), Constant(1, None), Name('b', Load()))), Load()), None)",
     NULL},
    {"x = f\"{(x := a if b else c)}\"\n", 8,
     "0:Assign(Name('x', Store()), JoinedStr(FormattedValue(NamedExpr(Name('x', Store()), IfExp(Name('b', "
     "Load()), Name('a', Load()), Name('c', Load()))), -1, None)), None)",
     NULL},
};

/* Rejected by ast.parse of all six. */
static const char *const rejected[] = {
    "x = y := 1 if a else b\n",
    "f(a=x := 1 if b else c)\n",
    "(x := y := 1 if a else b)\n",
    "(x := a if b else c) = 1\n",
};

/* Valid, but tree-sitter's walrus is CPython's format spec: CPython gives
 * `x` with spec '= 1' here; tmdiff must not give a NamedExpr. */
static const char *const fstring_spec[] = {
    "x = f\"{a, x := 1}\"\n",
    "x = f\"{x := a if b else c}\"\n",
};

static void test_cpython_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        for (size_t v = 0; v < NPYTHONS; v++) {
            int minor = atoi(pythons[v] + 2);
            tmd_fingerprint fp;
            support_fingerprint(&fp, pythons[v], valid[i].source);
            if (minor < valid[i].from_minor) {
                assert_int_equal(fp.status, TMD_FP_NO_PARSE);
                assert_int_equal(fp.count, 0);
                tmd_fingerprint_free(&fp);
                continue;
            }
            if (fp.status != TMD_FP_BLOCKS)
                print_error("case %zu, %s: status %d: %s\n", i, pythons[v], fp.status, fp.reason);
            assert_int_equal(fp.status, TMD_FP_BLOCKS);
            assert_true(fp.count >= 1);
            const char *want = minor >= 12 && valid[i].block_312 ? valid[i].block_312 : valid[i].block_38;
            assert_string_equal(fp.blocks[fp.count - 1], want);
            assert_int_equal(fp.checksums[fp.count - 1], tmd_checksum(want, strlen(want)));
            tmd_fingerprint_free(&fp);
        }
    }
}

static void test_rejects(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        for (size_t v = 0; v < NPYTHONS; v++) {
            tmd_fingerprint fp;
            support_fingerprint(&fp, pythons[v], rejected[i]);
            if (fp.status == TMD_FP_BLOCKS)
                print_error("rejected case %zu got checksums under %s\n", i, pythons[v]);
            assert_int_not_equal(fp.status, TMD_FP_BLOCKS);
            assert_int_equal(fp.count, 0);
            tmd_fingerprint_free(&fp);
        }
    }
}

static void test_fstring_walrus_is_a_spec(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof fstring_spec / sizeof fstring_spec[0]; i++) {
        for (size_t v = 0; v < NPYTHONS; v++) {
            tmd_fingerprint fp;
            support_fingerprint(&fp, pythons[v], fstring_spec[i]);
            assert_int_equal(fp.status, TMD_FP_INEXACT);
            assert_int_equal(fp.count, 0);
            tmd_fingerprint_free(&fp);
        }
    }
    /* the plain `{x:=5}` stays exact: x with the spec '=5' */
    tmd_fingerprint fp;
    support_fingerprint(&fp, "3.11.7", "f\"{x:=5}\"\n");
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    assert_non_null(strstr(fp.blocks[0], "FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('=5', None)))"));
    tmd_fingerprint_free(&fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpython_answers),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_fstring_walrus_is_a_spec),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
