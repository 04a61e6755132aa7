/* collect_internal.h: the pieces of static pytest collection (internal):
 * pytest_config.c reads the ini options, collect.c walks the tree,
 * collect_module.c lists one test module's node IDs, collect_params.c turns
 * parametrize arguments into pytest's IDs. */
#ifndef TMD_COLLECT_INTERNAL_H
#define TMD_COLLECT_INTERNAL_H

#include "buf.h"
#include "tmdiff.h"

#include <stddef.h>
#include <tree_sitter/api.h>

/* A list of owned strings. */
typedef struct strvec {
    char **v;
    size_t n, cap;
} strvec;

int strvec_push(strvec *s, const char *str);          /* copies str */
int strvec_push_n(strvec *s, const char *str, size_t n);
int strvec_adopt(strvec *s, char *str);               /* takes a malloc'ed str */
int strvec_contains(const strvec *s, const char *str);
int strvec_contains_n(const strvec *s, const char *str, size_t n); /* str[0, n) */
int strvec_push_pair(strvec *s, const char *a, size_t al, const char *b, size_t bl); /* "a\0b" */
int strvec_remove(strvec *s, const char *str); /* 1: found (order not kept) */
int sorted_contains(const char *const *v, size_t n, const char *str); /* v in strcmp order */
void strvec_free(strvec *s);

/* ---- pytest_config.c ---------------------------------------------------- */

/* The ini options that decide what pytest collects. */
typedef struct pytest_config {
    char *inifile;           /* "pytest.ini", "pyproject.toml", ... or NULL */
    strvec python_files;     /* default: test_*.py *_test.py */
    strvec python_classes;   /* default: Test */
    strvec python_functions; /* default: test */
    strvec testpaths;        /* default: none (the root) */
    strvec norecursedirs;    /* default: pytest's list */
    strvec ignore;           /* --ignore PATH from addopts, relative to root */
    strvec ignore_glob;      /* --ignore-glob PATTERN from addopts */
    strvec deselect;         /* --deselect NODEID from addopts */
    strvec args;             /* positional paths in addopts (replace testpaths) */
    strvec plugins;          /* -p MODULE from addopts (not -p no:...) */
    int doctest_modules;     /* --doctest-modules: every .py file's doctests */
    int no_doctest;          /* -p no:doctest: no doctests at all */
    int collect_in_virtualenv; /* --collect-in-virtualenv: venvs walked too */
    int noconftest;          /* --noconftest: no conftest.py is loaded */
    char *confcutdir;        /* --confcutdir, relative to the root (NULL: none
                                inside it): conftests above it are not loaded */
    strvec doctest_glob;     /* --doctest-glob PATTERN (none: test*.txt) */
    strvec usefixtures;      /* fixtures every test uses (ini usefixtures) */
    int raw_ids;             /* disable_test_id_escaping_and_forfeit_all_rights... */
    const char *inexact;     /* static: an option tmdiff cannot follow, or NULL */
} pytest_config;

/* Reads the first of pytest.ini, .pytest.ini, pyproject.toml
 * ([tool.pytest.ini_options]), tox.ini ([pytest]), setup.cfg ([tool:pytest])
 * in `root` that configures pytest. A missing config is the defaults.
 * Release with pytest_config_free. */
int pytest_config_load(pytest_config *out, const char *root);
void pytest_config_free(pytest_config *cfg);

/* pytest's fnmatch_ex: a pattern without '/' matches the basename, one with
 * '/' the whole path (relative patterns anywhere at its end). */
int pytest_fnmatch_ex(const char *pattern, const char *path);
/* python_classes / python_functions: a prefix, or a glob if it has * ? [ */
int pytest_name_matches(const strvec *patterns, const char *name, size_t len);

/* Splits a string like shlex.split (POSIX mode). 0, or TMD_EFORMAT for an
 * unterminated quote. */
int pytest_shlex_split(strvec *out, const char *s);

