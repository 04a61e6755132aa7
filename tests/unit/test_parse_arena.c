/* test_parse_arena.c: engine/parse_arena.c, tree-sitter's per-file bump
 * arenas: trees made in a scope read the same as trees made with malloc,
 * a scope's memory is reused by the next one, memory from outside a scope
 * is freed for real, small scopes keep apart and give their pages back, and
 * threads get scopes of their own. */
#include "support.h"
#include "tmdiff.h"

#include "dump_symbols.h"
#include "parse_arena.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const char SRC[] = "import os\n"
                          "class A(B, metaclass=M):\n"
                          "    def f(self, x=[1, 2, {3: 4}]):\n"
                          "        return [y ** 2 for y in x if y] + f'{x!r:>{w}}'\n"
                          "while True:\n"
                          "    a, *b = c\n";

static TSTree *parse(const char *src)
{
    TSParser *p = ts_parser_new();
    assert_non_null(p);
    assert_true(ts_parser_set_language(p, dump_language()));
    TSTree *t = ts_parser_parse_string(p, NULL, src, (uint32_t)strlen(src));
    ts_parser_delete(p);
    assert_non_null(t);
    return t;
}

/* The shape of a tree as text (symbols, fields by position, byte spans),
 * built with libc memory: ts_node_string's would come from the arena. */
static void shape(TSNode n, char *out, size_t cap)
{
    size_t len = strlen(out);
    snprintf(out + len, cap - len, "(%s %u-%u", ts_node_type(n), ts_node_start_byte(n), ts_node_end_byte(n));
    uint32_t k = ts_node_child_count(n);
    for (uint32_t i = 0; i < k; i++)
        shape(ts_node_child(n, i), out, cap);
    len = strlen(out);
    snprintf(out + len, cap - len, ")");
}

enum { SHAPE_CAP = 16384 };

static char *shape_of(const char *src)
{
    char *s = calloc(1, SHAPE_CAP);
    assert_non_null(s);
    TSTree *t = parse(src);
    shape(ts_tree_root_node(t), s, SHAPE_CAP);
    parse_arena_tree_delete(t);
    return s;
}

static void test_scope_tree_equals_malloc_tree(void **state)
{
    (void)state;
    char *plain = shape_of(SRC); /* no scope: malloc */
    int begun = parse_arena_begin();
    assert_int_equal(begun, 1);
    char *arena = shape_of(SRC);
    parse_arena_end(begun);
    assert_true(strlen(plain) > 200);
    assert_string_equal(arena, plain);
    free(plain);
    free(arena);
}

static void test_scopes_do_not_nest(void **state)
{
    (void)state;
    int outer = parse_arena_begin();
    assert_int_equal(outer, 1);
    int inner = parse_arena_begin();
    assert_int_equal(inner, 0);
    parse_arena_end(inner); /* does nothing: the outer scope goes on */
    TSTree *t = parse(SRC);
    assert_false(ts_node_has_error(ts_tree_root_node(t)));
    parse_arena_tree_delete(t);
    parse_arena_end(outer);
}

/* The next scope starts where the last one started: its memory was given
 * back at once, without ts_tree_delete. */
static void test_next_scope_reuses_memory(void **state)
{
    (void)state;
    int begun = parse_arena_begin();
    TSTree *first = parse(SRC);
    parse_arena_tree_delete(first);
    parse_arena_end(begun);
    begun = parse_arena_begin();
    TSTree *second = parse(SRC);
    assert_ptr_equal(second, first);
    TSTree *third = parse(SRC); /* the second is still alive: elsewhere */
    assert_ptr_not_equal(third, second);
    parse_arena_tree_delete(third);
    parse_arena_tree_delete(second);
    parse_arena_end(begun);
}

static int resident(const void *p)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    unsigned char vec = 0;
    assert_int_equal(mincore((void *)((uintptr_t)p & ~(uintptr_t)(page - 1)), page, &vec), 0);
    return vec & 1;
}

/* SRC many times over: its parse takes far more than a small scope's
 * 1 MB and less than a scan scope keeps (4 MB). */
static char *big_source(void)
{
    enum { COPIES = 150 };
    size_t n = strlen(SRC);
    char *big = malloc(n * COPIES + 1);
    assert_non_null(big);
    for (size_t i = 0; i < COPIES; i++)
        memcpy(big + i * n, SRC, n);
    big[n * COPIES] = '\0';
    return big;
}

/* A scan scope's slot keeps its pages for the next scope; a small scope
 * (the collection's) takes a slot from the far end of the region and gives
 * back all but 1 MB, leaving the scan's slot as it was. */
static void test_small_scope_keeps_apart_and_little(void **state)
{
    (void)state;
    char *big = big_source();
    int begun = parse_arena_begin();
    assert_int_equal(begun, 1);
    TSTree *scan_tree = parse(big);
    assert_false(ts_node_has_error(ts_tree_root_node(scan_tree)));
    parse_arena_end(begun);
    assert_true(resident(scan_tree));

    begun = parse_arena_begin_small();
    assert_int_equal(begun, 1);
    TSTree *small_tree = parse(big);
    assert_true((uintptr_t)small_tree - (uintptr_t)scan_tree > ((uintptr_t)8 << 30)); /* 8 slots on */
    parse_arena_end(begun);
    assert_false(resident(small_tree));
    assert_true(resident(scan_tree));
    free(big);
}

