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
                         a line the encoding is detected from), or tmdiff
                         cannot decode that codec exactly (UTF-16, Big5,
                         invalid bytes in a CJK codec...): text is "", and
                         the file must count as changed and inexact */
    char git_sha[41]; /* git's blob id of the raw bytes */
    char fsha[41];    /* testmon's own fsha ("" when not decodable) */
    uint64_t xxh3;    /* XXH3-64 of the raw bytes, for caches */
    const char *why_undecodable; /* decodable == 0: why, as a static string
                                    (for --dump and explain); else NULL */
} tmd_source;

/* Reads a whole regular file (refusing devices, FIFOs and files over 256 MiB,
 * each with a message naming the file). free() *out (never NULL on success,
 * NUL-terminated beyond *out_len). TMD_ENOTFOUND: missing; TMD_EINVAL: not a
 * regular file or too big; TMD_EIO: unreadable. */
int tmd_file_read(uint8_t **out, size_t *out_len, const char *path);

/* Prepares `n` raw bytes. Frees nothing of the caller's; release *out with
 * tmd_source_free. */
int tmd_source_prepare(tmd_source *out, const uint8_t *bytes, size_t n);
/* The same without its SHA-1s (git_sha and fsha stay ""), for callers that
 * only fingerprint the text or know the fsha already. */
int tmd_source_prepare_text(tmd_source *out, const uint8_t *bytes, size_t n);
void tmd_source_free(tmd_source *src);

/* textwrap.dedent of text[0..len) (testmon's path for locally modified
 * files; only "\n" ends a line). Returns a new NUL-terminated string in *out
 * (free() it). */
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

/* An open, read-only, defensively configured testmon database. One thread
 * at a time may use it (its SQLite connection takes no locks). */
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
/* Finds the environment called `name` (the newest row, when package or
 * Python changes left several); TMD_ENOTFOUND if the database does not hold
 * it. *out points into the tmd_db, valid until the next find. */
int tmd_db_env_find(tmd_db_env *out, tmd_db *db, const char *name);
/* The row called `name` recorded with exactly this Python version and
 * package string (rule 1: testmon reuses it); TMD_ENOTFOUND if none. */
int tmd_db_env_find_exact(tmd_db_env *out, tmd_db *db, const char *name, const char *python,
                          const char *packages);

/* ---- selection (filestate.c, select.c) ----------------------------------- */

typedef struct tmd_select_options {
    const char *root;       /* pytest's rootdir; required */
    const char *db_path;    /* the .testmondata; NULL: ROOT/.testmondata */
    const char *env_name;   /* environment; NULL: "default" */
    int env_check;          /* 1: rule 1, compare the local Python and packages */
    const char *python_exe; /* interpreter for the environment check; NULL: python3 */
    int precise;            /* 1: drop testmon quirks that can only select more */
    int collect;            /* 1: collect tests statically (new tests, existence) */
    const char *cache_dir;  /* fingerprint cache (tmd_fpcache_open); NULL: default */
    int no_cache;           /* 1: fingerprint changed files without the cache */
} tmd_select_options;

#define TMD_SELECT_OPTIONS_INIT {NULL, NULL, NULL, 1, NULL, 0, 1, NULL, 0}

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
                           or a bare file path (every test in that file).
                           Read only: it may point into a mapped index */
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

/* ---- the local Python environment (pyenv.c) ------------------------------ */

typedef struct tmd_pyenv_options {
    const char *root;       /* project root: ROOT/.venv and ROOT/venv are tried */
    const char *python_exe; /* --python-exe: use this interpreter, no search */
    const char *cache_dir;  /* for the interpreter's cached answer; NULL:
                               $XDG_CACHE_HOME/tmdiff or ~/.cache/tmdiff */
    int no_cache;           /* 1: never read or write the cache */
} tmd_pyenv_options;

#define TMD_PYENV_OPTIONS_INIT {NULL, NULL, NULL, 0}

/* The interpreter and its environment, as testmon records them. */
typedef struct tmd_pyenv {
    char *python_exe;        /* the interpreter found (path as found) */
    char python_version[32]; /* "3.11.2": all three parts */
    char *packages;          /* testmon's `system_packages` string */
    const char *how;         /* static: "metadata" (read directly), "cache" or
                                "interpreter" (asked it) */
} tmd_pyenv;

/* Finds the interpreter a user expects: opts->python_exe if set, else
 * $VIRTUAL_ENV/bin/python, ROOT/.venv, ROOT/venv, then python3 on PATH.
 * TMD_ENOTFOUND if there is none. free() *out. */
int tmd_pyenv_find(char **out, const tmd_pyenv_options *opts);

/* Finds the interpreter and describes its environment exactly as testmon
 * does (python_version, system_packages), reading the environment's metadata
 * directly where that is proven equal, else asking the interpreter once and
 * caching the answer. Release with tmd_pyenv_free. */
