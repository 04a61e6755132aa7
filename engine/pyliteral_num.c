/* pyliteral_num.c: int, float and imaginary literals as CPython's tokenizer
 * accepts them, written as repr() of their value. */
#define _GNU_SOURCE /* strtod_l, newlocale */
#include "pyliteral_internal.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* CPython's limit on int <-> decimal str conversion (sys.int_info). */
#define INT_MAX_STR_DIGITS 4300

static int digit_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)(c | 0x20);
    return (c >= 'a' && c <= 'f') ? c - 'a' + 10 : 99;
}

/* A digit run "d(_?d)*" of `base` at tok[*i] (with `leading_underscore_ok`,
 * "_d(_?d)*" too, as after "0x"); appends its digits without underscores to
 * dig. 0 if malformed: no digit, "__", or a "_" not followed by a digit. */
static int digit_run(const char *tok, size_t len, size_t *i, int base, char *dig, size_t *nd,
                     int leading_underscore_ok)
{
    size_t k = *i;
    int any = 0;
    while (k < len) {
        int under = 0;
        if (tok[k] == '_') {
            if (!any && !leading_underscore_ok)
                return 0;
            under = 1;
            k++;
        }
        if (k >= len || digit_value(tok[k]) >= base) {
            if (under)
                return 0;
            break;
        }
        dig[(*nd)++] = tok[k++];
        any = 1;
    }
    if (!any)
        return 0;
    *i = k;
    return 1;
}

