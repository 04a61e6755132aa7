/* pyliteral_str.c: str and bytes literal bodies decoded like CPython's parser
 * (prefixes, escapes, implicit concatenation). */
#include "pyliteral_internal.h"
#include "pyliteral_ucd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lit_fail(char *why, int status, const char *fmt, ...)
{
    if (why) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, LIT_WHY_SIZE, fmt, ap);
        va_end(ap);
    }
    return status;
}

size_t lit_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
    unsigned c = s[0];
    size_t len;
    uint32_t v, min;
    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        len = 2, v = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3, v = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4, v = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xC0) != 0x80)
            return 0;
        v = (v << 6) | (s[i] & 0x3F);
    }
    if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
        return 0;
    *cp = v;
    return len;
}

void lit_str_free(lit_str *s)
{
    free(s->cp);
    memset(s, 0, sizeof *s);
}

void lit_str_reset(lit_str *s)
{
    s->n = 0;
    s->is_bytes = s->has_pieces = s->kind_u = 0;
}

/* Room for `extra` more code points. */
static int reserve(lit_str *s, size_t extra)
{
    if (s->cap - s->n >= extra)
        return LIT_OK;
    size_t cap = s->cap ? s->cap : 16;
    while (cap - s->n < extra) {
        if (cap > SIZE_MAX / 2 / sizeof(uint32_t))
            return LIT_NOMEM;
        cap *= 2;
    }
    uint32_t *p = realloc(s->cp, cap * sizeof *p);
    if (!p)
        return LIT_NOMEM;
    s->cp = p;
    s->cap = cap;
    return LIT_OK;
}

