/* test_ancestry.c: tmd_ancestry_list against `git rev-list` on histories with
 * merges, equal and skewed dates, an octopus merge and a shallow clone; and
 * tmd_ancestry_worktree_dirty. The git command line builds the repositories
 * and is the oracle for the order. */
#include "support.h"
#include "tmdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmp[256];

/* Runs a shell command in `dir` with fixed identities; its stdout is kept in
 * `out` (may be NULL). Returns the exit status. */
#define sh(out, cap, dir, ...) support_sh(out, cap, dir, tmp, __VA_ARGS__)

/* A commit touching `file` with both dates set to `when`. */
static void commit_at(const char *repo, const char *file, long when)
{
    assert_int_equal(sh(NULL, 0, repo,
                        "echo %ld >> %s && git add %s && GIT_AUTHOR_DATE=\"@%ld +0000\" GIT_COMMITTER_DATE=\"@%ld +0000\" "
                        "git commit -q -m %s%ld",
                        when, file, file, when, when, file, when),
                     0);
}

static void merge_at(const char *repo, const char *branches, long when)
{
    assert_int_equal(sh(NULL, 0, repo,
                        "GIT_AUTHOR_DATE=\"@%ld +0000\" GIT_COMMITTER_DATE=\"@%ld +0000\" git merge -q --no-ff -m m%ld %s",
                        when, when, when, branches),
                     0);
}

/* Asserts that the list equals `git rev-list [--max-count=depth] rev`. */
static void assert_same_as_git(const char *repo, const char *rev, size_t depth)
{
    static char expected[1 << 16];
    tmd_ancestry a;
    assert_int_equal(tmd_ancestry_list(&a, repo, rev, depth), TMD_OK);
    assert_int_equal(sh(expected, sizeof expected, repo, "git rev-list --max-count=%zu %s", depth, rev), 0);
    size_t lines = 0;
    char *line = expected;
    for (char *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1, lines++) {
        *nl = '\0';
        assert_true(lines < a.count);
        assert_string_equal(a.commits[lines], line);
    }
    assert_int_equal(a.count, lines);
    tmd_ancestry_free(&a);
}

/* main: 1000 1100 | topic forks at 1100: 1050 (older than its parent),
 * 1100 (a tie) | 1200 merge topic | side1, side2 from 1200 with equal dates |
 * octopus merge of both at 1300 | 1300 (a tie with the merge). */
static void build_tangled(const char *repo)
{
    assert_int_equal(sh(NULL, 0, tmp, "git init -q -b main %s", repo), 0);
    commit_at(repo, "a", 1000);
    commit_at(repo, "a", 1100);
    assert_int_equal(sh(NULL, 0, repo, "git checkout -q -b topic"), 0);
    commit_at(repo, "t", 1050);
    commit_at(repo, "t", 1100);
    assert_int_equal(sh(NULL, 0, repo, "git checkout -q main"), 0);
    merge_at(repo, "topic", 1200);
    assert_int_equal(sh(NULL, 0, repo, "git branch side1 && git branch side2"), 0);
    assert_int_equal(sh(NULL, 0, repo, "git checkout -q side1"), 0);
    commit_at(repo, "s1", 1250);
    assert_int_equal(sh(NULL, 0, repo, "git checkout -q side2"), 0);
    commit_at(repo, "s2", 1250);
    assert_int_equal(sh(NULL, 0, repo, "git checkout -q main"), 0);
    commit_at(repo, "a", 1250);
    merge_at(repo, "side1 side2", 1300);
    commit_at(repo, "a", 1300);
}

static void order_matches_rev_list(void **state)
{
    char repo[300];
    snprintf(repo, sizeof repo, "%s/tangled", tmp);
    build_tangled(repo);
    assert_same_as_git(repo, "HEAD", 100);
    assert_same_as_git(repo, "HEAD~1", 100);
    assert_same_as_git(repo, "topic", 100);
    assert_same_as_git(repo, "HEAD", 4);

    tmd_ancestry a;
    assert_int_equal(tmd_ancestry_list(&a, repo, NULL, 4), TMD_OK);
    assert_int_equal(a.count, 4);
    assert_true(a.depth_reached);
    assert_false(a.shallow);
    tmd_ancestry_free(&a);
    assert_int_equal(tmd_ancestry_list(&a, repo, NULL, 1000), TMD_OK);
    assert_false(a.depth_reached);
    assert_int_equal(a.count, 10);
    tmd_ancestry_free(&a);
}

/* A seeded random history: 4 branches, 120 commits, merges of up to three
 * parents, committer dates from a narrow range (many ties, children older
 * than parents). Every branch tip must list exactly as git does. */
