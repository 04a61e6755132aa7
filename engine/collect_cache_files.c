/* collect_cache_files.c: the per-file layer of the collection cache (see
 * collect_cache.h). One file per root, config and executable holds, for
 * every conftest and test module of the last collection, its fixture facts
 * and its items, each under a key of everything they were computed from:
 *
 *   facts of a file:  the config digest, its path, conftest or not, its bytes
 *   items of a file:  the config digest, the merged facts, its path, its bytes
 *
 * (collect_module reads nothing else.) The file: magic, hash of the rest,
 * the entry count, then entries sorted by key: key, kind, payload. Loading
 * checks the hash and walks every payload once, so a lookup only decodes. */
#include "cache_dir.h"
#include "cache_evict.h"
#include "collect_cache.h"
#include "collect_cache_io.h"
#include "tmdiff.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#define MAGIC "TMDFILE3"
#define HEAD_SIZE 20 /* magic, hash of the rest, count */
#define KEEP_FILES 4 /* roots or configs kept at once */
#define KIND_FACTS 0u
#define KIND_ITEMS 1u

typedef struct entry {
    collect_key key;
    uint32_t kind;
    size_t at, len; /* the payload in `data` */
} entry;

/* What this run found, per unit (conftests, then test files): facts
 * computed (encoded: they are small), items computed (the caller's list,
 * encoded when saved), or either reused (the loaded file's payload). */
typedef struct kept {
    collect_key key;
    out_buf payload;
    const item_list *items;
    const unsigned char *reused; /* reused_len bytes in the loaded file */
    size_t reused_len;
    int set;
} kept;

struct collect_files_cache {
    char *path;
    const collect_key *config;
    const collect_key *unit; /* digests, per unit */
    size_t nconf, nfiles;
    unsigned char *data;     /* the file of the last collection */
    entry *entries;          /* sorted by key */
    size_t nentries;
    collect_key facts_digest;
    kept *facts, *items; /* per unit / per test file */
};

static void hash_u64(XXH3_state_t *h, uint64_t v) { XXH3_128bits_update(h, &v, sizeof v); }

static void hash_bytes(XXH3_state_t *h, const void *p, size_t n)
{
    hash_u64(h, n);
    XXH3_128bits_update(h, p, n);
}

static int key_cmp(const void *a, const void *b)
{
    return memcmp(((const entry *)a)->key.bytes, ((const entry *)b)->key.bytes, 16);
}

static const entry *find(const collect_files_cache *fc, const collect_key *key, uint32_t kind)
{
    entry probe = {*key, 0, 0, 0};
    const entry *e = fc->nentries ? bsearch(&probe, fc->entries, fc->nentries, sizeof *e, key_cmp)
                                  : NULL;
    return e && e->kind == kind ? e : NULL;
}

/* ---- payloads ---------------------------------------------------------------- */

/* A strvec whose strings may hold one inner NUL ("a\0b" pairs): both parts. */
static void put_strvec(out_buf *b, const strvec *v, int pairs)
{
    cc_put_u32(b, (uint32_t)v->n);
    for (size_t i = 0; i < v->n; i++) {
        cc_put_str(b, v->v[i]);
        if (pairs)
            cc_put_str(b, v->v[i] + strlen(v->v[i]) + 1);
    }
}

static int get_strvec(in_buf *b, strvec *out, int pairs)
{
    uint32_t n = cc_get_u32(b);
    if (n > b->n / 5)
        b->bad = 1;
    for (uint32_t i = 0; i < n && !b->bad; i++) {
        size_t al, bl = 0;
        const char *a = cc_get_str(b, &al), *second = pairs ? cc_get_str(b, &bl) : NULL;
        if (!a || (pairs && !second)) {
            b->bad = 1;
            break;
        }
        if (!out)
            continue;
        char *s = malloc(al + bl + 2);
        if (!s)
            return TMD_ENOMEM;
        memcpy(s, a, al + 1);
        if (pairs)
            memcpy(s + al + 1, second, bl + 1);
        if (strvec_push_n(out, s, pairs ? al + 1 + bl : al)) {
            free(s);
            return TMD_ENOMEM;
        }
        free(s);
    }
    return 0;
}

static void put_facts(out_buf *b, const collect_facts *f)
{
    cc_put_u32(b, (uint32_t)f->make_id_hook);
    put_strvec(b, &f->param_fixtures, 0);
    put_strvec(b, &f->fixture_edges, 1);
    put_strvec(b, &f->autouse, 1);
    put_strvec(b, &f->generate_dirs, 0);
    put_strvec(b, &f->generated, 0);
    put_strvec(b, &f->fixture_ids, 1);
    put_strvec(b, &f->uncertain_dirs, 0);
}