/* ---- floats ------------------------------------------------------------ */

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;
static void make_c_locale(void)
{
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/* strtod in the C locale, whatever the process's locale is. */
static double c_strtod(const char *s)
{
    pthread_once(&c_locale_once, make_c_locale);
    return c_locale ? strtod_l(s, NULL, c_locale) : strtod(s, NULL);
}

/* "d.ddde<exp>" of `nd` digits, parsed back. */
static double digits_value(const char *d, int nd, int exp10)
{
    char s[64];
    int n = 0;
    s[n++] = d[0];
    s[n++] = '.';
    for (int k = 1; k < nd; k++)
        s[n++] = d[k];
    snprintf(s + n, sizeof s - (size_t)n, "e%d", exp10);
    return c_strtod(s);
}

/* Adds delta (+1/-1) to the last of nd decimal digits; 0 if that changes
 * the number of digits (the neighbour is then another length). */
static int step_digits(char *d, int nd, int delta)
{
    for (int k = nd - 1; k >= 0; k--) {
        if (delta > 0 && d[k] < '9') {
            d[k]++;
            return 1;
        }
        if (delta < 0 && d[k] > '0') {
            d[k]--;
            return !(k == 0 && d[0] == '0');
        }
        d[k] = delta > 0 ? '0' : '9';
    }
    return 0;
}

/* Shortest digits that read back as x (x finite, > 0), as David Gay's mode 0
 * gives them: for each length the correctly rounded digits, else a neighbour
 * that still rounds to x. Returns the digit count; *exp10 is the exponent of
 * the first digit. */
static int shortest_digits(double x, char *d, int *exp10)
{
    for (int prec = 1; prec <= 17; prec++) {
        char s[40];
        snprintf(s, sizeof s, "%.*e", prec - 1, x);
        /* "d[.ddd]e[+-]XX", the '.' per locale: take digits until 'e' */
        int nd = 0;
        const char *p = s;
        for (; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9')
                d[nd++] = *p;
        int e = atoi(p + 1);
        if (digits_value(d, nd, e) == x)
            goto found;
        for (int delta = 1; delta >= -1; delta -= 2) {
            char t[20];
            memcpy(t, d, (size_t)nd);
            if (step_digits(t, nd, delta) && digits_value(t, nd, e) == x) {
                memcpy(d, t, (size_t)nd);
                goto found;
            }
        }
        continue;
    found:
        while (nd > 1 && d[nd - 1] == '0')
            nd--;
        *exp10 = e;
        return nd;
    }
    return 0; /* unreachable: 17 digits always round-trip */
}

/* repr() of a finite or infinite double >= 0 ('r' format): exponent form iff
 * the decimal point position is <= -4 or > 16; `dot0` adds ".0" to integral
 * values (float repr does, the imaginary part of a complex does not). */
static void put_double(tmd_buf *out, double x, int dot0)
{
    if (isinf(x)) {
        tmd_buf_put(out, "inf", 3);
        return;
    }
    if (x == 0) {
        tmd_buf_puts(out, dot0 ? "0.0" : "0");
        return;
    }
    char d[20];
    int e = 0, nd = shortest_digits(x, d, &e);
    int decpt = e + 1;
    if (decpt <= -4 || decpt > 16) {
        tmd_buf_putc(out, d[0]);
        if (nd > 1) {
            tmd_buf_putc(out, '.');
            tmd_buf_put(out, d + 1, (size_t)nd - 1);
        }
        tmd_buf_printf(out, "e%c%02d", e < 0 ? '-' : '+', e < 0 ? -e : e);
    } else if (decpt <= 0) {
        tmd_buf_put(out, "0.", 2);
        for (int k = 0; k < -decpt; k++)
            tmd_buf_putc(out, '0');
        tmd_buf_put(out, d, (size_t)nd);
    } else if (decpt >= nd) {
        tmd_buf_put(out, d, (size_t)nd);
        for (int k = nd; k < decpt; k++)
            tmd_buf_putc(out, '0');
        if (dot0)
            tmd_buf_put(out, ".0", 2);
    } else {
        tmd_buf_put(out, d, (size_t)decpt);
        tmd_buf_putc(out, '.');
        tmd_buf_put(out, d + decpt, (size_t)(nd - decpt));
    }
}

/* ---- ints ---------------------------------------------------------------- */

/* Decimal digits of an int given in base 2, 8 or 16 (dig: its digits, no
 * leading zeros, nd > 0), appended to out. */
static int put_based_int(tmd_buf *out, const char *dig, size_t nd, int base, char *why)
{
    int bits_per = base == 16 ? 4 : base == 8 ? 3 : 1;
    int lead = (dig[0] | 0x20) >= 'a' ? (dig[0] | 0x20) - 'a' + 10 : dig[0] - '0';
    int lead_bits = 0;
    while (lead >> lead_bits)
        lead_bits++;
    double bits = (double)(nd - 1) * bits_per + lead_bits;
    if (bits <= 64) {
        unsigned long long v = 0;
        for (size_t k = 0; k < nd; k++) {
            int c = dig[k] | 0x20;
            v = v * (unsigned)base + (unsigned)(c >= 'a' ? c - 'a' + 10 : c - '0');
        }
        tmd_buf_printf(out, "%llu", v);
        return LIT_OK;
    }
    /* value >= 2^(bits-1): past the limit for sure, without converting */
    if ((bits - 1) * 0.30102999566398120 >= INT_MAX_STR_DIGITS + 1)
        return lit_fail(why, LIT_INEXACT, "int with more than %d decimal digits: repr() raises "
                        "ValueError (testmon crashes)", INT_MAX_STR_DIGITS);
    /* base 10^9 limbs, least significant first; digits fed in chunks whose
     * multiplier stays below 2^28 so limb*mul+carry fits in 64 bits */
    size_t nlimbs_max = (size_t)(bits / 29.0) + 2, nl = 1;
    uint32_t *limb = calloc(nlimbs_max, sizeof *limb);
    if (!limb)
        return lit_fail(why, LIT_NOMEM, "out of memory");
    int chunk = 28 / bits_per;
    for (size_t k = 0; k < nd;) {
        uint64_t mul = 1, add = 0;
        for (int c = 0; c < chunk && k < nd; c++, k++) {
            int ch = dig[k] | 0x20;
            mul *= (uint64_t)base;
            add = add * (uint64_t)base + (uint64_t)(ch >= 'a' ? ch - 'a' + 10 : ch - '0');
        }
        uint64_t carry = add;
        for (size_t l = 0; l < nl; l++) {
            uint64_t v = (uint64_t)limb[l] * mul + carry;
            limb[l] = (uint32_t)(v % 1000000000u);
            carry = v / 1000000000u;
        }
        while (carry && nl < nlimbs_max) {
            limb[nl++] = (uint32_t)(carry % 1000000000u);
            carry /= 1000000000u;
        }
    }
    size_t ndec = 9 * (nl - 1);
    for (uint32_t top = limb[nl - 1]; top; top /= 10)
        ndec++;
    if (ndec > INT_MAX_STR_DIGITS) {
        free(limb);
        return lit_fail(why, LIT_INEXACT, "int with more than %d decimal digits: repr() raises "
                        "ValueError (testmon crashes)", INT_MAX_STR_DIGITS);
    }
    tmd_buf_printf(out, "%u", limb[nl - 1]);
    for (size_t l = nl - 1; l-- > 0;)
        tmd_buf_printf(out, "%09u", limb[l]);
    free(limb);
    return LIT_OK;
}

/* Whether the dialect's interpreter limits int str conversion (3.8.14,
 * 3.9.14, 3.10.7, 3.11.0 and later; micro -1 means the newest). */
static int has_digit_limit(const tmd_dialect *d)
{
    if (d->micro < 0 || d->minor >= 11)
        return 1;
    int first = d->minor == 10 ? 7 : 14;
    return d->micro >= first;
}

int lit_repr_number(tmd_buf *out, const char *tok, size_t len, const tmd_dialect *dialect,
                    char *why)
{
    char small[128];
    char *dig = len < sizeof small ? small : malloc(len + 1);
    int r = LIT_OK;
    size_t nd = 0, i = 0;
    if (!dig)
        return lit_fail(why, LIT_NOMEM, "out of memory");
    if (len == 0)
        goto bad;

    if (len >= 2 && tok[0] == '0' && strchr("xXoObB", tok[1])) {
        int base = (tok[1] | 0x20) == 'x' ? 16 : (tok[1] | 0x20) == 'o' ? 8 : 2;
        i = 2;
        if (!digit_run(tok, len, &i, base, dig, &nd, 1) || i != len)
            goto bad;
        size_t z = 0;
        while (z + 1 < nd && dig[z] == '0')
            z++;
        r = put_based_int(out, dig + z, nd - z, base, why);
        goto done;
    }

    /* decimal: int, float or imaginary */
    int is_float = 0, is_imag = 0;
    size_t int_nd = 0;
    if (tok[0] != '.') {
        if (!digit_run(tok, len, &i, 10, dig, &nd, 0))
            goto bad;
        int_nd = nd;
    }
    if (i < len && tok[i] == '.') {
        is_float = 1;
        dig[nd++] = '.';
        i++;
        if (i < len && tok[i] >= '0' && tok[i] <= '9') {
            if (!digit_run(tok, len, &i, 10, dig, &nd, 0))
                goto bad;
        } else if (int_nd == 0) {
            goto bad;
        }
    }
    if (i < len && (tok[i] | 0x20) == 'e') {
        is_float = 1;
        dig[nd++] = 'e';
        i++;
        if (i < len && (tok[i] == '+' || tok[i] == '-'))
            dig[nd++] = tok[i++];
        if (!digit_run(tok, len, &i, 10, dig, &nd, 0))
            goto bad;
    }
    if (i < len && (tok[i] | 0x20) == 'j') {
        is_imag = 1;
        i++;
    }
    if (i != len)
        goto bad;

    if (!is_float && !is_imag) {
        /* decimal int: its digits are its repr, once leading zeros go
         * (CPython allows them only for zero) */
        size_t z = 0;
        while (z < nd && dig[z] == '0')
            z++;
        if (z == nd) {
            tmd_buf_putc(out, '0');
        } else if (z > 0) {
            r = lit_fail(why, LIT_SYNTAX, "leading zeros in decimal integer literals are not permitted");
        } else if (nd > INT_MAX_STR_DIGITS) {
            r = has_digit_limit(dialect)
                    ? lit_fail(why, LIT_SYNTAX, "decimal int literal over %d digits", INT_MAX_STR_DIGITS)
                    : lit_fail(why, LIT_INEXACT, "decimal int literal over %d digits", INT_MAX_STR_DIGITS);
        } else {
            tmd_buf_put(out, dig, nd);
        }
        goto done;
    }
    dig[nd] = '\0';
    double v = c_strtod(dig);
    put_double(out, v, !is_imag);
    if (is_imag)
        tmd_buf_putc(out, 'j');
    goto done;
bad:
    r = lit_fail(why, LIT_SYNTAX, "invalid number literal '%.*s'", (int)(len > 40 ? 40 : len), tok);
done:
    if (dig != small)
        free(dig);
    if (r == LIT_OK && out->oom)
        r = lit_fail(why, LIT_NOMEM, "out of memory");
    return r;
}
