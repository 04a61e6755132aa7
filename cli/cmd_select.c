/* cmd_select.c: `tmdiff select` (the default command), the node IDs to run. */
#include "cli.h"
#include "select_common.h"

#include <cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char help_head[] =
    "usage: tmdiff [select] [options]\n"
    "\n"
    "Prints the pytest node IDs pytest-testmon would run: tests whose recorded\n"
    "dependencies changed, tests that failed last time and new tests, sorted,\n"
    "one per line. A node ID may be a bare file path or a prefix standing for\n"
    "every test it names. Nothing is printed when nothing needs to run.\n"
    "\n";
static const char help_tail[] =
    "\n"
    "Exit status: 0 success (also when nothing needs to run), 1 the tests to\n"
    "run could not be decided (run every test), 2 usage error.\n";

static void print_help(void)
{
    fputs(help_head, stdout);
    fputs(select_options_help, stdout);
    fputs(help_tail, stdout);
}

static const char *state_name(tmd_file_state s)
{
    switch (s) {
    case TMD_FILE_BLOCKS: return "blocks";
    case TMD_FILE_MISSING: return "missing";
    case TMD_FILE_NO_PARSE: return "no-parse";
    default: return "inexact";
    }
}

static cJSON *reasons_json(unsigned why)
{
    cJSON *a = cJSON_CreateArray();
    if (why & TMD_WHY_AFFECTED)
        cJSON_AddItemToArray(a, cJSON_CreateString("affected"));
    if (why & TMD_WHY_FAILED)
        cJSON_AddItemToArray(a, cJSON_CreateString("failed"));
    if (why & TMD_WHY_NEW)
        cJSON_AddItemToArray(a, cJSON_CreateString("new"));
    if (why & TMD_WHY_ENV)
        cJSON_AddItemToArray(a, cJSON_CreateString("environment"));
    return a;
}

static cJSON *checksums_json(const int32_t *c, size_t n)
{
    cJSON *a = cJSON_CreateArray();
    for (size_t i = 0; i < n; i++)
        cJSON_AddItemToArray(a, cJSON_CreateNumber(c[i]));
    return a;
}

/* One selected test with its reasons (shared with explain's view of it). */
static cJSON *test_json(const tmd_selection *sel, const tmd_test_verdict *v)
{
    cJSON *t = cJSON_CreateObject();
    cJSON_AddStringToObject(t, "nodeid", v->node_id);
    cJSON_AddItemToObject(t, "reasons", reasons_json(v->why));
    cJSON_AddBoolToObject(t, "known", v->known);
    if (v->known)
        cJSON_AddNumberToObject(t, "duration", v->duration);
    cJSON *changes = cJSON_AddArrayToObject(t, "changed_dependencies");
    for (size_t j = 0; j < v->nchanges; j++) {
        const tmd_dep_change *dc = &v->changes[j];
        cJSON *c = cJSON_CreateObject();
        cJSON_AddStringToObject(c, "file", sel->files[dc->file].filename);
        cJSON_AddStringToObject(c, "state", state_name(sel->files[dc->file].state));
        cJSON_AddItemToObject(c, "missing_checksums", checksums_json(dc->missing, dc->nmissing));
        cJSON_AddItemToArray(changes, c);
    }
    return t;
}

static int print_json(const tmd_selection *sel, const char **ids, size_t nids)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *selected = cJSON_AddArrayToObject(root, "selected");
    for (size_t i = 0; i < nids; i++)
        cJSON_AddItemToArray(selected, cJSON_CreateString(ids[i]));

    cJSON *tests = cJSON_AddArrayToObject(root, "tests");
    for (size_t i = 0; i < sel->ntests; i++)
        if (sel->tests[i].why && sel->tests[i].exists)
            cJSON_AddItemToArray(tests, test_json(sel, &sel->tests[i]));

    /* changed_files as the conformance kit writes it: current checksums,
     * null for a missing file, [] for no blocks; "files" has the details. */
    cJSON *changed = cJSON_AddObjectToObject(root, "changed_files");
    cJSON *files = cJSON_AddArrayToObject(root, "files");
    for (size_t i = 0; i < sel->nfiles; i++) {
        const tmd_changed_file *f = &sel->files[i];
        if (f->state == TMD_FILE_MISSING)
            cJSON_AddNullToObject(changed, f->filename);
        else if (f->state == TMD_FILE_INEXACT)
            cJSON_AddStringToObject(changed, f->filename, "inexact");
        else
            cJSON_AddItemToObject(changed, f->filename, checksums_json(f->checksums, f->count));
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "filename", f->filename);
        cJSON_AddStringToObject(o, "state", state_name(f->state));
        cJSON_AddBoolToObject(o, "dedented", f->dedented);
        if (f->fsha[0])
            cJSON_AddStringToObject(o, "fsha", f->fsha);
        else
            cJSON_AddNullToObject(o, "fsha");
        cJSON_AddItemToObject(o, "checksums", checksums_json(f->checksums, f->count));
        if (f->reason[0])
            cJSON_AddStringToObject(o, "reason", f->reason);
        cJSON_AddItemToArray(files, o);
    }

    cJSON *sum = cJSON_AddObjectToObject(root, "summary");
    cJSON_AddNumberToObject(sum, "selected", (double)nids);
    cJSON_AddNumberToObject(sum, "known", (double)sel->nknown);
    cJSON_AddNumberToObject(sum, "changed_files", (double)sel->nfiles);
    cJSON_AddNumberToObject(sum, "seconds_selected", sel->seconds_selected);
    cJSON_AddNumberToObject(sum, "seconds_saved", sel->seconds_total - sel->seconds_selected);
    cJSON_AddBoolToObject(sum, "everything", sel->everything);
    if (sel->everything)
        cJSON_AddStringToObject(sum, "reason", sel->reason);
    cJSON_AddStringToObject(sum, "python_version", sel->python_version);

    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return cli_fail("--format json", "out of memory", NULL);
    puts(text);
    cJSON_free(text);
    return EXIT_OK;
}

