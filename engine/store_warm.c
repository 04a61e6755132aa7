/* store_warm.c: the warm path of tmd_store_fetch_nearest without libgit2.
 *
 * git_libgit2_init() parses the system's CA bundle (Debian builds libgit2
 * with mbedTLS): about 6 ms of CPU, more than everything else a warm
 * `select --store` adds. When HEAD can be read plainly from the .git files
 * (a branch as a loose or packed ref, or a detached id) and the cache
 * remembers the walk from that commit (the ids up to the database found,
 * history being immutable), the answer is checked against the cache alone.
 * Anything unusual (GIT_DIR and friends, symbolic refs to refs, reftable,
 * a missing memo) returns "no" and the caller walks with libgit2. */
#include "store_warm.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int is_hex40(const char *s)
{
    return strlen(s) == 40 && strspn(s, "0123456789abcdef") == 40;
}

/* The first line of a small file, without its newline. */
static int read_line(char *out, size_t cap, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    if (!ok)
        return -1;
    out[strcspn(out, "\r\n")] = '\0';
    return 0;
}

/* The git folder of the work tree containing `start`: "<dir>/.git", or what
 * a ".git" file of a linked worktree points to. */
static int find_gitdir(char *out, size_t cap, const char *start)
{
    char dir[4096];
    if (!realpath(start, dir))
        return -1;
    for (;;) {
        char dotgit[4200];
        struct stat st;
        snprintf(dotgit, sizeof dotgit, "%s/.git", dir);
        if (stat(dotgit, &st) == 0) {
            if (S_ISDIR(st.st_mode))
                return snprintf(out, cap, "%s", dotgit) < (int)cap ? 0 : -1;
            char line[4200];
            if (read_line(line, sizeof line, dotgit) != 0 || strncmp(line, "gitdir: ", 8) != 0)
                return -1;
            if (line[8] == '/')
                return snprintf(out, cap, "%s", line + 8) < (int)cap ? 0 : -1;
            return snprintf(out, cap, "%s/%s", dir, line + 8) < (int)cap ? 0 : -1;
        }
        char *slash = strrchr(dir, '/');
        if (!slash || slash == dir)
            return -1;
        *slash = '\0';
    }
}

int tmd_store_warm_head(char out[41], const char *repo_path)
{
    /* Variables that change which repository or objects git sees. */
    static const char *const vars[] = {"GIT_DIR", "GIT_COMMON_DIR", "GIT_WORK_TREE",
                                       "GIT_OBJECT_DIRECTORY", "GIT_CEILING_DIRECTORIES",
                                       "GIT_NAMESPACE", "GIT_REPLACE_REF_BASE"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        if (getenv(vars[i]))
            return -1;
    char gitdir[4096], common[4200], line[4200], path[8600];
    if (find_gitdir(gitdir, sizeof gitdir, repo_path ? repo_path : ".") != 0)
        return -1;
    snprintf(path, sizeof path, "%s/HEAD", gitdir);
    if (read_line(line, sizeof line, path) != 0)
        return -1;
    if (is_hex40(line)) {
        memcpy(out, line, 41);
        return 0;
    }
    if (strncmp(line, "ref: refs/heads/", 16) != 0 || strstr(line, ".."))
        return -1;
    char ref[4200];
    snprintf(ref, sizeof ref, "%s", line + 5);

    /* Branches live in the common dir (the main .git of linked worktrees). */
    snprintf(path, sizeof path, "%s/commondir", gitdir);
    if (read_line(line, sizeof line, path) == 0) {
        if (line[0] == '/')
            snprintf(common, sizeof common, "%s", line);
        else if (snprintf(common, sizeof common, "%s/%s", gitdir, line) >= (int)sizeof common)
            return -1;
    } else {
        snprintf(common, sizeof common, "%s", gitdir);
    }
    snprintf(path, sizeof path, "%s/%s", common, ref);
    if (read_line(line, sizeof line, path) == 0) {
        if (!is_hex40(line))
            return -1;
        memcpy(out, line, 41);
        return 0;
    }
    snprintf(path, sizeof path, "%s/packed-refs", common);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int rc = -1;
    size_t rlen = strlen(ref);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strlen(line) == 41 + rlen && line[40] == ' ' && !strcmp(line + 41, ref)) {
            line[40] = '\0';
            if (is_hex40(line)) {
                memcpy(out, line, 41);
                rc = 0;
            }
            break;
        }
    }
    fclose(f);
    return rc;
}

static void memo_path(char *out, size_t cap, const tmd_dbcache *c, const char *head)
{
    snprintf(out, cap, "%s/%s.walk", c->dir, head);
}

int tmd_store_warm_lookup(tmd_store_result *out, const tmd_dbcache *c, const char *head)
{
    char path[4200], line[128];
    memo_path(path, sizeof path, c, head);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    size_t searched = 0, n = 0;
    int shallow = 0, ok = fgets(line, sizeof line, f) && sscanf(line, "tmdiff-walk 1 %zu %d", &searched, &shallow) == 2;
    char prev[41] = "";
    /* Every line before the last must be a fresh miss; the last is cached. */
    while (ok && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\r\n")] = '\0';
        if (!is_hex40(line) || (n == 0 && strcmp(line, head) != 0)) {
            ok = 0;
            break;
        }
        if (n > 0 && !tmd_dbcache_miss_fresh(c, prev))
            ok = 0;
        memcpy(prev, line, 41);
        n++;
    }
    fclose(f);
    if (!ok || n == 0 || !tmd_dbcache_has(c, prev))
        return -1;
    memset(out, 0, sizeof *out);
    memcpy(out->commit, prev, 41);
    out->distance = n - 1;
    out->searched = searched;
    out->shallow = shallow;
    out->from_cache = 1;
    out->path = tmd_dbcache_path(c, prev);
    return out->path ? 0 : -1;
}

void tmd_store_warm_remember(const tmd_dbcache *c, const char (*commits)[41], size_t found,
                             size_t searched, int shallow)
{
    char path[4200], tmp[4300];
    memo_path(path, sizeof path, c, commits[0]);
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return;
    fprintf(f, "tmdiff-walk 1 %zu %d\n", searched, shallow);
    for (size_t i = 0; i <= found; i++)
        fprintf(f, "%s\n", commits[i]);
    if (fclose(f) != 0 || rename(tmp, path) != 0)
        unlink(tmp);
}
