/* store_dir.c: a store that is a directory (local disk or a network mount).
 * Look-ups are stat() calls; publishing copies to a temporary name in the
 * store and renames, so readers see either nothing or the whole file. */
#include "store.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *form_ext(int form)
{
    return form == TMD_FORM_ZST ? ".testmondata.zst" : ".testmondata";
}

static void entry_path(char *out, size_t cap, const char *dir, const char *commit, int form)
{
    snprintf(out, cap, "%s/%s%s", dir, commit, form_ext(form));
}

int tmd_store_dir_lookup(int *out_form, const char *dir, const char *commit)
{
    char path[4096];
    struct stat st;
    *out_form = TMD_FORM_NONE;
    /* The .zst form first: a publisher that compresses removes the plain one. */
    static const int forms[] = {TMD_FORM_ZST, TMD_FORM_PLAIN};
    for (size_t i = 0; i < 2; i++) {
        entry_path(path, sizeof path, dir, commit, forms[i]);
        if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
            *out_form = forms[i];
            return 0;
        }
        if (errno != ENOENT && errno != ENOTDIR)
            return tmd_error(TMD_ENET, "%s: %s (check the store is mounted and readable)", path,
                             strerror(errno));
    }
    struct stat dst;
    if (stat(dir, &dst) != 0 || !S_ISDIR(dst.st_mode))
        return tmd_error(TMD_ENET, "%s: the store folder does not exist (check --store or "
                         "TMDIFF_STORE, and that the share is mounted)", dir);
    return 0;
}

int tmd_store_dir_download(tmd_sink *sink, const char *dir, const char *commit, int form)
{
    char path[4096];
    entry_path(path, sizeof path, dir, commit, form);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return tmd_error(TMD_ENET, "%s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0)
        sink->total = (uint64_t)st.st_size;
    static const size_t cap = 1 << 16;
    unsigned char *buf = malloc(cap);
    int rc = buf ? 0 : tmd_error(TMD_ENOMEM, "%s: out of memory", path);
    while (rc == 0) {
        ssize_t got = read(fd, buf, cap);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = tmd_error(TMD_ENET, "%s: %s", path, strerror(errno));
        if (got <= 0)
            break;
        rc = tmd_sink_write(sink, buf, (size_t)got);
    }
    if (rc == 0)
        rc = tmd_sink_finish(sink);
    free(buf);
    close(fd);
    return rc;
}

/* mkdir -p */
static int make_store_dir(const char *dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s", dir);
    for (char *s = path + 1;; s++) {
        char c = *s;
        if (c != '/' && c != '\0')
            continue;
        *s = '\0';
        if (mkdir(path, 0755) != 0 && errno != EEXIST)
            return tmd_error(TMD_EIO, "%s: cannot create the store folder: %s (create it first)",
                             path, strerror(errno));
        *s = c;
        if (c == '\0')
            return 0;
    }
}

int tmd_store_dir_upload(char **out_where, const char *dir, const char *commit,
                         const char *local, int form)
{
    char tmp[4096], final[4096], other[4096];
    /* Created on first publish: a CI job can point at an empty share. */
    int rc = make_store_dir(dir);
    if (rc != 0)
        return rc;
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s-%ld%s", dir, commit, (long)getpid(), form_ext(form));
    entry_path(final, sizeof final, dir, commit, form);
    entry_path(other, sizeof other, dir, commit, form == TMD_FORM_ZST ? TMD_FORM_PLAIN : TMD_FORM_ZST);
    unlink(tmp); /* left over by a killed publish of ours */
    rc = tmd_copy_file(tmp, local);
    if (rc == 0 && rename(tmp, final) != 0) {
        rc = tmd_error(TMD_EIO, "%s: cannot rename into place: %s", final, strerror(errno));
        unlink(tmp);
    }
    if (rc == 0) {
        unlink(other); /* one form per commit, so a reader never gets the older */
        if (out_where && !(*out_where = strdup(final)))
            rc = tmd_error(TMD_ENOMEM, "out of memory");
    }
    return rc;
}

int tmd_copy_file(const char *dst, const char *src)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return tmd_error(TMD_EIO, "%s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        int e = errno;
        close(in);
        return tmd_error(TMD_EIO, "%s: %s (check the folder exists and is writable)", dst, strerror(e));
    }
    static const size_t cap = 1 << 16;
    unsigned char *buf = malloc(cap);
    int rc = buf ? 0 : tmd_error(TMD_ENOMEM, "%s: out of memory", src);
    for (;;) {
        if (rc != 0)
            break;
        ssize_t got = read(in, buf, cap);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0)
            rc = tmd_error(TMD_EIO, "%s: %s", src, strerror(errno));
        else if (got == 0)
            break;
        else if (tmd_store_write_all(out, buf, (size_t)got) != 0)
            rc = tmd_error(TMD_EIO, "%s: %s (check free space)", dst, strerror(errno));
    }
    if (rc == 0 && fsync(out) != 0)
        rc = tmd_error(TMD_EIO, "%s: %s", dst, strerror(errno));
    free(buf);
    close(in);
    close(out);
    if (rc != 0)
        unlink(dst);
    return rc;
}
