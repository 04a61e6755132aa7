/* dump_respell.c: two more texts tree-sitter-python 0.23 misreads, spelled
 * so that it reads them as CPython does. Like dump_star_tuple.c, fingerprint.c
 * parses the respelled text again and keeps it only when the new tree is
 * clean and holds every respelling where it belongs:
 *
 * - `from __future__ import *`: ast.parse accepts it (the compiler refuses
 *   it later), the grammar's future_import_statement takes names only and
 *   the error swallows the next line. `__future__` becomes a placeholder
 *   module of the same length (CPython's parser treats the module name alike
 *   whatever it is; 3.12+ only look at `barry_as_FLUFL` among the names) and
 *   dump_respell_restore puts '__future__' back into the blocks.
 *
 * - a line inside brackets indented less than its statement, such as
 *   `(bar.\n        baz)` in a function body (test_compile.py): the external
 *   scanner sees "inside brackets" only where a closing bracket may follow,
 *   so after `bar.` it emits a DEDENT. CPython ignores indentation inside
 *   brackets: spaces before such a line's first token, up to the
 *   indentation of the line that began the statement, change nothing for
 *   it. The new tree must show each padded token first on its line inside
 *   brackets (not in a string: strings are single tokens here).
 *
 * Runs only on trees with errors whose dump came out inexact or rejected. */
#define _GNU_SOURCE /* memmem */
#include "dump_common.h"
#include "dump_symbols.h"

#include <stdlib.h>
#include <string.h>

/* As long as "__future__": the blocks keep their lengths when it goes back. */
#define PLACEHOLDER "_tmdFutur_"
#define FUTURE "__future__"
#define RESTORED_FORM "ImportFrom('" PLACEHOLDER "', alias('*', None), 0)"

typedef struct walk {
    const dumper *d;
    const char *text;
    long depth;          /* brackets open (closers without an opener ignored) */
    long target;         /* indentation of the line that began the statement */
    uint32_t prev_end;   /* end of the previous token (0: none yet) */
    TSNode last[3];      /* the last three tokens, newest first */
    /* fix: sites found; check: sites still to meet (sorted by position) */
    dump_respelling *sites;
    unsigned nsites, max_sites, next_site;
    size_t shift;        /* fix: bytes inserted before the current token */
    size_t max_shift;    /* fix: at most as many as the text has */
    int may_rename;      /* the placeholder is nowhere in the text */
    int ok;              /* check: every site met as it should be */
} walk;

/* A token: a leaf with text, or a whole string (its insides are text).
 * Line continuations and the scanner's newline/indent tokens are not. */
static int is_token(const walk *w, TSNode n)
{
    if (ts_node_end_byte(n) == ts_node_start_byte(n))
        return 0; /* indent, dedent, a MISSING node */
    if (ts_node_symbol(n) == w->d->sym->S_line_continuation)
        return 0;
    char c = w->text[ts_node_start_byte(n)];
    return c != '\n' && c != '\r' && c != ' ' && c != '\t'; /* _newline */
}

/* The scanner's indentation of the line where `at` starts (' ' counts 1,
 * '\t' 8, '\f' restarts), or -1 when the previous token or anything but
 * blanks precedes `at` on that line. Reads only the gap after the previous
 * token: linear over the file. */
static long indent_before(const walk *w, uint32_t at)
{
    if (at < w->prev_end)
        return -1; /* tokens overlap: never in a tree-sitter tree */
    const char *gap = w->text + w->prev_end;
    const char *nl = memrchr(gap, '\n', at - w->prev_end);
    if (!nl && w->prev_end > 0)
        return -1;
    long n = 0;
    for (const char *p = nl ? nl + 1 : gap; p < w->text + at; p++) {
        if (*p == ' ')
            n++;
        else if (*p == '\t')
            n += 8;
        else if (*p == '\f')
            n = 0;
        else
            return -1;
    }
    return n;
}

/* A backslash continuation between the previous token and `at`. */
static int continued(const walk *w, uint32_t at)
{
    return w->prev_end > 0 && at >= w->prev_end && memchr(w->text + w->prev_end, '\\', at - w->prev_end) != NULL;
}

