/* test_shard.c: --shard K/N parsing, durations of prefixes, balanced parts. */
#include "support.h"
#include "tmdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void parse_accepts_k_of_n(void **state)
{
    (void)state;
    size_t k = 0, n = 0;
    assert_int_equal(tmd_shard_parse(&k, &n, "2/4"), 0);
    assert_int_equal(k, 2);
    assert_int_equal(n, 4);
    assert_int_equal(tmd_shard_parse(&k, &n, "1/1"), 0);
    assert_int_equal(k, 1);
}

static void parse_rejects_nonsense(void **state)
{
    (void)state;
    size_t k, n;
    const char *bad[] = {"0/3", "4/3", "3", "/3", "1/", "a/b", "1/3x", "-1/3", "1/-3", "", "1/0", " 1/2"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(tmd_shard_parse(&k, &n, bad[i]), TMD_EINVAL);
    assert_int_equal(tmd_shard_parse(&k, &n, NULL), TMD_EINVAL);
}

static void durations_of_tests_prefixes_and_new(void **state)
{
    (void)state;
    const char *stored[] = {"t/test_b.py::test_x", "t/test_a.py::test_p[1]", "t/test_a.py::test_p[2]",
                            "t/test_a.py::test_pq", "t/test_a.py::T::test_m"};
    const double dur[] = {4.0, 1.0, 2.0, 8.0, 16.0};
    const char *ids[] = {"t/test_a.py", "t/test_a.py::test_p", "t/test_b.py::test_x",
                         "t/test_new.py::test_n", "t/test_a.py::T"};
    double out[5];
    assert_int_equal(tmd_shard_durations(out, ids, 5, stored, dur, 5), 0);
    assert_true(out[0] == 27.0);        /* the whole file */
    assert_true(out[1] == 3.0);         /* its parametrizations, not test_pq */
    assert_true(out[2] == 4.0);
    assert_true(out[3] == 31.0 / 5.0);  /* unknown: the mean */
    assert_true(out[4] == 16.0);        /* a class */
}

/* Every ID in exactly one part, deterministic, and balanced as the greedy
 * rule promises: no part exceeds the lightest by more than the longest job. */
static void assign_is_a_balanced_partition(void **state)
{
    (void)state;
    enum { N = 200, P = 7 };
    char *ids[N];
    double dur[N];
    unsigned seed = 12345;
    for (int i = 0; i < N; i++) {
        ids[i] = malloc(32);
        snprintf(ids[i], 32, "tests/test_%03d.py::test_f", i);
        seed = seed * 1103515245u + 12345u;
        dur[i] = (double)((seed >> 16) % 1000) / 100.0;
    }
    size_t a[N], b[N];
    assert_int_equal(tmd_shard_assign(a, (const char *const *)ids, dur, N, P), 0);
    assert_int_equal(tmd_shard_assign(b, (const char *const *)ids, dur, N, P), 0);
    assert_memory_equal(a, b, sizeof a);
    double load[P] = {0}, longest = 0;
    for (int i = 0; i < N; i++) {
        assert_true(a[i] < P);
        load[a[i]] += dur[i];
        if (dur[i] > longest)
            longest = dur[i];
    }
    double lo = load[0], hi = load[0];
    for (int p = 1; p < P; p++) {
        lo = load[p] < lo ? load[p] : lo;
        hi = load[p] > hi ? load[p] : hi;
    }
    assert_true(hi - lo <= longest);
    for (int i = 0; i < N; i++)
        free(ids[i]);
}

/* Same IDs given in another order land in the same parts. */
static void assign_ignores_input_order(void **state)
{
    (void)state;
    const char *ids[] = {"a::t1", "a::t2", "b::t1", "c::t9", "d"};
    const double dur[] = {3, 3, 1, 2, 5};
    const char *rev[] = {"d", "c::t9", "b::t1", "a::t2", "a::t1"};
    const double rdur[] = {5, 2, 1, 3, 3};
    size_t x[5], y[5];
    assert_int_equal(tmd_shard_assign(x, ids, dur, 5, 2), 0);
    assert_int_equal(tmd_shard_assign(y, rev, rdur, 5, 2), 0);
    for (int i = 0; i < 5; i++)
        assert_int_equal(x[i], y[4 - i]);
    /* longest first: d (5) -> part 0, a::t1 (3) -> 1, a::t2 (3) -> 1 (3 < 5),
     * c::t9 (2) -> 0 (5 < 6)? no: loads 5 and 6, so part 0; b::t1 -> part 1 (7 vs 6) */
    assert_int_equal(x[4], 0);
    assert_int_equal(x[0], 1);
    assert_int_equal(x[1], 1);
    assert_int_equal(x[3], 0);
    assert_int_equal(x[2], 1);
}

/* Untimed (new) tests spread by count instead of piling into part 0. */
static void untimed_tests_spread(void **state)
{
    (void)state;
    const char *ids[] = {"a", "b", "c", "d", "e", "f"};
    const double dur[6] = {0};
    size_t out[6], per[3] = {0};
    assert_int_equal(tmd_shard_assign(out, ids, dur, 6, 3), 0);
    for (int i = 0; i < 6; i++)
        per[out[i]]++;
    assert_int_equal(per[0], 2);
    assert_int_equal(per[1], 2);
    assert_int_equal(per[2], 2);
    assert_int_equal(tmd_shard_assign(out, ids, dur, 6, 0), TMD_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_accepts_k_of_n),
        cmocka_unit_test(parse_rejects_nonsense),
        cmocka_unit_test(durations_of_tests_prefixes_and_new),
        cmocka_unit_test(assign_is_a_balanced_partition),
        cmocka_unit_test(assign_ignores_input_order),
        cmocka_unit_test(untimed_tests_spread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
