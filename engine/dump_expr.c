/* dump_expr.c: expressions, assignment targets and argument lists written
 * as CPython's ast dump (see dump.h and dump-notes.md), and the expression
 * syntax CPython's parser rejects although tree-sitter accepts it.
 *
 * tree-sitter-python 0.23 misreads a few valid forms, repaired here:
 * `*a.b()` / `*a + b` (star bound to the first operand: lift_star), `&`
 * ranked below `^` (and_xor_cluster), `await a ** b` (dump_await),
 * `(*a)` as a one-element tuple, annotations `List[int]`/`A | B` as its own
 * type nodes (dump_type_node), `d[1:2]` and `x if c else y` annotations
 * (re-read from their text), with-items whose `as` it buries.
 *
 * Children of variable-length nodes are walked with tree cursors from a
 * pool kept per top-level call (one per container nesting level, reused),
 * so a dump allocates per call, not per node; fixed-shape nodes use field
 * lookups. Recursion is bounded by DUMP_MAX_DEPTH; `a or b or ...` chains
 * and `&`/`^` clusters are walked iteratively. */
#include "dump_expr.h"

#include "dump_common.h"
#include "dump_symbols.h"
#include "pyliteral.h"

#include <stdlib.h>
#include <string.h>

#define INLINE_CURSORS 8

/* One expression dump in progress: the dumper plus the cursor pool. */
typedef struct walk {
    dumper *d;
    unsigned level;                 /* cursors in use */
    unsigned ninit;                 /* cursors created so far */
    TSTreeCursor inl[INLINE_CURSORS];
    TSTreeCursor *heap;             /* levels past INLINE_CURSORS */
    TSNode lifted;                  /* a list_splat that stands for its operand */
    TSNode as_lifted;               /* an as_pattern that stands for its expression */
} walk;

static void ex(walk *w, TSNode n, dump_ctx ctx, unsigned allow, tmd_buf *out);
static void args_of_params(walk *w, TSNode params, int is_lambda, tmd_buf *out);
static int subtree_broken(dumper *d, TSNode n);

/* ---- small helpers ------------------------------------------------------- */

static int before(const dumper *d, int minor) { return d->dialect->minor < minor; }

static void lit_result(dumper *d, TSNode at, int rc, const char *why)
{
    if (rc == LIT_SYNTAX)
        dump_reject(d, at, why);
    else if (rc == LIT_NOMEM)
        dump_inexact(d, at, "out of memory");
    else if (rc != LIT_OK)
        dump_inexact(d, at, why);
}

static void put_ctx(tmd_buf *out, dump_ctx ctx)
{
    tmd_buf_puts(out, ctx == CTX_LOAD ? "Load()" : ctx == CTX_STORE ? "Store()" : "Del()");
}

static void put_sep(tmd_buf *out, int *first)
{
    if (!*first)
        tmd_buf_puts(out, ", ");
    *first = 0;
}

static int node_is(const dumper *d, TSNode n, TSSymbol s)
{
    (void)d;
    return !ts_node_is_null(n) && ts_node_symbol(n) == s;
}

/* The walk's cursor for the next nesting level, placed on `n` (NULL, with
 * the dump marked inexact, when out of memory or too deep). */
static TSTreeCursor *kids_open(walk *w, TSNode n)
{
    unsigned lvl = w->level;
    TSTreeCursor *c;
    if (lvl < INLINE_CURSORS) {
        c = &w->inl[lvl];
    } else {
        if (lvl >= DUMP_MAX_DEPTH + INLINE_CURSORS) {
            dump_inexact(w->d, n, "expression nested too deeply");
            return NULL;
        }
        if (!w->heap) {
            w->heap = malloc(sizeof(TSTreeCursor) * DUMP_MAX_DEPTH);
            if (!w->heap) {
                dump_inexact(w->d, n, "out of memory");
                return NULL;
            }
        }
        c = &w->heap[lvl - INLINE_CURSORS];
    }
    if (lvl < w->ninit) {
        ts_tree_cursor_reset(c, n);
    } else {
        *c = ts_tree_cursor_new(n);
        w->ninit++;
    }
    w->level++;
    return c;
}

static void kids_close(walk *w) { w->level--; }

/* First / next child of the cursor's node that is not an extra (comment). */
static int kid_first(TSTreeCursor *c)
{
    if (!ts_tree_cursor_goto_first_child(c))
        return 0;
    while (ts_node_is_extra(ts_tree_cursor_current_node(c)))
        if (!ts_tree_cursor_goto_next_sibling(c))
            return 0;
    return 1;
}

static int kid_next(TSTreeCursor *c)
{
    do
        if (!ts_tree_cursor_goto_next_sibling(c))
            return 0;
    while (ts_node_is_extra(ts_tree_cursor_current_node(c)));
    return 1;
}

static void walk_init(walk *w, dumper *d)
{
    w->d = d;
    w->level = 0;
    w->ninit = 0;
    w->heap = NULL;
    w->lifted = (TSNode){{0}, NULL, NULL};
    w->as_lifted = (TSNode){{0}, NULL, NULL};
}

static void walk_free(walk *w)
{
    for (unsigned i = 0; i < w->ninit; i++)
        ts_tree_cursor_delete(i < INLINE_CURSORS ? &w->inl[i] : &w->heap[i - INLINE_CURSORS]);
    free(w->heap);
}

/* The first named, non-extra child (for wrappers such as parenthesized
 * expressions, `type`, `await`): fixed small nodes, so ts_node_named_child
 * stays cheap. */
static TSNode only_child(TSNode n)
{
    uint32_t k = ts_node_named_child_count(n);
    for (uint32_t i = 0; i < k; i++) {
        TSNode c = ts_node_named_child(n, i);
        if (!ts_node_is_extra(c))
            return c;
    }
    return (TSNode){{0}, NULL, NULL};
}

/* Strips parentheses: `((a))` -> `a`. Sets *parens when there were any. */
static TSNode unparen(const dumper *d, TSNode n, int *parens)
{
    *parens = 0;
    while (node_is(d, n, d->sym->S_parenthesized_expression)) {
        TSNode inner = only_child(n);
        if (ts_node_is_null(inner))
            break;
        n = inner;
        *parens = 1;
    }
    return n;
}

static void missing(walk *w, TSNode at, const char *what)
{
    dump_inexact(w->d, at, what);
}

/* ---- names and constants ------------------------------------------------- */

/* An identifier's repr. tree-sitter takes keywords for names in places
 * (`obj.None`, `f(else)`, `def f(None)`, a lone `and`): CPython never. */
static void put_identifier(dumper *d, TSNode n, tmd_buf *out)
{
    size_t len;
    const char *s = dump_text(d, n, &len);
    char why[LIT_WHY_SIZE] = "";
    if (dump_is_keyword(s, len))
        dump_reject(d, n, "a keyword cannot be used as a name");
    /* 3.9's parser keeps an easter-egg keyword ("You found it!") */
    if (d->dialect->minor == 9 && len == 14 && !memcmp(s, "__peg_parser__", 14))
        dump_reject(d, n, "__peg_parser__ is a keyword in Python 3.9");
    tmd_buf_putc(out, '\'');
    lit_result(d, n, lit_identifier_repr(out, s, len, d->dialect, 0, why), why);
    tmd_buf_putc(out, '\'');
}

static int text_is(const dumper *d, TSNode n, const char *word)
{
    size_t len;
    const char *s = dump_text(d, n, &len);
    return len == strlen(word) && !memcmp(s, word, len);
}

/* A name in a binding position (target, keyword, parameter): 3.8's parser
 * refuses to bind __debug__; later ones leave that to the compiler. */
static void check_bindable(dumper *d, TSNode n)
{
    if (before(d, 9) && text_is(d, n, "__debug__"))
        dump_reject(d, n, "cannot assign to __debug__ (Python 3.8)");
}

static void dump_name(walk *w, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    dumper *d = w->d;
    /* tree-sitter lets the keywords async/await stand as names */
    if (text_is(d, n, "await") || text_is(d, n, "async"))
        dump_reject(d, n, "async/await are keywords");
    if (ctx == CTX_STORE) /* 3.8 lets `del __debug__` through */
        check_bindable(d, n);
    tmd_buf_puts(out, "Name(");
    put_identifier(d, n, out);
    tmd_buf_puts(out, ", ");
    put_ctx(out, ctx);
    tmd_buf_putc(out, ')');
}

static void dump_number(dumper *d, TSNode n, tmd_buf *out)
{
    size_t len;
    const char *s = dump_text(d, n, &len);
    /* tree-sitter reads `0or 1` as 0 or 1; CPython's tokenizer takes "0o"
     * for an octal prefix (s lies in the NUL-ended source) */
    if (len == 1 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
        dump_reject(d, n, "invalid octal literal");
        return;
    }
    char why[LIT_WHY_SIZE] = "";
    tmd_buf_puts(out, "Constant(");
    lit_result(d, n, lit_repr_number(out, s, len, d->dialect, why), why);
    tmd_buf_puts(out, ", None)");
}

int dump_is_fstring_start(const dumper *d, TSNode string_node)
{
    TSNode start = ts_node_child(string_node, 0);
    if (!node_is(d, start, d->sym->S_string_start))
        return 0;
    size_t len, plen;
    const char *s = dump_text(d, start, &len);
    int flags = lit_prefix_flags(s, len, &plen);
    return flags > 0 && (flags & LIT_P_F);
}

int dump_has_raw_newline(const char *text, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\\')
            i++; /* an escaped character, a backslash-newline included */
        else if (text[i] == '\n')
            return 1;
    }
    return 0;
}

/* A single-quoted token holding a raw newline: tree-sitter's scanner lets
 * one through when it took `{...}` in a plain string for a field. */
static int token_breaks_line(const char *tok, size_t len)
{
    size_t plen;
    if (lit_prefix_flags(tok, len, &plen) < 0 || plen >= len)
        return 0;
    char q = tok[plen];
    int triple = plen + 2 < len && tok[plen + 1] == q && tok[plen + 2] == q;
    return !triple && len >= plen + 2 && dump_has_raw_newline(tok + plen + 1, len - plen - 2);
}

