/* dump_fstring.c: f-strings (and the plain strings concatenated with them)
 * as CPython's JoinedStr(...) dump, per dialect (dump-notes.md, "f-strings").
 *
 * tree-sitter gives an f-string as a `string` node whose interpolation
 * children sit between spans of literal text; the literal spans are taken
 * from the source between them and decoded by pyliteral.
 *
 * The two parser generations differ:
 * - 3.8-3.11 gather all literal text between replacement fields into one
 *   Constant whose kind is 'u' exactly when the whole concatenation starts
 *   with a `u` token; format specs are JoinedStr of the same kind of parts.
 *   Replacement fields may not contain backslashes, '#', the enclosing
 *   quote or (in single-quoted strings) newlines.
 * - 3.12+ (PEP 701) make one Constant per literal token, then merge runs of
 *   adjacent constants taking the kind of the run's first one (an f-string's
 *   own text has kind None, a `u'..'` piece 'u') and drop empty ones; format
 *   spec parts are kept as they are (3.12.0/3.12.1 also keep an empty
 *   Constant after a nested replacement field). */
#include "dump_expr.h"

#include "dump_symbols.h"
#include "pyliteral.h"

#include <string.h>

typedef struct fstr {
    dumper *d;
    tmd_buf *out;     /* the values being written */
    int first;        /* no value written yet */
    lit_str acc;      /* literal text not yet written */
    int run_open;     /* 3.12+: a run of constants has started (maybe empty) */
    int run_kind_u;   /* 3.12+: kind of the run's first constant */
    int all_u;        /* 3.8-3.11: the concatenation starts with a u token */
    int one_line;     /* the piece being read is single-quoted */
} fstr;

static int pep701(const dumper *d) { return d->dialect->minor >= 12; }

static void lit_result(dumper *d, TSNode at, int rc, const char *why)
{
    if (rc == LIT_SYNTAX)
        dump_reject(d, at, why);
    else if (rc == LIT_NOMEM)
        dump_inexact(d, at, "out of memory");
    else if (rc != LIT_OK)
        dump_inexact(d, at, why);
}

static void put_value_sep(fstr *f)
{
    if (!f->first)
        tmd_buf_puts(f->out, ", ");
    f->first = 0;
}

static void reset_acc(fstr *f)
{
    f->acc.n = 0;
    f->acc.has_pieces = 0;
    f->acc.is_bytes = 0;
    f->acc.kind_u = 0;
    f->run_open = 0;
    f->run_kind_u = 0;
}

/* Writes the pending literal text as a Constant (nothing when empty). */
static void flush(fstr *f, TSNode at)
{
    if (f->acc.n) {
        char why[LIT_WHY_SIZE] = "";
        put_value_sep(f);
        f->acc.is_bytes = 0;
        f->acc.kind_u = pep701(f->d) ? f->run_kind_u : f->all_u;
        lit_result(f->d, at, lit_dump_constant(f->out, &f->acc, f->d->dialect, why), why);
    }
    reset_acc(f);
}

/* Starts a constant element (3.12+ runs take their first element's kind). */
static void element(fstr *f, int kind_u)
{
    if (!f->run_open) {
        f->run_open = 1;
        f->run_kind_u = kind_u;
    }
}

