/* cache_dir.h: where tmdiff's caches live, and making their folders
 * (internal). Every cache (fingerprints, blob ids, collection, dependency
 * index, interpreter facts, downloaded databases) sits below one folder. */
#ifndef TMD_CACHE_DIR_H
#define TMD_CACHE_DIR_H

/* `given` (a --cache-dir), else $XDG_CACHE_HOME/tmdiff (only an absolute
 * XDG_CACHE_HOME counts, as the XDG spec says), else $HOME/.cache/tmdiff;
 * with "/<sub>" appended when `sub` is not NULL. NULL when neither variable
 * is set or memory runs out. The caller frees it. */
char *cache_dir_path(const char *given, const char *sub);

/* mkdir -p, every folder private to the user (0700): 0, or -1 with errno. */
int cache_dir_make(const char *path);

#endif
