/* test_dump_respell.c: engine/dump_respell.c, the texts tree-sitter misreads
 * and fingerprint.c parses again respelled: `from __future__ import *`
 * (test/badsyntax_future8.py) and lines inside brackets indented less than
 * their statement (test_compile.py's test_weird_attribute_position_regressions).
 * Expected blocks: what CPython 3.8.18 ... 3.13.0 produced through
 * tests/reference/testmon_reference.py --dump. */
#include "support_dumper.h"
#include "tmdiff.h"

#include "dump_common.h"
#include "dump_symbols.h"

#include <stdlib.h>
#include <string.h>

enum { MAX_SITES = 16, MAX_BLOCKS = 3 };

static const char *const pythons[] = {"3.8.18", "3.9.18", "3.10.13", "3.11.7", "3.12.1", "3.13.0"};

/* A source and its blocks: up to 3.11, and from 3.12 (FunctionDef and
 * ClassDef gained type_params). */
typedef struct valid_case {
    const char *source;
    size_t count;
    const char *blocks_38[MAX_BLOCKS];
    const char *blocks_312[MAX_BLOCKS];
} valid_case;

static const valid_case valid[] = {
    {"\"\"\"doc\"\"\"\nfrom __future__ import *\ndef f():\n    from __future__ import *\n    return 1\n",
     2,
     {"0:ImportFrom('__future__', alias('*', None), 0), Return(Constant(1, None))",
      "1:Expr(Constant('doc', None)), ImportFrom('__future__', alias('*', None), 0), FunctionDef('f', arguments(, , "
      "None, , , None, ), transformed_into_block, , None, None)"},
     {"0:ImportFrom('__future__', alias('*', None), 0), Return(Constant(1, None))",
      "1:Expr(Constant('doc', None)), ImportFrom('__future__', alias('*', None), 0), FunctionDef('f', arguments(, , "
      "None, , , None, ), transformed_into_block, , None, None, )"}},
    {"class C:\n    def test_weird_attribute_position_regressions(self):\n        def f():\n"
     "            (bar.\n        baz)\n            (bar.\n        baz(\n        ))\n"
     "            files().setdefault(\n                0\n            ).setdefault(\n                0\n"
     "            )\n        return f\n",
     3,
     {"0:Expr(Attribute(Name('bar', Load()), 'baz', Load())), Expr(Call(Attribute(Name('bar', Load()), 'baz', "
      "Load()), , )), Expr(Call(Attribute(Call(Attribute(Call(Name('files', Load()), , ), 'setdefault', Load()), "
      "Constant(0, None), ), 'setdefault', Load()), Constant(0, None), ))",
      "1:FunctionDef('f', arguments(, , None, , , None, ), transformed_into_block, , None, None), "
      "Return(Name('f', Load()))",
      "2:ClassDef('C', , , FunctionDef('test_weird_attribute_position_regressions', arguments(, arg('self', None, "
      "None), None, , , None, ), transformed_into_block, , None, None), )"},
     {"0:Expr(Attribute(Name('bar', Load()), 'baz', Load())), Expr(Call(Attribute(Name('bar', Load()), 'baz', "
      "Load()), , )), Expr(Call(Attribute(Call(Attribute(Call(Name('files', Load()), , ), 'setdefault', Load()), "
      "Constant(0, None), ), 'setdefault', Load()), Constant(0, None), ))",
      "1:FunctionDef('f', arguments(, , None, , , None, ), transformed_into_block, , None, None, ), "
      "Return(Name('f', Load()))",
      "2:ClassDef('C', , , FunctionDef('test_weird_attribute_position_regressions', arguments(, arg('self', None, "
      "None), None, , , None, ), transformed_into_block, , None, None, ), , )"}},
    /* comments, tabs, a string spanning lines (left as it is), a dict */
    {"def f():\n    x = [a.\nb, c.\n  d]  # c\n    y = {a.\n# note\nb: c.\n\td}\n"
     "    return '''\n(e.\nf)''', (g.\nh)\n",
     2,
     {"0:Assign(Name('x', Store()), List(Attribute(Name('a', Load()), 'b', Load()), Attribute(Name('c', Load()), "
      "'d', Load()), Load()), None), Assign(Name('y', Store()), Dict(Attribute(Name('a', Load()), 'b', Load()), "
      "Attribute(Name('c', Load()), 'd', Load())), None), Return(Tuple(Constant('\\n(e.\\nf)', None), "
      "Attribute(Name('g', Load()), 'h', Load()), Load()))",
      "1:FunctionDef('f', arguments(, , None, , , None, ), transformed_into_block, , None, None)"},
     {"0:Assign(Name('x', Store()), List(Attribute(Name('a', Load()), 'b', Load()), Attribute(Name('c', Load()), "
      "'d', Load()), Load()), None), Assign(Name('y', Store()), Dict(Attribute(Name('a', Load()), 'b', Load()), "
      "Attribute(Name('c', Load()), 'd', Load())), None), Return(Tuple(Constant('\\n(e.\\nf)', None), "
      "Attribute(Name('g', Load()), 'h', Load()), Load()))",
      "1:FunctionDef('f', arguments(, , None, , , None, ), transformed_into_block, , None, None, )"}},
};

