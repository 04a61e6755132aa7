/* filestate.c: the fsha testmon would compute for a file now.
 *
 * testmon asks `git ls-files --stage -m`: a file git tracks and reports
 * unmodified gets the blob id from git's index, any other file testmon's own
 * fsha. tmdiff decides "unmodified" by content (the work-tree bytes hashed as
 * a git blob against the index entry), never by timestamps. The
 * index is read by gitindex.c; libgit2 (whose start-up costs more than a
 * small selection) is only started for what that reader leaves to it.
 * Files are only ever opened below the root: names that are absolute, hold
 * "..", or resolve (through symlinks) outside it are refused and count as
 * changed. */
#include "error.h"
#include "select_internal.h"

#include <errno.h>
#include "lazy_git2.h"
#include <limits.h>
#include "sha1.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct tmd_filestate {
    char *root_real;       /* realpath of the root, no trailing '/' */
    tmd_gitindex *ix;      /* the index read directly, or NULL */
    int use_libgit2;       /* 1: the repository is libgit2's to read */
    int libgit2_tried;     /* libgit2 opened (or failed to) already */
    git_repository *repo;  /* libgit2's view; NULL: none */
    git_index *index;
    char *git_prefix;      /* the root relative to the work tree, "" or "dir/" */
    /* The directory of the last file asked for, resolved once for all its
     * files (they come sorted by name): fewer realpath() walks. */
    char *dir_rel;         /* relative, without the trailing '/'; "" = root */
    char dir_real[PATH_MAX];
    int dir_state;         /* 0 resolved inside the root, 1 missing, 2 outside */
    int dir_errno;
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

