/* pyenv_packages.c: testmon's `system_packages` string, read from the
 * *.dist-info / *.egg-info folders on sys.path the way importlib.metadata
 * finds them (Python 3.10+ rule: a child whose lower-cased name ends in
 * ".dist-info" or ".egg-info"; its METADATA, else PKG-INFO; the first Name
 * and Version headers). */
#define _GNU_SOURCE /* strcasestr */
#include "buf.h"
#include "error.h"
#include "pyenv_internal.h"
#include "slurp.h"
#include "tmdiff.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* ---- drop_patch_version --------------------------------------------------- */

/* Python's str-regex classes over UTF-8 bytes: non-ASCII bytes count as word
 * characters (letters); digits are ASCII (versions are PEP 440, ASCII). */
static int re_word(unsigned char c) { return c >= 0x80 || isalnum(c) || c == '_'; }
static int re_space(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r') || (c >= 0x1c && c <= 0x1f); }
static int re_digit(unsigned char c) { return c >= '0' && c <= '9'; }

/* Tries the pattern at s+i; on a match sets *keep (end of group 1) and *end. */
static int match_at(const unsigned char *s, size_t len, size_t i, size_t *keep, size_t *end)
{
    int before = i > 0 && re_word(s[i - 1]);
    if (i >= len || before == re_word(s[i])) /* \b */
        return 0;
    size_t j = i;
    while (j < len && (re_word(s[j]) || s[j] == '-'))
        j++;
    if (j == i || j >= len || !re_space(s[j]))
        return 0;
    j++;
    for (int part = 0; part < 2; part++) { /* \d+\.  twice */
        size_t d = j;
        while (j < len && re_digit(s[j]))
            j++;
        if (j == d || j >= len || s[j] != '.')
            return 0;
        if (part == 0)
            j++;
    }
    *keep = j; /* group 1 ends before the second dot */
    j++;
    size_t w = j;
    while (j < len && re_word(s[j]))
        j++;
    if (j == w)
        return 0;
    *end = j; /* a maximal \w+ run always ends on \b */
    return 1;
}

char *pyenv_drop_patch(const char *str)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t len = strlen(str);
    tmd_buf b = TMD_BUF_INIT;
    tmd_buf_grow(&b, len + 1);
    size_t i = 0;
    while (i < len) {
        size_t keep, end;
        if (match_at(s, len, i, &keep, &end)) {
            tmd_buf_put(&b, s + i, keep - i);
            i = end;
        } else {
            tmd_buf_putc(&b, (char)s[i]);
            i++;
        }
    }
    tmd_buf_putc(&b, '\0');
    if (b.oom) {
        tmd_buf_free(&b);
        return NULL;
    }
    return tmd_buf_detach(&b, NULL);
}

/* ---- formatting ------------------------------------------------------------ */

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int tmd_pyenv_format_packages(char **out, const char *const *name_versions, size_t n)
{
    *out = NULL;
    const char **v = malloc((n ? n : 1) * sizeof *v);
    if (!v)
        return tmd_error(TMD_ENOMEM, "pyenv: out of memory");
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (strncmp(name_versions[i], "pytest-testmon ", 15) != 0)
            v[m++] = name_versions[i];
    /* Python sorts by code point: the same order as bytes of UTF-8 */
    qsort(v, m, sizeof *v, cmp_cstr);
    tmd_buf b = TMD_BUF_INIT;
    tmd_buf_puts(&b, "");
    for (size_t i = 0; i < m; i++) {
        if (i > 0 && strcmp(v[i], v[i - 1]) == 0)
            continue; /* a set: the same Name and Version found twice */
        if (b.len)
            tmd_buf_puts(&b, ", ");
        tmd_buf_puts(&b, v[i]);
    }
    free(v);
    if (b.oom) {
        tmd_buf_free(&b);
        return tmd_error(TMD_ENOMEM, "pyenv: out of memory");
    }
    char *joined = tmd_buf_detach(&b, NULL);
    *out = joined ? pyenv_drop_patch(joined) : NULL;
    free(joined);
    return *out ? 0 : tmd_error(TMD_ENOMEM, "pyenv: out of memory");
}