/* Rejected by ast.parse of every one of the six: no checksums. */
static const char *const rejected[] = {
    "from __future__ import (*)\n",
    "from __future__ import *, a\n",
    "from __future__ import * as x\n",
    "from __future__ import *\nprint x\n",
    "from __future__ import *\n  x = 1\n",
    "def f():\n    x = (a.\nb\n",              /* never closed */
    "def f():\n    x = (a.\n)\n",              /* no name after the dot */
    "def f():\n    (a.\nb)\n  y = 1\n",         /* the dedent after it matches nothing */
    "def f():\n    x = (a.\nb))\n",
    "def f():\n    x = (a.\nb]\n",
    "def f():\n    x = (a.\nprint b)\n",
    "def f():\n    (a.\nb()) = 3\n",          /* assigns to a call */
    "def f():\n    x = (a.\nb\n    y = 2\n",
};

static void test_cpython_answers(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof valid / sizeof valid[0]; i++) {
        for (size_t v = 0; v < sizeof pythons / sizeof pythons[0]; v++) {
            const char *const *want = atoi(pythons[v] + 2) < 12 ? valid[i].blocks_38 : valid[i].blocks_312;
            tmd_fingerprint fp;
            support_fingerprint(&fp, pythons[v], valid[i].source);
            if (fp.status != TMD_FP_BLOCKS)
                print_error("case %zu, %s: status %d: %s\n", i, pythons[v], fp.status, fp.reason);
            assert_int_equal(fp.status, TMD_FP_BLOCKS);
            assert_int_equal(fp.count, valid[i].count);
            for (size_t b = 0; b < fp.count; b++) {
                assert_string_equal(fp.blocks[b], want[b]);
                assert_int_equal(fp.checksums[b], tmd_checksum(want[b], strlen(want[b])));
            }
            tmd_fingerprint_free(&fp);
        }
    }
}

