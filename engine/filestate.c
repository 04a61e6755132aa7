/* filestate.c: the fsha testmon would compute for a file now.
 *
 * testmon asks `git ls-files --stage -m`: a file git tracks and reports
 * unmodified gets the blob id from git's index, any other file testmon's own
 * fsha. tmdiff decides "unmodified" by content (the work-tree bytes hashed as
 * a git blob against the index entry), never by timestamps; contents seen
 * before find their blob id in the blob cache (blobcache.h) by a cheaper
 * hash of the same bytes, read now. The index is read by gitindex.c;
 * libgit2 (whose start-up costs more than a small selection) is only
 * started for what that reader leaves to it.
 * Files are only ever opened below the root: names that are absolute, hold
 * "..", or resolve (through symlinks) outside it are refused and count as
 * changed (fileread.c opens them). */
#include "error.h"
#include "fileread.h"
#include "filestate_internal.h"

#include <errno.h>
#include "lazy_git2.h"
#include <limits.h>
#include "sha1.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tmd_filestate {
    char *root_real;       /* realpath of the root, no trailing '/' */
    tmd_gitindex *ix;      /* the index read directly, or NULL */
    int ix_borrowed;       /* 1: ix is another filestate's (a sibling's) */
    int use_libgit2;       /* 1: the repository is libgit2's to read */
    int libgit2_tried;     /* libgit2 opened (or failed to) already */
    git_repository *repo;  /* libgit2's view; NULL: none */
    git_index *index;
    char *git_prefix;      /* the root relative to the work tree, "" or "dir/" */
    /* Opens and reads the files (fileread.h); peeked states point into its
     * buffer. Files come sorted by name: one directory serves a run. */
    file_reader reader;
    blobcache *bc;         /* shared with other filestates; not ours */
    blobcache_pending pending; /* ids computed here, for bc */
};

int tmd_filestate_name_ok(const char *relpath)
{
    if (!relpath || !*relpath || relpath[0] == '/')
        return 0;
    const char *p = relpath;
    for (;;) {
        const char *slash = strchr(p, '/');
        size_t n = slash ? (size_t)(slash - p) : strlen(p);
        if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
            return 0;
        if (!slash)
            return 1;
        p = slash + 1;
    }
}

/* Opens the git repository holding `root_real` with libgit2, once; a root
 * outside any repository (or one libgit2 refuses, e.g. owned by someone
 * else) simply means testmon's own fsha for every file. */
static void open_libgit2(tmd_filestate *fs)
{
    if (fs->libgit2_tried)
        return;
    if (git_libgit2_init() < 0)
        return; /* libgit2 cannot be loaded: testmon's own fsha, as outside git */
    fs->libgit2_tried = 1;
    git_repository *repo = NULL;
    if (git_repository_open_ext(&repo, fs->root_real, 0, NULL) != 0)
        return;
    const char *workdir = git_repository_workdir(repo);
    char wd_real[PATH_MAX];
    git_index *index = NULL;
    if (!workdir || !realpath(workdir, wd_real) || git_repository_index(&index, repo) != 0) {
        git_repository_free(repo);
        return;
    }
    size_t wn = strlen(wd_real);
    while (wn > 1 && wd_real[wn - 1] == '/')
        wd_real[--wn] = '\0';
    const char *rest = NULL;
    if (!strcmp(fs->root_real, wd_real))
        rest = "";
    else if (!strncmp(fs->root_real, wd_real, wn) && (wn == 1 || fs->root_real[wn] == '/'))
        rest = fs->root_real + (wn == 1 ? 1 : wn + 1);
    char *prefix = rest ? malloc(strlen(rest) + 2) : NULL;
    if (!prefix) {
        git_index_free(index);
        git_repository_free(repo);
        return;
    }
    strcpy(prefix, rest);
    if (*prefix)
        strcat(prefix, "/");
    fs->repo = repo;
    fs->index = index;
    if (!fs->git_prefix)
        fs->git_prefix = prefix;
    else
        free(prefix);
}

int tmd_filestate_open(tmd_filestate **out, const char *root)
{
    *out = NULL;
    char real[PATH_MAX];
    if (!realpath(root, real))
        return tmd_error(TMD_ENOTFOUND, "%s: cannot use it as the root: %s (pass the project "
                         "directory with --root)", root, strerror(errno));
    tmd_filestate *fs = calloc(1, sizeof *fs);
    if (!fs || !(fs->root_real = strdup(real))) {
        free(fs);
        return tmd_error(TMD_ENOMEM, "%s: out of memory", root);
    }
    file_reader_init(&fs->reader, fs->root_real);
    int rc = tmd_gitindex_open(&fs->ix, &fs->use_libgit2, fs->root_real);
    if (rc != TMD_OK) {
        tmd_filestate_close(fs);
        return rc;
    }
    if (fs->ix && !(fs->git_prefix = strdup(tmd_gitindex_prefix(fs->ix)))) {
        tmd_filestate_close(fs);
        return tmd_error(TMD_ENOMEM, "%s: out of memory", root);
    }
    if (fs->use_libgit2)
        open_libgit2(fs);
    *out = fs;
    return TMD_OK;
}

