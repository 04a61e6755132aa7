/* pytest_config.c: the ini options that decide what pytest collects, read
 * the way pytest 7/8 reads them: the first of pytest.ini, .pytest.ini,
 * pyproject.toml, tox.ini, setup.cfg in the rootdir that configures pytest;
 * ini values split like shlex.split, TOML arrays taken as lists. */
#include "collect_internal.h"
#include "error.h"
#include "slurp.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- small helpers -------------------------------------------------------- */

int strvec_adopt(strvec *s, char *str)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 8;
        char **grown = realloc(s->v, cap * sizeof *grown);
        if (!grown)
            return TMD_ENOMEM;
        s->v = grown;
        s->cap = cap;
    }
    s->v[s->n++] = str;
    return 0;
}

int strvec_push_n(strvec *s, const char *str, size_t n)
{
    char *copy = malloc(n + 1); /* not strndup: pairs keep an inner NUL */
    if (!copy)
        return TMD_ENOMEM;
    memcpy(copy, str, n);
    copy[n] = '\0';
    int rc = strvec_adopt(s, copy);
    if (rc)
        free(copy);
    return rc;
}

int strvec_push(strvec *s, const char *str)
{
    return strvec_push_n(s, str, strlen(str));
}

int strvec_contains(const strvec *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], str))
            return 1;
    return 0;
}

int strvec_contains_n(const strvec *s, const char *str, size_t n)
{
    for (size_t i = 0; i < s->n; i++)
        if (strlen(s->v[i]) == n && !memcmp(s->v[i], str, n))
            return 1;
    return 0;
}

int strvec_push_pair(strvec *s, const char *a, size_t al, const char *b, size_t bl)
{
    char *p = malloc(al + bl + 2);
    if (!p)
        return TMD_ENOMEM;
    memcpy(p, a, al);
    p[al] = '\0';
    memcpy(p + al + 1, b, bl);
    p[al + 1 + bl] = '\0';
    int rc = strvec_adopt(s, p);
    if (rc)
        free(p);
    return rc;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int sorted_contains(const char *const *v, size_t n, const char *str)
{
    return n && bsearch(&str, v, n, sizeof *v, cmp_str_ptr) != NULL;
}

int strvec_remove(strvec *s, const char *str)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], str)) {
            free(s->v[i]);
            s->v[i] = s->v[--s->n];
            return 1;
        }
    return 0;
}

void strvec_free(strvec *s)
{
    for (size_t i = 0; i < s->n; i++)
        free(s->v[i]);
    free(s->v);
    memset(s, 0, sizeof *s);
}

int pytest_fnmatch_ex(const char *pattern, const char *path)
{
    if (!strchr(pattern, '/')) {
        const char *base = strrchr(path, '/');
        return fnmatch(pattern, base ? base + 1 : path, 0) == 0;
    }
    if (path[0] == '/' && pattern[0] != '/') {
        size_t n = strlen(pattern);
        char *p = malloc(n + 3);
        if (!p)
            return 0;
        snprintf(p, n + 3, "*/%s", pattern);
        int m = fnmatch(p, path, 0) == 0;
        free(p);
        return m;
    }
    return fnmatch(pattern, path, 0) == 0;
}

int pytest_name_matches(const strvec *patterns, const char *name, size_t len)
{
    char buf[256];
    if (len >= sizeof buf)
        return 0;
    memcpy(buf, name, len);
    buf[len] = '\0';
    for (size_t i = 0; i < patterns->n; i++) {
        const char *p = patterns->v[i];
        if (!strncmp(buf, p, strlen(p)))
            return 1;
        if (strpbrk(p, "*?[") && fnmatch(p, buf, 0) == 0)
            return 1;
    }
    return 0;
}