/* ---- collect_params.c ----------------------------------------------------- */

/* The result of one parametrization set. */
typedef enum param_status {
    PARAM_EXACT = 0,    /* ids holds exactly pytest's IDs */
    PARAM_ASSUMED = 1,  /* ids holds pytest's IDs if every value built by a
                           call of a Capitalised name is a plain object */
    PARAM_UNKNOWN = 2,  /* the IDs cannot be known statically */
} param_status;

/* Where parametrize arguments are read from. */
typedef struct param_ctx {
    const char *src;
    /* The value node a module-level constant stands for (bound once, never
     * mutated), or a null node; NULL: no names are resolved. */
    TSNode (*resolve)(const void *data, TSNode identifier);
    const void *data;
} param_ctx;

/* pytest's IDs for one @pytest.mark.parametrize(...) call (its
 * argument_list node). Worst status wins; on UNKNOWN `ids` is empty. */
param_status param_ids_of_call(strvec *ids, TSNode arguments, const param_ctx *pc, int raw_ids);

/* The names a @pytest.mark.parametrize(...) call parametrizes, into the
 * empty `names`; *indirect 1 for indirect=True, 0 without it or for False.
 * 0, or -1 when either cannot be read (indirect= a list or a value). */
int param_mark_names(strvec *names, int *indirect, TSNode arguments, const param_ctx *pc);

/* pytest's IDs for a fixture's params= (`params_node`) and ids= (`ids_node`,
 * may be null): those of parametrize(name, params, ids=ids), escaped. */
param_status param_ids_of_fixture(strvec *ids, const char *name, TSNode params_node, TSNode ids_node,
                                  const param_ctx *pc);

/* Combines stacked parametrizations: every id of `acc` joined with "-" to
 * every id of `next` (acc's ids first). */
int param_ids_combine(strvec *acc, const strvec *next);

/* pytest's ascii_escaped() of a UTF-8 str value / of a bytes value. */
void param_escape_str(tmd_buf *out, const char *utf8, size_t len);
void param_escape_bytes(tmd_buf *out, const unsigned char *bytes, size_t len);
/* Python's repr() of a double (shortest round trip), as str(float) prints. */
void param_float_repr(tmd_buf *out, double v);

/* Whether `n` is a str literal (implicit concatenation included, no
 * f-string): its value, UTF-8, appended to `out`. */
int collect_str_literal(tmd_buf *out, TSNode n, const char *src);

/* ---- collect_ignore.c ------------------------------------------------------- */

/* What a conftest.py makes of collect_ignore or collect_ignore_glob. */
typedef enum conftest_list_kind {
    CONFTEST_LIST_NONE = 0,    /* never named: an outer conftest's list applies */
    CONFTEST_LIST_STATIC = 1,  /* bound once, at the top level, to a list or
                                  tuple of str literals */
    CONFTEST_LIST_DYNAMIC = 2, /* anything else: tmdiff cannot follow it */
    CONFTEST_LIST_GLOBS = 3,   /* pytest_plugins computed from glob patterns
                                  (conftest_plugin_globs) */
} conftest_list_kind;

/* The kind of the conftest's list `name` (its parse tree `root`); the values
 * of a STATIC one are appended to `values`. `comma_str`: a str literal is
 * STATIC too, split at commas (as pytest reads pytest_plugins). Negative:
 * TMD_ENOMEM. */
int conftest_list(strvec *values, const char *src, TSNode root, const char *name, int comma_str);

/* conftest_list of both names for a conftest's text (parsed only when the
 * text names either); values of a STATIC list go to `paths` / `globs`. */
int conftest_ignore_lists(const char *src, size_t len, conftest_list_kind *paths_kind, strvec *paths,
                          conftest_list_kind *globs_kind, strvec *globs);

/* ---- collect_ignore_bounded.c ----------------------------------------------- */