int filestate_open_sibling(tmd_filestate **out, const tmd_filestate *parent)
{
    *out = NULL;
    tmd_filestate *fs = calloc(1, sizeof *fs);
    if (!fs)
        return tmd_error(TMD_ENOMEM, "%s: out of memory", parent->root_real);
    fs->ix = parent->ix;
    fs->ix_borrowed = 1;
    fs->use_libgit2 = parent->use_libgit2;
    if (!(fs->root_real = strdup(parent->root_real)) ||
        (parent->git_prefix && !(fs->git_prefix = strdup(parent->git_prefix)))) {
        tmd_filestate_close(fs);
        return tmd_error(TMD_ENOMEM, "%s: out of memory", parent->root_real);
    }
    file_reader_init(&fs->reader, fs->root_real);
    if (fs->use_libgit2)
        open_libgit2(fs); /* libgit2's index is not shared between threads */
    *out = fs;
    return TMD_OK;
}

void tmd_filestate_close(tmd_filestate *fs)
{
    if (!fs)
        return;
    if (!fs->ix_borrowed)
        tmd_gitindex_free(fs->ix);
    git_index_free(fs->index);
    git_repository_free(fs->repo);
    if (fs->libgit2_tried)
        git_libgit2_shutdown();
    free(fs->git_prefix);
    file_reader_free(&fs->reader);
    blobcache_pending_free(&fs->pending);
    free(fs->root_real);
    free(fs);
}

void tmd_file_now_free(tmd_file_now *f)
{
    free(f->bytes);
    f->bytes = NULL;
    if (f->prepared)
        tmd_source_free(&f->src);
    f->prepared = 0;
}

/* with_shas: src.fsha too (a text prepared without it is prepared again) */
static int file_now_prepare(tmd_file_now *f, int with_shas)
{
    int want = with_shas ? 2 : 1;
    if (f->prepared >= want)
        return TMD_OK;
    if (f->prepared)
        tmd_source_free(&f->src);
    f->prepared = 0;
    int rc = with_shas ? tmd_source_prepare(&f->src, f->bytes, f->len)
                       : tmd_source_prepare_text(&f->src, f->bytes, f->len);
    if (rc == TMD_OK)
        f->prepared = want;
    return rc;
}

int tmd_file_now_prepare(tmd_file_now *f)
{
    return file_now_prepare(f, 0);
}

/* git's blob id of `bytes` (SHA-1 of "blob <len>\0" + bytes), from the
 * blob cache when these bytes were seen before. */
static void blob_id(tmd_filestate *fs, uint8_t oid[20], const uint8_t *bytes, size_t len)
{
    uint8_t key[16];
    if (fs->bc) {
        blobcache_key(fs->bc, bytes, len, key);
        if (blobcache_lookup(fs->bc, key, oid))
            return;
    }
    char header[32];
    int hlen = snprintf(header, sizeof header, "blob %zu", len);
    tmd_sha1_two(oid, header, (size_t)hlen + 1, bytes, len);
    if (fs->bc)
        blobcache_pending_add(&fs->pending, key, oid);
}

static void hex(char out[41], const uint8_t oid[20])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < 20; i++) {
        out[2 * i] = digits[oid[i] >> 4];
        out[2 * i + 1] = digits[oid[i] & 15];
    }
    out[40] = '\0';
}

/* libgit2's answer: 1 if git reports `gitpath` unmodified. */
static int libgit2_same(tmd_filestate *fs, const char *gitpath, const uint8_t *bytes,
                        size_t len, char fsha[41])
{
    open_libgit2(fs);
    if (!fs->index)
        return 0;
    const git_index_entry *e = git_index_get_bypath(fs->index, gitpath, 0);
    if (!e || (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD))
        return 0;
    char want[80];
    git_oid_tostr(want, sizeof want, &e->id);
    if (fs->bc && strlen(want) == 40) { /* a SHA-1 repository: the cache's ids */
        uint8_t have[20];
        char have_hex[41];
        blob_id(fs, have, bytes, len);
        hex(have_hex, have);
        if (strcmp(have_hex, want))
            return 0;
        memcpy(fsha, want, 41);
        return 1;
    }
    git_oid oid;
    int same = git_odb_hash(&oid, bytes, len, GIT_OBJECT_BLOB) == 0 && git_oid_equal(&oid, &e->id);
    if (same)
        git_oid_tostr(fsha, 41, &e->id);
    return same;
}