int pytest_shlex_split(strvec *out, const char *s)
{
    tmd_buf tok = TMD_BUF_INIT;
    int in_tok = 0;
    while (*s) {
        char c = *s;
        if (isspace((unsigned char)c)) {
            if (in_tok && strvec_push_n(out, tok.data ? tok.data : "", tok.len))
                goto nomem;
            tmd_buf_truncate(&tok, 0);
            in_tok = 0;
            s++;
        } else if (c == '\'') {
            const char *e = strchr(s + 1, '\'');
            if (!e)
                goto unterminated;
            tmd_buf_put(&tok, s + 1, (size_t)(e - s - 1));
            in_tok = 1;
            s = e + 1;
        } else if (c == '"') {
            s++;
            while (*s && *s != '"') {
                if (*s == '\\' && (s[1] == '"' || s[1] == '\\' || s[1] == '$' || s[1] == '`'))
                    s++;
                else if (*s == '\\' && s[1] == '\n') {
                    s += 2;
                    continue;
                }
                tmd_buf_putc(&tok, *s++);
            }
            if (*s != '"')
                goto unterminated;
            in_tok = 1;
            s++;
        } else if (c == '\\') {
            if (s[1] == '\n') {
                s += 2;
                continue;
            }
            if (s[1])
                tmd_buf_putc(&tok, s[1]);
            in_tok = 1;
            s += s[1] ? 2 : 1;
        } else { /* shlex.split's default: no comments */
            tmd_buf_putc(&tok, c);
            in_tok = 1;
            s++;
        }
    }
    if (in_tok && strvec_push_n(out, tok.data ? tok.data : "", tok.len))
        goto nomem;
    tmd_buf_free(&tok);
    return 0;
unterminated:
    tmd_buf_free(&tok);
    return TMD_EFORMAT;
nomem:
    tmd_buf_free(&tok);
    return TMD_ENOMEM;
}

/* ---- ini files (iniconfig's rules) ------------------------------------------ */

/* One key of the wanted section: either a string (ini, TOML scalar) or a list
 * (TOML array). */
struct ini_value {
    char *key;
    char *text;   /* string form, or NULL */
    strvec list;  /* list form */
    int is_list;
};

struct ini_section {
    struct ini_value *v;
    size_t n, cap;
    int found; /* the section exists */
};

static void section_free(struct ini_section *s)
{
    for (size_t i = 0; i < s->n; i++) {
        free(s->v[i].key);
        free(s->v[i].text);
        strvec_free(&s->v[i].list);
    }
    free(s->v);
    memset(s, 0, sizeof *s);
}

static struct ini_value *section_add(struct ini_section *s, const char *key, size_t klen)
{
    if (s->n == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 16;
        struct ini_value *g = realloc(s->v, cap * sizeof *g);
        if (!g)
            return NULL;
        s->v = g;
        s->cap = cap;
    }
    struct ini_value *v = &s->v[s->n];
    memset(v, 0, sizeof *v);
    if (!(v->key = strndup(key, klen)))
        return NULL;
    s->n++;
    return v;
}

static char *trim(char *a, char *b, size_t *len)
{
    while (a < b && isspace((unsigned char)*a))
        a++;
    while (b > a && isspace((unsigned char)b[-1]))
        b--;
    *len = (size_t)(b - a);
    return a;
}

/* Reads section `want` of an ini text (iniconfig: comment lines start with #
 * or ;, "key = value" or "key: value", indented lines continue a value). */
static int ini_read(struct ini_section *out, char *text, const char *want)
{
    int in_want = 0;
    struct ini_value *last = NULL;
    char *line = text;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        char *end = nl ? nl : line + strlen(line);
        char *next = nl ? nl + 1 : NULL;
        size_t len;
        char *t = trim(line, end, &len);
        if (len == 0 || *t == '#' || *t == ';') {
            line = next;
            continue;
        }
        if (*line == '[') {
            char *close = memchr(line, ']', (size_t)(end - line));
            size_t nl2;
            char *name = close ? trim(line + 1, close, &nl2) : NULL;
            in_want = name && nl2 == strlen(want) && !memcmp(name, want, nl2);
            if (in_want)
                out->found = 1;
            last = NULL;
        } else if (isspace((unsigned char)*line)) {
            if (in_want && last) { /* continuation: value + "\n" + line */
                size_t ol = strlen(last->text);
                char *g = realloc(last->text, ol + len + 2);
                if (!g)
                    return TMD_ENOMEM;
                g[ol] = '\n';
                memcpy(g + ol + 1, t, len);
                g[ol + 1 + len] = '\0';
                last->text = g;
            }
        } else if (in_want) {
            char *eq = memchr(line, '=', (size_t)(end - line));
            char *colon = memchr(line, ':', (size_t)(end - line));
            char *sep = eq && (!colon || colon > eq) ? eq : colon;
            if (!sep)
                return TMD_EFORMAT;
            size_t kl, vl;
            char *k = trim(line, sep, &kl);
            char *v = trim(sep + 1, end, &vl);
            if (!(last = section_add(out, k, kl)) || !(last->text = strndup(v, vl)))
                return TMD_ENOMEM;
        }
        line = next;
    }
    return 0;
}

/* ---- pyproject.toml: [tool.pytest.ini_options] ------------------------------ */

