/* select_common.h: the options of `tmdiff select` and a selection computed
 * from them, shared by cmd_select.c, cmd_explain.c and cmd_run.c. */
#ifndef TMDIFF_SELECT_COMMON_H
#define TMDIFF_SELECT_COMMON_H

#include "tmdiff.h"

typedef enum select_format {
    SELECT_FORMAT_IDS = 0, /* node IDs, one per line, sorted */
    SELECT_FORMAT_JSON,    /* selection with reasons and a summary */
    SELECT_FORMAT_DESELECT /* the stable tests, for pytest --deselect */
} select_format;

/* Parsed `[select options]` (../shared/docs/design.md, "Command line").
 * Strings point into argv or are static; nothing to free. */
typedef struct select_options {
    const char *root;       /* --root DIR (default: the current directory) */
    const char *db;         /* --db FILE (default: $TESTMON_DATAFILE or ROOT/.testmondata) */
    const char *env;        /* --env NAME (default "default") */
    const char *store;      /* --store URL|DIR (issue 4: tmd_store_fetch_nearest) */
    const char *python_exe; /* --python-exe PATH */
    int no_env_check;       /* --no-env-check */
    int precise;            /* --precise */
    select_format format;   /* --format ids|json|deselect */
    int nul;                /* -0: NUL-separated output */
    int shard_k, shard_n;   /* --shard K/N (1-based K); 0/0 when absent */
    int rest;               /* index in argv of the first argument not parsed:
                               the first positional one, or the one after "--";
                               argc when none */
    int dashdash;           /* 1: parsing stopped at "--" */
    int no_cache;           /* --no-cache: no fingerprint cache */
} select_options;

/* Parses argv[1..] of subcommand `cmd` ("select", "run", "explain").
 * Positional arguments are allowed only when `positionals` is non-zero
 * (explain's NODEIDs); parsing stops at the first one or at "--".
 * Returns EXIT_OK, or EXIT_USAGE after printing the usage error; -1 after
 * printing help for --help (the caller then exits 0). */
int select_parse_options(select_options *out, int argc, char **argv, const char *cmd,
                         int positionals);

/* Help text for the select options (for the subcommands' --help). */
extern const char select_options_help[];

/* Runs the selection the options describe (fetching the database from
 * --store first when given). Returns EXIT_OK and *out (tmd_selection_free
 * it), or EXIT_UNDECIDED after printing the one-line error. */
int select_compute(tmd_selection **out, const select_options *opts);

/* Node IDs to hand to pytest: the selected tests that exist (when
 * sel->everything that is every known test still collected plus the new
 * ones), sorted, without duplicates or IDs a bare file or prefix among them
 * stands for (pytest would run those twice), restricted to opts' --shard
 * part if given. *out is an array of pointers into `sel` (free() the array
 * only). Returns EXIT_OK or EXIT_UNDECIDED after printing why. */
int select_node_ids(const char ***out, size_t *n, const tmd_selection *sel,
                    const select_options *opts);
/* Whether a bare file or prefix among `ids` (sorted) stands for `id`. */
int select_id_covered(const char *const *ids, size_t n, const char *id);

#endif
