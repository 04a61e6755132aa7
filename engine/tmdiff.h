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

/* ---- the .testmondata database (db.c) ----------------------------------- */

/* An open, read-only, defensively configured testmon database. */
typedef struct tmd_db tmd_db;

/* One environment row. Strings are owned by the tmd_db. */
typedef struct tmd_db_env {
    int64_t id;
    const char *name;
    const char *python_version;  /* "3.11.2" */
    const char *system_packages; /* "attrs 22.2, coverage 6.5, ..." */
} tmd_db_env;

/* Opens `path` read-only (immutable when no -wal file is beside it), never
 * writing to it, and checks the data version (13 or 14) and the tables.
 * TMD_ENOTFOUND if absent, TMD_EFORMAT for a non-SQLite file, an unknown
 * version or missing tables. Release with tmd_db_close. */
int tmd_db_open(tmd_db **out, const char *path);
void tmd_db_close(tmd_db *db);
/* PRAGMA user_version of the open database (13 or 14). */
int tmd_db_version(const tmd_db *db);
/* Finds the environment called `name`; TMD_ENOTFOUND if the database does
 * not hold it. *out points into the tmd_db. */
int tmd_db_env_find(tmd_db_env *out, tmd_db *db, const char *name);

/* ---- selection (filestate.c, select.c) ----------------------------------- */

typedef struct tmd_select_options {
    const char *root;       /* pytest's rootdir; required */
    const char *db_path;    /* the .testmondata; NULL: ROOT/.testmondata */
    const char *env_name;   /* environment; NULL: "default" */
    int env_check;          /* 1: rule 1, compare the local Python and packages */
    const char *python_exe; /* interpreter for the environment check; NULL: python3 */
    int precise;            /* 1: drop testmon quirks that can only select more */
    int collect;            /* 1: collect tests statically (new tests, existence) */
} tmd_select_options;

#define TMD_SELECT_OPTIONS_INIT {NULL, NULL, NULL, 1, NULL, 0, 1}

/* Why a test runs (bits of tmd_test_verdict.why); 0 means deselected. */
enum {
    TMD_WHY_AFFECTED = 1, /* a dependency's checksums are gone (rules 2-3) */
    TMD_WHY_FAILED = 2,   /* recorded as failed (rule 4) */
    TMD_WHY_NEW = 4,      /* collected but not in the database (rule 5) */
    TMD_WHY_ENV = 8,      /* the environment differs: everything runs (rule 1) */
};

/* State of a file whose fsha differs from a fingerprint's. */
typedef enum tmd_file_state {
    TMD_FILE_BLOCKS = 0,   /* read and checksummed */
    TMD_FILE_MISSING = 1,  /* absent, or refused (outside the root): no blocks */
    TMD_FILE_NO_PARSE = 2, /* Python cannot parse it: no blocks */
    TMD_FILE_INEXACT = 3,  /* tmdiff cannot reproduce testmon: all dependants run */
} tmd_file_state;

typedef struct tmd_changed_file {
    char *filename;     /* as stored: relative to the root, '/' separators */
    tmd_file_state state;
    int dedented;       /* 1: testmon's modified-file path (textwrap.dedent) */
    char fsha[41];      /* the current fsha ("" when missing) */
    size_t count;       /* current block checksums (state BLOCKS) */
    int32_t *checksums;
    char reason[160];   /* why MISSING / NO_PARSE / INEXACT */
} tmd_changed_file;

/* One fingerprint that made a test affected. */
typedef struct tmd_dep_change {
    size_t file;        /* index into tmd_selection.files */
    size_t nmissing;    /* stored checksums not among the current ones */
    int32_t *missing;   /* (all of them when the file has no blocks) */
} tmd_dep_change;

typedef struct tmd_test_verdict {
    char *node_id;      /* as pytest writes it; for a NEW test maybe a prefix
                           or a bare file path (every test in that file) */
    unsigned why;       /* TMD_WHY_* bits; 0: deselected */
    int known;          /* 1: stored in the database */
    int exists;         /* 1: collected now (or not checked); 0: gone */
    double duration;    /* recorded seconds (0 for new tests) */
    size_t nchanges;
    tmd_dep_change *changes;
} tmd_test_verdict;

typedef struct tmd_selection {
    int everything;         /* rule 1: run every test (reason says why) */
    char reason[256];
    char python_version[32];/* the environment's (dialect of the checksums) */
    size_t ntests;          /* known tests and new ones, sorted by node_id */
    tmd_test_verdict *tests;
    size_t nfiles;          /* files with a changed fsha, sorted */
    tmd_changed_file *files;
    size_t nselected;       /* tests with why != 0 that exist */
    size_t nknown;          /* tests in the database for this environment */
    double seconds_selected;/* recorded duration of the selected tests */
    double seconds_total;   /* recorded duration of all known tests */
} tmd_selection;

/* Decides which tests run (testmon-format.md section 4). TMD_EUNDECIDED (and
 * the other codes) when it cannot: the caller should run everything.
 * Release *out with tmd_selection_free. */
int tmd_select_run(tmd_selection **out, const tmd_select_options *opts);
void tmd_selection_free(tmd_selection *sel);

#ifdef __cplusplus
}
#endif
#endif