void dump_str_constant(dumper *d, TSNode str, tmd_buf *out)
{
    lit_str acc = {0};
    char why[LIT_WHY_SIZE] = "";
    int rc = LIT_OK;
    size_t len;
    if (ts_node_symbol(str) == d->sym->S_string) {
        const char *s = dump_text(d, str, &len);
        if (token_breaks_line(s, len))
            dump_reject(d, str, "unterminated string literal");
        rc = lit_str_append_token(&acc, s, len, d->dialect, why);
    } else {
        /* concatenated_string: few pieces, a local cursor is fine */
        TSTreeCursor c = ts_tree_cursor_new(str);
        for (int ok = kid_first(&c); ok && rc == LIT_OK; ok = kid_next(&c)) {
            TSNode k = ts_tree_cursor_current_node(&c);
            if (ts_node_symbol(k) != d->sym->S_string)
                continue;
            const char *s = dump_text(d, k, &len);
            if (token_breaks_line(s, len))
                dump_reject(d, k, "unterminated string literal");
            rc = lit_str_append_token(&acc, s, len, d->dialect, why);
        }
        ts_tree_cursor_delete(&c);
    }
    if (rc == LIT_OK)
        rc = lit_dump_constant(out, &acc, d->dialect, why);
    lit_result(d, str, rc, why);
    lit_str_free(&acc);
}

/* Any f-string piece in a string or concatenated_string? */
static int has_fstring(walk *w, TSNode n)
{
    dumper *d = w->d;
    if (ts_node_symbol(n) == d->sym->S_string)
        return dump_is_fstring_start(d, n);
    int found = 0;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return 0;
    for (int ok = kid_first(c); ok && !found; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_node_symbol(k) == d->sym->S_string && dump_is_fstring_start(d, k))
            found = 1;
    }
    kids_close(w);
    return found;
}

/* ---- operators ----------------------------------------------------------- */

static const char *binop_name(const dump_symbols *s, TSSymbol op)
{
    if (op == s->A_plus) return "Add()";
    if (op == s->A_minus) return "Sub()";
    if (op == s->A_star) return "Mult()";
    if (op == s->A_at) return "MatMult()";
    if (op == s->A_slash) return "Div()";
    if (op == s->A_percent) return "Mod()";
    if (op == s->A_starstar) return "Pow()";
    if (op == s->A_lshift) return "LShift()";
    if (op == s->A_rshift) return "RShift()";
    if (op == s->A_pipe) return "BitOr()";
    if (op == s->A_caret) return "BitXor()";
    if (op == s->A_amp) return "BitAnd()";
    if (op == s->A_slashslash) return "FloorDiv()";
    return NULL;
}

static const char *cmpop_name(const dump_symbols *s, TSSymbol op)
{
    if (op == s->A_eq) return "Eq()";
    if (op == s->A_ne) return "NotEq()";
    if (op == s->A_lt) return "Lt()";
    if (op == s->A_le) return "LtE()";
    if (op == s->A_gt) return "Gt()";
    if (op == s->A_ge) return "GtE()";
    if (op == s->A_is) return "Is()";
    if (op == s->A_is_not) return "IsNot()";
    if (op == s->A_in) return "In()";
    if (op == s->A_not_in) return "NotIn()";
    return NULL;
}

/* Internal allow bit: this `&`/`^` node was already checked as part of
 * its cluster (see and_xor_cluster). */
#define EX_CLUSTER_DONE 0x100

static TSSymbol binop_symbol(const dumper *d, TSNode n)
{
    TSNode op = ts_node_child_by_field_id(n, d->sym->F_operator);
    return ts_node_is_null(op) ? 0 : ts_node_symbol(op);
}

static int is_and_xor(const dumper *d, TSNode n)
{
    if (!node_is(d, n, d->sym->S_binary_operator))
        return 0;
    TSSymbol op = binop_symbol(d, n);
    return op == d->sym->A_amp || op == d->sym->A_caret;
}

/* Writes operands [lo, hi) joined by `&` as Python's left-nested BinOps. */
static void fold_and(walk *w, TSNode *operands, size_t lo, size_t hi, tmd_buf *out)
{
    for (size_t i = lo + 1; i < hi; i++)
        tmd_buf_puts(out, "BinOp(");
    ex(w, operands[lo], CTX_LOAD, 0, out);
    for (size_t i = lo + 1; i < hi; i++) {
        tmd_buf_puts(out, ", BitAnd(), ");
        ex(w, operands[i], CTX_LOAD, 0, out);
        tmd_buf_putc(out, ')');
    }
}

/* tree-sitter-python ranks `^` above `&` (Python: `&` binds tighter), so a
 * cluster of unparenthesised `&`/`^` operators mixing both is regrouped:
 * its operands and operators are read in source order and folded the
 * Python way. Returns 0 when the cluster has one operator kind only (the
 * tree is right as it is). */
static int and_xor_cluster(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    /* in-order walk with an explicit stack: operands and operators; the
     * three arrays share one allocation sized by the node count bound */
    size_t cap = 16, nops = 0, nand = 0, sp = 0, noperands = 0;
    TSNode small[3 * 16];
    TSSymbol small_ops[16];
    TSNode *mem = small;
    TSSymbol *ops = small_ops;
    TSNode cur = n;
    int result = 1;
    for (;;) {
        while (is_and_xor(d, cur)) {
            if (sp == cap || noperands == cap || nops == cap) {
                size_t ncap = cap * 4;
                TSNode *nmem = malloc(3 * ncap * sizeof(TSNode));
                TSSymbol *nops_buf = malloc(ncap * sizeof(TSSymbol));
                if (!nmem || !nops_buf) {
                    free(nmem);
                    free(nops_buf);
                    dump_inexact(d, n, "out of memory");
                    goto done;
                }
                memcpy(nmem, mem, sp * sizeof(TSNode));
                memcpy(nmem + ncap, mem + cap, noperands * sizeof(TSNode));
                memcpy(nops_buf, ops, nops * sizeof(TSSymbol));
                if (mem != small) {
                    free(mem);
                    free(ops);
                }
                mem = nmem;
                ops = nops_buf;
                cap = ncap;
            }
            mem[sp++] = cur;
            cur = ts_node_child_by_field_id(cur, s->F_left);
        }
        mem[cap + noperands++] = cur;
        if (!sp)
            break;
        TSNode top = mem[--sp];
        TSSymbol op = binop_symbol(d, top);
        ops[nops++] = op;
        nand += op == s->A_amp;
        cur = ts_node_child_by_field_id(top, s->F_right);
    }
    if (nand == 0 || nand == nops) {
        result = 0;
        goto done;
    }
    TSNode *operands = mem + cap;
    /* xor of and-groups: count the groups, then fold */
    size_t groups = 1;
    for (size_t i = 0; i < nops; i++)
        groups += ops[i] == s->A_caret;
    for (size_t i = 1; i < groups; i++)
        tmd_buf_puts(out, "BinOp(");
    size_t lo = 0;
    for (size_t i = 0; i <= nops; i++) {
        if (i < nops && ops[i] != s->A_caret)
            continue;
        fold_and(w, operands, lo, i + 1, out);
        if (lo)
            tmd_buf_putc(out, ')');
        if (i < nops)
            tmd_buf_puts(out, ", BitXor(), ");
        lo = i + 1;
    }
done:
    if (mem != small) {
        free(mem);
        free(ops);
    }
    return result;
}

static void dump_binop(walk *w, TSNode n, unsigned allow, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode left = ts_node_child_by_field_id(n, d->sym->F_left);
    TSNode op = ts_node_child_by_field_id(n, d->sym->F_operator);
    TSNode right = ts_node_child_by_field_id(n, d->sym->F_right);
    const char *name = ts_node_is_null(op) ? NULL : binop_name(d->sym, ts_node_symbol(op));
    if (ts_node_is_null(left) || ts_node_is_null(right) || !name) {
        missing(w, n, "binary operator of unknown shape");
        return;
    }
    TSSymbol ops = ts_node_symbol(op);
    unsigned child_allow = 0;
    if (ops == d->sym->A_amp || ops == d->sym->A_caret) {
        if (!(allow & EX_CLUSTER_DONE) && and_xor_cluster(w, n, out))
            return;
        child_allow = EX_CLUSTER_DONE;
    }
    tmd_buf_puts(out, "BinOp(");
    ex(w, left, CTX_LOAD, child_allow, out);
    tmd_buf_puts(out, ", ");
    tmd_buf_puts(out, name);
    tmd_buf_puts(out, ", ");
    ex(w, right, CTX_LOAD, child_allow, out);
    tmd_buf_putc(out, ')');
}

static void dump_unary(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode op = ts_node_child_by_field_id(n, d->sym->F_operator);
    TSNode arg = ts_node_child_by_field_id(n, d->sym->F_argument);
    const char *name = NULL;
    if (!ts_node_is_null(op)) {
        TSSymbol s = ts_node_symbol(op);
        name = s == d->sym->A_minus ? "USub()" : s == d->sym->A_plus ? "UAdd()"
             : s == d->sym->A_tilde ? "Invert()" : NULL;
    }
    if (!name || ts_node_is_null(arg)) {
        missing(w, n, "unary operator of unknown shape");
        return;
    }
    tmd_buf_printf(out, "UnaryOp(%s, ", name);
    ex(w, arg, CTX_LOAD, 0, out);
    tmd_buf_putc(out, ')');
}

/* An operand of `not`, `and`/`or` or the first two parts of `x if c else
 * y` must be an `or`-level expression to CPython: a bare lambda or `:=`
 * there is a SyntaxError; a bare conditional expression can only be a
 * tree-sitter misreading, so it is not trusted either. */
static void check_disjunction_operand(dumper *d, TSNode k)
{
    if (ts_node_is_null(k))
        return;
    TSSymbol s = ts_node_symbol(k);
    if (s == d->sym->S_lambda || s == d->sym->S_named_expression)
        dump_reject(d, k, "lambda or ':=' needs parentheses here");
    else if (s == d->sym->S_conditional_expression)
        dump_inexact(d, k, "conditional expression nested without parentheses");
}

static void dump_not(walk *w, TSNode n, tmd_buf *out)
{
    TSNode arg = ts_node_child_by_field_id(n, w->d->sym->F_argument);
    if (ts_node_is_null(arg)) {
        missing(w, n, "not without operand");
        return;
    }
    check_disjunction_operand(w->d, arg);
    tmd_buf_puts(out, "UnaryOp(Not(), ");
    ex(w, arg, CTX_LOAD, 0, out);
    tmd_buf_putc(out, ')');
}

