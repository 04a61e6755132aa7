/* standalone_main.c: runs a fuzz target over files, without libFuzzer.
 *
 * Linked into every target in the normal (gcc) build so that ctest replays
 * the seed corpus and the committed regressions under the ordinary and the
 * sanitizer builds: `fuzz_<target>_replay DIR_OR_FILE...` feeds every regular
 * file below each argument (walked with nftw, no recursion of our own) to
 * LLVMFuzzerTestOneInput, each in a buffer of exactly its size so that
 * AddressSanitizer sees any read past the end. Fails when no file was run. */
#define _XOPEN_SOURCE 700
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static size_t files_run;

static int run_file(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type != FTW_F || !S_ISREG(st->st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "%s: cannot open\n", path);
        return 1;
    }
    size_t size = (size_t)st->st_size;
    uint8_t *data = malloc(size ? size : 1);
    if (!data || fread(data, 1, size, f) != size) {
        fprintf(stderr, "%s: cannot read\n", path);
        free(data);
        fclose(f);
        return 1;
    }
    fclose(f);
    if (getenv("FUZZ_REPLAY_VERBOSE"))
        fprintf(stderr, "replay %s (%zu bytes)\n", path, size);
    LLVMFuzzerTestOneInput(data, size);
    free(data);
    files_run++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            fprintf(stderr, "%s: missing (skipped)\n", argv[i]);
            continue;
        }
        if (nftw(argv[i], run_file, 16, FTW_PHYS) != 0)
            return 1;
    }
    printf("%s: %zu inputs replayed\n", argv[0], files_run);
    return files_run ? 0 : 1;
}
