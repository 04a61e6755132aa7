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

static int push_import(module_names *out, const char *spec, size_t sl, const char *orig, size_t ol,
                       const char *bound, size_t bl)
{
    return strvec_push_n(&out->specs, spec, sl) || strvec_push_n(&out->origs, orig, ol) ||
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
        rc = push_import(out, spec.data, spec.len, "*", 1, "*", 1);
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
                rc = push_import(out, spec.data, spec.len, orig, l, bound, bl);
            i = skip_blank(s, n, i, parens);
            if (i >= n || s[i] != ',')
                break;
            i++;
        }
    }
    tmd_buf_free(&spec);
    return rc;
}

/* The dotted name at s[i] ("a.b.c", blanks allowed around the dots) into
 * out; where it ends, or i when there is none. */
static size_t dotted_at(tmd_buf *out, const char *s, size_t n, size_t i)
{
    size_t l = name_at(s, n, i), end = i;
    while (l) {
        tmd_buf_put(out, s + i, l);
        end = i + l;
        i = skip_blank(s, n, end, 0);
        if (i >= n || s[i] != '.')
            break;
        i = skip_blank(s, n, i + 1, 0);
        if ((l = name_at(s, n, i)) > 0)
            tmd_buf_putc(out, '.');
    }
    return end;
}

/* Whether only blanks and a comment follow s[i] on its line. */
static int line_ends(const char *s, size_t n, size_t i)
{
    i = skip_blank(s, n, i, 0);
    return i >= n || s[i] == '\n' || s[i] == '\r' || s[i] == '#' || s[i] == ';';
}

/* A top-level def or assignment of `name` rebinds it: earlier aliases of
 * it no longer say what the module holds. */
static void drop_aliases(strvec *aliases, const char *name, size_t len)
{
    for (size_t k = aliases->n; k-- > 0;) {
        const char *a = aliases->v[k];
        if (strlen(a) == len && !memcmp(a, name, len)) {
            free(aliases->v[k]);
            aliases->v[k] = aliases->v[--aliases->n];
        }
    }
}

/* The names a line starting at s[i] assigns (`a = ...`, `a, b = ...`):
 * they go with the defs, since a fixture object can be bound that way.
 * `a = mod.fx` and `a = fx` also go to `aliases` ("a\0mod.fx"): pytest
 * registers the object under the name `a`. So do `a = mod.make(...)` and
 * `a = make(...)`. */
static int assigned_names(module_names *out, strvec *aliases, const char *s, size_t n, size_t i)
{
    size_t at[8], len[8], k = 0, i0 = i;
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
    for (size_t j = 0; j < k; j++) {
        if (strvec_push_n(&out->defs, s + at[j], len[j]))
            return TMD_ENOMEM;
        if (at[0] == i0)
            drop_aliases(aliases, s + at[j], len[j]);
    }
    if (k > 1)
        return 0;
    i = skip_blank(s, n, i + 1, 0);
    while (i < n && s[i] == '(')
        i = skip_blank(s, n, i + 1, 1);
    tmd_buf value = TMD_BUF_INIT;
    size_t end = skip_blank(s, n, dotted_at(&value, s, n, i), 0);
    /* `a = make()`, `a = helpers.make(...)`: the object comes from code
     * there, so that module is read too (its autouse= are seen) */
    int call = end < n && s[end] == '(';
    while (!call && end < n && s[end] == ')')
        end = skip_blank(s, n, end + 1, 0);
    int rc = value.oom ? TMD_ENOMEM : 0;
    if (!rc && value.len && (call || line_ends(s, n, end)))
        rc = strvec_push_pair(aliases, s + at[0], len[0], value.data, value.len);
    tmd_buf_free(&value);
    return rc;
}

/* One `import a.b [as c], ...` whose "import" ends at s[i], into
 * `modules` ("bound\0module"): `import a.b` binds a, `as c` binds a.b. */
static int plain_import(strvec *modules, const char *s, size_t n, size_t i)
{
    int rc = 0;
    for (; !rc;) {
        tmd_buf mod = TMD_BUF_INIT;
        i = dotted_at(&mod, s, n, skip_blank(s, n, i, 0));
        if (mod.oom || !mod.len) {
            rc = mod.oom ? TMD_ENOMEM : 0;
            tmd_buf_free(&mod);
            break;
        }
        const char *bound = mod.data;
        size_t bl = strcspn(mod.data, ".");
        i = skip_blank(s, n, i, 0);
        if (keyword_at(s, n, i, "as")) {
            i = skip_blank(s, n, i + 2, 0);
            bound = s + i;
            bl = name_at(s, n, i);
            i += bl;
        }
        if (bl)
            rc = strvec_push_pair(modules, bound, bl, mod.data, mod.len);
        tmd_buf_free(&mod);
        i = skip_blank(s, n, i, 0);
        if (i >= n || s[i] != ',')
            break;
        i++;
    }
    return rc;
}

