/* dump_star_tuple.c: tuples tree-sitter-python 0.23 cannot read.
 *
 * Without parentheses, a tuple whose first item is a star before anything
 * but a name (`match *[a], b:`, `x = *(a), b`, `return *-a, b`) breaks its
 * grammar (`match *[a]` even becomes a multiplication). CPython reads the
 * same Tuple when the parentheses are written out, so fingerprint.c parses
 * the text again with them added, one tuple at a time, and keeps the result
 * only when the new tree holds exactly that tuple where it belongs.
 *
 * The tuple's end is found over tree-sitter's tokens (strings are single
 * tokens there): the ':' of `match`, or the end of the logical line after
 * `=` and `return`. Anything that would make the parenthesized form mean
 * more than the bare one (a lambda's ':', `:=` outside match, a second
 * `=`, a comment, a backslash continuation) leaves the file as it was:
 * inexact. Runs only on trees with errors whose dump came out inexact. */
#include "dump_common.h"
#include "dump_symbols.h"

#include <stdlib.h>
#include <string.h>

enum { MODE_NONE, MODE_MATCH, MODE_VALUE };

typedef struct scan {
    const dumper *d;
    const char *text;
    int mode;            /* what the tuple we follow stands after */
    int depth;           /* brackets open since the tuple began */
    int comma;           /* a top-level comma seen in it */
    int star;            /* a top-level item starting with `*` seen in it */
    int done;            /* 1 found, -1 given up */
    uint32_t from, to;   /* the tuple's text */
    TSNode prev, prev2;  /* the last two tokens */
    TSNode last;         /* the tuple's last token so far */
    dump_span *spans;    /* tuples found, in the original text */
    unsigned nspans, max_spans;
} scan;

/* A token: a leaf with text, or a whole string (its insides are text). */
static int is_token(const dumper *d, TSNode n)
{
    if (ts_node_end_byte(n) == ts_node_start_byte(n))
        return 0; /* indent, dedent, a MISSING node */
    char c = d->src[ts_node_start_byte(n)];
    return c != '\n' && c != '\r' && c != ' ' && c != '\t'; /* _newline */
}

static int text_is(const scan *s, TSNode n, const char *word)
{
    size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
    return len == strlen(word) && !memcmp(s->text + ts_node_start_byte(n), word, len);
}

/* `n` starts a line: the token before it (a string may span lines) ends
 * on an earlier one. */
static int first_on_line(TSNode n, TSNode before)
{
    return ts_node_is_null(before) || ts_node_end_point(before).row < ts_node_start_point(n).row;
}

/* A token that may begin such a tuple: after `=`, `return`, `yield`, or a
 * `match` that starts its line. */
static int opening_mode(const scan *s)
{
    const dump_symbols *y = s->d->sym;
    if (ts_node_is_null(s->prev))
        return MODE_NONE;
    TSSymbol p = ts_node_symbol(s->prev);
    if (p == y->A_assign || p == y->A_return || p == y->A_yield)
        return MODE_VALUE;
    if (s->d->dialect->minor >= 10 && text_is(s, s->prev, "match") && first_on_line(s->prev, s->prev2))
        return MODE_MATCH;
    return MODE_NONE;
}

/* The tuple ends before `n` (a token on a later line, `;`, a comment, the
 * end): fine for a value, not for a match subject (its ':' is missing). */
static void end_value(scan *s)
{
    if (s->mode != MODE_VALUE || !s->comma || !s->star || ts_node_is_null(s->last)) {
        s->done = -1;
        return;
    }
    /* a backslash continuation inside the tuple: not worth the risk */
    for (uint32_t i = s->from; i < ts_node_end_byte(s->last); i++)
        if (s->text[i] == '\\' && s->text[i + 1] == '\n') {
            s->done = -1;
            return;
        }
    s->to = ts_node_end_byte(s->last);
    s->done = 1;
}

/* One token after the star (the star itself included). */
static void follow(scan *s, TSNode n)
{
    const dump_symbols *y = s->d->sym;
    TSSymbol t = ts_node_symbol(n);
    int new_line = !ts_node_is_null(s->last) && first_on_line(n, s->last);
    if (s->depth == 0 && (new_line || t == y->A_semicolon || t == y->S_comment)) {
        end_value(s);
        return;
    }
    if (t == y->S_comment || t == y->A_lambda || t == y->A_yield || (new_line && s->mode == MODE_MATCH)) {
        s->done = -1;
        return;
    }
    if (s->depth == 0 && t == y->A_star &&
        (ts_node_is_null(s->last) || ts_node_symbol(s->last) == y->A_comma))
        s->star = 1;
    if (t == y->A_lparen || t == y->A_lbracket || t == y->A_lbrace) {
        s->depth++;
    } else if (t == y->A_rparen || t == y->A_rbracket || t == y->A_rbrace) {
        if (--s->depth < 0)
            s->done = -1;
    } else if (s->depth == 0) {
        if (t == y->A_comma) {
            s->comma = 1;
        } else if (t == y->A_colon) {
            if (s->mode != MODE_MATCH || !s->comma || !s->star) {
                s->done = -1;
                return;
            }
            s->to = ts_node_end_byte(s->last);
            s->done = 1;
            return;
        } else if (t == y->A_assign || (t == y->A_walrus && s->mode == MODE_VALUE)) {
            s->done = -1; /* a target after all, or `(b := 1)` allowed only inside */
            return;
        }
    }
    s->last = n;
}

