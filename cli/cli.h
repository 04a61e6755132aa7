/* cli.h: what the subcommands of `tmdiff` share. Each cmd_<name>.c holds one
 * subcommand; main.c only dispatches. */
#ifndef TMDIFF_CLI_H
#define TMDIFF_CLI_H

#include "tmdiff.h"

/* Exit codes (../README.md, "Command line"). */
enum { EXIT_OK = 0, EXIT_UNDECIDED = 1, EXIT_USAGE = 2 };

/* Prints "tmdiff: <what>: <why> (<hint>)" to stderr; returns EXIT_UNDECIDED. */
int cli_fail(const char *what, const char *why, const char *hint);
/* Prints the engine's last error as one line; returns EXIT_UNDECIDED. */
int cli_fail_engine(void);
/* Prints a usage error and the subcommand's --help hint; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

int cmd_fingerprint(int argc, char **argv);
int cmd_select(int argc, char **argv);  /* selcore */
int cmd_explain(int argc, char **argv); /* selcore */
int cmd_fetch(int argc, char **argv);   /* store */
int cmd_publish(int argc, char **argv); /* store */
int cmd_run(int argc, char **argv);     /* selext */

#endif
