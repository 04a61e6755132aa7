/* collect.c: which test files pytest would collect under the root (testpaths
 * or the root, norecursedirs, python_files, --ignore from addopts) and the
 * node IDs they define (collect_module.c), plus the questions selection asks
 * of that listing: is a stored test still collected, which tests are new. */
#define _GNU_SOURCE /* memmem */
#include "collect_cache.h"
#include "collect_cache_io.h"
#include "collect_internal.h"
#include "dump_symbols.h"
#include "error.h"
#include "slurp.h"

#include <dirent.h>
#include <fnmatch.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ---- items ------------------------------------------------------------------ */

int item_list_add(item_list *l, const char *nodeid, size_t len, tmd_collect_kind kind,
                  const char *why, const strvec *expect)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 64;
        tmd_collected *g = realloc(l->v, cap * sizeof *g);
        if (!g)
            return TMD_ENOMEM;
        l->v = g;
        l->cap = cap;
    }
    tmd_collected *it = &l->v[l->n];
    memset(it, 0, sizeof *it);
    if (!(it->nodeid = strndup(nodeid, len)))
        return TMD_ENOMEM;
    it->kind = kind;
    it->why = why;
    if (expect && expect->n) {
        if (!(it->expect = calloc(expect->n, sizeof *it->expect))) {
            free(it->nodeid);
            return TMD_ENOMEM;
        }
        for (size_t i = 0; i < expect->n; i++) {
            if (!(it->expect[i] = strdup(expect->v[i]))) {
                for (size_t k = 0; k < i; k++)
                    free(it->expect[k]);
                free(it->expect);
                free(it->nodeid);
                return TMD_ENOMEM;
            }
        }
        it->nexpect = expect->n;
    }
    l->n++;
    return 0;
}

static void item_free(tmd_collected *it)
{
    free(it->nodeid);
    for (size_t k = 0; k < it->nexpect; k++)
        free(it->expect[k]);
    free(it->expect);
}

void item_list_free(item_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        item_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof *l);
}

void tmd_collection_free(tmd_collection *c)
{
    if (!c)
        return;
    if (c->arena) { /* one block holds everything (collect_cache.c) */
        free(c->arena);
        memset(c, 0, sizeof *c);
        return;
    }
    for (size_t i = 0; i < c->count; i++)
        item_free(&c->items[i]);
    free(c->items);
    for (size_t i = 0; i < c->nfiles; i++)
        free(c->files[i]);
    free(c->files);
    memset(c, 0, sizeof *c);
}

/* ---- reading and parsing sources ---------------------------------------------- */


/* The PEP 263 cookie of one line, lower-cased, or "" (none). */
static void cookie_of(char *out, size_t outsz, const char *line, size_t len)
{
    out[0] = '\0';
    size_t i = 0;
    while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\f'))
        i++;
    if (i >= len || line[i] != '#')
        return;
    const char *c = NULL;
    for (size_t k = i; k + 6 < len; k++)
        if (!memcmp(line + k, "coding", 6) && (line[k + 6] == ':' || line[k + 6] == '=')) {
            c = line + k + 7;
            break;
        }
    if (!c)
        return;
    while (c < line + len && (*c == ' ' || *c == '\t'))
        c++;
    size_t n = 0;
    while (c < line + len && n + 1 < outsz &&
           ((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '_' || *c == '.')) {
        char ch = *c++;
        out[n++] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
    }
    out[n] = '\0';
}

char *collect_read_source(const char *path, size_t *len, const char **why, collect_key *digest)
{
    size_t n;
    char *s = tmd_slurp(path, (size_t)64 << 20, &n, why);
    if (!s)
        return NULL;
    if (digest)
        collect_digest_bytes(digest, s, n);
    if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
        memmove(s, s + 3, n - 2);
        n -= 3;
    }
    /* a cookie on line 1 or 2 naming anything but UTF-8 */
    const char *l1 = s, *e1 = memchr(s, '\n', n);
    for (int line = 0; line < 2 && l1; line++) {
        size_t ll = e1 ? (size_t)(e1 - l1) : n - (size_t)(l1 - s);
        char cookie[32];
        cookie_of(cookie, sizeof cookie, l1, ll);
        if (cookie[0] && strcmp(cookie, "utf-8") && strcmp(cookie, "utf8") && strncmp(cookie, "utf-8-", 6) &&
            strncmp(cookie, "utf_8", 5)) {
            int ascii = 1;
            for (size_t i = 0; i < n && ascii; i++)
                ascii = (unsigned char)s[i] < 0x80;
            if (!ascii) {
                free(s);
                *why = "declares a non-UTF-8 encoding";
                return NULL;
            }
        }
        if (cookie[0])
            break;
        l1 = e1 ? e1 + 1 : NULL;
        e1 = l1 ? memchr(l1, '\n', n - (size_t)(l1 - s)) : NULL;
    }
    /* CPython's tokenizer reads a lone "\r" as a newline, where tree-sitter
     * sees a blank and runs the lines around it together; "\n" in its place
     * keeps every offset */
    for (char *p = memchr(s, '\r', n); p; p = memchr(p + 1, '\r', n - (size_t)(p + 1 - s)))
        if (p + 1 == s + n || p[1] != '\n')
            *p = '\n';
    *len = n;
    return s;
}

/* ---- the walk -------------------------------------------------------------------- */

struct walk {
    const char *root;      /* absolute */
    const pytest_config *cfg;
    strvec files;          /* test files, relative */
    strvec doctest_only;   /* of those, modules collected only for doctests */
    strvec conftests;      /* conftest.py files, relative */
    /* folders being walked, each with the index of the one it was found
     * in: a symlink back to one of its own walk ancestors is a loop */
    struct walked { dev_t dev; ino_t ino; size_t parent; } *dirs;
    size_t ndirs, capdirs;
    int symlink_loop; /* pytest walks a loop until the OS stops it */
    strvec disputed;  /* folders only one pytest version takes for a virtualenv */
    /* conftests' collect_ignore paths and collect_ignore_glob patterns,
     * absolute and normalised; an ignore_ctx says which are in force */
    strvec ignore_paths, ignore_globs;
};

/* The collect_ignore and collect_ignore_glob in force in a folder: pytest
 * asks, for each name, the nearest conftest.py from the folder up that has
 * it. Ranges of walk.ignore_paths and walk.ignore_globs. */
typedef struct ignore_ctx {
    size_t paths_at, npaths, globs_at, nglobs;
    int forced; /* a conftest's pytest_ignore_collect may overrule them */
} ignore_ctx;

static char *join_rel(const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    if (a) {
        memcpy(s, dir, a);
        s[a] = '/';
        memcpy(s + a + 1, name, b + 1);
    } else {
        memcpy(s, name, b + 1);
    }
    return s;
}

static char *absolute(const struct walk *w, const char *rel)
{
    return rel[0] ? join_rel(w->root, rel) : strdup(w->root);
}

/* Appends `base`/`rel` (or `rel` when absolute) as os.path.abspath spells
 * it: no ".", "..", empty parts or trailing slash. */