/* Appends decoded literal text from the source span [from, to). */
static void literal_span(fstr *f, TSNode at, uint32_t from, uint32_t to, int prefix_flags)
{
    if (to <= from)
        return;
    char why[LIT_WHY_SIZE] = "";
    size_t before = f->acc.n;
    const char *text = f->d->src + from;
    size_t len = to - from, slashes = 0;
    /* literal text holds braces only doubled; anything else means the tree
     * does not cut the f-string where CPython does */
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\\' && !(prefix_flags & LIT_P_RAW) && i + 2 < len &&
            text[i + 1] == 'N' && text[i + 2] == '{') {
            /* `\N{NAME}` braces belong to the escape */
            const char *close = memchr(text + i, '}', len - i);
            i = close ? (size_t)(close - text) : len;
            continue;
        }
        if (text[i] == '\\' && i + 1 < len && text[i + 1] == '\\') {
            i++; /* `\\N{x}` is a backslash, then text and a field */
            continue;
        }
        if (text[i] != '{' && text[i] != '}')
            continue;
        if (i + 1 < len && text[i + 1] == text[i]) {
            i++;
            continue;
        }
        dump_inexact(f->d, at, "f-string text with a single brace");
        return;
    }
    while (slashes < len && text[len - 1 - slashes] == '\\')
        slashes++;
    /* `f'a\{x}'`: a lone backslash before a field stays a backslash */
    int lone = !(prefix_flags & LIT_P_RAW) && slashes % 2;
    int rc = lit_str_append_fragment(&f->acc, text, len - (size_t)lone, prefix_flags, 1,
                                     f->d->dialect, why);
    if (rc == LIT_OK && lone)
        rc = lit_str_append_fragment(&f->acc, "\\", 1, LIT_P_RAW, 0, f->d->dialect, why);
    lit_result(f->d, at, rc, why);
    /* 3.12+ drops a literal token that decodes to nothing */
    if (f->acc.n > before)
        element(f, 0);
}

/* ---- validity of replacement fields before PEP 701 ------------------------ */

typedef struct quote {
    char ch;      /* ' or " */
    int triple;
} quote;

static quote quote_of(const dumper *d, TSNode string_start)
{
    size_t len;
    const char *s = dump_text(d, string_start, &len);
    quote q = {'"', 0};
    if (len) {
        q.ch = s[len - 1];
        q.triple = len >= 3 && s[len - 2] == q.ch && s[len - 3] == q.ch;
    }
    return q;
}

/* A '#' outside the string literals nested in an expression's text. */
static int has_comment_char(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '#')
            return 1;
        if (s[i] != '\'' && s[i] != '"')
            continue;
        char q = s[i];
        int triple = i + 2 < len && s[i + 1] == q && s[i + 2] == q;
        i += triple ? 3 : 1;
        for (; i < len; i++) {
            if (s[i] == '\\') {
                i++;
            } else if (s[i] == q && (!triple || (i + 2 < len && s[i + 1] == q && s[i + 2] == q))) {
                i += triple ? 2 : 0;
                break;
            }
        }
    }
    return 0;
}

/* The source of a debug field (`{x = }`) as 3.12+ keep it: comments
 * (from '#' outside nested strings to the end of the line) left out. */
static void strip_comments(tmd_buf *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '#') {
            while (i < len && s[i] != '\n')
                i++;
            if (i < len)
                tmd_buf_putc(out, '\n');
            continue;
        }
        tmd_buf_putc(out, s[i]);
        if (s[i] != '\'' && s[i] != '"')
            continue;
        char q = s[i];
        int triple = i + 2 < len && s[i + 1] == q && s[i + 2] == q;
        if (triple) {
            tmd_buf_put(out, s + i + 1, 2);
            i += 2;
        }
        for (i++; i < len; i++) {
            tmd_buf_putc(out, s[i]);
            if (s[i] == '\\' && i + 1 < len) {
                tmd_buf_putc(out, s[++i]);
            } else if (s[i] == q && (!triple || (i + 2 < len && s[i + 1] == q && s[i + 2] == q))) {
                if (triple) {
                    tmd_buf_put(out, s + i + 1, 2);
                    i += 2;
                }
                break;
            }
        }
    }
}

/* 3.8-3.11 cut the f-string token first and then parse the fields, so a
 * field may not contain what would have ended the token. */
static void check_old_field(dumper *d, TSNode interp, TSNode expr_end_at, quote q)
{
    size_t len;
    const char *s = dump_text(d, interp, &len);
    size_t expr_len = ts_node_start_byte(expr_end_at) - ts_node_start_byte(interp);
    if (memchr(s, '\\', expr_len))
        dump_reject(d, interp, "f-string expression part cannot include a backslash (before 3.12)");
    if (has_comment_char(s, expr_len))
        dump_reject(d, interp, "f-string expression part cannot include '#' (before 3.12)");
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && i >= expr_len) {
            i++; /* an escape in the format spec: part of the string token */
            continue;
        }
        if (s[i] == '\n' && !q.triple)
            dump_reject(d, interp, "newline inside a single-quoted f-string (before 3.12)");
        if (s[i] == q.ch && (!q.triple || (i + 2 < len && s[i + 1] == q.ch && s[i + 2] == q.ch)))
            dump_reject(d, interp, "f-string field reuses the enclosing quote (before 3.12)");
    }
}

