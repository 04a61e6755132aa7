/* test_dump_expr.c: expressions, targets, parameters, call arguments and
 * f-strings (engine/dump_expr.c, engine/dump_fstring.c) through the public
 * tmd_fingerprint_python, against block strings that the real CPython
 * interpreters produced (tests/reference/testmon_reference.py run with
 * 3.8.18 ... 3.13.0): a NULL expectation means that interpreter's ast.parse
 * rejects the source, so tmdiff must answer TMD_FP_NO_PARSE. Covers the
 * per-dialect shapes (3.8 Index/ExtSlice, 3.12 f-string kinds, 3.12.1's
 * format-spec quirk), the syntax CPython rejects but tree-sitter accepts,
 * and tree-sitter's own misparses (`*a.b()`, `&` vs `^`). */
#include "support.h"
#include "tmdiff.h"

#include "dump.h"
#include "dump_expr.h"
#include "dump_symbols.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct expr_case {
    const char *python; /* dialect, as for --python */
    const char *source; /* one line of Python (a newline is appended) */
    const char *blocks; /* CPython's blocks joined by newlines, NULL: SyntaxError */
} expr_case;

static const expr_case cases[] = {
    {"3.11.7", "f(a, *b, k=1, **c)",
     "0:Expr(Call(Name('f', Load()), Name('a', Load()), Starred(Name('b', Load()), Load()), keyword('k', Constant(1, None)), keyword(None, Name('c', Load()))))"},
    {"3.11.7", "a or b or c and d",
     "0:Expr(BoolOp(Or(), Name('a', Load()), Name('b', Load()), BoolOp(And(), Name('c', Load()), Name('d', Load()))))"},
    {"3.11.7", "(a or b) or c",
     "0:Expr(BoolOp(Or(), BoolOp(Or(), Name('a', Load()), Name('b', Load())), Name('c', Load())))"},
    {"3.11.7", "a < b <= c is not d not in e",
     "0:Expr(Compare(Name('a', Load()), Lt(), LtE(), IsNot(), NotIn(), Name('b', Load()), Name('c', Load()), Name('d', Load()), Name('e', Load())))"},
    {"3.11.7", "x if y else z",
     "0:Expr(IfExp(Name('y', Load()), Name('x', Load()), Name('z', Load())))"},
    {"3.11.7", "lambda a, /, b=1, *c, d, e=2, **f: 0",
     "0:Expr(Lambda(arguments(arg('a', None, None), arg('b', None, None), arg('c', None, None), arg('d', None, None), arg('e', None, None), None, Constant(2, None), arg('f', None, None), Constant(1, None)), Constant(0, None)))"},
    {"3.11.7", "{**a, 'b': 3, **c}",
     "0:Expr(Dict(None, Constant('b', None), None, Name('a', Load()), Constant(3, None), Name('c', Load())))"},
    {"3.11.7", "{}",
     "0:Expr(Dict(, ))"},
    {"3.11.7", "[i async for i, j in k if i if j]",
     "0:Expr(ListComp(Name('i', Load()), comprehension(Tuple(Name('i', Store()), Name('j', Store()), Store()), Name('k', Load()), Name('i', Load()), Name('j', Load()), 1)))"},
    {"3.11.7", "{k: v for k in a for v in b}",
     "0:Expr(DictComp(Name('k', Load()), Name('v', Load()), comprehension(Name('k', Store()), Name('a', Load()), , 0), comprehension(Name('v', Store()), Name('b', Load()), , 0)))"},
    {"3.11.7", "f(x for x in y)",
     "0:Expr(Call(Name('f', Load()), GeneratorExp(Name('x', Load()), comprehension(Name('x', Store()), Name('y', Load()), , 0)), ))"},
    {"3.11.7", "a[1:2, ::3]",
     "0:Expr(Subscript(Name('a', Load()), Tuple(Slice(Constant(1, None), Constant(2, None), None), Slice(None, None, Constant(3, None)), Load()), Load()))"},
    {"3.8.18", "a[1:2, ::3]",
     "0:Expr(Subscript(Name('a', Load()), ExtSlice(Slice(Constant(1, None), Constant(2, None), None), Slice(None, None, Constant(3, None))), Load()))"},
    {"3.8.18", "a[1, 2]",
     "0:Expr(Subscript(Name('a', Load()), Index(Tuple(Constant(1, None), Constant(2, None), Load())), Load()))"},
    {"3.8.18", "a[()]",
     "0:Expr(Subscript(Name('a', Load()), Index(Tuple(, Load())), Load()))"},
    {"3.8.18", "a[1:2,]",
     "0:Expr(Subscript(Name('a', Load()), ExtSlice(Slice(Constant(1, None), Constant(2, None), None)), Load()))"},
    {"3.9.18", "a[1:2,]",
     "0:Expr(Subscript(Name('a', Load()), Tuple(Slice(Constant(1, None), Constant(2, None), None), Load()), Load()))"},
    {"3.11.7", "a[*b]",
     "0:Expr(Subscript(Name('a', Load()), Tuple(Starred(Name('b', Load()), Load()), Load()), Load()))"},
    {"3.11.7", "x, *y = z",
     "0:Assign(Tuple(Name('x', Store()), Starred(Name('y', Store()), Store()), Store()), Name('z', Load()), None)"},
    {"3.11.7", "del a.b, (c[0], [d])",
     "0:Delete(Attribute(Name('a', Load()), 'b', Del()), Tuple(Subscript(Name('c', Load()), Constant(0, None), Del()), List(Name('d', Del()), Del()), Del()))"},
    {"3.11.7", "(x := 1, 2)",
     "0:Expr(Tuple(NamedExpr(Name('x', Store()), Constant(1, None)), Constant(2, None), Load()))"},
    {"3.11.7", "-1 ** 2",
     "0:Expr(UnaryOp(USub(), BinOp(Constant(1, None), Pow(), Constant(2, None))))"},
    {"3.11.7", "~1 ^ 1 & 1 | 1 & 1 ^ -1",
     "0:Expr(BinOp(BinOp(UnaryOp(Invert(), Constant(1, None)), BitXor(), BinOp(Constant(1, None), BitAnd(), Constant(1, None))), BitOr(), BinOp(BinOp(Constant(1, None), BitAnd(), Constant(1, None)), BitXor(), UnaryOp(USub(), Constant(1, None)))))"},
    {"3.11.7", "[*range(4)]",
     "0:Expr(List(Starred(Call(Name('range', Load()), Constant(4, None), ), Load()), Load()))"},
    {"3.11.7", "print(a, *b.c())",
     "0:Expr(Call(Name('print', Load()), Name('a', Load()), Starred(Call(Attribute(Name('b', Load()), 'c', Load()), , ), Load()), ))"},
    {"3.11.7", "x = yield",
     "0:Assign(Name('x', Store()), Yield(None), None)"},
    {"3.11.7", "def f(*args: *Ts) -> Tuple[*Ts]: pass",
     "0:Pass()\n1:FunctionDef('f', arguments(, , arg('args', Starred(Name('Ts', Load()), Load()), None), , , None, ), transformed_into_block, , Subscript(Name('Tuple', Load()), Tuple(Starred(Name('Ts', Load()), Load()), Load()), Load()), None)"},
    {"3.11.7", "x: List[int] | None = None",
     "0:AnnAssign(Name('x', Store()), BinOp(Subscript(Name('List', Load()), Name('int', Load()), Load()), BitOr(), Constant(None, None)), Constant(None, None), 1)"},
    {"3.8.18", "x: Dict[str, int] = {}",
     "0:AnnAssign(Name('x', Store()), Subscript(Name('Dict', Load()), Index(Tuple(Name('str', Load()), Name('int', Load()), Load())), Load()), Dict(, ), 1)"},
    {"3.11.7", "f'a{x!r:>{w}.{p}}b{{c}}{y=}' 'q'",
     "0:Expr(JoinedStr(Constant('a', None), FormattedValue(Name('x', Load()), 114, JoinedStr(Constant('>', None), FormattedValue(Name('w', Load()), -1, None), Constant('.', None), FormattedValue(Name('p', Load()), -1, None))), Constant('b{c}y=', None), FormattedValue(Name('y', Load()), 114, None), Constant('q', None)))"},
    {"3.11.7", "f'{x = }' f'{x=:>5}' f''",
     "0:Expr(JoinedStr(Constant('x = ', None), FormattedValue(Name('x', Load()), 114, None), Constant('x=', None), FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('>5', None)))))"},
    {"3.11.7", "u'a' f'{x}' 'b'",
     "0:Expr(JoinedStr(Constant('a', 'u'), FormattedValue(Name('x', Load()), -1, None), Constant('b', 'u')))"},
    {"3.12.1", "u'a' f'{x}' 'b'",
     "0:Expr(JoinedStr(Constant('a', 'u'), FormattedValue(Name('x', Load()), -1, None), Constant('b', None)))"},
    {"3.12.1", "f'{x}' u'a'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, None), Constant('a', 'u')))"},
    {"3.11.7", "f'{x}' u'a'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, None), Constant('a', None)))"},
    {"3.12.1", "f'{x:{w}.{p}}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(FormattedValue(Name('w', Load()), -1, None), Constant('.', None), FormattedValue(Name('p', Load()), -1, None), Constant('', None)))))"},
    {"3.12", "f'{x:{w}.{p}}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(FormattedValue(Name('w', Load()), -1, None), Constant('.', None), FormattedValue(Name('p', Load()), -1, None)))))"},
    {"3.13.0", "f'{x:{w}.{p}}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(FormattedValue(Name('w', Load()), -1, None), Constant('.', None), FormattedValue(Name('p', Load()), -1, None)))))"},
    {"3.12.1", "f'{x[\"a\"]}'",
     "0:Expr(JoinedStr(FormattedValue(Subscript(Name('x', Load()), Constant('a', None), Load()), -1, None)))"},
    {"3.11.7", "f'{x[\"a\"]}'",
     "0:Expr(JoinedStr(FormattedValue(Subscript(Name('x', Load()), Constant('a', None), Load()), -1, None)))"},
    {"3.11.7", "f'{\"#\"}'",
     "0:Expr(JoinedStr(FormattedValue(Constant('#', None), -1, None)))"},
    {"3.11.7", "f'{a # b\n}'",
     NULL},
    {"3.11.7", "f(a=1, b)",
     NULL},
    {"3.11.7", "f(**k, *a)",
     NULL},
    {"3.8.18", "f(a=1, a=2)",
     NULL},
    {"3.9.18", "f(a=1, a=2)",
     "0:Expr(Call(Name('f', Load()), , keyword('a', Constant(1, None)), keyword('a', Constant(2, None))))"},
    {"3.11.7", "[yield]",
     NULL},
    {"3.11.7", "a := 1",
     NULL},
    {"3.11.7", "del f()",
     NULL},
    {"3.11.7", "(a, b) += 1",
     NULL},
    {"3.11.7", "lambda a=1, b: 0",
     NULL},
    {"3.11.7", "lambda *: 0",
     NULL},
    {"3.11.7", "a <> b",
     NULL},
    {"3.10.13", "a[*b]",
     NULL},
    {"3.9.18", "a[b := 1]",
     NULL},
    {"3.10.13", "a[b := 1]",
     "0:Expr(Subscript(Name('a', Load()), NamedExpr(Name('b', Store()), Constant(1, None)), Load()))"},
    {"3.8.18", "{a := 1}",
     NULL},
    {"3.9.18", "{a := 1}",
     "0:Expr(Set(NamedExpr(Name('a', Store()), Constant(1, None))))"},
    {"3.11.7", "[*a or b]",
     NULL},
    {"3.11.7", "f(*a or b)",
     "0:Expr(Call(Name('f', Load()), Starred(BoolOp(Or(), Name('a', Load()), Name('b', Load())), Load()), ))"},
    {"3.8.18", "(*a)",
     "0:Expr(Starred(Name('a', Load()), Load()))"},
    {"3.9.18", "(*a)",
     NULL},
    {"3.11.7", "[x for x in a, b]",
     NULL},
    {"3.11.7", "[x for x in lambda: y]",
     NULL},
    {"3.8.18", "[x for x in a if lambda: y]",
     "0:Expr(ListComp(Name('x', Load()), comprehension(Name('x', Store()), Name('a', Load()), Lambda(arguments(, , None, , , None, ), Name('y', Load())), 0)))"},
    {"3.9.18", "[x for x in a if lambda: y]",
     NULL},
    {"3.8.18", "__debug__ = 1",
     NULL},
    {"3.9.18", "__debug__ = 1",
     "0:Assign(Name('__debug__', Store()), Constant(1, None), None)"},
    {"3.11.7", "x = await",
     NULL},
    {"3.11.7", "obj.None = 1",
     NULL},
    {"3.11.7", "do_something(else)",
     NULL},
    {"3.11.7", "print(await=1)",
     NULL},
    {"3.11.7", "f(,)",
     NULL},
    {"3.11.7", "x: *b = 1",
     NULL},
    {"3.11.7", "async def f():\n    return await a ** b",
     "0:Return(BinOp(Await(Name('a', Load())), Pow(), Name('b', Load())))\n1:AsyncFunctionDef('f', arguments(, , None, , , None, ), transformed_into_block, , None, None)"},
    {"3.11.7", "async def f():\n    await await x",
     NULL},
    {"3.8.18", "obj.__debug__ = 1",
     NULL},
    {"3.13.0", "f'a\\{x}b'",
     "0:Expr(JoinedStr(Constant('a\\\\', None), FormattedValue(Name('x', Load()), -1, None), Constant('b', None)))"},
    {"3.13.0", "f'''{x:a\n  b\n}'''",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('a\\n  b\\n', None)))))"},
    {"3.13.0", "f'{x:a{y=}b}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('ay=', None), FormattedValue(Name('y', Load()), 114, None), Constant('b', None)))))"},
    {"3.11.7", "f'{x:a{y=}b}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('ay=', None), FormattedValue(Name('y', Load()), 114, None), Constant('b', None)))))"},
    {"3.13.0", "f'{1, lambda:x}'",
     NULL},
    {"3.12.1", "f'{1+2 = # c\n}'",
     "0:Expr(JoinedStr(Constant('1+2 = \\n', None), FormattedValue(BinOp(Constant(1, None), Add(), Constant(2, None)), 114, None)))"},
    {"3.11.7", "*a, = b",
     "0:Assign(Tuple(Starred(Name('a', Store()), Store()), Store()), Name('b', Load()), None)"},
    {"3.11.7", "*a",
     "0:Expr(Starred(Name('a', Load()), Load()))"},
    {"3.11.7", "x = *a or b,",
     NULL},
    {"3.8.18", "u'' f'{x:>10}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('>10', 'u')))))"},
    {"3.9.18", "u'' f'{x:>10}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('>10', None)))))"},
    {"3.11.7", "x = u'{x\n!a}' f'='",
     NULL},
    {"3.11.7", "f'{x!r }'",
     NULL},
    {"3.12.1", "f'{x!r }'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), 114, None)))"},    /* a star tree-sitter binds to the first operand only, in the tuples the
     * statement dumper builds (match subjects, bare and with-item tuples) */
    {"3.11.7", "match *a.b, c:\n    case _: pass",
     "0:Match(Tuple(Starred(Attribute(Name('a', Load()), 'b', Load()), Load()), Name('c', Load()), Load()), match_case(MatchAs(None, None), None, Pass()))"},
    {"3.10.13", "match *a[0], b | c:\n    case _: pass",
     "0:Match(Tuple(Starred(Subscript(Name('a', Load()), Constant(0, None), Load()), Load()), BinOp(Name('b', Load()), BitOr(), Name('c', Load())), Load()), match_case(MatchAs(None, None), None, Pass()))"},
    {"3.11.7", "match *a or b, c:\n    case _: pass",
     NULL},
    {"3.11.7", "*a.b(), c",
     "0:Expr(Tuple(Starred(Call(Attribute(Name('a', Load()), 'b', Load()), , ), Load()), Name('c', Load()), Load()))"},
    {"3.11.7", "with (*a.b, c): pass",
     "0:With(withitem(Tuple(Starred(Attribute(Name('a', Load()), 'b', Load()), Load()), Name('c', Load()), Load()), None), Pass(), None)"},
    {"3.8.18", "with (*a.b, c): pass",
     "0:With(withitem(Tuple(Starred(Attribute(Name('a', Load()), 'b', Load()), Load()), Name('c', Load()), Load()), None), Pass(), None)"},
    /* `del` of such a star: only 3.8's parser lets it through */
    {"3.11.7", "del *a.b, c",
     NULL},
    {"3.8.18", "del *a.b, c",
     "0:Delete(Starred(Attribute(Name('a', Load()), 'b', Del()), Del()), Name('c', Del()))"},
    /* 3.12+ end a single-quoted f-string's format spec at a newline */
    {"3.12.1", "f'__{x:d\n}__'",
     "0:Expr(JoinedStr(Constant('__', None), FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('d', None))), Constant('__', None)))"},
    {"3.13.0", "f'{x!r:>4\n  \n }'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), 114, JoinedStr(Constant('>4', None)))))"},
    {"3.11.7", "f'{x:d\n}'",
     NULL},
    /* before 3.12 a format spec may hold escapes (the token goes on) */
    {"3.11.7", "f'{x:d\\\n}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(Constant('d', None)))))"},
    {"3.11.7", "f'{x:\\'}'",
     "0:Expr(JoinedStr(FormattedValue(Name('x', Load()), -1, JoinedStr(Constant(\"'\", None)))))"},    /* with-items whose `as` tree-sitter buries in the expression */
    {"3.11.7", "with a if b else c as x: pass",
     "0:With(withitem(IfExp(Name('b', Load()), Name('a', Load()), Name('c', Load())), Name('x', Store())), Pass(), None)"},
    {"3.13.0", "with g as h, lambda: y as x.z: pass",
     "0:With(withitem(Name('g', Load()), Name('h', Store())), withitem(Lambda(arguments(, , None, , , None, ), Name('y', Load())), Attribute(Name('x', Load()), 'z', Store())), Pass(), None)"},
    {"3.9.18", "with (a if b else c as x): pass",
     "0:With(withitem(IfExp(Name('b', Load()), Name('a', Load()), Name('c', Load())), Name('x', Store())), Pass(), None)"},
    {"3.8.18", "with (a if b else c as x): pass",
     NULL},
    {"3.9.18", "with a if b else c as *x: pass",
     "0:With(withitem(IfExp(Name('b', Load()), Name('a', Load()), Name('c', Load())), Starred(Name('x', Store()), Store())), Pass(), None)"},
    {"3.8.18", "with a if b else c as *x: pass",
     NULL},
    {"3.11.7", "with a if b else c as f(): pass",
     NULL},
    /* "\r\r\n": testmon leaves "\r\n" behind, CPython reads two newlines */
    {"3.11.7", "x = \"\"\"\r\r\r\n\"\"\"",
     "0:Assign(Name('x', Store()), Constant('\\n\\n', None), None)"},
};

