/* dump_pattern.c: match-statement patterns (PEP 634) as CPython's ast dump:
 * MatchValue, MatchSingleton, MatchSequence, MatchMapping, MatchClass,
 * MatchStar, MatchAs, MatchOr. tree-sitter's pattern nodes keep a leading
 * "-" as a separate token beside the number, so values are read as short
 * runs of siblings. */
#include "dump_common.h"
#include "dump_symbols.h"
#include "pyliteral.h"

#include <string.h>

/* A run of sibling pattern nodes: tree-sitter keeps a leading "-" as a
 * token beside its number, so one pattern may span two siblings. */
typedef struct prun {
    dump_kids k;
    TSNode cur; /* null at the end */
} prun;

static void prun_start(prun *r, TSNode parent)
{
    r->k = dump_kids_of(parent);
    r->cur = dump_kids_next(&r->k);
}

static void prun_single(prun *r, TSNode n)
{
    r->k = dump_kids_of((TSNode){0});
    r->cur = n;
}

static void prun_next(prun *r) { r->cur = dump_kids_next(&r->k); }

static void dump_pattern_run(dumper *d, prun *r, tmd_buf *out);

static int is_imaginary(const dumper *d, TSNode num)
{
    size_t len;
    const char *t = dump_text(d, num, &len);
    return len > 0 && (t[len - 1] == 'j' || t[len - 1] == 'J');
}

static void dump_number(dumper *d, TSNode num, tmd_buf *out)
{
    size_t len;
    const char *t = dump_text(d, num, &len);
    char why[LIT_WHY_SIZE] = "";
    tmd_buf_puts(out, "Constant(");
    int rc = lit_repr_number(out, t, len, d->dialect, why);
    if (rc == LIT_SYNTAX)
        dump_reject(d, num, why[0] ? why : "invalid number");
    else if (rc != LIT_OK)
        dump_inexact(d, num, why[0] ? why : "number");
    tmd_buf_puts(out, ", None)");
}

/* Constant(...) of a string or implicitly concatenated strings; f-strings are
 * not allowed in patterns. */
static void dump_string_constant(dumper *d, TSNode n, tmd_buf *out)
{
    lit_str acc;
    memset(&acc, 0, sizeof acc);
    char why[LIT_WHY_SIZE] = "";
    int rc = LIT_OK;
    int concatenated = ts_node_symbol(n) == d->sym->S_concatenated_string;
    dump_kids pieces = dump_kids_of(concatenated ? n : (TSNode){0});
    TSNode piece = concatenated ? dump_kids_next(&pieces) : n;
    for (; rc == LIT_OK && !ts_node_is_null(piece); piece = dump_kids_next(&pieces)) {
        if (ts_node_symbol(piece) != d->sym->S_string)
            continue;
        size_t len, plen = 0;
        const char *t = dump_text(d, piece, &len);
        int flags = lit_prefix_flags(t, len, &plen);
        if (flags < 0) {
            dump_reject(d, piece, "invalid string prefix");
            lit_str_free(&acc);
            return;
        }
        if (flags & LIT_P_F) {
            /* the parser lets f-strings through; the compiler refuses them */
            lit_str_free(&acc);
            dump_joined_str(d, n, out);
            return;
        }
        rc = lit_str_append_token(&acc, t, len, d->dialect, why);
    }
    if (rc == LIT_OK)
        rc = lit_dump_constant(out, &acc, d->dialect, why);
    if (rc == LIT_SYNTAX)
        dump_reject(d, n, why[0] ? why : "invalid string literal");
    else if (rc != LIT_OK)
        dump_inexact(d, n, why[0] ? why : "string literal");
    lit_str_free(&acc);
}

/* Name('a', Load()) / Attribute(...(Name('a', Load()), 'b', Load())...) of
 * a dotted_name: a value pattern's or class pattern's expression. */