/* Whether the conftest (its text and tree) builds its list `name` at import
 * time from str literals alone, under any conditions: 1 with every literal
 * it may hold appended to `values`; 0 if not; TMD_ENOMEM. */
int conftest_list_bounded(strvec *values, const char *src, size_t len, TSNode root, const char *name);

/* The root-relative path into `out` that a collect_ignore value names from
 * the conftest's folder `dir` ("" at the root); for a collect_ignore_glob
 * pattern (`glob`), the folder holding every path it can match. 0 where no
 * such path exists under the root (an absolute value, one leaving it). */
int ignore_value_scope(tmd_buf *out, const char *dir, const char *value, int glob);

/* conftest_list of pytest_plugins for a module's text (module names go to
 * `names`), or GLOBS with the folders in `glob_dirs` (the module's own
 * folder is `dir`). Negative: TMD_ENOMEM. */
int conftest_plugins(strvec *names, strvec *glob_dirs, const char *src, size_t len, const char *dir);

/* ---- collect_plugin_globs.c ------------------------------------------------- */

/* Whether the module's statements naming pytest_plugins compute it from
 * glob patterns alone (pure string and path calls, functions of the module
 * doing the same, names of their own): 1 with the patterns' fixed folders,
 * relative to the root (pytest runs there; `Path(__file__).parent` is
 * `conftest_dir`), appended to `dirs`, and their str literals that may be
 * module names to `names`; 0 when not; TMD_ENOMEM. */
int conftest_plugin_globs(strvec *dirs, strvec *names, const char *src, TSNode root, const char *conftest_dir);

/* ---- collect_imports.c ------------------------------------------------------ */

/* What a module may bind: names after `def` or assigned, and per name of each
 * `from M import ...`: M as written ("..pkg.mod"), the name imported and
 * the name bound ("*" for both: a star import). An alias of an imported
 * object (`fx = helpers.auto_fx` after `from tests import helpers`) reads as
 * its import (`from tests.helpers import auto_fx as fx`). Read from the
 * text: a superset (strings, methods), never less. */
typedef struct module_names {
    strvec defs;
    strvec specs, origs, binds;
} module_names;

/* Appends what `src` may bind. 0 or TMD_ENOMEM. */
int module_names_read(module_names *out, const char *src, size_t len);
void module_names_free(module_names *m);

/* Whether the pytest_ignore_collect definition `def` can only ignore: its
 * every `return` gives True, None or nothing, and it yields nothing (a
 * hook wrapper). A `return False` (or any other value) makes pytest collect
 * what it would otherwise skip: collect_ignore'd paths, virtualenvs. */
int ignore_hook_only_ignores(TSNode def);

/* Whether a conftest's text may define a pytest_ignore_collect that
 * returns False somewhere (anything but top-level definitions that only
 * ignore): pytest then collects, in its folder, what collect_ignore,
 * --ignore and the virtualenv check would skip. */
int conftest_ignore_hook_forces(const char *src, size_t len);

/* Whether one of the folders `dirs` ("" = the root) holds `relpath`. */
int scope_listed(const strvec *dirs, const char *relpath);

/* ---- collect_generate.c ----------------------------------------------------- */

/* Whether the pytest_generate_tests definition `def` (a function_definition)
 * acts only under conditions like `if "x" in metafunc.fixturenames:`, so it
 * can parametrize only tests whose fixtures include a name it tests for;
 * those names are appended to `names` (may be NULL). 1 yes, 0 no,
 * TMD_ENOMEM. */
int generate_hook_guards(strvec *names, const char *src, TSNode def);

/* ---- collect_module.c ------------------------------------------------------- */