#define fingerprint support_fingerprint

static void test_cpython_answers(void **state)
{
    (void)state;
    size_t failures = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const expr_case *c = &cases[i];
        char *text = malloc(strlen(c->source) + 2);
        assert_non_null(text);
        sprintf(text, "%s\n", c->source);
        tmd_fingerprint fp;
        fingerprint(&fp, c->python, text);
        free(text);
        char *got = NULL;
        if (fp.status == TMD_FP_BLOCKS && fp.count) {
            size_t len = 0;
            for (size_t b = 0; b < fp.count; b++)
                len += strlen(fp.blocks[b]) + 1;
            got = calloc(1, len);
            assert_non_null(got);
            for (size_t b = 0; b < fp.count; b++) {
                if (b)
                    strcat(got, "\n");
                strcat(got, fp.blocks[b]);
            }
        }
        int ok = c->blocks ? got && !strcmp(got, c->blocks) : fp.status == TMD_FP_NO_PARSE;
        if (!ok) {
            failures++;
            printf("python %s: %s\n  expected %s\n  got      %s (status %d: %s)\n", c->python,
                   c->source, c->blocks ? c->blocks : "SyntaxError (NO_PARSE)",
                   got ? got : "-", (int)fp.status, fp.reason);
        }
        free(got);
        /* a rejected file carries no blocks at all */
        if (fp.status != TMD_FP_BLOCKS)
            assert_int_equal(fp.count, 0);
        tmd_fingerprint_free(&fp);
    }
    assert_int_equal(failures, 0);
}

