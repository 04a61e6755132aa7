/* ancestry.c: the commits whose databases can stand in for the working tree,
 * nearest first, walked with libgit2 in `git rev-list`'s order.
 *
 * git's default rev-list keeps a list ordered by committer date where a new
 * commit goes after every entry with the same date, pops the head, and adds
 * its unseen parents. A heap keyed by (date descending, insertion number)
 * gives the same order. The walk is iterative, so a long history cannot
 * overflow the stack. A shallow clone lists its boundary commits in
 * <commondir>/shallow: they are shown without their (absent) parents, as git
 * does, and the result says the walk was cut short. */
#include "tmdiff.h"
#include "error.h"

#include "lazy_git2.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct walk_entry {
    git_oid id;
    int64_t time;
    uint64_t seq;
} walk_entry;

/* A min-heap under entry_before: the next commit rev-list would print. */
typedef struct walk_heap {
    walk_entry *items;
    size_t len, cap;
} walk_heap;

/* An open-addressing set of object ids: commits already queued. */
typedef struct oid_set {
    git_oid *slots;
    unsigned char *used;
    size_t cap, len;
} oid_set;

static int entry_before(const walk_entry *a, const walk_entry *b)
{
    if (a->time != b->time)
        return a->time > b->time;
    return a->seq < b->seq;
}

static int heap_push(walk_heap *h, walk_entry e)
{
    if (h->len == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 64;
        walk_entry *items = realloc(h->items, cap * sizeof *items);
        if (!items)
            return -1;
        h->items = items;
        h->cap = cap;
    }
    size_t i = h->len++;
    h->items[i] = e;
    while (i > 0 && entry_before(&h->items[i], &h->items[(i - 1) / 2])) {
        walk_entry t = h->items[i];
        h->items[i] = h->items[(i - 1) / 2];
        h->items[(i - 1) / 2] = t;
        i = (i - 1) / 2;
    }
    return 0;
}

static walk_entry heap_pop(walk_heap *h)
{
    walk_entry top = h->items[0];
    h->items[0] = h->items[--h->len];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        if (l < h->len && entry_before(&h->items[l], &h->items[m]))
            m = l;
        if (r < h->len && entry_before(&h->items[r], &h->items[m]))
            m = r;
        if (m == i)
            break;
        walk_entry t = h->items[i];
        h->items[i] = h->items[m];
        h->items[m] = t;
        i = m;
    }
    return top;
}

static size_t oid_slot(const oid_set *s, const git_oid *id)
{
    uint64_t hv;
    memcpy(&hv, id->id, sizeof hv);
    size_t i = (size_t)(hv % s->cap);
    while (s->used[i] && git_oid_cmp(&s->slots[i], id) != 0)
        i = (i + 1) % s->cap;
    return i;
}

static int oid_set_contains(const oid_set *s, const git_oid *id)
{
    return s->cap && s->used[oid_slot(s, id)];
}

static int oid_set_add(oid_set *s, const git_oid *id)
{
    if (2 * (s->len + 1) > s->cap) {
        oid_set bigger = {NULL, NULL, s->cap ? s->cap * 2 : 256, 0};
        bigger.slots = malloc(bigger.cap * sizeof *bigger.slots);
        bigger.used = calloc(bigger.cap, 1);
        if (!bigger.slots || !bigger.used) {
            free(bigger.slots);
            free(bigger.used);
            return -1;
        }
        for (size_t i = 0; i < s->cap; i++)
            if (s->used[i]) {
                size_t j = oid_slot(&bigger, &s->slots[i]);
                bigger.slots[j] = s->slots[i];
                bigger.used[j] = 1;
                bigger.len++;
            }
        free(s->slots);
        free(s->used);
        *s = bigger;
    }
    size_t i = oid_slot(s, id);
    if (!s->used[i]) {
        s->slots[i] = *id;
        s->used[i] = 1;
        s->len++;
    }
    return 0;
}

