/* source_probe.c: prints what engine/source.c makes of files, for
 * compare_source.py to hold against Python. Not installed; tests only.
 *
 * Per file, length-prefixed so any byte survives:
 *   FILE <path>\n DECODABLE <0|1>\n GIT <sha>\n FSHA <sha>\n
 *   TEXT <n>\n<n bytes>\n DEDENT <n>\n<n bytes>\n
 * or `ERROR <message>\n` after FILE when the file cannot be read. */
#include <stdio.h>
#include <stdlib.h>

#include "tmdiff.h"

static void put_blob(const char *tag, const char *bytes, size_t n)
{
    printf("%s %zu\n", tag, n);
    fwrite(bytes, 1, n, stdout);
    putchar('\n');
}

static int probe(const char *path)
{
    printf("FILE %s\n", path);
    uint8_t *bytes;
    size_t n;
    tmd_source src;
    if (tmd_file_read(&bytes, &n, path) != TMD_OK) {
        printf("ERROR %s\n", tmd_error_message());
        return 0;
    }
    int rc = tmd_source_prepare(&src, bytes, n);
    free(bytes);
    if (rc != TMD_OK) {
        fprintf(stderr, "source_probe: %s\n", tmd_error_message());
        return -1;
    }
    printf("DECODABLE %d\nGIT %s\nFSHA %s\n", src.decodable, src.git_sha, src.fsha);
    put_blob("TEXT", src.text, src.len);
    char *dedented;
    size_t dlen;
    if (tmd_source_dedent(&dedented, &dlen, src.text, src.len) != TMD_OK) {
        fprintf(stderr, "source_probe: %s\n", tmd_error_message());
        tmd_source_free(&src);
        return -1;
    }
    put_blob("DEDENT", dedented, dlen);
    free(dedented);
    tmd_source_free(&src);
    return 0;
}

int main(int argc, char **argv)
{
    char line[8192];
    int from_stdin = argc == 2 && argv[1][0] == '-' && !argv[1][1];
    if (argc < 2) {
        fprintf(stderr, "usage: source_probe FILE... | source_probe - (paths on stdin)\n");
        return 2;
    }
    if (from_stdin) {
        while (fgets(line, sizeof line, stdin)) {
            char *nl = line;
            while (*nl && *nl != '\n')
                nl++;
            *nl = '\0';
            if (*line && probe(line))
                return 1;
        }
        return 0;
    }
    for (int i = 1; i < argc; i++)
        if (probe(argv[i]))
            return 1;
    return 0;
}