/* `a or a or ...` is one flat BoolOp however long: no depth limit applies. */
static void test_long_boolop_is_flat(void **state)
{
    (void)state;
    enum { TERMS = 5000 };
    char *text = malloc(TERMS * 5 + 2);
    char *expect = malloc(TERMS * 20 + 64);
    assert_non_null(text);
    assert_non_null(expect);
    size_t n = 0, e = 0;
    e += (size_t)sprintf(expect + e, "0:Expr(BoolOp(Or()");
    for (int i = 0; i < TERMS; i++) {
        n += (size_t)sprintf(text + n, i ? " or a" : "a");
        e += (size_t)sprintf(expect + e, ", Name('a', Load())");
    }
    sprintf(text + n, "\n");
    sprintf(expect + e, "))");
    tmd_fingerprint fp;
    fingerprint(&fp, "3.11", text);
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    assert_int_equal(fp.count, 1);
    assert_string_equal(fp.blocks[0], expect);
    tmd_fingerprint_free(&fp);
    free(text);
    free(expect);
}

/* A nesting testmon's recursive dump could not survive is not fingerprinted
 * (and does not overflow tmdiff's stack either). */
static void test_deep_nesting_is_inexact(void **state)
{
    (void)state;
    enum { DEPTH = 3000 };
    char *text = malloc(DEPTH * 4 + 16);
    assert_non_null(text);
    size_t n = (size_t)sprintf(text, "x = ");
    for (int i = 0; i < DEPTH; i++)
        n += (size_t)sprintf(text + n, "a.");
    sprintf(text + n, "b\n");
    tmd_fingerprint fp;
    fingerprint(&fp, "3.13", text);
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    assert_int_equal(fp.count, 0);
    tmd_fingerprint_free(&fp);
    free(text);
}

