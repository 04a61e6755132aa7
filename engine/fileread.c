/* fileread.c: the files of interest read below the root (fileread.h). */
#include "fileread.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* As tmd_file_read: a larger file is no source file tmdiff fingerprints. */
#define FILE_MAX ((size_t)256 << 20)
/* A read buffer grown past this for one large file is not kept for the next. */
#define BUF_KEEP ((size_t)8 << 20)

void file_reader_init(file_reader *r, const char *root_real)
{
    memset(r, 0, sizeof *r);
    r->root_real = root_real;
    r->dir_fd = -1;
}

void file_reader_free(file_reader *r)
{
    free(r->dir_rel);
    if (r->dir_fd >= 0)
        close(r->dir_fd);
    free(r->buf);
    memset(r, 0, sizeof *r);
    r->dir_fd = -1;
}

static int inside_root(const file_reader *r, const char *real)
{
    size_t rn = strlen(r->root_real);
    if (rn == 1) /* the root is "/" */
        return 1;
    return !strncmp(real, r->root_real, rn) && (real[rn] == '/' || real[rn] == '\0');
}

/* Where the open directory `fd` is, from the kernel (one readlink, no race
 * with a rename between checking a path and opening it); realpath(path)
 * where /proc is not mounted. */
static int dir_where(char real[PATH_MAX], int fd, const char *path)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, real, PATH_MAX);
    if (n > 0 && n < PATH_MAX && real[0] == '/') {
        real[n] = '\0';
        return 0;
    }
    return realpath(path, real) ? 0 : -1;
}

/* Opens the directory `dn` bytes of relpath name, once per run of files in
 * it: r->dir_state says whether it is inside the root. */
static int enter_dir(file_reader *r, const char *relpath, size_t dn)
{
    if (r->dir_rel && strlen(r->dir_rel) == dn && !strncmp(r->dir_rel, relpath, dn))
        return TMD_OK;
    if (r->dir_fd >= 0)
        close(r->dir_fd);
    r->dir_fd = -1;
    free(r->dir_rel);
    if (!(r->dir_rel = strndup(relpath, dn)))
        return tmd_error(TMD_ENOMEM, "%s: out of memory", relpath);
    char dir[PATH_MAX * 2];
    snprintf(dir, sizeof dir, "%s%s%s", r->root_real, dn ? "/" : "", r->dir_rel);
    r->dir_state = 0;
    /* the directory's own symlinks are followed; where it ends up is checked */
    r->dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (r->dir_fd < 0 || dir_where(r->dir_real, r->dir_fd, dir) != 0) {
        r->dir_state = 1;
        r->dir_errno = errno;
    } else if (!inside_root(r, r->dir_real)) {
        r->dir_state = 2;
    }
    if (r->dir_state != 0 && r->dir_fd >= 0) {
        close(r->dir_fd);
        r->dir_fd = -1;
    }
    return TMD_OK;
}

static const char *kind_of(mode_t mode)
{
    return S_ISDIR(mode)                     ? "a directory"
           : S_ISFIFO(mode)                  ? "a FIFO"
           : S_ISCHR(mode) || S_ISBLK(mode)  ? "a device"
                                             : "a special file";
}

/* Reads the open file `fd` (named `path` in messages) into r->buf, as
 * tmd_file_read would: regular files of at most FILE_MAX bytes, NUL after
 * the last byte. A refusal is a reason in out->reason and *len = SIZE_MAX. */