static int push_normalised(strvec *into, const char *base, const char *rel)
{
    tmd_buf joined = TMD_BUF_INIT, out = TMD_BUF_INIT;
    if (rel[0] != '/')
        tmd_buf_printf(&joined, "%s/", base);
    tmd_buf_puts(&joined, rel);
    const char *p = joined.oom ? "" : joined.data;
    while (*p) {
        size_t n = strcspn(p, "/");
        if (n == 2 && !memcmp(p, "..", 2)) {
            while (out.len && out.data[out.len - 1] != '/')
                out.len--;
            if (out.len)
                out.len--; /* the slash before the part dropped */
        } else if (n && !(n == 1 && p[0] == '.')) {
            tmd_buf_putc(&out, '/');
            tmd_buf_put(&out, p, n);
        }
        p += n + (p[n] == '/');
    }
    if (!out.len)
        tmd_buf_putc(&out, '/');
    int rc = joined.oom || out.oom ? TMD_ENOMEM : strvec_push_n(into, out.data, out.len);
    tmd_buf_free(&joined);
    tmd_buf_free(&out);
    return rc;
}

/* Whether pytest loads the conftest.py of the folder `rel` ("" the root):
 * not under --noconftest, nor in a folder above --confcutdir. */
static int loads_conftest(const struct walk *w, const char *rel)
{
    const char *cut = w->cfg->confcutdir;
    size_t n = strlen(rel);
    if (w->cfg->noconftest)
        return 0;
    return !cut || !(n == 0 || (!strncmp(cut, rel, n) && cut[n] == '/'));
}

/* Puts the lists of the conftest.py in the folder `rel` (if it has one and
 * names them) in force in *ctx. A list tmdiff cannot read ignores nothing
 * here: its folder's modules are then prefixes (collect_scan_fixtures). */
static int conftest_here(struct walk *w, const char *rel, ignore_ctx *ctx)
{
    char *dir = absolute(w, rel);
    tmd_buf path = TMD_BUF_INIT;
    if (dir)
        tmd_buf_printf(&path, "%s/conftest.py", dir);
    size_t len;
    const char *why;
    char *src = dir && !path.oom ? collect_read_source(path.data, &len, &why, NULL) : NULL;
    strvec paths = {0}, globs = {0};
    conftest_list_kind pk = CONFTEST_LIST_NONE, gk = CONFTEST_LIST_NONE;
    int rc = !dir || path.oom ? TMD_ENOMEM : 0;
    if (src) /* unreadable: the collection says so when it reads conftests */
        rc = conftest_ignore_lists(src, len, &pk, &paths, &gk, &globs);
    if (src && !rc && conftest_ignore_hook_forces(src, len))
        ctx->forced = 1;
    if (!rc && pk != CONFTEST_LIST_NONE) {
        ctx->paths_at = w->ignore_paths.n;
        for (size_t i = 0; i < paths.n && !rc; i++)
            rc = push_normalised(&w->ignore_paths, dir, paths.v[i]);
        ctx->npaths = w->ignore_paths.n - ctx->paths_at;
    }
    if (!rc && gk != CONFTEST_LIST_NONE) {
        ctx->globs_at = w->ignore_globs.n;
        for (size_t i = 0; i < globs.n && !rc; i++)
            rc = push_normalised(&w->ignore_globs, dir, globs.v[i]);
        ctx->nglobs = w->ignore_globs.n - ctx->globs_at;
    }
    strvec_free(&paths);
    strvec_free(&globs);
    free(src);
    tmd_buf_free(&path);
    free(dir);
    return rc;
}

/* The lists in force in the folder `start` from the conftests above it. */
static int ignore_ctx_above(struct walk *w, const char *start, ignore_ctx *ctx)
{
    memset(ctx, 0, sizeof *ctx);
    if (!start[0])
        return 0;
    char *dir = strdup(start);
    int rc = !dir ? TMD_ENOMEM : loads_conftest(w, "") ? conftest_here(w, "", ctx) : 0;
    for (char *slash = dir ? strchr(dir, '/') : NULL; slash && !rc; slash = strchr(slash + 1, '/')) {
        *slash = '\0';
        if (loads_conftest(w, dir))
            rc = conftest_here(w, dir, ctx);
        *slash = '/';
    }
    free(dir);
    return rc;
}

/* Whether a conftest's collect_ignore or collect_ignore_glob in force
 * (`ctx`) names the path `abs` (Python's fnmatch: "*" crosses "/"). */
static int conftest_ignored(const struct walk *w, const ignore_ctx *ctx, const char *abs)
{
    for (size_t i = 0; i < ctx->npaths; i++)
        if (!strcmp(w->ignore_paths.v[ctx->paths_at + i], abs))
            return 1;
    for (size_t i = 0; i < ctx->nglobs; i++)
        if (fnmatch(w->ignore_globs.v[ctx->globs_at + i], abs, FNM_NOESCAPE) == 0)
            return 1;
    return 0;
}

static int ignored(const struct walk *w, const char *rel, const char *abs)
{
    for (size_t i = 0; i < w->cfg->ignore.n; i++) {
        const char *ig = w->cfg->ignore.v[i];
        size_t n = strlen(ig);
        while (n > 1 && ig[n - 1] == '/')
            n--;
        if ((strlen(rel) == n && !strncmp(rel, ig, n)) || !strcmp(abs, ig))
            return 1;
    }
    for (size_t i = 0; i < w->cfg->ignore_glob.n; i++) {
        const char *g = w->cfg->ignore_glob.v[i];
        tmd_buf pat = TMD_BUF_INIT;
        if (g[0] == '/')
            tmd_buf_puts(&pat, g);
        else
            tmd_buf_printf(&pat, "%s/%s", w->root, g);
        int m = !pat.oom && fnmatch(pat.data, abs, FNM_NOESCAPE) == 0; /* Python's fnmatch */
        tmd_buf_free(&pat);
        if (m)
            return 1;
    }
    return 0;
}

static int exists_under(const char *abs, const char *name, int regular)
{
    tmd_buf p = TMD_BUF_INIT;
    tmd_buf_printf(&p, "%s/%s", abs, name);
    struct stat st;
    int hit = !p.oom && stat(p.data, &st) == 0 && (!regular || S_ISREG(st.st_mode));
    tmd_buf_free(&p);
    return hit;
}

/* Whether --ignore or a collect_ignore list skips a file or folder (unless
 * the folder's pytest_ignore_collect may overrule them). */
static int ignore_lists_skip(const struct walk *w, const ignore_ctx *ctx, const char *rel, const char *abs)
{
    return !ctx->forced && (ignored(w, rel, abs) || conftest_ignored(w, ctx, abs));
}

/* Whether pytest takes the folder for a virtualenv and does not recurse
 * into it. pytest 7 looks for an activate script in bin/, pytest 8 for
 * pyvenv.cfg or conda-meta/history; the two disagree on a folder with only
 * one kind of mark. */
enum { VENV_NO, VENV_BOTH, VENV_DISPUTED };
static int venv_verdict(const char *abs)
{
    static const char *const activates[] = {"bin/activate", "bin/activate.csh", "bin/activate.fish",
                                            "bin/Activate", "bin/Activate.bat", "bin/Activate.ps1"};
    int v7 = 0;
    for (size_t i = 0; i < sizeof activates / sizeof *activates && !v7; i++)
        v7 = exists_under(abs, activates[i], 0);
    int v8 = exists_under(abs, "pyvenv.cfg", 1) || exists_under(abs, "conda-meta/history", 1);
    return v7 && v8 ? VENV_BOTH : v7 || v8 ? VENV_DISPUTED : VENV_NO;
}