/* Where testmon itself fails, tmdiff must not pretend to know the answer:
 * 3.12.1's parser fails on a debug field inside a format spec. */
static void test_testmon_failures_are_inexact(void **state)
{
    (void)state;
    tmd_fingerprint fp;
    fingerprint(&fp, "3.12.1", "f'{x:{y=}}'\n");
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    tmd_fingerprint_free(&fp);
    /* 3.12+ cut the debug text `a!=b=` to 'a': not reproduced, so inexact */
    fingerprint(&fp, "3.12.1", "f'{a!=b=}'\n");
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    tmd_fingerprint_free(&fp);
    /* 3.13.0 merges the debug text into the spec instead */
    fingerprint(&fp, "3.13.0", "f'{x:{y=}}'\n");
    assert_int_equal(fp.status, TMD_FP_BLOCKS);
    tmd_fingerprint_free(&fp);
    /* a newline in a spec with fields: 3.12.1 keeps an empty Constant where
     * 3.13.0 raises SyntaxError; text after the newline is not read */
    fingerprint(&fp, "3.12.1", "f'{x:{y}\n}'\n");
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    tmd_fingerprint_free(&fp);
    fingerprint(&fp, "3.13.0", "f'{x:d\n e}'\n");
    assert_int_equal(fp.status, TMD_FP_INEXACT);
    tmd_fingerprint_free(&fp);
}

