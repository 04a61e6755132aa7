/* cmd_fingerprint.c: `tmdiff fingerprint`, testmon's block checksums of files. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: tmdiff fingerprint [--python X.Y[.Z]] [--modified] [--dump] FILE...\n"
    "\n"
    "Prints, for each FILE, the block checksums pytest-testmon computes for it\n"
    "with that Python version's ast: signed 32-bit decimals in testmon's order,\n"
    "a TAB, then the path as given. A file Python cannot parse prints an empty\n"
    "list (the line starts with the TAB); a file tmdiff cannot fingerprint\n"
    "exactly prints '!' (testmon-based selection then treats it as changed).\n"
    "A file not ending in .py is one block: its whole text.\n"
    "\n"
    "  --python X.Y[.Z]  the Python that recorded the data (default 3.13)\n"
    "  --modified        testmon's path for a locally modified file: the text\n"
    "                    goes through textwrap.dedent first\n"
    "  --dump            also print each block string on its own line after a TAB;\n"
    "                    for '!' or an empty list, why, after a TAB and '# '\n"
    "\n"
    "Exit status: 0 when every file was read, 1 when one could not be read.\n";

static int fingerprint_one(const char *path, const tmd_dialect *dialect, int flags)
{
    uint8_t *bytes = NULL;
    size_t n = 0;
    if (tmd_file_read(&bytes, &n, path) != TMD_OK)
        return cli_fail_engine();

    tmd_source src;
    tmd_fingerprint fp;
    int rc = tmd_source_prepare_text(&src, bytes, n); /* no fsha printed */
    free(bytes);
    if (rc != TMD_OK)
        return cli_fail_engine();

    size_t plen = strlen(path);
    int is_python = plen >= 3 && !strcmp(path + plen - 3, ".py");
    if (is_python)
        rc = tmd_fingerprint_python(&fp, &src, dialect, flags);
    else
        rc = tmd_fingerprint_whole_text(&fp, &src, flags);
    tmd_source_free(&src);
    if (rc != TMD_OK)
        return cli_fail_engine();

    if (fp.status == TMD_FP_INEXACT) {
        printf("!\t%s\n", path);
        if (flags & TMD_FP_WANT_TEXT)
            printf("\t# %s\n", fp.reason);
    } else {
        for (size_t i = 0; i < fp.count; i++)
            printf(i ? " %d" : "%d", (int)fp.checksums[i]);
        printf("\t%s\n", path);
        for (size_t i = 0; (flags & TMD_FP_WANT_TEXT) && i < fp.count; i++)
            printf("\t%s\n", fp.blocks[i]);
        if ((flags & TMD_FP_WANT_TEXT) && fp.status == TMD_FP_NO_PARSE)
            printf("\t# %s\n", fp.reason);
    }
    tmd_fingerprint_free(&fp);
    return EXIT_OK;
}

int cmd_fingerprint(int argc, char **argv)
{
    tmd_dialect dialect = {13, -1};
    int flags = 0, first_file = 0, status = EXIT_OK;

    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            fputs(help, stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--python")) {
            if (++i == argc)
                return cli_usage_error("fingerprint", "--python needs a version such as 3.11");
            if (tmd_dialect_parse(&dialect, argv[i]) != TMD_OK)
                return cli_usage_error("fingerprint", "%s", tmd_error_message());
        } else if (!strcmp(argv[i], "--dump")) {
            flags |= TMD_FP_WANT_TEXT;
        } else if (!strcmp(argv[i], "--modified")) {
            flags |= TMD_FP_DEDENT;
        } else if (!strcmp(argv[i], "--")) {
            first_file = i + 1;
            break;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("fingerprint", "unknown option '%s'", argv[i]);
        } else {
            first_file = i;
            break;
        }
    }
    if (!first_file || first_file >= argc)
        return cli_usage_error("fingerprint", "no FILE given");
    for (int i = first_file; i < argc; i++)
        if (fingerprint_one(argv[i], &dialect, flags) != EXIT_OK)
            status = EXIT_UNDECIDED;
    return status;
}