/* ---- reading metadata -------------------------------------------------------- */

/* The first Name and Version of an RFC 822 header block, as email.parser
 * reads them (value after ':' without leading blanks). PYENV_IRREGULAR for
 * anything the simple reading might get wrong. *out is "Name Version". */
static int parse_metadata(char **out, const char *text)
{
    char *name = NULL, *version = NULL;
    int current = 0; /* 1: the last header was Name, 2: Version */
    int rc = PYENV_IRREGULAR;
    const char *p = text;
    while (*p) {
        const char *eol = p + strcspn(p, "\r\n");
        size_t n = (size_t)(eol - p);
        if (*eol == '\r' && eol[1] != '\n')
            goto done; /* a lone CR is a line end to Python: not handled */
        if (n == 0)
            break; /* end of the headers */
        if (*p == ' ' || *p == '\t') {
            if (current)
                goto done; /* a folded Name or Version */
        } else {
            const char *colon = memchr(p, ':', n);
            if (!colon || colon == p)
                break; /* not a header: the body starts (email's rule) */
            for (const char *c = p; c < colon; c++)
                if (*c < 041 || *c > 0176)
                    goto done;
            size_t klen = (size_t)(colon - p);
            const char *val = colon + 1;
            while (val < eol && (*val == ' ' || *val == '\t'))
                val++;
            current = 0;
            if (klen == 4 && !strncasecmp(p, "Name", 4) && !name) {
                name = strndup(val, (size_t)(eol - val));
                current = 1;
            } else if (klen == 7 && !strncasecmp(p, "Version", 7) && !version) {
                version = strndup(val, (size_t)(eol - val));
                current = 2;
            }
        }
        p = eol + (*eol == '\r' ? 2 : *eol == '\n' ? 1 : 0);
    }
    if (!name || !version)
        goto done; /* Python would print "None" */
    for (const char *c = name; *c; c++)
        if ((unsigned char)*c >= 0x80)
            goto done;
    for (const char *c = version; *c; c++)
        if ((unsigned char)*c >= 0x80)
            goto done;
    size_t len = strlen(name) + strlen(version) + 2;
    if (!(*out = malloc(len))) {
        rc = tmd_error(TMD_ENOMEM, "pyenv: out of memory");
        goto done;
    }
    snprintf(*out, len, "%s %s", name, version);
    rc = 0;
done:
    free(name);
    free(version);
    return rc;
}

static int ends_with_ci(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcasecmp(s + ls - lx, suffix) == 0;
}

/* Reads one *.dist-info / *.egg-info entry (folder, or a PKG-INFO file). */
static int read_distribution(char **out, const char *dir, const char *entry)
{
    tmd_buf path = TMD_BUF_INIT;
    tmd_buf_printf(&path, "%s/%s", dir, entry);
    if (path.oom)
        return tmd_error(TMD_ENOMEM, "pyenv: out of memory");
    struct stat st;
    char *text = NULL;
    if (stat(path.data, &st) != 0) {
        tmd_buf_free(&path);
        return PYENV_IRREGULAR;
    }
    if (S_ISDIR(st.st_mode)) {
        static const char *const files[] = {"METADATA", "PKG-INFO"};
        size_t base = path.len;
        for (size_t i = 0; i < 2 && !text; i++) {
            tmd_buf_truncate(&path, base);
            tmd_buf_printf(&path, "/%s", files[i]);
            size_t n = 0;
            text = path.oom ? NULL : tmd_slurp(path.data, (size_t)1 << 20, &n, NULL);
            if (text && n == 0) { /* empty: Python tries the next name */
                free(text);
                text = NULL;
            }
        }
    } else {
        text = tmd_slurp(path.data, (size_t)1 << 20, NULL, NULL);
    }
    tmd_buf_free(&path);
    if (!text)
        return PYENV_IRREGULAR;
    int rc = parse_metadata(out, text);
    free(text);
    return rc;
}

