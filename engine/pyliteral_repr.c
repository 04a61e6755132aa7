/* pyliteral_repr.c: repr() of str and bytes values exactly as CPython writes
 * them, printability following the dialect's Unicode database. */
#include "pyliteral_internal.h"
#include "pyliteral_ucd.h"

static const char hexdigits[] = "0123456789abcdef";

/* ' unless the text has ' and no " (CPython's unicode_repr / bytes_repr). */
static char pick_quote(const uint32_t *cp, size_t n)
{
    int squote = 0, dquote = 0;
    for (size_t i = 0; i < n; i++) {
        squote |= cp[i] == '\'';
        dquote |= cp[i] == '"';
    }
    return (squote && !dquote) ? '"' : '\'';
}

static void put_hex(tmd_buf *out, char kind, uint32_t v, int digits)
{
    char tmp[10];
    tmp[0] = '\\';
    tmp[1] = kind;
    for (int k = 0; k < digits; k++)
        tmp[2 + k] = hexdigits[(v >> (4 * (digits - 1 - k))) & 0xF];
    tmd_buf_put(out, tmp, (size_t)digits + 2);
}

/* Copies the run of characters at cp[i..] that repr() keeps as they are
 * (printable ASCII other than the quote and backslash) straight into out;
 * the index after the run. */
static size_t plain_run(tmd_buf *out, const uint32_t *cp, size_t i, size_t n, char q)
{
    size_t j = i;
    while (j < n && cp[j] >= 0x20 && cp[j] < 0x7f && cp[j] != (uint32_t)q && cp[j] != '\\')
        j++;
    if (j > i && tmd_buf_grow(out, j - i) == 0) {
        char *w = out->data + out->len;
        for (size_t k = i; k < j; k++)
            *w++ = (char)cp[k];
        out->len += j - i;
        out->data[out->len] = '\0';
    }
    return j;
}

int lit_repr_str(tmd_buf *out, const uint32_t *cp, size_t n, const tmd_dialect *dialect, char *why)
{
    char q = pick_quote(cp, n);
    tmd_buf_putc(out, q);
    for (size_t i = 0; i < n; i++) {
        i = plain_run(out, cp, i, n, q);
        if (i >= n)
            break;
        uint32_t c = cp[i];
        if (c >= 0x20 && c < 0x7f) {
            if (c == (uint32_t)q || c == '\\')
                tmd_buf_putc(out, '\\');
            tmd_buf_putc(out, (char)c);
        } else if (c == '\t') {
            tmd_buf_put(out, "\\t", 2);
        } else if (c == '\n') {
            tmd_buf_put(out, "\\n", 2);
        } else if (c == '\r') {
            tmd_buf_put(out, "\\r", 2);
        } else if (c < 0x80) {
            put_hex(out, 'x', c, 2); /* other C0 controls and DEL */
        } else {
            int rc = lit_repr_non_ascii(out, c, dialect, why);
            if (rc != LIT_OK)
                return rc;
        }
    }
    tmd_buf_putc(out, q);
    return LIT_OK;
}

int lit_repr_non_ascii(tmd_buf *out, uint32_t c, const tmd_dialect *dialect, char *why)
{
    int p = lit_ucd_props(dialect, c);
    if (p & LIT_U_UNKNOWN)
        return lit_fail(why, LIT_INEXACT, "U+%04X: not in this build's Unicode data for Python 3.%d",
                        (unsigned)c, dialect->minor);
    if (p & LIT_U_PRINTABLE)
        tmd_buf_put_utf8(out, c);
    else if (c <= 0xFF)
        put_hex(out, 'x', c, 2);
    else if (c <= 0xFFFF)
        put_hex(out, 'u', c, 4);
    else
        put_hex(out, 'U', c, 8);
    return LIT_OK;
}

void lit_repr_bytes(tmd_buf *out, const uint32_t *cp, size_t n)
{
    char q = pick_quote(cp, n);
    tmd_buf_putc(out, 'b');
    tmd_buf_putc(out, q);
    for (size_t i = 0; i < n; i++) {
        uint32_t c = cp[i] & 0xFF;
        if (c == (uint32_t)q || c == '\\') {
            tmd_buf_putc(out, '\\');
            tmd_buf_putc(out, (char)c);
        } else if (c == '\t') {
            tmd_buf_put(out, "\\t", 2);
        } else if (c == '\n') {
            tmd_buf_put(out, "\\n", 2);
        } else if (c == '\r') {
            tmd_buf_put(out, "\\r", 2);
        } else if (c < 0x20 || c >= 0x7f) {
            put_hex(out, 'x', c, 2);
        } else {
            tmd_buf_putc(out, (char)c);
        }
    }
    tmd_buf_putc(out, q);
}

int lit_dump_constant(tmd_buf *out, const lit_str *s, const tmd_dialect *dialect, char *why)
{
    tmd_buf_put(out, "Constant(", 9);
    if (s->is_bytes) {
        lit_repr_bytes(out, s->cp, s->n);
    } else {
        int r = lit_repr_str(out, s->cp, s->n, dialect, why);
        if (r != LIT_OK)
            return r;
    }
    if (s->kind_u)
        tmd_buf_put(out, ", 'u')", 6);
    else
        tmd_buf_put(out, ", None)", 7);
    return out->oom ? lit_fail(why, LIT_NOMEM, "out of memory") : LIT_OK;
}