static void oid_set_free(oid_set *s)
{
    free(s->slots);
    free(s->used);
}

static int git_fail(int status, const char *what)
{
    const git_error *e = git_error_last();
    return tmd_error(status, "%s: %s (%s)", what, e && e->message ? e->message : "libgit2 failed",
                     status == TMD_ENOTFOUND ? "run inside a git checkout, or check --rev"
                                             : "check the repository with `git fsck`");
}

/* Reads <commondir>/shallow, the boundary of a shallow clone, into `set`. */
static int read_shallow(oid_set *set, git_repository *repo)
{
    char path[4096];
    snprintf(path, sizeof path, "%sshallow", git_repository_commondir(repo));
    FILE *f = fopen(path, "r");
    if (!f)
        return 0; /* not shallow */
    char line[128];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        git_oid id;
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) == GIT_OID_HEXSZ && git_oid_fromstr(&id, line) == 0 &&
            oid_set_add(set, &id) != 0)
            rc = tmd_error(TMD_ENOMEM, "%s: out of memory", path);
    }
    fclose(f);
    return rc;
}

static int open_repo(git_repository **out, const char *path)
{
    if (git_repository_open_ext(out, path ? path : ".", 0, NULL) != 0)
        return git_fail(TMD_ENOTFOUND, path ? path : ".");
    return 0;
}

static int resolve_commit(git_commit **out, git_repository *repo, const char *rev)
{
    git_object *obj = NULL;
    const char *spec = rev && *rev ? rev : "HEAD";
    if (git_revparse_single(&obj, repo, spec) != 0)
        return git_fail(TMD_ENOTFOUND, spec);
    git_object *peeled = NULL;
    int rc = git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT);
    git_object_free(obj);
    if (rc != 0)
        return git_fail(TMD_ENOTFOUND, spec);
    *out = (git_commit *)peeled;
    return 0;
}

/* Queues the unseen parents of `c`. A parent that is not in the object
 * database marks the walk as cut short, like an explicit shallow boundary. */
static int queue_parents(walk_heap *heap, oid_set *seen, uint64_t *seq, tmd_ancestry *out,
                         git_repository *repo, const git_commit *c)
{
    unsigned n = git_commit_parentcount(c);
    for (unsigned i = 0; i < n; i++) {
        const git_oid *pid = git_commit_parent_id(c, i);
        if (oid_set_contains(seen, pid))
            continue;
        if (oid_set_add(seen, pid) != 0)
            return tmd_error(TMD_ENOMEM, "ancestry: out of memory");
        git_commit *parent = NULL;
        int err = git_commit_lookup(&parent, repo, pid);
        if (err == GIT_ENOTFOUND) {
            out->shallow = 1;
            continue;
        }
        if (err != 0)
            return git_fail(TMD_EIO, "ancestry");
        walk_entry e = {*pid, (int64_t)git_commit_time(parent), (*seq)++};
        git_commit_free(parent);
        if (heap_push(heap, e) != 0)
            return tmd_error(TMD_ENOMEM, "ancestry: out of memory");
    }
    return 0;
}

