/* collect_params.c: the node IDs pytest gives the parametrizations of
 * @pytest.mark.parametrize(argnames, argvalues, ids=...) when the arguments
 * are literals (pytest's IdMaker: explicit ids, else per value: str/bytes
 * ascii-escaped, numbers/None/bools via str(), objects with a __name__ by
 * that name, anything else argname + index; joined with "-"). */
#include "collect_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- escaping, as pytest's ascii_escaped ---------------------------------- */

/* Decodes one UTF-8 sequence (surrogates allowed, as CPython's source
 * reader never produces them but escapes can). Returns its length. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned char c = s[0];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (len == 0 || len > n) {
        *cp = 0xFFFD;
        return 1;
    }
    uint32_t v = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        v = (v << 6) | (s[i] & 0x3Fu);
    }
    *cp = v;
    return len;
}

static void escape_control(tmd_buf *out, uint32_t c)
{
    if (c == '\t')
        tmd_buf_puts(out, "\\t");
    else if (c == '\n')
        tmd_buf_puts(out, "\\n");
    else if (c == '\r')
        tmd_buf_puts(out, "\\r");
    else
        tmd_buf_printf(out, "\\x%02x", (unsigned)c);
}

/* str: val.encode("unicode_escape").decode("ascii"), then the control table */
void param_escape_str(tmd_buf *out, const char *utf8, size_t len)
{
    const unsigned char *s = (const unsigned char *)utf8;
    size_t i = 0;
    while (i < len) {
        uint32_t cp;
        i += utf8_next(s + i, len - i, &cp);
        if (cp == '\\')
            tmd_buf_puts(out, "\\\\");
        else if (cp < 0x20 || cp == 0x7f)
            escape_control(out, cp);
        else if (cp < 0x7f)
            tmd_buf_putc(out, (char)cp);
        else if (cp < 0x100)
            tmd_buf_printf(out, "\\x%02x", (unsigned)cp);
        else if (cp < 0x10000)
            tmd_buf_printf(out, "\\u%04x", (unsigned)cp);
        else
            tmd_buf_printf(out, "\\U%08x", (unsigned)cp);
    }
}

/* bytes: val.decode("ascii", "backslashreplace"), then the control table */
void param_escape_bytes(tmd_buf *out, const unsigned char *bytes, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = bytes[i];
        if (c >= 0x80)
            tmd_buf_printf(out, "\\x%02x", c);
        else if (c < 0x20 || c == 0x7f)
            escape_control(out, c);
        else
            tmd_buf_putc(out, (char)c);
    }
}

/* ---- numbers ----------------------------------------------------------------- */

void param_float_repr(tmd_buf *out, double v)
{
    if (isnan(v)) {
        tmd_buf_puts(out, "nan");
        return;
    }
    if (isinf(v)) {
        tmd_buf_puts(out, v < 0 ? "-inf" : "inf");
        return;
    }
    /* the shortest %.*e that reads back as v: its digits and exponent */
    char e[40];
    for (int prec = 0; prec < 17; prec++) {
        snprintf(e, sizeof e, "%.*e", prec, v);
        if (strtod(e, NULL) == v)
            break;
    }
    char digits[24];
    size_t nd = 0;
    const char *p = e;
    int neg = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    for (; *p && *p != 'e'; p++)
        if (isdigit((unsigned char)*p) && nd < sizeof digits - 1)
            digits[nd++] = *p;
    digits[nd] = '\0';
    while (nd > 1 && digits[nd - 1] == '0')
        digits[--nd] = '\0';
    int exp10 = atoi(p + 1);
    int decpt = exp10 + 1; /* digits d1 d2 ... mean 0.d1d2... * 10^decpt */
    if (neg)
        tmd_buf_putc(out, '-');
    if (v == 0) {
        tmd_buf_puts(out, "0.0");
        return;
    }
    if (decpt <= -4 || decpt > 16) { /* Python's 'r' format switches to exponent */
        tmd_buf_putc(out, digits[0]);
        if (nd > 1) {
            tmd_buf_putc(out, '.');
            tmd_buf_puts(out, digits + 1);
        }
        tmd_buf_printf(out, "e%c%02d", exp10 < 0 ? '-' : '+', abs(exp10));
    } else if (decpt <= 0) {
        tmd_buf_puts(out, "0.");
        for (int i = decpt; i < 0; i++)
            tmd_buf_putc(out, '0');
        tmd_buf_puts(out, digits);
    } else {
        for (int i = 0; i < decpt; i++)
            tmd_buf_putc(out, (size_t)i < nd ? digits[i] : '0');
        tmd_buf_putc(out, '.');
        if ((size_t)decpt < nd)
            tmd_buf_puts(out, digits + decpt);
        else
            tmd_buf_putc(out, '0');
    }
}

