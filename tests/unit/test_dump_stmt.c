/* test_dump_stmt.c: statements, blocks and the fingerprint entry point.
 * Expected blocks and checksums were produced by pytest-testmon's own block
 * code (tests/reference/testmon_reference.py) under the CPython named in
 * each case; they are CPython's answers, not tmdiff's. */
#include "support.h"
#include "tmdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_BLOCKS 4

typedef struct stmt_case {
    const char *python;
    const char *source;
    size_t count;
    int32_t checksums[MAX_BLOCKS];
    const char *blocks[MAX_BLOCKS];
} stmt_case;

static const stmt_case cases[] = {
    {"3.11",
     "def outer():\n    def inner():\n        return 1\n    return inner\nx = 1\n",
     3,
     {1346219396, 1076015942, -1752412579},
     {"0:Return(Constant(1, None))",
      "1:FunctionDef('inner', arguments(, , None, , , None, ), transformed_into_block, , None, None), Return(Name('inner', Load()))",
      "2:FunctionDef('outer', arguments(, , None, , , None, ), transformed_into_block, , None, None), Assign(Name('x', Store()), Constant(1, None), None)"}},
    {"3.11",
     "import os, a.b as c\nfrom ..y import (p as q, r,)\nfrom . import z\nfrom __future__ import annotations\n",
     1,
     {-1491559961},
     {"0:Import(alias('os', None), alias('a.b', 'c')), ImportFrom('y', alias('p', 'q'), alias('r', None), 2), ImportFrom(None, alias('z', None), 1), ImportFrom('__future__', alias('annotations', None), 0)"}},
    /* 3.8 keeps a dotted import name as written; every other name, and
     * 3.9+ everywhere, is NFKC-normalised */
    {"3.8",
     "import \u210c.\ufb01 as \u1d62\nfrom x\U0001d431.y import \ufb01\nfrom \u210c import \u00ba\n",
     1,
     {-13105528},
     {"0:Import(alias('\u210c.\ufb01', 'i')), ImportFrom('x\U0001d431.y', alias('fi', None), 0), ImportFrom('H', alias('o', None), 0)"}},
    {"3.9",
     "import \u210c.\ufb01 as \u1d62\nfrom x\U0001d431.y import \ufb01\nfrom \u210c import \u00ba\n",
     1,
     {938572904},
     {"0:Import(alias('H.fi', 'i')), ImportFrom('xx.y', alias('fi', None), 0), ImportFrom('H', alias('o', None), 0)"}},
    /* 3.13 (Unicode 15.1) admits U+200D in names; repr() escapes it */
    {"3.13",
     "a\u200db = 1\n",
     1,
     {1349542828},
     {"0:Assign(Name('a\\u200db', Store()), Constant(1, None), None)"}},
    {"3.11",
     "x = y = 1\nx += 2\nx: int = 3\n(y): int\na.b: int\ndel a, (b, c)\n",
     1,
     {53201734},
     {"0:Assign(Name('x', Store()), Name('y', Store()), Constant(1, None), None), AugAssign(Name('x', Store()), Add(), Constant(2, None)), AnnAssign(Name('x', Store()), Name('int', Load()), Constant(3, None), 1), AnnAssign(Name('y', Store()), Name('int', Load()), None, 0), AnnAssign(Attribute(Name('a', Load()), 'b', Store()), Name('int', Load()), None, 0), Delete(Name('a', Del()), Tuple(Name('b', Del()), Name('c', Del()), Del()))"}},
    {"3.11",
     "if a:\n    pass\nelif b:\n    pass\nelse:\n    pass\nwhile x:\n    break\nelse:\n    continue\nfor i in r:\n    pass\n",
     1,
     {1652267454},
     {"0:If(Name('a', Load()), Pass(), If(Name('b', Load()), Pass(), Pass())), While(Name('x', Load()), Break(), Continue()), For(Name('i', Store()), Name('r', Load()), Pass(), , None)"}},
    {"3.11",
     "try:\n    pass\nexcept E as e:\n    raise\nexcept:\n    raise X from Y\nelse:\n    pass\nfinally:\n    pass\n",
     1,
     {-164290160},
     {"0:Try(Pass(), ExceptHandler(Name('E', Load()), 'e', Raise(None, None)), ExceptHandler(None, None, Raise(Name('X', Load()), Name('Y', Load()))), Pass(), Pass())"}},
    {"3.11",
     "try:\n    pass\nexcept* E as e:\n    pass\n",
     1,
     {-450296964},
     {"0:TryStar(Pass(), ExceptHandler(Name('E', Load()), 'e', Pass()), , )"}},
    {"3.8",
     "with (a, b):\n    pass\n",
     1,
     {1651670852},
     {"0:With(withitem(Tuple(Name('a', Load()), Name('b', Load()), Load()), None), Pass(), None)"}},
    {"3.9",
     "with (a, b):\n    pass\nwith (a as b, c as d,):\n    pass\n",
     1,
     {949209103},
     {"0:With(withitem(Name('a', Load()), None), withitem(Name('b', Load()), None), Pass(), None), With(withitem(Name('a', Load()), Name('b', Store())), withitem(Name('c', Load()), Name('d', Store())), Pass(), None)"}},
    {"3.11",
     "@dec\n@dec2(x)\nclass C(B, metaclass=M):\n    x = 1\n    async def m(self):\n        async with a as b:\n            pass\n        async for i in j:\n            pass\n",
     2,
     {-638424935, -337216256},
     {"0:AsyncWith(withitem(Name('a', Load()), Name('b', Store())), Pass(), None), AsyncFor(Name('i', Store()), Name('j', Load()), Pass(), , None)",
      "1:ClassDef('C', Name('B', Load()), keyword('metaclass', Name('M', Load())), Assign(Name('x', Store()), Constant(1, None), None), AsyncFunctionDef('m', arguments(, arg('self', None, None), None, , , None, ), transformed_into_block, , None, None), Name('dec', Load()), Call(Name('dec2', Load()), Name('x', Load()), ))"}},
    {"3.12",
     "def f[T, *Ts, **P](x):\n    pass\nclass C[T: int]:\n    pass\ntype X[T] = list\n",
     2,
     {1962069951, 1839336638},
     {"0:Pass()",
      "1:FunctionDef('f', arguments(, arg('x', None, None), None, , , None, ), transformed_into_block, , None, None, TypeVar('T', None), TypeVarTuple('Ts'), ParamSpec('P')), ClassDef('C', , , Pass(), , TypeVar('T', Name('int', Load()))), TypeAlias(Name('X', Store()), TypeVar('T', None), Name('list', Load()))"}},
    {"3.13",
     "def f[T](x):\n    pass\ntype X = int\n",
     2,
     {1962069951, -854577660},
     {"0:Pass()",
      "1:FunctionDef('f', arguments(, arg('x', None, None), None, , , None, ), transformed_into_block, , None, None, TypeVar('T', None, None)), TypeAlias(Name('X', Store()), , Name('int', Load()))"}},
    {"3.11",
     "global a, b\nassert x, y\nassert z\nreturn\n",
     1,
     {-891050548},
     {"0:Global('a', 'b'), Assert(Name('x', Load()), Name('y', Load())), Assert(Name('z', Load()), None), Return(None)"}},
    {"3.10",
     "match p:\n    case [1, *rest] | {'k': v, **kw}:\n        pass\n    case Point(x=0, y=-1) as q if q:\n        pass\n    case None | _:\n        pass\n",
     1,
     {777647109},
     {"0:Match(Name('p', Load()), match_case(MatchOr(MatchSequence(MatchValue(Constant(1, None)), MatchStar('rest')), MatchMapping(Constant('k', None), MatchAs(None, 'v'), 'kw')), None, Pass()), match_case(MatchAs(MatchClass(Name('Point', Load()), , 'x', 'y', MatchValue(Constant(0, None)), MatchValue(UnaryOp(USub(), Constant(1, None)))), 'q'), Name('q', Load()), Pass()), match_case(MatchOr(MatchSingleton(None), MatchAs(None, None)), None, Pass()))"}},
    {"3.11",
     "print >>f, x\n",
     1,
     {950262799},
     {"0:Expr(Tuple(BinOp(Name('print', Load()), RShift(), Name('f', Load())), Name('x', Load()), Load()))"}},
    {"3.11",
     "type(x).y = 1\n",
     1,
     {-523250309},
     {"0:Assign(Attribute(Call(Name('type', Load()), Name('x', Load()), ), 'y', Store()), Constant(1, None), None)"}},
    {"3.11",
     "x = 1\ry = 2\r",
     1,
     {-1699885399},
     {"0:Assign(Name('x', Store()), Constant(1, None), None), Assign(Name('y', Store()), Constant(2, None), None)"}},
    {"3.13",
     "class Pair[A = int, *Ts = *tuple[int], **P = [int]]:\n    pass\ntype X[T: (int, str) = int] = T\n",
     1,
     {-1894947319},
     {"0:ClassDef('Pair', , , Pass(), , TypeVar('A', None, Name('int', Load())), TypeVarTuple('Ts', Starred(Subscript(Name('tuple', Load()), Name('int', Load()), Load()), Load())), ParamSpec('P', List(Name('int', Load()), Load()))), TypeAlias(Name('X', Store()), TypeVar('T', Tuple(Name('int', Load()), Name('str', Load()), Load()), Name('int', Load())), Name('T', Load()))"}},
    {"3.12",
     "class C[T: int, *Ts, **P]:\n    def m[U](self):\n        pass\n",
     2,
     {1962069951, -1191019562},
     {"0:Pass()",
      "1:ClassDef('C', , , FunctionDef('m', arguments(, arg('self', None, None), None, , , None, ), transformed_into_block, , None, None, TypeVar('U', None)), , TypeVar('T', Name('int', Load())), TypeVarTuple('Ts'), ParamSpec('P'))"}},
};