int tmd_ancestry_list(tmd_ancestry *out, const char *path, const char *rev, size_t depth)
{
    memset(out, 0, sizeof *out);
    if (depth == 0)
        return tmd_error(TMD_EINVAL, "ancestry: depth 0 (give --depth 1 or more)");

    int loaded = tmd_git2_load(); /* "libgit2.so.1.5: cannot load ... (install ...)" */
    if (loaded != 0)
        return loaded;
    git_libgit2_init();
    git_repository *repo = NULL;
    git_commit *start = NULL;
    walk_heap heap = {0};
    oid_set seen = {0}, shallow = {0};
    uint64_t seq = 0;
    int rc = open_repo(&repo, path);
    if (rc == 0)
        rc = resolve_commit(&start, repo, rev);
    if (rc == 0)
        rc = read_shallow(&shallow, repo);
    if (rc == 0) {
        out->commits = malloc(depth < 4096 ? depth * sizeof *out->commits : 4096 * sizeof *out->commits);
        walk_entry e = {*git_commit_id(start), (int64_t)git_commit_time(start), seq++};
        if (!out->commits || oid_set_add(&seen, &e.id) != 0 || heap_push(&heap, e) != 0)
            rc = tmd_error(TMD_ENOMEM, "ancestry: out of memory");
    }
    size_t cap = depth < 4096 ? depth : 4096;
    while (rc == 0 && heap.len > 0 && out->count < depth) {
        walk_entry e = heap_pop(&heap);
        if (out->count == cap) {
            cap *= 2;
            void *bigger = realloc(out->commits, cap * sizeof *out->commits);
            if (!bigger) {
                rc = tmd_error(TMD_ENOMEM, "ancestry: out of memory");
                break;
            }
            out->commits = bigger;
        }
        git_oid_tostr(out->commits[out->count++], 41, &e.id);
        if (oid_set_contains(&shallow, &e.id)) {
            out->shallow = 1;
            continue;
        }
        git_commit *c = NULL;
        if (git_commit_lookup(&c, repo, &e.id) != 0) {
            rc = git_fail(TMD_EIO, "ancestry");
            break;
        }
        rc = queue_parents(&heap, &seen, &seq, out, repo, c);
        git_commit_free(c);
    }
    if (rc == 0)
        out->depth_reached = heap.len > 0;
    free(heap.items);
    oid_set_free(&seen);
    oid_set_free(&shallow);
    git_commit_free(start);
    git_repository_free(repo);
    git_libgit2_shutdown();
    if (rc != 0)
        tmd_ancestry_free(out);
    return rc;
}

void tmd_ancestry_free(tmd_ancestry *a)
{
    free(a->commits);
    memset(a, 0, sizeof *a);
}

int tmd_ancestry_worktree_dirty(int *out, char *out_commit, int *out_is_head,
                                const char *path, const char *rev)
{
    int loaded = tmd_git2_load(); /* "libgit2.so.1.5: cannot load ... (install ...)" */
    if (loaded != 0)
        return loaded;
    git_libgit2_init();
    git_repository *repo = NULL;
    git_commit *target = NULL, *head = NULL;
    git_status_list *list = NULL;
    int rc = open_repo(&repo, path);
    if (rc == 0)
        rc = resolve_commit(&target, repo, rev);
    if (rc == 0 && out_commit)
        git_oid_tostr(out_commit, 41, git_commit_id(target));
    if (rc == 0 && out_is_head)
        *out_is_head = resolve_commit(&head, repo, "HEAD") == 0 &&
                       git_oid_equal(git_commit_id(head), git_commit_id(target));
    if (rc == 0) {
        /* Tracked files only: untracked and ignored files (the database
         * itself among them) do not change what the commit's tests saw. */
        git_status_options so;
        git_status_options_init(&so, GIT_STATUS_OPTIONS_VERSION);
        so.show = GIT_STATUS_SHOW_INDEX_AND_WORKDIR;
        so.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
        if (git_status_list_new(&list, repo, &so) != 0)
            rc = git_fail(TMD_EIO, "git status");
    }
    if (rc == 0) {
        *out = 0;
        size_t n = git_status_list_entrycount(list);
        for (size_t i = 0; i < n; i++) {
            const git_status_entry *e = git_status_byindex(list, i);
            if (e->status != GIT_STATUS_CURRENT && !(e->status & (GIT_STATUS_IGNORED | GIT_STATUS_WT_NEW)))
                *out = 1;
        }
    }
    git_status_list_free(list);
    git_commit_free(head);
    git_commit_free(target);
    git_repository_free(repo);
    git_libgit2_shutdown();
    return rc;
}
