/* tmdiff.h: the public interface of libtmdiff, the engine behind `tmdiff`.
 *
 * Conventions (see ../README.md and ../../shared/docs/style.md):
 * - every external symbol is tmd_<module>_<verb>;
 * - functions return 0 or a negative TMD_E* status; the reason, naming the
 *   file and what to do, is kept per thread and read with tmd_error_message();
 * - out-parameters come first and are named `out`; whoever receives memory
 *   frees it with the matching _free, said in each comment;
 * - the engine never prints and never exits.
 */
#ifndef TMDIFF_H
#define TMDIFF_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status codes and errors (error.c) ---------------------------------- */

enum {
    TMD_OK = 0,
    TMD_EIO = -1,        /* a file could not be read or written */
    TMD_ENOMEM = -2,     /* out of memory */
    TMD_EINVAL = -3,     /* bad argument or bad input data */
    TMD_EFORMAT = -4,    /* input in a format tmdiff does not understand */
    TMD_ENOTFOUND = -5,  /* a named thing (file, environment, commit) is absent */
    TMD_EUNSAFE = -6,    /* input tries something tmdiff refuses (path escape) */
    TMD_ENET = -7,       /* network or store failure */
    TMD_EUNDECIDED = -8, /* the tests to run cannot be decided: run them all */
};

/* The message of the last failure on this thread ("" if none). Owned by the
 * engine, valid until the next engine call on this thread. */
const char *tmd_error_message(void);

/* ---- Python dialects (dialect.c) ----------------------------------------- */

/* The Python version whose `ast` recorded a database. The dump follows
 * minor; micro matters where a patch release changed the dump (3.12.1's
 * f-string format specs, NUL bytes rejected as SyntaxError from 3.11.4...). */
typedef struct tmd_dialect {
    int minor; /* 8 .. 13 */
    int micro; /* -1 when only X.Y was given: the newest known behaviour */
} tmd_dialect;

/* Parses "3.Y" or "3.Y.Z" (8 <= Y <= 13). TMD_EFORMAT for anything else. */
int tmd_dialect_parse(tmd_dialect *out, const char *version);

/* ---- source files (source.c) --------------------------------------------- */

/* A file's bytes prepared as testmon prepares them before parsing. */
typedef struct tmd_source {
    char *text;       /* UTF-8, NUL-terminated: form feeds -> spaces, CRLF ->
                         LF, decoded from its PEP 263 encoding with U+FFFD for
                         undecodable bytes, "\n" appended when missing */
    size_t len;       /* bytes of text, without the terminating NUL */
    int decodable;    /* 0: testmon itself raises while decoding (unknown
                         codec, BOM with a non-UTF-8 cookie, invalid UTF-8 on
                         a line the encoding is detected from): no text */
    char git_sha[41]; /* git's blob id of the raw bytes */
    char fsha[41];    /* testmon's own fsha ("" when not decodable) */
    uint64_t xxh3;    /* XXH3-64 of the raw bytes, for caches */
} tmd_source;

/* Reads a whole regular file (refusing devices, FIFOs and files over 256 MiB,
 * each with a message naming the file). free() *out. */
int tmd_file_read(uint8_t **out, size_t *out_len, const char *path);

/* Prepares `n` raw bytes. Frees nothing of the caller's; release *out with
 * tmd_source_free. */
int tmd_source_prepare(tmd_source *out, const uint8_t *bytes, size_t n);
void tmd_source_free(tmd_source *src);

/* textwrap.dedent of a NUL-terminated text (testmon's path for locally
 * modified files). Returns a new string in *out (free() it). */
int tmd_source_dedent(char **out, size_t *out_len, const char *text, size_t len);

/* ---- fingerprints (fingerprint.c, dump*.c, blocks.c) ---------------------- */

typedef enum tmd_fp_status {
    TMD_FP_BLOCKS = 0,   /* checksums computed (maybe none: empty module) */
    TMD_FP_NO_PARSE = 1, /* CPython's ast.parse rejects it: no blocks */
    TMD_FP_INEXACT = 2,  /* tmdiff cannot reproduce testmon exactly (or
                            testmon itself would crash): treat as changed */
} tmd_fp_status;

typedef struct tmd_fingerprint {
    tmd_fp_status status;
    size_t count;        /* number of blocks */
    int32_t *checksums;  /* count checksums, testmon's order */
    char **blocks;       /* count block strings, only with TMD_FP_WANT_TEXT */
    char reason[160];    /* why NO_PARSE / INEXACT, for --dump and explain */
} tmd_fingerprint;

enum {
    TMD_FP_WANT_TEXT = 1, /* keep the block strings */
    TMD_FP_DEDENT = 2,    /* testmon's locally-modified path: dedent first */
};

/* Fingerprints a prepared Python text (src->text) in the given dialect.
 * A non-.py file is handled by tmd_fingerprint_whole_text. Release *out with
 * tmd_fingerprint_free. Returns TMD_ENOMEM etc. only for engine failures;
 * an unparsable or inexact file is a successful call with that status. */
int tmd_fingerprint_python(tmd_fingerprint *out, const tmd_source *src,
                           const tmd_dialect *dialect, int flags);

/* One block: the whole prepared text (testmon's rule for non-.py files). */
int tmd_fingerprint_whole_text(tmd_fingerprint *out, const tmd_source *src, int flags);

void tmd_fingerprint_free(tmd_fingerprint *fp);

/* CRC-32 (zlib) of bytes as testmon stores it: a signed 32-bit value. */
int32_t tmd_checksum(const char *bytes, size_t len);

#ifdef __cplusplus
}
#endif
#endif