/* Decodes (out NULL: only checks) facts: 0, -1 malformed, or TMD_ENOMEM. */
static int get_facts(in_buf *b, collect_facts *out)
{
    uint32_t hook = cc_get_u32(b);
    int rc = 0;
    if (out)
        out->make_id_hook = hook != 0;
    if (!rc) rc = get_strvec(b, out ? &out->param_fixtures : NULL, 0);
    if (!rc) rc = get_strvec(b, out ? &out->fixture_edges : NULL, 1);
    if (!rc) rc = get_strvec(b, out ? &out->autouse : NULL, 1);
    if (!rc) rc = get_strvec(b, out ? &out->generate_dirs : NULL, 0);
    if (!rc) rc = get_strvec(b, out ? &out->generated : NULL, 0);
    if (!rc) rc = get_strvec(b, out ? &out->fixture_ids : NULL, 1);
    if (!rc) rc = get_strvec(b, out ? &out->uncertain_dirs : NULL, 0);
    return rc ? rc : b->bad || b->at != b->n ? -1 : 0;
}

static void put_items(out_buf *b, const item_list *l)
{
    cc_put_u32(b, (uint32_t)l->n);
    for (size_t i = 0; i < l->n; i++) {
        const tmd_collected *it = &l->v[i];
        cc_put_u32(b, (uint32_t)it->kind);
        cc_put_str(b, it->nodeid);
        cc_put_str(b, it->why);
        cc_put_u32(b, it->expect ? (uint32_t)it->nexpect : NO_STRING);
        for (size_t k = 0; it->expect && k < it->nexpect; k++)
            cc_put_str(b, it->expect[k]);
    }
}

static int get_items(in_buf *b, item_list *out)
{
    uint32_t n = cc_get_u32(b);
    if (n > b->n / 14)
        return -1;
    strvec expect = {0};
    int rc = 0;
    for (uint32_t i = 0; i < n && !rc && !b->bad; i++) {
        uint32_t kind = cc_get_u32(b);
        size_t len;
        const char *nodeid = cc_get_str(b, &len);
        const char *why = cc_get_static(b);
        uint32_t nexpect = cc_get_u32(b);
        if (!nodeid || kind > TMD_COLLECT_PREFIX || (nexpect != NO_STRING && nexpect > b->n / 5)) {
            b->bad = 1;
            break;
        }
        strvec_free(&expect);
        for (uint32_t k = 0; nexpect != NO_STRING && k < nexpect && !rc && !b->bad; k++) {
            const char *x = cc_get_used(b);
            if (x && out)
                rc = strvec_push(&expect, x);
        }
        if (!rc && !b->bad && out)
            rc = item_list_add(out, nodeid, len, (tmd_collect_kind)kind, why,
                               nexpect == NO_STRING ? NULL : &expect);
    }
    strvec_free(&expect);
    return rc ? rc : b->bad || b->at != b->n ? -1 : 0;
}

/* ---- the file ---------------------------------------------------------------- */

/* Reads and indexes the last collection's file; any damage leaves it empty. */
static void load(collect_files_cache *fc)
{
    int fd = open(fc->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    futimens(fd, NULL); /* most recently used: evicted last */
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < HEAD_SIZE ||
        st.st_size >= ((off_t)1 << 31)) {
        close(fd);
        return;
    }
    size_t size = (size_t)st.st_size;
    unsigned char *data = malloc(size);
    int ok = data && cc_read_all(fd, data, size) == 0 && !memcmp(data, MAGIC, 8);
    close(fd);
    uint64_t want = 0;
    uint32_t count = 0;
    if (ok) {
        memcpy(&want, data + 8, sizeof want);
        memcpy(&count, data + 16, sizeof count);
        /* each entry takes at least 24 bytes */
        ok = XXH3_64bits(data + 16, size - 16) == want && count <= size / 24;
    }
    entry *entries = ok && count ? calloc(count, sizeof *entries) : NULL;
    in_buf b = {data, size, HEAD_SIZE, 0};
    for (uint32_t i = 0; entries && i < count && ok; i++) {
        entry *e = &entries[i];
        if (b.n - b.at < 16 + 8) {
            ok = 0;
            break;
        }
        memcpy(e->key.bytes, data + b.at, 16);
        b.at += 16;
        e->kind = cc_get_u32(&b);
        e->len = cc_get_u32(&b);
        e->at = b.at;
        if (e->kind > KIND_ITEMS || e->len > b.n - b.at || (i && key_cmp(e - 1, e) >= 0)) {
            ok = 0;
            break;
        }
        in_buf p = {data + e->at, e->len, 0, 0};
        ok = (e->kind == KIND_FACTS ? get_facts(&p, NULL) : get_items(&p, NULL)) == 0;
        b.at += e->len;
    }
    if (!ok || !entries || b.at != size) {
        free(entries);
        free(data);
        return;
    }
    fc->data = data;
    fc->entries = entries;
    fc->nentries = count;
}

