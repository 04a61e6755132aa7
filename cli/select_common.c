/* select_common.c: parsing `[select options]` and running the selection they
 * describe, for `tmdiff select`, `tmdiff run` and `tmdiff explain`. */
#include "cli.h"
#include "select_common.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char select_options_help[] =
    "  --root DIR          pytest's rootdir (default: the current directory)\n"
    "  --db FILE           the database (default: $TESTMON_DATAFILE or ROOT/.testmondata)\n"
    "  --env NAME          the testmon environment (default: default)\n"
    "  --store URL|DIR     fetch the database recorded nearest to HEAD from a store\n"
    "  --python-exe PATH   the project's interpreter (environment check, tmdiff run)\n"
    "  --no-env-check      skip the environment check (Python version, packages)\n"
    "  --precise           drop testmon quirks that only ever select more (the\n"
    "                      dedent of locally modified files)\n"
    "  --format FMT        ids (default), json (with reasons), deselect (the stable\n"
    "                      tests, for pytest --deselect)\n"
    "  -0                  separate the output with NUL instead of newlines\n"
    "  --shard K/N         only part K of N, split by recorded durations\n"
    "  --no-cache          read and write no cache (fingerprints, blob ids, the\n"
    "                      collection, the dependency index in\n"
    "                      $XDG_CACHE_HOME/tmdiff): slower, same answer\n";

/* The value of an option given as "--opt VALUE" or "--opt=VALUE". */
static int option_value(const char **out, int argc, char **argv, int *i, const char *name)
{
    size_t n = strlen(name);
    if (strncmp(argv[*i], name, n))
        return 0;
    if (argv[*i][n] == '=') {
        *out = argv[*i] + n + 1;
        return 1;
    }
    if (argv[*i][n] != '\0')
        return 0;
    if (*i + 1 >= argc) {
        *out = NULL;
        return 1;
    }
    *out = argv[++*i];
    return 1;
}

static int parse_shard(select_options *o, const char *spec)
{
    char *end;
    long k = strtol(spec, &end, 10);
    if (end == spec || *end != '/')
        return -1;
    const char *ns = end + 1;
    long n = strtol(ns, &end, 10);
    if (end == ns || *end || n < 1 || n > 10000 || k < 1 || k > n)
        return -1;
    o->shard_k = (int)k;
    o->shard_n = (int)n;
    return 0;
}

int select_parse_options(select_options *out, int argc, char **argv, const char *cmd,
                         int positionals)
{
    memset(out, 0, sizeof *out);
    out->env = "default";
    out->rest = argc;
    for (int i = 1; i < argc; i++) {
        const char *v = NULL, *a = argv[i];
        if (!strcmp(a, "--")) {
            out->rest = i + 1;
            out->dashdash = 1;
            break;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            return -1;
        } else if (option_value(&v, argc, argv, &i, "--root")) {
            if (!(out->root = v))
                return cli_usage_error(cmd, "--root needs a directory");
        } else if (option_value(&v, argc, argv, &i, "--db")) {
            if (!(out->db = v))
                return cli_usage_error(cmd, "--db needs a file");
        } else if (option_value(&v, argc, argv, &i, "--env")) {
            if (!(out->env = v) || !*v)
                return cli_usage_error(cmd, "--env needs an environment name");
        } else if (option_value(&v, argc, argv, &i, "--store")) {
            if (!(out->store = v))
                return cli_usage_error(cmd, "--store needs a URL or directory");
        } else if (option_value(&v, argc, argv, &i, "--python-exe")) {
            if (!(out->python_exe = v))
                return cli_usage_error(cmd, "--python-exe needs an interpreter path");
        } else if (!strcmp(a, "--no-env-check")) {
            out->no_env_check = 1;
        } else if (!strcmp(a, "--precise")) {
            out->precise = 1;
        } else if (!strcmp(a, "--no-cache")) {
            out->no_cache = 1;
        } else if (!strcmp(a, "-0")) {
            out->nul = 1;
        } else if (option_value(&v, argc, argv, &i, "--format")) {
            if (v && !strcmp(v, "ids"))
                out->format = SELECT_FORMAT_IDS;
            else if (v && !strcmp(v, "json"))
                out->format = SELECT_FORMAT_JSON;
            else if (v && !strcmp(v, "deselect"))
                out->format = SELECT_FORMAT_DESELECT;
            else
                return cli_usage_error(cmd, "--format takes ids, json or deselect");
        } else if (option_value(&v, argc, argv, &i, "--shard")) {
            if (!v || parse_shard(out, v) != 0)
                return cli_usage_error(cmd, "--shard takes K/N with 1 <= K <= N, e.g. 2/4");
        } else if (a[0] == '-' && a[1] != '\0') {
            return cli_usage_error(cmd, "unknown option '%s'", a);
        } else if (positionals) {
            out->rest = i;
            break;
        } else {
            return cli_usage_error(cmd, "unexpected argument '%s'", a);
        }
    }
    return EXIT_OK;
}

