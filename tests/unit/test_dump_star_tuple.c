/* test_dump_star_tuple.c: engine/dump_star_tuple.c, the parentheses put
 * around tuples tree-sitter cannot read (`match *[a], b:`, `x = *(a), b`),
 * and the fingerprints that result (expected block strings: what CPython
 * 3.8.18 ... 3.13.0 produced through tests/reference/testmon_reference.py). */
#include "support_dumper.h"
#include "tmdiff.h"

#include "dump_common.h"
#include "dump_symbols.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_SPANS = 8 };

/* Every such tuple of the text is wrapped, and the new tree reads each
 * one where it stood. */
static void test_wraps_every_tuple(void **state)
{
    (void)state;
    static const char src[] = "x = a, *[b], c  # note\n"
                              "def f():\n"
                              "    return *(x), y\n"
                              "match *[a], b:\n"
                              "    case _:\n"
                              "        pass\n";
    static const char want[] = "x = (a, *[b], c)  # note\n"
                               "def f():\n"
                               "    return (*(x), y)\n"
                               "match (*[a], b):\n"
                               "    case _:\n"
                               "        pass\n";
    dumper_fixture f;
    TSNode root = dumper_fixture_parse(&f, src, 11);
    assert_true(ts_node_has_error(root)); /* the grammar gap worked around */
    dump_span spans[MAX_SPANS];
    unsigned n = 0;
    size_t len = 0;
    char *text = dump_star_tuple_fix(&f.d, root, strlen(src), &len, spans, MAX_SPANS, &n);
    assert_non_null(text);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(n, 3);
    for (unsigned k = 0; k < n; k++) {
        assert_int_equal(text[spans[k].from], '(');
        assert_int_equal(text[spans[k].to - 1], ')');
    }
    dumper_fixture g;
    TSNode again = dumper_fixture_parse(&g, text, 11);
    assert_false(ts_node_has_error(again));
    assert_true(dump_star_tuple_fixed(&g.d, again, spans, n));
    /* a span that is no such tuple is refused */
    dump_span wrong = {spans[0].from + 1, spans[0].to};
    assert_false(dump_star_tuple_fixed(&g.d, again, &wrong, 1));
    dumper_fixture_done(&g);
    free(text);
    dumper_fixture_done(&f);
}

/* Where the parentheses could change what the text means, or no star
 * item is there, the text is left alone. */
static void test_leaves_alone(void **state)
{
    (void)state;
    static const struct {
        const char *src;
        int minor;
    } cases[] = {
        {"x = *[a], b := 1\n", 11},             /* `:=` only inside parentheses */
        {"x = *[a], lambda: 1\n", 11},          /* a lambda's ':' */
        {"f(x=*[a], b)\n", 11},                 /* inside a call */
        {"x = *[a]\n", 11},                     /* no tuple */
        {"x = a, b\nx = [\n", 11},              /* no star item */
        {"x = *[a], b = c\n", 11},              /* a target after all */
        {"x = *[a], \\\n    b\n", 11},          /* backslash continuation */
        {"match *[a], b:\n    case _: pass\n", 9}, /* no match before 3.10 */
        {"match *[a],\n  b:\n    case _: pass\n", 11},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dumper_fixture f;
        TSNode root = dumper_fixture_parse(&f, cases[i].src, cases[i].minor);
        dump_span spans[MAX_SPANS];
        unsigned n = 0;
        size_t len = 0;
        char *text = dump_star_tuple_fix(&f.d, root, strlen(cases[i].src), &len, spans, MAX_SPANS, &n);
        if (text)
            print_message("rewritten: %s-> %s", cases[i].src, text);
        assert_null(text);
        dumper_fixture_done(&f);
    }
}

#define fingerprint support_fingerprint

/* Through tmd_fingerprint_python: CPython's blocks for the whole file. */
static void test_cpython_answers(void **state)
{
    (void)state;
    tmd_fingerprint fp;
    fingerprint(&fp, "3.10.13", "match *[a], b:\n    case [x, y]:\n        pass\n");
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    assert_string_equal(fp.blocks[0],
                        "0:Match(Tuple(Starred(List(Name('a', Load()), Load()), Load()), Name('b', Load()), "
                        "Load()), match_case(MatchSequence(MatchAs(None, 'x'), MatchAs(None, 'y')), None, Pass()))");
    tmd_fingerprint_free(&fp);

    /* nine in one file, one nested in another's body */
    fingerprint(&fp, "3.8.18",
                "x = *[a], b\nx = *[c], d\nx = *[e], f\nx = *[g], h\nx = *[i], j\n"
                "x = *[k], l\nx = *[m], n\nx = *[o], p\nx = *[q], r\n");
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    assert_non_null(strstr(fp.blocks[0], "Assign(Name('x', Store()), Tuple(Starred(List(Name('q', Load()), "
                                         "Load()), Load()), Name('r', Load()), Load()), None)"));
    tmd_fingerprint_free(&fp);
    fingerprint(&fp, "3.13.0", "def f():\n    match *[a], b:\n        case _:\n            return *(x), y\n");
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 2);
    assert_string_equal(fp.blocks[0],
                        "0:Match(Tuple(Starred(List(Name('a', Load()), Load()), Load()), Name('b', Load()), "
                        "Load()), match_case(MatchAs(None, None), None, Return(Tuple(Starred(Name('x', Load()), "
                        "Load()), Name('y', Load()), Load()))))");
    tmd_fingerprint_free(&fp);

    /* the broken tree read `case _: pass` as an annotation naming the
     * keyword `pass` (a reject); the fixed text is valid */
    fingerprint(&fp, "3.12.1", "def f():\n    match *[a], b:\n        case _: pass\n    return *[a], b\n");
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 2);
    assert_string_equal(fp.blocks[0],
                        "0:Match(Tuple(Starred(List(Name('a', Load()), Load()), Load()), Name('b', Load()), "
                        "Load()), match_case(MatchAs(None, None), None, Pass())), Return(Tuple(Starred(List("
                        "Name('a', Load()), Load()), Load()), Name('b', Load()), Load()))");
    tmd_fingerprint_free(&fp);
    /* a string spanning lines does not end the tuple */
    fingerprint(&fp, "3.12.1", "c = *[a], '''x\ny''', z\n");
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    assert_string_equal(fp.blocks[0], "0:Assign(Name('c', Store()), Tuple(Starred(List(Name('a', Load()), "
                                      "Load()), Load()), Constant('x\\ny', None), Name('z', Load()), Load()), None)");
    tmd_fingerprint_free(&fp);

    /* rejected by CPython: still no checksums */
    fingerprint(&fp, "3.11.7", "x = *[a], *b or c\n");
    assert_int_not_equal(fp.status, TMD_FP_BLOCKS);
    tmd_fingerprint_free(&fp);
    fingerprint(&fp, "3.11.7", "x = *[a], b := 1\n");
    assert_int_not_equal(fp.status, TMD_FP_BLOCKS);
    tmd_fingerprint_free(&fp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wraps_every_tuple),
        cmocka_unit_test(test_leaves_alone),
        cmocka_unit_test(test_cpython_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