/* 1 if the work-tree bytes are what the index holds for `gitpath`; the
 * index's blob id then goes to fsha. Bytes that differ from the blob count
 * as modified even where git's eol/attribute filters would call them equal
 * (git itself disagrees with libgit2 there): the file then takes testmon's
 * modified-file path and its checksums decide, which can only select more. */
static int same_as_index(tmd_filestate *fs, const char *gitpath, const uint8_t *bytes,
                         size_t len, char fsha[41])
{
    if (!fs->ix)
        return fs->use_libgit2 ? libgit2_same(fs, gitpath, bytes, len, fsha) : 0;
    uint8_t want[20], have[20];
    if (!tmd_gitindex_lookup(fs->ix, gitpath, want))
        return 0;
    blob_id(fs, have, bytes, len);
    if (!memcmp(have, want, 20)) {
        hex(fsha, want);
        return 1;
    }
    return 0;
}

static int unhex(uint8_t out[20], const char hexdigits[41])
{
    for (int i = 0; i < 40; i++) {
        char ch = hexdigits[i];
        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
        if (v < 0)
            return -1;
        out[i / 2] = (uint8_t)(i % 2 ? out[i / 2] << 4 | v : v);
    }
    return 0;
}

/* testmon's own fsha of a present file: from the blob cache when these
 * bytes were decoded before (by this build), else by preparing the text
 * (which later fingerprinting reuses). An undecodable file is never cached. */
static int own_fsha(tmd_filestate *fs, tmd_file_now *out)
{
    uint8_t key[16], raw[20];
    int cacheable = fs->bc && blobcache_key_fsha(fs->bc, out->bytes, out->len, key);
    if (cacheable && blobcache_lookup(fs->bc, key, raw)) {
        hex(out->fsha, raw); /* decodable, as it was when saved */
        return TMD_OK;
    }
    int rc = file_now_prepare(out, 1);
    if (rc != TMD_OK)
        return rc;
    out->decodable = out->src.decodable;
    if (!out->src.decodable) {
        snprintf(out->reason, sizeof out->reason, "testmon cannot decode it");
        return TMD_OK;
    }
    memcpy(out->fsha, out->src.fsha, sizeof out->fsha);
    if (cacheable && unhex(raw, out->fsha) == 0)
        blobcache_pending_add(&fs->pending, key, raw);
    return TMD_OK;
}

int filestate_peek(tmd_file_now *out, tmd_filestate *fs, const char *relpath)
{
    memset(out, 0, sizeof *out);
    if (!tmd_filestate_name_ok(relpath)) {
        out->unsafe = 1;
        snprintf(out->reason, sizeof out->reason, "not a plain name below the root");
        return TMD_OK;
    }
    size_t len;
    int rc = file_reader_read(&fs->reader, relpath, &len, out);
    if (rc != TMD_OK || len == SIZE_MAX)
        return rc; /* missing, refused or unreadable as a regular file: changed */
    out->bytes = fs->reader.buf;
    out->len = len;
    out->present = 1;
    out->decodable = 1;

    if (fs->ix || fs->index) {
        size_t gn = strlen(fs->git_prefix), pn = strlen(relpath);
        char small[PATH_MAX], *gitpath = gn + pn < sizeof small ? small : malloc(gn + pn + 1);
        if (!gitpath) {
            filestate_drop(out);
            return tmd_error(TMD_ENOMEM, "%s: out of memory", relpath);
        }
        memcpy(gitpath, fs->git_prefix, gn);
        memcpy(gitpath + gn, relpath, pn + 1);
        out->git_clean = same_as_index(fs, gitpath, out->bytes, out->len, out->fsha);
        if (gitpath != small)
            free(gitpath);
    }
    if (!out->git_clean && (rc = own_fsha(fs, out)) != TMD_OK)
        filestate_drop(out);
    return rc;
}

int filestate_keep(tmd_file_now *out)
{
    if (!out->bytes)
        return TMD_OK;
    uint8_t *own = malloc(out->len + 1);
    if (!own) {
        filestate_drop(out);
        return tmd_error(TMD_ENOMEM, "out of memory keeping %zu bytes (free memory)", out->len);
    }
    memcpy(own, out->bytes, out->len);
    own[out->len] = 0;
    out->bytes = own;
    return TMD_OK;
}

void filestate_drop(tmd_file_now *out)
{
    out->bytes = NULL; /* the filestate's buffer */
    tmd_file_now_free(out);
}

int tmd_filestate_get(tmd_file_now *out, tmd_filestate *fs, const char *relpath)
{
    int rc = filestate_peek(out, fs, relpath);
    return rc == TMD_OK ? filestate_keep(out) : rc;
}

void filestate_use_blobcache(tmd_filestate *fs, blobcache *bc)
{
    if (!bc && fs->bc)
        blobcache_merge(fs->bc, &fs->pending);
    blobcache_pending_free(&fs->pending);
    fs->bc = bc;
}
