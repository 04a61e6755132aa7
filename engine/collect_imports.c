/* collect_imports.c: the names a module binds with `def`, with an
 * assignment and with `from M import ...`. pytest takes every fixture in a conftest's
 * namespace, imported ones too, so tmdiff follows a conftest's imports to
 * the modules under the root that define them (collect.c). That runs on
 * every selection, before the collection's cache can answer, so this reads
 * the text with a scanner instead of a parser: it may find more than the
 * module binds (an import inside a string, a method's def), which only
 * makes tmdiff read another module, never less than it binds. */
#include "collect_internal.h"

#include <string.h>

static int word_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c >= 0x80;
}

/* Past blanks and backslash-newlines; inside parentheses also newlines and
 * comments. */
static size_t skip_blank(const char *s, size_t n, size_t i, int in_parens)
{
    while (i < n) {
        char c = s[i];
        if (c == ' ' || c == '\t' || c == '\f')
            i++;
        else if (c == '\\' && i + 1 < n && (s[i + 1] == '\n' || s[i + 1] == '\r'))
            i += (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n') ? 3 : 2;
        else if (in_parens && (c == '\n' || c == '\r'))
            i++;
        else if (in_parens && c == '#')
            while (i < n && s[i] != '\n' && s[i] != '\r')
                i++;
        else
            break;
    }
    return i;
}

/* The name at s[i] (its length, 0 for none). */
static size_t name_at(const char *s, size_t n, size_t i)
{
    size_t k = i;
    while (k < n && word_char((unsigned char)s[k]))
        k++;
    return k > i && !(s[i] >= '0' && s[i] <= '9') ? k - i : 0;
}

/* Whether the keyword `kw` stands at s[i] as a whole word. */
static int keyword_at(const char *s, size_t n, size_t i, const char *kw)
{
    size_t l = strlen(kw);
    return i + l <= n && !memcmp(s + i, kw, l) && (i == 0 || !word_char((unsigned char)s[i - 1])) &&
           (i + l == n || !word_char((unsigned char)s[i + l]));
}

static int push_import(module_names *out, const tmd_buf *spec, const char *orig, size_t ol, const char *bound,
                       size_t bl)
{
    return strvec_push(&out->specs, spec->data) || strvec_push_n(&out->origs, orig, ol) ||
                   strvec_push_n(&out->binds, bound, bl)
               ? TMD_ENOMEM
               : 0;
}

/* One `from M import ...` whose "from" ends at s[i]. 0 or TMD_ENOMEM. */
static int from_import(module_names *out, const char *s, size_t n, size_t i)
{
    tmd_buf spec = TMD_BUF_INIT; /* M without blanks: "..pkg.mod" */
    int rc = 0;
    for (;;) { /* dots and names up to "import" */
        i = skip_blank(s, n, i, 0);
        size_t l = name_at(s, n, i);
        if (i < n && s[i] == '.') {
            tmd_buf_putc(&spec, '.');
            i++;
        } else if (l && keyword_at(s, n, i, "import")) {
            i += l;
            break;
        } else if (l) {
            tmd_buf_put(&spec, s + i, l);
            i += l;
        } else {
            tmd_buf_free(&spec);
            return 0; /* not an import: `yield from x`, `raise E from x` */
        }
    }
    if (spec.oom || !spec.len) {
        rc = spec.oom ? TMD_ENOMEM : 0;
        tmd_buf_free(&spec);
        return rc;
    }
    i = skip_blank(s, n, i, 0);
    int parens = i < n && s[i] == '(';
    if (i < n && s[i] == '*') {
        rc = push_import(out, &spec, "*", 1, "*", 1);
    } else {
        i += parens;
        for (; !rc;) { /* name [as name], ... */
            i = skip_blank(s, n, i, parens);
            size_t l = name_at(s, n, i);
            if (!l)
                break;
            const char *orig = s + i, *bound = orig;
            size_t bl = l;
            i = skip_blank(s, n, i + l, parens);
            if (keyword_at(s, n, i, "as")) {
                i = skip_blank(s, n, i + 2, parens);
                bl = name_at(s, n, i);
                bound = s + i;
                i += bl;
            }
            if (bl)
                rc = push_import(out, &spec, orig, l, bound, bl);
            i = skip_blank(s, n, i, parens);
            if (i >= n || s[i] != ',')
                break;
            i++;
        }
    }
    tmd_buf_free(&spec);
    return rc;
}

/* The names a line starting at s[i] assigns (`a = ...`, `a, b = ...`):
 * they go with the defs, since a fixture object can be bound that way. */
static int assigned_names(module_names *out, const char *s, size_t n, size_t i)
{
    size_t at[8], len[8], k = 0;
    i = skip_blank(s, n, i, 0);
    for (size_t l; k < 8 && (l = name_at(s, n, i)) > 0;) {
        at[k] = i, len[k++] = l;
        i = skip_blank(s, n, i + l, 0);
        if (i >= n || s[i] != ',')
            break;
        i = skip_blank(s, n, i + 1, 0);
    }
    if (!k || i + 1 >= n || s[i] != '=' || s[i + 1] == '=')
        return 0;
    for (size_t j = 0; j < k; j++)
        if (strvec_push_n(&out->defs, s + at[j], len[j]))
            return TMD_ENOMEM;
    return 0;
}

int module_names_read(module_names *out, const char *src, size_t len)
{
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        if (i == 0 || src[i - 1] == '\n' || src[i - 1] == '\r')
            rc = assigned_names(out, src, len, i);
        if (rc || (src[i] != 'f' && src[i] != 'd'))
            continue;
        if (keyword_at(src, len, i, "from")) {
            rc = from_import(out, src, len, i + 4);
        } else if (keyword_at(src, len, i, "def")) {
            size_t at = skip_blank(src, len, i + 3, 0), l = name_at(src, len, at);
            if (l && at > i + 3)
                rc = strvec_push_n(&out->defs, src + at, l);
        }
    }
    return rc;
}

void module_names_free(module_names *m)
{
    strvec_free(&m->defs);
    strvec_free(&m->specs);
    strvec_free(&m->origs);
    strvec_free(&m->binds);
}