static int read_into_buf(file_reader *r, int fd, const char *path, size_t *len,
                         tmd_file_now *out)
{
    *len = SIZE_MAX;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(out->reason, sizeof out->reason, "%.100s: cannot stat: %s", path,
                 strerror(errno));
        return TMD_OK;
    }
    if (!S_ISREG(st.st_mode)) {
        snprintf(out->reason, sizeof out->reason, "%.80s: not a regular file but %s (only "
                 "regular files are read)", path, kind_of(st.st_mode));
        return TMD_OK;
    }
    if ((uint64_t)st.st_size > FILE_MAX) {
        snprintf(out->reason, sizeof out->reason, "%.100s: %lld bytes is over the 256 MiB limit",
                 path, (long long)st.st_size);
        return TMD_OK;
    }
    /* st_size is a hint: the file may grow or shrink while it is read */
    size_t want = (size_t)st.st_size + 1, got = 0;
    if (r->cap > BUF_KEEP && want <= BUF_KEEP) {
        free(r->buf); /* one large file does not keep its buffer for the rest */
        r->buf = NULL;
        r->cap = 0;
    }
    for (;;) {
        if (got == r->cap || want > r->cap) {
            if (r->cap > FILE_MAX) {
                snprintf(out->reason, sizeof out->reason,
                         "%.100s: grew over the 256 MiB limit while being read", path);
                return TMD_OK;
            }
            size_t bigger = want > r->cap ? want : r->cap * 2;
            bigger = (bigger + 0xffff) & ~(size_t)0xffff;
            if (bigger > FILE_MAX + 1)
                bigger = FILE_MAX + 1;
            uint8_t *p = realloc(r->buf, bigger + 1);
            if (!p)
                return tmd_error(TMD_ENOMEM, "%s: out of memory reading %zu bytes (free memory)",
                                 path, bigger);
            r->buf = p;
            r->cap = bigger;
        }
        ssize_t n = read(fd, r->buf + got, r->cap - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            snprintf(out->reason, sizeof out->reason, "%.100s: read failed: %s", path,
                     strerror(errno));
            return TMD_OK;
        }
        if (n == 0)
            break;
        got += (size_t)n;
    }
    r->buf[got] = 0; /* as tmd_file_read: a NUL after the bytes, not counted */
    *len = got;
    return TMD_OK;
}

/* Opens relpath (its base name `base` in the directory entered) without
 * following a symlink; a symlink takes the realpath() walk and is refused
 * when it leads outside the root. *fd = -1 with out->reason or out->unsafe
 * when there is nothing to read; `path` names the file for messages. */
static int open_file(file_reader *r, const char *base, int *fd, char path[PATH_MAX],
                     tmd_file_now *out)
{
    *fd = -1;
    if (r->dir_state == 1) {
        snprintf(out->reason, sizeof out->reason, "missing (%s)", strerror(r->dir_errno));
        return TMD_OK;
    }
    if (r->dir_state == 2) {
        out->unsafe = 1;
        snprintf(out->reason, sizeof out->reason, "resolves outside the root");
        return TMD_OK;
    }
    int n = snprintf(path, PATH_MAX, "%s/%s", strcmp(r->dir_real, "/") ? r->dir_real : "",
                     base);
    if (n < 0 || n >= PATH_MAX) {
        snprintf(out->reason, sizeof out->reason, "missing (name too long)");
        return TMD_OK;
    }
    /* O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused
     * after fstat); reads of regular files ignore it */
    int flags = O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK;
    *fd = openat(r->dir_fd, base, flags | O_NOFOLLOW);
    if (*fd < 0 && errno == ELOOP) { /* a symlink: the full walk, then a check */
        char real[PATH_MAX];
        if (!realpath(path, real)) {
            snprintf(out->reason, sizeof out->reason, "missing (%s)", strerror(errno));
            return TMD_OK;
        }
        if (!inside_root(r, real)) {
            out->unsafe = 1;
            snprintf(out->reason, sizeof out->reason, "resolves outside the root");
            return TMD_OK;
        }
        memcpy(path, real, strlen(real) + 1);
        *fd = open(path, flags);
    }
    if (*fd < 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR)
            snprintf(out->reason, sizeof out->reason, "missing (%s)", strerror(err));
        else
            snprintf(out->reason, sizeof out->reason, "%.100s: cannot open: %s", path,
                     strerror(err));
    }
    return TMD_OK;
}

int file_reader_read(file_reader *r, const char *relpath, size_t *len, tmd_file_now *out)
{
    *len = SIZE_MAX;
    const char *slash = strrchr(relpath, '/');
    size_t dn = slash ? (size_t)(slash - relpath) : 0;
    int rc = enter_dir(r, relpath, dn);
    if (rc != TMD_OK)
        return rc;
    int fd;
    char path[PATH_MAX];
    if ((rc = open_file(r, slash ? slash + 1 : relpath, &fd, path, out)) != TMD_OK || fd < 0)
        return rc;
    rc = read_into_buf(r, fd, path, len, out);
    close(fd);
    return rc;
}
