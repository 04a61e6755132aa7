/* pyliteral_ident.c: identifiers as CPython stores them. The tokenizer
 * checks the identifier as written (XID_Start/XID_Continue of the dialect's
 * Unicode version); the parser then NFKC-normalises non-ASCII names. */
#include "pyliteral_internal.h"
#include "pyliteral_ucd.h"

#include <stdlib.h>
#include <utf8proc.h>

static int ascii_ident_char(unsigned char c, int first)
{
    return c == '_' || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') || (!first && c >= '0' && c <= '9');
}

/* Checks the identifier as the tokenizer does, as written; *ascii is set
 * when it is all ASCII (nothing to normalise or escape). */
static int check_identifier(const unsigned char *s, size_t len, const tmd_dialect *dialect,
                            int *ascii, char *why)
{
    *ascii = 1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] >= 0x80) {
            *ascii = 0;
            break;
        }
        if (!ascii_ident_char(s[i], i == 0))
            return lit_fail(why, LIT_SYNTAX, "invalid identifier '%.*s'", (int)(len > 40 ? 40 : len),
                            (const char *)s);
    }
    if (len == 0)
        return lit_fail(why, LIT_SYNTAX, "empty identifier");
    if (*ascii)
        return LIT_OK;
    /* validate as written, in the dialect's Unicode version */
    for (size_t i = 0; i < len;) {
        uint32_t cp;
        size_t k = lit_utf8_decode(s + i, len - i, &cp);
        if (!k)
            return lit_fail(why, LIT_INEXACT, "malformed UTF-8 in an identifier");
        if (cp < 0x80) {
            if (!ascii_ident_char((unsigned char)cp, i == 0))
                return lit_fail(why, LIT_SYNTAX, "invalid character in identifier");
        } else {
            int p = lit_ucd_props(dialect, cp);
            if (p & LIT_U_UNKNOWN)
                return lit_fail(why, LIT_INEXACT, "U+%04X: not in this build's Unicode data for "
                                "Python 3.%d", (unsigned)cp, dialect->minor);
            if (!(p & (i == 0 ? LIT_U_XID_START : LIT_U_XID_CONTINUE)) && (p & LIT_U_XID_UNKNOWN))
                return lit_fail(why, LIT_INEXACT, "U+%04X: identifier status unknown in this "
                                "build's Unicode data for Python 3.%d", (unsigned)cp, dialect->minor);
            if (!(p & (i == 0 ? LIT_U_XID_START : LIT_U_XID_CONTINUE)))
                return lit_fail(why, LIT_SYNTAX, "invalid character U+%04X in identifier", (unsigned)cp);
            /* NFKC below needs utf8proc to know every character */
            if (utf8proc_category((utf8proc_int32_t)cp) == UTF8PROC_CATEGORY_CN)
                return lit_fail(why, LIT_INEXACT, "U+%04X: newer than libutf8proc's Unicode %s",
                                (unsigned)cp, utf8proc_unicode_version());
        }
        i += k;
    }
    return LIT_OK;
}

/* The identifier, checked, as CPython stores it: *v is `name` itself (all
 * ASCII, or kept `as_written`) or *norm, its NFKC (malloc'ed by utf8proc;
 * the caller frees *norm). *ascii as check_identifier sets it. */
static int stored_name(const char *name, size_t len, const tmd_dialect *dialect, int as_written,
                       const unsigned char **v, size_t *n, utf8proc_uint8_t **norm, int *ascii, char *why)
{
    *v = (const unsigned char *)name;
    *n = len;
    *norm = NULL;
    int rc = check_identifier(*v, len, dialect, ascii, why);
    if (rc != LIT_OK || *ascii || as_written)
        return rc;
    utf8proc_ssize_t m = utf8proc_map(*v, (utf8proc_ssize_t)len, norm,
                                      UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
    if (m < 0)
        return lit_fail(why, m == UTF8PROC_ERROR_NOMEM ? LIT_NOMEM : LIT_INEXACT,
                        "NFKC: %s", utf8proc_errmsg(m));
    *v = *norm;
    *n = (size_t)m;
    return LIT_OK;
}

int lit_identifier(tmd_buf *out, const char *name, size_t len, const tmd_dialect *dialect, char *why)
{
    const unsigned char *v;
    size_t n;
    utf8proc_uint8_t *norm;
    int ascii;
    int rc = stored_name(name, len, dialect, 0, &v, &n, &norm, &ascii, why);
    if (rc == LIT_OK)
        tmd_buf_put(out, v, n);
    free(norm);
    return rc == LIT_OK && out->oom ? lit_fail(why, LIT_NOMEM, "out of memory") : rc;
}

int lit_identifier_repr(tmd_buf *out, const char *name, size_t len, const tmd_dialect *dialect,
                        int as_written, char *why)
{
    const unsigned char *v;
    size_t n;
    utf8proc_uint8_t *norm;
    int ascii;
    int rc = stored_name(name, len, dialect, as_written, &v, &n, &norm, &ascii, why);
    if (rc == LIT_OK && ascii)
        tmd_buf_put(out, v, n);
    for (size_t i = 0; rc == LIT_OK && !ascii && i < n;) {
        uint32_t cp;
        size_t k = lit_utf8_decode(v + i, n - i, &cp);
        if (!k)
            rc = lit_fail(why, LIT_INEXACT, "malformed UTF-8 after NFKC");
        else if (cp < 0x80)
            tmd_buf_putc(out, (char)cp);
        else
            rc = lit_repr_non_ascii(out, cp, dialect, why);
        i += k;
    }
    free(norm);
    return rc == LIT_OK && out->oom ? lit_fail(why, LIT_NOMEM, "out of memory") : rc;
}