/* `a or b or c` is one BoolOp: tree-sitter nests it to the left, so walk
 * down the left spine (no recursion) while the operator stays the same and
 * no parentheses intervene, then dump the operands left to right. */
static void dump_boolop(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    TSNode op = ts_node_child_by_field_id(n, s->F_operator);
    if (ts_node_is_null(op)) {
        missing(w, n, "boolean operator of unknown shape");
        return;
    }
    TSSymbol opsym = ts_node_symbol(op);
    size_t count = 1;
    TSNode leftmost = n;
    for (;;) {
        TSNode left = ts_node_child_by_field_id(leftmost, s->F_left);
        if (!node_is(d, left, s->S_boolean_operator))
            break;
        TSNode lop = ts_node_child_by_field_id(left, s->F_operator);
        if (ts_node_is_null(lop) || ts_node_symbol(lop) != opsym)
            break;
        leftmost = left;
        count++;
    }
    TSNode stack_nodes[16];
    TSNode *chain = count <= 16 ? stack_nodes : malloc(count * sizeof(TSNode));
    if (!chain) {
        dump_inexact(d, n, "out of memory");
        return;
    }
    /* chain[i]: the boolean_operator whose right operand is value i+1 */
    TSNode cur = n;
    for (size_t i = count; i-- > 0;) {
        chain[i] = cur;
        cur = ts_node_child_by_field_id(cur, s->F_left);
    }
    tmd_buf_printf(out, "BoolOp(%s, ", opsym == s->A_and ? "And()" : "Or()");
    TSNode first = ts_node_child_by_field_id(chain[0], s->F_left);
    check_disjunction_operand(d, first);
    ex(w, first, CTX_LOAD, 0, out);
    for (size_t i = 0; i < count; i++) {
        tmd_buf_puts(out, ", ");
        TSNode right = ts_node_child_by_field_id(chain[i], s->F_right);
        check_disjunction_operand(d, right);
        ex(w, right, CTX_LOAD, 0, out);
    }
    tmd_buf_putc(out, ')');
    if (chain != stack_nodes)
        free(chain);
}

static void dump_compare(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    tmd_buf_puts(out, "Compare(");
    /* pass 1: the left operand and the operators */
    int seen_left = 0;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_tree_cursor_current_field_id(c) == d->sym->F_operators) {
            TSSymbol op = ts_node_symbol(k);
            const char *name = cmpop_name(d->sym, op);
            if (!name) {
                if (op == d->sym->A_ltgt)
                    dump_reject(d, k, "'<>' is Python 2 syntax");
                else
                    missing(w, k, "comparison operator of unknown kind");
                name = "?";
            }
            tmd_buf_puts(out, ", ");
            tmd_buf_puts(out, name);
        } else if (ts_node_is_named(k) && !seen_left) {
            seen_left = 1;
            ex(w, k, CTX_LOAD, 0, out);
        }
    }
    /* pass 2: the comparators */
    ts_tree_cursor_reset(c, n);
    seen_left = 0;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_tree_cursor_current_field_id(c) == d->sym->F_operators || !ts_node_is_named(k))
            continue;
        if (!seen_left) {
            seen_left = 1;
            continue;
        }
        tmd_buf_puts(out, ", ");
        ex(w, k, CTX_LOAD, 0, out);
    }
    tmd_buf_putc(out, ')');
    kids_close(w);
}

/* ---- containers ---------------------------------------------------------- */

/* The ", "-joined elements of a list/tuple/set/expression_list or of a
 * target list, each in `ctx` and allowed what `allow` says. */
static void dump_elements(walk *w, TSNode n, dump_ctx ctx, unsigned allow, tmd_buf *out)
{
    dumper *d = w->d;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    int first = 1;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (!ts_node_is_named(k))
            continue;
        put_sep(out, &first);
        if (ts_node_symbol(k) == d->sym->S_parenthesized_list_splat) {
            /* `[(*a)]`: starred in parentheses */
            if (!before(d, 9))
                dump_reject(d, k, "cannot use starred expression here");
            int parens;
            ex(w, unparen(d, only_child(k), &parens), ctx, EX_STAR, out);
            continue;
        }
        ex(w, k, ctx, allow, out);
    }
    kids_close(w);
}

/* Counts named children and whether the node has a comma. */
static void count_elements(walk *w, TSNode n, size_t *count, int *has_comma)
{
    dumper *d = w->d;
    *count = 0;
    *has_comma = 0;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_node_is_named(k))
            (*count)++;
        else if (ts_node_symbol(k) == d->sym->A_comma)
            *has_comma = 1;
    }
    kids_close(w);
}

static void dump_sequence(walk *w, TSNode n, const char *cls, dump_ctx ctx, unsigned allow,
                          tmd_buf *out)
{
    tmd_buf_printf(out, "%s(", cls);
    dump_elements(w, n, ctx, allow, out);
    if (ctx != CTX_LOAD || strcmp(cls, "Set") != 0) {
        tmd_buf_puts(out, ", ");
        put_ctx(out, ctx);
    }
    tmd_buf_putc(out, ')');
}

static void dump_dict(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    tmd_buf_puts(out, "Dict(");
    for (int pass = 0; pass < 2; pass++) {
        int first = 1;
        if (pass) {
            ts_tree_cursor_reset(c, n);
            tmd_buf_puts(out, ", ");
        }
        for (int ok = kid_first(c); ok; ok = kid_next(c)) {
            TSNode k = ts_tree_cursor_current_node(c);
            TSSymbol s = ts_node_symbol(k);
            if (s == d->sym->S_pair) {
                put_sep(out, &first);
                TSNode part = ts_node_child_by_field_id(k, pass ? d->sym->F_value : d->sym->F_key);
                if (ts_node_is_null(part))
                    missing(w, k, "dict item of unknown shape");
                else
                    ex(w, part, CTX_LOAD, 0, out);
            } else if (s == d->sym->S_dictionary_splat) {
                put_sep(out, &first);
                if (!pass)
                    tmd_buf_puts(out, "None");
                else
                    ex(w, only_child(k), CTX_LOAD, 0, out);
            } else if (ts_node_is_named(k)) {
                missing(w, k, "dict item of unknown kind");
            }
        }
    }
    tmd_buf_putc(out, ')');
    kids_close(w);
}

/* ---- comprehensions ------------------------------------------------------ */

/* An iterable or condition of a comprehension: CPython wants a
 * `disjunction` there, so unparenthesised lambda (3.8 allows it in `if`),
 * conditional expressions and `:=` are errors. */
static void comp_operand(walk *w, TSNode k, int is_if, tmd_buf *out)
{
    dumper *d = w->d;
    TSSymbol s = ts_node_symbol(k);
    if (s == d->sym->S_conditional_expression || s == d->sym->S_named_expression ||
        (s == d->sym->S_lambda && !(is_if && before(d, 9))))
        dump_reject(d, k, "comprehension clause needs parentheses here");
    ex(w, k, CTX_LOAD, 0, out);
}

/* The generators of a comprehension: comprehension(target, iter, ifs, is_async)... */
static void dump_generators(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    int open = 0, is_async = 0, first_if = 1;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        TSSymbol ks = ts_node_symbol(k);
        if (ks == s->S_for_in_clause) {
            if (open)
                tmd_buf_printf(out, ", %d), ", is_async);
            open = 1;
            first_if = 1;
            is_async = 0;
            tmd_buf_puts(out, "comprehension(");
            /* for_in_clause: [async] for LEFT in RIGHT[, RIGHT...] */
            TSTreeCursor *fc = kids_open(w, k);
            if (!fc)
                break;
            int nright = 0, comma = 0;
            TSNode right = {{0}, NULL, NULL};
            for (int fok = kid_first(fc); fok; fok = kid_next(fc)) {
                TSNode f = ts_tree_cursor_current_node(fc);
                TSFieldId fid = ts_tree_cursor_current_field_id(fc);
                TSSymbol fs = ts_node_symbol(f);
                if (fs == s->A_async)
                    is_async = 1;
                else if (fid == s->F_left)
                    ex(w, f, CTX_STORE, 0, out);
                else if (fid == s->F_right && ts_node_is_named(f)) {
                    if (!nright++)
                        right = f;
                } else if (fs == s->A_comma)
                    comma = 1;
            }
            kids_close(w);
            if (nright != 1 || comma)
                dump_reject(d, k, "comprehension iterable must be parenthesised");
            tmd_buf_puts(out, ", ");
            if (ts_node_is_null(right))
                missing(w, k, "comprehension without iterable");
            else
                comp_operand(w, right, 0, out);
            tmd_buf_puts(out, ", ");
        } else if (ks == s->S_if_clause) {
            if (!open) {
                missing(w, k, "comprehension condition before any for");
                continue;
            }
            if (!first_if)
                tmd_buf_puts(out, ", ");
            first_if = 0;
            comp_operand(w, only_child(k), 1, out);
        }
    }
    if (open)
        tmd_buf_printf(out, ", %d)", is_async);
    kids_close(w);
}

static void dump_comprehension(walk *w, TSNode n, const char *cls, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode body = ts_node_child_by_field_id(n, d->sym->F_body);
    if (ts_node_is_null(body)) {
        missing(w, n, "comprehension without element");
        return;
    }
    tmd_buf_printf(out, "%s(", cls);
    if (ts_node_symbol(n) == d->sym->S_dictionary_comprehension) {
        TSNode key = ts_node_child_by_field_id(body, d->sym->F_key);
        TSNode value = ts_node_child_by_field_id(body, d->sym->F_value);
        if (ts_node_is_null(key) || ts_node_is_null(value)) {
            missing(w, body, "dict comprehension item of unknown shape");
            return;
        }
        ex(w, key, CTX_LOAD, 0, out);
        tmd_buf_puts(out, ", ");
        ex(w, value, CTX_LOAD, 0, out);
    } else {
        /* `{x := 1 for ...}` needs 3.9; lists and generators allow it in 3.8 */
        unsigned allow = EX_WALRUS;
        if (ts_node_symbol(n) == d->sym->S_set_comprehension && before(d, 9))
            allow = 0;
        if (ts_node_symbol(body) == d->sym->S_list_splat)
            dump_reject(d, body, "iterable unpacking cannot be used in comprehension");
        ex(w, body, CTX_LOAD, allow, out);
    }
    tmd_buf_puts(out, ", ");
    dump_generators(w, n, out);
    tmd_buf_putc(out, ')');
}

