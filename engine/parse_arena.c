/* parse_arena.c: per-thread bump arenas for tree-sitter (see parse_arena.h).
 *
 * One region of virtual memory is reserved once (MAP_NORESERVE: pages cost
 * only when touched) and cut into SLOTS slots; a scope takes a free slot.
 * Every block has a header with its requested size (realloc copies that
 * much); the newest block can grow in place or be given back, which covers
 * tree-sitter's growing arrays and short-lived buffers. */
#include "parse_arena.h"

#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__SANITIZE_ADDRESS__)
#define PARSE_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define PARSE_ARENA_ASAN 1
#endif
#endif
#ifdef PARSE_ARENA_ASAN
/* a scope's memory is poisoned at its end: a use after it is reported */
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

#define SLOTS 16u                    /* threads in a scope at once */
#define SLOT_BYTES ((size_t)1 << 30) /* a 20 MB file needs about 600 MB */
#define REGION_BYTES (SLOTS * SLOT_BYTES)
/* Pages a slot keeps after a scope, enough for a 130 KB file; above this
 * they go back to the system. Keeping 16 MB (the stdlib's largest file
 * uses 12) cost a cold branch switch 14 MiB of peak and saved no
 * measurable time. A small scope's slot keeps what a 30 KB file needs. */
#define KEEP_RESIDENT ((size_t)4 << 20)
#define KEEP_SMALL ((size_t)1 << 20)
#define HEADER 16 /* the requested size; keeps blocks 16-byte aligned */
#define ROUND(n) (((n) + 15) & ~(size_t)15)

/* Each slot on its own cache line: threads bump their slots' tops on every
 * allocation, and slots sharing a line made it bounce between the cores. */
typedef struct slot {
    _Alignas(64) char *base;
    char *top, *end;
    char *last;   /* the newest block (grows in place, given back on free) */
    char *high;   /* highest top since the pages were last returned */
    int overflowed; /* some allocation of this scope went to malloc */
    size_t keep;    /* bytes kept resident at the scope's end */
} slot;

static char *region; /* written once, before main: read without locks */
static slot slots[SLOTS];
static atomic_uint slots_used;
static _Thread_local slot *current;

static int in_region(const void *p)
{
    return region && (uintptr_t)p - (uintptr_t)region < REGION_BYTES;
}

static size_t block_size(const char *p) { return *(const size_t *)(p - HEADER); }

/* A block of n bytes from slot s, NULL when it has no room. */
static void *take(slot *s, size_t n)
{
    size_t need = HEADER + ROUND(n);
    if (need < n || (size_t)(s->end - s->top) < need) {
        s->overflowed = 1;
        return NULL;
    }
    char *h = s->top;
    UNPOISON(h, HEADER + n);
    *(size_t *)h = n;
    s->top = h + need;
    s->last = h + HEADER;
    if (s->top > s->high)
        s->high = s->top;
    return h + HEADER;
}

/* tree-sitter does not check for NULL (its own allocator exits): neither
 * can this one return it. */
static void *must(void *p)
{
    if (!p)
        abort();
    return p;
}

static void *arena_malloc(size_t n)
{
    void *p = current ? take(current, n) : NULL;
    return p ? p : must(malloc(n ? n : 1));
}

static void *arena_calloc(size_t count, size_t size)
{
    size_t n = count * size;
    if (size && n / size != count)
        abort();
    void *p = current ? take(current, n) : NULL;
    if (!p)
        return must(calloc(count ? count : 1, size ? size : 1));
    return memset(p, 0, n); /* a slot's pages are reused */
}

static void arena_free(void *p)
{
    if (!in_region(p)) {
        free(p);
        return;
    }
    slot *s = current;
    if (s && p == s->last) { /* the newest block: its room is reused */
        s->top = (char *)p - HEADER;
        s->last = NULL;
        POISON(s->top, HEADER + ROUND(block_size(p)));
    }
}

static void *arena_realloc(void *p, size_t n)
{
    if (!p)
        return arena_malloc(n);
    if (!in_region(p))
        return must(realloc(p, n ? n : 1));
    size_t old = block_size(p);
    slot *s = current;
    if (s && p == s->last && ROUND(n) >= n && (size_t)(s->end - (char *)p) >= ROUND(n)) {
        UNPOISON((char *)p - HEADER, HEADER + n); /* grows (or shrinks) in place */
        *(size_t *)((char *)p - HEADER) = n;
        s->top = (char *)p + ROUND(n);
        if (s->top > s->high)
            s->high = s->top;
        return p;
    }
    if (n <= old) {
        *(size_t *)((char *)p - HEADER) = n;
        return p;
    }
    void *q = arena_malloc(n);
    memcpy(q, p, old);
    return q;
}

/* Runs before main, so before any thread: `region` and tree-sitter's
 * allocator pointers (plain globals that every thread reads on each
 * allocation) are set while nothing else runs. Done lazily from the first
 * scope, that was a data race with threads already parsing (ThreadSanitizer
 * saw it: a scan worker installed the allocator while the collection's
 * threads called ts_parser_new). The reservation costs no memory. */
__attribute__((constructor)) static void reserve(void)
{
    void *m = mmap(NULL, REGION_BYTES, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED)
        return; /* no arenas: tree-sitter keeps malloc */
    region = m;
    for (unsigned i = 0; i < SLOTS; i++) {
        slots[i].base = slots[i].top = slots[i].high = region + i * SLOT_BYTES;
        slots[i].end = slots[i].base + SLOT_BYTES;
    }
    /* from now on every tree-sitter allocation of the process passes here;
     * what it allocated before still frees correctly (not in the region) */
    ts_set_allocator(arena_malloc, arena_calloc, arena_realloc, arena_free);
}

/* The lowest (or highest) slot not in `used`; SLOTS if none. */
static unsigned free_slot(unsigned used, int from_top)
{
    for (unsigned n = 0; n < SLOTS; n++) {
        unsigned i = from_top ? SLOTS - 1 - n : n;
        if (!(used & (1u << i)))
            return i;
    }
    return SLOTS;
}

/* Takes a free slot, the lowest or the highest, for a scope that keeps
 * `keep` bytes of its pages at its end. */
static int begin(int from_top, size_t keep)
{
    if (current || !region)
        return 0;
    unsigned used = atomic_load(&slots_used), i;
    do {
        if ((i = free_slot(used, from_top)) == SLOTS)
            return 0;
    } while (!atomic_compare_exchange_weak(&slots_used, &used, used | (1u << i)));
    slot *s = &slots[i];
    s->top = s->base;
    s->last = NULL;
    s->overflowed = 0;
    s->keep = keep;
    current = s;
    return 1;
}

int parse_arena_begin(void) { return begin(0, KEEP_RESIDENT); }

int parse_arena_begin_small(void) { return begin(1, KEEP_SMALL); }

void parse_arena_end(int begun)
{
    if (!begun || !current)
        return;
    slot *s = current;
    current = NULL;
    POISON(s->base, (size_t)(s->high - s->base));
    if ((size_t)(s->high - s->base) > s->keep) {
        char *from = s->base + s->keep;
        madvise(from, (size_t)(s->high - from), MADV_DONTNEED);
        s->high = from;
    }
    atomic_fetch_and(&slots_used, ~(1u << (unsigned)(s - slots)));
}

void parse_arena_tree_delete(TSTree *tree)
{
    if (tree && (!current || current->overflowed))
        ts_tree_delete(tree);
}