/* Past spaces, tabs and line ends. */
static const char *toml_skip_blanks(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    return s;
}

/* A TOML string at *p (basic or literal, single- or multi-line), advancing
 * *p past it; NULL for what it does not read (\uXXXX escapes, ...). */
static char *toml_string(const char **p)
{
    const char *s = *p;
    char q = *s;
    if (q != '"' && q != '\'')
        return NULL;
    /* multi-line: """...""" or '''...''', a newline right after the opening dropped */
    int multi = s[1] == q && s[2] == q;
    tmd_buf b = TMD_BUF_INIT;
    tmd_buf_puts(&b, "");
    s += multi ? 3 : 1;
    if (multi && (*s == '\n' || (s[0] == '\r' && s[1] == '\n')))
        s += *s == '\r' ? 2 : 1;
    while (*s && (multi ? !(s[0] == q && s[1] == q && s[2] == q) : *s != q && *s != '\n')) {
        if (multi && q == '"' && s[0] == '\\' && s[1 + strspn(s + 1, " \t\r")] == '\n') {
            s = toml_skip_blanks(s + 1); /* a line-ending backslash joins the lines */
            continue;
        }
        if (q == '"' && *s == '\\') {
            s++;
            switch (*s) {
            case 'n': tmd_buf_putc(&b, '\n'); break;
            case 't': tmd_buf_putc(&b, '\t'); break;
            case 'r': tmd_buf_putc(&b, '\r'); break;
            case '\\': tmd_buf_putc(&b, '\\'); break;
            case '"': tmd_buf_putc(&b, '"'); break;
            default: tmd_buf_free(&b); return NULL; /* \uXXXX etc.: rare */
            }
            s++;
            continue;
        }
        tmd_buf_putc(&b, *s++);
    }
    if (*s != q) {
        tmd_buf_free(&b);
        return NULL;
    }
    *p = s + (multi ? 3 : 1);
    return tmd_buf_detach(&b, NULL);
}

static const char *toml_skip_ws(const char *s, int newlines)
{
    for (;;) {
        while (*s == ' ' || *s == '\t' || (newlines && (*s == '\n' || *s == '\r')))
            s++;
        if (*s == '#') {
            while (*s && *s != '\n')
                s++;
            if (!newlines)
                return s;
            continue;
        }
        return s;
    }
}

/* Past a value: strings (basic ones with escapes, multi-line ones),
 * arrays and inline tables that span lines, comments. */
static const char *toml_skip_value(const char *v)
{
    int depth = 0;
    while (*v) {
        char q = *v;
        if ((q == '"' || q == '\'') && v[1] == q && v[2] == q) {
            for (v += 3; *v && !(v[0] == q && v[1] == q && v[2] == q); v++)
                if (q == '"' && *v == '\\' && v[1])
                    v++;
            v += *v ? 3 : 0;
            continue;
        }
        if (q == '"' || q == '\'') {
            for (v++; *v && *v != q && *v != '\n'; v++)
                if (q == '"' && *v == '\\' && v[1])
                    v++;
            v += *v == q;
            continue;
        }
        if (q == '#') {
            while (*v && *v != '\n')
                v++;
            continue;
        }
        if (q == '[' || q == '{')
            depth++;
        else if (q == ']' || q == '}')
            depth--;
        else if (q == '\n' && depth <= 0)
            break;
        v++;
    }
    return v;
}

/* The ini options that can change which tests pytest collects or their
 * IDs: only these are read (a value tmdiff cannot read there makes the
 * collection inexact; elsewhere it does not matter). */
static int collection_key(const char *k, size_t kl)
{
    static const char *const keys[] = {
        "python_files", "python_classes", "python_functions", "testpaths", "norecursedirs",
        "usefixtures", "addopts", "confcutdir", "collect_imported_tests", "empty_parameter_set_mark",
        "disable_test_id_escaping_and_forfeit_all_rights_to_community_support", NULL};
    for (size_t i = 0; keys[i]; i++)
        if (strlen(keys[i]) == kl && !memcmp(keys[i], k, kl))
            return 1;
    return 0;
}

