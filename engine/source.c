/* source.c: a Python file's bytes turned into the text testmon parses, its
 * content hashes (git's blob id, testmon's fsha, XXH3), and
 * textwrap.dedent for testmon's locally-modified path.
 * See ../../shared/docs/testmon-format.md sections 2-3. */
#include "tmdiff.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha1.h"
#include <xxhash.h>

#include "buf.h"
#include "error.h"
#include "source_internal.h"

#define TMD_FILE_MAX ((size_t)256 << 20)

/* ---- reading -------------------------------------------------------------- */

int tmd_file_read(uint8_t **out, size_t *out_len, const char *path)
{
    *out = NULL;
    *out_len = 0;
    /* O_NONBLOCK: opening a FIFO must not wait for a writer; we refuse it
     * after fstat anyway. fstat on the open fd: what we check is what we read. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        int err = errno;
        return tmd_error(err == ENOENT || err == ENOTDIR ? TMD_ENOTFOUND : TMD_EIO,
                         "%s: cannot open: %s (check the path and its permissions)", path,
                         strerror(err));
    }
    struct stat st;
    int rc = TMD_OK;
    uint8_t *data = NULL;
    size_t len = 0;
    if (fstat(fd, &st) != 0) {
        rc = tmd_error(TMD_EIO, "%s: cannot stat: %s (check the file)", path, strerror(errno));
        goto done;
    }
    if (!S_ISREG(st.st_mode)) {
        const char *what = S_ISDIR(st.st_mode)    ? "a directory"
                           : S_ISFIFO(st.st_mode) ? "a FIFO"
                           : S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode) ? "a device"
                                                                      : "a special file";
        rc = tmd_error(TMD_EINVAL, "%s: not a regular file but %s (only regular files are read)",
                       path, what);
        goto done;
    }
    if ((uint64_t)st.st_size > TMD_FILE_MAX) {
        rc = tmd_error(TMD_EINVAL, "%s: %lld bytes is over the 256 MiB limit (a source file "
                       "that large is not Python code tmdiff fingerprints)",
                       path, (long long)st.st_size);
        goto done;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags >= 0)
        (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
    /* st_size is a hint: the file may grow or shrink while we read it. */
    size_t cap = (size_t)st.st_size + 1;
    data = malloc(cap + 1);
    if (!data) {
        rc = tmd_error(TMD_ENOMEM, "%s: out of memory reading %zu bytes (free memory)", path, cap);
        goto done;
    }
    for (;;) {
        if (len == cap) {
            if (cap >= TMD_FILE_MAX + 1) {
                rc = tmd_error(TMD_EINVAL, "%s: grew over the 256 MiB limit while being read "
                               "(is something writing it?)", path);
                goto done;
            }
            size_t bigger = cap * 2 > TMD_FILE_MAX + 1 ? TMD_FILE_MAX + 1 : cap * 2;
            uint8_t *p = realloc(data, bigger + 1);
            if (!p) {
                rc = tmd_error(TMD_ENOMEM, "%s: out of memory (free memory)", path);
                goto done;
            }
            data = p;
            cap = bigger;
        }
        ssize_t got = read(fd, data + len, cap - len);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            rc = tmd_error(TMD_EIO, "%s: read failed: %s (check the file)", path, strerror(errno));
            goto done;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    data[len] = 0; /* convenience for callers that print it; not counted */
    *out = data;
    *out_len = len;
    data = NULL;
done:
    free(data);
    close(fd);
    return rc;
}

/* ---- hashes ----------------------------------------------------------------- */

/* hex SHA-1 of "blob <count>\0" + bytes, as git hashes a blob. */
static int blob_sha1(char hex[41], size_t count, const uint8_t *bytes, size_t n)
{
    char header[48];
    int hlen = snprintf(header, sizeof header, "blob %zu", count);
    uint8_t md[20];
    tmd_sha1_two(md, header, (size_t)hlen + 1 /* with its NUL */, bytes, n);
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < 20; i++) {
        hex[2 * i] = digits[md[i] >> 4];
        hex[2 * i + 1] = digits[md[i] & 15];
    }
    hex[40] = '\0';
    return TMD_OK;
}