static void dump_dotted_expr(dumper *d, TSNode dotted, tmd_buf *out)
{
    unsigned parts = 0;
    DUMP_EACH_CHILD(dotted, c)
        parts += ts_node_symbol(c) == d->sym->S_identifier;
    if (parts == 0) {
        dump_inexact(d, dotted, "empty dotted name");
        return;
    }
    for (unsigned i = 1; i < parts; i++)
        tmd_buf_puts(out, "Attribute(");
    unsigned i = 0;
    DUMP_EACH_CHILD(dotted, c) {
        if (ts_node_symbol(c) != d->sym->S_identifier)
            continue;
        if (i++ == 0) {
            tmd_buf_puts(out, "Name(");
            dump_name_repr(d, c, out);
            tmd_buf_puts(out, ", Load())");
        } else {
            tmd_buf_puts(out, ", ");
            dump_name_repr(d, c, out);
            tmd_buf_puts(out, ", Load())");
        }
    }
}

static unsigned dotted_parts(const dumper *d, TSNode dotted)
{
    unsigned parts = 0;
    DUMP_EACH_CHILD(dotted, c)
        parts += ts_node_symbol(c) == d->sym->S_identifier;
    return parts;
}

/* The expression of a literal or value pattern starting at r->cur (a "-"
 * token may precede a number), advancing past it. Returns 0 and writes
 * nothing if r->cur starts no value (then the caller decides). `key` allows
 * None/True/False as Constant (mapping keys). */
static int dump_value_expr(dumper *d, prun *r, int key, tmd_buf *out)
{
    const dump_symbols *s = d->sym;
    TSNode n = r->cur;
    TSSymbol sym = ts_node_symbol(n);
    if (sym == s->A_minus) {
        prun_next(r);
        TSNode num = r->cur;
        if (ts_node_is_null(num) ||
            (ts_node_symbol(num) != s->S_integer && ts_node_symbol(num) != s->S_float)) {
            dump_inexact(d, n, "minus sign without a number in a pattern");
            return 1;
        }
        tmd_buf_puts(out, "UnaryOp(USub(), ");
        dump_number(d, num, out);
        tmd_buf_putc(out, ')');
        prun_next(r);
        return 1;
    }
    if (sym == s->S_integer || sym == s->S_float) {
        dump_number(d, n, out);
    } else if (sym == s->S_string || sym == s->S_concatenated_string) {
        dump_string_constant(d, n, out);
    } else if (sym == s->S_complex_pattern) {
        /* [-] real (+|-) imaginary */
        dump_kids parts = dump_kids_of(n);
        TSNode c = dump_kids_next(&parts);
        int neg = ts_node_symbol(c) == s->A_minus;
        if (neg)
            c = dump_kids_next(&parts);
        TSNode real = c, op = dump_kids_next(&parts), imag = dump_kids_next(&parts);
        if (ts_node_is_null(imag) || ts_node_is_null(real)) {
            dump_inexact(d, n, "complex pattern");
            return 1;
        }
        if (is_imaginary(d, real)) {
            dump_reject(d, real, "real number required in complex literal");
            return 1;
        }
        if (!is_imaginary(d, imag)) {
            dump_reject(d, imag, "imaginary number required in complex literal");
            return 1;
        }
        tmd_buf_puts(out, "BinOp(");
        if (neg)
            tmd_buf_puts(out, "UnaryOp(USub(), ");
        dump_number(d, real, out);
        if (neg)
            tmd_buf_putc(out, ')');
        tmd_buf_puts(out, ts_node_symbol(op) == s->A_minus ? ", Sub(), " : ", Add(), ");
        dump_number(d, imag, out);
        tmd_buf_putc(out, ')');
    } else if (sym == s->S_dotted_name && dotted_parts(d, n) > 1) {
        dump_dotted_expr(d, n, out);
    } else if (key && (sym == s->S_none || sym == s->S_true || sym == s->S_false)) {
        tmd_buf_puts(out, sym == s->S_none ? "Constant(None, None)"
                          : sym == s->S_true ? "Constant(True, None)" : "Constant(False, None)");
    } else {
        return 0;
    }
    prun_next(r);
    return 1;
}