/* A ':' outside brackets and strings in a field's expression can only be
 * a lambda's that tree-sitter took in (`{1, lambda: x}`), or with `walrus`
 * the ':' of a `:=` (`{a, x := 1}`); CPython starts the format spec there. */
static int top_level_colon(const dumper *d, TSNode expr, int walrus)
{
    size_t len;
    const char *s = dump_text(d, expr, &len);
    if (!memchr(s, ':', len))
        return 0;
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        char c = s[i];
        if (c == '(' || c == '[' || c == '{') {
            depth++;
        } else if (c == ')' || c == ']' || c == '}') {
            depth--;
        } else if (c == ':' && depth == 0 && walrus == (i + 1 < len && s[i + 1] == '=')) {
            return 1;
        } else if (c == '\'' || c == '"') {
            int triple = i + 2 < len && s[i + 1] == c && s[i + 2] == c;
            for (i += triple ? 3 : 1; i < len; i++) {
                if (s[i] == '\\')
                    i++;
                else if (s[i] == c && (!triple || (i + 2 < len && s[i + 1] == c && s[i + 2] == c))) {
                    i += triple ? 2 : 0;
                    break;
                }
            }
        }
    }
    return 0;
}

/* ---- replacement fields ---------------------------------------------------- */

static void format_spec(fstr *f, TSNode spec, uint32_t end, int prefix_flags, int level);

/* FormattedValue(value, conversion, format_spec) for an interpolation or a
 * nested format_expression; the `=` debug text goes into the pending
 * literal first. */