static void token(scan *s, TSNode n)
{
    if (s->mode == MODE_NONE && (s->mode = opening_mode(s)) != MODE_NONE) {
        s->from = ts_node_start_byte(n);
        s->depth = s->comma = s->star = 0;
        s->last = (TSNode){{0}, NULL, NULL};
    }
    if (s->mode != MODE_NONE) {
        follow(s, n);
        if (s->done > 0 && s->nspans < s->max_spans)
            s->spans[s->nspans++] = (dump_span){s->from, s->to};
        if (s->done)
            s->mode = MODE_NONE; /* look on: the next one may work */
        s->done = 0;
    }
    s->prev2 = s->prev;
    s->prev = n;
}

/* Walks the tokens of `root`, gathering tuples. */
static void find_tuples(scan *s, TSNode root)
{
    const dump_symbols *y = s->d->sym;
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        TSSymbol t = ts_node_symbol(n);
        int atom = t == y->S_string || t == y->S_concatenated_string || ts_node_child_count(n) == 0;
        if (atom && is_token(s->d, n)) {
            token(s, n);
            if (s->nspans == s->max_spans)
                break;
        }
        if (!dump_cursor_step(&c, !atom))
            break;
    }
    ts_tree_cursor_delete(&c);
    if (s->mode == MODE_VALUE && s->nspans < s->max_spans) {
        end_value(s); /* the file ends with the tuple */
        if (s->done > 0)
            s->spans[s->nspans++] = (dump_span){s->from, s->to};
    }
}

char *dump_star_tuple_fix(const dumper *d, TSNode root, size_t len, size_t *out_len, dump_span *spans,
                          unsigned max_spans, unsigned *nspans)
{
    scan s;
    memset(&s, 0, sizeof s);
    s.d = d;
    s.text = d->src;
    s.spans = spans;
    s.max_spans = max_spans;
    find_tuples(&s, root);
    *nspans = s.nspans;
    if (!s.nspans)
        return NULL;
    char *out = malloc(len + 2 * (size_t)s.nspans + 1);
    if (!out)
        return NULL;
    size_t o = 0, at = 0;
    for (unsigned k = 0; k < s.nspans; k++) {
        dump_span *sp = &spans[k];
        memcpy(out + o, d->src + at, sp->from - at);
        o += sp->from - at;
        out[o++] = '(';
        memcpy(out + o, d->src + sp->from, sp->to - sp->from);
        o += sp->to - sp->from;
        out[o++] = ')';
        at = sp->to;
        /* where the parenthesized tuple lies in the new text */
        sp->from += 2 * k;
        sp->to += 2 * k + 2;
    }
    memcpy(out + o, d->src + at, len - at);
    o += len - at;
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* The tuple at [sp->from, sp->to) of the new text, parsed cleanly in its
 * place: a match subject, an assigned, returned or yielded value. */
static int fixed_one(const dumper *d, TSNode root, const dump_span *sp)
{
    const dump_symbols *y = d->sym;
    TSNode paren = ts_node_descendant_for_byte_range(root, sp->from, sp->from + 1);
    TSNode tuple = ts_node_is_null(paren) ? paren : ts_node_parent(paren);
    if (ts_node_is_null(tuple) || ts_node_symbol(paren) != y->A_lparen || ts_node_symbol(tuple) != y->S_tuple ||
        ts_node_start_byte(tuple) != sp->from || ts_node_end_byte(tuple) != sp->to || ts_node_has_error(tuple))
        return 0;
    TSNode owner = ts_node_parent(tuple);
    if (ts_node_is_null(owner))
        return 0;
    TSSymbol o = ts_node_symbol(owner);
    if (o == y->S_match_statement)
        return ts_node_eq(ts_node_child_by_field_id(owner, y->F_subject), tuple);
    if (o == y->S_assignment)
        return ts_node_eq(ts_node_child_by_field_id(owner, y->F_right), tuple);
    return (o == y->S_return_statement || o == y->S_yield) && ts_node_eq(dump_first_named(owner), tuple);
}

int dump_star_tuple_fixed(const dumper *d, TSNode root, const dump_span *spans, unsigned nspans)
{
    for (unsigned k = 0; k < nspans; k++)
        if (!fixed_one(d, root, &spans[k]))
            return 0;
    return 1;
}
