/* gitindex.c: the blob ids in git's index, read directly.
 *
 * Why not libgit2 for this: git_libgit2_init() loads the system's CA
 * certificates (mbedTLS), which costs more than the whole selection on a
 * small project, on every run. The index format (git's
 * Documentation/gitformat-index.txt, versions 2-4) is small; anything this
 * reader does not handle exactly (split or sparse index, other object
 * formats, GIT_* variables, a repository owned by someone else, an
 * unknown extension marked mandatory) is reported as `need_libgit2` and
 * filestate.c asks libgit2 instead. */
#include "error.h"
#include "select_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct entry {
    const char *path; /* into paths */
    uint8_t oid[20];
} entry;

struct tmd_gitindex {
    char *workdir;   /* realpath of the work tree */
    char *gitdir;
    char *prefix;    /* the root relative to the work tree: "" or "dir/" */
    entry *entries;  /* stage-0 entries without conflicts, sorted by path */
    size_t count;
    char *paths;     /* NUL-separated path storage */
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int read_small(const char *path, char **out, size_t *n)
{
    uint8_t *bytes = NULL;
    *out = NULL;
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
        return -1;
    if (tmd_file_read(&bytes, n, path) != TMD_OK) {
        tmd_error_clear();
        return -1;
    }
    char *text = realloc(bytes, *n + 1);
    if (!text) {
        free(bytes);
        return -1;
    }
    text[*n] = '\0';
    *out = text;
    return 0;
}

/* Finds the work tree holding `root`: the nearest directory with a .git
 * directory or "gitdir:" file, on the same file system (as git does). */
static int discover(tmd_gitindex *ix, const char *root, int *need_libgit2)
{
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s", root);
    struct stat st0;
    if (stat(dir, &st0) != 0)
        return -1;
    for (;;) {
        char dotgit[PATH_MAX + 8];
        snprintf(dotgit, sizeof dotgit, "%s/.git", strcmp(dir, "/") ? dir : "");
        struct stat st;
        if (lstat(dotgit, &st) == 0 && (S_ISDIR(st.st_mode) || S_ISREG(st.st_mode))) {
            char gitdir[PATH_MAX + 8];
            if (S_ISDIR(st.st_mode)) {
                snprintf(gitdir, sizeof gitdir, "%s", dotgit);
            } else {
                char *text;
                size_t n;
                if (read_small(dotgit, &text, &n) != 0 || strncmp(text, "gitdir: ", 8)) {
                    free(text);
                    *need_libgit2 = 1;
                    return -1;
                }
                text[strcspn(text, "\r\n")] = '\0';
                char joined[PATH_MAX * 2];
                if (text[8] == '/')
                    snprintf(joined, sizeof joined, "%s", text + 8);
                else
                    snprintf(joined, sizeof joined, "%s/%s", dir, text + 8);
                free(text);
                if (!realpath(joined, gitdir)) {
                    *need_libgit2 = 1;
                    return -1;
                }
            }
            if (!(ix->workdir = strdup(dir)) || !(ix->gitdir = strdup(gitdir)))
                return -1;
            return 0;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || !strcmp(dir, "/"))
            return -1; /* not in a repository */
        if (slash == dir)
            dir[1] = '\0';
        else
            *slash = '\0';
        struct stat up;
        if (stat(dir, &up) != 0 || up.st_dev != st0.st_dev)
            return -1; /* git stops at file-system boundaries */
    }
}

static int contains_any(const char *text, const char *const *words)
{
    for (; *words; words++)
        if (strstr(text, *words))
            return 1;
    return 0;
}

/* Config keys that change what `git ls-files -m` compares or where the
 * index is; a plain text search, so any mention means "ask libgit2". */
static int config_needs_libgit2(const char *gitdir)
{
    static const char *const words[] = {"worktree", "objectformat", "bare = true",
                                        "sparse", "splitindex", "splitIndex",
                                        "[extensions]", NULL};
    char path[PATH_MAX + 16], *text;
    size_t n;
    snprintf(path, sizeof path, "%s/config", gitdir);
    if (read_small(path, &text, &n) != 0)
        return 0;
    int need = contains_any(text, words);
    free(text);
    return need;
}

static int cmp_entry(const void *a, const void *b)
{
    return strcmp(((const entry *)a)->path, ((const entry *)b)->path);
}

/* Parses the index file; -1 with *need_libgit2 for what it does not read. */
static int parse_index(tmd_gitindex *ix, const uint8_t *d, size_t n, int *need_libgit2)
{
    if (n < 12 + 20 || memcmp(d, "DIRC", 4)) {
        *need_libgit2 = 1;
        return -1;
    }
    uint32_t version = be32(d + 4), count = be32(d + 8);
    if (version < 2 || version > 4 || count > n / 40) {
        *need_libgit2 = 1;
        return -1;
    }
    size_t end = n - 20; /* the trailing checksum */
    ix->entries = malloc((count ? count : 1) * sizeof *ix->entries);
    ix->paths = malloc(count ? n : 1); /* paths never exceed the file's size */
    if (!ix->entries || !ix->paths)
        return -1;
    size_t off = 12, kept = 0, pathoff = 0;
    const char *prev = "";
    size_t prevlen = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (off + 62 > end)
            goto bad;
        const uint8_t *e = d + off;
        uint32_t mode = be32(e + 24);
        uint16_t flags = (uint16_t)(e[60] << 8 | e[61]);
        size_t hdr = 62, flags2 = 0;
        if (flags & 0x4000) { /* extended flags (version 3+) */
            if (version < 3 || off + 64 > end)
                goto bad;
            flags2 = (size_t)(e[62] << 8 | e[63]);
            hdr = 64;
        }
        size_t pstart = off + hdr;
        char *path = ix->paths + pathoff;
        size_t plen;
        if (version == 4) {
            /* The path: drop N bytes of the previous one, append a suffix. */
            size_t p = pstart, strip = 0;
            if (p >= end)
                goto bad;
            strip = d[p] & 0x7f;
            while (d[p++] & 0x80) {
                if (p >= end || strip > (SIZE_MAX >> 8))
                    goto bad;
                strip = ((strip + 1) << 7) | (d[p] & 0x7f);
            }
            if (strip > prevlen)
                goto bad;
            const uint8_t *nul = memchr(d + p, 0, end - p);
            if (!nul)
                goto bad;
            size_t slen = (size_t)(nul - (d + p));
            plen = prevlen - strip + slen;
            if (pathoff + plen + 1 > n)
                goto bad;
            memmove(path, prev, prevlen - strip);
            memcpy(path + prevlen - strip, d + p, slen);
            off = (size_t)(nul - d) + 1;
        } else {
            const uint8_t *nul = memchr(d + pstart, 0, end - pstart);
            if (!nul)
                goto bad;
            plen = (size_t)(nul - (d + pstart));
            if (pathoff + plen + 1 > n)
                goto bad;
            memcpy(path, d + pstart, plen);
            /* Entries are padded with 1-8 NULs to a multiple of 8 bytes. */
            off += (hdr + plen + 8) & ~(size_t)7;
            if (off > end)
                goto bad;
        }
        if (plen == 0)
            goto bad; /* git refuses an entry without a path */
        path[plen] = '\0';
        prev = path;
        prevlen = plen;
        pathoff += plen + 1;
        unsigned stage = (flags >> 12) & 3;
        int intent_to_add = (flags2 & 0x2000) != 0;
        int sparse_dir = (mode & 0170000) == 0040000;
        if (sparse_dir) {
            *need_libgit2 = 1;
            return -1;
        }
        if (stage != 0) {
            /* A conflict: git lists the path more than once, so testmon
             * computes its own fsha. Drop a stage-0 twin, if any. */
            if (kept && !strcmp(ix->entries[kept - 1].path, path))
                kept--;
            continue;
        }
        if (intent_to_add || (mode & 0170000) == 0160000) /* gitlinks are no files */
            continue;
        ix->entries[kept].path = path;
        memcpy(ix->entries[kept].oid, e + 40, 20);
        kept++;
    }
    /* Extensions: a split index ("link") holds entries elsewhere; lower-case
     * first letters mark extensions a reader must understand. */
    while (off + 8 <= end) {
        const uint8_t *x = d + off;
        uint32_t size = be32(x + 4);
        if (!memcmp(x, "link", 4) || !memcmp(x, "sdir", 4) || (x[0] >= 'a' && x[0] <= 'z')) {
            *need_libgit2 = 1;
            return -1;
        }
        if (size > end - off - 8)
            goto bad;
        off += 8 + size;
    }
    ix->count = kept;
    qsort(ix->entries, kept, sizeof *ix->entries, cmp_entry);
    return 0;
bad:
    *need_libgit2 = 1; /* damaged or unexpected: let libgit2 decide */
    return -1;
}

