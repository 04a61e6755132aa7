/* dump_common.h: block recording shared by the dumper's files (internal;
 * dump_common.c). dump.h holds the dumper's contract; this only adds what
 * dump_stmt.c and fingerprint.c need to hand blocks over. */
#ifndef TMD_DUMP_COMMON_H
#define TMD_DUMP_COMMON_H

#include "dump.h"

/* Records the next block: "<number>:" followed by the `len` bytes of `body`
 * (its statement dumps, already ", "-joined). The dumper owns the copy;
 * dump_free_blocks releases every block. Out of memory becomes INEXACT with
 * the reason DUMP_OOM_REASON, which fingerprint.c turns into TMD_ENOMEM. */
#define DUMP_OOM_REASON "out of memory"
void dump_record_block(dumper *d, const char *body, size_t len);
void dump_free_blocks(dumper *d);

/* Children of a node one at a time in source order, skipping extras
 * (comments, ERROR extras). Index based: ts_node_next_sibling would walk
 * down from the root to find the parent on every step. ts_node_child is
 * O(index), so the statement and block lists use cursors instead. */
typedef struct dump_kids {
    TSNode parent;
    uint32_t i, n;
    int live;
} dump_kids;

static inline dump_kids dump_kids_of(TSNode parent)
{
    dump_kids k = {parent, 0, ts_node_is_null(parent) ? 0 : ts_node_child_count(parent), 1};
    return k;
}

static inline TSNode dump_kids_next(dump_kids *k)
{
    while (k->i < k->n) {
        TSNode c = ts_node_child(k->parent, k->i++);
        if (!ts_node_is_extra(c))
            return c;
    }
    return (TSNode){0};
}

/* DUMP_EACH_CHILD's walk. ts_node_child(i) walks from the first child, so
 * a loop over it is quadratic on long lists (elif chains, except clauses,
 * imported names): past a few children a tree cursor steps instead. The
 * cleanup attribute deletes the cursor however the loop is left (break,
 * return). */
#define DUMP_KIDS_BY_INDEX 4
typedef struct dump_kid_walk {
    dump_kids k;      /* index steps: few children */
    TSTreeCursor cur; /* cursor steps: many (cur.tree set) */
    int state;        /* cursor: 0 before the first child, 1 on one, 2 done */
} dump_kid_walk;

static inline dump_kid_walk dump_kid_walk_of(TSNode parent)
{
    dump_kid_walk w = {dump_kids_of(parent), {0}, 0};
    if (w.k.n > DUMP_KIDS_BY_INDEX)
        w.cur = ts_tree_cursor_new(parent);
    return w;
}

static inline void dump_kid_walk_end(dump_kid_walk *w)
{
    if (w->cur.tree)
        ts_tree_cursor_delete(&w->cur);
}

static inline TSNode dump_kid_walk_next(dump_kid_walk *w)
{
    if (!w->cur.tree)
        return dump_kids_next(&w->k);
    while (w->state != 2) {
        int ok = w->state == 0 ? ts_tree_cursor_goto_first_child(&w->cur)
                               : ts_tree_cursor_goto_next_sibling(&w->cur);
        w->state = ok ? 1 : 2;
        if (ok) {
            TSNode c = ts_tree_cursor_current_node(&w->cur);
            if (!ts_node_is_extra(c))
                return c;
        }
    }
    return (TSNode){0};
}