static void replacement_field(fstr *f, TSNode interp, int prefix_flags, quote q, int level)
{
    dumper *d = f->d;
    const dump_symbols *s = d->sym;
    TSNode expr = {{0}, NULL, NULL}, conv = {{0}, NULL, NULL}, spec = {{0}, NULL, NULL};
    TSNode eq = {{0}, NULL, NULL}, after_eq = {{0}, NULL, NULL}, close = {{0}, NULL, NULL};
    TSTreeCursor c = ts_tree_cursor_new(interp);
    for (int ok = ts_tree_cursor_goto_first_child(&c); ok; ok = ts_tree_cursor_goto_next_sibling(&c)) {
        TSNode k = ts_tree_cursor_current_node(&c);
        TSFieldId fid = ts_tree_cursor_current_field_id(&c);
        TSSymbol ks = ts_node_symbol(k);
        if (!ts_node_is_null(eq) && ts_node_is_null(after_eq) && !ts_node_is_extra(k))
            after_eq = k;
        if (ts_node_is_extra(k))
            continue;
        if (fid == s->F_expression)
            expr = k;
        else if (fid == s->F_type_conversion)
            conv = k;
        else if (fid == s->F_format_specifier)
            spec = k;
        else if (ks == s->A_assign)
            eq = k;
        else if (ks == s->A_rbrace)
            close = k;
    }
    ts_tree_cursor_delete(&c);
    if (ts_node_is_null(expr) || ts_node_is_null(close)) {
        dump_inexact(d, interp, "f-string replacement field of unknown shape");
        return;
    }
    if (!pep701(d)) {
        TSNode end = !ts_node_is_null(eq) ? eq : !ts_node_is_null(conv) ? conv
                   : !ts_node_is_null(spec) ? spec : close;
        check_old_field(d, interp, end, q);
        if (level > 1)
            dump_reject(d, interp, "f-string: expressions nested too deeply");
    } else if (level > 2) {
        dump_inexact(d, interp, "deeply nested f-string format spec (3.12+)");
    }

    /* `{x:=5}` is x with format spec "=5" to CPython, a walrus to tree-sitter */
    TSSymbol es = ts_node_symbol(expr);
    int walrus_spec = es == s->S_named_expression;
    if (walrus_spec && (!ts_node_is_null(eq) || !ts_node_is_null(conv) || !ts_node_is_null(spec))) {
        dump_inexact(d, interp, "f-string field with ':=' of unknown meaning");
        return;
    }
    if (!walrus_spec && top_level_colon(d, expr, 1)) {
        /* inside a tuple or an operand: x, then a spec tmdiff does not cut */
        dump_inexact(d, interp, "f-string field with ':=' of unknown meaning");
        return;
    }
    if (es == s->S_lambda || top_level_colon(d, expr, 0))
        dump_reject(d, expr, "f-string: lambda expressions need parentheses");

    if (!ts_node_is_null(eq) && level > 0 &&
        (d->dialect->minor == 12 || (pep701(d) && level > 1))) {
        /* 3.12.1 testmon fails on `{x:{y=}}`, 3.13.0 on a debug field in a
         * nested spec */
        dump_inexact(d, interp, "debug field inside an f-string format spec");
        return;
    }
    if (!ts_node_is_null(eq)) {
        /* debug text: from after '{' to the next token after '=' */
        uint32_t from = ts_node_start_byte(interp) + 1;
        uint32_t to = ts_node_start_byte(ts_node_is_null(after_eq) ? close : after_eq);
        /* 3.12+ cut the debug text at a '!' inside it (`{a!=b=}` gives 'a') */
        if (pep701(d) && memchr(d->src + from, '!', ts_node_start_byte(eq) - from)) {
            dump_inexact(d, interp, "f-string debug text with '!' (3.12+ cut it short)");
            return;
        }
        char why[LIT_WHY_SIZE] = "";
        tmd_buf text = TMD_BUF_INIT;
        strip_comments(&text, d->src + from, to - from);
        int rc = text.oom ? LIT_NOMEM
                          : lit_str_append_fragment(&f->acc, text.data ? text.data : "", text.len,
                                                    LIT_P_RAW, 0, d->dialect, why);
        tmd_buf_free(&text);
        lit_result(d, interp, rc, why);
        element(f, 0);
    }
    flush(f, interp);
    put_value_sep(f);

    tmd_buf_puts(f->out, "FormattedValue(");
    if (walrus_spec) {
        TSNode name = ts_node_child_by_field_id(expr, s->F_name);
        dump_expr_in(d, name, CTX_LOAD, 0, f->out);
    } else {
        unsigned allow = EX_YIELD | EX_WALRUS;
        if (d->dialect->minor < 9 || pep701(d))
            allow |= EX_STAR;
        dump_expr_in(d, expr, CTX_LOAD, allow, f->out);
    }

    int conversion = -1;
    if (!ts_node_is_null(conv)) {
        size_t len;
        const char *t = dump_text(d, conv, &len);
        char ch = len == 2 ? t[1] : 0;
        conversion = ch == 'r' ? 'r' : ch == 's' ? 's' : ch == 'a' ? 'a' : 0;
        if (!conversion)
            dump_reject(d, conv, "f-string: invalid conversion character");
        /* before 3.12 ':' or '}' must follow the conversion at once */
        char next = d->src[ts_node_end_byte(conv)];
        if (!pep701(d) && next != ':' && next != '}')
            dump_reject(d, conv, "f-string: expecting '}'");
    } else if (!ts_node_is_null(eq) && ts_node_is_null(spec)) {
        conversion = 'r';
    }
    tmd_buf_printf(f->out, ", %d, ", conversion);

    if (walrus_spec) {
        /* the spec is the source after ':' (no nested fields possible here) */
        uint32_t from = ts_node_start_byte(expr);
        size_t len;
        const char *t = dump_text(d, expr, &len);
        const char *colon = memchr(t, ':', len);
        from += colon ? (uint32_t)(colon - t) + 1 : 0;
        /* spec constants: the concatenation's kind in 3.8, None from 3.9 */
        fstr sub = {d, f->out, 1, {0}, 0, 0, d->dialect->minor == 8 ? f->all_u : 0, f->one_line};
        if (pep701(d) && f->one_line && dump_has_raw_newline(d->src + from, ts_node_end_byte(expr) - from)) {
            dump_inexact(d, expr, "newline in the format spec of a single-quoted f-string");
            return;
        }
        tmd_buf_puts(f->out, "JoinedStr(");
        literal_span(&sub, expr, from, ts_node_end_byte(expr), pep701(d) ? 0 : prefix_flags);
        flush(&sub, expr);
        lit_str_free(&sub.acc);
        tmd_buf_puts(f->out, "))");
        return;
    }
    if (ts_node_is_null(spec))
        tmd_buf_puts(f->out, "None");
    else
        format_spec(f, spec, ts_node_start_byte(close), prefix_flags, level);
    tmd_buf_putc(f->out, ')');
}