/* Tests under a disputed virtualenv folder exist for one pytest version
 * only: each stands for itself or nothing, which a PREFIX says. Applied
 * after the cache (the walk, not the key, knows the folders). */
static void mark_disputed(tmd_collection *c, const strvec *disputed)
{
    for (size_t i = 0; i < c->count; i++) {
        tmd_collected *it = &c->items[i];
        for (size_t d = 0; d < disputed->n; d++) {
            size_t len = strlen(disputed->v[d]);
            if (strncmp(it->nodeid, disputed->v[d], len) || it->nodeid[len] != '/')
                continue;
            it->kind = TMD_COLLECT_PREFIX;
            it->why = "a virtualenv to one pytest version only";
            for (size_t e = 0; e < it->nexpect && !c->arena; e++)
                free(it->expect[e]);
            if (!c->arena)
                free(it->expect);
            it->expect = NULL; /* in the cache's block otherwise */
            it->nexpect = 0;
            break;
        }
    }
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_test_file(const struct walk *w, const char *abs)
{
    for (size_t i = 0; i < w->cfg->python_files.n; i++)
        if (pytest_fnmatch_ex(w->cfg->python_files.v[i], abs))
            return 1;
    return 0;
}

/* Whether pytest's doctest plugin may collect the file `name` (at `abs`)
 * that the walk found: a text file matching --doctest-glob (test*.txt
 * without one), or with --doctest-modules any Python module but
 * __main__.py (setup.py is judged by its bytes: collect_parse.c); none
 * under -p no:doctest. */
static int is_doctest_file(const struct walk *w, const char *name, const char *abs)
{
    if (w->cfg->no_doctest)
        return 0;
    size_t nl = strlen(name);
    if (nl > 3 && !strcmp(name + nl - 3, ".py"))
        return w->cfg->doctest_modules && strcmp(name, "__main__.py");
    if (!w->cfg->doctest_glob.n)
        return pytest_fnmatch_ex("test*.txt", abs);
    for (size_t i = 0; i < w->cfg->doctest_glob.n; i++)
        if (pytest_fnmatch_ex(w->cfg->doctest_glob.v[i], abs))
            return 1;
    return 0;
}

/* A folder's entries, sorted by name, with the type readdir gave. */
typedef struct {
    char *name;
    unsigned char type; /* DT_* */
} dir_entry;

typedef struct {
    dir_entry *v;
    size_t n, cap;
} dir_entries;

static int entry_cmp(const void *a, const void *b)
{
    return strcmp(((const dir_entry *)a)->name, ((const dir_entry *)b)->name);
}

static void dir_entries_free(dir_entries *e)
{
    for (size_t i = 0; i < e->n; i++)
        free(e->v[i].name);
    free(e->v);
}

static int read_entries(dir_entries *out, DIR *d)
{
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        if (out->n == out->cap) {
            size_t cap = out->cap ? out->cap * 2 : 64;
            void *v = realloc(out->v, cap * sizeof *out->v);
            if (!v)
                return TMD_ENOMEM;
            out->v = v;
            out->cap = cap;
        }
        if (!(out->v[out->n].name = strdup(e->d_name)))
            return TMD_ENOMEM;
        out->v[out->n++].type = e->d_type;
    }
    if (out->n)
        qsort(out->v, out->n, sizeof *out->v, entry_cmp);
    return 0;
}

/* The entry's type as stat gives it (following symlinks), 0 where it
 * does not exist (a dangling symlink). The type readdir gave serves for
 * plain files and folders; others are looked up by name in the open
 * folder, not by their whole path: a large suite has thousands of entries. */
static mode_t entry_mode(DIR *d, const dir_entry *e)
{
    if (e->type == DT_REG)
        return S_IFREG;
    if (e->type == DT_DIR)
        return S_IFDIR;
    struct stat st;
    return fstatat(dirfd(d), e->name, &st, 0) == 0 ? st.st_mode & S_IFMT : 0;
}

/* Whether the folder `st` is `parent` or one of the folders above it in
 * the walk (so reached through a symlink loop); else records it, and
 * *index is its record. */
static int walked_loop(struct walk *w, const struct stat *st, size_t parent, size_t *index)
{
    for (size_t i = parent; i != SIZE_MAX; i = w->dirs[i].parent)
        if (w->dirs[i].dev == st->st_dev && w->dirs[i].ino == st->st_ino)
            return 1;
    if (w->ndirs == w->capdirs) {
        size_t cap = w->capdirs ? 2 * w->capdirs : 64;
        struct walked *g = realloc(w->dirs, cap * sizeof *g);
        if (!g)
            return TMD_ENOMEM;
        w->dirs = g;
        w->capdirs = cap;
    }
    w->dirs[w->ndirs] = (struct walked){st->st_dev, st->st_ino, parent};
    *index = w->ndirs++;
    return 0;
}

/* Walks `start` (relative, "" for the root) with an explicit stack. Like
 * pytest it follows symlinked folders, so one folder can be walked under
 * two paths (pytest collects both). */