int tmd_pyenv_load(tmd_pyenv *out, const tmd_pyenv_options *opts);
void tmd_pyenv_free(tmd_pyenv *env);

/* Rule 1: 0 when `env` equals the database's environment row, 1 when it
 * differs (a one-line reason, naming the first difference, goes to `why`). */
int tmd_pyenv_compare(const tmd_pyenv *env, const char *db_python_version,
                      const char *db_packages, char *why, size_t why_size);

/* testmon's package string from n "Name Version" strings (any order): sorted,
 * patch parts dropped, ", "-joined, pytest-testmon left out. free() *out. */
int tmd_pyenv_format_packages(char **out, const char *const *name_versions, size_t n);

/* ---- static pytest collection (collect.c, pytest_config.c) --------------- */

typedef enum tmd_collect_kind {
    TMD_COLLECT_EXACT = 0,  /* exactly this node ID */
    TMD_COLLECT_PREFIX = 1, /* stands for every node ID equal to it or starting
                               with it followed by "[" or "::" (parametrized
                               tests, a class or a whole file): which and how
                               many cannot be known without running pytest */
} tmd_collect_kind;

/* tmd_collected.why of a test file tree-sitter cannot parse (a bare file
 * PREFIX): if CPython cannot parse it either, pytest collects nothing there. */
#define TMD_COLLECT_WHY_NO_PARSE "does not parse"
/* a doctest text file (test*.txt): one item, named after the file */
#define TMD_COLLECT_WHY_DOCTEST_TEXT "doctest text file"
/* a module whose doctests --doctest-modules collects (the bare path) */
#define TMD_COLLECT_WHY_DOCTEST_MODULE "doctest module"
/* a name not named like a test that may be bound to a unittest.TestCase
 * subclass (imported, made by a decorator or call, or of a class with bases
 * elsewhere): pytest collects those whatever their name. Its stored tests
 * are kept; with none stored it adds no new ones. */
#define TMD_COLLECT_WHY_MAYBE_TESTCASE "may be a unittest.TestCase"

typedef struct tmd_collected {
    char *nodeid;
    tmd_collect_kind kind;
    const char *why; /* static, for PREFIX: "parametrize", "fixture params",
                        "base class defined elsewhere", "pytest_generate_tests",
                        "unknown decorator", TMD_COLLECT_WHY_NO_PARSE, ... */
    char **expect;   /* PREFIX of a parametrization whose values are objects
                        built by calls: the IDs pytest gives if each is a plain
                        object (argname + index); NULL otherwise */
    size_t nexpect;
} tmd_collected;

typedef struct tmd_collection {
    size_t count;          /* items sorted by nodeid (strcmp) */
    tmd_collected *items;
    size_t nfiles;         /* test files pytest would collect, relative to the
                              root with '/' separators, sorted */
    char **files;
    const char *inexact;   /* static, or NULL: a config option or conftest hook
                              tmdiff cannot follow, so the listing may miss
                              tests ("addopts: --pyargs", ...) */
    int doctest_modules;   /* the config enables --doctest-modules */
    void *arena;           /* internal (collect_cache.c): when set, items, files
                              and their strings all live in this one block */
} tmd_collection;

/* What `pytest` run in `root` (its rootdir) would collect, from the pytest
 * config (pytest.ini, pyproject.toml, tox.ini, setup.cfg: python_files,
 * python_classes, python_functions, testpaths, norecursedirs) and the test
 * files parsed with tree-sitter. Release with tmd_collection_free. */
int tmd_collect_project(tmd_collection *out, const char *root);
/* The same, plus the files in `also` (relative to the root: the home files
 * of the stored tests). CI may have named them to pytest explicitly
 * (`pytest tests/ it/`), so an existing .py file among them is collected
 * even where the walk would not find it; otherwise its stored tests would
 * look deleted. Paths that are not plain relative .py paths are ignored. */
int tmd_collect_project_also(tmd_collection *out, const char *root, const char *const *also,
                             size_t nalso);
void tmd_collection_free(tmd_collection *c);

enum { TMD_COLLECTED_NO = 0, TMD_COLLECTED_YES = 1, TMD_COLLECTED_MAYBE = 2 };
/* Whether pytest collects `nodeid`: YES (an exact item), MAYBE (covered by a
 * PREFIX item), NO (its file is not collected or does not define it). */
int tmd_collection_lookup(const tmd_collection *c, const char *nodeid);

/* Whether pytest collects the file `rel` (relative to the root). */
int tmd_collection_lists_file(const tmd_collection *c, const char *rel);

