/* cache_evict.c: keeps a cache folder to its most recently used files
 * (cache_evict.h). */
#include "cache_evict.h"

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t ns_of(struct timespec t) { return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec; }

void cache_evict(const char *dir, const char *suffix, size_t keep_n)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct entry { char name[64]; uint64_t used; } *keep = calloc(keep_n + 1, sizeof *keep);
    if (!keep) {
        closedir(d);
        return;
    }
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        size_t sl = strlen(suffix);
        if (len >= sizeof keep[0].name || len < sl || strcmp(e->d_name + len - sl, suffix))
            continue;
        char path[4300];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0)
            continue;
        /* insertion into the newest-first list; what falls off is removed */
        size_t at = n;
        while (at > 0 && keep[at - 1].used < ns_of(st.st_mtim))
            at--;
        if (at == keep_n) {
            unlink(path);
            continue;
        }
        if (n == keep_n) {
            char victim[4300];
            snprintf(victim, sizeof victim, "%s/%s", dir, keep[n - 1].name);
            unlink(victim);
            n--;
        }
        memmove(&keep[at + 1], &keep[at], (n - at) * sizeof keep[0]);
        memcpy(keep[at].name, e->d_name, len + 1); /* len < sizeof name, checked above */
        keep[at].used = ns_of(st.st_mtim);
        n++;
    }
    closedir(d);
    free(keep);
}