collect_files_cache *collect_files_open(const char *dir, const collect_digests *d, size_t nconf,
                                        size_t nfiles)
{
    collect_files_cache *fc = calloc(1, sizeof *fc);
    size_t n = strlen(dir) + 1 + 32 + 7;
    if (!fc || !(fc->path = malloc(n)) || !(fc->facts = calloc(nconf + nfiles + 1, sizeof *fc->facts)) ||
        !(fc->items = calloc(nfiles + 1, sizeof *fc->items))) {
        collect_files_free(fc);
        return NULL;
    }
    char name[33];
    for (int i = 0; i < 16; i++)
        snprintf(name + 2 * i, 3, "%02x", d->config.bytes[i]);
    snprintf(fc->path, n, "%s/%s.files", dir, name);
    fc->config = &d->config;
    fc->unit = d->unit;
    fc->nconf = nconf;
    fc->nfiles = nfiles;
    load(fc);
    return fc;
}

void collect_files_free(collect_files_cache *fc)
{
    if (!fc)
        return;
    for (size_t u = 0; fc->facts && u < fc->nconf + fc->nfiles; u++)
        free(fc->facts[u].payload.p);
    for (size_t i = 0; fc->items && i < fc->nfiles; i++)
        free(fc->items[i].payload.p);
    free(fc->facts);
    free(fc->items);
    free(fc->entries);
    free(fc->data);
    free(fc->path);
    free(fc);
}

/* ---- keys -------------------------------------------------------------------- */

static void facts_key(const collect_files_cache *fc, size_t unit, const char *rel, int role,
                      collect_key *out)
{
    XXH3_state_t h;
    XXH3_128bits_reset(&h);
    hash_bytes(&h, "facts", 5);
    hash_bytes(&h, fc->config->bytes, 16);
    hash_bytes(&h, rel, strlen(rel));
    hash_u64(&h, (uint64_t)role);
    hash_bytes(&h, fc->unit[unit].bytes, 16);
    collect_key_of(out, XXH3_128bits_digest(&h));
}

static void items_key(const collect_files_cache *fc, size_t file, const char *rel,
                      collect_key *out)
{
    XXH3_state_t h;
    XXH3_128bits_reset(&h);
    hash_bytes(&h, "items", 5);
    hash_bytes(&h, fc->config->bytes, 16);
    hash_bytes(&h, fc->facts_digest.bytes, 16);
    hash_bytes(&h, rel, strlen(rel));
    hash_bytes(&h, fc->unit[fc->nconf + file].bytes, 16);
    collect_key_of(out, XXH3_128bits_digest(&h));
}

void collect_files_facts_done(collect_files_cache *fc, const collect_facts *merged)
{
    out_buf b = {0};
    put_facts(&b, merged);
    XXH3_state_t h;
    XXH3_128bits_reset(&h);
    hash_u64(&h, (uint64_t)b.oom);
    hash_bytes(&h, b.p, b.n);
    collect_key_of(&fc->facts_digest, XXH3_128bits_digest(&h));
    free(b.p);
}

/* ---- use --------------------------------------------------------------------- */

static int reuse(const collect_files_cache *fc, kept *k, uint32_t kind, collect_facts *facts,
                 item_list *items)
{
    const entry *e = find(fc, &k->key, kind);
    if (!e)
        return 0;
    in_buf p = {fc->data + e->at, e->len, 0, 0};
    int rc = kind == KIND_FACTS ? get_facts(&p, facts) : get_items(&p, items);
    if (rc == 0) {
        k->reused = p.p;
        k->reused_len = p.n;
        k->set = 1;
        return 1;
    }
    /* checked when loaded, so only memory runs out here: nothing half-made */
    if (facts)
        collect_facts_free(facts);
    else
        item_list_free(items);
    return rc == TMD_ENOMEM ? rc : 0;
}

int collect_files_facts(collect_files_cache *fc, size_t unit, const char *rel, int role,
                        collect_facts *out)
{
    facts_key(fc, unit, rel, role, &fc->facts[unit].key);
    return reuse(fc, &fc->facts[unit], KIND_FACTS, out, NULL);
}