static int walk_dir(struct walk *w, const char *start)
{
    strvec stack = {0};
    /* beside stack: each folder's walk parent and the lists in force above it */
    struct pending { size_t parent; ignore_ctx ctx; };
    struct { struct pending *v; size_t n, cap; } parents = {0};
    struct pending top = {SIZE_MAX, {0}};
    int rc = strvec_push(&stack, start);
    if (!rc)
        rc = ignore_ctx_above(w, start, &top.ctx);
    while (!rc && stack.n > 0) {
        char *rel = stack.v[--stack.n];
        struct pending at = parents.n ? parents.v[--parents.n] : top;
        size_t parent = at.parent;
        char *abs = absolute(w, rel);
        DIR *d = abs ? opendir(abs) : NULL;
        struct stat st;
        size_t self = SIZE_MAX;
        if (d && fstat(dirfd(d), &st) == 0) {
            int loop = walked_loop(w, &st, parent, &self);
            if (loop < 0) {
                rc = loop;
            } else if (loop) {
                w->symlink_loop = 1;
                closedir(d);
                d = NULL;
            }
        }
        dir_entries names = {0};
        if (!rc && d)
            rc = read_entries(&names, d);
        ignore_ctx ctx = at.ctx; /* this folder's own conftest first */
        for (size_t i = 0; i < names.n && !rc && loads_conftest(w, rel); i++)
            if (!strcmp(names.v[i].name, "conftest.py"))
                rc = conftest_here(w, rel, &ctx);
        /* sub-folders pushed in reverse so they are walked in order */
        strvec subdirs = {0};
        for (size_t i = 0; i < names.n && !rc; i++) {
            const char *name = names.v[i].name;
            char *crel = join_rel(rel, name);
            char *cabs = crel ? absolute(w, crel) : NULL;
            mode_t mode = crel && cabs ? entry_mode(d, &names.v[i]) : 0;
            if (!crel || !cabs) {
                rc = TMD_ENOMEM;
            } else if (S_ISDIR(mode)) {
                /* norecursedirs holds whatever pytest_ignore_collect says;
                 * the virtualenv check is the default hook's, like --ignore */
                int skip = !strcmp(name, "__pycache__");
                for (size_t k = 0; k < w->cfg->norecursedirs.n && !skip; k++)
                    skip = pytest_fnmatch_ex(w->cfg->norecursedirs.v[k], cabs);
                int venv = skip || ctx.forced || w->cfg->collect_in_virtualenv ? VENV_NO : venv_verdict(cabs);
                skip |= venv == VENV_BOTH || ignore_lists_skip(w, &ctx, crel, cabs);
                if (!skip)
                    rc = strvec_push(&subdirs, crel);
                if (!skip && !rc && venv == VENV_DISPUTED)
                    rc = strvec_push(&w->disputed, crel);
            } else if (S_ISREG(mode)) {
                size_t nl = strlen(name);
                if (!strcmp(name, "conftest.py")) {
                    if (loads_conftest(w, rel))
                        rc = strvec_push(&w->conftests, crel);
                    /* --doctest-modules collects a conftest's docstrings too */
                    if (!rc && w->cfg->doctest_modules && !ignore_lists_skip(w, &ctx, crel, cabs) &&
                        !(rc = strvec_push(&w->files, crel)))
                        rc = strvec_push(&w->doctest_only, crel);
                } else {
                    int py = nl > 3 && !strcmp(name + nl - 3, ".py");
                    int test = py && is_test_file(w, cabs);
                    int doctests = !test && is_doctest_file(w, name, cabs);
                    if ((test || doctests) && !ignore_lists_skip(w, &ctx, crel, cabs)) {
                        rc = strvec_push(&w->files, crel);
                        if (!rc && py && doctests)
                            rc = strvec_push(&w->doctest_only, crel);
                    }
                }
            }
            free(crel);
            free(cabs);
        }
        for (size_t i = subdirs.n; i-- > 0 && !rc;) {
            if (parents.n == parents.cap) {
                size_t cap = parents.cap ? 2 * parents.cap : 64;
                struct pending *g = realloc(parents.v, cap * sizeof *g);
                if (!g) {
                    rc = TMD_ENOMEM;
                    break;
                }
                parents.v = g;
                parents.cap = cap;
            }
            parents.v[parents.n++] = (struct pending){self, ctx};
            rc = strvec_push(&stack, subdirs.v[i]);
        }
        strvec_free(&subdirs);
        dir_entries_free(&names);
        if (d)
            closedir(d);
        free(abs);
        free(rel);
    }
    strvec_free(&stack);
    free(parents.v);
    return rc;
}

/* conftest.py files of the folders from the root down to `rel`'s folder. */
static int ancestor_conftests(struct walk *w, const char *rel)
{
    char *path = strdup(rel);
    if (!path)
        return TMD_ENOMEM;
    int rc = 0;
    for (char *p = path;; p++) {
        if (*p == '/' || *p == '\0') {
            char saved = *p;
            *p = '\0';
            /* the folder path[0..p) and, first, the root itself */
            for (int k = 0; k < 2 && !rc; k++) {
                const char *dir = k == 0 ? "" : path;
                if ((k == 1 && !*path) || !loads_conftest(w, dir))
                    continue;
                char *c = join_rel(dir, "conftest.py");
                char *abs = c ? absolute(w, c) : NULL;
                struct stat st;
                if (!c || !abs)
                    rc = TMD_ENOMEM;
                else if (stat(abs, &st) == 0 && S_ISREG(st.st_mode) && !strvec_contains(&w->conftests, c))
                    rc = strvec_push(&w->conftests, c);
                free(c);
                free(abs);
            }
            *p = saved;
            if (!saved)
                break;
        }
    }
    free(path);
    return rc;
}

/* A start path (testpaths entry, addopts path): a folder to walk or a file
 * given explicitly (collected whatever its name). */
static int add_start(struct walk *w, const char *rel)
{
    char *clean = strdup(rel);
    if (!clean)
        return TMD_ENOMEM;
    size_t n = strlen(clean);
    while (n > 0 && clean[n - 1] == '/')
        clean[--n] = '\0';
    char *p = clean;
    while (p[0] == '.' && p[1] == '/')
        p += 2;
    if (!strcmp(p, "."))
        p[0] = '\0';
    char *abs = absolute(w, p);
    struct stat st;
    int rc = 0;
    if (!abs)
        rc = TMD_ENOMEM;
    else if (stat(abs, &st) != 0)
        rc = 0; /* pytest reports "file or directory not found"; nothing to list */
    else if (S_ISDIR(st.st_mode))
        rc = ancestor_conftests(w, p[0] ? p : "x") ? TMD_ENOMEM : walk_dir(w, p);
    else if (S_ISREG(st.st_mode)) {
        size_t pl = strlen(p);
        rc = ancestor_conftests(w, p);
        /* a .txt or .rst named explicitly is collected for its doctests */
        const char *ext = pl > 4 ? p + pl - 4 : "";
        if (!rc && ((pl > 3 && !strcmp(p + pl - 3, ".py")) || !strcmp(ext, ".txt") || !strcmp(ext, ".rst")))
            rc = strvec_push(&w->files, p);
    }
    free(abs);
    free(clean);
    return rc;
}

/* Whether rel (relative to the root) is a regular file. */
static int is_file(const struct walk *w, const char *rel)
{
    char *abs = absolute(w, rel);
    struct stat st;
    int yes = abs && stat(abs, &st) == 0 && S_ISREG(st.st_mode);
    free(abs);
    return yes;
}

/* rel's folder ("" at the root), into `out` (truncated first). */
static void folder_of(tmd_buf *out, const char *rel)
{
    const char *slash = strrchr(rel, '/');
    tmd_buf_truncate(out, 0);
    tmd_buf_put(out, rel, slash ? (size_t)(slash - rel) : 0);
}

enum { MAX_GLOBBED_PLUGINS = 2048 };

/* Appends to `out` (once each) the .py files under the folder `rel`, at
 * any depth: those a glob pattern there can match. 1 when there are more
 * than MAX_GLOBBED_PLUGINS, TMD_ENOMEM. Symlinked folders are not
 * followed: glob does, so one among them makes it 1. */
static int py_files_under(strvec *out, const struct walk *w, const char *rel)
{
    strvec todo = {0};
    size_t found = 0;
    int rc = strvec_push(&todo, rel);
    while (todo.n && !rc) {
        char *folder = todo.v[--todo.n];
        char *abs = absolute(w, folder);
        DIR *d = abs ? opendir(abs) : NULL;
        for (struct dirent *e; d && !rc && (e = readdir(d));) {
            if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
                continue;
            char *child = join_rel(folder, e->d_name);
            char *child_abs = child ? absolute(w, child) : NULL;
            struct stat lst;
            size_t nl = strlen(e->d_name);
            if (!child_abs)
                rc = TMD_ENOMEM;
            else if (lstat(child_abs, &lst) != 0)
                ;
            else if (S_ISLNK(lst.st_mode) && stat(child_abs, &lst) == 0 && S_ISDIR(lst.st_mode))
                rc = 1;
            else if (S_ISDIR(lst.st_mode))
                rc = strvec_push(&todo, child);
            else if (S_ISREG(lst.st_mode) && nl > 3 && !strcmp(e->d_name + nl - 3, ".py") &&
                     !strvec_contains(out, child))
                rc = ++found > MAX_GLOBBED_PLUGINS ? 1 : strvec_push(out, child);
            free(child);
            free(child_abs);
        }
        if (d)
            closedir(d);
        free(abs);
        free(folder);
    }
    strvec_free(&todo);
    return rc;
}