/* ---- preparation ------------------------------------------------------------ */

/* Form feed -> space, CRLF -> LF (as bytes.replace, left to right) into dst,
 * which has room for n bytes. Returns the new length; *same is 1 when the
 * bytes are unchanged. */
static size_t normalise(uint8_t *dst, const uint8_t *src, size_t n, int *same)
{
    *same = !memchr(src, '\f', n) && !memchr(src, '\r', n);
    if (*same) {
        memcpy(dst, src, n); /* the common case, at memcpy speed */
        return n;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = src[i];
        if (c == '\r' && i + 1 < n && src[i + 1] == '\n')
            continue;
        dst[j++] = c == '\f' ? ' ' : c;
    }
    return j;
}

static const uint8_t utf8_bom[3] = {0xEF, 0xBB, 0xBF};

static int prepare(tmd_source *out, const uint8_t *bytes, size_t n, int with_shas)
{
    memset(out, 0, sizeof *out);
    int rc = with_shas ? blob_sha1(out->git_sha, n, bytes, n) : TMD_OK;
    if (rc)
        return rc;
    out->xxh3 = XXH3_64bits(bytes, n);

    /* norm becomes the text itself when it is valid UTF-8 (room for "\n"). */
    uint8_t *norm = malloc(n + 2);
    if (!norm)
        return tmd_error(TMD_ENOMEM, "source: out of memory for %zu bytes (free memory)", n);
    int same;
    size_t m = normalise(norm, bytes, n, &same);

    tmd_codec codec;
    tmd_codec_detect(&codec, norm, m);
    tmd_buf decoded = TMD_BUF_INIT;
    size_t chars = 0, skip = 0;
    int in_place = 0;
    switch (codec.kind) {
    case TMD_CODEC_UTF8_SIG:
        /* the utf-8-sig codec drops the BOM; testmon drops one more U+FEFF */
        skip = m >= 6 && !memcmp(norm + 3, utf8_bom, 3) ? 6 : 3;
        /* fall through */
    case TMD_CODEC_UTF8:
        in_place = tmd_utf8_scan(norm + skip, m - skip, &chars);
        if (!in_place)
            tmd_utf8_decode_replace(&decoded, &chars, norm + skip, m - skip);
        break;
    case TMD_CODEC_SINGLE_BYTE:
        if (tmd_single_byte_decode(&decoded, &chars, codec.iconv_name, norm, m) != 0) {
            codec.kind = TMD_CODEC_UNDECODABLE;
            codec.why = "glibc's iconv lacks its one-byte codec (gconv modules missing?)";
        }
        break;
    case TMD_CODEC_MULTI_BYTE:
        if (tmd_multi_byte_decode(&decoded, &chars, codec.iconv_name, codec.forbidden, norm,
                                  m) != 0) {
            codec.kind = TMD_CODEC_UNDECODABLE;
            codec.why = "bytes its CJK codec rejects or reads unlike Python "
                        "(Python's replacement text is not reproduced)";
        }
        break;
    case TMD_CODEC_UNDECODABLE:
        break;
    }
    if (decoded.oom) {
        rc = tmd_error(TMD_ENOMEM, "source: out of memory decoding %zu bytes (free memory)", n);
        goto fail;
    }

    if (codec.kind == TMD_CODEC_UNDECODABLE) {
        /* testmon raises here: no text, no fsha; the file counts as changed */
        tmd_buf_free(&decoded);
        out->decodable = 0;
        out->why_undecodable = codec.why;
        out->text = calloc(1, 1);
        if (!out->text) {
            rc = tmd_error(TMD_ENOMEM, "source: out of memory (free memory)");
            goto fail;
        }
        free(norm);
        return TMD_OK;
    }

    if (!with_shas)
        ; /* the caller knows the fsha or needs none */
    else if (same && chars == n) /* pure ASCII, no FF, no CR: git's id (one hash less) */
        memcpy(out->fsha, out->git_sha, sizeof out->fsha);
    else if ((rc = blob_sha1(out->fsha, chars, norm, m)) != TMD_OK)
        goto fail;
    out->decodable = 1;
    if (in_place) {
        memmove(norm, norm + skip, m - skip);
        out->text = (char *)norm;
        out->len = m - skip;
        norm = NULL;
    } else {
        if (tmd_buf_grow(&decoded, 1)) {
            rc = tmd_error(TMD_ENOMEM, "source: out of memory (free memory)");
            goto fail;
        }
        out->text = tmd_buf_detach(&decoded, &out->len);
        if (!out->text) /* empty: detach of an untouched buffer */
            out->text = calloc(1, 2);
        if (!out->text) {
            rc = tmd_error(TMD_ENOMEM, "source: out of memory (free memory)");
            goto fail;
        }
    }
    free(norm);
    /* room for this "\n" was reserved in both cases */
    if (out->len && out->text[out->len - 1] != '\n')
        out->text[out->len++] = '\n';
    out->text[out->len] = '\0';
    return TMD_OK;

fail:
    free(norm);
    tmd_buf_free(&decoded);
    tmd_source_free(out);
    return rc;
}