/* Fingerprints `text` as a file testmon reads unmodified (flags 0) or
 * modified (TMD_FP_DEDENT); the caller frees *fp. */
static void fingerprint(tmd_fingerprint *fp, const char *python, const char *text, size_t len,
                        int flags)
{
    tmd_dialect dialect;
    tmd_source src;
    assert_int_equal(tmd_dialect_parse(&dialect, python), TMD_OK);
    assert_int_equal(tmd_source_prepare(&src, (const uint8_t *)text, len), TMD_OK);
    assert_int_equal(tmd_fingerprint_python(fp, &src, &dialect, flags | TMD_FP_WANT_TEXT), TMD_OK);
    tmd_source_free(&src);
}

static tmd_fp_status status_of(const char *python, const char *text)
{
    tmd_fingerprint fp;
    fingerprint(&fp, python, text, strlen(text), 0);
    tmd_fp_status status = fp.status;
    if (status != TMD_FP_BLOCKS)
        assert_int_equal(fp.count, 0);
    tmd_fingerprint_free(&fp);
    return status;
}

static void test_reference_blocks(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const stmt_case *c = &cases[i];
        tmd_fingerprint fp;
        fingerprint(&fp, c->python, c->source, strlen(c->source), 0);
        if (fp.status != TMD_FP_BLOCKS)
            print_error("case %zu (%s): status %d: %s\n", i, c->python, fp.status, fp.reason);
        assert_int_equal(fp.status, TMD_FP_BLOCKS);
        assert_int_equal(fp.count, c->count);
        for (size_t b = 0; b < c->count; b++) {
            if (strcmp(fp.blocks[b], c->blocks[b]))
                print_error("case %zu block %zu:\n  want %s\n  got  %s\n", i, b, c->blocks[b], fp.blocks[b]);
            assert_string_equal(fp.blocks[b], c->blocks[b]);
            assert_int_equal(fp.checksums[b], c->checksums[b]);
        }
        tmd_fingerprint_free(&fp);
    }
}

