/* codec.c: a Python file's encoding, found and applied as CPython does it
 * (tokenize.detect_encoding, codecs.lookup, bytes.decode(errors="replace")).
 *
 * Exactness first: where tmdiff cannot be sure to produce the same text as
 * Python, the file is TMD_CODEC_UNDECODABLE and its tests run. UTF-8 is
 * decoded here; one-byte charsets through glibc's iconv, only for the
 * charsets whose 256 byte values glibc maps exactly as Python does (checked
 * by tests/tools/compare_source.py). Six CJK codecs go through iconv too,
 * but only a file iconv converts without any error counts: glibc and Python
 * differ on invalid input. For those codecs every one- and two-byte
 * sequence (three for EUC-JP's 0x8F) was compared with Python 3.8-3.13; the
 * few that glibc accepts and Python does not are recognised by the
 * characters glibc makes of them (`forbidden`). UTF-16/32, Big5, Shift-JIS,
 * ISO-2022 and the others are not decoded (the file counts as changed). */
#include "source_internal.h"

#include <errno.h>
#include <iconv.h>
#include <string.h>

/* ---- UTF-8 --------------------------------------------------------------- */

/* Length (2..4) of the complete, valid UTF-8 character starting at non-ASCII
 * byte s[0], or 0 with *bad set to the length of its maximal invalid
 * subpart (what CPython replaces by one U+FFFD). */
static size_t utf8_seq(const uint8_t *s, size_t avail, size_t *bad)
{
    uint8_t c = s[0], lo = 0x80, hi = 0xBF;
    size_t need;
    if (c >= 0xC2 && c <= 0xDF) {
        need = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        need = 3;
        lo = c == 0xE0 ? 0xA0 : 0x80; /* no overlongs */
        hi = c == 0xED ? 0x9F : 0xBF; /* no surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        need = 4;
        lo = c == 0xF0 ? 0x90 : 0x80; /* no overlongs */
        hi = c == 0xF4 ? 0x8F : 0xBF; /* nothing above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    size_t k = 1;
    while (k < need && k < avail) {
        uint8_t t = s[k];
        if (k == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xBF))
            break;
        k++;
    }
    if (k == need)
        return need;
    *bad = k;
    return 0;
}

#define ASCII_MASK 0x8080808080808080ULL

int tmd_utf8_scan(const uint8_t *s, size_t n, size_t *out_chars)
{
    size_t i = 0, chars = 0, bad;
    while (i < n) {
        uint64_t w;
        if (n - i >= 8 && (memcpy(&w, s + i, 8), !(w & ASCII_MASK))) {
            i += 8; /* the common case: eight ASCII bytes at once */
            chars += 8;
            continue;
        }
        if (s[i] < 0x80) {
            i++;
        } else {
            size_t len = utf8_seq(s + i, n - i, &bad);
            if (!len)
                return 0;
            i += len;
        }
        chars++;
    }
    *out_chars = chars;
    return 1;
}

void tmd_utf8_decode_replace(tmd_buf *out, size_t *out_chars, const uint8_t *s, size_t n)
{
    static const char replacement[3] = {(char)0xEF, (char)0xBF, (char)0xBD};
    size_t i = 0, run = 0, chars = 0, bad;
    if (tmd_buf_grow(out, n + n / 2 + 2))
        return;
    while (i < n) {
        size_t at = i + run;
        if (at >= n)
            break;
        if (s[at] < 0x80) {
            run++;
            chars++;
            continue;
        }
        size_t len = utf8_seq(s + at, n - at, &bad);
        if (len) {
            run += len;
            chars++;
            continue;
        }
        tmd_buf_put(out, s + i, run); /* the valid bytes before the error */
        tmd_buf_put(out, replacement, 3);
        chars++;
        i = at + bad;
        run = 0;
    }
    tmd_buf_put(out, s + i, run);
    *out_chars += chars;
}

/* ---- one-byte charsets through iconv --------------------------------------- */