void tmd_filestate_close(tmd_filestate *fs)
{
    if (!fs)
        return;
    tmd_gitindex_free(fs->ix);
    git_index_free(fs->index);
    git_repository_free(fs->repo);
    if (fs->libgit2_tried)
        git_libgit2_shutdown();
    free(fs->git_prefix);
    free(fs->dir_rel);
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

int tmd_file_now_prepare(tmd_file_now *f)
{
    if (f->prepared)
        return TMD_OK;
    int rc = tmd_source_prepare(&f->src, f->bytes, f->len);
    if (rc == TMD_OK)
        f->prepared = 1;
    return rc;
}

/* git's blob id of `bytes`: SHA-1 of "blob <len>\0" + bytes. */
static int blob_id(uint8_t oid[20], const uint8_t *bytes, size_t len)
{
    char header[32];
    int hlen = snprintf(header, sizeof header, "blob %zu", len);
    tmd_sha1_two(oid, header, (size_t)hlen + 1, bytes, len);
    return 0;
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
    if (blob_id(have, bytes, len) == 0 && !memcmp(have, want, 20)) {
        hex(fsha, want);
        return 1;
    }
    return 0;
}

static int inside_root(const tmd_filestate *fs, const char *real)
{
    size_t rn = strlen(fs->root_real);
    if (rn == 1) /* the root is "/" */
        return 1;
    return !strncmp(real, fs->root_real, rn) && (real[rn] == '/' || real[rn] == '\0');
}

/* The real path of `relpath` below the root into real[], or "" with
 * out->reason (missing) or out->unsafe (resolves outside the root). */
static int resolve(tmd_filestate *fs, const char *relpath, char real[PATH_MAX],
                   tmd_file_now *out)
{
    real[0] = '\0';
    const char *slash = strrchr(relpath, '/');
    size_t dn = slash ? (size_t)(slash - relpath) : 0;
    const char *base = slash ? slash + 1 : relpath;
    if (!fs->dir_rel || strlen(fs->dir_rel) != dn || strncmp(fs->dir_rel, relpath, dn)) {
        free(fs->dir_rel);
        if (!(fs->dir_rel = strndup(relpath, dn)))
            return tmd_error(TMD_ENOMEM, "%s: out of memory", relpath);
        char dir[PATH_MAX * 2];
        snprintf(dir, sizeof dir, "%s%s%s", fs->root_real, dn ? "/" : "", fs->dir_rel);
        fs->dir_state = 0;
        if (!realpath(dir, fs->dir_real)) {
            fs->dir_state = 1;
            fs->dir_errno = errno;
        } else if (!inside_root(fs, fs->dir_real)) {
            fs->dir_state = 2;
        }
    }
    if (fs->dir_state == 1) {
        snprintf(out->reason, sizeof out->reason, "missing (%s)", strerror(fs->dir_errno));
        return TMD_OK;
    }
    if (fs->dir_state == 2) {
        out->unsafe = 1;
        snprintf(out->reason, sizeof out->reason, "resolves outside the root");
        return TMD_OK;
    }
    char path[PATH_MAX * 2];
    int n = snprintf(path, sizeof path, "%s/%s", strcmp(fs->dir_real, "/") ? fs->dir_real : "",
                     base);
    if (n < 0 || (size_t)n >= PATH_MAX) {
        snprintf(out->reason, sizeof out->reason, "missing (name too long)");
        return TMD_OK;
    }
    struct stat st;
    if (lstat(path, &st) != 0) {
        snprintf(out->reason, sizeof out->reason, "missing (%s)", strerror(errno));
        return TMD_OK;
    }
    if (S_ISLNK(st.st_mode)) { /* only a symlink needs the full walk */
        if (!realpath(path, real)) {
            snprintf(out->reason, sizeof out->reason, "missing (%s)", strerror(errno));
            return TMD_OK;
        }
        if (!inside_root(fs, real)) {
            real[0] = '\0';
            out->unsafe = 1;
            snprintf(out->reason, sizeof out->reason, "resolves outside the root");
        }
        return TMD_OK;
    }
    memcpy(real, path, (size_t)n + 1);
    return TMD_OK;
}

int tmd_filestate_get(tmd_file_now *out, tmd_filestate *fs, const char *relpath)
{
    memset(out, 0, sizeof *out);
    if (!tmd_filestate_name_ok(relpath)) {
        out->unsafe = 1;
        snprintf(out->reason, sizeof out->reason, "not a plain name below the root");
        return TMD_OK;
    }
    size_t pn = strlen(relpath);
    int rc = TMD_OK;
    char real[PATH_MAX];
    if ((rc = resolve(fs, relpath, real, out)) != TMD_OK || out->unsafe || !real[0])
        return rc;
    if (tmd_file_read(&out->bytes, &out->len, real) != TMD_OK) {
        /* A directory, FIFO, device or unreadable file: testmon cannot
         * fingerprint it either; it counts as missing (changed). */
        snprintf(out->reason, sizeof out->reason, "%.150s", tmd_error_message());
        tmd_error_clear();
        goto done;
    }
    out->present = 1;
    out->decodable = 1;

    if (fs->ix || fs->index) {
        size_t gn = strlen(fs->git_prefix);
        char *gitpath = malloc(gn + pn + 1);
        if (!gitpath) {
            rc = tmd_error(TMD_ENOMEM, "%s: out of memory", relpath);
            goto done;
        }
        memcpy(gitpath, fs->git_prefix, gn);
        memcpy(gitpath + gn, relpath, pn + 1);
        out->git_clean = same_as_index(fs, gitpath, out->bytes, out->len, out->fsha);
        free(gitpath);
    }
    if (!out->git_clean) {
        if ((rc = tmd_file_now_prepare(out)) != TMD_OK)
            goto done;
        out->decodable = out->src.decodable;
        if (out->src.decodable)
            memcpy(out->fsha, out->src.fsha, sizeof out->fsha);
        else
            snprintf(out->reason, sizeof out->reason, "testmon cannot decode it");
    }
done:
    if (rc != TMD_OK)
        tmd_file_now_free(out);
    return rc;
}
