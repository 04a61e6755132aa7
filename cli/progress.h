/* progress.h: a download progress bar on stderr (cli only). */
#ifndef TMDIFF_CLI_PROGRESS_H
#define TMDIFF_CLI_PROGRESS_H

#include <stdint.h>

typedef struct cli_progress {
    int enabled;      /* stderr is a terminal */
    int drawn;        /* something is on the line */
    double last;      /* seconds, last redraw */
    const char *label;
} cli_progress;

void cli_progress_init(cli_progress *p, const char *label);
/* A tmd_progress_fn; data is the cli_progress. Draws only for transfers over
 * 1 MB, at most ten times a second. */
void cli_progress_update(void *data, uint64_t done, uint64_t total);
/* Clears the bar's line. */
void cli_progress_end(cli_progress *p);

#endif