int tmd_single_byte_decode(tmd_buf *out, size_t *out_chars, const char *iconv_name,
                           const uint8_t *s, size_t n)
{
    char table[256][4];
    uint8_t width[256];
    memset(table, 0, sizeof table);
    iconv_t cd = iconv_open("UTF-8", iconv_name);
    if (cd == (iconv_t)-1)
        return -1;
    for (int b = 0; b < 256; b++) {
        char in = (char)b, *inp = &in, *outp = table[b];
        size_t inleft = 1, outleft = sizeof table[b], bad;
        iconv(cd, NULL, NULL, NULL, NULL); /* reset the state after an error */
        size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
        width[b] = (uint8_t)(sizeof table[b] - outleft);
        if (r == (size_t)-1 || inleft) {
            memcpy(table[b], "\xEF\xBF\xBD", 3); /* Python: undefined -> U+FFFD */
            width[b] = 3;
        } else if (width[b] == 0 || ((uint8_t)table[b][0] < 0x80 ? width[b] != 1
                   : utf8_seq((const uint8_t *)table[b], width[b], &bad) != width[b])) {
            iconv_close(cd); /* not one character per byte: not Python's codec */
            return -1;
        }
    }
    iconv_close(cd);
    if (tmd_buf_grow(out, n * 3 + 2))
        return 0;
    char *dst = out->data + out->len;
    for (size_t i = 0; i < n; i++) {
        memcpy(dst, table[s[i]], 4);
        dst += width[s[i]];
    }
    out->len = (size_t)(dst - out->data);
    out->data[out->len] = '\0';
    *out_chars += n;
    return 0;
}

/* ---- multi-byte charsets through iconv ------------------------------------------- */

