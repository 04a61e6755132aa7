/* store.h: the artifact store's backends and the download sink (internal).
 * store.c picks a backend by location and drives the cache (dbcache.h);
 * store_dir.c and store_http.c move bytes; store_zstd.c (de)compresses. */
#ifndef TMD_STORE_H
#define TMD_STORE_H

#include "tmdiff.h"

#include <zstd.h>

/* Writes all n bytes to fd, retrying after EINTR and short writes; -1 on
 * failure (errno says why). Defined in store_zstd.c. */
int tmd_store_write_all(int fd, const void *bytes, size_t n);

/* Which form of a commit's database a store holds. */
enum { TMD_FORM_NONE = 0, TMD_FORM_PLAIN = 1, TMD_FORM_ZST = 2 };

/* Where downloaded bytes go: a file descriptor, through zstd when the form
 * is .zst. Reports progress as bytes arrive. */
typedef struct tmd_sink {
    int fd;
    ZSTD_DCtx *z;          /* NULL: plain */
    size_t z_last;         /* ZSTD_decompressStream's last hint; 0 = frame done */
    uint64_t received;     /* bytes in (compressed) */
    uint64_t total;        /* expected bytes in, 0 when unknown */
    uint64_t written;      /* bytes out (decompressed) */
    uint64_t limit;        /* most bytes out accepted (a hostile or broken
                              server cannot fill the disk); 0: no limit */
    const char *source;    /* for messages: URL or path, no credentials */
    tmd_progress_fn progress;
    void *progress_data;
    unsigned char *out;    /* decompression buffer */
} tmd_sink;

int tmd_sink_init(tmd_sink *s, int fd, int form, const char *source,
                  tmd_progress_fn progress, void *progress_data);
/* Appends n bytes; TMD_EFORMAT for bad zstd data, TMD_EIO for the disk. */
int tmd_sink_write(tmd_sink *s, const void *bytes, size_t n);
/* Empties the file and resets the decoder before a retry. */
int tmd_sink_restart(tmd_sink *s);
/* TMD_EFORMAT when the zstd frame is incomplete (a cut download). */
int tmd_sink_finish(tmd_sink *s);
void tmd_sink_free(tmd_sink *s);

/* Compresses `src` into `dst` (created, one frame with a checksum). */
int tmd_zstd_compress_file(const char *dst, const char *src);

/* Copies src to dst (created exclusively, fsync'd) (store_dir.c). */
int tmd_copy_file(const char *dst, const char *src);

/* ---- directory store (store_dir.c) ---- */
int tmd_store_dir_lookup(int *out_form, const char *dir, const char *commit);
int tmd_store_dir_download(tmd_sink *sink, const char *dir, const char *commit, int form);
/* Copies `local` (already in its final form) to <dir>/<commit><ext> through a
 * temporary name and a rename, then removes the other form. */
int tmd_store_dir_upload(char **out_where, const char *dir, const char *commit,
                         const char *local, int form);

/* ---- HTTP(S) store (store_http.c) ---- */
typedef struct tmd_http tmd_http;

/* url: the store's prefix. free with tmd_store_http_free. */
int tmd_store_http_new(tmd_http **out, const char *url, const tmd_store_options *opts);
void tmd_store_http_free(tmd_http *h);
/* The URL without user, password or query: safe to print. */
const char *tmd_store_http_display(const tmd_http *h);
/* Looks up the candidates whose skip[i] is 0, concurrently, and sets
 * out_index and out_form to the first (lowest index) one present, or
 * *out_form = TMD_FORM_NONE. missing[i] is set to 1 for each candidate the
 * store answered "absent" for. */
int tmd_store_http_find(size_t *out_index, int *out_form, tmd_http *h,
                        const char (*commits)[41], size_t n, const unsigned char *skip,
                        unsigned char *missing);
int tmd_store_http_download(tmd_http *h, tmd_sink *sink, const char *commit, int form);
int tmd_store_http_upload(char **out_where, tmd_http *h, const char *commit,
                          const char *local, int form);

#endif