/* Written in 64 KB chunks: stdout on a pipe has a 4 KB buffer, and a large
 * selection is tens of thousands of lines. */
static void print_list(const char **ids, size_t n, int nul)
{
    char chunk[1 << 16];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(ids[i]);
        if (used + len + 1 > sizeof chunk) {
            fwrite(chunk, 1, used, stdout);
            used = 0;
        }
        if (len + 1 > sizeof chunk) {
            fputs(ids[i], stdout);
            putchar(nul ? '\0' : '\n');
            continue;
        }
        memcpy(chunk + used, ids[i], len);
        chunk[used + len] = nul ? '\0' : '\n';
        used += len + 1;
    }
    fwrite(chunk, 1, used, stdout);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The stable tests: known, still collected, not selected, not under a
 * selected file or prefix (with --shard, not in this part either). Compared
 * by name: a test stored twice must not be deselected under the name of the
 * copy that is selected. */
static int print_deselect(const tmd_selection *sel, const char **ids, size_t nids, int nul)
{
    if (sel->everything)
        return EXIT_OK;
    const char **stable = malloc((sel->ntests + 1) * sizeof *stable);
    const char **mine = malloc((nids + 1) * sizeof *mine);
    if (!stable || !mine) {
        free(stable), free(mine);
        return cli_fail("--format deselect", "out of memory", NULL);
    }
    memcpy(mine, ids, nids * sizeof *mine);
    qsort(mine, nids, sizeof *mine, cmp_str);
    size_t n = 0;
    for (size_t i = 0; i < sel->ntests; i++) {
        const tmd_test_verdict *v = &sel->tests[i];
        const char *key = v->node_id;
        if (v->known && v->exists && !bsearch(&key, mine, nids, sizeof *mine, cmp_str) &&
            !select_id_covered(mine, nids, key))
            stable[n++] = v->node_id;
    }
    print_list(stable, n, nul);
    free(stable);
    free(mine);
    return EXIT_OK;
}

/* Seconds as "850 ms" or "12.3 s". */
static void format_seconds(char *out, size_t n, double s)
{
    if (s < 10.0)
        snprintf(out, n, "%.0f ms", s * 1000.0);
    else
        snprintf(out, n, "%.1f s", s);
}

static void print_summary(const tmd_selection *sel, size_t nids, const select_options *opts)
{
    if (!isatty(STDERR_FILENO))
        return;
    if (sel->everything) {
        fprintf(stderr, "tmdiff: every test runs: %s\n", sel->reason);
        return;
    }
    size_t fresh = 0;
    for (size_t i = 0; i < sel->ntests; i++)
        fresh += (sel->tests[i].why & TMD_WHY_NEW) && sel->tests[i].exists;
    char saved[32], total[32];
    format_seconds(saved, sizeof saved, sel->seconds_total - sel->seconds_selected);
    format_seconds(total, sizeof total, sel->seconds_total);
    fprintf(stderr, "tmdiff: %zu selected (%zu of %zu known tests, %zu new), %zu file%s "
            "changed, %s of %s recorded runtime saved", sel->nselected,
            sel->nselected - fresh, sel->nknown, fresh, sel->nfiles,
            sel->nfiles == 1 ? "" : "s", saved, total);
    if (opts->shard_n)
        fprintf(stderr, "; shard %d/%d: %zu", opts->shard_k, opts->shard_n, nids);
    fputc('\n', stderr);
}

int cmd_select(int argc, char **argv)
{
    select_options opts;
    int rc = select_parse_options(&opts, argc, argv, "select", 0);
    if (rc < 0) {
        print_help();
        return EXIT_OK;
    }
    if (rc != EXIT_OK)
        return rc;
    if (opts.dashdash && opts.rest < argc)
        return cli_usage_error("select", "arguments after '--' belong to 'tmdiff run'");

    tmd_selection *sel = NULL;
    if ((rc = select_compute(&sel, &opts)) != EXIT_OK)
        return rc;
    const char **ids = NULL;
    size_t nids = 0;
    if ((rc = select_node_ids(&ids, &nids, sel, &opts)) == EXIT_OK) {
        if (opts.format == SELECT_FORMAT_JSON)
            rc = print_json(sel, ids, nids);
        else if (opts.format == SELECT_FORMAT_DESELECT)
            rc = print_deselect(sel, ids, nids, opts.nul);
        else
            print_list(ids, nids, opts.nul);
        if (fflush(stdout) != 0)
            rc = cli_fail("stdout", "cannot write the selection", "is the pipe closed?");
        if (rc == EXIT_OK)
            print_summary(sel, nids, &opts);
    }
    free(ids);
    tmd_selection_free(sel);
    return rc;
}
