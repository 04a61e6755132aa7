/* test_lazy_lib.c: libcurl and libgit2 loaded with dlopen on first use
 * (engine/lazy_lib.c, lazy_curl.c, lazy_git2.c): the messages when a library
 * or a function is missing, and real calls through the tables. */
#include "support.h"
#include "tmdiff.h"
#include "lazy_curl.h"
#include "lazy_git2.h"
#include "lazy_lib.h"

#include <stdio.h>
#include <string.h>

static int fill_nothing(void *handle, char *missing, size_t cap)
{
    (void)handle, (void)missing, (void)cap;
    return 0;
}

static int fill_absent(void *handle, char *missing, size_t cap)
{
    if (tmd_lazy_sym(handle, "tmd_no_such_function"))
        return 0;
    snprintf(missing, cap, "%s", "tmd_no_such_function");
    return -1;
}

static void missing_library_names_it_and_the_package(void **state)
{
    (void)state;
    tmd_lazy_lib lib = {"libtmd-absent.so.9", "tmd-absent9", PTHREAD_ONCE_INIT, 0, ""};
    assert_int_equal(tmd_lazy_open(&lib, fill_nothing), -1);
    assert_int_equal(tmd_lazy_status(&lib), TMD_ENOTFOUND);
    const char *msg = tmd_error_message();
    assert_non_null(strstr(msg, "libtmd-absent.so.9: cannot load"));
    assert_non_null(strstr(msg, "(install tmd-absent9)"));
}

static void missing_function_names_it(void **state)
{
    (void)state;
    tmd_lazy_lib lib = {"libc.so.6", "libc6", PTHREAD_ONCE_INIT, 0, ""};
    assert_int_equal(tmd_lazy_open(&lib, fill_absent), -1);
    assert_int_equal(tmd_lazy_status(&lib), TMD_ENOTFOUND);
    assert_non_null(strstr(tmd_error_message(), "libc.so.6: cannot load: it has no tmd_no_such_function"));
}

static void present_library_loads(void **state)
{
    (void)state;
    tmd_lazy_lib lib = {"libc.so.6", "libc6", PTHREAD_ONCE_INIT, 0, ""};
    assert_int_equal(tmd_lazy_open(&lib, fill_nothing), 0);
    assert_int_equal(tmd_lazy_status(&lib), 0);
}

/* The build links neither library: these calls go through dlsym'ed tables. */
static void curl_calls_work_through_the_table(void **state)
{
    (void)state;
    assert_int_equal(tmd_curl_load(), 0);
    assert_int_equal(curl_global_init(CURL_GLOBAL_DEFAULT), CURLE_OK);
    CURLU *u = curl_url();
    assert_non_null(u);
    assert_int_equal(curl_url_set(u, CURLUPART_URL, "https://user:pw@example.com/a/b?q=1", 0), CURLUE_OK);
    assert_int_equal(curl_url_set(u, CURLUPART_PASSWORD, NULL, 0), CURLUE_OK);
    char *host = NULL, *url = NULL;
    assert_int_equal(curl_url_get(u, CURLUPART_HOST, &host, 0), CURLUE_OK);
    assert_string_equal(host, "example.com");
    assert_int_equal(curl_url_get(u, CURLUPART_URL, &url, 0), CURLUE_OK);
    assert_null(strstr(url, "pw"));
    curl_free(host);
    curl_free(url);
    curl_url_cleanup(u);
    CURL *e = curl_easy_init();
    assert_non_null(e);
    assert_int_equal(curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 1000L), CURLE_OK); /* variadic */
    curl_easy_cleanup(e);
    curl_easy_cleanup(NULL); /* NULL-safe like libcurl's own */
    assert_string_equal(curl_easy_strerror(CURLE_OK), "No error");
}

static void git2_calls_work_through_the_table(void **state)
{
    (void)state;
    assert_int_equal(tmd_git2_load(), 0);
    assert_true(git_libgit2_init() >= 1);
    const char *hex = "0123456789abcdef0123456789abcdef01234567";
    git_oid a, b;
    assert_int_equal(git_oid_fromstr(&a, hex), 0);
    char back[41];
    git_oid_tostr(back, sizeof back, &a);
    assert_string_equal(back, hex);
    assert_int_equal(git_oid_fromstr(&b, "0123456789abcdef0123456789abcdef01234568"), 0);
    assert_true(git_oid_cmp(&a, &b) < 0);
    assert_false(git_oid_equal(&a, &b));
    git_repository *repo = NULL;
    assert_true(git_repository_open_ext(&repo, "/", GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) != 0);
    assert_non_null(git_error_last());
    git_repository_free(repo); /* NULL here: must be a no-op */
    assert_true(git_libgit2_shutdown() >= 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(missing_library_names_it_and_the_package),
        cmocka_unit_test(missing_function_names_it),
        cmocka_unit_test(present_library_loads),
        cmocka_unit_test(curl_calls_work_through_the_table),
        cmocka_unit_test(git2_calls_work_through_the_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