static int toml_read(struct ini_section *out, const char *text, const char **inexact)
{
    const char *s = text;
    int in_want = 0;
    while (*s) {
        s = toml_skip_ws(s, 1);
        if (!*s)
            break;
        if (*s == '[') {
            const char *e = strchr(s, '\n');
            e = e ? e : s + strlen(s);
            char hdr[128];
            size_t n = 0;
            for (const char *c = s; c < e && *c != '#' && n < sizeof hdr - 1; c++)
                if (!isspace((unsigned char)*c))
                    hdr[n++] = *c;
            hdr[n] = '\0';
            in_want = !strcmp(hdr, "[tool.pytest.ini_options]");
            if (in_want)
                out->found = 1;
            s = e;
            continue;
        }
        const char *e = s;
        while (*e && *e != '=' && *e != '\n')
            e++;
        if (*e != '=') { /* not a key line */
            s = *e ? e + 1 : e;
            continue;
        }
        size_t kl;
        char *k = trim((char *)s, (char *)e, &kl);
        const char *v = toml_skip_ws(e + 1, 0);
        if (!in_want) {
            s = toml_skip_value(v);
            continue;
        }
        if (kl && (*k == '"' || memchr(k, '.', kl))) {
            *inexact = "pyproject.toml: quoted or dotted keys in [tool.pytest.ini_options]";
            return 0;
        }
        if (!collection_key(k, kl)) { /* markers, filterwarnings, ...: never read */
            s = toml_skip_value(v);
            continue;
        }
        struct ini_value *val = section_add(out, k, kl);
        if (!val)
            return TMD_ENOMEM;
        if (*v == '[') {
            val->is_list = 1;
            v++;
            for (;;) {
                v = toml_skip_ws(v, 1);
                if (*v == ']') {
                    v++;
                    break;
                }
                char *str = toml_string(&v);
                if (!str) {
                    *inexact = "pyproject.toml: a value tmdiff does not read";
                    return 0;
                }
                int rc = strvec_push(&val->list, str);
                free(str);
                if (rc)
                    return rc;
                v = toml_skip_ws(v, 1);
                if (*v == ',')
                    v++;
            }
        } else if (*v == '"' || *v == '\'') {
            if (!(val->text = toml_string(&v))) {
                *inexact = "pyproject.toml: a value tmdiff does not read";
                return 0;
            }
        } else { /* numbers, booleans: str() of them */
            const char *ve = v;
            while (*ve && *ve != '\n' && *ve != '#')
                ve++;
            size_t vl;
            char *t = trim((char *)v, (char *)ve, &vl);
            if (vl == 4 && !memcmp(t, "true", 4))
                val->text = strdup("True");
            else if (vl == 5 && !memcmp(t, "false", 5))
                val->text = strdup("False");
            else
                val->text = strndup(t, vl);
            if (!val->text)
                return TMD_ENOMEM;
            v = ve;
        }
        s = v;
    }
    return 0;
}

/* ---- the options --------------------------------------------------------------- */

static const struct ini_value *get(const struct ini_section *s, const char *key)
{
    const struct ini_value *found = NULL;
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i].key, key))
            found = &s->v[i]; /* the last one wins, as in a dict */
    return found;
}

/* An "args" option: a list as is, a string split like shlex. Keeps the
 * default when the key is absent. */
static int get_args(strvec *out, const struct ini_section *s, const char *key,
                    const char *const *defaults)
{
    const struct ini_value *v = get(s, key);
    if (!v) {
        for (size_t i = 0; defaults && defaults[i]; i++)
            if (strvec_push(out, defaults[i]))
                return TMD_ENOMEM;
        return 0;
    }
    if (v->is_list) {
        for (size_t i = 0; i < v->list.n; i++)
            if (strvec_push(out, v->list.v[i]))
                return TMD_ENOMEM;
        return 0;
    }
    /* a value toml_read could not read (the config is marked inexact) */
    return v->text ? pytest_shlex_split(out, v->text) : 0;
}