static void add_site(walk *w, uint32_t from, uint32_t to, int kind)
{
    if (w->nsites < w->max_sites)
        w->sites[w->nsites++] = (dump_respelling){from, to, kind};
    else
        w->ok = 0; /* more than one round can hold: the text stays as it is */
}

/* Fix mode: one token. Sites are recorded where they will lie in the new
 * text (padding shifts what follows). */
static void fix_token(walk *w, TSNode n, long indent)
{
    const dump_symbols *y = w->d->sym;
    uint32_t at = ts_node_start_byte(n);
    if (indent >= 0 && w->depth > 0 && indent < w->target) {
        uint32_t pad = (uint32_t)(w->target - indent);
        if (w->shift + pad > w->max_shift) {
            w->ok = 0; /* a hostile text must not grow without end */
            return;
        }
        add_site(w, (uint32_t)(at + w->shift), (uint32_t)(at + w->shift + pad), DUMP_RESPELL_PAD);
        w->shift += pad;
    }
    /* at depth 0 nothing of the statement was padded: the placeholder
     * lies after every site so far */
    if (w->may_rename && w->depth == 0 && ts_node_symbol(n) == y->A_star && !ts_node_is_null(w->last[2]) &&
        ts_node_symbol(w->last[0]) == y->A_import && ts_node_symbol(w->last[1]) == y->A_future &&
        ts_node_symbol(w->last[2]) == y->A_from) {
        uint32_t from = (uint32_t)(ts_node_start_byte(w->last[1]) + w->shift);
        add_site(w, from, from + (uint32_t)strlen(FUTURE), DUMP_RESPELL_FUTURE);
    }
}

/* Check mode: a padded token must start where its padding ends, first on
 * its line, inside brackets. */
static void check_token(walk *w, TSNode n, long indent)
{
    uint32_t at = ts_node_start_byte(n);
    while (w->next_site < w->nsites && w->sites[w->next_site].kind != DUMP_RESPELL_PAD)
        w->next_site++;
    if (w->next_site == w->nsites)
        return;
    const dump_respelling *s = &w->sites[w->next_site];
    if (at < s->to && ts_node_end_byte(n) <= s->from)
        return; /* not there yet */
    if (at != s->to || indent < 0 || w->depth <= 0)
        w->ok = 0;
    w->next_site++;
}

static void token(walk *w, TSNode n, int checking)
{
    const dump_symbols *y = w->d->sym;
    uint32_t at = ts_node_start_byte(n);
    TSSymbol t = ts_node_symbol(n);
    long indent = indent_before(w, at);
    int is_comment = t == y->S_comment;
    if (indent >= 0 && w->depth == 0 && !is_comment && !continued(w, at))
        w->target = indent; /* a new logical line */
    if (checking)
        check_token(w, n, indent);
    else
        fix_token(w, n, indent);
    if (t == y->A_lparen || t == y->A_lbracket || t == y->A_lbrace)
        w->depth++;
    else if ((t == y->A_rparen || t == y->A_rbracket || t == y->A_rbrace) && w->depth > 0)
        w->depth--;
    w->prev_end = ts_node_end_byte(n);
    if (!is_comment) {
        w->last[2] = w->last[1];
        w->last[1] = w->last[0];
        w->last[0] = n;
    }
}

/* Every token of `root` in order (strings whole; a concatenation's parts
 * one by one). */
static void walk_tokens(walk *w, TSNode root, int checking)
{
    const dump_symbols *y = w->d->sym;
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
        TSNode n = ts_tree_cursor_current_node(&c);
        int atom = ts_node_symbol(n) == y->S_string || ts_node_child_count(n) == 0;
        if (atom && is_token(w, n))
            token(w, n, checking);
        if (!dump_cursor_step(&c, !atom))
            break;
    }
    ts_tree_cursor_delete(&c);
}