static void random_histories_match_rev_list(void **state)
{
    char repo[300], stream[400];
    snprintf(repo, sizeof repo, "%s/random", tmp);
    snprintf(stream, sizeof stream, "%s/random.fi", tmp);
    assert_int_equal(sh(NULL, 0, tmp, "git init -q %s", repo), 0);
    FILE *f = fopen(stream, "w");
    assert_non_null(f);
    uint32_t seed = 12345;
#define NEXT() (seed = seed * 1103515245u + 12345u, (seed >> 16) & 0x7fff)
    int tip[4] = {0, 0, 0, 0};
    for (int mark = 1; mark <= 120; mark++) {
        int b = (int)(NEXT() % 4);
        fprintf(f, "commit refs/heads/b%d\nmark :%d\ncommitter t <t@e> %u +0000\ndata 0\n", b, mark,
                1000 + (unsigned)(NEXT() % 40));
        if (tip[b])
            fprintf(f, "from :%d\n", tip[b]);
        else if (mark > 1)
            fprintf(f, "from :%d\n", 1 + (int)(NEXT() % (unsigned)(mark - 1)));
        for (int other = 0; other < 4 && (tip[b] || mark > 1); other++)
            if (other != b && tip[other] && NEXT() % 5 == 0)
                fprintf(f, "merge :%d\n", tip[other]);
        fprintf(f, "M 644 inline f\ndata 4\n%04d\n", mark);
        tip[b] = mark;
    }
#undef NEXT
    fclose(f);
    assert_int_equal(sh(NULL, 0, repo, "git fast-import --quiet < %s", stream), 0);
    char merges[64];
    assert_int_equal(sh(merges, sizeof merges, repo, "git rev-list --all --merges | wc -l"), 0);
    assert_true(atoi(merges) >= 10); /* the shape this test is about */
    for (int b = 0; b < 4; b++) {
        char rev[8];
        snprintf(rev, sizeof rev, "b%d", b);
        if (tip[b]) {
            assert_same_as_git(repo, rev, 500);
            assert_same_as_git(repo, rev, 17);
        }
    }
}

static void shallow_clone_stops_and_says_so(void **state)
{
    char repo[300], clone[300], out[256];
    snprintf(repo, sizeof repo, "%s/tangled", tmp);
    snprintf(clone, sizeof clone, "%s/shallow", tmp);
    assert_int_equal(sh(NULL, 0, tmp, "git clone -q --depth 3 file://%s %s", repo, clone), 0);
    assert_same_as_git(clone, "HEAD", 100);
    tmd_ancestry a;
    assert_int_equal(tmd_ancestry_list(&a, clone, NULL, 100), TMD_OK);
    assert_true(a.shallow);
    assert_false(a.depth_reached);
    assert_int_equal(sh(out, sizeof out, clone, "git rev-list HEAD | wc -l"), 0);
    assert_int_equal(a.count, (size_t)atoi(out));
    tmd_ancestry_free(&a);
}

static void bad_input_is_not_found(void **state)
{
    char repo[300];
    tmd_ancestry a;
    snprintf(repo, sizeof repo, "%s/tangled", tmp);
    assert_int_equal(tmd_ancestry_list(&a, repo, "no-such-branch", 10), TMD_ENOTFOUND);
    assert_non_null(strstr(tmd_error_message(), "no-such-branch"));
    assert_int_equal(tmd_ancestry_list(&a, "/", NULL, 10), TMD_ENOTFOUND);
    assert_int_equal(tmd_ancestry_list(&a, repo, NULL, 0), TMD_EINVAL);
    assert_null(a.commits);
}

static void worktree_dirty_counts_tracked_files_only(void **state)
{
    char repo[300], head[41], commit[41] = "";
    int dirty = -1, is_head = -1;
    snprintf(repo, sizeof repo, "%s/tangled", tmp);
    assert_int_equal(sh(head, sizeof head, repo, "git rev-parse HEAD | tr -d \"\\n\""), 0);

    assert_int_equal(tmd_ancestry_worktree_dirty(&dirty, commit, &is_head, repo, NULL), TMD_OK);
    assert_int_equal(dirty, 0);
    assert_int_equal(is_head, 1);
    assert_string_equal(commit, head);

    assert_int_equal(sh(NULL, 0, repo, "echo new > untracked.txt"), 0);
    assert_int_equal(tmd_ancestry_worktree_dirty(&dirty, NULL, NULL, repo, NULL), TMD_OK);
    assert_int_equal(dirty, 0);

    assert_int_equal(sh(NULL, 0, repo, "echo edit >> a"), 0);
    assert_int_equal(tmd_ancestry_worktree_dirty(&dirty, NULL, NULL, repo, NULL), TMD_OK);
    assert_int_equal(dirty, 1);

    assert_int_equal(sh(NULL, 0, repo, "git checkout -q a && echo staged >> t && git add t"), 0);
    assert_int_equal(tmd_ancestry_worktree_dirty(&dirty, NULL, &is_head, repo, "HEAD~1"), TMD_OK);
    assert_int_equal(dirty, 1);
    assert_int_equal(is_head, 0);
    assert_int_equal(sh(NULL, 0, repo, "git reset -q --hard && rm untracked.txt"), 0);
}

int main(void)
{
    snprintf(tmp, sizeof tmp, "%s/tmdiff-ancestry-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(tmp) || system("git --version >/dev/null 2>&1") != 0)
        return SUPPORT_SKIP;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(order_matches_rev_list),
        cmocka_unit_test(random_histories_match_rev_list),
        cmocka_unit_test(shallow_clone_stops_and_says_so),
        cmocka_unit_test(bad_input_is_not_found),
        cmocka_unit_test(worktree_dirty_counts_tracked_files_only),
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
    if (system(cmd) != 0)
        failed++;
    return failed;
}
