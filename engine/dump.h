/* dump.h: the tree-sitter tree written out as CPython's ast dump, testmon's
 * way (internal; dump_stmt.c, dump_expr.c, dump_fstring.c, dump_pattern.c,
 * fingerprint.c). See ../../shared/docs/dump-notes.md.
 *
 * Each dump_* appends the dump of one node to `out`. A construct CPython's
 * parser rejects in this dialect calls dump_reject(); one tmdiff cannot
 * reproduce exactly calls dump_inexact(); both only record the first reason
 * and the walk may go on (the caller throws the output away). */
#ifndef TMD_DUMP_H
#define TMD_DUMP_H

#include "buf.h"
#include "tmdiff.h"

#include <tree_sitter/api.h>

typedef enum dump_ctx { CTX_LOAD, CTX_STORE, CTX_DEL } dump_ctx;

/* Deeper than this (nodes on the dump path) testmon's recursive dump would
 * hit Python's recursion limit; such files are inexact. */
#define DUMP_MAX_DEPTH 400

typedef struct dumper {
    const char *src;             /* the prepared text that was parsed */
    const tmd_dialect *dialect;
    const struct dump_symbols *sym; /* symbol and field ids, resolved once */
    /* blocks recorded so far, in completion (post-order) order */
    char **blocks;
    size_t *block_lens;
    size_t nblocks, cap;
    tmd_fp_status status;        /* TMD_FP_BLOCKS until a reject/inexact */
    char reason[160];
    unsigned depth;
    /* the statement the innermost statement list is dumping (null: none);
     * dump_check_indent_begin finds a block's owner below it (dump_indent.c) */
    TSNode stmt;
    /* a line of only blanks and a backslash (dump_scan): tree-sitter reads
     * the indentation after it by a rule of its own (dump_indent.c); and a
     * tab in an indentation at a column not a multiple of 8, where
     * tree-sitter adds 8 columns and CPython goes to the next multiple of 8.
     * Either way its blocks may not be CPython's: rejects become inexact */
    int bare_backslash;
    int tab_mid_stop;
} dumper;

/* The whole module: records every block. */
void dump_module(dumper *d, TSNode module);
/* One statement node (dump_stmt.c). */
void dump_stmt(dumper *d, TSNode stmt, tmd_buf *out);
/* A body: for a def or the module it becomes a block of its own and
 * `transformed_into_block` is written; otherwise its statements joined. */
void dump_body(dumper *d, TSNode block, int is_block_owner, tmd_buf *out);
/* One expression in the given context (dump_expr.c). */
void dump_expr(dumper *d, TSNode expr, dump_ctx ctx, tmd_buf *out);
/* `arguments(...)` of a def's parameters or a lambda's (NULL node: none). */
void dump_arguments(dumper *d, TSNode params, tmd_buf *out);
/* Call-style argument lists (calls, class bases): positional dumps into
 * `args`, keyword(...) dumps into `keywords`, each ", "-joined. */
void dump_call_arguments(dumper *d, TSNode argument_list, tmd_buf *args, tmd_buf *keywords);
/* f-strings (dump_fstring.c): a string or concatenated_string holding at
 * least one f-string piece, as JoinedStr(...). */
void dump_joined_str(dumper *d, TSNode str, tmd_buf *out);
/* A match-statement pattern (dump_pattern.c). */
void dump_pattern(dumper *d, TSNode pattern, tmd_buf *out);

void dump_reject(dumper *d, TSNode at, const char *why);
void dump_inexact(dumper *d, TSNode at, const char *why);
/* Source text of a node. */
static inline const char *dump_text(const dumper *d, TSNode n, size_t *len)
{
    *len = ts_node_end_byte(n) - ts_node_start_byte(n);
    return d->src + ts_node_start_byte(n);
}

#endif
