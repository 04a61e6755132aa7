/* fuzz_pyliteral.c: the literal evaluator (engine/pyliteral.h).
 *
 * Input: byte 0 picks the dialect, byte 1 the function (number, string token,
 * identifier, string fragment with prefix flags from byte 1's high bits); the
 * rest is the token. Invariants where the evaluator says LIT_OK:
 * - numbers: printable ASCII; a decimal float token and its repr are the
 *   same double; a decimal int token is its own repr (digits, no leading
 *   zeros); an imaginary literal's repr ends in 'j';
 * - strings: code points <= U+10FFFF (bytes: <= 255), and repr() is a
 *   literal that evaluates back to the same value (eval(repr(s)) == s);
 * - identifiers: strict UTF-8, ASCII names unchanged, NFKC idempotent. */
#include "fuzz_common.h"
#include "pyliteral.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

static void check_number(const char *tok, size_t len, const tmd_dialect *d)
{
    tmd_buf out = TMD_BUF_INIT;
    char why[LIT_WHY_SIZE];
    int rc = lit_repr_number(&out, tok, len, d, why);
    FUZZ_CHECK(rc == LIT_OK || rc == LIT_SYNTAX || rc == LIT_INEXACT || rc == LIT_NOMEM,
               "rc %d", rc);
    if (rc != LIT_OK || out.oom) {
        tmd_buf_free(&out);
        return;
    }
    FUZZ_CHECK(out.len > 0, "empty repr of a number");
    for (size_t i = 0; i < out.len; i++)
        FUZZ_CHECK(out.data[i] > 0x20 && out.data[i] < 0x7f, "repr byte 0x%02x",
                   (unsigned char)out.data[i]);
    /* the token without underscores, if it is short and plain */
    char plain[512];
    size_t k = 0;
    int digits_only = 1, is_float = 0, imag = 0, other = 0;
    for (size_t i = 0; i < len && k + 1 < sizeof plain; i++) {
        char c = tok[i];
        if (c == '_')
            continue;
        plain[k++] = c;
        if (c == '.' || c == 'e' || c == 'E')
            is_float = 1, digits_only = 0;
        else if (c == 'j' || c == 'J')
            imag = 1, digits_only = 0;
        else if (c == '+' || c == '-')
            digits_only = 0;
        else if (!isdigit((unsigned char)c))
            other = 1, digits_only = 0;
    }
    plain[k] = '\0';
    int short_tok = len < sizeof plain - 1;
    if (imag)
        FUZZ_CHECK(out.data[out.len - 1] == 'j', "imaginary %.*s -> %s", (int)len, tok, out.data);
    if (short_tok && is_float && !imag && !other) {
        double want = strtod(plain, NULL), got = strtod(out.data, NULL);
        FUZZ_CHECK(want == got || (isnan(want) && isnan(got)), "float %s -> %s", plain, out.data);
    }
    if (short_tok && digits_only && k > 0) {
        const char *p = plain;
        while (p[0] == '0' && p[1])
            p++;
        FUZZ_CHECK(!strcmp(p, out.data), "int %s -> %s", plain, out.data);
    }
    tmd_buf_free(&out);
}

/* repr() of the value, evaluated again, must give the value back */
static void check_round_trip(const lit_str *s, const tmd_dialect *d)
{
    tmd_buf r = TMD_BUF_INIT;
    char why[LIT_WHY_SIZE];
    if (s->is_bytes) {
        lit_repr_bytes(&r, s->cp, s->n);
    } else if (lit_repr_str(&r, s->cp, s->n, d, why) != LIT_OK) {
        tmd_buf_free(&r);
        return;
    }
    if (r.oom || !r.data) {
        tmd_buf_free(&r);
        return;
    }
    FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)r.data, r.len), "repr is not strict UTF-8");
    lit_str back = {0};
    int rc = lit_str_append_token(&back, r.data, r.len, d, why);
    FUZZ_CHECK(rc == LIT_OK || rc == LIT_NOMEM, "repr %s does not evaluate (%d: %s)", r.data, rc,
               why);
    if (rc == LIT_OK) {
        FUZZ_CHECK(back.is_bytes == s->is_bytes, "repr %s changes str/bytes", r.data);
        FUZZ_CHECK(back.n == s->n && (s->n == 0 || !memcmp(back.cp, s->cp, s->n * sizeof *s->cp)),
                   "eval(repr(s)) != s for repr %s", r.data);
    }
    lit_str_free(&back);
    tmd_buf_free(&r);
}

static void check_string(const char *tok, size_t len, const tmd_dialect *d, int fragment,
                         int flags)
{
    lit_str s = {0};
    char why[LIT_WHY_SIZE];
    int rc = fragment ? lit_str_append_fragment(&s, tok, len, flags & (LIT_P_RAW | LIT_P_BYTES),
                                                (flags & LIT_P_F) != 0, d, why)
                      : lit_str_append_token(&s, tok, len, d, why);
    FUZZ_CHECK(rc == LIT_OK || rc == LIT_SYNTAX || rc == LIT_INEXACT || rc == LIT_NOMEM,
               "rc %d", rc);
    if (rc == LIT_OK) {
        int bytes = fragment ? (flags & LIT_P_BYTES) != 0 : s.is_bytes;
        for (size_t i = 0; i < s.n; i++)
            FUZZ_CHECK(s.cp[i] <= (bytes ? 0xFFu : 0x10FFFFu), "code point %#x", s.cp[i]);
        if (fragment)
            s.is_bytes = bytes;
        check_round_trip(&s, d);
        tmd_buf c = TMD_BUF_INIT;
        if (!fragment && lit_dump_constant(&c, &s, d, why) == LIT_OK && !c.oom)
            FUZZ_CHECK(c.data && !strncmp(c.data, "Constant(", 9), "constant dump %s",
                       c.data ? c.data : "(null)");
        tmd_buf_free(&c);
    }
    lit_str_free(&s);
}

static void check_identifier(const char *name, size_t len, const tmd_dialect *d)
{
    tmd_buf out = TMD_BUF_INIT, again = TMD_BUF_INIT;
    char why[LIT_WHY_SIZE];
    int rc = lit_identifier(&out, name, len, d, why);
    FUZZ_CHECK(rc == LIT_OK || rc == LIT_SYNTAX || rc == LIT_INEXACT || rc == LIT_NOMEM,
               "rc %d", rc);
    if (rc == LIT_OK && !out.oom) {
        const char *o = out.data ? out.data : "";
        FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)o, out.len), "identifier not strict UTF-8");
        int ascii = 1;
        for (size_t i = 0; i < len; i++)
            ascii &= (unsigned char)name[i] < 0x80;
        if (ascii)
            FUZZ_CHECK(out.len == len && !memcmp(o, name, len), "ASCII name %.*s -> %s", (int)len,
                       name, o);
        if (lit_identifier(&again, o, out.len, d, why) == LIT_OK && !again.oom)
            FUZZ_CHECK(again.len == out.len && (out.len == 0 || !memcmp(again.data, o, out.len)),
                       "NFKC not idempotent: %s -> %s", o, again.data ? again.data : "");
    }
    tmd_buf_free(&out);
    tmd_buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    tmd_dialect d;
    fuzz_dialect_from_byte(&d.minor, &d.micro, data[0]);
    const char *tok = (const char *)data + 2;
    size_t len = size - 2;
    switch (data[1] & 3) {
    case 0: check_number(tok, len, &d); break;
    case 1: check_string(tok, len, &d, 0, 0); break;
    case 2: check_identifier(tok, len, &d); break;
    default: check_string(tok, len, &d, 1, data[1] >> 2); break;
    }
    return 0;
}
