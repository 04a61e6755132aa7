/* cache_evict.h: bounds a cache folder (internal). */
#ifndef TMD_CACHE_EVICT_H
#define TMD_CACHE_EVICT_H

#include <stddef.h>

/* Removes all but the `keep` newest (by mtime: readers refresh it) files of
 * `dir` whose names end in `suffix`. Best effort: errors are ignored. */
void cache_evict(const char *dir, const char *suffix, size_t keep);

#endif