/* str() of an int literal ("0x_1F", "1_000") into out; 0 if unsupported. */
static int int_str(tmd_buf *out, const char *tok, size_t len, int negate)
{
    char clean[64];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] == '_')
            continue;
        if (n >= sizeof clean - 1)
            return 0;
        clean[n++] = tok[i];
    }
    clean[n] = '\0';
    if (n == 0 || clean[n - 1] == 'j' || clean[n - 1] == 'J' || clean[n - 1] == 'l' || clean[n - 1] == 'L')
        return 0;
    if (n > 1 && clean[0] == '0' && isalpha((unsigned char)clean[1])) {
        int base = tolower((unsigned char)clean[1]) == 'x' ? 16 : tolower((unsigned char)clean[1]) == 'o' ? 8 : 2;
        char *end;
        unsigned long long v = strtoull(clean + 2, &end, base);
        if (*end || v > (1ULL << 62))
            return 0;
        if (v == 0)
            negate = 0;
        tmd_buf_printf(out, "%s%llu", negate ? "-" : "", v);
        return 1;
    }
    const char *d = clean;
    while (d[0] == '0' && d[1])
        d++; /* "00" is 0 */
    for (const char *c = d; *c; c++)
        if (!isdigit((unsigned char)*c))
            return 0;
    if (strcmp(d, "0") == 0)
        negate = 0;
    tmd_buf_printf(out, "%s%s", negate ? "-" : "", d);
    return 1;
}

static int float_str(tmd_buf *out, const char *tok, size_t len, int negate)
{
    char clean[128];
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (tok[i] == '_')
            continue;
        if (n >= sizeof clean - 1)
            return 0;
        clean[n++] = tok[i];
    }
    clean[n] = '\0';
    if (n == 0 || clean[n - 1] == 'j' || clean[n - 1] == 'J')
        return 0;
    char *end;
    double v = strtod(clean, &end);
    if (*end)
        return 0;
    param_float_repr(out, negate ? -v : v);
    return 1;
}

/* ---- string literals --------------------------------------------------------- */

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : isxdigit((unsigned char)c) ? (tolower((unsigned char)c) - 'a' + 10) : -1;
}

/* Appends the value of one string token (prefix, quotes, body) as UTF-8 (str)
 * or raw bytes. Returns 0 when tmdiff does not evaluate it (f-strings,
 * \N{...}, non-ASCII bytes); *is_bytes says which kind it is. */