/* addopts: the options that change which tests are collected. */
static int read_addopts(pytest_config *cfg, const strvec *opts)
{
    static const char *const with_value[] = {
        "-p", "-k", "-m", "-W", "-o", "-c", "-n", "-r", "--tb", "--maxfail", "--durations",
        "--durations-min", "--basetemp", "--confcutdir", "--import-mode", "--junitxml",
        "--junit-xml", "--log-level", "--log-format", "--log-cli-level", "--log-file",
        "--cov", "--cov-report", "--cov-config", "--cov-fail-under", "--dist", "--maxprocesses",
        "--timeout", "--reruns", "--reruns-delay", "--color", "--capture", "--show-capture",
        "--override-ini", "--testmon-env", "--asyncio-mode", "--html", "--doctest-report", "--count",
        "--repeat-scope", NULL};
    for (size_t i = 0; i < opts->n; i++) {
        const char *a = opts->v[i];
        const char *val = NULL;
        int takes = 0;
        struct { const char *name; strvec *into; } lists[] = {
            {"--ignore", &cfg->ignore}, {"--ignore-glob", &cfg->ignore_glob},
            {"--deselect", &cfg->deselect}, {"--doctest-glob", &cfg->doctest_glob}};
        for (size_t k = 0; k < 4; k++) {
            size_t nl = strlen(lists[k].name);
            if (!strncmp(a, lists[k].name, nl) && (a[nl] == '=' || a[nl] == '\0')) {
                val = a[nl] == '=' ? a + nl + 1 : (i + 1 < opts->n ? opts->v[++i] : "");
                if (strvec_push(lists[k].into, val))
                    return TMD_ENOMEM;
                takes = 1;
            }
        }
        if (takes)
            continue;
        if (!strncmp(a, "--confcutdir", 12) && (a[12] == '=' || !a[12])) {
            const char *dir = a[12] ? a + 13 : i + 1 < opts->n ? opts->v[++i] : "";
            free(cfg->confcutdir);
            if (!(cfg->confcutdir = strdup(dir)))
                return TMD_ENOMEM;
            continue;
        }
        if (!strncmp(a, "-p", 2)) { /* -p NAME or -pNAME: a plugin to load */
            const char *name = a[2] ? a + 2 : i + 1 < opts->n ? opts->v[++i] : "";
            if (!strcmp(name, "no:doctest"))
                cfg->no_doctest = 1;
            else if (strncmp(name, "no:", 3) && strvec_push(&cfg->plugins, name))
                return TMD_ENOMEM;
            continue;
        }
        if (!strcmp(a, "--doctest-modules"))
            cfg->doctest_modules = 1;
        else if (!strcmp(a, "--collect-in-virtualenv"))
            cfg->collect_in_virtualenv = 1;
        else if (!strcmp(a, "--noconftest"))
            cfg->noconftest = 1;
        else if (!strcmp(a, "--pyargs") || !strncmp(a, "--rootdir", 9))
            cfg->inexact = "addopts: --pyargs / --rootdir";
        else if (!strcmp(a, "--count") || !strncmp(a, "--count=", 8))
            cfg->inexact = "addopts: --count (pytest-repeat repeats every test under new IDs)";
        else if (!strncmp(a, "-o", 2) || !strncmp(a, "--override-ini", 14)) {
            const char *kv = a[1] == 'o' && a[2] ? a + 2 : strchr(a, '=') ? strchr(a, '=') + 1
                                                  : (i + 1 < opts->n ? opts->v[i + 1] : "");
            if (collection_key(kv, strcspn(kv, "= \t")))
                cfg->inexact = "addopts: -o overrides a collection option";
        }
        if (a[0] != '-') {
            if (strvec_push(&cfg->args, a))
                return TMD_ENOMEM;
            continue;
        }
        for (size_t k = 0; with_value[k]; k++)
            if (!strcmp(a, with_value[k])) {
                i++; /* its value */
                break;
            }
    }
    return 0;
}

void pytest_config_free(pytest_config *cfg)
{
    free(cfg->inifile);
    free(cfg->confcutdir);
    strvec_free(&cfg->python_files);
    strvec_free(&cfg->python_classes);
    strvec_free(&cfg->python_functions);
    strvec_free(&cfg->testpaths);
    strvec_free(&cfg->plugins);
    strvec_free(&cfg->norecursedirs);
    strvec_free(&cfg->ignore);
    strvec_free(&cfg->ignore_glob);
    strvec_free(&cfg->deselect);
    strvec_free(&cfg->args);
    strvec_free(&cfg->doctest_glob);
    strvec_free(&cfg->usefixtures);
    memset(cfg, 0, sizeof *cfg);
}

static char *read_small(const char *path)
{
    size_t n;
    char *s = tmd_slurp(path, (size_t)8 << 20, &n, NULL);
    if (s) {
        for (size_t i = 0; i < n; i++)
            if (s[i] == '\r')
                s[i] = ' '; /* CRLF files: a CR is trailing blank space */
    }
    return s;
}

/* --confcutdir as a folder relative to the root (pytest resolves it from
 * where it runs: the root), or NULL where it leaves every conftest under the
 * root loaded (the root itself, a folder above it or elsewhere). */