int select_compute(tmd_selection **out, const select_options *opts)
{
    *out = NULL;
    tmd_select_options so = TMD_SELECT_OPTIONS_INIT;
    so.root = opts->root ? opts->root : ".";
    so.env_name = opts->env;
    so.env_check = !opts->no_env_check;
    so.python_exe = opts->python_exe;
    so.precise = opts->precise;
    so.no_cache = opts->no_cache;

    /* The database: --db, else $TESTMON_DATAFILE (relative to the root, as
     * testmon reads it from pytest's rootdir), else ROOT/.testmondata. */
    char *db_path = NULL;
    const char *env_file = getenv("TESTMON_DATAFILE");
    if (opts->db) {
        so.db_path = opts->db;
    } else if (env_file && *env_file) {
        if (env_file[0] == '/') {
            so.db_path = env_file;
        } else {
            size_t n = strlen(so.root) + strlen(env_file) + 2;
            if (!(db_path = malloc(n)))
                return cli_fail("select", "out of memory", NULL);
            snprintf(db_path, n, "%s/%s", so.root, env_file);
            so.db_path = db_path;
        }
    }

    /* --store (issue 4): the nearest ancestor's database, fetched into the
     * local cache (or found there), replaces --db. */
    tmd_store_result fetched = {0};
    if (opts->store) {
        tmd_store_options sto = TMD_STORE_OPTIONS_INIT;
        cli_progress bar;
        cli_progress_init(&bar, "downloading");
        sto.progress = cli_progress_update;
        sto.progress_data = &bar;
        int frc = tmd_store_options_from_env(&sto);
        if (frc == TMD_OK)
            frc = tmd_store_fetch_nearest(&fetched, opts->store, so.root, &sto);
        cli_progress_end(&bar);
        if (frc != TMD_OK) {
            free(db_path);
            return cli_fail_engine();
        }
        so.db_path = fetched.path;
    }

    int rc = tmd_select_run(out, &so);
    free(db_path);
    tmd_store_result_free(&fetched);
    if (rc != TMD_OK) {
        /* Engine messages end with their hint (for selection: run every test). */
        return cli_fail_engine();
    }
    return EXIT_OK;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Keeps the IDs of --shard part K (tmd_shard_*: by recorded durations). */
static int shard_filter(const char **ids, size_t *n, const tmd_selection *sel,
                        const select_options *opts)
{
    size_t count = *n;
    const char **stored = malloc((sel->ntests + 1) * sizeof *stored);
    double *stored_d = malloc((sel->ntests + 1) * sizeof *stored_d);
    double *dur = malloc((count + 1) * sizeof *dur);
    size_t *part = malloc((count + 1) * sizeof *part), nstored = 0;
    int rc = EXIT_OK;
    if (!stored || !stored_d || !dur || !part) {
        rc = cli_fail("--shard", "out of memory", NULL);
        goto done;
    }
    for (size_t i = 0; i < sel->ntests; i++)
        if (sel->tests[i].known) {
            stored[nstored] = sel->tests[i].node_id;
            stored_d[nstored++] = sel->tests[i].duration;
        }
    if (tmd_shard_durations(dur, ids, count, stored, stored_d, nstored) != TMD_OK ||
        tmd_shard_assign(part, ids, dur, count, (size_t)opts->shard_n) != TMD_OK) {
        rc = cli_fail_engine();
        goto done;
    }
    size_t w = 0;
    for (size_t i = 0; i < count; i++)
        if (part[i] == (size_t)(opts->shard_k - 1))
            ids[w++] = ids[i];
    *n = w;
done:
    free(stored), free(stored_d), free(dur), free(part);
    return rc;
}

/* Whether `ids` (sorted) holds exactly the first `len` bytes of `id`. */
static int holds(const char *const *ids, size_t n, const char *id, size_t len)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = strncmp(ids[mid], id, len);
        if (!cmp && ids[mid][len])
            cmp = 1;
        if (!cmp)
            return 1;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

int select_id_covered(const char *const *ids, size_t n, const char *id)
{
    for (size_t j = strlen(id); j-- > 0;) {
        int cut = (id[j] == ':' && j > 0 && id[j - 1] == ':') || id[j] == '[';
        if (cut && holds(ids, n, id, id[j] == ':' ? j - 1 : j))
            return 1;
    }
    return 0;
}

/* Drops from `ids` (sorted, distinct) every ID a bare file or prefix among
 * them stands for, in one pass: the IDs between a string and one it is a
 * prefix of all start with it, so the candidates form a stack. */
static int drop_covered(const char **ids, size_t *n)
{
    size_t *stack = malloc((*n ? *n : 1) * sizeof *stack), depth = 0, w = 0;
    if (!stack)
        return -1;
    for (size_t i = 0; i < *n; i++) {
        const char *id = ids[i];
        while (depth && strncmp(ids[stack[depth - 1]], id, strlen(ids[stack[depth - 1]])))
            depth--;
        int covered = 0;
        for (size_t k = 0; k < depth && !covered; k++) {
            const char *rest = id + strlen(ids[stack[k]]);
            covered = rest[0] == '[' || (rest[0] == ':' && rest[1] == ':');
        }
        if (!covered) {
            stack[depth++] = w;
            ids[w++] = id;
        }
    }
    free(stack);
    *n = w;
    return 0;
}

int select_node_ids(const char ***out, size_t *n, const tmd_selection *sel,
                    const select_options *opts)
{
    *out = NULL;
    *n = 0;
    const char **ids = malloc((sel->ntests ? sel->ntests : 1) * sizeof *ids);
    if (!ids)
        return cli_fail("select", "out of memory", NULL);
    size_t count = 0;
    for (size_t i = 0; i < sel->ntests; i++)
        if (sel->tests[i].why && sel->tests[i].exists)
            ids[count++] = sel->tests[i].node_id;
    size_t sorted = 1; /* the engine's verdicts mostly come in name order */
    while (sorted < count && strcmp(ids[sorted - 1], ids[sorted]) <= 0)
        sorted++;
    if (sorted < count)
        qsort(ids, count, sizeof *ids, cmp_str);
    size_t w = 0;
    for (size_t i = 0; i < count; i++)
        if (!w || strcmp(ids[w - 1], ids[i]))
            ids[w++] = ids[i];
    if (drop_covered(ids, &w) != 0) {
        free(ids);
        return cli_fail("select", "out of memory", NULL);
    }
    if (opts && opts->shard_n > 0) {
        int rc = shard_filter(ids, &w, sel, opts);
        if (rc != EXIT_OK) {
            free(ids);
            return rc;
        }
    }
    *out = ids;
    *n = w;
    return EXIT_OK;
}