/* for each non-extra child `c` of `parent` (break and continue work) */
#define DUMP_EACH_CHILD(parent, c)                                                          \
    for (dump_kid_walk c##_kids __attribute__((cleanup(dump_kid_walk_end))) =               \
             dump_kid_walk_of(parent);                                                      \
         c##_kids.k.live; c##_kids.k.live = 0)                                              \
        for (TSNode c = dump_kid_walk_next(&c##_kids); !ts_node_is_null(c); c = dump_kid_walk_next(&c##_kids))

/* The first named non-extra child (null node if none). */
static inline TSNode dump_first_named(TSNode n)
{
    dump_kids k = dump_kids_of(n);
    TSNode c;
    do
        c = dump_kids_next(&k);
    while (!ts_node_is_null(c) && !ts_node_is_named(c));
    return c;
}

/* The i-th (from 0) named non-extra child (null node if none). */
static inline TSNode dump_nth_named(TSNode n, unsigned i)
{
    dump_kids k = dump_kids_of(n);
    for (TSNode c = dump_kids_next(&k); !ts_node_is_null(c); c = dump_kids_next(&k))
        if (ts_node_is_named(c) && i-- == 0)
            return c;
    return (TSNode){0};
}

/* The first non-extra child (null node if none). */
static inline TSNode dump_first_child(TSNode n)
{
    dump_kids k = dump_kids_of(n);
    return dump_kids_next(&k);
}

/* One step of a pre-order walk: into the current node's first child when
 * `descend`, else to the node after its subtree. 0 once the walk has left
 * the cursor's root. */
static inline int dump_cursor_step(TSTreeCursor *c, int descend)
{
    if (descend && ts_tree_cursor_goto_first_child(c))
        return 1;
    while (!ts_tree_cursor_goto_next_sibling(c))
        if (!ts_tree_cursor_goto_parent(c))
            return 0;
    return 1;
}

/* dump_text(n) equals the C string s. */
int dump_text_is(const dumper *d, TSNode n, const char *s);
/* The `len` bytes at s spell one of Python 3's hard keywords. */
int dump_is_keyword(const char *s, size_t len);
/* 'name' of an identifier as CPython stores it (NFKC); keywords rejected. */
void dump_name_repr(dumper *d, TSNode ident, tmd_buf *out);
/* The same for a name the statement binds (def, class, import, except as):
 * 3.8 rejects binding __debug__. */
void dump_binding_name_repr(dumper *d, TSNode ident, tmd_buf *out);
/* 'a.b.c' of a dotted_name, rebuilt from its identifiers. */
void dump_dotted_repr(dumper *d, TSNode dotted, tmd_buf *out);
/* An item of a tuple the statement dumper builds itself (`a, *b` as an
 * expression statement, match subjects, 3.8's `with (a, *b)`): a starred
 * item is Starred(value, Load()). */
void dump_tuple_item(dumper *d, TSNode item, tmd_buf *out);
/* Writes ", " before every item but the first (*first starts at 1). */
void dump_put_sep(tmd_buf *out, int *first);

/* CPython's indentation rules over the statements of a module or block
 * (dump_indent.c): reject (or inexact where tabs make tree-sitter's columns
 * differ) what tree-sitter let through. Checked while dump_stmt_list walks
 * the list (walking a long list costs as much as dumping it): begin once,
 * then each statement (named, non-extra child) in order. */
typedef struct dump_indent {
    unsigned col;    /* tabs to the next multiple of 8 */
    unsigned altcol; /* tabs as 1 column */
    int mixed;       /* a space before a tab: tree-sitter's columns differ */
} dump_indent;
typedef struct dump_indent_list {
    dump_indent owner, first;
    int is_module, have_first;
    int off; /* the owner's line gave no indentation: nothing to check */
} dump_indent_list;
void dump_check_indent_begin(dumper *d, TSNode list, dump_indent_list *il);
void dump_check_indent_stmt(dumper *d, dump_indent_list *il, TSNode stmt);
/* The deepest nesting of a text by a string- and comment-aware scan
 * (dump_limits.c): read once per text, before parsing (to refuse what
 * tree-sitter 0.20.7 cannot survive: 65536 open brackets make a double free
 * in ts_tree_delete) and to check CPython's limits after. */
typedef struct dump_scan {
    unsigned brackets; /* deepest bracket nesting */
    unsigned col;      /* deepest indentation column of a logical line */
    int bare_backslash; /* a logical line begins with a line of only blanks and `\` */
    int tab_mid_stop;   /* an indentation has a tab at a column not a multiple of 8 */
} dump_scan;
void dump_scan_text(const char *text, size_t len, dump_scan *out);
/* CPython's nesting limits (brackets, indentation levels) over the prepared
 * text, given its scan, and its tree (dump_limits.c). */
void dump_check_limits(dumper *d, TSNode root, const dump_scan *scan);
/* The index after the string literal whose opening quote is text[i]
 * (dump_limits.c; escapes skip a character, unterminated stops at len or
 * at the newline of a one-line string). */
size_t dump_skip_string(const char *text, size_t len, size_t i);
/* Type parameters tree-sitter cannot parse (PEP 696 defaults, 3.13), read
 * from the source text of the `[...]` node instead (dump_reparse.c). */
void dump_type_params_text(dumper *d, TSNode params, tmd_buf *out);
/* Characters between tokens that CPython's tokenizer refuses and
 * tree-sitter skips (dump_text.c). */
void dump_check_text(dumper *d, TSNode root, size_t len);
/* On a tree with ERROR/MISSING nodes: rejects what the errors prove
 * CPython rejects too; 1 if every error is one tmdiff works around
 * (dump_errors.c). */
int dump_check_errors(dumper *d, TSNode root);
/* Unparenthesized tuples with a starred item tree-sitter cannot read
 * (`match *[a], b:`, `x = *(a), b`; dump_star_tuple.c): the text d->src
 * (`len` bytes) with up to `max_spans` such tuples wrapped in "(...)",
 * malloc'd (the caller frees it), NUL-terminated, of *out_len bytes;
 * spans[0..*nspans) say where the parenthesized tuples lie in it. NULL when
 * there is none (or no memory). */
typedef struct dump_span {
    uint32_t from, to;
} dump_span;
char *dump_star_tuple_fix(const dumper *d, TSNode root, size_t len, size_t *out_len, dump_span *spans,
                          unsigned max_spans, unsigned *nspans);
/* Nonzero when the tree of that new text reads every such tuple cleanly in
 * its place: a match subject, an assigned, returned or yielded value. */
int dump_star_tuple_fixed(const dumper *d, TSNode root, const dump_span *spans, unsigned nspans);
/* Two more texts tree-sitter misreads (dump_respell.c): `from __future__
 * import *` (the module renamed to a placeholder of the same length) and a
 * line inside brackets indented less than its statement (spaces put before
 * it). dump_respell_fix returns the respelled text like
 * dump_star_tuple_fix (malloc'd, the caller frees it; NULL: nothing to do,
 * more than max_sites sites, or no memory), sites[0..*nsites) where each
 * respelling lies in it, in order. dump_respell_fixed: nonzero when the new
 * tree is clean with each respelling in its place. dump_respell_restore:
 * on the final blocks, the placeholder back to '__future__' (`renamed`
 * renamings over all rounds); inexact if it appears in any other form. */
enum { DUMP_RESPELL_PAD, DUMP_RESPELL_FUTURE };
typedef struct dump_respelling {
    uint32_t from, to;
    int kind;
} dump_respelling;
char *dump_respell_fix(const dumper *d, TSNode root, size_t len, size_t *out_len, dump_respelling *sites,
                       unsigned max_sites, unsigned *nsites);
int dump_respell_fixed(const dumper *d, TSNode root, const dump_respelling *sites, unsigned nsites);
void dump_respell_restore(dumper *d, unsigned renamed);

/* Statement parts (dump_stmt.c, dump_compound.c, dump_def.c). */
void dump_function_def(dumper *d, TSNode def, TSNode decorated, tmd_buf *out);
void dump_class_def(dumper *d, TSNode cls, TSNode decorated, tmd_buf *out);
void dump_decorated(dumper *d, TSNode decorated, tmd_buf *out);
void dump_type_alias(dumper *d, TSNode stmt, tmd_buf *out);
/* A type_alias_statement that is really an assignment such as
 * `type(x).y = 1` (dump_reparse.c). */
void dump_reparse_type_stmt(dumper *d, TSNode stmt, tmd_buf *out);
void dump_if(dumper *d, TSNode stmt, tmd_buf *out);
void dump_for(dumper *d, TSNode stmt, tmd_buf *out);
void dump_while(dumper *d, TSNode stmt, tmd_buf *out);
void dump_try(dumper *d, TSNode stmt, tmd_buf *out);
void dump_with(dumper *d, TSNode stmt, tmd_buf *out);
void dump_match(dumper *d, TSNode stmt, tmd_buf *out);
/* An item of a sequence pattern, where `*name` is allowed (dump_pattern.c). */
void dump_pattern_seq_item(dumper *d, TSNode item, tmd_buf *out);

#endif