static int confcutdir_in_root(pytest_config *cfg, const char *root)
{
    const char *dir = cfg->confcutdir;
    size_t rl = strlen(root);
    if (dir[0] == '/') {
        if (strncmp(dir, root, rl) || (dir[rl] != '/' && dir[rl]))
            dir = ""; /* not under the root */
        else
            dir += rl;
    }
    tmd_buf rel = TMD_BUF_INIT;
    for (const char *p = dir; *p;) {
        size_t n = strcspn(p, "/");
        if (n == 2 && !memcmp(p, "..", 2)) {
            cfg->inexact = "addopts: --confcutdir with \"..\"";
            break;
        }
        if (n && !(n == 1 && *p == '.')) {
            if (rel.len)
                tmd_buf_putc(&rel, '/');
            tmd_buf_put(&rel, p, n);
        }
        p += n + (p[n] == '/');
    }
    free(cfg->confcutdir);
    cfg->confcutdir = NULL;
    if (rel.oom)
        return TMD_ENOMEM;
    cfg->confcutdir = rel.len ? rel.data : NULL;
    if (!rel.len)
        tmd_buf_free(&rel);
    return 0;
}

int pytest_config_load(pytest_config *out, const char *root)
{
    memset(out, 0, sizeof *out);
    static const struct { const char *file, *section; int toml, always; } candidates[] = {
        {"pytest.ini", "pytest", 0, 1},
        {".pytest.ini", "pytest", 0, 0},
        {"pyproject.toml", NULL, 1, 0},
        {"tox.ini", "pytest", 0, 0},
        {"setup.cfg", "tool:pytest", 0, 0},
    };
    struct ini_section sec;
    memset(&sec, 0, sizeof sec);
    int rc = 0;
    for (size_t i = 0; i < sizeof candidates / sizeof candidates[0]; i++) {
        tmd_buf path = TMD_BUF_INIT;
        tmd_buf_printf(&path, "%s/%s", root, candidates[i].file);
        char *text = path.oom ? NULL : read_small(path.data);
        tmd_buf_free(&path);
        if (!text)
            continue;
        section_free(&sec);
        rc = candidates[i].toml ? toml_read(&sec, text, &out->inexact)
                                : ini_read(&sec, text, candidates[i].section);
        free(text);
        if (rc) {
            rc = tmd_error(rc, "%s/%s: cannot read the pytest configuration (check its syntax)",
                           root, candidates[i].file);
            goto done;
        }
        if (sec.found || candidates[i].always) {
            if (!(out->inifile = strdup(candidates[i].file))) {
                rc = tmd_error(TMD_ENOMEM, "pytest config: out of memory");
                goto done;
            }
            break;
        }
    }
    static const char *const def_files[] = {"test_*.py", "*_test.py", NULL};
    static const char *const def_classes[] = {"Test", NULL};
    static const char *const def_functions[] = {"test", NULL};
    static const char *const def_norecurse[] = {"*.egg", ".*", "_darcs", "build", "CVS", "dist",
                                                "node_modules", "venv", "{arch}", NULL};
    strvec addopts = {0};
    if ((rc = get_args(&out->python_files, &sec, "python_files", def_files)) ||
        (rc = get_args(&out->python_classes, &sec, "python_classes", def_classes)) ||
        (rc = get_args(&out->python_functions, &sec, "python_functions", def_functions)) ||
        (rc = get_args(&out->testpaths, &sec, "testpaths", NULL)) ||
        (rc = get_args(&out->norecursedirs, &sec, "norecursedirs", def_norecurse)) ||
        (rc = get_args(&out->usefixtures, &sec, "usefixtures", NULL)) ||
        (rc = get_args(&addopts, &sec, "addopts", NULL)) || (rc = read_addopts(out, &addopts))) {
        strvec_free(&addopts);
        rc = tmd_error(rc == TMD_ENOMEM ? TMD_ENOMEM : TMD_EFORMAT,
                       "%s/%s: an option pytest would split differently (unbalanced quotes?)",
                       root, out->inifile ? out->inifile : "config");
        goto done;
    }
    strvec_free(&addopts);
    if (out->confcutdir && (rc = confcutdir_in_root(out, root))) {
        rc = tmd_error(rc, "pytest config: out of memory");
        goto done;
    }
    const struct ini_value *raw = get(&sec, "disable_test_id_escaping_and_forfeit_all_rights_to_community_support");
    if (raw && raw->text && (!strcasecmp(raw->text, "true") || !strcmp(raw->text, "1") ||
                             !strcasecmp(raw->text, "yes") || !strcasecmp(raw->text, "on")))
        out->raw_ids = 1;
done:
    section_free(&sec);
    if (rc)
        pytest_config_free(out);
    return rc;
}
