/* collect_probe.c: prints the static collection of a project, for the
 * collection fuzzers (tests/fuzz/collect_harness.py) to hold against
 * pytest --collect-only. Not installed.
 *
 * usage: collect_probe ROOT
 * stdout, one item a line: "EXACT <node id>" or "PREFIX <node id>\t<why>", then
 * a tab before each ID the prefix expects (tmd_collected.expect); first
 * "INEXACT <why>" when the collection says it cannot be followed. Exit 1
 * when the collection fails. */
#include <stdio.h>

#include "tmdiff.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fputs("usage: collect_probe ROOT\n", stderr);
        return 2;
    }
    tmd_collection c;
    if (tmd_collect_project(&c, argv[1]) != TMD_OK) {
        fprintf(stderr, "collect_probe: %s\n", tmd_error_message());
        return 1;
    }
    if (c.inexact)
        printf("INEXACT %s\n", c.inexact);
    for (size_t i = 0; i < c.count; i++) {
        const tmd_collected *it = &c.items[i];
        if (it->kind == TMD_COLLECT_EXACT)
            printf("EXACT %s\n", it->nodeid);
        else {
            printf("PREFIX %s\t%s", it->nodeid, it->why ? it->why : "");
            for (size_t k = 0; k < it->nexpect; k++)
                printf("\t%s", it->expect[k]);
            putchar('\n');
        }
    }
    tmd_collection_free(&c);
    return 0;
}