/* Facts from conftest.py files and test modules that change test IDs. */
typedef struct collect_facts {
    strvec param_fixtures;   /* fixtures whose value is parametrized (params=,
                                or requesting such a fixture): by name */
    strvec fixture_edges;    /* "name\0dep" pairs, resolved into param_fixtures */
    strvec autouse;          /* autouse fixtures: "scope-dir\0name" */
    strvec generate_dirs;    /* folders ("" = root) whose conftest defines
                                pytest_generate_tests (not guarded) */
    strvec fixture_ids;      /* per fixture definition, a record of
                                collect_fixtures.c: where it is seen, its
                                scope, what it requests, its params' IDs */
    strvec generated;        /* names guarded hooks test for (also in
                                param_fixtures): a test requesting one is a
                                prefix even where it parametrizes it itself */
    strvec uncertain_dirs;   /* folders whose conftest changes collection
                                (collect_ignore, pytest_collect_file, ...) */
    int make_id_hook;        /* a conftest defines pytest_make_parametrize_id */
    /* from the walk (collect.c), applied by collect_facts_finish: */
    strvec exports;          /* "file\0name\0dir\0bound": the fixture `name`
                                of the helper module `file` ("*": all) is
                                bound as `bound` ("*": its own name) in the
                                conftest namespace of folder `dir` */
    strvec helpers;          /* helper modules read only for those */
} collect_facts;

#define FIXTURE_NO_PARAMS "\x02"
#define FIXTURE_PARAMS_UNREAD "\x01"

void collect_facts_free(collect_facts *f);

/* Adds the fixtures and hooks of one conftest.py (is_conftest 1: its folder
 * is the scope), plugin module named by pytest_plugins (2: everywhere),
 * test module (0: itself) or helper module a conftest imports fixtures
 * from (3: fixtures only, seen through the importer); `relpath` is
 * relative to the root. */
int collect_scan_fixtures(collect_facts *facts, const char *relpath, const char *src, size_t len,
                          int is_conftest);
/* Closes param_fixtures over fixture_edges. */
int collect_facts_finish(collect_facts *facts);

/* ---- collect_fixtures.c ----------------------------------------------------- */

/* A fixture's scope= ("function", ... "session") as a record's letter; '?'
 * for anything else. */
char fixture_scope_letter(const char *scope, size_t len);

/* Whether fixtures defined for dir[0, len) (a conftest's folder, "" the
 * root, or a module) reach the test module `relpath`. */
int collect_sees(const char *dir, size_t len, const char *relpath);

/* Appends one definition record to `defs` (collect_facts.fixture_ids): the
 * fixture `name`, seen from `dir`, defined in `file`, its scope letter, the names it requests
 * and either `params` (FIXTURE_NO_PARAMS / _PARAMS_UNREAD) or, when that is
 * NULL, the IDs its params= give. */
int fixture_record_add(strvec *defs, const char *name, size_t nl, const char *dir, size_t dl, const char *file,
                       char scope, const strvec *args, const char *params, const strvec *ids);

/* ---- collect_plugins.c ------------------------------------------------------ */

/* The `file` of a record for an installed plugin's fixture: seen
 * everywhere, and overridden by any definition in the project. */
#define COLLECT_INSTALLED_FILE "<installed plugin>"

/* Adds the fixtures of installed plugins tmdiff models (anyio's). 0 or
 * TMD_ENOMEM. */
int collect_installed_fixtures(collect_facts *f);

/* Whether the test function `fn` is one anyio's plugin makes request
 * anyio_backend: a coroutine `marked` anyio (by a decorator, its classes'
 * or its module's pytestmark). */
int collect_anyio_requests_backend(int marked, TSNode fn);

/* Gives each conftest the fixtures it imports from helper modules
 * (collect_facts.exports). 0 or TMD_ENOMEM. */
int fixture_apply_exports(collect_facts *f);

/* The IDs the fixtures of the module `relpath`'s test with arguments `args`
 * give it, combined in pytest's order (empty: none). `marked`: the names of
 * its parametrize marks, `direct`: those of marks without indirect=True.
 * 1, 0 when pytest's answer cannot be known (an override, a params= or
 * scope= not read, a name a pytest_generate_tests hook tests for),
 * TMD_ENOMEM. */