int tmd_source_prepare(tmd_source *out, const uint8_t *bytes, size_t n)
{
    return prepare(out, bytes, n, 1);
}

int tmd_source_prepare_text(tmd_source *out, const uint8_t *bytes, size_t n)
{
    return prepare(out, bytes, n, 0);
}

void tmd_source_free(tmd_source *src)
{
    if (!src)
        return;
    free(src->text);
    memset(src, 0, sizeof *src);
}

/* ---- textwrap.dedent ---------------------------------------------------------- */

/* Spaces and tabs at the start of the line text[at..end). */
static size_t indent_of(const char *text, size_t at, size_t end)
{
    size_t k = at;
    while (k < end && (text[k] == ' ' || text[k] == '\t'))
        k++;
    return k - at;
}

static size_t next_line(const char *text, size_t at, size_t len)
{
    const char *nl = memchr(text + at, '\n', len - at);
    return nl ? (size_t)(nl - text) : len;
}

int tmd_source_dedent(char **out, size_t *out_len, const char *text, size_t len)
{
    *out = NULL;
    *out_len = 0;
    /* margin: the longest common prefix of the indents of the lines that hold
     * more than spaces and tabs (textwrap's loop computes exactly that). */
    const char *margin = NULL;
    size_t mlen = 0;
    int blank_lines = 0; /* lines of only spaces and tabs, to be emptied */
    for (size_t at = 0; at <= len;) {
        size_t end = next_line(text, at, len);
        size_t k = indent_of(text, at, end);
        if (at + k == end) {
            blank_lines |= k > 0;
        } else {
            if (!margin) {
                margin = text + at;
                mlen = k;
            } else {
                size_t c = 0, lim = k < mlen ? k : mlen;
                while (c < lim && margin[c] == text[at + c])
                    c++;
                mlen = c;
            }
        }
        at = end + 1;
    }

    char *res = malloc(len + 1);
    if (!res)
        return tmd_error(TMD_ENOMEM, "dedent: out of memory for %zu bytes (free memory)", len);
    size_t j = 0;
    if (!mlen && !blank_lines) { /* most files: nothing to change */
        memcpy(res, text, len);
        j = len;
    } else {
        for (size_t at = 0; at <= len;) {
            size_t end = next_line(text, at, len);
            size_t k = indent_of(text, at, end);
            if (at + k < end) { /* whitespace-only lines become empty */
                memcpy(res + j, text + at + mlen, end - at - mlen);
                j += end - at - mlen;
            }
            if (end < len)
                res[j++] = '\n';
            at = end + 1;
        }
    }
    res[j] = '\0';
    *out = res;
    *out_len = j;
    return TMD_OK;
}