/* Adds to `out` the files under the root that `from SPEC import` in the
 * module `importer` may load: a relative SPEC from the importer's package,
 * an absolute one from the importer's base folder (the first folder up
 * without __init__.py: pytest puts it on sys.path) and from the root. A
 * module found nowhere is installed (not read, like installed plugins). */
static int resolve_import(strvec *out, const struct walk *w, const char *importer, const char *spec)
{
    size_t dots = strspn(spec, ".");
    const char *name = spec + dots;
    size_t n = strlen(name);
    if (strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") != n ||
        (n && (name[0] == '.' || name[n - 1] == '.')) || (!n && !dots))
        return 0; /* not a plain dotted name (a non-ASCII one is not followed) */
    tmd_buf base = TMD_BUF_INIT, rel = TMD_BUF_INIT;
    folder_of(&base, importer);
    int rc = 0;
    for (int from_root = 0; from_root < 2 && !rc; from_root++) {
        if (dots) {
            if (from_root)
                break;
            for (size_t up = 1; up < dots && base.len; up++) { /* ".." is the parent package */
                char *slash = base.data ? strrchr(base.data, '/') : NULL;
                tmd_buf_truncate(&base, slash ? (size_t)(slash - base.data) : 0);
            }
        } else if (from_root) {
            tmd_buf_truncate(&base, 0);
        } else {
            for (;;) { /* the base folder: up while there is an __init__.py */
                tmd_buf_truncate(&rel, 0);
                tmd_buf_printf(&rel, "%s%s__init__.py", base.len ? base.data : "", base.len ? "/" : "");
                if (!base.len || rel.oom || !is_file(w, rel.data))
                    break;
                char *slash = strrchr(base.data, '/');
                tmd_buf_truncate(&base, slash ? (size_t)(slash - base.data) : 0);
            }
        }
        for (int pkg = 0; pkg < 2 && !rc; pkg++) {
            tmd_buf_truncate(&rel, 0);
            if (base.len)
                tmd_buf_printf(&rel, "%s/", base.data);
            for (size_t i = 0; i < n; i++)
                tmd_buf_putc(&rel, name[i] == '.' ? '/' : name[i]);
            if (pkg || !n)
                tmd_buf_puts(&rel, n ? "/__init__.py" : "__init__.py");
            else
                tmd_buf_puts(&rel, ".py");
            if (rel.oom)
                rc = TMD_ENOMEM;
            else if (is_file(w, rel.data) && !strvec_contains(out, rel.data))
                rc = strvec_push(out, rel.data);
            if (!n)
                break;
        }
    }
    tmd_buf_free(&base);
    tmd_buf_free(&rel);
    return rc;
}

/* The file under the root that `import name`, in the module `importer`,
 * finds with the root and the importer's base folder on sys.path (pytest
 * puts a conftest's base folder there), relative, or NULL: an installed
 * plugin, or no such module. */
static char *plugin_file(const struct walk *w, const char *importer, const char *name)
{
    strvec found = {0};
    char *rel = NULL;
    if (name[0] != '.' && !resolve_import(&found, w, importer, name) && found.n) {
        rel = found.v[0]; /* a module before a package, as read before */
        found.v[0] = NULL;
    }
    strvec_free(&found);
    return rel;
}

/* Adds to the conftests the modules under the root that the conftests'
 * pytest_plugins and addopts' -p load (and those they name in theirs):
 * their fixtures and hooks apply everywhere. Not only the root conftest's:
 * pytest accepts pytest_plugins in every conftest it loads at start-up,
 * which includes those above each node ID tmdiff passes it.
 * collect_parse.c reads a conftest list entry not named conftest.py as
 * such a plugin. A list computed from glob patterns loads every .py file
 * under their fixed folders (conftest_plugin_globs); *inexact is set when
 * one is computed otherwise: any module's fixtures and hooks could then
 * apply everywhere. */
static int add_plugin_modules(struct walk *w, const char **inexact)
{
    strvec queue = {0}; /* module files, each read once */
    tmd_buf dir = TMD_BUF_INIT;
    size_t nconf = w->conftests.n;
    int rc = loads_conftest(w, "") ? strvec_push(&queue, "conftest.py") : 0;
    for (size_t i = 0; i < nconf && !rc; i++)
        if (!strvec_contains(&queue, w->conftests.v[i]))
            rc = strvec_push(&queue, w->conftests.v[i]);
    size_t seeds = queue.n;
    for (size_t i = 0; i < w->cfg->plugins.n && !rc; i++) {
        char *rel = plugin_file(w, "conftest.py", w->cfg->plugins.v[i]);
        if (rel && !strvec_contains(&queue, rel))
            rc = strvec_adopt(&queue, rel);
        else
            free(rel);
    }
    for (size_t q = 0; q < queue.n && !rc; q++) {
        char *abs = absolute(w, queue.v[q]);
        size_t len;
        const char *why;
        char *src = abs ? collect_read_source(abs, &len, &why, NULL) : NULL;
        strvec names = {0}, glob_dirs = {0};
        folder_of(&dir, queue.v[q]);
        int kind = src && !dir.oom ? conftest_plugins(&names, &glob_dirs, src, len, dir.len ? dir.data : "")
                                   : CONFTEST_LIST_NONE;
        if (!abs || dir.oom || kind < 0)
            rc = TMD_ENOMEM;
        for (size_t k = 0; k < glob_dirs.n && kind == CONFTEST_LIST_GLOBS && !rc; k++) {
            rc = py_files_under(&queue, w, glob_dirs.v[k]);
            if (rc == 1) { /* too many to read as plugins */
                kind = CONFTEST_LIST_DYNAMIC;
                rc = 0;
            }
        }
        strvec_free(&glob_dirs);
        if (!rc && kind == CONFTEST_LIST_DYNAMIC) {
            tmd_buf msg = TMD_BUF_INIT; /* names the file: the fix is there */
            tmd_buf_printf(&msg, "%s: pytest_plugins is computed at run time (tmdiff reads a list of "
                                 "module names, or one built from glob patterns alone)", queue.v[q]);
            const char *kept = msg.oom ? NULL : cc_intern(msg.data, msg.len);
            *inexact = kept ? kept : "a conftest's pytest_plugins is computed at run time";
            tmd_buf_free(&msg);
        }
        for (size_t k = 0; k < names.n && !rc; k++) {
            char *rel = plugin_file(w, queue.v[q], names.v[k]);
            if (rel && !strvec_contains(&queue, rel))
                rc = strvec_adopt(&queue, rel);
            else
                free(rel);
        }
        strvec_free(&names);
        free(src);
        free(abs);
        if (!rc && q >= seeds && !strvec_contains(&w->conftests, queue.v[q]))
            rc = strvec_push(&w->conftests, queue.v[q]);
    }
    strvec_free(&queue);
    tmd_buf_free(&dir);
    return rc;
}

