/* cmd_explain.c: `tmdiff explain NODEID...`, why a test is or is not selected. */
#include "cli.h"
#include "select_common.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: tmdiff explain [select options] NODEID...\n"
    "\n"
    "Says, for each node ID (or bare file path / prefix, meaning every test it\n"
    "names), whether `tmdiff select` with the same options selects it and why:\n"
    "which changed file and which recorded block checksums are gone, failed last\n"
    "time, new, or the environment changed. Takes the options of `tmdiff select`.\n"
    "\n"
    "Exit status: 0 success, 1 the selection could not be decided, 2 usage error.\n";

/* `id` names test `node`: equal, or a prefix followed by "::" or "[". */
static int names(const char *id, const char *node)
{
    size_t n = strlen(id);
    if (strncmp(id, node, n))
        return 0;
    return node[n] == '\0' || node[n] == '[' || (node[n] == ':' && node[n + 1] == ':');
}

static void explain_one(const tmd_selection *sel, const tmd_test_verdict *v)
{
    const char *status = !v->exists ? "not selected (no longer collected)"
                         : v->why   ? "selected"
                                    : "not selected";
    printf("%s: %s\n", v->node_id, status);
    if (v->why & TMD_WHY_ENV)
        printf("  %s\n", sel->reason);
    if (v->why & TMD_WHY_FAILED)
        printf("  failed when it was recorded (testmon reruns failing tests)\n");
    if (v->why & TMD_WHY_NEW)
        printf("  new: pytest collects it and the database does not know it\n");
    for (size_t j = 0; j < v->nchanges; j++) {
        const tmd_dep_change *dc = &v->changes[j];
        const tmd_changed_file *f = &sel->files[dc->file];
        switch (f->state) {
        case TMD_FILE_MISSING:
            printf("  depends on %s, which is missing (%s)\n", f->filename, f->reason);
            break;
        case TMD_FILE_NO_PARSE:
            printf("  depends on %s, which Python cannot parse now\n", f->filename);
            break;
        case TMD_FILE_INEXACT:
            printf("  depends on %s, which tmdiff cannot checksum exactly (%s)\n", f->filename,
                   f->reason);
            break;
        default:
            printf("  depends on %s: %zu of the recorded block checksums are gone:",
                   f->filename, dc->nmissing);
            for (size_t k = 0; k < dc->nmissing; k++)
                printf(" %d", (int)dc->missing[k]);
            printf("%s\n", f->dedented ? " (file locally modified: testmon dedents it)" : "");
            break;
        }
    }
    if (!v->why && v->exists)
        printf("  every recorded dependency is unchanged (%zu file%s changed in the project)\n",
               sel->nfiles, sel->nfiles == 1 ? "" : "s");
}

int cmd_explain(int argc, char **argv)
{
    select_options opts;
    int rc = select_parse_options(&opts, argc, argv, "explain", 1);
    if (rc < 0) {
        fputs(help, stdout);
        return EXIT_OK;
    }
    if (rc != EXIT_OK)
        return rc;
    if (opts.rest >= argc)
        return cli_usage_error("explain", "name at least one node ID");
    for (int i = opts.rest; i < argc; i++)
        if (argv[i][0] == '-' && argv[i][1] && !(opts.dashdash && i >= opts.rest))
            return cli_usage_error("explain", "options go before the node IDs ('%s')", argv[i]);

    tmd_selection *sel = NULL;
    if ((rc = select_compute(&sel, &opts)) != EXIT_OK)
        return rc;
    for (int i = opts.rest; i < argc; i++) {
        size_t found = 0;
        /* The argument names the test, or a new test is only known by a
         * prefix (a bare file, parametrized IDs) that covers the argument. */
        for (size_t t = 0; t < sel->ntests; t++)
            if (names(argv[i], sel->tests[t].node_id) ||
                (!sel->tests[t].known && names(sel->tests[t].node_id, argv[i]))) {
                explain_one(sel, &sel->tests[t]);
                found++;
            }
        if (!found)
            printf("%s: not selected (neither in the database nor collected now)\n", argv[i]);
    }
    tmd_selection_free(sel);
    return EXIT_OK;
}