char *dump_respell_fix(const dumper *d, TSNode root, size_t len, size_t *out_len, dump_respelling *sites,
                       unsigned max_sites, unsigned *nsites)
{
    walk w;
    memset(&w, 0, sizeof w);
    w.d = d;
    w.text = d->src;
    w.sites = sites;
    w.max_sites = max_sites;
    w.ok = 1;
    w.max_shift = len < UINT32_MAX - len ? len : UINT32_MAX - len; /* tree-sitter reads 32-bit lengths */
    w.may_rename = !memmem(d->src, len, PLACEHOLDER, strlen(PLACEHOLDER));
    walk_tokens(&w, root, 0);
    *nsites = w.nsites;
    if (!w.nsites || !w.ok)
        return NULL;
    char *out = malloc(len + w.shift + 1);
    if (!out)
        return NULL;
    size_t o = 0, at = 0, shift = 0;
    for (unsigned k = 0; k < w.nsites; k++) {
        const dump_respelling *s = &sites[k];
        size_t here = s->from - shift; /* the site in the old text */
        memcpy(out + o, d->src + at, here - at);
        o += here - at;
        if (s->kind == DUMP_RESPELL_PAD) {
            memset(out + o, ' ', s->to - s->from);
            shift += s->to - s->from;
            at = here;
        } else {
            memcpy(out + o, PLACEHOLDER, strlen(PLACEHOLDER));
            at = here + strlen(FUTURE);
        }
        o += s->to - s->from;
    }
    memcpy(out + o, d->src + at, len - at);
    o += len - at;
    out[o] = '\0';
    *out_len = o;
    return out;
}

/* The placeholder at [s->from, s->to) is the module of a clean
 * `from ... import *`. */
static int renamed_in_place(const dumper *d, TSNode root, const dump_respelling *s)
{
    const dump_symbols *y = d->sym;
    TSNode name = ts_node_descendant_for_byte_range(root, s->from, s->to);
    if (ts_node_is_null(name) || ts_node_symbol(name) != y->S_identifier || ts_node_start_byte(name) != s->from ||
        ts_node_end_byte(name) != s->to || memcmp(d->src + s->from, PLACEHOLDER, strlen(PLACEHOLDER)))
        return 0;
    TSNode dotted = ts_node_parent(name);
    TSNode stmt = ts_node_is_null(dotted) ? dotted : ts_node_parent(dotted);
    if (ts_node_is_null(stmt) || ts_node_symbol(dotted) != y->S_dotted_name ||
        ts_node_named_child_count(dotted) != 1 || ts_node_symbol(stmt) != y->S_import_from_statement ||
        !ts_node_eq(ts_node_child_by_field_id(stmt, y->F_module_name), dotted))
        return 0;
    TSNode last = ts_node_named_child(stmt, ts_node_named_child_count(stmt) - 1);
    return ts_node_symbol(last) == y->S_wildcard_import;
}

int dump_respell_fixed(const dumper *d, TSNode root, const dump_respelling *sites, unsigned nsites)
{
    if (ts_node_has_error(root))
        return 0; /* only a clean tree shows the respelling was the problem */
    for (unsigned k = 0; k < nsites; k++)
        if (sites[k].kind == DUMP_RESPELL_FUTURE && !renamed_in_place(d, root, &sites[k]))
            return 0;
    walk w;
    memset(&w, 0, sizeof w);
    w.d = d;
    w.text = d->src;
    w.sites = (dump_respelling *)sites; /* read only in check mode */
    w.nsites = nsites;
    w.ok = 1;
    walk_tokens(&w, root, 1);
    while (w.next_site < w.nsites && w.sites[w.next_site].kind != DUMP_RESPELL_PAD)
        w.next_site++;
    return w.ok && w.next_site == w.nsites;
}

void dump_respell_restore(dumper *d, unsigned renamed)
{
    static const char form[] = RESTORED_FORM;
    const size_t before = strlen("ImportFrom('"), plen = strlen(PLACEHOLDER);
    unsigned seen = 0;
    for (size_t b = 0; b < d->nblocks && d->status == TMD_FP_BLOCKS; b++) {
        char *block = d->blocks[b], *end = block + d->block_lens[b];
        for (char *p = block; (p = memmem(p, (size_t)(end - p), PLACEHOLDER, plen)) != NULL; p += plen) {
            if (p < block + before || (size_t)(end - (p - before)) < sizeof form - 1 ||
                memcmp(p - before, form, sizeof form - 1)) {
                dump_inexact(d, (TSNode){0}, "`from __future__ import *` tmdiff cannot place");
                return;
            }
            memcpy(p, FUTURE, plen);
            seen++;
        }
    }
    if (seen != renamed)
        dump_inexact(d, (TSNode){0}, "`from __future__ import *` tmdiff cannot place");
}
