/* dump_expr.h: what dump_expr.c shares with dump_fstring.c (internal).
 *
 * Which unusual expressions CPython's parser accepts depends on where they
 * stand: an unparenthesised `:=`, `*x` or `yield` is valid in some slots and
 * a SyntaxError in others. Callers inside the expression dumper say which
 * of them the slot allows; dump_expr() (called for statement fields) works
 * it out from the parent node. */
#ifndef TMD_DUMP_EXPR_H
#define TMD_DUMP_EXPR_H

#include "dump.h"

enum {
    EX_WALRUS = 1, /* `a := b` */
    EX_STAR = 2,   /* `*a` */
    EX_YIELD = 4,  /* `yield a` */
    EX_STAR_ANY = 8, /* `*a` whose operand may be any expression (calls,
                        subscripts); EX_STAR alone wants a bitwise-or level
                        operand (`[*a or b]` is an error) */
};

/* tree-sitter's ERROR node (ts_builtin_sym_error). */
#define TS_ERROR_SYMBOL ((TSSymbol)-1)

/* One expression in a slot that allows the EX_* bits in `allow`. */
void dump_expr_in(dumper *d, TSNode expr, dump_ctx ctx, unsigned allow, tmd_buf *out);

/* The dump of a literal string node (or concatenated_string) that holds no
 * f-string piece: `Constant('...', kind)`. */
void dump_str_constant(dumper *d, TSNode str, tmd_buf *out);

/* Nonzero when `text` holds a newline not escaped by a backslash (what a
 * single-quoted string may not contain). */
int dump_has_raw_newline(const char *text, size_t len);

/* Nonzero when the string token (string_start text) has an f prefix. */
int dump_is_fstring_start(const dumper *d, TSNode string_node);

/* tree-sitter 0.23 reads the annotation `list[int] if c else d` as the
 * type `list[int]` followed by an ERROR holding `if c else d`. Nonzero when
 * `error` is such a tail of the `type` node just before it: the whole
 * annotation is then read with dump_expr_text (dump_arguments does so for
 * parameters; the error check may count these errors as worked around). */
int dump_expr_is_annotation_tail(const dumper *d, TSNode error);

/* Dumps the source text [from, to) as one expression parsed on its own
 * (in parentheses); inexact when that does not parse cleanly. */
void dump_expr_text(dumper *d, TSNode at, uint32_t from, uint32_t to, tmd_buf *out);

/* tree-sitter reads `with a if b else c as x:` (or `with lambda: y as x:`)
 * with the `as` buried at the right end of the item's expression. Returns
 * that as_pattern (whose alias is the with-item's target), or a null node
 * when `value` holds none (a plain as_pattern value is not "buried"). */
TSNode dump_expr_buried_as(const dumper *d, TSNode value);

/* Dumps `value` as if `as_node` (from dump_expr_buried_as) were just its
 * expression: the with-item's context_expr. */
void dump_expr_without_as(dumper *d, TSNode value, TSNode as_node, tmd_buf *out);

#endif
