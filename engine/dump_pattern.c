/* dump_pattern.c: match-statement patterns (PEP 634) as CPython's ast dump:
 * MatchValue, MatchSingleton, MatchSequence, MatchMapping, MatchClass,
 * MatchStar, MatchAs, MatchOr. tree-sitter's pattern nodes keep a leading
 * "-" as a separate token beside the number, so values are read as short
 * runs of siblings. */
#include "dump_common.h"
#include "dump_symbols.h"
#include "pyliteral.h"

#include <string.h>

static void dump_pattern_run(dumper *d, TSNode *at, tmd_buf *out);

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
    TSNode only = n;
    int concatenated = ts_node_symbol(n) == d->sym->S_concatenated_string;
    TSNode piece = concatenated ? dump_first_child(n) : only;
    for (; rc == LIT_OK && !ts_node_is_null(piece); piece = concatenated ? dump_next(piece) : (TSNode){0}) {
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
    for (TSNode c = dump_first_child(dotted); !ts_node_is_null(c); c = dump_next(c))
        parts += ts_node_symbol(c) == d->sym->S_identifier;
    if (parts == 0) {
        dump_inexact(d, dotted, "empty dotted name");
        return;
    }
    for (unsigned i = 1; i < parts; i++)
        tmd_buf_puts(out, "Attribute(");
    unsigned i = 0;
    for (TSNode c = dump_first_child(dotted); !ts_node_is_null(c); c = dump_next(c)) {
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
    for (TSNode c = dump_first_child(dotted); !ts_node_is_null(c); c = dump_next(c))
        parts += ts_node_symbol(c) == d->sym->S_identifier;
    return parts;
}

/* The expression of a literal or value pattern starting at *at (a "-" token
 * may precede a number), advancing *at past it. Returns 0 and writes
 * nothing if *at starts no value (then the caller decides). `key` allows
 * None/True/False as Constant (mapping keys). */
static int dump_value_expr(dumper *d, TSNode *at, int key, tmd_buf *out)
{
    const dump_symbols *s = d->sym;
    TSNode n = *at;
    TSSymbol sym = ts_node_symbol(n);
    if (sym == s->A_minus) {
        TSNode num = dump_next(n);
        if (ts_node_is_null(num) ||
            (ts_node_symbol(num) != s->S_integer && ts_node_symbol(num) != s->S_float)) {
            dump_inexact(d, n, "minus sign without a number in a pattern");
            return 1;
        }
        tmd_buf_puts(out, "UnaryOp(USub(), ");
        dump_number(d, num, out);
        tmd_buf_putc(out, ')');
        *at = dump_next(num);
        return 1;
    }
    *at = dump_next(n);
    if (sym == s->S_integer || sym == s->S_float) {
        dump_number(d, n, out);
    } else if (sym == s->S_string || sym == s->S_concatenated_string) {
        dump_string_constant(d, n, out);
    } else if (sym == s->S_complex_pattern) {
        /* [-] real (+|-) imaginary */
        TSNode c = dump_first_child(n);
        int neg = ts_node_symbol(c) == s->A_minus;
        if (neg)
            c = dump_next(c);
        TSNode real = c, op = dump_next(c), imag = dump_next(op);
        if (ts_node_is_null(imag)) {
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
        *at = n;
        return 0;
    }
    return 1;
}

/* The one named child of `n` (skipping tokens), or a null node. */
static TSNode first_named(TSNode n)
{
    for (TSNode c = dump_first_child(n); !ts_node_is_null(c); c = dump_next(c))
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
    for (TSNode c = dump_first_child(n); !ts_node_is_null(c); c = dump_next(c)) {
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
    for (TSNode c = dump_first_child(n); !ts_node_is_null(c); c = dump_next(c))
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
    for (TSNode c = dump_first_child(n); !ts_node_is_null(c);) {
        TSSymbol s = ts_node_symbol(c);
        if (!ts_node_is_named(c) && s != d->sym->A_minus) {
            c = dump_next(c);
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
            c = dump_next(c);
            continue;
        }
        /* key: a value expression (possibly "-" number), then ":" value */
        dump_put_sep(&keys, &kfirst);
        if (!dump_value_expr(d, &c, 1, &keys)) {
            dump_reject(d, c, "mapping pattern keys may only match literals and attribute lookups");
            break;
        }
        while (!ts_node_is_null(c) && !ts_node_is_named(c))
            c = dump_next(c); /* ":" */
        if (ts_node_is_null(c)) {
            dump_inexact(d, n, "mapping pattern without a value");
            break;
        }
        dump_put_sep(&pats, &pfirst);
        dump_pattern(d, c, &pats);
        c = dump_next(c);
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

/* MatchClass(cls, patterns, kwd_attrs, kwd_patterns) */
static void dump_class_pattern(dumper *d, TSNode n, tmd_buf *out)
{
    tmd_buf attrs = TMD_BUF_INIT, kpats = TMD_BUF_INIT;
    int first = 1, afirst = 1, kfirst = 1, seen_kw = 0;
    TSNode cls = first_named(n);
    tmd_buf_puts(out, "MatchClass(");
    dump_dotted_expr(d, cls, out);
    tmd_buf_puts(out, ", ");
    for (TSNode c = dump_next(cls); !ts_node_is_null(c); c = dump_next(c)) {
        if (!ts_node_is_named(c))
            continue;
        TSNode kw = first_named(c);
        if (!ts_node_is_null(kw) && ts_node_symbol(kw) == d->sym->S_keyword_pattern) {
            seen_kw = 1;
            TSNode name = first_named(kw);
            TSNode value = dump_next(name);
            while (!ts_node_is_null(value) && ts_node_symbol(value) == d->sym->A_assign)
                value = dump_next(value);
            dump_put_sep(&attrs, &afirst);
            dump_name_repr(d, name, &attrs);
            dump_put_sep(&kpats, &kfirst);
            if (ts_node_is_null(value))
                dump_inexact(d, kw, "keyword pattern without a value");
            else
                dump_pattern_run(d, &value, &kpats);
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

/* One pattern starting at *at among siblings (closed patterns and
 * union_pattern members are not wrapped in case_pattern), advancing *at. */
static void dump_pattern_run(dumper *d, TSNode *at, tmd_buf *out)
{
    const dump_symbols *s = d->sym;
    TSNode n = *at;
    TSSymbol sym = ts_node_symbol(n);
    if (sym == s->S_case_pattern) {
        *at = dump_next(n);
        dump_pattern(d, n, out);
        return;
    }
    size_t mark = out->len;
    tmd_buf_puts(out, "MatchValue(");
    if (dump_value_expr(d, at, 0, out)) {
        tmd_buf_putc(out, ')');
        return;
    }
    tmd_buf_truncate(out, mark);
    *at = dump_next(n);
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
        for (TSNode c = dump_first_child(n); !ts_node_is_null(c);) {
            if (ts_node_symbol(c) == s->A_pipe) {
                c = dump_next(c);
                continue;
            }
            dump_put_sep(out, &first);
            dump_pattern_run(d, &c, out);
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
        TSNode name = ts_node_is_null(inner) ? inner : dump_next(inner);
        while (!ts_node_is_null(name) && !ts_node_is_named(name))
            name = dump_next(name);
        if (ts_node_is_null(name) || ts_node_symbol(name) != s->S_identifier) {
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
    if (ts_node_symbol(pattern) == d->sym->S_case_pattern) {
        TSNode c = dump_first_child(pattern);
        if (ts_node_is_null(c)) {
            dump_inexact(d, pattern, "empty pattern");
        } else {
            dump_pattern_run(d, &c, out);
            if (!ts_node_is_null(c))
                dump_inexact(d, c, "pattern with trailing parts");
        }
    } else {
        TSNode c = pattern;
        dump_pattern_run(d, &c, out);
    }
    d->depth--;
}