/* The object `dotted` ("a.b.fx": fx of the module a.b) bound as `bind`,
 * read as `from a.b import fx as bind`. */
static int push_dotted(module_names *out, const char *dotted, size_t len, const char *bind)
{
    size_t last = len;
    while (last > 0 && dotted[last - 1] != '.')
        last--;
    if (last < 2 || dotted[last - 2] == '.') /* no module, or a relative one's dots alone */
        return 0;
    return push_import(out, dotted, last - 1, dotted + last, len - last, bind, strlen(bind));
}

/* An alias `bind = first.rest` where `first` is imported: the import that
 * takes the object from where it is defined. */
static int resolve_alias(module_names *out, const strvec *modules, size_t nfrom, const char *alias)
{
    const char *bind = alias, *dotted = alias + strlen(alias) + 1;
    size_t fl = strcspn(dotted, ".");
    const char *rest = dotted[fl] ? dotted + fl + 1 : NULL;
    int rc = 0;
    for (size_t k = 0; k < nfrom && !rc; k++) {
        const char *b = out->binds.v[k], *spec = out->specs.v[k], *orig = out->origs.v[k];
        if (strlen(b) != fl || memcmp(b, dotted, fl) || !strcmp(b, "*"))
            continue;
        if (!rest) { /* `from m import fx` ... `bind = fx` */
            rc = push_import(out, spec, strlen(spec), orig, strlen(orig), bind, strlen(bind));
            continue;
        }
        tmd_buf full = TMD_BUF_INIT; /* `from pkg import mod` ... `bind = mod.fx` */
        tmd_buf_printf(&full, "%s%s%s.%s", spec, spec[strlen(spec) - 1] == '.' ? "" : ".", orig, rest);
        rc = full.oom ? TMD_ENOMEM : push_dotted(out, full.data, full.len, bind);
        tmd_buf_free(&full);
    }
    for (size_t k = 0; k < modules->n && rest && !rc; k++) {
        const char *b = modules->v[k], *mod = b + strlen(b) + 1;
        if (strlen(b) != fl || memcmp(b, dotted, fl))
            continue;
        /* `import a.b` binds a: a.b.fx is the name in full; `import a.b as m`: m.fx is a.b.fx */
        int as = strncmp(mod, b, fl) || (mod[fl] && mod[fl] != '.');
        tmd_buf full = TMD_BUF_INIT;
        tmd_buf_printf(&full, "%s.%s", as ? mod : b, rest);
        rc = full.oom ? TMD_ENOMEM : push_dotted(out, full.data, full.len, bind);
        tmd_buf_free(&full);
    }
    return rc;
}

int module_names_read(module_names *out, const char *src, size_t len)
{
    strvec aliases = {0}, modules = {0};
    int rc = 0;
    for (size_t i = 0; i < len && !rc; i++) {
        if (i == 0 || src[i - 1] == '\n' || src[i - 1] == '\r') {
            rc = assigned_names(out, &aliases, src, len, i);
            size_t at = skip_blank(src, len, i, 0);
            if (!rc && keyword_at(src, len, at, "import"))
                rc = plain_import(&modules, src, len, at + 6);
        }
        if (rc || (src[i] != 'f' && src[i] != 'd'))
            continue;
        if (keyword_at(src, len, i, "from")) {
            rc = from_import(out, src, len, i + 4);
        } else if (keyword_at(src, len, i, "def")) {
            size_t at = skip_blank(src, len, i + 3, 0), l = name_at(src, len, at);
            if (l && at > i + 3)
                rc = strvec_push_n(&out->defs, src + at, l);
            if (l && at > i + 3 && (i == 0 || src[i - 1] == '\n' || src[i - 1] == '\r'))
                drop_aliases(&aliases, src + at, l);
        }
    }
    size_t nfrom = out->specs.n;
    for (size_t k = 0; k < aliases.n && !rc; k++)
        rc = resolve_alias(out, &modules, nfrom, aliases.v[k]);
    strvec_free(&aliases);
    strvec_free(&modules);
    return rc;
}

void module_names_free(module_names *m)
{
    strvec_free(&m->defs);
    strvec_free(&m->specs);
    strvec_free(&m->origs);
    strvec_free(&m->binds);
}
