/* test_slurp.c: engine/slurp.c, a small file read whole: the bytes with a
 * NUL after them, and each refusal with its reason. */
#include "support.h"

#include "slurp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char dir[64];

static int make_dir(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/tmdiff-slurp-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int remove_dir(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static const char *write_file(const char *name, const void *bytes, size_t n)
{
    static char path[128];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(bytes, 1, n, f), n);
    assert_int_equal(fclose(f), 0);
    return path;
}

static void reads_bytes_with_nul_after(void **state)
{
    (void)state;
    const char *path = write_file("a.txt", "a\0b\r\n", 5);
    size_t len = 0;
    const char *why = "unset";
    char *s = tmd_slurp(path, 5, &len, &why);
    assert_non_null(s);
    assert_int_equal(len, 5);
    assert_memory_equal(s, "a\0b\r\n", 6); /* the NUL after the bytes too */
    assert_null(why);
    free(s);

    s = tmd_slurp(write_file("empty", "", 0), 0, &len, NULL);
    assert_non_null(s);
    assert_int_equal(len, 0);
    assert_int_equal(s[0], '\0');
    free(s);
}

static void refuses_with_reason(void **state)
{
    (void)state;
    const char *why = NULL;
    char missing[128];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    assert_null(tmd_slurp(missing, 100, NULL, &why));
    assert_string_equal(why, "cannot be read");

    assert_null(tmd_slurp(dir, 100, NULL, &why));
    assert_string_equal(why, "not a regular file");

    const char *path = write_file("big", "123456", 6);
    assert_null(tmd_slurp(path, 5, NULL, &why));
    assert_string_equal(why, "too large");
    assert_null(tmd_slurp(path, 5, NULL, NULL)); /* why is optional */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reads_bytes_with_nul_after),
        cmocka_unit_test(refuses_with_reason),
    };
    return cmocka_run_group_tests(tests, make_dir, remove_dir);
}