/* The text of a replacement field's `{expr=` debug part, or 0. */
static int debug_text(const dumper *d, TSNode field, const char **text, size_t *len)
{
    uint32_t n = ts_node_child_count(field);
    for (uint32_t i = 0; i < n; i++) {
        TSNode c = ts_node_child(field, i);
        if (ts_node_symbol(c) == d->sym->A_assign) {
            *text = d->src + ts_node_start_byte(field) + 1;
            *len = ts_node_end_byte(c) - ts_node_start_byte(field) - 1;
            return 1;
        }
    }
    return 0;
}

static int spec_has_debug(const dumper *d, TSNode spec)
{
    const char *t;
    size_t len;
    uint32_t n = ts_node_child_count(spec);
    for (uint32_t i = 0; i < n; i++) {
        TSNode c = ts_node_child(spec, i);
        if (ts_node_symbol(c) == d->sym->S_format_expression && debug_text(d, c, &t, &len))
            return 1;
    }
    return 0;
}

/* 3.13.0 gives every debug field of a format spec the first one's text;
 * only identical texts are safe. */
static int spec_debug_texts_differ(const dumper *d, TSNode spec)
{
    const char *first = NULL, *t;
    size_t first_len = 0, len;
    uint32_t n = ts_node_child_count(spec);
    for (uint32_t i = 0; i < n; i++) {
        TSNode c = ts_node_child(spec, i);
        if (ts_node_symbol(c) != d->sym->S_format_expression || !debug_text(d, c, &t, &len))
            continue;
        if (!first) {
            first = t;
            first_len = len;
        } else if (len != first_len || memcmp(t, first, len)) {
            return 1;
        }
    }
    return 0;
}

/* 3.12+ end the format spec of a single-quoted f-string at a raw newline
 * (the tokenizer goes back to expression mode, where the newline and any
 * blanks before the closing brace are skipped). Moves *end to that newline;
 * 0 (inexact) when anything but blanks follows it, or when the spec holds
 * nested fields (3.12.1 and 3.13 disagree there). The scan is O(spec);
 * specs are short and rarely hold a newline. */
static int spec_end_at_newline(dumper *d, TSNode spec, uint32_t *end)
{
    uint32_t from = ts_node_start_byte(spec) + 1, nl = from;
    for (; nl < *end; nl++) {
        if (d->src[nl] == '\\')
            nl++;
        else if (d->src[nl] == '\n')
            break;
    }
    if (nl >= *end)
        return 1;
    for (uint32_t i = nl; i < *end; i++)
        if (d->src[i] != '\n' && d->src[i] != ' ' && d->src[i] != '\t') {
            dump_inexact(d, spec, "text after a newline in the format spec of a single-quoted f-string");
            return 0;
        }
    uint32_t kids = ts_node_child_count(spec);
    for (uint32_t i = 0; i < kids; i++)
        if (ts_node_symbol(ts_node_child(spec, i)) == d->sym->S_format_expression) {
            dump_inexact(d, spec, "newline in a format spec with fields (3.12.1 and 3.13 differ)");
            return 0;
        }
    *end = nl;
    return 1;
}