/* Without TMD_FP_WANT_TEXT only the checksums are kept, the same ones. */
static void test_checksums_without_text(void **state)
{
    (void)state;
    const stmt_case *c = &cases[0];
    tmd_dialect dialect;
    tmd_source src;
    tmd_fingerprint fp;
    assert_int_equal(tmd_dialect_parse(&dialect, c->python), TMD_OK);
    assert_int_equal(tmd_source_prepare(&src, (const uint8_t *)c->source, strlen(c->source)), TMD_OK);
    assert_int_equal(tmd_fingerprint_python(&fp, &src, &dialect, 0), TMD_OK);
    assert_null(fp.blocks);
    assert_int_equal(fp.count, c->count);
    assert_memory_equal(fp.checksums, c->checksums, c->count * sizeof(int32_t));
    tmd_fingerprint_free(&fp);
    tmd_source_free(&src);
}

/* testmon's CRC: zlib's crc32 as a signed 32-bit value. */
static void test_checksum_values(void **state)
{
    (void)state;
    assert_int_equal(tmd_checksum("", 0), 0);
    /* zlib.crc32(b"123456789") == 0xCBF43926, signed */
    assert_int_equal(tmd_checksum("123456789", 9), (int32_t)-873187034);
    assert_int_equal(tmd_checksum(cases[0].blocks[0], strlen(cases[0].blocks[0])), cases[0].checksums[0]);
}