int lit_prefix_flags(const char *tok, size_t len, size_t *prefix_len)
{
    int flags = 0;
    size_t i = 0;
    for (; i < len && tok[i] != '\'' && tok[i] != '"'; i++) {
        int f;
        switch (tok[i]) {
        case 'r': case 'R': f = LIT_P_RAW; break;
        case 'b': case 'B': f = LIT_P_BYTES; break;
        case 'u': case 'U': f = LIT_P_U; break;
        case 'f': case 'F': f = LIT_P_F; break;
        default: return -1;
        }
        if (flags & f)
            return -1;
        flags |= f;
    }
    if (i > 2 || i == len)
        return -1;
    /* Python 3 allows u alone, and b or f each with r only. */
    if ((flags & LIT_P_U) && flags != LIT_P_U)
        return -1;
    if ((flags & LIT_P_BYTES) && (flags & LIT_P_F))
        return -1;
    if (prefix_len)
        *prefix_len = i;
    return flags;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* `digits` hex digits at t[i..]: their value, or -1 if truncated. */
static long hex_escape(const char *t, size_t n, size_t i, int digits)
{
    long v = 0;
    if (n - i < (size_t)digits)
        return -1;
    for (int k = 0; k < digits; k++) {
        int h = hexval(t[i + (size_t)k]);
        if (h < 0)
            return -1;
        v = v * 16 + h;
    }
    return v;
}

int lit_str_append_fragment(lit_str *acc, const char *text, size_t len, int prefix_flags,
                            int in_fstring, const tmd_dialect *dialect, char *why)
{
    const unsigned char *t = (const unsigned char *)text;
    const int raw = prefix_flags & LIT_P_RAW, bytes = (prefix_flags & LIT_P_BYTES) != 0;
    if (len == 0)
        return LIT_OK;
    /* decoding never yields more code points than the body has bytes */
    if (reserve(acc, len) != LIT_OK)
        return lit_fail(why, LIT_NOMEM, "out of memory");
    uint32_t *out = acc->cp + acc->n;
    size_t i = 0;
    while (i < len) {
        unsigned c = t[i];
        if (c >= 0x20 && c < 0x7f && c != '\\' && c != '{' && c != '}') {
            *out++ = c; /* the common case: plain ASCII */
            i++;
            continue;
        }
        if (c == '\r') { /* CPython's tokenizer reads a lone CR as a newline */
            *out++ = '\n';
            i += (i + 1 < len && t[i + 1] == '\n') ? 2 : 1;
            continue;
        }
        if (c >= 0x80) {
            uint32_t cp;
            size_t k = lit_utf8_decode(t + i, len - i, &cp);
            if (bytes)
                return lit_fail(why, LIT_SYNTAX, "bytes can only contain ASCII literal characters");
            if (!k)
                return lit_fail(why, LIT_INEXACT, "malformed UTF-8 in a string literal");
            *out++ = cp;
            i += k;
            continue;
        }
        if (c == '{' || c == '}') {
            if (in_fstring) {
                if (i + 1 < len && t[i + 1] == c) {
                    *out++ = c;
                    i += 2;
                    continue;
                }
                return lit_fail(why, LIT_INEXACT, "single '%c' in an f-string fragment", c);
            }
            *out++ = c;
            i++;
            continue;
        }
        if (c != '\\' || raw) {
            *out++ = c;
            i++;
            continue;
        }
        /* an escape sequence */
        if (i + 1 >= len) {
            if (in_fstring)
                return lit_fail(why, LIT_INEXACT, "f-string fragment ends in a backslash");
            return lit_fail(why, LIT_SYNTAX, "\\ at end of string");
        }
        unsigned e = t[i + 1];
        i += 2;
        switch (e) {
        case '\n': continue; /* line continuation */
        case '\r':
            if (i < len && t[i] == '\n')
                i++;
            continue;
        case '\\': case '\'': case '"': *out++ = e; continue;
        case 'a': *out++ = 7; continue;
        case 'b': *out++ = 8; continue;
        case 't': *out++ = 9; continue;
        case 'n': *out++ = 10; continue;
        case 'v': *out++ = 11; continue;
        case 'f': *out++ = 12; continue;
        case 'r': *out++ = 13; continue;
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7': {
            uint32_t v = e - '0';
            for (int k = 0; k < 2 && i < len && t[i] >= '0' && t[i] <= '7'; k++)
                v = v * 8 + (t[i++] - '0');
            *out++ = bytes ? (v & 0xFF) : v; /* b'\777' keeps the low byte */
            continue;
        }
        case 'x': {
            long v = hex_escape(text, len, i, 2);
            if (v < 0)
                return lit_fail(why, LIT_SYNTAX, "truncated \\xXX escape");
            *out++ = (uint32_t)v;
            i += 2;
            continue;
        }
        case 'u': case 'U':
            if (!bytes) {
                int digits = e == 'u' ? 4 : 8;
                long v = hex_escape(text, len, i, digits);
                if (v < 0)
                    return lit_fail(why, LIT_SYNTAX, "truncated \\%cXXXX escape", e);
                if (v > 0x10FFFF)
                    return lit_fail(why, LIT_SYNTAX, "illegal Unicode character");
                *out++ = (uint32_t)v;
                i += (size_t)digits;
                continue;
            }
            break;
        case 'N':
            if (!bytes) {
                size_t start = i + 1, end = start;
                if (i >= len || t[i] != '{')
                    return lit_fail(why, LIT_SYNTAX, "malformed \\N character escape");
                while (end < len && t[end] != '}')
                    end++;
                if (end >= len || end == start)
                    return lit_fail(why, LIT_SYNTAX, "malformed \\N character escape");
                uint32_t cp;
                int r = lit_ucd_lookup(dialect, text + start, end - start, &cp);
                if (r != LIT_OK)
                    return lit_fail(why, r, "\\N{%.*s}: %s", (int)(end - start > 60 ? 60 : end - start),
                                    text + start,
                                    r == LIT_SYNTAX ? "unknown Unicode character name"
                                                    : "name not in this build's Unicode data");
                *out++ = cp;
                i = end + 1;
                continue;
            }
            break;
        default:
            break;
        }
        /* an invalid escape keeps its backslash; the next character is read
         * normally (it may be non-ASCII, a brace or a newline) */
        *out++ = '\\';
        i--;
    }
    acc->n = (size_t)(out - acc->cp);
    return LIT_OK;
}

int lit_str_append_token(lit_str *acc, const char *tok, size_t len, const tmd_dialect *dialect,
                         char *why)
{
    size_t p;
    int flags = lit_prefix_flags(tok, len, &p);
    if (flags < 0)
        return lit_fail(why, LIT_SYNTAX, "invalid string prefix '%.*s'", (int)(len > 8 ? 8 : len), tok);
    if (flags & LIT_P_F)
        return lit_fail(why, LIT_INEXACT, "f-string given to lit_str_append_token");
    char q = tok[p];
    size_t qlen = (len - p >= 6 && tok[p + 1] == q && tok[p + 2] == q) ? 3 : 1;
    if (len - p < 2 * qlen || tok[len - 1] != q || (qlen == 3 && (tok[len - 2] != q || tok[len - 3] != q)))
        return lit_fail(why, LIT_SYNTAX, "unterminated string literal");
    int is_bytes = (flags & LIT_P_BYTES) != 0;
    if (acc->has_pieces && acc->is_bytes != is_bytes)
        return lit_fail(why, LIT_SYNTAX, "cannot mix bytes and nonbytes literals");
    if (!acc->has_pieces) {
        acc->is_bytes = is_bytes;
        acc->kind_u = tok[0] == 'u'; /* CPython: only a lower-case u gives kind 'u' */
        acc->has_pieces = 1;
    }
    return lit_str_append_fragment(acc, tok + p + qlen, len - p - 2 * qlen, flags, 0, dialect, why);
}