/* JoinedStr(...) of a format spec: literal spans and nested fields, up to
 * `end` (the field's closing brace: tree-sitter's spec stops before a
 * newline in a triple-quoted f-string). */
static void format_spec(fstr *f, TSNode spec, uint32_t end, int prefix_flags, int level)
{
    dumper *d = f->d;
    int quirk = d->dialect->minor == 12 && d->dialect->micro >= 0 && d->dialect->micro <= 1;
    /* 3.12+ decodes spec text as non-raw and never merges spec parts */
    int flags = pep701(d) ? prefix_flags & ~LIT_P_RAW : prefix_flags;
    /* spec constants: the concatenation's kind in 3.8, None from 3.9 */
    fstr sub = {d, f->out, 1, {0}, 0, 0, d->dialect->minor == 8 ? f->all_u : 0, f->one_line};
    quote q = {0, 1}; /* quote checks were done on the whole field */
    if (pep701(d) && f->one_line && !spec_end_at_newline(d, spec, &end))
        return;
    tmd_buf_puts(f->out, "JoinedStr(");
    uint32_t pos = ts_node_start_byte(spec) + 1; /* after ':' */
    if (f->all_u && d->dialect->minor >= 9 && !pep701(d) && spec_has_debug(d, spec)) {
        /* 3.9-3.11 give such a spec constant kind 'u' or None by rules not
         * pinned down here */
        dump_inexact(d, spec, "debug field in a format spec of a u-string concatenation");
        return;
    }
    if (pep701(d) && spec_debug_texts_differ(d, spec)) {
        dump_inexact(d, spec, "several debug fields in one format spec (3.13 mixes their texts)");
        return;
    }
    int last_was_field = 0;
    TSTreeCursor c = ts_tree_cursor_new(spec);
    for (int ok = ts_tree_cursor_goto_first_child(&c); ok; ok = ts_tree_cursor_goto_next_sibling(&c)) {
        TSNode k = ts_tree_cursor_current_node(&c);
        if (ts_node_symbol(k) != d->sym->S_format_expression)
            continue;
        if (ts_node_start_byte(k) > pos) {
            literal_span(&sub, k, pos, ts_node_start_byte(k), flags);
            /* 3.12 keeps spec parts apart; 3.13 merges a debug field's
             * text into the literal before it, as 3.8-3.11 do */
            if (d->dialect->minor == 12)
                flush(&sub, k);
        }
        replacement_field(&sub, k, prefix_flags, q, level + 1);
        pos = ts_node_end_byte(k);
        last_was_field = 1;
    }
    ts_tree_cursor_delete(&c);
    if (end > pos)
        literal_span(&sub, spec, pos, end, flags);
    else if (last_was_field && quirk) {
        put_value_sep(&sub);
        tmd_buf_puts(f->out, "Constant('', None)");
    }
    flush(&sub, spec);
    lit_str_free(&sub.acc);
    tmd_buf_putc(f->out, ')');
}

/* ---- pieces of the concatenation ------------------------------------------ */

static void fstring_piece(fstr *f, TSNode str, TSNode start, int prefix_flags)
{
    dumper *d = f->d;
    const dump_symbols *s = d->sym;
    quote q = quote_of(d, start);
    f->one_line = !q.triple;
    uint32_t pos = ts_node_end_byte(start);
    TSTreeCursor c = ts_tree_cursor_new(str);
    for (int ok = ts_tree_cursor_goto_first_child(&c); ok; ok = ts_tree_cursor_goto_next_sibling(&c)) {
        TSNode k = ts_tree_cursor_current_node(&c);
        TSSymbol ks = ts_node_symbol(k);
        if (!q.triple && ts_node_start_byte(k) > pos &&
            dump_has_raw_newline(d->src + pos, ts_node_start_byte(k) - pos))
            dump_reject(d, k, "unterminated string literal");
        if (ks == s->S_interpolation) {
            literal_span(f, k, pos, ts_node_start_byte(k), prefix_flags);
            replacement_field(f, k, prefix_flags, q, 0);
            pos = ts_node_end_byte(k);
        } else if (ks == s->S_string_end) {
            /* tree-sitter's string_end token may start with backslashes
             * that belong to the text: only the closing quotes end it */
            uint32_t end = ts_node_end_byte(k) - (q.triple ? 3 : 1);
            literal_span(f, k, pos, end, prefix_flags);
            pos = ts_node_end_byte(k);
        } else if (ts_node_symbol(k) == TS_ERROR_SYMBOL || ts_node_is_missing(k)) {
            dump_inexact(d, k, "f-string tree-sitter could not parse");
        }
    }
    ts_tree_cursor_delete(&c);
}