static int string_token_value(tmd_buf *out, const char *tok, size_t len, int *is_bytes)
{
    size_t i = 0;
    int raw = 0, bytes = 0;
    while (i < len && isalpha((unsigned char)tok[i])) {
        char c = (char)tolower((unsigned char)tok[i]);
        if (c == 'r')
            raw = 1;
        else if (c == 'b')
            bytes = 1;
        else if (c != 'u')
            return 0; /* f-strings: runtime values */
        i++;
    }
    if (i >= len)
        return 0;
    char q = tok[i];
    size_t qn = (len - i >= 6 && tok[i + 1] == q && tok[i + 2] == q) ? 3 : 1;
    if (len < i + 2 * qn)
        return 0;
    const char *s = tok + i + qn;
    const char *end = tok + len - qn;
    *is_bytes = bytes;
    while (s < end) {
        unsigned char c = (unsigned char)*s;
        if (c == '\r') { /* the tokenizer turns CRLF and CR into LF */
            tmd_buf_putc(out, '\n');
            s += (s + 1 < end && s[1] == '\n') ? 2 : 1;
            continue;
        }
        if (c != '\\' || raw) {
            if (bytes && c >= 0x80)
                return 0;
            if (raw && c == '\\' && s + 1 < end) { /* a raw backslash still guards the next char */
                tmd_buf_put(out, s, 2);
                s += 2;
                continue;
            }
            tmd_buf_putc(out, (char)c);
            s++;
            continue;
        }
        if (s + 1 >= end)
            return 0;
        char e = s[1];
        s += 2;
        uint32_t cp;
        switch (e) {
        case '\n': continue;
        case '\r': if (s < end && *s == '\n') s++; continue;
        case '\\': tmd_buf_putc(out, '\\'); continue;
        case '\'': tmd_buf_putc(out, '\''); continue;
        case '"': tmd_buf_putc(out, '"'); continue;
        case 'a': tmd_buf_putc(out, 7); continue;
        case 'b': tmd_buf_putc(out, 8); continue;
        case 'f': tmd_buf_putc(out, 12); continue;
        case 'n': tmd_buf_putc(out, '\n'); continue;
        case 'r': tmd_buf_putc(out, '\r'); continue;
        case 't': tmd_buf_putc(out, '\t'); continue;
        case 'v': tmd_buf_putc(out, 11); continue;
        case 'x': {
            if (end - s < 2 || hexval(s[0]) < 0 || hexval(s[1]) < 0)
                return 0;
            cp = (uint32_t)(hexval(s[0]) * 16 + hexval(s[1]));
            s += 2;
            break;
        }
        case 'u':
        case 'U': {
            if (bytes) {
                tmd_buf_putc(out, '\\');
                tmd_buf_putc(out, e);
                continue;
            }
            int nd = e == 'u' ? 4 : 8;
            if (end - s < nd)
                return 0;
            cp = 0;
            for (int k = 0; k < nd; k++) {
                int h = hexval(s[k]);
                if (h < 0)
                    return 0;
                cp = cp * 16 + (uint32_t)h;
            }
            if (cp > 0x10FFFF)
                return 0;
            s += nd;
            break;
        }
        case 'N':
            if (bytes) {
                tmd_buf_puts(out, "\\N");
                continue;
            }
            return 0; /* named characters: not evaluated here */
        default:
            if (e >= '0' && e <= '7') {
                cp = (uint32_t)(e - '0');
                for (int k = 0; k < 2 && s < end && *s >= '0' && *s <= '7'; k++, s++)
                    cp = cp * 8 + (uint32_t)(*s - '0');
                if (bytes)
                    cp &= 0xFF;
                break;
            }
            /* an unknown escape keeps its backslash */
            tmd_buf_putc(out, '\\');
            s--;
            continue;
        }
        if (bytes)
            tmd_buf_putc(out, (char)(unsigned char)cp);
        else
            tmd_buf_put_utf8(out, cp);
    }
    return 1;
}

/* ---- values ------------------------------------------------------------------- */

typedef enum val_kind {
    V_TEXT,    /* the ID part is `text` as is (numbers, None, bools, lambdas) */
    V_STR,     /* a str: escaped */
    V_BYTES,   /* a bytes: escaped */
    V_OBJECT,  /* no __name__, not str/number: argname + index */
    V_ASSUMED, /* a call of a Capitalised name or range(): probably an object */
    V_NAMED,   /* a class or function reached by name: probably its __name__, `text` */
    V_UNKNOWN,
} val_kind;

static int node_is(TSNode n, const char *type)
{
    return !ts_node_is_null(n) && strcmp(ts_node_type(n), type) == 0;
}

static TSNode unparen(TSNode n)
{
    while (node_is(n, "parenthesized_expression") && ts_node_named_child_count(n) == 1)
        n = ts_node_named_child(n, 0);
    return n;
}

enum { MAX_RESOLVE = 8 }; /* NAME = OTHER = ... chains followed at most */

/* A module-level constant's value in place of its name. */
static TSNode resolved(TSNode n, const param_ctx *pc)
{
    for (int i = 0; i < MAX_RESOLVE && node_is(n, "identifier") && pc->resolve; i++) {
        TSNode r = pc->resolve(pc->data, n);
        if (ts_node_is_null(r))
            break;
        n = unparen(r);
    }
    return n;
}

static int len_is(const char *src, TSNode n, const char *word)
{
    size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
    return len == strlen(word) && !memcmp(src + ts_node_start_byte(n), word, len);
}

static int has_lower(const char *src, TSNode n)
{
    for (uint32_t i = ts_node_start_byte(n); i < ts_node_end_byte(n); i++)
        if (islower((unsigned char)src[i]))
            return 1;
    return 0;
}