/* ---- subscripts, slices, calls ------------------------------------------- */

static void opt_expr(walk *w, TSNode n, tmd_buf *out)
{
    if (ts_node_is_null(n))
        tmd_buf_puts(out, "None");
    else
        ex(w, n, CTX_LOAD, 0, out);
}

static void dump_slice(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode part[3] = {{{0}, NULL, NULL}, {{0}, NULL, NULL}, {{0}, NULL, NULL}};
    int colons = 0;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_node_symbol(k) == d->sym->A_colon)
            colons++;
        else if (ts_node_is_named(k) && colons < 3)
            part[colons] = k;
    }
    kids_close(w);
    tmd_buf_puts(out, "Slice(");
    opt_expr(w, part[0], out);
    tmd_buf_puts(out, ", ");
    opt_expr(w, part[1], out);
    tmd_buf_puts(out, ", ");
    opt_expr(w, part[2], out);
    tmd_buf_putc(out, ')');
}

/* One element of a subscript (3.8: wrapped in Index() unless a slice and
 * `wrap` is set). */
static void subscript_item(walk *w, TSNode k, int wrap38, tmd_buf *out)
{
    dumper *d = w->d;
    TSSymbol s = ts_node_symbol(k);
    if (s == d->sym->S_slice) {
        dump_slice(w, k, out);
        return;
    }
    unsigned allow = (before(d, 10) ? 0 : EX_WALRUS) | (before(d, 11) ? 0 : EX_STAR | EX_STAR_ANY);
    if (wrap38)
        tmd_buf_puts(out, "Index(");
    ex(w, k, CTX_LOAD, allow, out);
    if (wrap38)
        tmd_buf_putc(out, ')');
}

static void dump_subscript(walk *w, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    TSNode value = ts_node_child_by_field_id(n, s->F_value);
    if (ts_node_is_null(value)) {
        missing(w, n, "subscript without value");
        return;
    }
    tmd_buf_puts(out, "Subscript(");
    ex(w, value, CTX_LOAD, 0, out);
    tmd_buf_puts(out, ", ");

    /* the items: count them, note slices, starred items and a trailing comma */
    size_t count = 0;
    int comma_last = 0, any_slice = 0, any_star = 0;
    TSNode single = {{0}, NULL, NULL};
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_tree_cursor_current_field_id(c) == s->F_subscript) {
            if (!count++)
                single = k;
            any_slice |= ts_node_symbol(k) == s->S_slice;
            /* `a[*b]` (or a star tree-sitter bound too tightly: `a[*b[c]]`) */
            any_star |= d->src[ts_node_start_byte(k)] == '*';
            comma_last = 0;
        } else if (ts_node_symbol(k) == s->A_comma) {
            comma_last = 1;
        }
    }
    int is_tuple = count > 1 || comma_last || any_star;
    if (count == 0) {
        missing(w, n, "empty subscript");
    } else if (!is_tuple) {
        subscript_item(w, single, before(d, 9), out);
    } else if (before(d, 9) && any_slice) {
        tmd_buf_puts(out, "ExtSlice(");
        int first = 1;
        ts_tree_cursor_reset(c, n);
        for (int ok = kid_first(c); ok; ok = kid_next(c))
            if (ts_tree_cursor_current_field_id(c) == s->F_subscript) {
                put_sep(out, &first);
                subscript_item(w, ts_tree_cursor_current_node(c), 1, out);
            }
        tmd_buf_putc(out, ')');
    } else {
        tmd_buf_puts(out, before(d, 9) ? "Index(Tuple(" : "Tuple(");
        int first = 1;
        ts_tree_cursor_reset(c, n);
        for (int ok = kid_first(c); ok; ok = kid_next(c))
            if (ts_tree_cursor_current_field_id(c) == s->F_subscript) {
                put_sep(out, &first);
                subscript_item(w, ts_tree_cursor_current_node(c), 0, out);
            }
        tmd_buf_puts(out, before(d, 9) ? ", Load()))" : ", Load())");
    }
    kids_close(w);
    tmd_buf_puts(out, ", ");
    put_ctx(out, ctx);
    tmd_buf_putc(out, ')');
}

/* Shared by calls and class bases. 3.8 also rejects a repeated keyword. */
static void call_arguments(walk *w, TSNode list, tmd_buf *args, tmd_buf *keywords)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    TSTreeCursor *c = kids_open(w, list);
    if (!c)
        return;
    int first_arg = 1, first_kw = 1, seen_kw = 0, seen_kwsplat = 0;
    int comma_ok = 0; /* a comma may follow: an argument came last */
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (!ts_node_is_named(k)) {
            /* `f(,)`, `f(a,,b)`: tree-sitter lets a stray comma through */
            if (ts_node_symbol(k) == s->A_comma) {
                if (!comma_ok)
                    dump_reject(d, k, "invalid syntax: stray comma in arguments");
                comma_ok = 0;
            }
            continue;
        }
        comma_ok = 1;
        TSSymbol ks = ts_node_symbol(k);
        if (ks == s->S_keyword_argument) {
            TSNode name = ts_node_child_by_field_id(k, s->F_name);
            TSNode value = ts_node_child_by_field_id(k, s->F_value);
            if (ts_node_is_null(name) || ts_node_is_null(value)) {
                missing(w, k, "keyword argument of unknown shape");
                continue;
            }
            check_bindable(d, name);
            if (before(d, 9)) {
                /* repeated keyword: a parser error in 3.8 only */
                size_t nlen;
                const char *ntext = dump_text(d, name, &nlen);
                TSTreeCursor *c2 = kids_open(w, list);
                if (c2) {
                    for (int ok2 = kid_first(c2); ok2; ok2 = kid_next(c2)) {
                        TSNode o = ts_tree_cursor_current_node(c2);
                        if (ts_node_start_byte(o) >= ts_node_start_byte(k))
                            break;
                        if (ts_node_symbol(o) != s->S_keyword_argument)
                            continue;
                        size_t olen = 0;
                        TSNode oname = ts_node_child_by_field_id(o, s->F_name);
                        const char *otext = ts_node_is_null(oname) ? "" : dump_text(d, oname, &olen);
                        if (!ts_node_is_null(oname) && olen == nlen && !memcmp(otext, ntext, nlen))
                            dump_reject(d, k, "keyword argument repeated (Python 3.8)");
                    }
                    kids_close(w);
                }
            }
            seen_kw = 1;
            put_sep(keywords, &first_kw);
            tmd_buf_puts(keywords, "keyword(");
            put_identifier(d, name, keywords);
            tmd_buf_puts(keywords, ", ");
            ex(w, value, CTX_LOAD, 0, keywords);
            tmd_buf_putc(keywords, ')');
        } else if (ks == s->S_dictionary_splat) {
            seen_kwsplat = 1;
            put_sep(keywords, &first_kw);
            tmd_buf_puts(keywords, "keyword(None, ");
            ex(w, only_child(k), CTX_LOAD, 0, keywords);
            tmd_buf_putc(keywords, ')');
        } else if (ks == s->S_list_splat) {
            if (seen_kwsplat)
                dump_reject(d, k, "iterable argument unpacking follows keyword argument unpacking");
            put_sep(args, &first_arg);
            ex(w, k, CTX_LOAD, EX_STAR | EX_STAR_ANY, args);
        } else if (ks == s->S_parenthesized_expression && ts_node_symbol(only_child(k)) == s->S_list_splat) {
            /* `f((*a))`: 3.8 reads it as f(*a); later versions reject it */
            if (!before(d, 9))
                dump_reject(d, k, "cannot use starred expression here");
            if (seen_kwsplat)
                dump_reject(d, k, "iterable argument unpacking follows keyword argument unpacking");
            put_sep(args, &first_arg);
            int parens;
            ex(w, unparen(d, k, &parens), CTX_LOAD, EX_STAR, args);
        } else {
            if (seen_kw || seen_kwsplat)
                dump_reject(d, k, seen_kwsplat ? "positional argument follows keyword argument unpacking"
                                               : "positional argument follows keyword argument");
            if (ks == s->S_generator_expression) {
                /* `f(x for x in y, 1)`: an unparenthesised generator must be
                 * the only argument; tree-sitter gives it the call's parens */
                if (ts_node_start_byte(k) == ts_node_start_byte(list) &&
                    ts_node_named_child_count(list) > 1)
                    dump_reject(d, k, "generator expression must be parenthesized");
            }
            put_sep(args, &first_arg);
            ex(w, k, CTX_LOAD, EX_WALRUS | EX_STAR | EX_STAR_ANY, args);
        }
    }
    kids_close(w);
}

static void dump_call(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode fn = ts_node_child_by_field_id(n, d->sym->F_function);
    TSNode arguments = ts_node_child_by_field_id(n, d->sym->F_arguments);
    if (ts_node_is_null(fn) || ts_node_is_null(arguments)) {
        missing(w, n, "call of unknown shape");
        return;
    }
    tmd_buf_puts(out, "Call(");
    ex(w, fn, CTX_LOAD, 0, out);
    tmd_buf_puts(out, ", ");
    if (ts_node_symbol(arguments) == d->sym->S_generator_expression) {
        ex(w, arguments, CTX_LOAD, 0, out);
        tmd_buf_puts(out, ", ");
    } else {
        tmd_buf keywords = TMD_BUF_INIT;
        call_arguments(w, arguments, out, &keywords);
        tmd_buf_puts(out, ", ");
        if (keywords.len)
            tmd_buf_put(out, keywords.data, keywords.len);
        if (keywords.oom)
            out->oom = 1;
        tmd_buf_free(&keywords);
    }
    tmd_buf_putc(out, ')');
}

/* ---- type annotations ------------------------------------------------------ */

/* tree-sitter parses annotations with its own `type` rules: `List[int]` is
 * a generic_type, `A | B` of those a union_type. They are ordinary
 * expressions to CPython. */