/* tree-sitter's scanner sometimes reads `{...}` in a plain string (`u'{x}'`)
 * as a field; when that "field" holds the string's own quote, CPython ends
 * the token there and sees other tokens altogether. */
static int plain_piece_misread(dumper *d, TSNode str, quote q)
{
    TSTreeCursor c = ts_tree_cursor_new(str);
    int bad = 0;
    for (int ok = ts_tree_cursor_goto_first_child(&c); ok && !bad; ok = ts_tree_cursor_goto_next_sibling(&c)) {
        TSNode k = ts_tree_cursor_current_node(&c);
        if (ts_node_symbol(k) != d->sym->S_interpolation)
            continue;
        size_t len;
        const char *t = dump_text(d, k, &len);
        bad = memchr(t, q.ch, len) != NULL;
    }
    ts_tree_cursor_delete(&c);
    if (bad)
        dump_inexact(d, str, "string tree-sitter split at a brace");
    return bad;
}

static void piece(fstr *f, TSNode str, int *first_piece)
{
    dumper *d = f->d;
    TSNode start = ts_node_child(str, 0);
    if (ts_node_symbol(start) != d->sym->S_string_start) {
        dump_inexact(d, str, "string of unknown shape");
        return;
    }
    size_t len, plen;
    const char *t = dump_text(d, start, &len);
    int flags = lit_prefix_flags(t, len, &plen);
    if (*first_piece)
        f->all_u = plen && t[0] == 'u';
    *first_piece = 0;
    if (flags < 0) {
        dump_reject(d, str, "invalid string prefix");
        return;
    }
    if (flags & LIT_P_BYTES) {
        dump_reject(d, str, "cannot mix bytes and nonbytes literals");
        return;
    }
    if (flags & LIT_P_F) {
        fstring_piece(f, str, start, flags);
        return;
    }
    /* a plain piece: its whole token, one constant element */
    char why[LIT_WHY_SIZE] = "";
    const char *tok = dump_text(d, str, &len);
    quote pq = quote_of(d, start);
    if (plain_piece_misread(d, str, pq))
        return;
    if (!pq.triple && len > plen + 2 && dump_has_raw_newline(tok + plen + 1, len - plen - 2))
        dump_reject(d, str, "unterminated string literal");
    element(f, plen && t[0] == 'u');
    lit_result(d, str, lit_str_append_token(&f->acc, tok, len, d->dialect, why), why);
    f->acc.is_bytes = 0;
}

void dump_joined_str(dumper *d, TSNode str, tmd_buf *out)
{
    if (ts_node_has_error(str)) {
        dump_inexact(d, str, "tree-sitter could not parse this f-string");
        return;
    }
    fstr f = {d, out, 1, {0}, 0, 0, 0, 0};
    int first_piece = 1;
    tmd_buf_puts(out, "JoinedStr(");
    if (ts_node_symbol(str) == d->sym->S_string) {
        piece(&f, str, &first_piece);
    } else {
        TSTreeCursor c = ts_tree_cursor_new(str);
        for (int ok = ts_tree_cursor_goto_first_child(&c); ok; ok = ts_tree_cursor_goto_next_sibling(&c)) {
            TSNode k = ts_tree_cursor_current_node(&c);
            if (ts_node_symbol(k) == d->sym->S_string)
                piece(&f, k, &first_piece);
        }
        ts_tree_cursor_delete(&c);
    }
    flush(&f, str);
    lit_str_free(&f.acc);
    tmd_buf_putc(out, ')');
}