enum { MAX_IMPORT_STEPS = 4096 };

/* One step of following imports: the name `want` ("*": every name) of the
 * module `file`, bound as `bound` in the namespace of the conftests of
 * folder `dir`. */
struct import_step {
    char *file, *want, *dir, *bound;
};

static int push_step(struct import_step **v, size_t *n, strvec *seen, const char *file, const char *want,
                     const char *dir, const char *bound)
{
    tmd_buf key = TMD_BUF_INIT;
    tmd_buf_printf(&key, "%s\n%s\n%s\n%s", file, want, dir, bound);
    int rc = key.oom ? TMD_ENOMEM : 0;
    if (!rc && !strvec_contains(seen, key.data)) {
        struct import_step *grown = (*n & (*n - 1)) == 0 ? realloc(*v, (*n ? 2 * *n : 1) * sizeof **v) : *v;
        if (!grown || strvec_push(seen, key.data))
            rc = TMD_ENOMEM;
        else {
            *v = grown;
            struct import_step s = {strdup(file), strdup(want), strdup(dir), strdup(bound)};
            grown[(*n)++] = s;
            rc = s.file && s.want && s.dir && s.bound ? 0 : TMD_ENOMEM;
        }
    }
    tmd_buf_free(&key);
    return rc;
}

/* Follows the conftests' (and plugin modules') `from M import ...` to the
 * modules under the root that define what they import, through
 * re-exports: pytest registers every fixture in a conftest's namespace.
 * Those modules join the conftests list (read as plugin modules by
 * collect_parse.c, so the key covers them); `exports` says which of their
 * fixtures each conftest binds, under which name, and `helpers` lists
 * those read for that alone. *inexact is set when the chain is too long
 * to follow. */
static int add_fixture_modules(struct walk *w, strvec *exports, strvec *helpers, const char **inexact)
{
    struct import_step *q = NULL;
    size_t nq = 0;
    strvec seen = {0};
    int rc = 0;
    size_t nconf = w->conftests.n;
    tmd_buf dir = TMD_BUF_INIT;
    for (size_t i = 0; i < nconf && !rc; i++) { /* a plugin module's namespace is everyone's */
        const char *c = w->conftests.v[i];
        const char *base = strrchr(c, '/');
        int is_conftest = !strcmp(base ? base + 1 : c, "conftest.py");
        folder_of(&dir, c);
        rc = dir.oom ? TMD_ENOMEM : push_step(&q, &nq, &seen, c, "", is_conftest ? dir.data : "", "");
    }
    for (size_t at = 0; at < nq && !rc; at++) {
        if (at >= nconf + MAX_IMPORT_STEPS) {
            *inexact = "fixture imports too long to follow";
            break;
        }
        struct import_step s = q[at]; /* want "": a conftest itself */
        char *abs = absolute(w, s.file);
        size_t len;
        const char *why;
        char *src = abs ? collect_read_source(abs, &len, &why, NULL) : NULL;
        module_names m = {0};
        int read = src ? module_names_read(&m, src, len) : 0;
        if (!abs || read)
            rc = TMD_ENOMEM;
        int all = !strcmp(s.want, "*");
        if (!rc && *s.want && (all ? m.defs.n > 0 : strvec_contains(&m.defs, s.want))) {
            tmd_buf e = TMD_BUF_INIT; /* "file\0want\0dir\0bound" */
            tmd_buf_printf(&e, "%s%c%s%c%s%c%s", s.file, 0, s.want, 0, s.dir, 0, s.bound);
            rc = e.oom ? TMD_ENOMEM : strvec_push_n(exports, e.data, e.len);
            tmd_buf_free(&e);
            if (!rc && !strvec_contains(&w->conftests, s.file))
                rc = strvec_push(&w->conftests, s.file) || strvec_push(helpers, s.file) ? TMD_ENOMEM : 0;
        }
        for (size_t k = 0; k < m.specs.n && !rc; k++) {
            const char *orig = m.origs.v[k], *bind = m.binds.v[k];
            const char *want = NULL, *bound = NULL;
            if (!*s.want || all) { /* every name it binds reaches the conftest */
                want = orig, bound = bind;
            } else if (!strcmp(bind, s.want)) {
                want = orig, bound = s.bound;
            } else if (!strcmp(bind, "*")) {
                want = s.want, bound = s.bound;
            }
            strvec files = {0};
            if (want)
                rc = resolve_import(&files, w, s.file, m.specs.v[k]);
            for (size_t i = 0; i < files.n && !rc; i++)
                rc = push_step(&q, &nq, &seen, files.v[i], want, s.dir, bound);
            strvec_free(&files);
        }
        module_names_free(&m);
        free(src);
        free(abs);
    }
    for (size_t i = 0; i < nq; i++) {
        free(q[i].file);
        free(q[i].want);
        free(q[i].dir);
        free(q[i].bound);
    }
    free(q);
    tmd_buf_free(&dir);
    strvec_free(&seen);
    return rc;
}

static int dedup_sorted(strvec *v)
{
    if (v->n)
        qsort(v->v, v->n, sizeof *v->v, cmp_cstr);
    size_t k = 0;
    for (size_t i = 0; i < v->n; i++) {
        if (k && !strcmp(v->v[k - 1], v->v[i]))
            free(v->v[i]);
        else
            v->v[k++] = v->v[i];
    }
    v->n = k;
    return 0;
}

int collect_item_cmp(const void *a, const void *b)
{
    const tmd_collected *x = a, *y = b;
    int c = strcmp(x->nodeid, y->nodeid);
    if (c)
        return c;
    return (int)y->kind - (int)x->kind; /* PREFIX first: it is kept */
}

/* Each file's items come sorted (collect_parse.c), in the walk's sorted
 * file order: one pass usually proves the whole in order. */
static int in_order(const item_list *l)
{
    for (size_t i = 1; i < l->n; i++)
        if (collect_item_cmp(&l->v[i - 1], &l->v[i]) > 0)
            return 0;
    return 1;
}

/* A relative path inside the root to an existing .py file, for `also`. */
static int plain_py_path(const struct walk *w, const char *rel)
{
    size_t n = strlen(rel);
    if (n < 4 || rel[0] == '/' || strcmp(rel + n - 3, ".py") || !strncmp(rel, "../", 3) ||
        strstr(rel, "/../") || strstr(rel, "//") || !strncmp(rel, "./", 2) || strstr(rel, "/./"))
        return 0;
    char *abs = absolute(w, rel);
    struct stat st;
    int ok = abs && stat(abs, &st) == 0 && S_ISREG(st.st_mode);
    free(abs);
    return ok;
}

int tmd_collect_project(tmd_collection *out, const char *root)
{
    return tmd_collect_project_also(out, root, NULL, 0);
}

int tmd_collect_project_also(tmd_collection *out, const char *root, const char *const *also, size_t nalso)
{
    char *cache = collect_cache_dir(NULL);
    int rc = collect_project_cached(out, root, also, nalso, cache);
    free(cache);
    return rc;
}