static void dump_type_list(walk *w, TSNode tparams, tmd_buf *out)
{
    dumper *d = w->d;
    size_t count;
    int has_comma;
    count_elements(w, tparams, &count, &has_comma);
    int is_tuple = count != 1 || has_comma;
    if (count == 1) {
        /* `Tuple[*Ts]`: a lone starred item still makes a tuple */
        TSNode only = only_child(tparams);
        if (node_is(d, only, d->sym->S_type))
            only = only_child(only);
        is_tuple |= node_is(d, only, d->sym->S_splat_type) || node_is(d, only, d->sym->S_list_splat);
    }
    if (before(d, 9))
        tmd_buf_puts(out, "Index(");
    if (is_tuple)
        tmd_buf_puts(out, "Tuple(");
    TSTreeCursor *c = kids_open(w, tparams);
    if (!c)
        return;
    int first = 1;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (!ts_node_is_named(k))
            continue;
        put_sep(out, &first);
        ex(w, k, CTX_LOAD, before(d, 11) ? 0 : EX_STAR | EX_STAR_ANY, out);
    }
    kids_close(w);
    if (is_tuple)
        tmd_buf_puts(out, ", Load())");
    if (before(d, 9))
        tmd_buf_putc(out, ')');
}

/* A `[...]` of a generic type holding an `a:b` item (a slice). */
static int has_constrained_item(const dumper *d, TSNode tparams)
{
    uint32_t k = ts_node_named_child_count(tparams);
    for (uint32_t i = 0; i < k; i++) {
        TSNode t = ts_node_named_child(tparams, i);
        if (node_is(d, t, d->sym->S_type))
            t = only_child(t);
        if (node_is(d, t, d->sym->S_constrained_type))
            return 1;
    }
    return 0;
}

static void dump_type_node(walk *w, TSNode n, unsigned allow, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    TSSymbol sym = ts_node_symbol(n);
    if (sym == s->S_generic_type) {
        TSNode name = ts_node_named_child(n, 0);
        TSNode tparams = ts_node_named_child(n, 1);
        if (!node_is(d, name, s->S_identifier) || !node_is(d, tparams, s->S_type_parameter)) {
            missing(w, n, "generic type of unknown shape");
            return;
        }
        if (has_constrained_item(d, tparams)) {
            /* `d[1:2]` in an annotation: tree-sitter reads the slice as a
             * type constraint; the text is an ordinary subscript */
            dump_expr_text(d, n, ts_node_start_byte(n), ts_node_end_byte(n), out);
            return;
        }
        tmd_buf_puts(out, "Subscript(");
        dump_name(w, name, CTX_LOAD, out);
        tmd_buf_puts(out, ", ");
        dump_type_list(w, tparams, out);
        tmd_buf_puts(out, ", Load())");
    } else if (sym == s->S_union_type) {
        TSNode l = ts_node_named_child(n, 0), r = ts_node_named_child(n, 1);
        if (ts_node_is_null(l) || ts_node_is_null(r)) {
            missing(w, n, "union type of unknown shape");
            return;
        }
        tmd_buf_puts(out, "BinOp(");
        ex(w, l, CTX_LOAD, 0, out);
        tmd_buf_puts(out, ", BitOr(), ");
        ex(w, r, CTX_LOAD, 0, out);
        tmd_buf_putc(out, ')');
    } else if (sym == s->S_member_type) {
        TSNode obj = ts_node_named_child(n, 0), attr = ts_node_named_child(n, 1);
        if (ts_node_is_null(obj) || !node_is(d, attr, s->S_identifier)) {
            missing(w, n, "member type of unknown shape");
            return;
        }
        tmd_buf_puts(out, "Attribute(");
        ex(w, obj, CTX_LOAD, 0, out);
        tmd_buf_puts(out, ", ");
        put_identifier(d, attr, out);
        tmd_buf_puts(out, ", Load())");
    } else if (sym == s->S_splat_type) {
        TSNode first = ts_node_child(n, 0);
        TSNode name = only_child(n);
        if (!(allow & EX_STAR) || node_is(d, first, s->A_starstar) || ts_node_is_null(name))
            dump_reject(d, n, "cannot use starred expression here");
        tmd_buf_puts(out, "Starred(");
        if (!ts_node_is_null(name))
            dump_name(w, name, CTX_LOAD, out);
        tmd_buf_puts(out, ", Load())");
    } else {
        /* constrained_type `A: B` only belongs in type parameter lists */
        dump_reject(d, n, "unexpected ':' in an annotation");
    }
}

/* ---- lambda, walrus, yield, await ------------------------------------------ */

/* `await` takes a primary. tree-sitter reads `await a ** b` as
 * await(a ** b) where Python has (await a) ** b. */
static void dump_await(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    TSNode operand = only_child(n);
    TSNode power_right = {{0}, NULL, NULL};
    if (node_is(d, operand, s->S_binary_operator)) {
        if (binop_symbol(d, operand) != s->A_starstar) {
            dump_inexact(d, n, "await over a binary operator");
            return;
        }
        power_right = ts_node_child_by_field_id(operand, s->F_right);
        operand = ts_node_child_by_field_id(operand, s->F_left);
    }
    TSSymbol os = ts_node_is_null(operand) ? 0 : ts_node_symbol(operand);
    if (os == s->S_await || os == s->S_unary_operator || os == s->S_not_operator ||
        os == s->S_list_splat || os == s->S_binary_operator || os == s->S_boolean_operator ||
        os == s->S_comparison_operator || os == s->S_conditional_expression ||
        os == s->S_lambda || os == s->S_named_expression)
        dump_reject(d, n, "await needs a primary expression");
    if (!ts_node_is_null(power_right))
        tmd_buf_puts(out, "BinOp(");
    tmd_buf_puts(out, "Await(");
    ex(w, operand, CTX_LOAD, 0, out);
    tmd_buf_putc(out, ')');
    if (!ts_node_is_null(power_right)) {
        tmd_buf_puts(out, ", Pow(), ");
        ex(w, power_right, CTX_LOAD, 0, out);
        tmd_buf_putc(out, ')');
    }
}

static void dump_lambda(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode params = ts_node_child_by_field_id(n, d->sym->F_parameters);
    TSNode body = ts_node_child_by_field_id(n, d->sym->F_body);
    if (ts_node_is_null(body)) {
        missing(w, n, "lambda without body");
        return;
    }
    tmd_buf_puts(out, "Lambda(");
    args_of_params(w, params, 1, out);
    tmd_buf_puts(out, ", ");
    ex(w, body, CTX_LOAD, 0, out);
    tmd_buf_putc(out, ')');
}

/* `allow`: where the conditional stands. tree-sitter binds `:=` tighter
 * than `if`: `(x := a if b else c)` comes as a conditional whose body is
 * `x := a`, while CPython's NamedExpr holds the whole conditional. */
static void dump_ifexp(walk *w, TSNode n, unsigned allow, tmd_buf *out)
{
    TSNode part[3];
    int np = 0;
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    for (int ok = kid_first(c); ok && np < 3; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_node_is_named(k))
            part[np++] = k;
    }
    kids_close(w);
    if (np != 3) {
        missing(w, n, "conditional expression of unknown shape");
        return;
    }
    int walrus = (allow & EX_WALRUS) && ts_node_symbol(part[0]) == w->d->sym->S_named_expression;
    if (walrus) {
        TSNode name = ts_node_child_by_field_id(part[0], w->d->sym->F_name);
        part[0] = ts_node_child_by_field_id(part[0], w->d->sym->F_value);
        if (ts_node_is_null(name) || ts_node_is_null(part[0])) {
            missing(w, n, "assignment expression of unknown shape");
            return;
        }
        tmd_buf_puts(out, "NamedExpr(");
        dump_name(w, name, CTX_STORE, out);
        tmd_buf_puts(out, ", ");
    }
    check_disjunction_operand(w->d, part[0]);
    check_disjunction_operand(w->d, part[1]);
    tmd_buf_puts(out, "IfExp(");
    ex(w, part[1], CTX_LOAD, 0, out);
    tmd_buf_puts(out, ", ");
    ex(w, part[0], CTX_LOAD, 0, out);
    tmd_buf_puts(out, ", ");
    ex(w, part[2], CTX_LOAD, 0, out);
    tmd_buf_puts(out, walrus ? "))" : ")");
}

static void dump_walrus(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode name = ts_node_child_by_field_id(n, d->sym->F_name);
    TSNode value = ts_node_child_by_field_id(n, d->sym->F_value);
    if (ts_node_is_null(name) || ts_node_is_null(value)) {
        missing(w, n, "assignment expression of unknown shape");
        return;
    }
    tmd_buf_puts(out, "NamedExpr(");
    dump_name(w, name, CTX_STORE, out);
    tmd_buf_puts(out, ", ");
    ex(w, value, CTX_LOAD, 0, out);
    tmd_buf_putc(out, ')');
}

static void dump_yield(walk *w, TSNode n, tmd_buf *out)
{
    dumper *d = w->d;
    int is_from = 0;
    TSNode value = {{0}, NULL, NULL};
    TSTreeCursor *c = kids_open(w, n);
    if (!c)
        return;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (ts_node_symbol(k) == d->sym->A_from)
            is_from = 1;
        else if (ts_node_is_named(k))
            value = k;
    }
    kids_close(w);
    if (is_from) {
        tmd_buf_puts(out, "YieldFrom(");
        if (ts_node_is_null(value))
            missing(w, n, "yield from without value");
        else
            ex(w, value, CTX_LOAD, 0, out);
    } else {
        tmd_buf_puts(out, "Yield(");
        if (ts_node_is_null(value))
            tmd_buf_puts(out, "None");
        else
            ex(w, value, CTX_LOAD, EX_STAR, out);
    }
    tmd_buf_putc(out, ')');
}

static void dump_starred(walk *w, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    TSNode value = only_child(n);
    if (ts_node_is_null(value)) {
        missing(w, n, "starred without value");
        return;
    }
    tmd_buf_puts(out, "Starred(");
    ex(w, value, ctx, 0, out);
    tmd_buf_puts(out, ", ");
    put_ctx(out, ctx);
    tmd_buf_putc(out, ')');
}