/* Rule 5: the collected IDs the database does not know, given the stored
 * test names (any order). A PREFIX item is reported (as the prefix) unless
 * the stored names provably cover every test it stands for: when its
 * `expect` IDs are exactly the stored IDs under it, or for a doctest module
 * holding stored doctests whose file is not among `changed` (files whose
 * bytes differ from the recording, sorted; NULL: every file may have
 * changed). Sorted; free each string and the array. */
int tmd_collection_new_tests(char ***out, size_t *out_count, const tmd_collection *c,
                             const char *const *stored, size_t nstored,
                             const char *const *changed, size_t nchanged);

/* tmd_collect_project_also started on a thread of its own (collect_async.c),
 * so the caller can read the database meanwhile: without a cache, a large
 * suite's collection is about a second of CPU that needs nothing from the
 * database. `root` and `also` are copied. tmd_collect_finish waits for it and
 * fills `out` as tmd_collect_project_also would (same result, same errors),
 * or, with out NULL, only waits and discards it; either way it frees the
 * job. Every started job must be finished exactly once. */
typedef struct tmd_collect_job tmd_collect_job;
/* Where the job keeps its cache of collections: `cache_dir`/collect (NULL:
 * $TMDIFF_COLLECT_CACHE if set, "" disabling it, else the default cache
 * folder, as tmd_collect_project_also); no_cache: neither read nor written. */
typedef struct tmd_collect_cache {
    const char *cache_dir;
    int no_cache;
} tmd_collect_cache;
int tmd_collect_start(tmd_collect_job **out, const char *root, const char *const *also,
                      size_t nalso, const tmd_collect_cache *cache /* NULL: the defaults */);
int tmd_collect_finish(tmd_collect_job *job, tmd_collection *out);

/* ---- incremental fingerprint cache (fpcache.c) --------------------------- */

/* Checksums of files already seen, keyed by the raw bytes' XXH3 and size,
 * the dialect, the flags and tmdiff's version. Safe against concurrent runs
 * and corrupt entries (which are dropped and recomputed); bounded in size. */
typedef struct tmd_fpcache tmd_fpcache;

/* Opens (creating) the cache in `dir` (NULL: $XDG_CACHE_HOME/tmdiff or
 * ~/.cache/tmdiff). Release with tmd_fpcache_close. */
int tmd_fpcache_open(tmd_fpcache **out, const char *dir);
void tmd_fpcache_close(tmd_fpcache *cache);

/* Fingerprints `src` (prepared from raw_len raw bytes) like
 * tmd_fingerprint_python (or tmd_fingerprint_whole_text when `whole_text`),
 * answering from the cache when it can and storing new results. `cache` may
 * be NULL (no caching). Never returns block texts (TMD_FP_WANT_TEXT is
 * refused). Release *out with tmd_fingerprint_free. */
int tmd_fpcache_fingerprint(tmd_fingerprint *out, tmd_fpcache *cache, const tmd_source *src,
                            size_t raw_len, const tmd_dialect *dialect, int flags,
                            int whole_text);

/* ---- sharding (shard.c) -------------------------------------------------- */

/* Parses "K/N" (1 <= K <= N <= 10000) into 1-based k and n. */
int tmd_shard_parse(size_t *out_k, size_t *out_n, const char *spec);

/* Each selected ID's expected duration: a stored test's own; a prefix or a
 * bare file path the sum over the stored tests it covers; anything else
 * (new tests) the mean of the stored durations. out has n entries. */
int tmd_shard_durations(double *out, const char *const *ids, size_t n,
                        const char *const *stored, const double *stored_durations,
                        size_t nstored);

/* Splits n IDs into `parts` parts, greedy longest-first into the lightest
 * part (equal durations: by ID; equal loads: the part with fewer IDs, then
 * the lower part). Deterministic; every ID lands in
 * exactly one part: out[i] is the 0-based part of ids[i]. */
int tmd_shard_assign(size_t *out, const char *const *ids, const double *durations,
                     size_t n, size_t parts);

/* ---- git ancestry (ancestry.c) ------------------------------------------ */

/* The commits a database could come from: `rev` and its ancestors through
 * every parent, in the order `git rev-list` prints them (newest committer
 * date first; equal dates in the order they were reached). */
typedef struct tmd_ancestry {
    size_t count;
    char (*commits)[41]; /* count 40-hex ids; commits[0] is rev itself */
    int shallow;         /* 1: a shallow clone's boundary cut the walk short */
    int depth_reached;   /* 1: more ancestors exist beyond the depth asked */
} tmd_ancestry;

/* Lists at most `depth` (>= 1) commits from `rev` (NULL: HEAD) in the
 * repository containing `path` (a work tree, a linked worktree, or a .git
 * folder). TMD_ENOTFOUND: no repository or no such revision. Release *out
 * with tmd_ancestry_free. */
int tmd_ancestry_list(tmd_ancestry *out, const char *path, const char *rev, size_t depth);
void tmd_ancestry_free(tmd_ancestry *a);