/* tree-sitter splits `b: list[int] if c else d = None` into the type
 * `list[int]` and an ERROR; dump_arguments reads the annotation from its
 * text. Expected: CPython 3.11's dump of the same parameters. */
static void test_annotation_tree_sitter_splits(void **state)
{
    (void)state;
    static const char src[] = "def f(a: 'x', b: list[int] if False else list = None): pass\n";
    static const char expect[] =
        "arguments(, arg('a', Constant('x', None), None), arg('b', IfExp(Constant(False, None), "
        "Subscript(Name('list', Load()), Name('int', Load()), Load()), Name('list', Load())), "
        "None), None, , , None, Constant(None, None))";
    TSParser *parser = ts_parser_new();
    assert_true(ts_parser_set_language(parser, dump_language()));
    TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)strlen(src));
    TSNode def = ts_node_named_child(ts_tree_root_node(tree), 0);
    TSNode params = ts_node_child_by_field_id(def, dump_symbols_get()->F_parameters);
    assert_true(ts_node_has_error(params)); /* the grammar gap this works around */
    tmd_dialect dialect = {11, 7};
    dumper d;
    memset(&d, 0, sizeof d);
    d.src = src;
    d.dialect = &dialect;
    d.sym = dump_symbols_get();
    tmd_buf out = TMD_BUF_INIT;
    dump_arguments(&d, params, &out);
    assert_int_equal(d.status, TMD_FP_BLOCKS);
    assert_non_null(out.data);
    assert_string_equal(out.data, expect);
    tmd_buf_free(&out);
    ts_tree_delete(tree);
    ts_parser_delete(parser);
}