int collect_files_items(collect_files_cache *fc, size_t file, const char *rel, item_list *out)
{
    items_key(fc, file, rel, &fc->items[file].key);
    return reuse(fc, &fc->items[file], KIND_ITEMS, NULL, out);
}

void collect_files_keep_facts(collect_files_cache *fc, size_t unit, const char *rel, int role,
                              const collect_facts *f)
{
    kept *k = &fc->facts[unit];
    facts_key(fc, unit, rel, role, &k->key);
    k->reused = NULL;
    k->payload.n = 0;
    put_facts(&k->payload, f);
    k->set = !k->payload.oom;
    /* most are empty (24 bytes): not the buffer's first 4 KB each */
    unsigned char *fit = k->set ? realloc(k->payload.p, k->payload.n) : NULL;
    if (fit) {
        k->payload.p = fit;
        k->payload.cap = k->payload.n;
    }
}

void collect_files_keep_items(collect_files_cache *fc, size_t file, const char *rel,
                              const item_list *l)
{
    kept *k = &fc->items[file];
    items_key(fc, file, rel, &k->key);
    k->reused = NULL;
    k->items = l;
    k->set = 1;
}

static int kept_cmp(const void *a, const void *b)
{
    return memcmp((*(kept *const *)a)->key.bytes, (*(kept *const *)b)->key.bytes, 16);
}

/* Writes `n` bytes to f, and into the hash of the file's rest. */
static void emit(FILE *f, XXH3_state_t *h, const void *p, size_t n, int *failed)
{
    XXH3_64bits_update(h, p, n);
    if (n && fwrite(p, 1, n, f) != n)
        *failed = 1;
}

/* Streams the entries to a temporary file (a large suite's items would
 * otherwise be held twice more in memory), then renames it into place. */
void collect_files_save(collect_files_cache *fc, const char *dir)
{
    size_t n = 0, nunits = fc->nconf + fc->nfiles;
    kept **all = malloc((nunits + fc->nfiles + 1) * sizeof *all);
    size_t tn = strlen(fc->path) + 32;
    char *tmp = malloc(tn);
    if (!all || !tmp) {
        free(all);
        free(tmp);
        return;
    }
    for (size_t u = 0; u < nunits; u++)
        if (fc->facts[u].set)
            all[n++] = &fc->facts[u];
    for (size_t i = 0; i < fc->nfiles; i++)
        if (fc->items[i].set)
            all[n++] = &fc->items[i];
    qsort(all, n, sizeof *all, kept_cmp);
    cache_dir_make(dir);
    snprintf(tmp, tn, "%s.%ld.tmp", fc->path, (long)getpid());
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        free(all);
        free(tmp);
        return;
    }
    XXH3_state_t h;
    XXH3_64bits_reset(&h);
    uint64_t zero = 0;
    uint32_t count = (uint32_t)n;
    int failed = fwrite(MAGIC, 1, 8, f) != 8 || fwrite(&zero, 1, 8, f) != 8 || n >= NO_STRING;
    emit(f, &h, &count, sizeof count, &failed);
    out_buf scratch = {0};
    for (size_t i = 0; i < n && !failed; i++) {
        const kept *k = all[i];
        if (i && !kept_cmp(&all[i - 1], &all[i]))
            failed = 1; /* two entries under one key: keep nothing */
        uint32_t kind = k >= fc->facts && k < fc->facts + nunits ? KIND_FACTS : KIND_ITEMS;
        const unsigned char *payload = k->reused ? k->reused : k->payload.p;
        size_t len = k->reused ? k->reused_len : k->payload.n;
        if (!k->reused && k->items) {
            scratch.n = 0;
            put_items(&scratch, k->items);
            payload = scratch.p;
            len = scratch.n;
            failed |= scratch.oom;
        }
        uint32_t head[2] = {kind, (uint32_t)len};
        emit(f, &h, k->key.bytes, 16, &failed);
        emit(f, &h, head, sizeof head, &failed);
        emit(f, &h, payload, len, &failed);
    }
    uint64_t sum = XXH3_64bits_digest(&h);
    failed |= fseek(f, 8, SEEK_SET) != 0 || fwrite(&sum, 1, 8, f) != 8;
    if (fclose(f) != 0 || failed || rename(tmp, fc->path) != 0)
        unlink(tmp);
    else
        cache_evict(dir, ".files", KEEP_FILES);
    free(scratch.p);
    free(all);
    free(tmp);
}