/* Sets *out to 1 when a tracked file differs from the checked-out commit
 * (in the index or the work tree; untracked and ignored files do not count),
 * 0 otherwise.
 * out_commit (41 bytes, may be NULL) receives rev's id, out_is_head whether
 * rev is the checked-out commit. */
int tmd_ancestry_worktree_dirty(int *out, char *out_commit, int *out_is_head,
                                const char *path, const char *rev);

/* ---- artifact store and local cache (store*.c, dbcache.c) ---------------- */

/* Layout of a store, a directory or an http(s):// URL prefix:
 *   <store>/<40-hex commit>.testmondata       a SQLite file, or
 *   <store>/<40-hex commit>.testmondata.zst   the same, one zstd frame.
 * Downloads land in <cache>/stores/<key>/<commit>.testmondata, where <cache>
 * is $XDG_CACHE_HOME/tmdiff (else ~/.cache/tmdiff) and <key> names the store
 * location without credentials. */

/* Download progress: done and total bytes (total 0 when unknown). */
typedef void (*tmd_progress_fn)(void *data, uint64_t done, uint64_t total);

typedef struct tmd_store_options {
    const char *rev;         /* where ancestry starts; NULL: HEAD */
    size_t depth;            /* commits to consider, default 50 */
    const char *cache_dir;   /* NULL: $XDG_CACHE_HOME/tmdiff or ~/.cache/tmdiff */
    double timeout;          /* seconds: connect, and the longest stall of a
                                transfer (and whole look-ups); default 30 */
    int retries;             /* extra attempts after a transient failure
                                (connection, timeout, 5xx, 429, cut body); 2 */
    int parallel;            /* concurrent look-ups (connections to the
                                store); default 100: both forms of 50
                                candidates in one round trip */
    size_t cache_entries;    /* databases kept in the cache; default 10 */
    uint64_t cache_bytes;    /* ... and their total size; default 2 GiB */
    double miss_ttl;         /* seconds a "not in the store" answer is
                                reused before asking again; default 300; 0:
                                always ask */
    int compress;            /* publish: store the .zst form */
    tmd_progress_fn progress; /* NULL: none */
    void *progress_data;
} tmd_store_options;

#define TMD_STORE_OPTIONS_INIT {NULL, 50, NULL, 30.0, 2, 100, 10, (uint64_t)2 << 30, 300.0, 0, NULL, NULL}

/* Fills unset fields from the environment: TMDIFF_STORE_TIMEOUT (seconds),
 * TMDIFF_STORE_RETRIES, TMDIFF_STORE_PARALLEL, TMDIFF_CACHE_ENTRIES,
 * TMDIFF_CACHE_MB, TMDIFF_STORE_MISS_TTL. TMD_EINVAL names a bad value. */
int tmd_store_options_from_env(tmd_store_options *opts);

typedef struct tmd_store_result {
    char commit[41];     /* the commit whose database was found */
    size_t distance;     /* its position in the ancestry: 0 = rev itself */
    size_t searched;     /* ancestors considered */
    int shallow;         /* the search stopped at a shallow clone's boundary */
    int from_cache;      /* 1: no download was needed */
    char *path;          /* the verified database in the local cache; free() */
} tmd_store_result;

/* Finds the nearest ancestor of opts->rev (in the repository containing
 * `repo_path`) whose database `store` holds, downloads it into the cache
 * unless it is there already, verifies it (SQLite, data version 13 or 14,
 * quick_check) and fills *out. The store is a directory or an http(s) URL;
 * TMDIFF_STORE_TOKEN (a bearer token) or ~/.netrc authenticate. Returns
 * TMD_ENOTFOUND when no ancestor within opts->depth has one (the message
 * says how far it looked), TMD_ENET for store failures (the message names
 * the URL without credentials and the HTTP status). Release *out with
 * tmd_store_result_free. */
int tmd_store_fetch_nearest(tmd_store_result *out, const char *store, const char *repo_path,
                            const tmd_store_options *opts);
void tmd_store_result_free(tmd_store_result *r);

/* Stores `db_path` under `commit` (40 hex): a private consistent copy is made
 * with sqlite3_backup (WAL content included, the user's file untouched),
 * verified, switched to rollback journal mode, optionally compressed, then
 * PUT (HTTP) or copied and renamed into place (directory). out_where (may be
 * NULL) receives the destination without credentials; free() it. */
int tmd_store_publish(char **out_where, const char *store, const char *commit,
                      const char *db_path, const tmd_store_options *opts);

/* Checks that `path` is a database tmdiff can use: a SQLite file whose
 * header and size agree, data version 13 or 14, PRAGMA quick_check "ok".
 * TMD_EFORMAT says what is wrong. */
int tmd_dbcache_verify(const char *path);

#ifdef __cplusplus
}
#endif
#endif