static void test_empty_module_has_no_block(void **state)
{
    (void)state;
    tmd_fingerprint fp;
    const char *text = "# only a comment\n\n";
    fingerprint(&fp, "3.11", text, strlen(text), 0);
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 0);
    tmd_fingerprint_free(&fp);
}

/* What CPython's parser rejects in a dialect (checked with each CPython). */
static void test_per_dialect_rejects(void **state)
{
    (void)state;
    const char *match = "match x:\n    case 1:\n        pass\n";
    assert_int_equal(status_of("3.9", match), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.10", match), TMD_FP_BLOCKS);
    const char *star = "try:\n    pass\nexcept* E:\n    pass\n";
    assert_int_equal(status_of("3.10", star), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", star), TMD_FP_BLOCKS);
    const char *alias = "type X = int\n";
    assert_int_equal(status_of("3.11", alias), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.12", alias), TMD_FP_BLOCKS);
    const char *with_as = "with (a as b):\n    pass\n";
    assert_int_equal(status_of("3.8", with_as), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.9", with_as), TMD_FP_BLOCKS);
    const char *deco = "@x[0]\ndef f():\n    pass\n";
    assert_int_equal(status_of("3.8", deco), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.9", deco), TMD_FP_BLOCKS);
    const char *debug = "def __debug__():\n    pass\n";
    assert_int_equal(status_of("3.8", debug), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.9", debug), TMD_FP_BLOCKS);
    const char *defaults = "def f[T = int]():\n    pass\n";
    assert_int_equal(status_of("3.12", defaults), TMD_FP_NO_PARSE);
}

static void test_statement_rejects(void **state)
{
    (void)state;
    assert_int_equal(status_of("3.11", "print x\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "from a import b,\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "import a,\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.8", "f(0or 1)\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.13", "f(0 or 1, 0and 1, 1or 2)\n"), TMD_FP_BLOCKS);
    assert_int_equal(status_of("3.8", "import a, b,  # c\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.8", "import a, b  # c\n"), TMD_FP_BLOCKS);
    assert_int_equal(status_of("3.11", "(a, b): int\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "assert a, b, c\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "raise E, v\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "match x:\n    case {**_}:\n        pass\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "match x:\n    case *a:\n        pass\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "def broken(:\n    return 1\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.13", "def f[](): ...\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "import None\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "x = 5\\\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "not\vbroken\n"), TMD_FP_NO_PARSE);
    /* an f-string's replacement fields are code, their format specs text */
    assert_int_equal(status_of("3.11", "f\"{\u200bx}\"\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.12.1", "f\"{y:{\u200bw}}\"\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.12.1", "f\"{y:\u200b>{w}}\"\n"), TMD_FP_BLOCKS);
}

/* tree-sitter accepts indentation CPython refuses. */
static void test_indentation(void **state)
{
    (void)state;
    assert_int_equal(status_of("3.11", "def f():\n    a = 1\n      b = 2\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "  x = 1\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "if x:\n    pass\n  else:\n    pass\n"), TMD_FP_NO_PARSE);
    /* the same column once with a tab, once with 8 spaces: TabError */
    assert_int_equal(status_of("3.11", "if x:\n\ta = 1\n        b = 2\n"), TMD_FP_NO_PARSE);
    /* a line of only a backslash before a statement: CPython's versions
     * disagree (3.8 accepts the first, 3.10 rejects it; all accept the
     * second, y inside the if from 3.10 on, outside before). 3.10 on count
     * CPython's columns exactly; tree-sitter may still place the statement
     * elsewhere, so a conflict means inexact, not a reject. */
    for (int minor = 8; minor <= 13; minor++) {
        char v[8];
        snprintf(v, sizeof v, "3.%d", minor);
        assert_int_equal(status_of(v, "\\\n x = 1\n"), TMD_FP_INEXACT);
        assert_int_equal(status_of(v, "if 1:\n    x = 1\n\\\n    y = 2\n"),
                         minor < 10 ? TMD_FP_INEXACT : TMD_FP_BLOCKS);
    }
    /* 3.10 on: the blanks before the first backslash set the column */
    assert_int_equal(status_of("3.11", "if 1:\n    \\\n  x = 1\n"), TMD_FP_BLOCKS);
    assert_int_equal(status_of("3.11", "if 1:\n    x = 1\n    \\\n  y = 2\n"), TMD_FP_BLOCKS);
    assert_int_equal(status_of("3.11", "if 1:\n    x = 1\n  \\\n    y = 2\n"), TMD_FP_INEXACT);
    /* before only a comment: an empty statement to 3.8 (SyntaxError in a
     * block), a blank line from 3.9 on; inside a string it is text */
    const char *before_comment = "def f():\n    x = 1\n    \\\n    # c\n    y = 2\n";
    assert_int_equal(status_of("3.8", before_comment), TMD_FP_INEXACT);
    assert_int_equal(status_of("3.9", before_comment), TMD_FP_BLOCKS);
    assert_int_equal(status_of("3.8", "x = \"\"\"\n\\\n\"\"\"\n"), TMD_FP_BLOCKS);
    /* a backslash ending a comment continues nothing */
    assert_int_equal(status_of("3.11", "x = 5  # c \\\n    y = 2\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "def f():\n    x = 5  # c \\\n        y = 2\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "x = 5#c \\\n    (a + b)\n"), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "x = 1  # C:\\\ny = 2\n"), TMD_FP_BLOCKS);
    /* continuations within a statement are plain */
    assert_int_equal(status_of("3.11", "x = 1 + \\\n    2\ny = 3\n"), TMD_FP_BLOCKS);
    assert_int_equal(status_of("3.11", "if x: \\\n    y = 1\n"), TMD_FP_BLOCKS);
    /* the modified-file path dedents first: then it parses */
    tmd_fingerprint fp;
    const char *indented = "    x = 1\n    y = 2\n";
    fingerprint(&fp, "3.11", indented, strlen(indented), TMD_FP_DEDENT);
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    tmd_fingerprint_free(&fp);
}

/* Where tmdiff cannot be sure it says so. */
static void test_inexact(void **state)
{
    (void)state;
    /* tree-sitter reads these two lines as `a, x = 1` */
    assert_int_equal(status_of("3.11", "a,\nx = 1\n"), TMD_FP_INEXACT);
    /* ast.parse takes `*12` (only the compiler refuses it), tree-sitter
     * cannot: its ERROR swallows the body, which is no proof of a reject */
    assert_int_equal(status_of("3.11", "def f():\n    addr = *12\n"), TMD_FP_INEXACT);
    /* 3.8 reads `def g` as top-level; tree-sitter puts it in the class and
     * leaves its own body empty */
    assert_int_equal(status_of("3.8", "class C:\n    def d(self):\n        return 1\n\n\\\n \tdef g():\n"
                                      "    return 2\n"),
                     TMD_FP_INEXACT);
    /* CPython: 6 spaces and a tab reach column 8, `for` sits at 10 and its
     * body at 12; tree-sitter counts 16 for the tab line, so the body looks
     * dedented and the loop empty */
    assert_int_equal(status_of("3.11", "def f(self):\n      \t  for x in y:\n            pass\n"),
                     TMD_FP_INEXACT);
    /* the same tab after another method: tree-sitter's nesting then fails
     * the indentation check instead */
    assert_int_equal(status_of("3.11", "class C:\n    def e(self):\n        f(1)\n\n    def f(self):\n"
                                       "    \t   with a(b):\n            y = 2\n"),
                     TMD_FP_INEXACT);
    /* 3.9 skips the backslash line and keeps ` r = g(s)` in the if; to
     * tree-sitter it ends the if, and the `else:` after it looks like a
     * name: no reject in such a file is proof */
    assert_int_equal(status_of("3.9", "def f(p):\n    if p:\n        s = str(p)\n      \\\n r = g(s)\n"
                                      "        res = h(r)\n    else:\n        res = g(p)\n"),
                     TMD_FP_INEXACT);
    /* NUL bytes: ValueError in 3.8 (testmon crashes), SyntaxError in 3.12 */
    tmd_fingerprint fp;
    static const char nul[] = "x = 1\n\0\n";
    fingerprint(&fp, "3.8", nul, sizeof nul - 1, 0);
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    tmd_fingerprint_free(&fp);
    fingerprint(&fp, "3.12", nul, sizeof nul - 1, 0);
    assert_int_equal(fp.status, TMD_FP_NO_PARSE);
    tmd_fingerprint_free(&fp);
    /* the switch came with 3.11.4 */
    fingerprint(&fp, "3.11.3", nul, sizeof nul - 1, 0);
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    tmd_fingerprint_free(&fp);
    fingerprint(&fp, "3.11.4", nul, sizeof nul - 1, 0);
    assert_int_equal(fp.status, TMD_FP_NO_PARSE);
    tmd_fingerprint_free(&fp);
}

/* "x = " + depth parentheses around 1 */
static const char *nested(char *text, int depth)
{
    size_t n = 0;
    memcpy(text, "x = ", 4);
    n = 4;
    for (int i = 0; i < depth; i++)
        text[n++] = '(';
    text[n++] = '1';
    for (int i = 0; i < depth; i++)
        text[n++] = ')';
    text[n++] = '\n';
    text[n] = '\0';
    return text;
}

static void test_nesting_limits(void **state)
{
    (void)state;
    char text[1200];
    assert_int_equal(status_of("3.12", nested(text, 201)), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.12", nested(text, 200)), TMD_FP_BLOCKS);
    /* Python 3.8's parser runs out of stack (MemoryError) well before */
    assert_int_equal(status_of("3.8", nested(text, 150)), TMD_FP_INEXACT);
    assert_int_equal(status_of("3.8", nested(text, 50)), TMD_FP_BLOCKS);
    /* 100 indentation levels: IndentationError */
    char blocks[12000];
    size_t n = 0;
    for (int level = 0; level <= 100; level++) {
        memset(blocks + n, ' ', (size_t)level);
        n += (size_t)level;
        const char *line = level < 100 ? "if x:\n" : "pass\n";
        memcpy(blocks + n, line, strlen(line));
        n += strlen(line);
    }
    blocks[n] = '\0';
    assert_int_equal(status_of("3.11", blocks), TMD_FP_NO_PARSE);

    /* parse_guard.c: brackets in an unterminated string escape the scan
     * above but reach tree-sitter's error recovery: past 30,000 the text is
     * not parsed; a long file of shallow brackets still is */
    enum { MANY = 40000 };
    char *deep = malloc(MANY + 8);
    assert_non_null(deep);
    memcpy(deep, "x = '", 5);
    memset(deep + 5, '(', MANY);
    memcpy(deep + 5 + MANY, "\n", 2);
    tmd_fingerprint fp;
    fingerprint(&fp, "3.11", deep, strlen(deep), 0);
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    assert_non_null(strstr(fp.reason, "nested too deeply"));
    tmd_fingerprint_free(&fp);
    char *shallow = malloc(4 * MANY + 8);
    assert_non_null(shallow);
    memcpy(shallow, "x = [", 5);
    for (size_t i = 0; i < MANY; i++)
        memcpy(shallow + 5 + 4 * i, "(), ", 4);
    memcpy(shallow + 5 + 4 * MANY, "]\n", 3);
    assert_int_equal(status_of("3.11", shallow), TMD_FP_BLOCKS);
    free(deep);
    free(shallow);
}

/* CPython's tokenizer reads "\r\n" and a lone "\r" as one newline; testmon
 * turned only the byte pairs CRLF into LF, so "\r\r\n" leaves "\r\n". */
static void test_carriage_returns(void **state)
{
    (void)state;
    tmd_fingerprint fp;
    const char *text = "x = \"\"\"a\r\rb\r\n\"\"\"\r\ry = 1\r";
    fingerprint(&fp, "3.12", text, strlen(text), 0);
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    /* CPython 3.12.1 through testmon's own code */
    assert_string_equal(fp.blocks[0], "0:Assign(Name('x', Store()), Constant('a\\n\\nb\\n', None), None), "
                                      "Assign(Name('y', Store()), Constant(1, None), None)");
    assert_int_equal(fp.checksums[0], 934523070);
    tmd_fingerprint_free(&fp);

    /* a file ending in "\\" and a lone CR: testmon's "\n" makes the text end
     * in "\r\n", which CPython up to 3.11 reads as two newlines (a blank
     * line ends the continuation); 3.12 reads one, and EOF follows it */
    text = "x = 1\\\r";
    fingerprint(&fp, "3.11", text, strlen(text), 0);
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    assert_int_equal(fp.checksums[0], -411554310); /* CPython 3.8-3.11 */
    tmd_fingerprint_free(&fp);
    assert_int_equal(status_of("3.8", text), TMD_FP_BLOCKS);
    assert_int_equal(status_of("3.12", text), TMD_FP_NO_PARSE);
    assert_int_equal(status_of("3.11", "x = 1\\\n"), TMD_FP_NO_PARSE);
}

static void test_whole_text(void **state)
{
    (void)state;
    tmd_source src;
    tmd_fingerprint fp;
    const char *text = "key = value\n";
    assert_int_equal(tmd_source_prepare(&src, (const uint8_t *)text, strlen(text)), TMD_OK);
    assert_int_equal(tmd_fingerprint_whole_text(&fp, &src, TMD_FP_WANT_TEXT), TMD_OK);
    assert_int_equal(fp.count, 1);
    assert_string_equal(fp.blocks[0], text);
    assert_int_equal(fp.checksums[0], tmd_checksum(text, strlen(text)));
    tmd_fingerprint_free(&fp);
    tmd_source_free(&src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reference_blocks),
        cmocka_unit_test(test_checksums_without_text),
        cmocka_unit_test(test_checksum_values),
        cmocka_unit_test(test_empty_module_has_no_block),
        cmocka_unit_test(test_per_dialect_rejects),
        cmocka_unit_test(test_statement_rejects),
        cmocka_unit_test(test_indentation),
        cmocka_unit_test(test_inexact),
        cmocka_unit_test(test_nesting_limits),
        cmocka_unit_test(test_carriage_returns),
        cmocka_unit_test(test_whole_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