static void test_rejects_stay_rejected(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof rejected / sizeof rejected[0]; i++) {
        for (size_t v = 0; v < sizeof pythons / sizeof pythons[0]; v++) {
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

/* Valid, but the placeholder module name is in the text: not renamed, so
 * still "not exactly fingerprintable", never a wrong checksum. */
static void test_placeholder_in_text_stays_inexact(void **state)
{
    (void)state;
    tmd_fingerprint fp;
    support_fingerprint(&fp, "3.11.7", "s = '_tmdFutur_'\nfrom __future__ import *\n");
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    assert_int_equal(fp.count, 0);
    tmd_fingerprint_free(&fp);
}

/* The respelled text itself: padding up to the statement's indentation
 * (comments too, strings never), the module renamed in place. */
static void test_respelled_text(void **state)
{
    (void)state;
    static const char src[] = "from __future__ import *\n"
                              "def f():\n"
                              "    x = (a.\n"
                              "b, '''\n"
                              "s''', c.\n"
                              "  # note\n"
                              "\td)\n";
    static const char want[] = "from _tmdFutur_ import *\n"
                               "def f():\n"
                               "    x = (a.\n"
                               "    b, '''\n"
                               "s''', c.\n"
                               "    # note\n"
                               "\td)\n";
    dumper_fixture f;
    TSNode root = dumper_fixture_parse(&f, src, 11);
    assert_true(ts_node_has_error(root));
    dump_respelling sites[MAX_SITES];
    unsigned n = 0;
    size_t len = 0;
    char *text = dump_respell_fix(&f.d, root, strlen(src), &len, sites, MAX_SITES, &n);
    assert_non_null(text);
    assert_string_equal(text, want);
    assert_int_equal(len, strlen(want));
    assert_int_equal(n, 3);
    assert_int_equal(sites[0].kind, DUMP_RESPELL_FUTURE);
    assert_memory_equal(text + sites[0].from, "_tmdFutur_", sites[0].to - sites[0].from);
    assert_int_equal(sites[1].kind, DUMP_RESPELL_PAD);
    assert_int_equal(text[sites[1].to], 'b');
    assert_int_equal(text[sites[2].to], '#');

    dumper_fixture g;
    TSNode again = dumper_fixture_parse(&g, text, 11);
    assert_false(ts_node_has_error(again));
    assert_true(dump_respell_fixed(&g.d, again, sites, n));
    /* a padding that ends anywhere but before a token inside brackets is refused */
    dump_respelling wrong = sites[1];
    wrong.to--;
    assert_false(dump_respell_fixed(&g.d, again, &wrong, 1));
    dump_respelling outside = {0, 0, DUMP_RESPELL_PAD}; /* before `from`: not in brackets */
    assert_false(dump_respell_fixed(&g.d, again, &outside, 1));
    dump_respelling not_module = {sites[1].to, sites[1].to + 1, DUMP_RESPELL_FUTURE};
    assert_false(dump_respell_fixed(&g.d, again, &not_module, 1));
    dumper_fixture_done(&g);
    free(text);
    dumper_fixture_done(&f);
}

/* Nothing to respell: NULL, and too many sites for one round: NULL. */
static void test_leaves_alone(void **state)
{
    (void)state;
    static const char *const srcs[] = {
        "from __future__ import annotations\n(a.\nb)\n", /* at module level nothing is dedented */
        "def f():\n    x = (a.\n        b)\n",             /* indented enough */
        "_tmdFutur_ = 1\nfrom __future__ import *\n",      /* the placeholder is taken */
    };
    for (size_t i = 0; i < sizeof srcs / sizeof srcs[0]; i++) {
        dumper_fixture f;
        TSNode root = dumper_fixture_parse(&f, srcs[i], 11);
        dump_respelling sites[MAX_SITES];
        unsigned n = 0;
        size_t len = 0;
        char *text = dump_respell_fix(&f.d, root, strlen(srcs[i]), &len, sites, MAX_SITES, &n);
        if (text)
            print_message("respelled: %s-> %s", srcs[i], text);
        assert_null(text);
        dumper_fixture_done(&f);
    }
    dumper_fixture f;
    static const char many[] = "def f():\n    x = (a.\nb, c.\nd, e.\nf)\n";
    TSNode root = dumper_fixture_parse(&f, many, 11);
    dump_respelling sites[2];
    unsigned n = 0;
    size_t len = 0;
    assert_null(dump_respell_fix(&f.d, root, strlen(many), &len, sites, 2, &n));
    dumper_fixture_done(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpython_answers),
        cmocka_unit_test(test_rejects_stay_rejected),
        cmocka_unit_test(test_placeholder_in_text_stays_inexact),
        cmocka_unit_test(test_respelled_text),
        cmocka_unit_test(test_leaves_alone),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