static void dump_attribute(walk *w, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    dumper *d = w->d;
    TSNode obj = ts_node_child_by_field_id(n, d->sym->F_object);
    TSNode attr = ts_node_child_by_field_id(n, d->sym->F_attribute);
    if (ts_node_is_null(obj) || ts_node_is_null(attr)) {
        missing(w, n, "attribute of unknown shape");
        return;
    }
    if (ctx == CTX_STORE)
        check_bindable(d, attr); /* 3.8: `obj.__debug__ = 1` */
    tmd_buf_puts(out, "Attribute(");
    ex(w, obj, CTX_LOAD, 0, out);
    tmd_buf_puts(out, ", ");
    put_identifier(d, attr, out);
    tmd_buf_puts(out, ", ");
    put_ctx(out, ctx);
    tmd_buf_putc(out, ')');
}

/* ---- the dispatcher ------------------------------------------------------- */

/* Operands CPython's grammar calls `bitwise_or`: what `*x` takes in
 * displays and assignments (no `or`, `not`, comparisons, `if`, lambda). */
static int bitwise_or_level(const dumper *d, TSNode n)
{
    const dump_symbols *s = d->sym;
    if (ts_node_is_null(n))
        return 1;
    TSSymbol sym = ts_node_symbol(n);
    return sym != s->S_boolean_operator && sym != s->S_not_operator &&
           sym != s->S_comparison_operator && sym != s->S_conditional_expression &&
           sym != s->S_lambda && sym != s->S_named_expression && sym != s->S_as_pattern;
}

/* Nodes whose first child is their left operand. */
static int binds_left(const dump_symbols *s, TSSymbol sym)
{
    return sym == s->S_binary_operator || sym == s->S_boolean_operator ||
           sym == s->S_comparison_operator || sym == s->S_conditional_expression ||
           sym == s->S_call || sym == s->S_attribute || sym == s->S_subscript;
}

/* tree-sitter sometimes binds a leading `*` to the first operand only:
 * `*a.b()` as a call of `*a.b`, `*a + b` as `(*a) + b`. When `n` starts
 * with `*` but is no star node itself, the star belongs to all of `n`:
 * write Starred(n) and let the inner list_splat stand for its operand. */
static int lift_star(walk *w, TSNode n, TSSymbol sym, dump_ctx ctx, unsigned allow, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    uint32_t at = ts_node_start_byte(n);
    if (d->src[at] != '*' || d->src[at + 1] == '*' || !binds_left(s, sym))
        return 0;
    TSNode base = n;
    while (!ts_node_is_null(base) && binds_left(s, ts_node_symbol(base)))
        base = ts_node_child(base, 0);
    if (!node_is(d, base, s->S_list_splat))
        return 0;
    if (ts_node_is_null(base) || (!ts_node_is_null(w->lifted) && ts_node_eq(base, w->lifted)))
        return 0;
    if (!(allow & EX_STAR))
        dump_reject(d, n, "cannot use starred expression here");
    else if (!(allow & EX_STAR_ANY) && !bitwise_or_level(d, n))
        dump_reject(d, n, "starred operand needs parentheses here");
    else if (ctx == CTX_DEL && !before(d, 9)) /* as dump_target's `del *a` */
        dump_reject(d, n, "cannot delete starred");
    TSNode saved = w->lifted;
    w->lifted = base;
    tmd_buf_puts(out, "Starred(");
    ex(w, n, ctx, 0, out);
    tmd_buf_puts(out, ", ");
    put_ctx(out, ctx);
    tmd_buf_putc(out, ')');
    w->lifted = saved;
    return 1;
}

/* `(*a)`: tree-sitter makes it a one-element tuple without a comma. 3.8
 * reads it as the starred expression itself; later versions reject it. */
static int starred_in_parens(walk *w, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    dumper *d = w->d;
    if (ts_node_symbol(n) != d->sym->S_tuple)
        return 0;
    size_t count;
    int has_comma;
    count_elements(w, n, &count, &has_comma);
    TSNode only = only_child(n);
    if (count != 1 || has_comma || !node_is(d, only, d->sym->S_list_splat))
        return 0;
    if (!before(d, 9))
        dump_reject(d, n, "cannot use starred expression here");
    ex(w, only, ctx, EX_STAR, out);
    return 1;
}

/* A target: what CPython accepts left of `=`, after `for`/`as`, in `del`. */
static void dump_target(walk *w, TSNode n, dump_ctx ctx, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    TSSymbol sym = ts_node_symbol(n);
    if (sym == s->S_identifier) {
        dump_name(w, n, ctx, out);
    } else if (sym == s->S_attribute) {
        dump_attribute(w, n, ctx, out);
    } else if (sym == s->S_subscript) {
        dump_subscript(w, n, ctx, out);
    } else if (sym == s->S_tuple || sym == s->S_expression_list || sym == s->S_pattern_list ||
               sym == s->S_tuple_pattern) {
        size_t count;
        int has_comma;
        if (starred_in_parens(w, n, ctx, out))
            return;
        count_elements(w, n, &count, &has_comma);
        if (sym == s->S_tuple_pattern && count == 1 && !has_comma) {
            /* `(a) = 1`: parentheses around one target; `(*a) = 1` only in 3.8 */
            TSNode only = only_child(n);
            if (!before(d, 9) && (node_is(d, only, s->S_list_splat_pattern) ||
                                  node_is(d, only, s->S_list_splat)))
                dump_reject(d, n, "cannot use starred expression here");
            ex(w, only, ctx, EX_STAR, out);
            return;
        }
        dump_sequence(w, n, "Tuple", ctx, EX_STAR, out);
    } else if (sym == s->S_list || sym == s->S_list_pattern) {
        dump_sequence(w, n, "List", ctx, EX_STAR, out);
    } else if (sym == s->S_list_splat || sym == s->S_list_splat_pattern) {
        /* 3.8 leaves `del *a` to the compiler; later parsers reject it */
        if (ctx == CTX_DEL && !before(d, 9))
            dump_reject(d, n, "cannot delete starred");
        dump_starred(w, n, ctx, out);
    } else if (sym == s->S_parenthesized_expression) {
        int parens;
        ex(w, unparen(d, n, &parens), ctx, EX_STAR, out);
    } else if (sym == s->S_parenthesized_list_splat) {
        int parens;
        ex(w, unparen(d, only_child(n), &parens), ctx, EX_STAR, out);
    } else if (ts_node_symbol(n) == TS_ERROR_SYMBOL || ts_node_is_missing(n)) {
        dump_inexact(d, n, "tree-sitter could not parse this target");
    } else {
        dump_reject(d, n, ctx == CTX_DEL ? "cannot delete this expression"
                                          : "cannot assign to this expression");
        ex(w, n, CTX_LOAD, EX_WALRUS | EX_STAR | EX_YIELD, out);
    }
}

static void ex(walk *w, TSNode n, dump_ctx ctx, unsigned allow, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    if (d->status == TMD_FP_NO_PARSE)
        return;
    if (ts_node_is_null(n)) {
        dump_inexact(d, n, "expression missing in the syntax tree");
        return;
    }
    if (++d->depth > DUMP_MAX_DEPTH) {
        dump_inexact(d, n, "expression nested too deeply (testmon's dump would overflow)");
        d->depth--;
        return;
    }

    TSSymbol sym = ts_node_symbol(n);
    if (sym == s->S_parenthesized_expression) {
        /* parentheses vanish and make := and yield acceptable inside */
        int parens;
        n = unparen(d, n, &parens);
        sym = ts_node_symbol(n);
        allow = (allow & ~(unsigned)EX_CLUSTER_DONE) | EX_WALRUS | EX_YIELD;
        if (sym == s->S_list_splat && !before(d, 9))
            dump_reject(d, n, "cannot use starred expression here");
        allow |= before(d, 9) ? EX_STAR : 0;
    }
    if (!ts_node_is_null(w->as_lifted) && ts_node_eq(n, w->as_lifted)) {
        /* a with-item's `as` tree-sitter buried in the expression */
        n = ts_node_named_child(n, 0);
        sym = ts_node_symbol(n);
    }
    if (!ts_node_is_null(w->lifted) && ts_node_eq(n, w->lifted)) {
        /* the star was written around the whole expression already */
        n = only_child(n);
        sym = ts_node_symbol(n);
    } else if (lift_star(w, n, sym, ctx, allow, out)) {
        d->depth--;
        return;
    }
    if (ctx != CTX_LOAD) {
        dump_target(w, n, ctx, out);
        d->depth--;
        return;
    }

    if (sym == s->S_identifier) {
        dump_name(w, n, CTX_LOAD, out);
    } else if (sym == s->S_integer || sym == s->S_float) {
        dump_number(d, n, out);
    } else if (sym == s->S_string || sym == s->S_concatenated_string) {
        if (has_fstring(w, n))
            dump_joined_str(d, n, out);
        else
            dump_str_constant(d, n, out);
    } else if (sym == s->S_true) {
        tmd_buf_puts(out, "Constant(True, None)");
    } else if (sym == s->S_false) {
        tmd_buf_puts(out, "Constant(False, None)");
    } else if (sym == s->S_none) {
        tmd_buf_puts(out, "Constant(None, None)");
    } else if (sym == s->S_ellipsis) {
        tmd_buf_puts(out, "Constant(Ellipsis, None)");
    } else if (sym == s->S_attribute) {
        dump_attribute(w, n, CTX_LOAD, out);
    } else if (sym == s->S_call) {
        dump_call(w, n, out);
    } else if (sym == s->S_subscript) {
        dump_subscript(w, n, CTX_LOAD, out);
    } else if (sym == s->S_binary_operator) {
        dump_binop(w, n, allow, out);
    } else if (sym == s->S_unary_operator) {
        dump_unary(w, n, out);
    } else if (sym == s->S_not_operator) {
        dump_not(w, n, out);
    } else if (sym == s->S_boolean_operator) {
        dump_boolop(w, n, out);
    } else if (sym == s->S_comparison_operator) {
        dump_compare(w, n, out);
    } else if (sym == s->S_conditional_expression) {
        dump_ifexp(w, n, allow, out);
    } else if (sym == s->S_lambda) {
        dump_lambda(w, n, out);
    } else if (sym == s->S_named_expression) {
        if (!(allow & EX_WALRUS))
            dump_reject(d, n, "assignment expression needs parentheses here");
        dump_walrus(w, n, out);
    } else if (sym == s->S_await) {
        dump_await(w, n, out);
    } else if (sym == s->S_yield) {
        if (!(allow & EX_YIELD))
            dump_reject(d, n, "yield expression needs parentheses here");
        dump_yield(w, n, out);
    } else if (sym == s->S_list_splat) {
        if (!(allow & EX_STAR))
            dump_reject(d, n, "cannot use starred expression here");
        else if (!(allow & EX_STAR_ANY) && !bitwise_or_level(d, only_child(n)))
            dump_reject(d, n, "starred operand needs parentheses here");
        dump_starred(w, n, CTX_LOAD, out);
    } else if (sym == s->S_list) {
        dump_sequence(w, n, "List", CTX_LOAD, EX_WALRUS | EX_STAR, out);
    } else if (sym == s->S_tuple || sym == s->S_expression_list || sym == s->S_pattern_list) {
        if (!starred_in_parens(w, n, CTX_LOAD, out))
            dump_sequence(w, n, "Tuple", CTX_LOAD, EX_WALRUS | EX_STAR, out);
    } else if (sym == s->S_set) {
        dump_sequence(w, n, "Set", CTX_LOAD, (before(d, 9) ? 0 : EX_WALRUS) | EX_STAR, out);
    } else if (sym == s->S_dictionary) {
        dump_dict(w, n, out);
    } else if (sym == s->S_list_comprehension) {
        dump_comprehension(w, n, "ListComp", out);
    } else if (sym == s->S_set_comprehension) {
        dump_comprehension(w, n, "SetComp", out);
    } else if (sym == s->S_dictionary_comprehension) {
        dump_comprehension(w, n, "DictComp", out);
    } else if (sym == s->S_generator_expression) {
        dump_comprehension(w, n, "GeneratorExp", out);
    } else if (sym == s->S_type) {
        TSNode inner = only_child(n);
        d->depth--;
        ex(w, inner, CTX_LOAD, allow, out);
        return;
    } else if (sym == s->S_generic_type || sym == s->S_union_type || sym == s->S_member_type ||
               sym == s->S_splat_type || sym == s->S_constrained_type) {
        dump_type_node(w, n, allow, out);
    } else if (sym == s->S_as_pattern) {
        /* never valid inside an expression, but tree-sitter also buries a
         * with-item's `as` in its expression (`with lambda: x as y:`) */
        dump_inexact(d, n, "'as' inside an expression");
    } else if (sym == s->S_parenthesized_list_splat) {
        if (!before(d, 9))
            dump_reject(d, n, "cannot use starred expression here");
        int parens;
        ex(w, unparen(d, only_child(n), &parens), CTX_LOAD, EX_STAR, out);
    } else if (ts_node_symbol(n) == TS_ERROR_SYMBOL || ts_node_is_missing(n)) {
        dump_inexact(d, n, "tree-sitter could not parse this expression");
    } else {
        dump_inexact(d, n, "expression of a kind tmdiff does not know");
    }
    d->depth--;
}