static val_kind eval_value(tmd_buf *text, TSNode n, const param_ctx *pc)
{
    const char *src = pc->src;
    n = resolved(unparen(n), pc);
    if (ts_node_is_null(n))
        return V_UNKNOWN;
    const char *type = ts_node_type(n);
    const char *tok = src + ts_node_start_byte(n);
    size_t len = ts_node_end_byte(n) - ts_node_start_byte(n);
    if (!strcmp(type, "string") || !strcmp(type, "concatenated_string")) {
        int first_bytes = -1;
        uint32_t parts = strcmp(type, "string") ? ts_node_named_child_count(n) : 1;
        for (uint32_t i = 0; i < parts; i++) {
            TSNode piece = strcmp(type, "string") ? ts_node_named_child(n, i) : n;
            if (!node_is(piece, "string"))
                continue; /* comments between the pieces */
            int is_bytes = 0;
            const char *ptok = src + ts_node_start_byte(piece);
            if (!string_token_value(text, ptok, ts_node_end_byte(piece) - ts_node_start_byte(piece), &is_bytes))
                return V_UNKNOWN;
            if (first_bytes >= 0 && first_bytes != is_bytes)
                return V_UNKNOWN;
            first_bytes = is_bytes;
        }
        return first_bytes == 1 ? V_BYTES : V_STR;
    }
    if (!strcmp(type, "integer"))
        return int_str(text, tok, len, 0) ? V_TEXT : V_UNKNOWN;
    if (!strcmp(type, "float"))
        return float_str(text, tok, len, 0) ? V_TEXT : V_UNKNOWN;
    if (!strcmp(type, "unary_operator")) {
        TSNode op = ts_node_child_by_field_name(n, "operator", 8);
        TSNode arg = unparen(ts_node_child_by_field_name(n, "argument", 8));
        if (ts_node_is_null(op) || ts_node_is_null(arg))
            return V_UNKNOWN;
        char opc = src[ts_node_start_byte(op)];
        if (opc != '-' && opc != '+')
            return V_UNKNOWN;
        const char *at = src + ts_node_start_byte(arg);
        size_t alen = ts_node_end_byte(arg) - ts_node_start_byte(arg);
        if (node_is(arg, "integer"))
            return int_str(text, at, alen, opc == '-') ? V_TEXT : V_UNKNOWN;
        if (node_is(arg, "float"))
            return float_str(text, at, alen, opc == '-') ? V_TEXT : V_UNKNOWN;
        return V_UNKNOWN;
    }
    if (!strcmp(type, "true") || !strcmp(type, "false") || !strcmp(type, "none")) {
        tmd_buf_puts(text, !strcmp(type, "true") ? "True" : !strcmp(type, "false") ? "False" : "None");
        return V_TEXT;
    }
    if (!strcmp(type, "lambda")) {
        tmd_buf_puts(text, "<lambda>");
        return V_TEXT;
    }
    if (!strcmp(type, "list") || !strcmp(type, "tuple") || !strcmp(type, "dictionary") ||
        !strcmp(type, "set") || !strcmp(type, "list_comprehension") ||
        !strcmp(type, "dictionary_comprehension") || !strcmp(type, "set_comprehension"))
        return V_OBJECT;
    if (!strcmp(type, "call")) {
        TSNode fn = ts_node_child_by_field_name(n, "function", 8);
        if (node_is(fn, "identifier") && len_is(src, fn, "range"))
            return V_ASSUMED;
        if (node_is(fn, "attribute"))
            fn = ts_node_child_by_field_name(fn, "attribute", 9);
        if (node_is(fn, "identifier") && isupper((unsigned char)src[ts_node_start_byte(fn)]))
            return V_ASSUMED;
    }
    /* `nx.DiGraph`, `pagerank`: a class or function (pytest's ID is its
     * __name__); an UPPER_CASE name is rather a constant */
    TSNode last = !strcmp(type, "attribute") ? ts_node_child_by_field_name(n, "attribute", 9) : n;
    if (node_is(last, "identifier") && has_lower(src, last)) {
        tmd_buf_put(text, src + ts_node_start_byte(last), ts_node_end_byte(last) - ts_node_start_byte(last));
        return V_NAMED;
    }
    return V_UNKNOWN;
}

/* ---- the decorator's arguments -------------------------------------------------- */

static TSNode keyword_value(TSNode args, const char *src, const char *name)
{
    uint32_t n = ts_node_named_child_count(args);
    for (uint32_t i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);
        if (!node_is(a, "keyword_argument"))
            continue;
        TSNode k = ts_node_child_by_field_name(a, "name", 4);
        size_t kl = ts_node_end_byte(k) - ts_node_start_byte(k);
        if (kl == strlen(name) && !memcmp(src + ts_node_start_byte(k), name, kl))
            return ts_node_child_by_field_name(a, "value", 5);
    }
    TSNode null = {{0}, NULL, NULL};
    return null;
}