/* The one named child of `n` (skipping tokens), or a null node. */
static TSNode first_named(TSNode n)
{
    DUMP_EACH_CHILD(n, c)
        if (ts_node_is_named(c))
            return c;
    return (TSNode){0};
}

/* MatchStar of `*name` / `*_`; `**` only belongs in mappings. */
static void dump_star(dumper *d, TSNode splat, tmd_buf *out)
{
    TSNode tok = dump_first_child(splat);
    if (ts_node_symbol(tok) != d->sym->A_star) {
        dump_reject(d, splat, "** in a sequence pattern");
        return;
    }
    TSNode name = first_named(splat);
    tmd_buf_puts(out, "MatchStar(");
    if (ts_node_is_null(name))
        tmd_buf_puts(out, "None");
    else
        dump_name_repr(d, name, out);
    tmd_buf_putc(out, ')');
}

/* An item of a sequence pattern: the only place `*name` may appear. */
void dump_pattern_seq_item(dumper *d, TSNode item, tmd_buf *out)
{
    TSNode inner = ts_node_symbol(item) == d->sym->S_case_pattern ? first_named(item) : item;
    if (!ts_node_is_null(inner) && ts_node_symbol(inner) == d->sym->S_splat_pattern &&
        ts_node_named_child_count(item) == 1)
        dump_star(d, inner, out);
    else
        dump_pattern(d, item, out);
}

/* MatchSequence(p, ...) of a list_pattern or tuple_pattern; `(p)` is p. */
static void dump_sequence(dumper *d, TSNode n, int is_tuple, tmd_buf *out)
{
    unsigned count = 0;
    int comma = 0;
    TSNode only = {0};
    DUMP_EACH_CHILD(n, c) {
        if (ts_node_symbol(c) == d->sym->A_comma)
            comma = 1;
        else if (ts_node_is_named(c)) {
            count++;
            only = c;
        }
    }
    if (is_tuple && count == 1 && !comma) {
        dump_pattern(d, only, out); /* a group pattern */
        return;
    }
    tmd_buf_puts(out, "MatchSequence(");
    int first = 1;
    DUMP_EACH_CHILD(n, c)
        if (ts_node_is_named(c)) {
            dump_put_sep(out, &first);
            dump_pattern_seq_item(d, c, out);
        }
    tmd_buf_putc(out, ')');
}

/* MatchMapping(keys, patterns, rest) */
static void dump_mapping(dumper *d, TSNode n, tmd_buf *out)
{
    tmd_buf keys = TMD_BUF_INIT, pats = TMD_BUF_INIT;
    TSNode rest = {0};
    int kfirst = 1, pfirst = 1;
    prun r;
    prun_start(&r, n);
    while (!ts_node_is_null(r.cur)) {
        TSNode c = r.cur;
        TSSymbol s = ts_node_symbol(c);
        if (!ts_node_is_named(c) && s != d->sym->A_minus) {
            prun_next(&r);
            continue;
        }
        if (!ts_node_is_null(rest)) {
            dump_reject(d, c, "double star pattern must be last");
            break;
        }
        if (s == d->sym->S_splat_pattern) {
            TSNode tok = dump_first_child(c);
            TSNode name = first_named(c);
            if (ts_node_symbol(tok) != d->sym->A_starstar || ts_node_is_null(name) ||
                dump_text_is(d, name, "_")) {
                dump_reject(d, c, "invalid rest pattern in a mapping pattern");
                break;
            }
            rest = name;
            prun_next(&r);
            continue;
        }
        /* key: a value expression (possibly "-" number), then ":" value */
        dump_put_sep(&keys, &kfirst);
        if (!dump_value_expr(d, &r, 1, &keys)) {
            dump_reject(d, c, "mapping pattern keys may only match literals and attribute lookups");
            break;
        }
        while (!ts_node_is_null(r.cur) && !ts_node_is_named(r.cur))
            prun_next(&r); /* ":" */
        if (ts_node_is_null(r.cur)) {
            dump_inexact(d, n, "mapping pattern without a value");
            break;
        }
        dump_put_sep(&pats, &pfirst);
        dump_pattern(d, r.cur, &pats);
        prun_next(&r);
    }
    if (keys.oom || pats.oom)
        dump_inexact(d, n, DUMP_OOM_REASON);
    tmd_buf_puts(out, "MatchMapping(");
    tmd_buf_put(out, keys.data, keys.len);
    tmd_buf_puts(out, ", ");
    tmd_buf_put(out, pats.data, pats.len);
    tmd_buf_puts(out, ", ");
    if (ts_node_is_null(rest))
        tmd_buf_puts(out, "None");
    else
        dump_name_repr(d, rest, out);
    tmd_buf_putc(out, ')');
    tmd_buf_free(&keys);
    tmd_buf_free(&pats);
}