int fixture_param_ids(strvec *out, const collect_facts *f, const char *relpath, const strvec *args,
                      const strvec *marked, const strvec *direct);

/* An item list under construction. */
typedef struct item_list {
    tmd_collected *v;
    size_t n, cap;
} item_list;

int item_list_add(item_list *l, const char *nodeid, size_t len, tmd_collect_kind kind,
                  const char *why, const strvec *expect);
void item_list_free(item_list *l);
/* The collection's order: by node ID, a PREFIX before an exact item. */
int collect_item_cmp(const void *a, const void *b);

/* Lists the node IDs of one test module (`relpath` relative to the root). */
int collect_module(item_list *out, const char *relpath, const char *src, size_t len,
                   const pytest_config *cfg, const collect_facts *facts);

/* ---- collect_runtime.c ------------------------------------------------------ */

/* Whether `word` occurs in t[0, len) not continuing a longer name before it
 * (and, when `whole`, after it). */
int text_has_word(const char *t, size_t len, const char *word, size_t wl, int whole);
/* How many times `word` occurs in t[0, len) as a whole name. */
size_t text_word_count(const char *t, size_t len, const char *word, size_t wl);
/* Whether `n` is `if __name__ == "__main__":` (its block never runs on import). */
int is_main_guard(const char *src, TSNode n);

/* Whether code text calls what can bind module or class names at runtime:
 * globals(), locals(), vars(, setattr(, exec(, a __dict__ not only read. */
int runtime_binding_text(const char *t, size_t len);
/* Whether the module's import-time code (all but function bodies) uses a
 * function of the module that binds names at runtime (runtime_binding_text
 * or sys.modules in its body, or a use of such a function), hands
 * __name__ to a call, or calls pytest-bdd's scenarios(): 1 yes, 0 no,
 * TMD_ENOMEM. */
int module_binds_through_calls(const char *src, size_t len, TSNode root);

/* A 128-bit digest (collect_cache.c). */
typedef struct collect_key {
    unsigned char bytes[16];
} collect_key;

/* Reads a Python source file as UTF-8 text for tree-sitter (BOM dropped).
 * NULL when it cannot be read or declares another encoding (*why says).
 * `digest` (if not NULL) gets collect_digest_bytes of the bytes read. */
char *collect_read_source(const char *path, size_t *len, const char **why, collect_key *digest);

/* ---- collect_parse.c -------------------------------------------------------- */

struct collect_files_cache;

/* Where collect_parse_all may reuse earlier results (collect_cache.h). */
typedef struct collect_reuse {
    struct collect_files_cache *files; /* NULL: parse everything */
    const char *dir;                   /* the cache folder: saved there */
    const collect_key *digest;         /* per unit, as the key saw the files */
    int changed;                       /* out: a file's bytes differed from
                                          its digest (it changed meanwhile):
                                          save nothing of this collection */
} collect_reuse;

/* Reads the conftests and test files (relative to `rootabs`), adds their
 * fixtures and hooks to `facts` (finished), then appends every file's items
 * to `items` in the order of `files`: the same as one thread doing so in
 * order, done on every core. `doctest_only` (sorted): the Python files among
 * them collected only for their doctests (--doctest-modules). *conftest_unreadable: a conftest could not be
 * read. `reuse` may be NULL. */
int collect_parse_all(item_list *items, collect_facts *facts, int *conftest_unreadable,
                      const char *rootabs, const strvec *conftests, const strvec *files,
                      const strvec *doctest_only, const pytest_config *cfg, collect_reuse *reuse);
/* How many files collections of this process have parsed (for tests). */
size_t collect_parse_count(void);

/* ---- collect.c -------------------------------------------------------------- */

/* tmd_collect_project_also with the collection cache in folder `cache`
 * (collect_cache_dir; NULL: no cache). */
int collect_project_cached(tmd_collection *out, const char *root, const char *const *also,
                           size_t nalso, const char *cache);

#endif