/* The i-th positional argument (NULL node when absent). */
static TSNode positional(TSNode args, uint32_t want)
{
    uint32_t n = ts_node_named_child_count(args), seen = 0;
    for (uint32_t i = 0; i < n; i++) {
        TSNode a = ts_node_named_child(args, i);
        if (ts_node_is_extra(a)) /* a comment or a backslash continuation */
            continue;
        if (node_is(a, "keyword_argument"))
            break;
        if (seen++ == want)
            return a;
    }
    TSNode null = {{0}, NULL, NULL};
    return null;
}

/* Items of a list/tuple display (comments skipped); -1 if n is not one or
 * holds a splat. */
static int display_items(TSNode *items, int max, TSNode n, const param_ctx *pc)
{
    n = resolved(unparen(n), pc);
    if (!node_is(n, "list") && !node_is(n, "tuple"))
        return -1;
    int count = 0, bad = 0;
    /* a cursor: ts_node_named_child(n, i) is linear in i */
    TSTreeCursor cur = ts_tree_cursor_new(n);
    if (ts_tree_cursor_goto_first_child(&cur)) {
        do {
            TSNode it = ts_tree_cursor_current_node(&cur);
            if (!ts_node_is_named(it) || ts_node_is_extra(it)) /* comments, continuations */
                continue;
            if (node_is(it, "list_splat") || node_is(it, "parenthesized_list_splat") || count >= max) {
                bad = 1;
                break;
            }
            items[count++] = it;
        } while (ts_tree_cursor_goto_next_sibling(&cur));
    }
    ts_tree_cursor_delete(&cur);
    return bad ? -1 : count;
}

static int is_pytest_param(TSNode n, const char *src)
{
    n = unparen(n);
    if (!node_is(n, "call"))
        return 0;
    TSNode fn = ts_node_child_by_field_name(n, "function", 8);
    size_t len = ts_node_end_byte(fn) - ts_node_start_byte(fn);
    const char *t = src + ts_node_start_byte(fn);
    return (len == 12 && !memcmp(t, "pytest.param", 12)) || (len == 5 && !memcmp(t, "param", 5));
}

enum { MAX_ARGS = 64, MAX_VALUES = 100000 };

int collect_str_literal(tmd_buf *out, TSNode n, const char *src)
{
    const param_ctx pc = {src, NULL, NULL};
    return eval_value(out, n, &pc) == V_STR;
}

static int text_of_string(tmd_buf *out, TSNode n, const param_ctx *pc, int raw_ids)
{
    tmd_buf v = TMD_BUF_INIT;
    val_kind k = eval_value(&v, n, pc);
    if (k != V_STR) {
        tmd_buf_free(&v);
        return 0;
    }
    if (raw_ids)
        tmd_buf_put(out, v.data ? v.data : "", v.len);
    else
        param_escape_str(out, v.data ? v.data : "", v.len);
    tmd_buf_free(&v);
    return 1;
}

/* An int literal's value, when small. */
static int small_int(TSNode n, const param_ctx *pc, long long *out)
{
    n = resolved(unparen(n), pc);
    if (!node_is(n, "integer") && !node_is(n, "unary_operator"))
        return 0;
    tmd_buf t = TMD_BUF_INIT;
    char *end = NULL;
    int ok = eval_value(&t, n, pc) == V_TEXT && t.data && !t.oom;
    if (ok) {
        *out = strtoll(t.data, &end, 10);
        ok = !*end && *out > -1000000000LL && *out < 1000000000LL;
    }
    tmd_buf_free(&t);
    return ok;
}

/* `range(stop)`, `range(start, stop)` or `range(start, stop, step)` of
 * int literals: its values in *first, *count, *step. */
static int range_call(TSNode n, const param_ctx *pc, long long *first, long long *count, long long *step)
{
    n = resolved(unparen(n), pc);
    TSNode fn = ts_node_child_by_field_name(n, "function", 8);
    TSNode args = ts_node_child_by_field_name(n, "arguments", 9);
    if (!node_is(n, "call") || !node_is(fn, "identifier") || !node_is(args, "argument_list") ||
        ts_node_end_byte(fn) - ts_node_start_byte(fn) != 5 || memcmp(pc->src + ts_node_start_byte(fn), "range", 5))
        return 0;
    long long v[3];
    int nv = 0;
    uint32_t k = ts_node_named_child_count(args);
    for (uint32_t i = 0; i < k; i++) {
        TSNode a = ts_node_named_child(args, i);
        if (ts_node_is_extra(a))
            continue;
        if (nv == 3 || !small_int(a, pc, &v[nv++]))
            return 0;
    }
    long long start = nv > 1 ? v[0] : 0, stop = nv > 1 ? v[1] : v[0];
    *step = nv == 3 ? v[2] : 1;
    if (nv == 0 || *step == 0)
        return 0;
    long long span = *step > 0 ? stop - start : start - stop;
    long long mag = *step > 0 ? *step : -*step;
    *first = start;
    *count = span > 0 ? (span + mag - 1) / mag : 0;
    return 1;
}

