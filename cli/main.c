/* main.c: `tmdiff` dispatches to its subcommands; `select` is the default. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char usage[] =
    "usage: tmdiff [select] [options]      print the pytest node IDs to run\n"
    "       tmdiff explain [options] NODEID...\n"
    "                                      why a test is or is not selected\n"
    "       tmdiff run [options] -- PYTEST_ARGS...\n"
    "                                      run pytest on the selected tests\n"
    "       tmdiff fingerprint [--python X.Y] [--dump] FILE...\n"
    "                                      testmon's block checksums of files\n"
    "       tmdiff fetch [--store URL|DIR] [--rev REV] [--depth N]\n"
    "                                      the nearest ancestor's database, cached\n"
    "       tmdiff publish [--store URL|DIR] [--zstd] [FILE]\n"
    "                                      store .testmondata under this commit\n"
    "\n"
    "tmdiff compares a .testmondata recorded by pytest-testmon with the working\n"
    "tree and names the tests your change can break. `tmdiff COMMAND --help`\n"
    "explains each command. Exit status: 0 success, 1 the tests to run could\n"
    "not be decided (run them all), 2 usage error.\n";

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
};

static const struct command commands[] = {
    {"fingerprint", cmd_fingerprint},
    {"select", cmd_select},
    {"explain", cmd_explain},
    {"fetch", cmd_fetch},     /* store */
    {"publish", cmd_publish}, /* store */
    {"run", cmd_run},         /* selext */
};

int cli_fail(const char *what, const char *why, const char *hint)
{
    if (hint && *hint)
        fprintf(stderr, "tmdiff: %s: %s (%s)\n", what, why, hint);
    else
        fprintf(stderr, "tmdiff: %s: %s\n", what, why);
    return EXIT_UNDECIDED;
}

int cli_fail_engine(void)
{
    fprintf(stderr, "tmdiff: %s\n", tmd_error_message());
    return EXIT_UNDECIDED;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "tmdiff %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see 'tmdiff %s --help')\n", cmd);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
                      !strcmp(argv[1], "help"))) {
        fputs(usage, stdout);
        return EXIT_OK;
    }
    if (argc >= 2 && !strcmp(argv[1], "--version")) {
        puts("tmdiff " TMDIFF_VERSION);
        return EXIT_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (argc >= 2 && !strcmp(argv[1], commands[i].name))
            return commands[i].run(argc - 1, argv + 1);
    /* `tmdiff` alone or `tmdiff --option ...` means `tmdiff select ...`. */
    if (argc < 2 || argv[1][0] == '-')
        return cmd_select(argc, argv);
    fputs(usage, stderr);
    return EXIT_USAGE;
}