static uint32_t utf8_decode_one(const uint8_t *s, size_t len)
{
    if (len == 2)
        return (uint32_t)(s[0] & 0x1F) << 6 | (s[1] & 0x3F);
    if (len == 3)
        return (uint32_t)(s[0] & 0x0F) << 12 | (uint32_t)(s[1] & 0x3F) << 6 | (s[2] & 0x3F);
    return (uint32_t)(s[0] & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
           (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
}

int tmd_multi_byte_decode(tmd_buf *out, size_t *out_chars, const char *iconv_name,
                          const tmd_cp_range *forbidden, const uint8_t *s, size_t n)
{
    iconv_t cd = iconv_open("UTF-8", iconv_name);
    if (cd == (iconv_t)-1)
        return -1;
    size_t start = out->len;
    char *inp = (char *)s;
    size_t inleft = n;
    int rc = 0, flushed = 0;
    while (!rc && !flushed) {
        if (tmd_buf_grow(out, inleft * 2 + 16)) {
            rc = -1;
            break;
        }
        char *outp = out->data + out->len;
        size_t room = out->cap - out->len - 1, outleft = room;
        flushed = !inleft; /* the last call resets the shift state */
        size_t r = inleft ? iconv(cd, &inp, &inleft, &outp, &outleft)
                          : iconv(cd, NULL, NULL, &outp, &outleft);
        int err = errno;
        out->len += room - outleft;
        out->data[out->len] = '\0';
        if (r == (size_t)-1 && err == E2BIG)
            flushed = 0;
        else if (r == (size_t)-1) /* EILSEQ, EINVAL: Python replaces; not exact */
            rc = -1;
    }
    iconv_close(cd);
    if (rc)
        return -1;
    const uint8_t *t = (const uint8_t *)out->data + start;
    size_t len = out->len - start, chars = 0, bad;
    for (size_t i = 0; i < len; chars++) {
        if (t[i] < 0x80) {
            i++;
            continue;
        }
        size_t k = utf8_seq(t + i, len - i, &bad);
        if (!k)
            return -1; /* glibc emitted something odd: do not trust it */
        uint32_t cp = utf8_decode_one(t + i, k);
        for (const tmd_cp_range *f = forbidden; f->hi; f++)
            if (cp >= f->lo && cp <= f->hi)
                return -1;
        i += k;
    }
    *out_chars += chars;
    return 0;
}

/* ---- codecs.lookup ---------------------------------------------------------- */

/* What glibc makes of byte sequences its EUC-JP, EUC-KR and GBK accept and
 * Python's do not (C1 controls for lone bytes 0x80-0x9F, ...). */
static const tmd_cp_range none_forbidden[] = {{0, 0}};
static const tmd_cp_range euc_jp_forbidden[] = {{0x80, 0x9F}, {0xFF5E, 0xFF5E}, {0, 0}};
static const tmd_cp_range euc_kr_forbidden[] = {
    {0x80, 0x9F}, {0x3164, 0x3164}, {0x327E, 0x327E}, {0, 0}};
static const tmd_cp_range gbk_forbidden[] = {{0x20AC, 0x20AC}, {0, 0}};

/* Python's codec modules that tmdiff decodes exactly, with glibc's name
 * (no name: UTF-8; no forbidden list: one byte per character). */
static const struct module {
    const char *python;
    const char *iconv;
    const tmd_cp_range *forbidden;
} modules[] = {
    {"euc_jp", "EUC-JP", euc_jp_forbidden}, {"euc_kr", "EUC-KR", euc_kr_forbidden},
    {"gbk", "GBK", gbk_forbidden}, {"gb2312", "GB2312", none_forbidden},
    {"cp932", "CP932", none_forbidden}, {"cp949", "CP949", none_forbidden},
    {"utf_8", NULL, NULL}, {"utf_8_sig", NULL, NULL}, {"ascii", "ASCII", NULL},
    {"latin_1", "ISO-8859-1", NULL}, {"iso8859_1", "ISO-8859-1", NULL},
    {"iso8859_2", "ISO-8859-2", NULL}, {"iso8859_3", "ISO-8859-3", NULL},
    {"iso8859_4", "ISO-8859-4", NULL}, {"iso8859_5", "ISO-8859-5", NULL},
    {"iso8859_6", "ISO-8859-6", NULL}, {"iso8859_7", "ISO-8859-7", NULL},
    {"iso8859_8", "ISO-8859-8", NULL}, {"iso8859_9", "ISO-8859-9", NULL},
    {"iso8859_10", "ISO-8859-10", NULL}, {"iso8859_11", "ISO-8859-11", NULL},
    {"iso8859_13", "ISO-8859-13", NULL}, {"iso8859_14", "ISO-8859-14", NULL},
    {"iso8859_15", "ISO-8859-15", NULL}, {"iso8859_16", "ISO-8859-16", NULL},
    {"cp037", "CP037", NULL}, {"cp1125", "CP1125", NULL}, {"cp1140", "CP1140", NULL},
    {"cp1250", "CP1250", NULL}, {"cp1251", "CP1251", NULL}, {"cp1252", "CP1252", NULL},
    {"cp1253", "CP1253", NULL}, {"cp1254", "CP1254", NULL}, {"cp1256", "CP1256", NULL},
    {"cp1257", "CP1257", NULL}, {"cp437", "CP437", NULL}, {"cp500", "CP500", NULL},
    {"cp737", "CP737", NULL}, {"cp775", "CP775", NULL}, {"cp850", "CP850", NULL},
    {"cp852", "CP852", NULL}, {"cp855", "CP855", NULL}, {"cp857", "CP857", NULL},
    {"cp858", "CP858", NULL}, {"cp860", "CP860", NULL}, {"cp861", "CP861", NULL},
    {"cp862", "CP862", NULL}, {"cp863", "CP863", NULL}, {"cp864", "CP864", NULL},
    {"cp865", "CP865", NULL}, {"cp866", "CP866", NULL}, {"cp869", "CP869", NULL},
    {"cp874", "CP874", NULL}, {"hp_roman8", "HP-ROMAN8", NULL}, {"koi8_r", "KOI8-R", NULL},
    {"koi8_t", "KOI8-T", NULL}, {"koi8_u", "KOI8-U", NULL},
};

/* Python's encodings.aliases entries (3.8-3.13 agree) that lead to one of
 * the modules above, as "alias=module". Not windows_31j (3.13 only). */
static const char *const aliases[] = {
    "932=cp932", "936=gbk", "949=cp949", "chinese=gb2312", "cp936=gbk",
    "csiso58gb231280=gb2312", "euc_cn=gb2312", "euccn=gb2312",
    "eucgb2312_cn=gb2312", "eucjp=euc_jp", "euckr=euc_kr", "gb2312_1980=gb2312",
    "gb2312_80=gb2312", "iso_ir_58=gb2312", "korean=euc_kr", "ks_c_5601=euc_kr",
    "ks_c_5601_1987=euc_kr", "ks_x_1001=euc_kr", "ksc5601=euc_kr",
    "ksx1001=euc_kr", "ms932=cp932", "ms936=gbk", "ms949=cp949",
    "ms_kanji=cp932", "mskanji=cp932", "u_jis=euc_jp", "uhc=cp949",
    "ujis=euc_jp", "x_mac_korean=euc_kr", "x_mac_simp_chinese=gb2312",
    "037=cp037", "1125=cp1125", "1140=cp1140", "1250=cp1250", "1251=cp1251",
    "1252=cp1252", "1253=cp1253", "1254=cp1254", "1256=cp1256", "1257=cp1257",
    "437=cp437", "500=cp500", "646=ascii", "775=cp775", "850=cp850",
    "852=cp852", "855=cp855", "857=cp857", "858=cp858", "860=cp860",
    "861=cp861", "862=cp862", "863=cp863", "864=cp864", "865=cp865",
    "866=cp866", "869=cp869", "8859=latin_1", "ansi_x3.4_1968=ascii",
    "ansi_x3.4_1986=ascii", "ansi_x3_4_1968=ascii", "arabic=iso8859_6",
    "asmo_708=iso8859_6", "cp1051=hp_roman8", "cp367=ascii", "cp65001=utf_8",
    "cp819=latin_1", "cp866u=cp1125", "cp_gr=cp869", "cp_is=cp861",
    "csascii=ascii", "csibm037=cp037", "csibm500=cp500", "csibm855=cp855",
    "csibm857=cp857", "csibm858=cp858", "csibm860=cp860", "csibm861=cp861",
    "csibm863=cp863", "csibm864=cp864", "csibm865=cp865", "csibm866=cp866",
    "csibm869=cp869", "csisolatin1=latin_1", "csisolatin2=iso8859_2",
    "csisolatin3=iso8859_3", "csisolatin4=iso8859_4", "csisolatin5=iso8859_9",
    "csisolatin6=iso8859_10", "csisolatinarabic=iso8859_6",
    "csisolatincyrillic=iso8859_5", "csisolatingreek=iso8859_7",
    "csisolatinhebrew=iso8859_8", "cskoi8r=koi8_r", "cspc775baltic=cp775",
    "cspc850multilingual=cp850", "cspc862latinhebrew=cp862",
    "cspc8codepage437=cp437", "cspcp852=cp852", "cyrillic=iso8859_5",
    "ebcdic_cp_be=cp500", "ebcdic_cp_ca=cp037", "ebcdic_cp_ch=cp500",
    "ebcdic_cp_nl=cp037", "ebcdic_cp_us=cp037", "ebcdic_cp_wt=cp037",
    "ecma_114=iso8859_6", "ecma_118=iso8859_7", "elot_928=iso8859_7",
    "greek=iso8859_7", "greek8=iso8859_7", "hebrew=iso8859_8",
    "ibm037=cp037", "ibm039=cp037", "ibm1051=hp_roman8", "ibm1125=cp1125",
    "ibm1140=cp1140", "ibm367=ascii", "ibm437=cp437", "ibm500=cp500",
    "ibm775=cp775", "ibm819=latin_1", "ibm850=cp850", "ibm852=cp852",
    "ibm855=cp855", "ibm857=cp857", "ibm858=cp858", "ibm860=cp860",
    "ibm861=cp861", "ibm862=cp862", "ibm863=cp863", "ibm864=cp864",
    "ibm865=cp865", "ibm866=cp866", "ibm869=cp869", "iso646_us=ascii",
    "iso8859=latin_1", "iso8859_1=latin_1", "iso_646.irv_1991=ascii",
    "iso_8859_1=latin_1", "iso_8859_10=iso8859_10", "iso_8859_10_1992=iso8859_10",
    "iso_8859_11=iso8859_11", "iso_8859_11_2001=iso8859_11",
    "iso_8859_13=iso8859_13", "iso_8859_14=iso8859_14",
    "iso_8859_14_1998=iso8859_14", "iso_8859_15=iso8859_15",
    "iso_8859_16=iso8859_16", "iso_8859_16_2001=iso8859_16",
    "iso_8859_1_1987=latin_1", "iso_8859_2=iso8859_2",
    "iso_8859_2_1987=iso8859_2", "iso_8859_3=iso8859_3",
    "iso_8859_3_1988=iso8859_3", "iso_8859_4=iso8859_4",
    "iso_8859_4_1988=iso8859_4", "iso_8859_5=iso8859_5",
    "iso_8859_5_1988=iso8859_5", "iso_8859_6=iso8859_6",
    "iso_8859_6_1987=iso8859_6", "iso_8859_7=iso8859_7",
    "iso_8859_7_1987=iso8859_7", "iso_8859_8=iso8859_8",
    "iso_8859_8_1988=iso8859_8", "iso_8859_9=iso8859_9",
    "iso_8859_9_1989=iso8859_9", "iso_celtic=iso8859_14",
    "iso_ir_100=latin_1", "iso_ir_101=iso8859_2", "iso_ir_109=iso8859_3",
    "iso_ir_110=iso8859_4", "iso_ir_126=iso8859_7", "iso_ir_127=iso8859_6",
    "iso_ir_138=iso8859_8", "iso_ir_144=iso8859_5", "iso_ir_148=iso8859_9",
    "iso_ir_157=iso8859_10", "iso_ir_199=iso8859_14", "iso_ir_226=iso8859_16",
    "iso_ir_6=ascii", "l1=latin_1", "l10=iso8859_16", "l2=iso8859_2",
    "l3=iso8859_3", "l4=iso8859_4", "l5=iso8859_9", "l6=iso8859_10",
    "l7=iso8859_13", "l8=iso8859_14", "l9=iso8859_15", "latin=latin_1",
    "latin1=latin_1", "latin10=iso8859_16", "latin2=iso8859_2",
    "latin3=iso8859_3", "latin4=iso8859_4", "latin5=iso8859_9",
    "latin6=iso8859_10", "latin7=iso8859_13", "latin8=iso8859_14",
    "latin9=iso8859_15", "r8=hp_roman8", "roman8=hp_roman8", "ruscii=cp1125",
    "thai=iso8859_11", "u8=utf_8", "us=ascii", "us_ascii=ascii", "utf=utf_8",
    "utf8=utf_8", "utf8_ucs2=utf_8", "utf8_ucs4=utf_8",
    "windows_1250=cp1250", "windows_1251=cp1251", "windows_1252=cp1252",
    "windows_1253=cp1253", "windows_1254=cp1254", "windows_1256=cp1256",
    "windows_1257=cp1257",
};

static const struct module *module_named(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof modules / sizeof *modules; i++)
        if (strlen(modules[i].python) == len && !memcmp(modules[i].python, name, len))
            return &modules[i];
    return NULL;
}

static const struct module *alias_target(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof aliases / sizeof *aliases; i++) {
        const char *eq = strchr(aliases[i], '=');
        if ((size_t)(eq - aliases[i]) == len && !memcmp(aliases[i], name, len))
            return module_named(eq + 1, strlen(eq + 1));
    }
    return NULL;
}

