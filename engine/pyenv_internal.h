/* pyenv_internal.h: the pieces of the environment check (pyenv.c,
 * pyenv_packages.c) shared with each other and the unit tests. */
#ifndef TMD_PYENV_INTERNAL_H
#define TMD_PYENV_INTERNAL_H

#include <stddef.h>

/* Bumped when the cached answer's meaning changes. */
#define TMDIFF_PYENV_CACHE_VERSION "tmdiff-pyenv-1"

/* Returned by pyenv_scan_packages when the folders hold something the direct
 * read does not reproduce exactly: ask the interpreter instead. */
#define PYENV_IRREGULAR 1

/* What the interpreter told about itself. */
struct pyenv_facts {
    char version[32]; /* "3.11.2" */
    char **path;      /* sys.path, "" for the current directory */
    size_t npath;
    char *packages;   /* testmon's string as the interpreter computed it, or NULL */
};

/* Asks `exe` (run in `root`) for its facts. Free the strings inside. */
int pyenv_query(struct pyenv_facts *out, const char *exe, const char *root);

/* Runs argv (argv[0] a path) in `cwd` and returns its stdout in *out (free()).
 * A nonzero exit status is an error. */
int pyenv_run_capture(char **out, const char *const *argv, const char *cwd);

/* The cache folder (created), or NULL when there is none. free() it. */
char *pyenv_cache_dir(const char *given);

/* testmon's package string from the distributions importlib.metadata finds
 * on sys.path (path[i] "" meaning `root`), for a Python 3.`minor`.
 * 0 and *out (free()), PYENV_IRREGULAR, or a negative TMD_E*. */
int pyenv_scan_packages(char **out, const char *const *path, size_t npath, const char *root,
                        int minor);

/* testmon's drop_patch_version: re.sub(r"\b([\w_-]+\s\d+\.\d+)\.\w+\b", r"\1", s)
 * over the joined string. Returns a new string (free()) or NULL. */
char *pyenv_drop_patch(const char *s);

/* The first package that differs between two package strings, for messages. */
void pyenv_describe_package_diff(char *why, size_t why_size, const char *here, const char *db);

#endif
