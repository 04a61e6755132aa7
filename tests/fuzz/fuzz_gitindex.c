/* fuzz_gitindex.c: the git index reader (engine/gitindex.c) on the input
 * written as <tmp>/.git/index.
 *
 * Invariants: the reader either loads the index (prefix "" for the work
 * tree's own root) or hands over to libgit2; it never fails for a damaged
 * index. For a version-2 index with one plain stage-0 file entry and an
 * intact entry layout, the loaded index finds that path with its blob id. */
#include "fuzz_common.h"
#include "select_internal.h"

#include <limits.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char root[PATH_MAX], index_path[PATH_MAX + 16];

static void make_repo(void)
{
    const char *tmp = getenv("TMPDIR");
    char templ[PATH_MAX];
    snprintf(templ, sizeof templ, "%s/tmdiff-fuzz-git-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    FUZZ_CHECK(mkdtemp(templ) != NULL, "mkdtemp %s", templ);
    FUZZ_CHECK(realpath(templ, root) != NULL, "realpath %s", templ);
    char git[PATH_MAX + 8];
    snprintf(git, sizeof git, "%s/.git", root);
    FUZZ_CHECK(mkdir(git, 0700) == 0, "mkdir %s", git);
    snprintf(index_path, sizeof index_path, "%s/index", git);
}

/* removes the repository at exit: the standalone replay leaves nothing */
static void remove_repo(void)
{
    char git[PATH_MAX + 8];
    snprintf(git, sizeof git, "%s/.git", root);
    unlink(index_path);
    rmdir(git);
    rmdir(root);
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The path of a lone plain entry (v2, one entry, stage 0, regular file,
 * padding to 8 bytes, nothing but the checksum after it); NULL otherwise. */
static const char *lone_entry(const uint8_t *d, size_t n, const uint8_t **oid)
{
    if (n < 12 + 62 + 20 || memcmp(d, "DIRC", 4) || be32(d + 4) != 2 || be32(d + 8) != 1)
        return NULL;
    const uint8_t *e = d + 12;
    uint16_t flags = (uint16_t)(e[60] << 8 | e[61]);
    uint32_t mode = be32(e + 24);
    if ((flags & 0x7000) || (mode & 0170000) != 0100000)
        return NULL;
    const uint8_t *nul = memchr(e + 62, 0, n - 20 - 12 - 62);
    if (!nul || nul == e + 62)
        return NULL;
    size_t plen = (size_t)(nul - (e + 62));
    size_t entry_len = (62 + plen + 8) & ~(size_t)7;
    if (12 + entry_len != n - 20)
        return NULL; /* extensions or a damaged layout: no claim */
    *oid = e + 40;
    return (const char *)(e + 62);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!root[0]) {
        make_repo();
        atexit(remove_repo);
    }
    FILE *f = fopen(index_path, "wb");
    FUZZ_CHECK(f != NULL, "cannot create %s", index_path);
    FUZZ_CHECK(fwrite(data, 1, size, f) == size && fclose(f) == 0, "cannot write %s",
               index_path);

    tmd_gitindex *ix = NULL;
    int need = -1;
    int rc = tmd_gitindex_open(&ix, &need, root);
    FUZZ_CHECK(rc == TMD_OK || rc == TMD_ENOMEM, "open failed with %d: %s", rc,
               tmd_error_message());
    FUZZ_CHECK(need == 0 || need == 1, "need_libgit2 = %d", need);
    FUZZ_CHECK(!(ix && need), "an index and a hand-over to libgit2");
    if (rc == TMD_OK)
        FUZZ_CHECK(ix || need, "a repository with neither an index nor libgit2");
    if (ix) {
        FUZZ_CHECK(!strcmp(tmd_gitindex_prefix(ix), ""), "prefix '%s' at the work tree root",
                   tmd_gitindex_prefix(ix));
        uint8_t oid[20];
        /* git refuses an entry with an empty path; so must the reader. */
        FUZZ_CHECK(tmd_gitindex_lookup(ix, "", oid) == 0, "the empty path is tracked");
        const uint8_t *want = NULL;
        const char *path = lone_entry(data, size, &want);
        if (path) {
            FUZZ_CHECK(tmd_gitindex_lookup(ix, path, oid) == 1, "lone entry '%s' not found",
                       path);
            FUZZ_CHECK(!memcmp(oid, want, 20), "lone entry '%s' with another blob id", path);
        }
        tmd_gitindex_free(ix);
    }
    return 0;
}
