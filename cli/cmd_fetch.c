/* cmd_fetch.c: `tmdiff fetch`, the nearest ancestor's database into the
 * local cache. */
#include "cli.h"
#include "progress.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: tmdiff fetch [--store URL|DIR] [--rev REV] [--depth N] [--root DIR] [--refresh]\n"
    "\n"
    "Finds the nearest ancestor of REV (default HEAD; every parent is followed,\n"
    "in `git rev-list` order) whose .testmondata the store holds, downloads it\n"
    "into the local cache unless it is there, verifies it, and prints:\n"
    "\n"
    "  commit: <40-hex id>\n"
    "  commits back: <N>        (0: REV itself)\n"
    "  database: <path in the cache>\n"
    "\n"
    "  --store URL|DIR  http(s):// prefix or directory (default $TMDIFF_STORE);\n"
    "                   it holds <commit>.testmondata or <commit>.testmondata.zst\n"
    "  --rev REV        where to start (default HEAD)\n"
    "  --depth N        commits to consider (default 50)\n"
    "  --root DIR       a folder inside the git checkout (default .)\n"
    "  --refresh        ask the store again about commits it recently lacked\n"
    "\n"
    "Environment: TMDIFF_STORE_TOKEN (bearer token; else ~/.netrc),\n"
    "TMDIFF_STORE_TIMEOUT (seconds, 30), TMDIFF_STORE_RETRIES (2),\n"
    "TMDIFF_STORE_PARALLEL (100), TMDIFF_CACHE_ENTRIES (10), TMDIFF_CACHE_MB (2048),\n"
    "TMDIFF_STORE_MISS_TTL (seconds a 'not in the store' answer is reused, 300),\n"
    "XDG_CACHE_HOME (the cache lives in $XDG_CACHE_HOME/tmdiff/stores).\n"
    "\n"
    "Exit status: 0 found, 1 none found or the store failed (run every test), 2 usage.\n";

int cmd_fetch(int argc, char **argv)
{
    tmd_store_options opts = TMD_STORE_OPTIONS_INIT;
    const char *store = getenv("TMDIFF_STORE"), *root = ".";
    int refresh = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            fputs(help, stdout);
            return EXIT_OK;
        } else if (!strcmp(a, "--refresh")) {
            refresh = 1;
        } else if (!strcmp(a, "--store") || !strcmp(a, "--rev") || !strcmp(a, "--depth") ||
                   !strcmp(a, "--root")) {
            if (++i == argc)
                return cli_usage_error("fetch", "%s needs a value", a);
            if (!strcmp(a, "--store"))
                store = argv[i];
            else if (!strcmp(a, "--rev"))
                opts.rev = argv[i];
            else if (!strcmp(a, "--root"))
                root = argv[i];
            else {
                char *end = NULL;
                long d = strtol(argv[i], &end, 10);
                if (*end || d < 1 || d > 100000)
                    return cli_usage_error("fetch", "--depth needs a number from 1 to 100000");
                opts.depth = (size_t)d;
            }
        } else {
            return cli_usage_error("fetch", "unknown argument '%s'", a);
        }
    }
    if (!store || !*store)
        return cli_usage_error("fetch", "no store: pass --store URL|DIR or set TMDIFF_STORE");
    if (tmd_store_options_from_env(&opts) != TMD_OK)
        return cli_usage_error("fetch", "%s", tmd_error_message());
    if (refresh)
        opts.miss_ttl = 0;

    cli_progress bar;
    cli_progress_init(&bar, "downloading");
    opts.progress = cli_progress_update;
    opts.progress_data = &bar;
    tmd_store_result found;
    int rc = tmd_store_fetch_nearest(&found, store, root, &opts);
    cli_progress_end(&bar);
    if (rc != TMD_OK)
        return cli_fail_engine();
    printf("commit: %s\ncommits back: %zu\ndatabase: %s\n", found.commit, found.distance, found.path);
    tmd_store_result_free(&found);
    return EXIT_OK;
}