int collect_project_cached(tmd_collection *out, const char *root, const char *const *also,
                           size_t nalso, const char *cache)
{
    memset(out, 0, sizeof *out);
    char *rootabs = realpath(root ? root : ".", NULL);
    if (!rootabs)
        return tmd_error(TMD_ENOTFOUND, "%s: no such folder (give an existing --root)", root ? root : ".");
    pytest_config cfg;
    int rc = pytest_config_load(&cfg, rootabs);
    if (rc) {
        free(rootabs);
        return rc;
    }
    struct walk w = {rootabs, &cfg, {0}, {0}, {0}, NULL, 0, 0, 0, {0}, {0}, {0}};
    collect_digests digests = {{{0}}, NULL};
    collect_facts facts = {0};
    item_list items = {0};
    const char *inexact = cfg.inexact;

    /* where pytest starts: addopts paths, else testpaths (globbed), else the root */
    const strvec *starts = cfg.args.n ? &cfg.args : &cfg.testpaths;
    size_t started = 0;
    for (size_t i = 0; i < starts->n && !rc; i++) {
        const char *sp = starts->v[i];
        if (starts == &cfg.testpaths && strpbrk(sp, "*?[")) {
            if (strstr(sp, "**"))
                inexact = "testpaths with ** (recursive glob)";
            tmd_buf pat = TMD_BUF_INIT;
            tmd_buf_printf(&pat, "%s/%s", rootabs, sp);
            glob_t g;
            if (!pat.oom && glob(pat.data, 0, NULL, &g) == 0) {
                for (size_t k = 0; k < g.gl_pathc && !rc; k++) {
                    rc = add_start(&w, g.gl_pathv[k] + strlen(rootabs) + 1);
                    started++;
                }
                globfree(&g);
            }
            tmd_buf_free(&pat);
        } else {
            char probe[4096];
            struct stat st;
            snprintf(probe, sizeof probe, "%s/%s", rootabs, sp);
            if (stat(probe, &st) == 0)
                started++;
            rc = add_start(&w, sp);
        }
    }
    if (!rc && started == 0)
        rc = add_start(&w, "");
    if (w.symlink_loop) /* pytest's IDs nest the loop ~40 times deep */
        inexact = "a symlinked folder loops back into itself";
    if (rc) {
        rc = tmd_error(TMD_ENOMEM, "%s: out of memory while listing test files", rootabs);
        goto done;
    }
    /* files CI named explicitly: collected wherever they are */
    for (size_t i = 0; i < nalso && !rc; i++) {
        if (!also[i] || strvec_remove(&w.doctest_only, also[i])) /* found for doctests */
            continue;
        if (plain_py_path(&w, also[i]) && !strvec_contains(&w.files, also[i]) &&
            !(rc = ancestor_conftests(&w, also[i])))
            rc = strvec_push(&w.files, also[i]);
    }
    if (!rc)
        rc = add_plugin_modules(&w, &inexact);
    if (!rc)
        rc = add_fixture_modules(&w, &facts.exports, &facts.helpers, &inexact);
    if (rc) {
        rc = tmd_error(TMD_ENOMEM, "%s: out of memory while listing test files", rootabs);
        goto done;
    }
    dedup_sorted(&w.files);
    dedup_sorted(&w.doctest_only);
    dedup_sorted(&w.conftests);

    /* collect_cache.c: the same config, walk and file bytes give the same
     * collection; a key that cannot be made means no caching */
    collect_key ckey;
    int keyed = cache && collect_cache_key(&ckey, &digests, rootabs, &w.conftests, &w.files) == 0;
    if (keyed && collect_cache_load(out, cache, &ckey) == 0) {
        if (inexact) /* the walk's own findings (a symlink loop) are not in the key */
            out->inexact = inexact;
        mark_disputed(out, &w.disputed);
        goto done;
    }
    out->inexact = inexact; /* set after the cache is tried: a miss clears *out */
    out->doctest_modules = cfg.doctest_modules;

    /* collect_parse.c: fixtures and hooks first (they decide whether tests
     * are parametrized), then every module's items; on every core, reusing
     * what the root's last collection found for unchanged files */
    collect_reuse reuse = {NULL, cache, digests.unit, 0};
    if (keyed)
        reuse.files = collect_files_open(cache, &digests, w.conftests.n, w.files.n);
    int conftest_unreadable = 0;
    rc = collect_parse_all(&items, &facts, &conftest_unreadable, rootabs, &w.conftests, &w.files,
                           &w.doctest_only, &cfg, keyed ? &reuse : NULL);
    collect_files_free(reuse.files);
    keyed &= !reuse.changed; /* a file changed while it was read: no key fits */
    if (conftest_unreadable)
        out->inexact = "a conftest.py tmdiff cannot read";
    if (rc)
        goto done;

    /* --deselect in addopts drops exact items under the given prefixes */
    if (!in_order(&items))
        qsort(items.v, items.n, sizeof *items.v, collect_item_cmp);
    size_t k = 0;
    for (size_t i = 0; i < items.n; i++) {
        int drop = k && !strcmp(items.v[k - 1].nodeid, items.v[i].nodeid);
        for (size_t d = 0; d < cfg.deselect.n && !drop; d++)
            drop = items.v[i].kind == TMD_COLLECT_EXACT &&
                   !strncmp(items.v[i].nodeid, cfg.deselect.v[d], strlen(cfg.deselect.v[d]));
        if (drop)
            item_free(&items.v[i]);
        else
            items.v[k++] = items.v[i];
    }
    out->items = items.v;
    out->count = k;
    items.v = NULL;
    items.n = 0;
    out->files = w.files.v;
    out->nfiles = w.files.n;
    w.files.v = NULL;
    w.files.n = 0;
    if (keyed)
        collect_cache_save(out, cache, &ckey);
    mark_disputed(out, &w.disputed);
done:
    item_list_free(&items);
    strvec_free(&w.files);
    strvec_free(&w.doctest_only);
    strvec_free(&w.conftests);
    free(w.dirs);
    strvec_free(&w.ignore_paths);
    strvec_free(&w.ignore_globs);
    strvec_free(&w.disputed);
    free(digests.unit);
    collect_facts_free(&facts);
    pytest_config_free(&cfg);
    free(rootabs);
    if (rc)
        tmd_collection_free(out);
    return rc;
}

/* ---- questions ------------------------------------------------------------------------ */

/* Whether `test` is `prefix` or below it ("[" parametrizations, "::" members). */
static int covers(const char *prefix, const char *test)
{
    size_t n = strlen(prefix);
    if (strncmp(prefix, test, n))
        return 0;
    return test[n] == '\0' || test[n] == '[' || (test[n] == ':' && test[n + 1] == ':');
}

static const tmd_collected *find_item(const tmd_collection *c, const char *nodeid, size_t len)
{
    size_t lo = 0, hi = c->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strncmp(c->items[mid].nodeid, nodeid, len);
        if (cmp == 0 && c->items[mid].nodeid[len] != '\0')
            cmp = 1;
        if (cmp < 0)
            lo = mid + 1;
        else if (cmp > 0)
            hi = mid;
        else
            return &c->items[mid];
    }
    return NULL;
}

