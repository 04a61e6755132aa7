/* progress.c: the download progress bar, drawn on stderr when it is a
 * terminal, so stdout stays clean for scripts. */
#include "progress.h"

#include <stdio.h>
#include <time.h>
#include <unistd.h>

enum { BAR_WIDTH = 30 };
static const uint64_t min_bytes = 1u << 20;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_progress_init(cli_progress *p, const char *label)
{
    p->enabled = isatty(STDERR_FILENO);
    p->drawn = 0;
    p->last = 0;
    p->label = label;
}

void cli_progress_update(void *data, uint64_t done, uint64_t total)
{
    cli_progress *p = data;
    if (!p->enabled || (total ? total : done) <= min_bytes)
        return;
    double t = now_s();
    if (p->drawn && t - p->last < 0.1 && done != total)
        return;
    p->last = t;
    p->drawn = 1;
    double mb = (double)done / (1 << 20);
    if (total) {
        int fill = (int)(BAR_WIDTH * (double)done / (double)total);
        char bar[BAR_WIDTH + 1];
        for (int i = 0; i < BAR_WIDTH; i++)
            bar[i] = i < fill ? '#' : '-';
        bar[BAR_WIDTH] = '\0';
        fprintf(stderr, "\r%s [%s] %3d%% %.1f/%.1f MB", p->label, bar,
                (int)(100.0 * (double)done / (double)total), mb, (double)total / (1 << 20));
    } else {
        fprintf(stderr, "\r%s %.1f MB", p->label, mb);
    }
    fflush(stderr);
}

void cli_progress_end(cli_progress *p)
{
    if (p->drawn)
        fputs("\r\033[K", stderr);
    p->drawn = 0;
}