void tmd_gitindex_free(tmd_gitindex *ix)
{
    if (!ix)
        return;
    free(ix->workdir), free(ix->gitdir), free(ix->prefix);
    free(ix->entries), free(ix->paths);
    free(ix);
}

int tmd_gitindex_open(tmd_gitindex **out, int *need_libgit2, const char *root_real)
{
    *out = NULL;
    *need_libgit2 = 0;
    static const char *const vars[] = {"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE",
                                       "GIT_CEILING_DIRECTORIES", "GIT_OBJECT_DIRECTORY",
                                       "GIT_DISCOVERY_ACROSS_FILESYSTEM", "GIT_COMMON_DIR",
                                       NULL};
    for (const char *const *v = vars; *v; v++)
        if (getenv(*v)) {
            *need_libgit2 = 1;
            return TMD_OK;
        }
    tmd_gitindex *ix = calloc(1, sizeof *ix);
    if (!ix)
        return tmd_error(TMD_ENOMEM, "%s: out of memory", root_real);
    if (discover(ix, root_real, need_libgit2) != 0) {
        tmd_gitindex_free(ix);
        return TMD_OK; /* not a repository, or one for libgit2 */
    }
    struct stat st;
    if (stat(ix->gitdir, &st) != 0 || st.st_uid != geteuid() ||
        config_needs_libgit2(ix->gitdir)) {
        /* libgit2 applies git's safe.directory rules and the rest. */
        *need_libgit2 = 1;
        tmd_gitindex_free(ix);
        return TMD_OK;
    }
    size_t wn = strlen(ix->workdir);
    const char *rest = !strcmp(root_real, ix->workdir) ? ""
                       : root_real + (wn == 1 ? 1 : wn + 1);
    if (!(ix->prefix = malloc(strlen(rest) + 2))) {
        tmd_gitindex_free(ix);
        return tmd_error(TMD_ENOMEM, "%s: out of memory", root_real);
    }
    strcpy(ix->prefix, rest);
    if (*rest)
        strcat(ix->prefix, "/");

    char path[PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/index", ix->gitdir);
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (stat(path, &st) != 0) {
        /* A repository without an index tracks nothing yet. */
        *out = ix;
        return TMD_OK;
    }
    if (tmd_file_read(&bytes, &n, path) != TMD_OK) {
        tmd_error_clear();
        *need_libgit2 = 1;
        tmd_gitindex_free(ix);
        return TMD_OK;
    }
    int rc = parse_index(ix, bytes, n, need_libgit2);
    free(bytes);
    if (rc != 0) {
        tmd_gitindex_free(ix);
        return *need_libgit2 ? TMD_OK : tmd_error(TMD_ENOMEM, "%s: out of memory", path);
    }
    *out = ix;
    return TMD_OK;
}

const char *tmd_gitindex_prefix(const tmd_gitindex *ix) { return ix->prefix; }

int tmd_gitindex_lookup(const tmd_gitindex *ix, const char *gitpath, uint8_t oid[20])
{
    entry key = {gitpath, {0}};
    const entry *e = bsearch(&key, ix->entries, ix->count, sizeof *ix->entries, cmp_entry);
    if (!e)
        return 0;
    memcpy(oid, e->oid, 20);
    return 1;
}
