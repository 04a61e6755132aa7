/* store_zstd.c: the download sink (plain or zstd-decoded into a file) and the
 * compression of a database for publishing, with libzstd. */
#include "store.h"
#include "error.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Level 9 shrinks a testmon database about as well as 19 at a fraction of
 * the time CI would spend. */
enum { PUBLISH_LEVEL = 9 };

int tmd_store_write_all(int fd, const void *bytes, size_t n)
{
    const unsigned char *p = bytes;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int tmd_sink_init(tmd_sink *s, int fd, int form, const char *source,
                  tmd_progress_fn progress, void *progress_data)
{
    memset(s, 0, sizeof *s);
    s->fd = fd;
    s->source = source;
    s->progress = progress;
    s->progress_data = progress_data;
    s->z_last = 1;
    if (form == TMD_FORM_ZST) {
        s->z = ZSTD_createDCtx();
        s->out = malloc(ZSTD_DStreamOutSize());
        if (!s->z || !s->out) {
            tmd_sink_free(s);
            return tmd_error(TMD_ENOMEM, "%s: out of memory", source);
        }
    }
    return 0;
}

static int over_limit(tmd_sink *s, size_t more)
{
    s->written += more;
    return s->limit && s->written > s->limit;
}

static int too_large(const tmd_sink *s)
{
    return tmd_error(TMD_EFORMAT, "%s: larger than the cache's %llu MB (raise TMDIFF_CACHE_MB if "
                     "the database is really that big)", s->source,
                     (unsigned long long)(s->limit >> 20));
}

int tmd_sink_write(tmd_sink *s, const void *bytes, size_t n)
{
    s->received += n;
    if (!s->z) {
        if (over_limit(s, n))
            return too_large(s);
        if (tmd_store_write_all(s->fd, bytes, n) != 0)
            return tmd_error(TMD_EIO, "%s: cannot write the cache file: %s (check free space)",
                             s->source, strerror(errno));
    } else {
        ZSTD_inBuffer in = {bytes, n, 0};
        while (in.pos < in.size) {
            ZSTD_outBuffer out = {s->out, ZSTD_DStreamOutSize(), 0};
            size_t r = ZSTD_decompressStream(s->z, &out, &in);
            if (ZSTD_isError(r))
                return tmd_error(TMD_EFORMAT, "%s: bad zstd data: %s (publish it again)", s->source,
                                 ZSTD_getErrorName(r));
            s->z_last = r;
            if (over_limit(s, out.pos))
                return too_large(s);
            if (tmd_store_write_all(s->fd, s->out, out.pos) != 0)
                return tmd_error(TMD_EIO, "%s: cannot write the cache file: %s (check free space)",
                                 s->source, strerror(errno));
        }
    }
    if (s->progress)
        s->progress(s->progress_data, s->received, s->total);
    return 0;
}

int tmd_sink_restart(tmd_sink *s)
{
    s->received = 0;
    s->written = 0;
    s->z_last = 1;
    if (s->z)
        ZSTD_DCtx_reset(s->z, ZSTD_reset_session_only);
    if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) != 0)
        return tmd_error(TMD_EIO, "%s: cannot reset the cache file: %s", s->source, strerror(errno));
    return 0;
}

int tmd_sink_finish(tmd_sink *s)
{
    if (s->z && s->z_last != 0)
        return tmd_error(TMD_EFORMAT, "%s: the zstd data ends mid-frame (truncated: fetch it again)",
                         s->source);
    return 0;
}

void tmd_sink_free(tmd_sink *s)
{
    ZSTD_freeDCtx(s->z);
    free(s->out);
    s->z = NULL;
    s->out = NULL;
}

int tmd_zstd_compress_file(const char *dst, const char *src)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    if (in < 0)
        return tmd_error(TMD_EIO, "%s: %s", src, strerror(errno));
    int out = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (out < 0) {
        close(in);
        return tmd_error(TMD_EIO, "%s: %s", dst, strerror(errno));
    }
    ZSTD_CCtx *z = ZSTD_createCCtx();
    size_t in_cap = ZSTD_CStreamInSize(), out_cap = ZSTD_CStreamOutSize();
    unsigned char *ib = malloc(in_cap), *ob = malloc(out_cap);
    int rc = z && ib && ob ? 0 : tmd_error(TMD_ENOMEM, "%s: out of memory", src);
    if (rc == 0) {
        ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, PUBLISH_LEVEL);
        ZSTD_CCtx_setParameter(z, ZSTD_c_checksumFlag, 1);
    }
    int last = 0;
    while (rc == 0 && !last) {
        ssize_t got = read(in, ib, in_cap);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            rc = tmd_error(TMD_EIO, "%s: %s", src, strerror(errno));
            break;
        }
        last = got == 0;
        ZSTD_inBuffer zin = {ib, (size_t)got, 0};
        size_t remaining;
        do {
            ZSTD_outBuffer zout = {ob, out_cap, 0};
            remaining = ZSTD_compressStream2(z, &zout, &zin, last ? ZSTD_e_end : ZSTD_e_continue);
            if (ZSTD_isError(remaining)) {
                rc = tmd_error(TMD_EIO, "%s: zstd: %s", src, ZSTD_getErrorName(remaining));
                break;
            }
            if (tmd_store_write_all(out, ob, zout.pos) != 0) {
                rc = tmd_error(TMD_EIO, "%s: %s", dst, strerror(errno));
                break;
            }
        } while (last ? remaining != 0 : zin.pos < zin.size);
    }
    if (rc == 0 && fsync(out) != 0)
        rc = tmd_error(TMD_EIO, "%s: %s", dst, strerror(errno));
    ZSTD_freeCCtx(z);
    free(ib);
    free(ob);
    close(in);
    close(out);
    if (rc != 0)
        unlink(dst);
    return rc;
}