/* keyword_pattern children: name "=" value, the value maybe "-" number */
static void dump_keyword_value(dumper *d, TSNode kw, tmd_buf *attrs, tmd_buf *kpats)
{
    prun r;
    prun_start(&r, kw);
    TSNode name = r.cur;
    prun_next(&r);
    while (!ts_node_is_null(r.cur) && ts_node_symbol(r.cur) == d->sym->A_assign)
        prun_next(&r);
    dump_name_repr(d, name, attrs);
    if (ts_node_is_null(r.cur))
        dump_inexact(d, kw, "keyword pattern without a value");
    else
        dump_pattern_run(d, &r, kpats);
}

/* MatchClass(cls, patterns, kwd_attrs, kwd_patterns) */
static void dump_class_pattern(dumper *d, TSNode n, tmd_buf *out)
{
    tmd_buf attrs = TMD_BUF_INIT, kpats = TMD_BUF_INIT;
    int first = 1, afirst = 1, kfirst = 1, seen_kw = 0, seen_cls = 0;
    TSNode cls = first_named(n);
    tmd_buf_puts(out, "MatchClass(");
    dump_dotted_expr(d, cls, out);
    tmd_buf_puts(out, ", ");
    DUMP_EACH_CHILD(n, c) {
        if (!ts_node_is_named(c))
            continue;
        if (!seen_cls) { /* the class name itself */
            seen_cls = 1;
            continue;
        }
        TSNode kw = first_named(c);
        if (!ts_node_is_null(kw) && ts_node_symbol(kw) == d->sym->S_keyword_pattern) {
            seen_kw = 1;
            dump_put_sep(&attrs, &afirst);
            dump_put_sep(&kpats, &kfirst);
            dump_keyword_value(d, kw, &attrs, &kpats);
        } else {
            if (seen_kw) {
                dump_reject(d, c, "positional patterns follow keyword patterns");
                break;
            }
            dump_put_sep(out, &first);
            dump_pattern(d, c, out);
        }
    }
    if (attrs.oom || kpats.oom)
        dump_inexact(d, n, DUMP_OOM_REASON);
    tmd_buf_puts(out, ", ");
    tmd_buf_put(out, attrs.data, attrs.len);
    tmd_buf_puts(out, ", ");
    tmd_buf_put(out, kpats.data, kpats.len);
    tmd_buf_putc(out, ')');
    tmd_buf_free(&attrs);
    tmd_buf_free(&kpats);
}

/* One pattern starting at r->cur among siblings (closed patterns and
 * union_pattern members are not wrapped in case_pattern), advancing r. */