struct strlist {
    char **v;
    size_t n, cap;
};

static int strlist_push(struct strlist *l, char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        char **grown = realloc(l->v, cap * sizeof *grown);
        if (!grown)
            return -1;
        l->v = grown;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return 0;
}

/* The distributions of one sys.path folder; PYENV_IRREGULAR for entries
 * this reading does not reproduce (eggs, zips, older Pythons' looser match). */
static int scan_folder(struct strlist *found, const char *dir, int minor)
{
    struct stat st;
    if (stat(dir, &st) != 0)
        return 0; /* a missing sys.path entry holds nothing */
    if (!S_ISDIR(st.st_mode))
        return PYENV_IRREGULAR; /* a zip or egg file */
    if (ends_with_ci(dir, ".egg"))
        return PYENV_IRREGULAR;
    DIR *d = opendir(dir);
    if (!d)
        return 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(d))) {
        const char *nm = e->d_name;
        if (ends_with_ci(nm, ".dist-info") || ends_with_ci(nm, ".egg-info")) {
            char *nv = NULL;
            rc = read_distribution(&nv, dir, nm);
            if (rc == 0 && strlist_push(found, nv) != 0) {
                free(nv);
                rc = tmd_error(TMD_ENOMEM, "pyenv: out of memory");
            }
        } else if (minor < 10 && (strcasestr(nm, ".dist-info") || strcasestr(nm, ".egg-info") ||
                                  ends_with_ci(nm, ".egg"))) {
            rc = PYENV_IRREGULAR; /* 3.8/3.9 match a prefix and read eggs */
        }
    }
    closedir(d);
    return rc;
}

int pyenv_scan_packages(char **out, const char *const *path, size_t npath, const char *root,
                        int minor)
{
    *out = NULL;
    struct strlist found = {0};
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < npath; i++) {
        const char *entry = path[i];
        if (entry[0] == '/') {
            rc = scan_folder(&found, entry, minor);
        } else { /* "" or relative: against the interpreter's cwd, the root */
            tmd_buf full = TMD_BUF_INIT;
            tmd_buf_printf(&full, "%s/%s", root, entry);
            rc = full.oom ? tmd_error(TMD_ENOMEM, "pyenv: out of memory")
                          : scan_folder(&found, full.data, minor);
            tmd_buf_free(&full);
        }
    }
    if (rc == 0)
        rc = tmd_pyenv_format_packages(out, (const char *const *)found.v, found.n);
    for (size_t i = 0; i < found.n; i++)
        free(found.v[i]);
    free(found.v);
    return rc;
}

/* ---- messages ------------------------------------------------------------------ */

/* The next ", "-separated item of a package string. */
static size_t item_len(const char *s)
{
    const char *c = strstr(s, ", ");
    return c ? (size_t)(c - s) : strlen(s);
}

void pyenv_describe_package_diff(char *why, size_t why_size, const char *here, const char *db)
{
    /* both strings are sorted lists: walk them together */
    const char *a = here, *b = db;
    while (*a || *b) {
        size_t la = item_len(a), lb = item_len(b);
        int c = !*a ? 1 : !*b ? -1 : strncmp(a, b, la < lb ? la : lb);
        if (c == 0 && la != lb)
            c = la < lb ? -1 : 1;
        if (c == 0) {
            a += la + (a[la] ? 2 : 0);
            b += lb + (b[lb] ? 2 : 0);
            continue;
        }
        if (c < 0)
            snprintf(why, why_size, "package \"%.*s\" here is not in the database's environment",
                     (int)(la > 120 ? 120 : la), a);
        else
            snprintf(why, why_size, "package \"%.*s\" of the database's environment is not here",
                     (int)(lb > 120 ? 120 : lb), b);
        return;
    }
    snprintf(why, why_size, "the installed packages differ from the database's");
}