static int is_alnum(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static char lower(char c) { return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c; }

/* tokenize._get_normal_name: looks at the first 12 characters only. */
static const char *tokenize_normal_name(const char *name, size_t len)
{
    char e[13];
    size_t k = len < 12 ? len : 12;
    for (size_t i = 0; i < k; i++)
        e[i] = name[i] == '_' ? '-' : lower(name[i]);
    e[k] = '\0';
    if (!strcmp(e, "utf-8") || !strncmp(e, "utf-8-", 6))
        return "utf-8";
    static const char *const latin1[] = {"latin-1", "iso-8859-1", "iso-latin-1"};
    for (size_t i = 0; i < 3; i++) {
        size_t l = strlen(latin1[i]);
        if (!strcmp(e, latin1[i]) || (!strncmp(e, latin1[i], l) && e[l] == '-'))
            return "iso-8859-1";
    }
    return NULL; /* the name as written */
}

void tmd_codec_lookup(tmd_codec *out, int *out_utf8_exact, const char *name, size_t len)
{
    const char *normal = tokenize_normal_name(name, len);
    *out_utf8_exact = normal && !strcmp(normal, "utf-8");
    if (normal) {
        name = normal;
        len = strlen(normal);
    }
    /* codecs.lookup lowercases; encodings.normalize_encoding turns each run
     * of characters other than letters, digits and '.' into one '_' (none
     * at either end). Longer results than 63 name no codec at all. */
    char norm[64] = {0};
    size_t m = 0;
    int punct = 0;
    for (size_t i = 0; i < len && m < sizeof norm - 1; i++) {
        if (is_alnum(name[i]) || name[i] == '.') {
            if (punct && m)
                norm[m++] = '_';
            if (m < sizeof norm - 1)
                norm[m++] = lower(name[i]);
            punct = 0;
        } else {
            punct = 1;
        }
    }
    const struct module *mod = NULL;
    if (m < sizeof norm - 1) {
        mod = alias_target(norm, m);
        if (!mod) {
            char underscored[64] = {0};
            for (size_t i = 0; i < m; i++)
                underscored[i] = norm[i] == '.' ? '_' : norm[i];
            mod = alias_target(underscored, m);
        }
        if (!mod && !memchr(norm, '.', m))
            mod = module_named(norm, m);
    }
    out->iconv_name = NULL;
    out->forbidden = NULL;
    out->why = NULL;
    if (!mod) {
        out->kind = TMD_CODEC_UNDECODABLE;
        out->why = "its coding cookie names a codec Python does not know or tmdiff "
                   "cannot decode exactly";
    } else {
        out->kind = !mod->iconv ? TMD_CODEC_UTF8
                    : mod->forbidden ? TMD_CODEC_MULTI_BYTE : TMD_CODEC_SINGLE_BYTE;
        out->iconv_name = mod->iconv;
        out->forbidden = mod->forbidden;
    }
}

/* ---- tokenize.detect_encoding ------------------------------------------------ */

static int is_word(uint8_t c) { return is_alnum((char)c) || c == '_' || c == '-' || c == '.'; }

/* find_cookie on one line (its '\n' included): -1 when the line is not
 * UTF-8 (tokenize raises), 0 without a cookie, 1 with the name in *name. */
static int find_cookie(const uint8_t *line, size_t len, const uint8_t **name, size_t *name_len)
{
    size_t chars;
    if (!tmd_utf8_scan(line, len, &chars))
        return -1;
    /* ^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+) ; '.' never meets the '\n' */
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f'))
        i++;
    if (i >= len || line[i] != '#')
        return 0;
    for (size_t p = i + 1; p + 7 <= len && line[p] != '\n'; p++) {
        if (memcmp(line + p, "coding", 6) || (line[p + 6] != ':' && line[p + 6] != '='))
            continue;
        size_t q = p + 7;
        while (q < len && (line[q] == ' ' || line[q] == '\t'))
            q++;
        size_t start = q;
        while (q < len && is_word(line[q]))
            q++;
        if (q > start) {
            *name = line + start;
            *name_len = q - start;
            return 1;
        }
    }
    return 0;
}

/* blank_re: ^[ \t\f]*(?:[#\r\n]|$) */
static int is_blank_line(const uint8_t *line, size_t len)
{
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f'))
        i++;
    return i == len || line[i] == '#' || line[i] == '\r' || line[i] == '\n';
}

static size_t line_end(const uint8_t *s, size_t from, size_t n)
{
    const uint8_t *nl = memchr(s + from, '\n', n - from);
    return nl ? (size_t)(nl - s) + 1 : n;
}

void tmd_codec_detect(tmd_codec *out, const uint8_t *s, size_t n)
{
    int bom = n >= 3 && s[0] == 0xEF && s[1] == 0xBB && s[2] == 0xBF;
    size_t start = bom ? 3 : 0;
    out->kind = bom ? TMD_CODEC_UTF8_SIG : TMD_CODEC_UTF8;
    out->iconv_name = NULL;
    out->forbidden = NULL;
    out->why = NULL;

    for (int lineno = 1; lineno <= 2 && start < n; lineno++) {
        size_t end = line_end(s, start, n);
        const uint8_t *name;
        size_t name_len;
        int found = find_cookie(s + start, end - start, &name, &name_len);
        if (found < 0) {
            out->kind = TMD_CODEC_UNDECODABLE;
            out->why = "a line Python reads for the coding cookie is not UTF-8 "
                       "(tokenize raises SyntaxError)";
            return;
        }
        if (found) {
            int utf8_exact;
            tmd_codec_lookup(out, &utf8_exact, (const char *)name, name_len);
            if (out->kind != TMD_CODEC_UNDECODABLE && bom) {
                if (!utf8_exact) {
                    out->kind = TMD_CODEC_UNDECODABLE;
                    out->iconv_name = NULL;
                    out->why = "a UTF-8 BOM with a coding cookie other than utf-8 "
                               "(tokenize raises SyntaxError)";
                } else {
                    out->kind = TMD_CODEC_UTF8_SIG;
                }
            }
            return;
        }
        if (lineno == 1 && !is_blank_line(s + start, end - start))
            return;
        start = end;
    }
}
