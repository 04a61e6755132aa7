/* select_order.c: the verdicts in pytest's node-ID order (strcmp), and the
 * stored tests matched against the static collection in that order: one
 * merge where 100,000 binary searches were. select.c decides; this file
 * only orders and matches (select_internal.h). */
#include "error.h"
#include "select_internal.h"

#include <stdlib.h>
#include <string.h>

/* A verdict's place in the name order, for the sort below. */
typedef struct by_name {
    const char *name;
    size_t at;
} by_name;

static int cmp_by_name(const void *a, const void *b)
{
    const by_name *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : (x->at > y->at) - (x->at < y->at);
}

/* Sorts v[0..n) by node_id (strcmp). testmon numbers tests as pytest runs
 * them, often the name order already: one pass proves that, and only
 * otherwise are (name, index) pairs sorted and the verdicts moved once. */
int select_sort_verdicts(tmd_test_verdict *v, size_t n)
{
    size_t i = 1;
    while (i < n && strcmp(v[i - 1].node_id, v[i].node_id) <= 0)
        i++;
    if (i >= n)
        return TMD_OK;
    by_name *order = malloc(n * sizeof *order);
    tmd_test_verdict *moved = malloc(n * sizeof *moved);
    if (!order || !moved) {
        free(order), free(moved);
        return tmd_error(TMD_ENOMEM, "selection: out of memory");
    }
    for (i = 0; i < n; i++) {
        order[i].name = v[i].node_id;
        order[i].at = i;
    }
    qsort(order, n, sizeof *order, cmp_by_name);
    for (i = 0; i < n; i++)
        moved[i] = v[order[i].at];
    memcpy(v, moved, n * sizeof *v);
    free(order);
    free(moved);
    return TMD_OK;
}

/* v[0..nleft) and v[nleft..n) are each sorted by node_id: one merge makes
 * the whole sorted (the few new tests among the known ones). */
int select_merge_verdicts(tmd_test_verdict *v, size_t nleft, size_t n)
{
    if (nleft == 0 || nleft == n || strcmp(v[nleft - 1].node_id, v[nleft].node_id) <= 0)
        return TMD_OK;
    tmd_test_verdict *out = malloc(n * sizeof *out);
    if (!out)
        return tmd_error(TMD_ENOMEM, "selection: out of memory");
    size_t a = 0, b = nleft, k = 0;
    while (a < nleft && b < n)
        out[k++] = strcmp(v[b].node_id, v[a].node_id) < 0 ? v[b++] : v[a++];
    while (a < nleft)
        out[k++] = v[a++];
    while (b < n)
        out[k++] = v[b++];
    memcpy(v, out, n * sizeof *v);
    free(out);
    return TMD_OK;
}

/* Existence by one merge of the stored tests (sorted by name) with the
 * collection (sorted by nodeid): a name equal to an item is collected (YES
 * or MAYBE); only the others need tmd_collection_lookup's prefix search.
 * Returns 1 when every item is EXACT and equal to a stored name: then no
 * collected test is new, and tmd_collection_new_tests need not run. */
int select_mark_existing(tmd_test_verdict *tests, size_t n, const tmd_collection *col)
{
    size_t j = 0;
    int hit = 0, all_known = 1;
    for (size_t i = 0; i < n; i++) {
        tmd_test_verdict *v = &tests[i];
        int c = -1;
        while (j < col->count && (c = strcmp(col->items[j].nodeid, v->node_id)) < 0) {
            all_known &= hit;
            hit = 0;
            j++;
        }
        if (j < col->count && c == 0) {
            hit = 1;
            all_known &= col->items[j].kind == TMD_COLLECT_EXACT;
            v->exists = 1;
        } else {
            v->exists = tmd_collection_lookup(col, v->node_id) != TMD_COLLECTED_NO;
        }
    }
    /* the item under j, then every one after it, met no stored name */
    if (j < col->count && (!hit || j + 1 < col->count))
        all_known = 0;
    return all_known;
}
