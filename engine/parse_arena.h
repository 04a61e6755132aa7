/* parse_arena.h: tree-sitter's memory for one file taken from a per-thread
 * bump arena (internal; parse_arena.c).
 *
 * Parsing a file makes tree-sitter allocate and free about 30 times the
 * file's size in small pieces, and deleting the tree walks every node
 * again: together about a tenth of `tmdiff fingerprint`'s time with
 * glibc's malloc. Between parse_arena_begin and parse_arena_end every
 * allocation tree-sitter makes on this thread is a pointer bump in a
 * region reserved once per process (at start-up, before any thread); frees
 * are no-ops and the end forgets everything at once, so the trees of that
 * file need no ts_tree_delete.
 *
 * Nothing tree-sitter allocated inside the scope may be used after its end,
 * and what tree-sitter hands over for free() (ts_node_string) must not be
 * asked for inside a scope: it would point into the arena.
 * Memory tree-sitter allocated outside any scope (other threads, other
 * modules, before the first scope) stays with malloc and is freed normally:
 * free tells the two apart by address. When the region cannot be reserved,
 * all slots are taken, or a file needs more than a slot holds, allocations
 * fall back to malloc and parse_arena_tree_delete deletes trees for real. */
#ifndef TMD_PARSE_ARENA_H
#define TMD_PARSE_ARENA_H

#include <tree_sitter/api.h>

/* Starts this thread's scope: returns 1 when tree-sitter now allocates
 * from an arena, 0 when it keeps using malloc (scopes do not nest: an
 * inner begin returns 0 and its end does nothing). Pass the result to
 * parse_arena_end. It takes the lowest free slot, which keeps up to 4 MB
 * of its pages resident for the next scope (what a 130 KB file needs). */
int parse_arena_begin(void);

/* parse_arena_begin for threads that parse small files beside the scan
 * (the collection's): the highest free slot, so the scan's threads keep to
 * the same few slots, and at most 1 MB of it stays resident. Taking the
 * scan's slots raised the peak of a cold run by up to 9 MB. */
int parse_arena_begin_small(void);

/* Ends the scope `begun` (parse_arena_begin's result): everything
 * tree-sitter allocated in it from the arena is released. */
void parse_arena_end(int begun);

/* Deletes a tree made in the current scope: nothing to do when the scope's
 * arena holds all of its memory, ts_tree_delete otherwise. */
void parse_arena_tree_delete(TSTree *tree);

#endif