/* ---- parameters ----------------------------------------------------------- */

/* `arguments(posonlyargs, args, vararg, kwonlyargs, kw_defaults, kwarg,
 * defaults)` from a def's parameters or a lambda's. The fields are
 * collected into separate buffers since the source interleaves them. */
enum { P_POSONLY, P_ARGS, P_VARARG, P_KWONLY, P_KWDEF, P_KWARG, P_DEFAULTS, P_COUNT };

/* The ERROR child that follows a typed parameter's `type` when it is an
 * annotation tail (see dump_expr_is_annotation_tail), or a null node. */
static TSNode annotation_tail(const dumper *d, TSNode param)
{
    TSNode none = {{0}, NULL, NULL};
    if (!ts_node_has_error(param))
        return none;
    uint32_t n = ts_node_child_count(param);
    for (uint32_t i = 0; i < n; i++) {
        TSNode c = ts_node_child(param, i);
        if (ts_node_symbol(c) == TS_ERROR_SYMBOL)
            return dump_expr_is_annotation_tail(d, c) ? c : none;
    }
    return none;
}

static void put_arg(walk *w, TSNode name, TSNode annotation, TSNode tail, unsigned ann_allow,
                    tmd_buf *out)
{
    dumper *d = w->d;
    check_bindable(d, name);
    if (text_is(d, name, "await") || text_is(d, name, "async"))
        dump_reject(d, name, "async/await are keywords");
    tmd_buf_puts(out, "arg(");
    put_identifier(d, name, out);
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(annotation))
        tmd_buf_puts(out, "None");
    else if (!ts_node_is_null(tail))
        dump_expr_text(d, annotation, ts_node_start_byte(annotation), ts_node_end_byte(tail), out);
    else
        ex(w, annotation, CTX_LOAD, ann_allow, out);
    tmd_buf_puts(out, ", None)");
}

static void args_of_params(walk *w, TSNode params, int is_lambda, tmd_buf *out)
{
    dumper *d = w->d;
    const dump_symbols *s = d->sym;
    if (ts_node_is_null(params)) {
        tmd_buf_puts(out, "arguments(, , None, , , None, )");
        return;
    }
    tmd_buf f[P_COUNT];
    int nf[P_COUNT] = {0};
    for (int i = 0; i < P_COUNT; i++)
        f[i] = (tmd_buf)TMD_BUF_INIT;
    /* state: 0 positional, 1 after * or *args (keyword-only), 2 after **kw */
    int state = 0, seen_slash = 0, seen_default = 0, bare_star = 0, kwonly_after_star = 0;
    TSTreeCursor *c = kids_open(w, params);
    if (!c)
        return;
    for (int ok = kid_first(c); ok; ok = kid_next(c)) {
        TSNode k = ts_tree_cursor_current_node(c);
        if (!ts_node_is_named(k))
            continue;
        TSSymbol ks = ts_node_symbol(k);
        TSNode name = {{0}, NULL, NULL}, ann = {{0}, NULL, NULL}, def = {{0}, NULL, NULL};
        TSNode tail = {{0}, NULL, NULL};
        TSSymbol kind = ks; /* identifier / list_splat_pattern / dictionary_splat_pattern */
        if (state == 2 && ks != s->S_comment) {
            dump_reject(d, k, "parameter after **kwargs");
            continue;
        }
        if (ks == s->S_positional_separator) {
            if (seen_slash || state != 0 || (nf[P_POSONLY] + nf[P_ARGS]) == 0)
                dump_reject(d, k, "misplaced '/'");
            seen_slash = 1;
            /* everything so far was positional-only */
            tmd_buf_put(&f[P_POSONLY], f[P_ARGS].data, f[P_ARGS].len);
            nf[P_POSONLY] = nf[P_ARGS];
            tmd_buf_truncate(&f[P_ARGS], 0);
            nf[P_ARGS] = 0;
            continue;
        }
        if (ks == s->S_keyword_separator) {
            if (state != 0)
                dump_reject(d, k, "misplaced '*'");
            state = 1;
            bare_star = 1;
            continue;
        }
        if (ks == s->S_identifier) {
            name = k;
        } else if (ks == s->S_default_parameter) {
            name = ts_node_child_by_field_id(k, s->F_name);
            def = ts_node_child_by_field_id(k, s->F_value);
            kind = s->S_identifier;
        } else if (ks == s->S_typed_parameter || ks == s->S_typed_default_parameter) {
            if (is_lambda)
                dump_reject(d, k, "lambda parameters cannot be annotated");
            ann = ts_node_child_by_field_id(k, s->F_type);
            tail = annotation_tail(d, k);
            def = ks == s->S_typed_default_parameter ? ts_node_child_by_field_id(k, s->F_value)
                                                      : def;
            if (ks == s->S_typed_default_parameter) {
                name = ts_node_child_by_field_id(k, s->F_name);
                kind = s->S_identifier;
            } else {
                TSNode inner = only_child(k);
                kind = ts_node_is_null(inner) ? 0 : ts_node_symbol(inner);
                name = kind == s->S_identifier ? inner : only_child(inner);
            }
        } else if (ks == s->S_list_splat_pattern || ks == s->S_dictionary_splat_pattern) {
            name = only_child(k);
        } else if (ks == s->S_tuple_pattern) {
            dump_reject(d, k, "tuple parameters are Python 2 syntax");
            continue;
        } else {
            dump_reject(d, k, "unexpected parameter syntax");
            continue;
        }
        if (!node_is(d, name, s->S_identifier)) {
            dump_reject(d, k, "parameter name must be an identifier");
            continue;
        }
        if (kind == s->S_list_splat_pattern) {
            if (state != 0)
                dump_reject(d, k, "misplaced *args");
            state = 1;
            nf[P_VARARG]++;
            /* `*args: *Ts` (3.11+) is the one place a starred annotation goes */
            put_arg(w, name, ann, tail, before(d, 11) ? 0 : EX_STAR, &f[P_VARARG]);
        } else if (kind == s->S_dictionary_splat_pattern) {
            if (bare_star && !kwonly_after_star)
                dump_reject(d, k, "named arguments must follow bare *");
            state = 2;
            nf[P_KWARG]++;
            put_arg(w, name, ann, tail, 0, &f[P_KWARG]);
        } else if (kind == s->S_identifier) {
            int idx = state == 0 ? P_ARGS : P_KWONLY;
            if (nf[idx]++)
                tmd_buf_puts(&f[idx], ", ");
            put_arg(w, name, ann, tail, 0, &f[idx]);
            if (state == 0) {
                if (!ts_node_is_null(def)) {
                    seen_default = 1;
                    if (nf[P_DEFAULTS]++)
                        tmd_buf_puts(&f[P_DEFAULTS], ", ");
                    ex(w, def, CTX_LOAD, 0, &f[P_DEFAULTS]);
                } else if (seen_default) {
                    dump_reject(d, k, "non-default argument follows default argument");
                }
            } else {
                kwonly_after_star = 1;
                if (nf[P_KWDEF]++)
                    tmd_buf_puts(&f[P_KWDEF], ", ");
                if (ts_node_is_null(def))
                    tmd_buf_puts(&f[P_KWDEF], "None");
                else
                    ex(w, def, CTX_LOAD, 0, &f[P_KWDEF]);
            }
        } else {
            dump_reject(d, k, "unexpected parameter syntax");
        }
    }
    kids_close(w);
    if (bare_star && !kwonly_after_star && nf[P_KWARG] == 0)
        dump_reject(d, params, "named arguments must follow bare *");
    if (nf[P_VARARG] > 1 || nf[P_KWARG] > 1)
        dump_reject(d, params, "more than one *args or **kwargs");

    tmd_buf_puts(out, "arguments(");
    for (int i = 0; i < P_COUNT; i++) {
        if (i)
            tmd_buf_puts(out, ", ");
        if ((i == P_VARARG || i == P_KWARG) && nf[i] == 0)
            tmd_buf_puts(out, "None");
        else if (f[i].len)
            tmd_buf_put(out, f[i].data, f[i].len);
        if (f[i].oom)
            out->oom = 1;
        tmd_buf_free(&f[i]);
    }
    tmd_buf_putc(out, ')');
}

