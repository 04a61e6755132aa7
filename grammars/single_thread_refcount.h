/* Forced into tree-sitter's core (-include) before its own atomic.h, whose
 * include guard it takes: the subtrees' reference counts as plain integers
 * instead of lock-prefixed instructions (7% of a bare parse).
 *
 * Safe because tmdiff never lets two threads touch one tree's subtrees at
 * once: no ts_tree_copy, no incremental reparse with an old tree; each tree
 * is parsed, read and freed by one thread, or handed over through a join.
 * atomic_load reads the cancellation flag, which tmdiff never sets.
 * Compiler-provided types only: a system header here would come before
 * lib.c's own feature macros. */
#ifndef TREE_SITTER_ATOMIC_H_
#define TREE_SITTER_ATOMIC_H_

static inline __SIZE_TYPE__ atomic_load(const volatile __SIZE_TYPE__ *p) { return *p; }
static inline __UINT32_TYPE__ atomic_inc(volatile __UINT32_TYPE__ *p) { return ++*p; }
static inline __UINT32_TYPE__ atomic_dec(volatile __UINT32_TYPE__ *p) { return --*p; }

#endif