static void dump_pattern_run(dumper *d, prun *r, tmd_buf *out)
{
    const dump_symbols *s = d->sym;
    TSNode n = r->cur;
    TSSymbol sym = ts_node_symbol(n);
    if (sym == s->S_case_pattern) {
        prun_next(r);
        dump_pattern(d, n, out);
        return;
    }
    size_t mark = out->len;
    tmd_buf_puts(out, "MatchValue(");
    if (dump_value_expr(d, r, 0, out)) {
        tmd_buf_putc(out, ')');
        return;
    }
    tmd_buf_truncate(out, mark);
    prun_next(r);
    if (sym == s->S_none || sym == s->S_true || sym == s->S_false) {
        tmd_buf_puts(out, sym == s->S_none ? "MatchSingleton(None)"
                          : sym == s->S_true ? "MatchSingleton(True)" : "MatchSingleton(False)");
    } else if (sym == s->S_dotted_name) {
        TSNode name = first_named(n);
        if (dump_text_is(d, name, "_")) {
            tmd_buf_puts(out, "MatchAs(None, None)");
        } else {
            tmd_buf_puts(out, "MatchAs(None, ");
            dump_name_repr(d, name, out);
            tmd_buf_putc(out, ')');
        }
    } else if (sym == s->A__) {
        tmd_buf_puts(out, "MatchAs(None, None)");
    } else if (sym == s->S_union_pattern) {
        tmd_buf_puts(out, "MatchOr(");
        int first = 1;
        prun u;
        prun_start(&u, n);
        while (!ts_node_is_null(u.cur)) {
            if (ts_node_symbol(u.cur) == s->A_pipe) {
                prun_next(&u);
                continue;
            }
            dump_put_sep(out, &first);
            dump_pattern_run(d, &u, out);
        }
        tmd_buf_putc(out, ')');
    } else if (sym == s->S_list_pattern || sym == s->S_tuple_pattern) {
        dump_sequence(d, n, sym == s->S_tuple_pattern, out);
    } else if (sym == s->S_dict_pattern) {
        dump_mapping(d, n, out);
    } else if (sym == s->S_class_pattern) {
        dump_class_pattern(d, n, out);
    } else if (sym == s->S_splat_pattern) {
        dump_reject(d, n, "star pattern outside a sequence pattern");
    } else if (sym == s->S_as_pattern) {
        TSNode inner = first_named(n);
        TSNode name = dump_nth_named(n, 1);
        if (ts_node_is_null(inner) || ts_node_is_null(name) || ts_node_symbol(name) != s->S_identifier) {
            dump_inexact(d, n, "as-pattern form tmdiff does not know");
            return;
        }
        if (dump_text_is(d, name, "_")) {
            dump_reject(d, name, "cannot use '_' as a target");
            return;
        }
        tmd_buf_puts(out, "MatchAs(");
        dump_pattern(d, inner, out);
        tmd_buf_puts(out, ", ");
        dump_name_repr(d, name, out);
        tmd_buf_putc(out, ')');
    } else if (sym == s->S_keyword_pattern) {
        dump_reject(d, n, "keyword pattern outside a class pattern");
    } else {
        dump_inexact(d, n, "pattern form tmdiff does not know");
    }
}

void dump_pattern(dumper *d, TSNode pattern, tmd_buf *out)
{
    if (++d->depth > DUMP_MAX_DEPTH) {
        dump_inexact(d, pattern, "pattern nested too deeply for testmon's recursive dump");
        d->depth--;
        return;
    }
    prun r;
    if (ts_node_symbol(pattern) == d->sym->S_case_pattern)
        prun_start(&r, pattern);
    else
        prun_single(&r, pattern);
    if (ts_node_is_null(r.cur)) {
        dump_inexact(d, pattern, "empty pattern");
    } else {
        dump_pattern_run(d, &r, out);
        if (!ts_node_is_null(r.cur))
            dump_inexact(d, r.cur, "pattern with trailing parts");
    }
    d->depth--;
}