/* ---- annotations tree-sitter cannot read ----------------------------------- */

int dump_expr_is_annotation_tail(const dumper *d, TSNode error)
{
    if (ts_node_symbol(error) != TS_ERROR_SYMBOL)
        return 0;
    TSNode prev = ts_node_prev_sibling(error);
    TSNode first = ts_node_child(error, 0);
    if (!node_is(d, prev, d->sym->S_type) || ts_node_is_null(first))
        return 0;
    /* `if` lexed as an identifier or keyword, then the rest of an IfExp */
    size_t len;
    const char *t = dump_text(d, first, &len);
    return len == 2 && !memcmp(t, "if", 2) && ts_node_start_byte(error) >= ts_node_end_byte(prev);
}

void dump_expr_text(dumper *d, TSNode at, uint32_t from, uint32_t to, tmd_buf *out)
{
    tmd_buf snippet = TMD_BUF_INIT;
    tmd_buf_putc(&snippet, '(');
    tmd_buf_put(&snippet, d->src + from, to - from);
    tmd_buf_puts(&snippet, ")\n");
    TSParser *parser = snippet.oom ? NULL : ts_parser_new();
    TSTree *tree = NULL;
    if (parser && ts_parser_set_language(parser, dump_language()))
        tree = ts_parser_parse_string(parser, NULL, snippet.data, (uint32_t)snippet.len);
    TSNode root = tree ? ts_tree_root_node(tree) : (TSNode){{0}, NULL, NULL};
    TSNode stmt = tree ? ts_node_named_child(root, 0) : root;
    TSNode group = ts_node_is_null(stmt) ? stmt : ts_node_named_child(stmt, 0);
    if (!tree) {
        dump_inexact(d, at, "out of memory");
    } else if (ts_node_has_error(root) || ts_node_named_child_count(root) != 1 ||
               !node_is(d, group, d->sym->S_parenthesized_expression) ||
               ts_node_end_byte(group) != snippet.len - 1) {
        dump_inexact(d, at, "annotation tmdiff cannot read");
    } else {
        dumper sub = *d;
        sub.src = snippet.data;
        sub.status = TMD_FP_BLOCKS;
        sub.reason[0] = '\0';
        dump_expr_in(&sub, only_child(group), CTX_LOAD, 0, out);
        if (sub.status == TMD_FP_NO_PARSE)
            dump_reject(d, at, sub.reason);
        else if (sub.status != TMD_FP_BLOCKS)
            dump_inexact(d, at, sub.reason);
    }
    if (tree)
        ts_tree_delete(tree);
    if (parser)
        ts_parser_delete(parser);
    tmd_buf_free(&snippet);
}

/* ---- with-items tree-sitter misreads ---------------------------------------- */

TSNode dump_expr_buried_as(const dumper *d, TSNode value)
{
    const dump_symbols *s = d->sym;
    TSNode none = {{0}, NULL, NULL}, n = value;
    for (int guard = 0; guard < DUMP_MAX_DEPTH && !ts_node_is_null(n); guard++) {
        TSSymbol sym = ts_node_symbol(n);
        if (sym == s->S_as_pattern)
            return ts_node_eq(n, value) ? none : n;
        if (sym != s->S_conditional_expression && sym != s->S_lambda &&
            sym != s->S_boolean_operator && sym != s->S_not_operator)
            return none;
        uint32_t k = ts_node_named_child_count(n);
        if (!k)
            return none;
        n = ts_node_named_child(n, k - 1);
        if (ts_node_is_extra(n))
            return none;
    }
    return none;
}

void dump_expr_without_as(dumper *d, TSNode value, TSNode as_node, tmd_buf *out)
{
    if (subtree_broken(d, value))
        return;
    walk w;
    walk_init(&w, d);
    w.as_lifted = as_node;
    ex(&w, value, CTX_LOAD, 0, out);
    walk_free(&w);
}

/* ---- entry points --------------------------------------------------------- */

/* What a statement-level slot allows. tree-sitter only puts a bare yield
 * where CPython takes it too (expression statements, assignment values),
 * so yield is always fine here. The parent statement is looked up (an
 * O(depth * siblings) walk in tree-sitter 0.20) only for the rare bare
 * `:=` or `*x`, and for 3.8's `for x in *a, b`. */
static unsigned slot_allows(dumper *d, TSNode n)
{
    const dump_symbols *s = d->sym;
    TSSymbol sym = ts_node_symbol(n);
    unsigned allow = EX_YIELD;
    if (sym == s->S_type) /* annotations: `x: *b` is an error */
        return 0;
    if (sym == s->S_expression_list) {
        if (!before(d, 9)) /* the elements get EX_STAR from the tuple */
            return allow;
        int starred = 0;
        TSTreeCursor c = ts_tree_cursor_new(n);
        for (int ok = kid_first(&c); ok && !starred; ok = kid_next(&c))
            starred = d->src[ts_node_start_byte(ts_tree_cursor_current_node(&c))] == '*';
        ts_tree_cursor_delete(&c);
        if (!starred)
            return allow;
    } else if (sym != s->S_named_expression && sym != s->S_list_splat &&
               d->src[ts_node_start_byte(n)] != '*' &&
               /* `if x := a if b else c:` (tree-sitter nests it: dump_ifexp) */
               !(sym == s->S_conditional_expression &&
                 ts_node_symbol(ts_node_named_child(n, 0)) == s->S_named_expression)) {
        return allow;
    }
    TSNode parent = ts_node_parent(n);
    TSSymbol ps = ts_node_is_null(parent) ? 0 : ts_node_symbol(parent);
    if (ps == s->S_if_statement || ps == s->S_elif_clause || ps == s->S_while_statement ||
        ps == s->S_match_statement || (ps == s->S_decorator && !before(d, 9)))
        allow |= EX_WALRUS;
    /* `x = *a`, `return *a` pass the parser (the compiler objects);
     * `x += *a` and `for x in *a` only from 3.9 */
    if (ps == s->S_assignment || ps == s->S_return_statement || ps == s->S_expression_statement)
        allow |= EX_STAR;
    if ((ps == s->S_augmented_assignment || ps == s->S_for_statement) && !before(d, 9))
        allow |= EX_STAR;
    if (sym == s->S_expression_list && ps == s->S_for_statement)
        dump_reject(d, n, "starred iterable in for needs Python 3.9");
    return allow;
}

/* tree-sitter recovered from an error somewhere below `n`: the dump
 * cannot be trusted (the caller decides whether CPython rejects it). */
static int subtree_broken(dumper *d, TSNode n)
{
    if (ts_node_is_null(n) || !ts_node_has_error(n))
        return 0;
    dump_inexact(d, n, "tree-sitter could not parse this expression");
    return 1;
}

void dump_expr_in(dumper *d, TSNode expr, dump_ctx ctx, unsigned allow, tmd_buf *out)
{
    if (subtree_broken(d, expr))
        return;
    walk w;
    walk_init(&w, d);
    ex(&w, expr, ctx, allow, out);
    walk_free(&w);
}

void dump_expr(dumper *d, TSNode expr, dump_ctx ctx, tmd_buf *out)
{
    /* 3.8 takes `with a as *b` for an error (its target is an `expr`) */
    if (ctx == CTX_STORE && before(d, 9) && !ts_node_is_null(expr) &&
        d->src[ts_node_start_byte(expr)] == '*') {
        TSNode parent = ts_node_parent(expr);
        if (!ts_node_is_null(parent) && ts_node_symbol(parent) != d->sym->S_for_statement &&
            ts_node_symbol(parent) != d->sym->S_assignment &&
            ts_node_symbol(parent) != d->sym->S_for_in_clause)
            dump_reject(d, expr, "starred with-target needs Python 3.9");
    }
    dump_expr_in(d, expr, ctx, ctx == CTX_LOAD ? slot_allows(d, expr) : EX_STAR, out);
}

/* Every error under `params` is an annotation tail we read from text. */
static int params_repairable(const dumper *d, TSNode params)
{
    uint32_t n = ts_node_child_count(params);
    for (uint32_t i = 0; i < n; i++) {
        TSNode c = ts_node_child(params, i);
        if (!ts_node_has_error(c))
            continue;
        TSSymbol cs = ts_node_symbol(c);
        if (cs != d->sym->S_typed_parameter && cs != d->sym->S_typed_default_parameter)
            return 0;
        TSNode tail = annotation_tail(d, c);
        if (ts_node_is_null(tail))
            return 0;
        /* nothing else in the parameter may be broken */
        uint32_t m = ts_node_child_count(c);
        for (uint32_t j = 0; j < m; j++) {
            TSNode g = ts_node_child(c, j);
            if (!ts_node_eq(g, tail) && ts_node_has_error(g))
                return 0;
        }
    }
    return 1;
}

void dump_arguments(dumper *d, TSNode params, tmd_buf *out)
{
    if (ts_node_has_error(params) && !params_repairable(d, params) && subtree_broken(d, params))
        return;
    walk w;
    walk_init(&w, d);
    args_of_params(&w, params, 0, out);
    walk_free(&w);
}

void dump_call_arguments(dumper *d, TSNode argument_list, tmd_buf *args, tmd_buf *keywords)
{
    if (subtree_broken(d, argument_list))
        return;
    walk w;
    walk_init(&w, d);
    if (ts_node_symbol(argument_list) == d->sym->S_argument_list)
        call_arguments(&w, argument_list, args, keywords);
    else
        dump_inexact(d, argument_list, "class arguments of unknown shape");
    walk_free(&w);
}