struct id_at {
    const char *id;
    size_t at;
};

static int cmp_id_at(const void *a, const void *b)
{
    const struct id_at *x = a, *y = b;
    int c = strcmp(x->id, y->id);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* pytest 7's make_unique_parameterset_ids: each ID that occurs more than
 * once gets a counter per ID ("a0", "a1"). 1 when there were duplicates, 0
 * when not, TMD_ENOMEM. */
static int number_duplicates(strvec *ids)
{
    struct id_at *ord = ids->n ? malloc(ids->n * sizeof *ord) : NULL;
    if (ids->n && !ord)
        return TMD_ENOMEM;
    for (size_t i = 0; i < ids->n; i++)
        ord[i] = (struct id_at){ids->v[i], i};
    if (ids->n)
        qsort(ord, ids->n, sizeof *ord, cmp_id_at);
    int dup = 0, rc = 0;
    for (size_t g = 0; g < ids->n && !rc;) {
        size_t e = g + 1;
        while (e < ids->n && !strcmp(ord[e].id, ord[g].id))
            e++;
        for (size_t k = g; e - g > 1 && k < e && !rc; k++) {
            tmd_buf b = TMD_BUF_INIT;
            tmd_buf_printf(&b, "%s%zu", ord[k].id, k - g);
            if (b.oom) {
                rc = TMD_ENOMEM;
            } else {
                free(ids->v[ord[k].at]); /* ord[k].id points at it: not read again */
                ids->v[ord[k].at] = b.data;
            }
        }
        dup |= e - g > 1;
        g = e;
    }
    free(ord);
    return rc ? rc : dup;
}

/* The IDs of `values_node` (and `ids_node`, may be null) for the argnames
 * `names`; force_tuple: one name given as a str, whose values are not
 * unpacked. */
static param_status ids_of_values(strvec *ids, const strvec *names, int force_tuple, TSNode values_node,
                                  TSNode ids_node, const param_ctx *pc, int raw_ids)
{
    const char *src = pc->src;
    param_status status = PARAM_EXACT;
    /* range(...) of one argname: its ints; ASSUMED (an expectation, never
     * exact IDs), as `range` could be rebound */
    long long first, count, step;
    if (range_call(values_node, pc, &first, &count, &step)) {
        if (!force_tuple || count <= 0 || count > MAX_VALUES || !ts_node_is_null(ids_node))
            goto unknown_none;
        for (long long i = 0; i < count; i++) {
            char num[32];
            snprintf(num, sizeof num, "%lld", first + i * step);
            if (strvec_push(ids, num)) {
                strvec_free(ids);
                return PARAM_UNKNOWN;
            }
        }
        return PARAM_ASSUMED;
    }
    /* explicit ids: strings or None */
    strvec given = {0};
    int nids = -1;
    TSNode *id_items = NULL;
    TSNode *value_items = NULL;
    if (!ts_node_is_null(ids_node) && !node_is(unparen(ids_node), "none")) {
        int cap = (int)ts_node_named_child_count(resolved(unparen(ids_node), pc)) + 1;
        id_items = cap <= MAX_VALUES ? malloc((size_t)cap * sizeof *id_items) : NULL;
        if (!id_items || (nids = display_items(id_items, cap, ids_node, pc)) < 0)
            goto unknown_ids;
    }
    int vcap = (int)ts_node_named_child_count(resolved(unparen(values_node), pc)) + 1;
    value_items = vcap <= MAX_VALUES ? malloc((size_t)vcap * sizeof *value_items) : NULL;
    int nvalues = value_items ? display_items(value_items, vcap, values_node, pc) : -1;
    if (nvalues <= 0 || (nids >= 0 && nids != nvalues))
        goto unknown_ids; /* empty sets and mismatches: pytest's own rules */

    for (int idx = 0; idx < nvalues; idx++) {
        tmd_buf id = TMD_BUF_INIT;
        TSNode el = resolved(unparen(value_items[idx]), pc);
        TSNode vals[MAX_ARGS];
        int nv;
        int have_id = 0;
        if (is_pytest_param(el, src)) {
            TSNode pargs = ts_node_child_by_field_name(unparen(el), "arguments", 9);
            nv = 0;
            uint32_t npargs = ts_node_named_child_count(pargs);
            for (uint32_t i = 0; i < npargs; i++) {
                TSNode a = ts_node_named_child(pargs, i);
                if (ts_node_is_extra(a)) /* a comment or a backslash continuation */
                    continue;
                if (node_is(a, "keyword_argument")) {
                    TSNode k = ts_node_child_by_field_name(a, "name", 4);
                    TSNode v = ts_node_child_by_field_name(a, "value", 5);
                    size_t kl = ts_node_end_byte(k) - ts_node_start_byte(k);
                    const char *kt = src + ts_node_start_byte(k);
                    if (kl == 2 && !memcmp(kt, "id", 2)) {
                        if (node_is(unparen(v), "none"))
                            continue;
                        if (!text_of_string(&id, v, pc, 0))
                            goto unknown_value;
                        have_id = 1;
                    } else if (!(kl == 5 && !memcmp(kt, "marks", 5))) {
                        goto unknown_value;
                    }
                    continue;
                }
                if (node_is(a, "list_splat") || node_is(a, "dictionary_splat") || nv >= MAX_ARGS)
                    goto unknown_value;
                vals[nv++] = a;
            }
        } else if (force_tuple) {
            vals[0] = el;
            nv = 1;
        } else {
            nv = display_items(vals, MAX_ARGS, el, pc);
        }
        if (nv != (int)names->n)
            goto unknown_value;
        if (!have_id && nids >= 0 && !node_is(unparen(id_items[idx]), "none")) {
            if (!text_of_string(&id, id_items[idx], pc, raw_ids))
                goto unknown_value;
            have_id = 1;
        }
        for (int j = 0; !have_id && j < nv; j++) {
            if (j)
                tmd_buf_putc(&id, '-');
            tmd_buf v = TMD_BUF_INIT;
            val_kind k = eval_value(&v, vals[j], pc);
            if (k == V_STR && !raw_ids)
                param_escape_str(&id, v.data ? v.data : "", v.len);
            else if (k == V_STR || k == V_TEXT || k == V_NAMED)
                tmd_buf_put(&id, v.data ? v.data : "", v.len);
            else if (k == V_BYTES)
                param_escape_bytes(&id, (const unsigned char *)(v.data ? v.data : ""), v.len);
            else if (k == V_OBJECT || k == V_ASSUMED)
                tmd_buf_printf(&id, "%s%d", names->v[j], idx);
            tmd_buf_free(&v);
            if (k == V_UNKNOWN)
                goto unknown_value;
            if (k == V_ASSUMED || k == V_NAMED)
                status = PARAM_ASSUMED;
        }
        if (id.oom || strvec_push_n(&given, id.data ? id.data : "", id.len)) {
            tmd_buf_free(&id);
            goto unknown_ids;
        }
        tmd_buf_free(&id);
        continue;
    unknown_value:
        tmd_buf_free(&id);
        goto unknown_ids;
    }
    /* duplicates get a counter suffix, whose form changed between pytest
     * versions: pytest 7's is expected (ASSUMED) */
    int dup = number_duplicates(&given);
    if (dup < 0)
        goto unknown_ids;
    if (dup)
        status = PARAM_ASSUMED;
    for (size_t i = 0; i < given.n; i++)
        if (strvec_push(ids, given.v[i]))
            goto unknown_ids;
    free(id_items);
    free(value_items);
    strvec_free(&given);
    return status;
unknown_ids:
    free(id_items);
    free(value_items);
    strvec_free(&given);
unknown_none:
    strvec_free(ids);
    return PARAM_UNKNOWN;
}

/* The argnames node of a parametrize call's arguments (null when absent). */
static TSNode argnames_node(TSNode arguments, const char *src)
{
    TSNode names_node = positional(arguments, 0);
    return ts_node_is_null(names_node) ? keyword_value(arguments, src, "argnames") : names_node;
}

/* argnames: "a, b" (a lone name wraps each value: *force_tuple) or a
 * sequence of strings. 0, or -1 when they cannot be read. */
static int read_argnames(strvec *names, int *force_tuple, TSNode names_node, const param_ctx *pc)
{
    tmd_buf tmp = TMD_BUF_INIT;
    TSNode items[MAX_ARGS];
    int ok = 1;
    *force_tuple = 0;
    if (node_is(resolved(unparen(names_node), pc), "string")) {
        ok = eval_value(&tmp, names_node, pc) == V_STR;
        for (const char *s = tmp.data ? tmp.data : ""; ok && *s;) {
            size_t l = strcspn(s, ",");
            size_t a = 0, b = l;
            while (a < b && isspace((unsigned char)s[a]))
                a++;
            while (b > a && isspace((unsigned char)s[b - 1]))
                b--;
            ok = !(b > a && strvec_push_n(names, s + a, b - a));
            s += l + (s[l] == ',');
        }
        *force_tuple = names->n == 1;
    } else {
        int c = display_items(items, MAX_ARGS, names_node, pc);
        ok = c >= 0;
        for (int i = 0; ok && i < c; i++) {
            tmd_buf_truncate(&tmp, 0);
            ok = eval_value(&tmp, items[i], pc) == V_STR && !strvec_push_n(names, tmp.data ? tmp.data : "", tmp.len);
        }
    }
    tmd_buf_free(&tmp);
    if (ok && names->n)
        return 0;
    strvec_free(names);
    return -1;
}

param_status param_ids_of_call(strvec *ids, TSNode arguments, const param_ctx *pc, int raw_ids)
{
    const char *src = pc->src;
    TSNode names_node = argnames_node(arguments, src);
    TSNode values_node = positional(arguments, 1);
    if (ts_node_is_null(values_node))
        values_node = keyword_value(arguments, src, "argvalues");
    TSNode ids_node = positional(arguments, 3);
    if (ts_node_is_null(ids_node))
        ids_node = keyword_value(arguments, src, "ids");
    if (ts_node_is_null(names_node) || ts_node_is_null(values_node))
        return PARAM_UNKNOWN;
    if (node_is(arguments, "argument_list")) {
        uint32_t n = ts_node_named_child_count(arguments);
        for (uint32_t i = 0; i < n; i++) {
            TSNode a = ts_node_named_child(arguments, i);
            if (node_is(a, "list_splat") || node_is(a, "dictionary_splat"))
                return PARAM_UNKNOWN;
        }
    }
    strvec names = {0};
    int force_tuple;
    if (read_argnames(&names, &force_tuple, names_node, pc)) {
        strvec_free(ids);
        return PARAM_UNKNOWN;
    }
    param_status status = ids_of_values(ids, &names, force_tuple, values_node, ids_node, pc, raw_ids);
    strvec_free(&names);
    return status;
}

int param_mark_names(strvec *names, int *indirect, TSNode arguments, const param_ctx *pc)
{
    TSNode names_node = argnames_node(arguments, pc->src);
    int force_tuple;
    if (ts_node_is_null(names_node) || !ts_node_is_null(positional(arguments, 2)))
        return -1; /* indirect given by position: pytest reads only the keyword */
    TSNode ind = keyword_value(arguments, pc->src, "indirect");
    size_t il = ts_node_is_null(ind) ? 0 : ts_node_end_byte(ind) - ts_node_start_byte(ind);
    const char *it = ts_node_is_null(ind) ? "" : pc->src + ts_node_start_byte(ind);
    if (il == 4 && !memcmp(it, "True", 4))
        *indirect = 1;
    else if (ts_node_is_null(ind) || (il == 5 && !memcmp(it, "False", 5)))
        *indirect = 0;
    else
        return -1; /* a list of names, or a value: not read */
    return read_argnames(names, &force_tuple, names_node, pc);
}

param_status param_ids_of_fixture(strvec *ids, const char *name, TSNode params_node, TSNode ids_node,
                                  const param_ctx *pc)
{
    strvec names = {0};
    if (strvec_push(&names, name))
        return PARAM_UNKNOWN;
    param_status status = ids_of_values(ids, &names, 1, params_node, ids_node, pc, 0);
    strvec_free(&names);
    return status;
}

int param_ids_combine(strvec *acc, const strvec *next)
{
    if (next->n == 0)
        return 0; /* not parametrized: nothing to add */
    if (acc->n == 0) {
        for (size_t i = 0; i < next->n; i++)
            if (strvec_push(acc, next->v[i]))
                return TMD_ENOMEM;
        return 0;
    }
    strvec out = {0};
    for (size_t i = 0; i < acc->n; i++) {
        for (size_t j = 0; j < next->n; j++) {
            tmd_buf b = TMD_BUF_INIT;
            tmd_buf_printf(&b, "%s-%s", acc->v[i], next->v[j]);
            int bad = b.oom || strvec_push(&out, b.data);
            tmd_buf_free(&b);
            if (bad) {
                strvec_free(&out);
                return TMD_ENOMEM;
            }
        }
    }
    strvec_free(acc);
    *acc = out;
    return 0;
}
