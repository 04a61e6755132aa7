/* filestate.c: the fsha testmon would compute for a file now.
 *
 * testmon asks `git ls-files --stage -m`: a file git tracks and reports
 * unmodified gets the blob id from git's index, any other file testmon's own
 * fsha. tmdiff decides "unmodified" by content (the work-tree bytes hashed as
 * git would, with and without git's filters, against the index entry), never
 * by timestamps. Files are only ever opened below the root: names that are
 * absolute, hold "..", or resolve (through symlinks) outside it are refused
 * and count as changed. */
#include "error.h"
#include "select_internal.h"

#include <errno.h>
#include <git2.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tmd_filestate {
    char *root_real;       /* realpath of the root, no trailing '/' */
    git_repository *repo;  /* NULL: not in a git repository */
    git_index *index;
    char *git_prefix;      /* the root relative to the work tree, "" or "dir/" */
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

/* Opens the git repository holding `root_real`, if any; a root outside any
 * repository (or one libgit2 refuses, e.g. owned by someone else) simply
 * means testmon's own fsha for every file. */
static void open_git(tmd_filestate *fs)
{
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
    fs->git_prefix = prefix;
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
    git_libgit2_init();
    open_git(fs);
    *out = fs;
    return TMD_OK;
}

void tmd_filestate_close(tmd_filestate *fs)
{
    if (!fs)
        return;
    git_index_free(fs->index);
    git_repository_free(fs->repo);
    git_libgit2_shutdown();
    free(fs->git_prefix);
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

/* 1 if the work-tree bytes are what the index holds for `gitpath`. */
static int same_as_index(tmd_filestate *fs, const char *gitpath, const char *fullpath,
                         const uint8_t *bytes, size_t len, char fsha[41])
{
    const git_index_entry *e = git_index_get_bypath(fs->index, gitpath, 0);
    if (!e || (e->flags_extended & GIT_INDEX_ENTRY_INTENT_TO_ADD))
        return 0;
    git_oid oid;
    int same = git_odb_hash(&oid, bytes, len, GIT_OBJECT_BLOB) == 0 && git_oid_equal(&oid, &e->id);
    /* With clean filters (eol conversion, .gitattributes) git compares the
     * filtered content: ask libgit2 to hash the file as `git add` would. */
    if (!same && git_repository_hashfile(&oid, fs->repo, fullpath, GIT_OBJECT_BLOB, gitpath) == 0)
        same = git_oid_equal(&oid, &e->id);
    if (same)
        git_oid_tostr(fsha, 41, &e->id);
    return same;
}

int tmd_filestate_get(tmd_file_now *out, tmd_filestate *fs, const char *relpath)
{
    memset(out, 0, sizeof *out);
    if (!tmd_filestate_name_ok(relpath)) {
        out->unsafe = 1;
        snprintf(out->reason, sizeof out->reason, "not a plain name below the root");
        return TMD_OK;
    }
    size_t rn = strlen(fs->root_real), pn = strlen(relpath);
    char *full = malloc(rn + 1 + pn + 1);
    if (!full)
        return tmd_error(TMD_ENOMEM, "%s: out of memory", relpath);
    sprintf(full, "%s/%s", fs->root_real, relpath);

    int rc = TMD_OK;
    char real[PATH_MAX];
    if (!realpath(full, real)) {
        snprintf(out->reason, sizeof out->reason, "missing (%s)", strerror(errno));
        goto done;
    }
    if (strncmp(real, fs->root_real, rn) || (rn > 1 && real[rn] != '/')) {
        out->unsafe = 1;
        snprintf(out->reason, sizeof out->reason, "resolves outside the root");
        goto done;
    }
    if (tmd_file_read(&out->bytes, &out->len, real) != TMD_OK) {
        /* A directory, FIFO, device or unreadable file: testmon cannot
         * fingerprint it either; it counts as missing (changed). */
        snprintf(out->reason, sizeof out->reason, "%.150s", tmd_error_message());
        tmd_error_clear();
        goto done;
    }
    out->present = 1;
    out->decodable = 1;

    if (fs->index) {
        size_t gn = strlen(fs->git_prefix);
        char *gitpath = malloc(gn + pn + 1);
        if (!gitpath) {
            rc = tmd_error(TMD_ENOMEM, "%s: out of memory", relpath);
            goto done;
        }
        memcpy(gitpath, fs->git_prefix, gn);
        memcpy(gitpath + gn, relpath, pn + 1);
        out->git_clean = same_as_index(fs, gitpath, full, out->bytes, out->len, out->fsha);
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
    free(full);
    if (rc != TMD_OK)
        tmd_file_now_free(out);
    return rc;
}