int tmd_collection_lookup(const tmd_collection *c, const char *nodeid)
{
    size_t len = strlen(nodeid);
    const tmd_collected *it = find_item(c, nodeid, len);
    if (it && it->kind == TMD_COLLECT_EXACT)
        return TMD_COLLECTED_YES;
    if (it)
        return TMD_COLLECTED_MAYBE;
    /* every shorter prefix that could stand for it: at "::" and "[" */
    for (size_t i = len; i-- > 0;) {
        int cut = (nodeid[i] == ':' && i > 0 && nodeid[i - 1] == ':') || nodeid[i] == '[';
        if (!cut)
            continue;
        size_t plen = nodeid[i] == ':' ? i - 1 : i;
        it = find_item(c, nodeid, plen);
        if (it && it->kind == TMD_COLLECT_PREFIX)
            return TMD_COLLECTED_MAYBE;
    }
    return TMD_COLLECTED_NO;
}

/* Reasons a PREFIX stands for a function that certainly exists (only its
 * parametrization is unknown). Any other PREFIX may match nothing (a class
 * whose tests are inherited from elsewhere, a name bound at runtime, a
 * decorator that replaces the function), and pytest stops with "not found"
 * on such a node ID: unless the database shows tests under it, its file is
 * reported instead. */
static int surely_exists(const char *why)
{
    static const char *const list[] = {"parametrize", "parametrize over objects", "fixture params",
                                       "pytest_generate_tests", "pytestmark",
                                       "pytest_make_parametrize_id", NULL};
    for (size_t i = 0; why && list[i]; i++)
        if (!strcmp(why, list[i]))
            return 1;
    return 0;
}

/* Whether the names are in strcmp order (select.c passes them sorted). */
static int is_sorted(const char *const *names, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (strcmp(names[i - 1], names[i]) > 0)
            return 0;
    return 1;
}

/* Whether a stored name under the module `rel` (followed by "::") is one of
 * its doctests: "module.qualname", or the module's own docstring (named
 * after the module). Python test names hold no dot. */
static int is_doctest_name(const char *rel, size_t rlen, const char *stored)
{
    const char *name = stored + rlen + 2;
    size_t n = strcspn(name, ":[");
    const char *base = strrchr(rel, '/');
    base = base ? base + 1 : rel;
    size_t blen = rlen - (size_t)(base - rel) - 3; /* without ".py" */
    return memchr(name, '.', n) || (n == blen && !strncmp(name, base, n));
}

int tmd_collection_lists_file(const tmd_collection *c, const char *rel)
{
    return sorted_contains((const char *const *)c->files, c->nfiles, rel);
}

int tmd_collection_new_tests(char ***out, size_t *out_count, const tmd_collection *c,
                             const char *const *stored, size_t nstored,
                             const char *const *changed, size_t nchanged)
{
    *out = NULL;
    *out_count = 0;
    const char **sorted = NULL;
    strvec found = {0};
    int rc = 0;
    if (!is_sorted(stored, nstored)) {
        if (!(sorted = malloc(nstored * sizeof *sorted)))
            return tmd_error(TMD_ENOMEM, "collect: out of memory");
        memcpy(sorted, stored, nstored * sizeof *sorted);
        qsort(sorted, nstored, sizeof *sorted, cmp_cstr);
        stored = sorted;
    }
    /* one merge: items (tmd_collect_project sorts them) and stored names
     * both in strcmp order, so each item's lower bound among the names only
     * moves forward; items in another order are searched for */
    int merge = 1;
    for (size_t i = 1; i < c->count && merge; i++)
        merge = strcmp(c->items[i - 1].nodeid, c->items[i].nodeid) <= 0;
    size_t at = 0;
    for (size_t i = 0; i < c->count && !rc; i++) {
        const tmd_collected *it = &c->items[i];
        if (!merge) {
            size_t hi = nstored;
            at = 0;
            while (at < hi) {
                size_t mid = at + (hi - at) / 2;
                if (strcmp(stored[mid], it->nodeid) < 0)
                    at = mid + 1;
                else
                    hi = mid;
            }
        }
        while (at < nstored && strcmp(stored[at], it->nodeid) < 0)
            at++;
        if (it->kind == TMD_COLLECT_EXACT) {
            if (at >= nstored || strcmp(stored[at], it->nodeid))
                rc = strvec_push(&found, it->nodeid);
            continue;
        }
        size_t under = 0, matched = 0, doctests = 0;
        size_t plen = strlen(it->nodeid);
        int doctest_module = it->why && !strcmp(it->why, TMD_COLLECT_WHY_DOCTEST_MODULE);
        for (size_t j = at; j < nstored && !strncmp(stored[j], it->nodeid, plen); j++) {
            if (!covers(it->nodeid, stored[j]))
                continue;
            under++;
            doctests += doctest_module && is_doctest_name(it->nodeid, plen, stored[j]);
            for (size_t e = 0; e < it->nexpect; e++)
                if (!strcmp(it->expect[e], stored[j])) {
                    matched++;
                    break;
                }
        }
        if (it->nexpect && under == it->nexpect && matched == it->nexpect)
            continue; /* the database holds exactly the IDs the values give */
        /* docstrings as recorded give the doctests recorded */
        if (doctests && changed && !sorted_contains(changed, nchanged, it->nodeid))
            continue;
        /* a name that may be a TestCase keeps its stored tests; with none
         * it is taken for what it almost always is, no TestCase (selecting
         * its file on every edit would cost more than the rare new one) */
        if (under == 0 && it->why && !strcmp(it->why, TMD_COLLECT_WHY_MAYBE_TESTCASE))
            continue;
        if (under == 0 && !surely_exists(it->why)) {
            const char *sep = strstr(it->nodeid, "::");
            rc = strvec_push_n(&found, it->nodeid, sep ? (size_t)(sep - it->nodeid) : plen);
        } else {
            rc = strvec_push(&found, it->nodeid);
        }
    }
    free(sorted);
    if (rc) {
        strvec_free(&found);
        return tmd_error(TMD_ENOMEM, "collect: out of memory");
    }
    dedup_sorted(&found);
    /* a reported file or prefix makes the tests below it redundant */
    unsigned char *redundant = calloc(found.n ? found.n : 1, 1);
    if (!redundant) {
        strvec_free(&found);
        return tmd_error(TMD_ENOMEM, "collect: out of memory");
    }
    for (size_t i = 0; i < found.n; i++) {
        const char *id = found.v[i];
        for (size_t j = strlen(id); j-- > 0 && !redundant[i];) {
            int cut = (id[j] == ':' && j > 0 && id[j - 1] == ':') || id[j] == '[';
            if (!cut)
                continue;
            size_t plen = id[j] == ':' ? j - 1 : j;
            size_t lo = 0, hi = found.n;
            while (lo < hi) { /* exact search for id[0..plen) */
                size_t mid = lo + (hi - lo) / 2;
                int cmp = strncmp(found.v[mid], id, plen);
                if (cmp == 0 && found.v[mid][plen])
                    cmp = 1;
                if (cmp < 0)
                    lo = mid + 1;
                else if (cmp > 0)
                    hi = mid;
                else {
                    redundant[i] = 1;
                    break;
                }
            }
        }
    }
    size_t k = 0;
    for (size_t i = 0; i < found.n; i++) {
        if (redundant[i])
            free(found.v[i]);
        else
            found.v[k++] = found.v[i];
    }
    free(redundant);
    *out = found.v;
    *out_count = k;
    return 0;
}