/* `with open(f) if f else nullcontext() as fh:` comes from tree-sitter with
 * the `as` inside the conditional expression; the with-item is rebuilt from
 * dump_expr_buried_as and dump_expr_without_as (expected: CPython 3.11's
 * withitem(context_expr, optional_vars) fields). */
static void test_with_item_buried_as(void **state)
{
    (void)state;
    static const char src[] = "with open(f) if f else nullcontext() as fh: pass\n";
    const dump_symbols *sym = dump_symbols_get();
    TSParser *parser = ts_parser_new();
    assert_true(ts_parser_set_language(parser, dump_language()));
    TSTree *tree = ts_parser_parse_string(parser, NULL, src, (uint32_t)strlen(src));
    TSNode stmt = ts_node_named_child(ts_tree_root_node(tree), 0);
    TSNode clause = ts_node_named_child(stmt, 0);
    TSNode item = ts_node_named_child(clause, 0);
    TSNode value = ts_node_child_by_field_id(item, sym->F_value);
    assert_int_equal(ts_node_symbol(value), sym->S_conditional_expression);
    tmd_dialect dialect = {11, 7};
    dumper d;
    memset(&d, 0, sizeof d);
    d.src = src;
    d.dialect = &dialect;
    d.sym = sym;
    TSNode as = dump_expr_buried_as(&d, value);
    assert_false(ts_node_is_null(as));
    tmd_buf ctx = TMD_BUF_INIT, target = TMD_BUF_INIT;
    dump_expr_without_as(&d, value, as, &ctx);
    dump_expr(&d, ts_node_named_child(ts_node_child_by_field_id(as, sym->F_alias), 0), CTX_STORE,
              &target);
    assert_int_equal(d.status, TMD_FP_BLOCKS);
    assert_string_equal(ctx.data, "IfExp(Name('f', Load()), Call(Name('open', Load()), "
                                  "Name('f', Load()), ), Call(Name('nullcontext', Load()), , ))");
    assert_string_equal(target.data, "Name('fh', Store())");
    /* a with-item value that is itself `a as b` is not buried; nor is a
     * value without any `as` */
    assert_true(ts_node_is_null(dump_expr_buried_as(&d, as)));
    assert_true(ts_node_is_null(dump_expr_buried_as(&d, ts_node_named_child(as, 0))));
    tmd_buf_free(&ctx);
    tmd_buf_free(&target);
    ts_tree_delete(tree);
    ts_parser_delete(parser);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cpython_answers),
        cmocka_unit_test(test_long_boolop_is_flat),
        cmocka_unit_test(test_deep_nesting_is_inexact),
        cmocka_unit_test(test_testmon_failures_are_inexact),
        cmocka_unit_test(test_annotation_tree_sitter_splits),
        cmocka_unit_test(test_with_item_buried_as),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
