/* cmd_publish.c: `tmdiff publish`, a recorded .testmondata into the store
 * under the commit it was recorded on. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: tmdiff publish [--store URL|DIR] [--rev REV] [--root DIR] [--zstd] [--force] [FILE]\n"
    "\n"
    "Stores FILE (default ROOT/$TESTMON_DATAFILE or ROOT/.testmondata) as\n"
    "<store>/<commit>.testmondata (or .testmondata.zst with --zstd), where commit\n"
    "is REV (default HEAD). What is stored is a consistent private copy (WAL\n"
    "content included; FILE itself is only read), verified first. HTTP stores get\n"
    "a PUT, directories an atomic copy-and-rename.\n"
    "\n"
    "  --store URL|DIR  http(s):// prefix or directory (default $TMDIFF_STORE)\n"
    "  --rev REV        the commit the data belongs to (default HEAD)\n"
    "  --root DIR       the pytest rootdir inside the git checkout (default .)\n"
    "  --zstd           store the zstd-compressed form\n"
    "  --force          publish although tracked files differ from the commit,\n"
    "                   or REV is not the checked-out commit\n"
    "\n"
    "Environment: TMDIFF_STORE_TOKEN (bearer token; else ~/.netrc),\n"
    "TMDIFF_STORE_TIMEOUT, TMDIFF_STORE_RETRIES (see tmdiff fetch --help).\n"
    "\n"
    "Exit status: 0 stored, 1 refused or failed, 2 usage.\n";

int cmd_publish(int argc, char **argv)
{
    tmd_store_options opts = TMD_STORE_OPTIONS_INIT;
    const char *store = getenv("TMDIFF_STORE"), *root = ".", *rev = NULL, *file = NULL;
    int force = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--force")) {
            force = 1;
        } else if (!strcmp(a, "--zstd")) {
            opts.compress = 1;
        } else if (!strcmp(a, "--store") || !strcmp(a, "--rev") || !strcmp(a, "--root")) {
            if (++i == argc)
                return cli_usage_error("publish", "%s needs a value", a);
            if (!strcmp(a, "--store"))
                store = argv[i];
            else if (!strcmp(a, "--rev"))
                rev = argv[i];
            else
                root = argv[i];
        } else if (a[0] == '-' && a[1]) {
            return cli_usage_error("publish", "unknown option '%s'", a);
        } else if (file) {
            return cli_usage_error("publish", "one FILE at most");
        } else {
            file = a;
        }
    }
    if (!store || !*store)
        return cli_usage_error("publish", "no store: pass --store URL|DIR or set TMDIFF_STORE");
    if (tmd_store_options_from_env(&opts) != TMD_OK)
        return cli_usage_error("publish", "%s", tmd_error_message());

    char path[4096];
    if (!file) {
        const char *name = getenv("TESTMON_DATAFILE");
        if (name && name[0] == '/')
            snprintf(path, sizeof path, "%s", name);
        else
            snprintf(path, sizeof path, "%s/%s", root, name && *name ? name : ".testmondata");
        file = path;
    }

    int dirty = 0, is_head = 0;
    char commit[41];
    if (tmd_ancestry_worktree_dirty(&dirty, commit, &is_head, root, rev) != TMD_OK)
        return cli_fail_engine();
    if (dirty && !force)
        return cli_fail("publish", "tracked files differ from the commit, so the data would not "
                        "match it", "commit your changes, or pass --force");
    if (!is_head && !force)
        return cli_fail("publish", "--rev is not the checked-out commit the data was recorded on",
                        "check out that commit, or pass --force");

    char *where = NULL;
    if (tmd_store_publish(&where, store, commit, file, &opts) != TMD_OK)
        return cli_fail_engine();
    printf("published %s\n%s\n", commit, where ? where : "");
    free(where);
    return EXIT_OK;
}