/* A tree made outside any scope is malloc memory: deleting it inside a
 * scope frees it for real (LeakSanitizer would see it otherwise), and
 * parse_arena_tree_delete outside a scope is ts_tree_delete. */
static void test_malloc_memory_freed_inside_scope(void **state)
{
    (void)state;
    TSTree *outside = parse(SRC);
    TSTree *outside2 = parse(SRC);
    int begun = parse_arena_begin();
    assert_int_equal(begun, 1);
    TSTree *inside = parse(SRC);
    assert_ptr_not_equal(inside, outside);
    ts_tree_delete(outside);
    parse_arena_tree_delete(inside);
    parse_arena_end(begun);
    parse_arena_tree_delete(outside2);
}

/* The first scope of the process begins while another thread parses
 * without one: tree-sitter's allocator was installed before main, not by
 * that scope (under ThreadSanitizer a late install is a reported race). */
typedef struct unscoped {
    const char *want;
    atomic_int stop, rounds;
    int same;
} unscoped;

static void *parse_unscoped(void *arg)
{
    unscoped *u = arg;
    while (!atomic_load(&u->stop) || atomic_load(&u->rounds) < 3) {
        char *got = shape_of(SRC);
        u->same += !strcmp(got, u->want);
        free(got);
        atomic_fetch_add(&u->rounds, 1);
    }
    return NULL;
}

static void test_first_scope_beside_unscoped_thread(void **state)
{
    (void)state;
    char *want = shape_of(SRC);
    unscoped u = {want, 0, 0, 0};
    pthread_t tid;
    assert_int_equal(pthread_create(&tid, NULL, parse_unscoped, &u), 0);
    while (atomic_load(&u.rounds) < 1)
        ; /* the other thread is parsing */
    int begun = parse_arena_begin();
    char *got = shape_of(SRC);
    parse_arena_end(begun);
    atomic_store(&u.stop, 1);
    pthread_join(tid, NULL);
    assert_int_equal(begun, 1);
    assert_string_equal(got, want);
    assert_int_equal(u.same, atomic_load(&u.rounds));
    free(got);
    free(want);
}

enum { THREADS = 4 };

typedef struct job {
    const char *want;
    int begun, same;
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    for (int round = 0; round < 20; round++) {
        int begun = parse_arena_begin();
        char *got = shape_of(SRC);
        parse_arena_end(begun);
        j->begun += begun;
        j->same += !strcmp(got, j->want);
        free(got);
    }
    return NULL;
}

static void test_threads_have_scopes_of_their_own(void **state)
{
    (void)state;
    char *want = shape_of(SRC);
    pthread_t tid[THREADS];
    job jobs[THREADS];
    for (int i = 0; i < THREADS; i++) {
        jobs[i] = (job){want, 0, 0};
        assert_int_equal(pthread_create(&tid[i], NULL, run_job, &jobs[i]), 0);
    }
    for (int i = 0; i < THREADS; i++) {
        pthread_join(tid[i], NULL);
        assert_int_equal(jobs[i].begun, 20); /* 16 slots: each found one */
        assert_int_equal(jobs[i].same, 20);
    }
    free(want);
}

/* Fingerprints (which run in a scope) are those of a run without one:
 * the scope changes no answer, and a file after a larger one is clean. */
static void test_fingerprints_unchanged_by_scope(void **state)
{
    (void)state;
    tmd_fingerprint a, b, c;
    support_fingerprint(&a, "3.11.7", SRC);
    support_fingerprint(&b, "3.11.7", "x = 1\n");
    support_fingerprint(&c, "3.11.7", SRC);
    assert_int_equal(a.status, TMD_FP_BLOCKS);
    assert_int_equal(b.status, TMD_FP_BLOCKS);
    assert_int_equal(a.count, c.count);
    assert_true(a.count >= 2);
    for (size_t i = 0; i < a.count; i++) {
        assert_string_equal(a.blocks[i], c.blocks[i]);
        assert_int_equal(a.checksums[i], c.checksums[i]);
    }
    assert_int_equal(b.count, 1);
    assert_non_null(strstr(b.blocks[0], "Constant(1"));
    tmd_fingerprint_free(&a);
    tmd_fingerprint_free(&b);
    tmd_fingerprint_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_first_scope_beside_unscoped_thread), /* first: no scope yet */
        cmocka_unit_test(test_scope_tree_equals_malloc_tree),
        cmocka_unit_test(test_scopes_do_not_nest),
        cmocka_unit_test(test_next_scope_reuses_memory),
        cmocka_unit_test(test_small_scope_keeps_apart_and_little),
        cmocka_unit_test(test_malloc_memory_freed_inside_scope),
        cmocka_unit_test(test_threads_have_scopes_of_their_own),
        cmocka_unit_test(test_fingerprints_unchanged_by_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
