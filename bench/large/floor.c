/* floor.c: the physical floor of a selection run, for bench/large.
 *
 * Does only what any tool must do: read every file of interest once (their
 * names come from the database) and run the single SQLite query that fetches
 * the fingerprints of the files named on the command line (the changed ones).
 * No hashing, parsing or comparing: tmdiff's time over this is its overhead.
 *
 *   floor DB ROOT [CHANGED_FILE...]
 */
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long read_all(const char *root, const char *rel, char *buf, size_t cap)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return 0;
    long long total = 0;
    ssize_t n;
    while ((n = read(fd, buf, cap)) > 0)
        total += n;
    close(fd);
    return total;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: floor DB ROOT [CHANGED_FILE...]\n");
        return 2;
    }
    char uri[4200];
    snprintf(uri, sizeof uri, "file:%s?immutable=1", argv[1]);
    sqlite3 *db;
    if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK) {
        fprintf(stderr, "floor: %s: %s\n", argv[1], sqlite3_errmsg(db));
        return 1;
    }
    static char buf[1 << 20];
    long long bytes = 0, files = 0, rows = 0;
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT DISTINCT filename FROM file_fp", -1, &st, NULL);
    while (sqlite3_step(st) == SQLITE_ROW) {
        bytes += read_all(argv[2], (const char *)sqlite3_column_text(st, 0), buf, sizeof buf);
        files++;
    }
    sqlite3_finalize(st);

    /* The one query: the fingerprints of the changed files. */
    sqlite3_prepare_v2(db,
                       "SELECT id, filename, method_checksums FROM file_fp "
                       "WHERE filename IN (SELECT value FROM json_each(?1))",
                       -1, &st, NULL);
    char *json = malloc(64 + (size_t)argc * 4200);
    size_t len = (size_t)sprintf(json, "[");
    for (int i = 3; i < argc; i++)
        len += (size_t)sprintf(json + len, "%s\"%s\"", i > 3 ? "," : "", argv[i]);
    sprintf(json + len, "]");
    sqlite3_bind_text(st, 1, json, -1, SQLITE_TRANSIENT);
    while (sqlite3_step(st) == SQLITE_ROW)
        rows++;
    sqlite3_finalize(st);
    free(json);
    sqlite3_close(db);
    printf("%lld files, %lld bytes read, %lld fingerprints of changed files\n", files, bytes, rows);
    return 0;
}
