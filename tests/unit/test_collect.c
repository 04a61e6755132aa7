/* test_collect.c: static pytest collection against what pytest collected.
 * 1. Every scenario tree of the conformance projects: the static listing,
 *    prefixes expanded, equals pytest's `collected` where it is exact and
 *    covers it through prefixes elsewhere; no exact item pytest lacks.
 * 2. A project of awkward cases run through Debian's pytest --collect-only:
 *    same rule, and the cases meant to be exact must be exact. */
#include "collect_internal.h"
#include "support.h"
#include "tmdiff.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tmdiff-collect-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...)
{
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    return system(cmd);
}

struct tally {
    size_t trees, exact_trees, ids, exact_ids;
};

/* Compares a static collection of `root` with pytest's list of node IDs. */
/* A node ID in one of the files pytest failed to import (`errors`): a static
 * listing cannot see import-time failures. */
static int in_error_file(const char *nodeid, char **errors, size_t nerrors)
{
    for (size_t i = 0; i < nerrors; i++) {
        size_t n = strlen(errors[i]);
        if (!strncmp(nodeid, errors[i], n) && (nodeid[n] == '\0' || nodeid[n] == ':'))
            return 1;
    }
    return 0;
}

static void check_against(const char *root, char **want, size_t nwant, char **errors, size_t nerrors,
                          struct tally *t, const char *label)
{
    tmd_collection c;
    int rc = tmd_collect_project(&c, root);
    if (rc)
        fail_msg("%s: %s", label, tmd_error_message());
    size_t exact_hits = 0;
    for (size_t i = 0; i < nwant; i++) {
        int how = tmd_collection_lookup(&c, want[i]);
        if (how == TMD_COLLECTED_NO)
            fail_msg("%s: pytest collects %s, the static listing misses it", label, want[i]);
        if (how == TMD_COLLECTED_YES)
            exact_hits++;
    }
    int all_exact = 1;
    for (size_t i = 0; i < c.count; i++) {
        if (c.items[i].kind != TMD_COLLECT_EXACT) {
            /* a prefix must stand for something pytest collects, unless it
             * is a file that does not parse (pytest collects nothing) or a
             * name that may be a TestCase (new tests only where it changed) */
            int used = !strcmp(c.items[i].why, TMD_COLLECT_WHY_MAYBE_TESTCASE);
            size_t n = strlen(c.items[i].nodeid);
            for (size_t k = 0; k < nwant && !used; k++)
                used = !strncmp(want[k], c.items[i].nodeid, n) &&
                       (want[k][n] == 0 || want[k][n] == '[' || want[k][n] == ':');
            if (!used && strcmp(c.items[i].why, TMD_COLLECT_WHY_NO_PARSE) != 0 &&
                !in_error_file(c.items[i].nodeid, errors, nerrors))
                fail_msg("%s: prefix %s (%s) stands for nothing pytest collects", label,
                         c.items[i].nodeid, c.items[i].why);
            all_exact = 0;
            continue;
        }
        int found = 0;
        for (size_t k = 0; k < nwant && !found; k++)
            found = !strcmp(want[k], c.items[i].nodeid);
        if (!found && in_error_file(c.items[i].nodeid, errors, nerrors)) {
            all_exact = 0; /* listed, but pytest fails to import its file */
            continue;
        }
        if (!found)
            fail_msg("%s: static listing has %s, pytest does not collect it", label, c.items[i].nodeid);
    }
    t->trees++;
    t->ids += nwant;
    t->exact_ids += exact_hits;
    if (all_exact && exact_hits == nwant)
        t->exact_trees++;
    tmd_collection_free(&c);
}

static char **json_strings(const cJSON *arr, size_t *n)
{
    *n = (size_t)cJSON_GetArraySize(arr);
    char **v = calloc(*n + 1, sizeof *v);
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) v[i++] = it->valuestring;
    return v;
}

/* Builds one scenario tree (base + files/ - deleted.txt) under tmpdir. */
static void build_tree(const char *project_dir, const char *scenario, const char *dest)
{
    assert_int_equal(run("rm -rf '%s' && cp -r '%s/base' '%s'", dest, project_dir, dest), 0);
    if (!scenario)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s/scenarios/%s/files", project_dir, scenario);
    if (access(path, F_OK) == 0)
        assert_int_equal(run("cp -r '%s/.' '%s/'", path, dest), 0);
    snprintf(path, sizeof path, "%s/scenarios/%s/deleted.txt", project_dir, scenario);
    FILE *f = fopen(path, "r");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\r\n")] = '\0';
            if (*line)
                assert_int_equal(run("rm -rf '%s/%s'", dest, line), 0);
        }
        fclose(f);
    }
}

static void conformance_projects(void **state)
{
    (void)state;
    const char *projects = support_shared_path("conformance/projects");
    DIR *d = opendir(projects);
    if (!d)
        skip();
    struct tally t = {0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char pdir[1024], sdir[1100];
        snprintf(pdir, sizeof pdir, "%s/%s", projects, e->d_name);
        snprintf(sdir, sizeof sdir, "%s/scenarios", pdir);
        DIR *sd = opendir(sdir);
        if (!sd)
            continue;
        struct dirent *s;
        while ((s = readdir(sd))) {
            if (s->d_name[0] == '.')
                continue;
            char exp[1400], dest[600], label[600];
            snprintf(exp, sizeof exp, "%s/%s/expected.json", sdir, s->d_name);
            char *json = support_read_file(exp, NULL);
            assert_non_null(json);
            cJSON *doc = cJSON_Parse(json);
            assert_non_null(doc);
            size_t n;
            char **want = json_strings(cJSON_GetObjectItem(doc, "collected"), &n);
            size_t nerr;
            char **errors = json_strings(cJSON_GetObjectItem(doc, "collection_errors"), &nerr);
            snprintf(dest, sizeof dest, "%s/tree", tmpdir);
            snprintf(label, sizeof label, "%s/%s", e->d_name, s->d_name);
            build_tree(pdir, s->d_name, dest);
            check_against(dest, want, n, errors, nerr, &t, label);
            free(want);
            free(errors);
            cJSON_Delete(doc);
            free(json);
        }
        closedir(sd);
    }
    closedir(d);
    print_message("conformance: %zu scenario trees, %zu exactly listed; %zu of %zu node IDs exact\n",
                  t.trees, t.exact_trees, t.exact_ids, t.ids);
    assert_int_equal(t.trees, 49);
    assert_true(t.exact_ids * 10 >= t.ids * 9); /* prefixes stay the exception */
}

static void write_file(const char *dir, const char *rel, const char *text)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    char *slash = strrchr(path, '/');
    *slash = '\0';
    run("mkdir -p '%s'", path);
    *slash = '/';
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* pytest's own answer: `python3 -m pytest --collect-only -q` node IDs. */
static char **pytest_collect(const char *root, size_t *n)
{
    *n = 0;
    char cmd[1200];
    snprintf(cmd, sizeof cmd,
             "cd '%s' && /usr/bin/python3 -m pytest --collect-only -q -p no:cacheprovider 2>/dev/null", root);
    FILE *p = popen(cmd, "r");
    if (!p)
        return NULL;
    char **v = calloc(4096, sizeof *v);
    *n = 0;
    char line[2048];
    while (fgets(line, sizeof line, p) && *n < 4095) {
        line[strcspn(line, "\n")] = '\0';
        char *sep = strstr(line, "::");
        if (sep && line[0] != ' ' && !memchr(line, ' ', (size_t)(sep - line)))
            v[(*n)++] = strdup(line);
    }
    pclose(p);
    return v;
}

/* Fails unless each of the `n` node IDs looks up as `want` (TMD_COLLECTED_*). */
static void assert_lookups(const tmd_collection *c, const char *const *ids, size_t n, int want)
{
    static const char *const as[] = {"not collected", "listed exactly", "under a prefix"};
    for (size_t i = 0; i < n; i++) {
        int got = tmd_collection_lookup(c, ids[i]);
        if (got != want)
            fail_msg("%s: %s, should be %s", ids[i], as[got], as[want]);
    }
}

static const char awkward_conftest[] =
    "import pytest\n"
    "@pytest.fixture(params=[1, 2])\n"
    "def number(request):\n    return request.param\n"
    "@pytest.fixture\n"
    "def doubled(number):\n    return 2 * number\n"
    "@pytest.fixture\n"
    "def plain():\n    return 0\n";

static const char awkward_tests[] =
    "# -*- coding: utf-8 -*-\n"
    "import pytest\n"
    "import unittest\n"
    "from unittest import TestCase\n"
    "from decimal import Decimal\n"
    "\n"
    "def test_plain(plain):\n    pass\n"
    "async def test_async():\n    pass\n"
    "def helper():\n    pass\n"
    "@pytest.mark.skip\n"
    "def test_marked():\n    pass\n"
    "@pytest.mark.parametrize('s', ['caf\\u00e9', 'tab\\there', 'back\\\\slash', b'by\\xfftes', '\\U0001f600', 'x', \"\"\"tri\nple\"\"\", r'\\d+'])\n"
    "def test_strings(s):\n    pass\n"
    "@pytest.mark.parametrize('n', [0, -1, 1.5, -0.0, 1e16, 1e-5, 0.1, 123456789.125, 0x1F, 1_000, True, None, 2.0])\n"
    "def test_numbers(n):\n    pass\n"
    "@pytest.mark.parametrize('a, b', [([1], {2: 3}), ((4,), lambda: 0)])\n"
    "def test_objects(a, b):\n    pass\n"
    "@pytest.mark.parametrize('x', [1, 2])\n"
    "@pytest.mark.parametrize('y', ['p', 'q'])\n"
    "def test_stacked(x, y):\n    pass\n"
    "@pytest.mark.parametrize('v', [pytest.param(1, id='one'), pytest.param(2, marks=pytest.mark.slow), 3], ids=['a', 'b', None])\n"
    "def test_param_ids(v):\n    pass\n"
    "@pytest.mark.parametrize(('p', 'q'), [(1, 2)], ids=['\\u00e9t\\u00e9 [x]'])\n"
    "def test_tuple_names(p, q):\n    pass\n"
    "@pytest.mark.parametrize('d', [Decimal('1.5'), Decimal('2')])\n"
    "def test_assumed(d):\n    pass\n"
    "@pytest.mark.parametrize('w', [str(1), 'a' + 'b'])\n"
    "def test_unknown_values(w):\n    pass\n"
    "def test_fixture_params(doubled):\n    pass\n"
    "@pytest.mark.parametrize('number', [7])\n"
    "def test_overrides_fixture(number):\n    pass\n"
    "@pytest.fixture\n"
    "def test_is_a_fixture():\n    return 1\n"
    "\n"
    "@pytest.mark.parametrize('k', ['K1', 'K2'])\n"
    "class TestParamClass:\n"
    "    def test_m(self, k):\n        pass\n"
    "    @pytest.mark.parametrize('j', [0])\n"
    "    def test_both(self, k, j):\n        pass\n"
    "\n"
    "class TestOuter:\n"
    "    def test_a(self):\n        pass\n"
    "    @staticmethod\n"
    "    def test_static():\n        pass\n"
    "    class TestInner:\n"
    "        def test_b(self):\n            pass\n"
    "    class NotATest:\n"
    "        def test_c(self):\n            pass\n"
    "\n"
    "class TestWithInit:\n"
    "    def __init__(self):\n        pass\n"
    "    def test_never(self):\n        pass\n"
    "\n"
    "class TestBase:\n"
    "    def test_inherited(self):\n        pass\n"
    "class TestChild(TestBase):\n"
    "    def test_own(self):\n        pass\n"
    "\n"
    "class TestHidden:\n"
    "    __test__ = False\n"
    "    def test_hidden(self):\n        pass\n"
    "\n"
    "class MyCase(unittest.TestCase):\n"
    "    def test_one(self):\n        pass\n"
    "    def testTwo(self):\n        pass\n"
    "    def helper(self):\n        pass\n"
    "class OtherCase(TestCase):\n"
    "    def runTest(self):\n        pass\n"
    "class DerivedCase(MyCase):\n"
    "    def test_three(self):\n        pass\n"
    "\n"
    "if __name__ == '__main__':\n"
    "    def test_main_only():\n        pass\n"
    "\n"
    "def test_redefined():\n    pass\n"
    "def test_redefined():\n    pass\n"
    "def test_\xef\xac\x81le():\n    pass\n" /* U+FB01: NFKC makes it test_file */
    /* U+017F and U+FF34: only their NFKC forms match python_functions/classes */
    "def te\xc5\xbft_long_s():\n    pass\n"
    "class \xef\xbc\xb4" "estWide:\n    def test_w(self):\n        pass\n"
    "    def te\xc5\xbft_method(self):\n        pass\n"
    "class Test\xc3\x89t\xc3\xa9:\n    def test_x(self):\n        pass\n"
    /* module constants as parametrize arguments: read unless changed */
    "CASES = [(1, 'a'), (2, 'b')]\n"
    "IDS = ['first', 'second']\n"
    "NAME = 'n'\n"
    "MUTATED = [1, 2]\n"
    "MUTATED.append(3)\n"
    "SHADOWED = [1]\n"
    "def helper():\n    global SHADOWED\n    SHADOWED = [1, 2]\n"
    "helper()\n"
    "TWICE = [1]\n"
    "TWICE = [1, 2]\n"
    "@pytest.mark.parametrize('x, y', CASES)\n"
    "def test_const_cases(x, y):\n    pass\n"
    "@pytest.mark.parametrize('x, y', CASES, ids=IDS)\n"
    "def test_const_ids(x, y):\n    pass\n"
    "@pytest.mark.parametrize(NAME, [NAME, 3])\n"
    "def test_const_name(n):\n    pass\n"
    "@pytest.mark.parametrize('m', MUTATED)\n"
    "def test_mutated(m):\n    pass\n"
    "@pytest.mark.parametrize('s', SHADOWED)\n"
    "def test_shadowed(s):\n    pass\n"
    "@pytest.mark.parametrize('t', TWICE)\n"
    "def test_twice(t):\n    pass\n"
    /* a base's class marks apply to subclasses, the class's own first */
    "@pytest.mark.parametrize('q', [3, 4])\nclass MarkedBase:\n    def test_mb(self, q, r):\n        pass\n"
    "@pytest.mark.parametrize('r', [5])\nclass TestMarkedSub(MarkedBase):\n    pass\n";

/* Names that must come out exact: a regression here is a lost precision. */
static const char *const must_be_exact[] = {
    "tests/test_awkward.py::test_plain",
    "tests/test_awkward.py::test_async",
    "tests/test_awkward.py::test_strings[caf\\xe9]",
    "tests/test_awkward.py::test_strings[by\\xfftes]",
    "tests/test_awkward.py::test_numbers[1e+16]",
    "tests/test_awkward.py::test_numbers[-0.0]",
    "tests/test_awkward.py::test_objects[a1-<lambda>]",
    "tests/test_awkward.py::test_stacked[p-1]",
    "tests/test_awkward.py::test_param_ids[one]",
    "tests/test_awkward.py::test_param_ids[3]",
    "tests/test_awkward.py::TestParamClass::test_both[0-K2]",
    "tests/test_awkward.py::TestOuter::TestInner::test_b",
    "tests/test_awkward.py::TestOuter::test_static",
    "tests/test_awkward.py::TestChild::test_inherited",
    "tests/test_awkward.py::MyCase::testTwo",
    "tests/test_awkward.py::OtherCase::runTest",
    "tests/test_awkward.py::DerivedCase::test_one",
    "tests/test_awkward.py::test_overrides_fixture[7]",
    "tests/sub/test_x.py::test_in_sub",
    "tests/linked/test_outside.py::test_outside",
    "tests/test_link.py::test_in_sub",
    "tests/test_awkward.py::test_file",
    "tests/test_awkward.py::test_const_cases[1-a]",
    "tests/test_awkward.py::test_const_ids[second]",
    "tests/test_awkward.py::test_const_name[n]",
    "tests/test_awkward.py::Test\xc3\x89t\xc3\xa9::test_x",
    "tests/test_awkward.py::test_long_s",
    "tests/test_awkward.py::TestWide::test_w",
    "tests/test_awkward.py::TestWide::test_method",
    "tests/test_awkward.py::TestMarkedSub::test_mb[5-3]",
    "tests/test_awkward.py::TestMarkedSub::test_mb[5-4]",
    NULL};

static void awkward_cases_against_pytest(void **state)
{
    (void)state;
    if (run("/usr/bin/python3 -c 'import pytest' 2>/dev/null") != 0)
        skip();
    char root[400];
    snprintf(root, sizeof root, "%s/awkward", tmpdir);
    write_file(root, "pytest.ini", "[pytest]\ntestpaths = tests\nnorecursedirs = skipme .*\n");
    write_file(root, "tests/conftest.py", awkward_conftest);
    write_file(root, "tests/test_awkward.py", awkward_tests);
    write_file(root, "tests/sub/test_x.py", "def test_in_sub():\n    pass\n");
    write_file(root, "tests/skipme/test_y.py", "def test_skipped():\n    pass\n");
    write_file(root, "tests/helpers.py", "def test_not_collected():\n    pass\n");
    write_file(root, "tests/broken_test.py", "def test_broken(:\n    pass\n");
    write_file(root, "other/test_outside.py", "def test_outside():\n    pass\n");
    /* the walk follows symlinks as pytest does; a dangling one is nothing */
    assert_int_equal(run("ln -s ../other '%s/tests/linked' && ln -s sub/test_x.py '%s/tests/test_link.py' && "
                         "ln -s nowhere.py '%s/tests/test_dangling.py'", root, root, root), 0);
    size_t n;
    char **want = pytest_collect(root, &n);
    assert_non_null(want);
    assert_true(n > 30);
    struct tally t = {0};
    check_against(root, want, n, NULL, 0, &t, "awkward");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    for (size_t i = 0; must_be_exact[i]; i++)
        if (tmd_collection_lookup(&c, must_be_exact[i]) != TMD_COLLECTED_YES)
            fail_msg("%s should be listed exactly", must_be_exact[i]);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_awkward.py::test_fixture_params[1]"),
                     TMD_COLLECTED_MAYBE);
    /* changed or rebound constants are not read */
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_awkward.py::test_mutated[3]"), TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_awkward.py::test_shadowed[2]"), TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_awkward.py::test_twice[2]"), TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_awkward.py::TestWithInit::test_never"),
                     TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "tests/skipme/test_y.py::test_skipped"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "other/test_outside.py::test_outside"), TMD_COLLECTED_NO);
    print_message("awkward: %zu of %zu pytest node IDs listed exactly\n", t.exact_ids, t.ids);
    tmd_collection_free(&c);
    for (size_t i = 0; i < n; i++)
        free(want[i]);
    free(want);
}

/* A lone CR ends a line for CPython (old Mac line ends, or a stray one):
 * the tests around it are listed exactly, as pytest collects them. */
static void lone_cr_line_ends(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/lone_cr", tmpdir);
    write_file(root, "tests/test_cr.py",
               "import pytest\r\rdef test_a():\r    x = 1\r    assert x\r"
               "@pytest.mark.parametrize('v', ['p\\rq', 'r'])\rdef test_b(v):  # c\r    pass\r");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_cr.py::test_a"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_cr.py::test_b[p\\rq]"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_cr.py::test_b[r]"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_cr.py::test_c"), TMD_COLLECTED_NO);
    tmd_collection_free(&c);
}

/* Backslash continuations inside a decorator's arguments, a parameter list
 * and a class's bases are blanks, as comments are: the IDs stay exact. */
static void line_continuations(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/continued", tmpdir);
    write_file(root, "tests/test_cont.py",
               "import pytest\n"
               "class Base:\n    pass\n"
               "class TestC(Base, \\\n  object):\n    def test_m(self):\n        pass\n"
               "@pytest.mark.parametrize(\\\n  'v', [1, \\\n  2,  # two\n  pytest.param(3, \\\n  id='three')])\n"
               "def test_p(v):\n    pass\n"
               "@pytest.mark.usefixtures('tmp_path', \\\n  'capsys')\ndef test_u():\n    pass\n"
               "class TestS:\n    def test_s(\\\n      self):\n        pass\n"
               "@\\\n  pytest.mark.parametrize('w', [5, 6])\ndef test_d(w):\n    pass\n"
               "def test_f(pf):\n    pass\n");
    /* a method's first parameter is its self even after a continuation,
     * not this parametrized fixture */
    write_file(root, "tests/conftest.py",
               "import pytest\n@pytest.fixture(params=[1, 2])\ndef self(request):\n    return request.param\n"
               "@\\\npytest.fixture(params=[7, 8])\ndef pf(request):\n    return request.param\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const exact[] = {"tests/test_cont.py::TestC::test_m", "tests/test_cont.py::test_p[1]",
                                        "tests/test_cont.py::test_p[2]", "tests/test_cont.py::test_p[three]",
                                        "tests/test_cont.py::test_u", "tests/test_cont.py::TestS::test_s",
                                        "tests/test_cont.py::test_d[5]", "tests/test_cont.py::test_d[6]"};
    assert_lookups(&c, exact, sizeof exact / sizeof *exact, TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_cont.py::test_p[4]"), TMD_COLLECTED_NO);
    /* a fixture whose decorator continues after its `@` still parametrizes */
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_cont.py::test_f[7]"), TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
}

/* ini usefixtures (IDs from Debian's pytest): a parametrized fixture there
 * parametrizes every test; a plain one changes no ID. */
static void ini_usefixtures(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/inifixtures", tmpdir);
    write_file(root, "tests/conftest.py", "import pytest\n@pytest.fixture(params=[1, 2])\ndef pf(request):\n"
                                          "    return request.param\n@pytest.fixture\ndef plain():\n    return 0\n");
    write_file(root, "tests/test_u.py", "def test_u():\n    pass\n");
    write_file(root, "pytest.ini", "[pytest]\nusefixtures = pf\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_u.py::test_u[1]"), TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    write_file(root, "pytest.ini", "[pytest]\nusefixtures = plain\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_u.py::test_u"), TMD_COLLECTED_YES);
    tmd_collection_free(&c);
}

/* Names bound at runtime and nose's __test__ = True (IDs from Debian's
 * pytest): the module or class is a PREFIX; setattr inside a test body binds
 * nothing pytest collects. */
static void names_bound_at_runtime(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/runtime", tmpdir);
    write_file(root, "tests/test_globals.py", "for i in range(2):\n    globals()['test_g%d' % i] = lambda: None\n");
    write_file(root, "tests/test_setattr.py", "class TestS:\n    pass\nsetattr(TestS, 'test_set', lambda self: None)\n");
    write_file(root, "tests/test_classattr.py", "class TestA:\n    pass\nTestA.test_added = lambda self: None\n");
    write_file(root, "tests/test_inclass.py", "class TestI:\n    locals()['test_l'] = lambda self: None\n");
    write_file(root, "tests/test_plain.py", "def test_p(monkeypatch):\n    monkeypatch.setattr('os.sep', '/')\n"
                                            "settings = object()\nDEBUG = settings.__class__\n"
                                            "class TestOff:\n    __test__ = False\n    def test_o(self):\n        pass\n");
    write_file(root, "tests/test_subclass.py", "class Base:\n    def __init_subclass__(cls):\n"
                                               "        cls.test_sub = lambda self: None\n"
                                               "class TestSub(Base):\n    pass\n");
    /* nose style: __test__ = True collects whatever the name */
    write_file(root, "tests/test_nose.py", "class Checks:\n    __test__ = True\n    def test_a(self):\n        pass\n"
                                           "def check_b():\n    pass\ncheck_b.__test__ = True\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const maybe[] = {"tests/test_globals.py::test_g0", "tests/test_setattr.py::TestS::test_set",
                                        "tests/test_classattr.py::TestA::test_added",
                                        "tests/test_inclass.py::TestI::test_l", "tests/test_nose.py::Checks::test_a",
                                        "tests/test_nose.py::check_b", "tests/test_subclass.py::TestSub::test_sub"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_plain.py::test_p"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_plain.py::test_q"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_plain.py::TestOff::test_o"), TMD_COLLECTED_NO);
    tmd_collection_free(&c);
}

/* Names bound by a function the module's import-time code uses: called at
 * module level, as a decorator, through another function, or an imported
 * helper handed __name__ (Debian's pytest collects test_made, test_b_again,
 * test_gen, test_c0 here). Helpers that only tests call, a logger, the
 * main guard and a __dict__ only read leave the module exact. */
static void names_bound_through_calls(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/runtime_calls", tmpdir);
    write_file(root, "tests/test_call.py", "def _make():\n    globals()['test_made'] = lambda: None\n_make()\n"
                                           "def test_other():\n    pass\n");
    write_file(root, "tests/test_deco.py", "def twice(f):\n    globals()[f.__name__ + '_again'] = f\n    return f\n"
                                           "@twice\ndef test_b():\n    pass\n");
    write_file(root, "tests/test_chain.py", "def _bind(name):\n    globals()[name] = lambda: None\n"
                                            "def _outer():\n    _bind('test_c0')\nif True:\n    _outer()\n");
    write_file(root, "tests/test_name.py", "from helpers import gen\ngen(__name__)\n");
    write_file(root, "tests/test_method.py", "class TestM:\n    @classmethod\n    def make(cls):\n"
                                             "        setattr(cls, 'test_m', lambda self: None)\nTestM.make()\n");
    write_file(root, "tests/test_quiet.py", "import logging\nlog = logging.getLogger(__name__)\n"
                                            "def _patch(obj):\n    setattr(obj, 'x', 1)\n"
                                            "def test_q():\n    _patch(log)\n"
                                            "if __name__ == '__main__':\n    test_q()\n");
    /* a __dict__ only read binds nothing; one written does */
    write_file(root, "tests/test_reads.py", "import os\n"
                                            "def _public(mod):\n"
                                            "    return [k for k, v in mod.__dict__.items() if k[0] != '_']\n"
                                            "NAMES = _public(os)\ndef test_r2():\n    pass\n");
    write_file(root, "tests/test_dict.py", "import sys\n"
                                           "def _bind():\n    sys.modules[__name__].__dict__['test_d'] = lambda: None\n"
                                           "_bind()\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const maybe[] = {"tests/test_call.py::test_made", "tests/test_deco.py::test_b_again",
                                        "tests/test_chain.py::test_c0", "tests/test_name.py::test_gen",
                                        "tests/test_method.py::TestM::test_m", "tests/test_dict.py::test_d"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_quiet.py::test_q"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_reads.py::test_r2"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_reads.py::test_r3"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_quiet.py::test_r"), TMD_COLLECTED_NO);
    tmd_collection_free(&c);
}

/* Data under test-like names (test_cases = [...], a class's test_values)
 * is never callable: pytest and unittest pass it by, so it is no test and
 * no prefix (a prefix for it would select the file on every run). Names
 * bound to calls or other names stay prefixes. */
static void data_named_like_tests(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/data_names", tmpdir);
    write_file(root, "test_d.py", "import unittest\n"
                                  "test_cases = [(1, 2)]\ntest_table = test_other = {'a': 1}\n"
                                  "test_count = 3\ntest_ann: int\nTestData = {}\ntest_gen = (i for i in [])\n"
                                  "test_call = make()\ntest_alias = print\n"
                                  "class TestX:\n    test_values = [1]\n    def test_a(self):\n        pass\n"
                                  "class TestU(unittest.TestCase):\n    test_data = (1,)\n"
                                  "    def test_b(self):\n        pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const no[] = {"test_d.py::test_cases", "test_d.py::test_table", "test_d.py::test_other",
                                     "test_d.py::test_count", "test_d.py::test_ann", "test_d.py::TestData",
                                     "test_d.py::test_gen", "test_d.py::TestX::test_values",
                                     "test_d.py::TestU::test_data"};
    assert_lookups(&c, no, sizeof no / sizeof *no, TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "test_d.py::TestX::test_a"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "test_d.py::TestU::test_b"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "test_d.py::test_call"), TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "test_d.py::test_alias"), TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
}

/* conftest.py's collect_ignore and collect_ignore_glob: read when they are
 * lists of strings (pytest asks the nearest conftest that has the name, and
 * joins the values to that conftest's folder); built from literals, the
 * paths they name become prefixes. Debian's pytest collects exactly
 * dyn/test_d1, over/test_o_old, pkg/test_keep and sub/test_s1 here. */
static void conftest_collect_ignore(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/collect_ignore", tmpdir);
    write_file(root, "conftest.py", "collect_ignore = [\"setup.py\", \"legacy\", \"./pkg/../pkg/test_skip.py\"]\n"
                                    "collect_ignore_glob = [\"*_old.py\"]\n");
    write_file(root, "legacy/test_l.py", "def test_l():\n    pass\n");
    write_file(root, "pkg/test_skip.py", "def test_s():\n    pass\n");
    write_file(root, "pkg/test_keep.py", "def test_k():\n    pass\n");
    write_file(root, "pkg/test_x_old.py", "def test_x():\n    pass\n");
    write_file(root, "sub/conftest.py", "collect_ignore = (\"../pkg/test_keep.py\", \"test_s2.py\",)\n");
    write_file(root, "sub/test_s1.py", "def test_1():\n    pass\n");
    write_file(root, "sub/test_s2.py", "def test_2():\n    pass\n");
    write_file(root, "sub/test_a_old.py", "def test_a():\n    pass\n");
    write_file(root, "over/conftest.py", "collect_ignore_glob: list = []\n");
    write_file(root, "over/test_o_old.py", "def test_o():\n    pass\n");
    write_file(root, "dyn/conftest.py", "collect_ignore = []\ncollect_ignore.append(\"test_d2.py\")\n");
    write_file(root, "dyn/test_d1.py", "def test_d1():\n    pass\n");
    write_file(root, "dyn/test_d2.py", "def test_d2():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    static const char *const exact[] = {"over/test_o_old.py::test_o", "pkg/test_keep.py::test_k",
                                        "sub/test_s1.py::test_1"};
    assert_lookups(&c, exact, sizeof exact / sizeof *exact, TMD_COLLECTED_YES);
    static const char *const ignored[] = {"legacy/test_l.py", "pkg/test_skip.py", "pkg/test_x_old.py",
                                          "sub/test_s2.py", "sub/test_a_old.py"};
    for (size_t i = 0; i < sizeof ignored / sizeof *ignored; i++)
        if (tmd_collection_lists_file(&c, ignored[i]))
            fail_msg("%s is ignored by a conftest", ignored[i]);
    /* built from literals: only what they name may be ignored */
    assert_int_equal(tmd_collection_lookup(&c, "dyn/test_d1.py::test_d1"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "dyn/test_d2.py::test_d2"), TMD_COLLECTED_MAYBE);
    if (run("/usr/bin/python3 -c 'import pytest' 2>/dev/null") == 0) { /* the tree as said above */
        size_t n;
        char **want = pytest_collect(root, &n);
        assert_non_null(want);
        assert_int_equal(n, 4);
        for (size_t i = 0; i < n; i++) {
            if (tmd_collection_lookup(&c, want[i]) == TMD_COLLECTED_NO)
                fail_msg("pytest collects %s, the static listing misses it", want[i]);
            free(want[i]);
        }
        free(want);
    }
    tmd_collection_free(&c);
}

/* pytest_generate_tests acting only under `if "x" in metafunc.fixturenames`
 * (pytest's documented pattern) leaves tests that request none of its names
 * exact; one that may act on any test (it can parametrize a test without
 * arguments), or is bound some other way, makes every test in its scope a
 * prefix. IDs as Debian's pytest collects them. */
static void generate_hooks(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/generate_hooks", tmpdir);
    write_file(root, "conftest.py",
               "import pytest\n"
               "def pytest_generate_tests(metafunc):\n"
               "    \"\"\"Doc.\"\"\"\n"
               "    if \"x\" in metafunc.fixturenames and metafunc.config:\n"
               "        metafunc.parametrize(\"x\", [1, 2])\n"
               "    elif (\"y\" in metafunc.fixturenames) or \"z\" in metafunc.fixturenames:\n"
               "        metafunc.fixturenames.append(\"rep\")\n"
               "        metafunc.parametrize(\"rep\", [0, 1])\n"
               "@pytest.fixture\ndef usesx(x):\n    return x\n"
               "@pytest.fixture\ndef plain():\n    return 1\n");
    write_file(root, "test_g.py",
               "import pytest\n"
               "def test_a():\n    pass\n"
               "def test_b(x):\n    pass\n"
               "def test_plain(plain):\n    pass\n"
               "def test_via(usesx):\n    pass\n"
               "def test_default(y=3):\n    pass\n"
               "@pytest.mark.usefixtures(\"usesx\")\ndef test_use():\n    pass\n"
               "@pytest.mark.parametrize(\"z\", [5])\ndef test_own(z):\n    pass\n"
               "class TestC:\n    def test_m(self):\n        pass\n");
    /* a module's own hooks: guarded, then one that acts on every test */
    write_file(root, "test_own_hook.py",
               "def pytest_generate_tests(metafunc):\n"
               "    if \"w\" in metafunc.fixturenames:\n        metafunc.parametrize(\"w\", [7])\n"
               "def test_w(w):\n    pass\n"
               "def test_plain():\n    pass\n");
    write_file(root, "test_any_hook.py",
               "def pytest_generate_tests(metafunc):\n"
               "    metafunc.parametrize([], [(), ()], ids=[\"once\", \"twice\"])\n"
               "def test_plain():\n    pass\n");
    /* imported into a conftest: not read */
    write_file(root, "imported/hooks.py", "def pytest_generate_tests(metafunc):\n"
                                          "    metafunc.parametrize([], [()], ids=[\"i\"])\n");
    write_file(root, "imported/conftest.py", "from hooks import pytest_generate_tests\n");
    write_file(root, "imported/test_i.py", "def test_i():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const exact[] = {"test_g.py::test_a", "test_g.py::test_plain", "test_g.py::test_default",
                                        "test_g.py::TestC::test_m", "test_own_hook.py::test_plain"};
    assert_lookups(&c, exact, sizeof exact / sizeof *exact, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"test_g.py::test_b[1]", "test_g.py::test_via[2]", "test_g.py::test_use[1]",
                                        "test_g.py::test_own[0-5]", "test_own_hook.py::test_w[7]",
                                        "test_any_hook.py::test_plain[once]", "imported/test_i.py::test_i[i]"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    if (run("/usr/bin/python3 -c 'import pytest' 2>/dev/null") == 0) { /* the tree as said above */
        size_t n;
        char **want = pytest_collect(root, &n);
        assert_non_null(want);
        assert_int_equal(n, 17);
        struct tally t = {0};
        check_against(root, want, n, NULL, 0, &t, "generate_hooks");
        assert_int_equal(t.exact_ids, 5);
        for (size_t i = 0; i < n; i++)
            free(want[i]);
        free(want);
    }
}

/* Modules under the root that the root conftest's pytest_plugins (and
 * they in theirs, and addopts' -p) load are read like conftests for the
 * whole tree: a parametrized fixture there parametrizes the tests that
 * request it. Before, those tests were listed without parameters. */
static void plugin_modules(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/plugin_modules", tmpdir);
    write_file(root, "conftest.py", "pytest_plugins = [\"tests.plugins.fix\", \"pytester\"]\n");
    write_file(root, "pytest.ini", "[pytest]\naddopts = -p tests.plugins.opt\n");
    write_file(root, "tests/plugins/fix.py",
               "import pytest\npytest_plugins = \"tests.plugins.more\"\n"
               "@pytest.fixture(params=[1, 2])\ndef num(request):\n    return request.param\n"
               "def pytest_generate_tests(metafunc):\n"
               "    if \"gen\" in metafunc.fixturenames:\n        metafunc.parametrize(\"gen\", [\"a\"])\n");
    write_file(root, "tests/plugins/more.py",
               "import pytest\n@pytest.fixture(params=[\"m\"])\ndef more(request):\n    return request.param\n");
    write_file(root, "tests/plugins/opt.py",
               "import pytest\n@pytest.fixture(params=[\"o\"])\ndef opt(request):\n    return request.param\n");
    write_file(root, "tests/test_p.py", "def test_num(num):\n    pass\ndef test_more(more):\n    pass\n"
                                        "def test_opt(opt):\n    pass\ndef test_gen(gen):\n    pass\n"
                                        "def test_plain():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_p.py::test_plain"), TMD_COLLECTED_YES);
    static const char *const maybe[] = {"tests/test_p.py::test_num[1]", "tests/test_p.py::test_more[m]",
                                        "tests/test_p.py::test_opt[o]", "tests/test_p.py::test_gen[a]"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    if (run("/usr/bin/python3 -c 'import pytest' 2>/dev/null") == 0) { /* the tree as said above */
        size_t n;
        char **want = pytest_collect(root, &n);
        assert_non_null(want);
        assert_int_equal(n, 6);
        struct tally t = {0};
        check_against(root, want, n, NULL, 0, &t, "plugin_modules");
        for (size_t i = 0; i < n; i++)
            free(want[i]);
        free(want);
    }
}

/* A test parametrized only by one fixture's literal params= (directly or
 * through fixtures it requests), by range(...) or by values with duplicates,
 * expects exactly the IDs pytest gives it:
 * with those stored, nothing under it is new (before, every such test was
 * selected on every run). Overridden or unread fixtures expect nothing. */
/* A prefix and the IDs it should expect (none: it expects none). */
struct expecting {
    const char *prefix;
    const char *expect[3];
};

/* Fails unless each prefix of `want` is listed expecting exactly its IDs. */
static void assert_prefixes_expect(const tmd_collection *c, const struct expecting *want, size_t nwant)
{
    for (size_t i = 0; i < nwant; i++) {
        const tmd_collected *it = NULL;
        for (size_t k = 0; k < c->count && !it; k++)
            if (!strcmp(c->items[k].nodeid, want[i].prefix))
                it = &c->items[k];
        if (!it || it->kind != TMD_COLLECT_PREFIX)
            fail_msg("%s should be a prefix", want[i].prefix);
        size_t n = 0;
        while (n < 3 && want[i].expect[n])
            n++;
        if (it->nexpect != n)
            fail_msg("%s expects %zu IDs, not %zu", want[i].prefix, n, it->nexpect);
        for (size_t k = 0; k < n; k++)
            assert_string_equal(it->expect[k], want[i].expect[k]);
    }
}

/* The same and, where Debian's pytest is present, pytest collects each of
 * the IDs from `root`. */
static void assert_expecting(const tmd_collection *c, const char *root, const struct expecting *want, size_t nwant)
{
    assert_prefixes_expect(c, want, nwant);
    if (run("/usr/bin/python3 -c 'import pytest' 2>/dev/null") != 0)
        return;
    size_t np;
    char **ids = pytest_collect(root, &np);
    assert_non_null(ids);
    for (size_t i = 0; i < nwant; i++)
        for (size_t k = 0; k < 3 && want[i].expect[k]; k++) {
            int found = 0;
            for (size_t j = 0; j < np; j++)
                found |= !strcmp(ids[j], want[i].expect[k]);
            if (!found)
                fail_msg("pytest does not collect %s", want[i].expect[k]);
        }
    for (size_t j = 0; j < np; j++)
        free(ids[j]);
    free(ids);
}

static void fixture_params_expect(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/fixture_expect", tmpdir);
    write_file(root, "conftest.py",
               "import pytest\n"
               "@pytest.fixture(params=[1, 'a b', pytest.param(3, id='three')], ids=['one', None, None])\n"
               "def num(request):\n    return request.param\n"
               "@pytest.fixture\ndef via(num):\n    return num\n"
               "@pytest.fixture(params=[{}])\ndef obj(request):\n    return request.param\n"
               "def load():\n    return [1]\n"
               "@pytest.fixture(params=load())\ndef loaded(request):\n    return request.param\n"
               "@pytest.fixture(params=['p'])\ndef over(request):\n    return request.param\n"
               "@pytest.fixture(scope='module', params=['m1', 'm2'])\ndef mod(request):\n    return request.param\n"
               "@pytest.fixture\ndef k(mod, request):\n    return request.param\n");
    write_file(root, "test_f.py", "def test_num(num):\n    pass\n"
                                  "def test_via(via, num):\n    pass\n"
                                  "def test_obj(obj):\n    pass\n"
                                  "def test_two(num, obj):\n    pass\n"
                                  "def test_loaded(loaded):\n    pass\n"
                                  "import pytest\n@pytest.mark.parametrize('i', range(7, 1, -3))\n"
                                  "def test_range(i):\n    pass\n"
                                  "@pytest.mark.parametrize('d', ['a', 'a', 'b'])\n"
                                  "def test_dup(d):\n    pass\n"
                                  /* no self: the first parameter is a fixture */
                                  "class TestStatic:\n    @staticmethod\n    def test_static(num):\n        pass\n"
                                  "def test_scoped(obj, mod):\n    pass\n"
                                  "@pytest.mark.parametrize('z', [9])\ndef test_mark_fixture(obj, z):\n    pass\n"
                                  /* k is set by the mark, the fixture it requests still applies */
                                  "@pytest.mark.parametrize('k', [5], indirect=True)\ndef test_indirect(k):\n    pass\n"
                                  "@pytest.mark.parametrize('k', [5])\ndef test_direct(k):\n    pass\n");
    write_file(root, "sub/conftest.py", "import pytest\n"
                                        "@pytest.fixture(params=['q'])\ndef over(request):\n    return request.param\n");
    write_file(root, "sub/test_s.py", "def test_over(over):\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const struct expecting want[] = {
        {"test_f.py::test_num", {"test_f.py::test_num[one]", "test_f.py::test_num[a b]", "test_f.py::test_num[three]"}},
        {"test_f.py::test_via", {"test_f.py::test_via[one]", "test_f.py::test_via[a b]", "test_f.py::test_via[three]"}},
        {"test_f.py::test_obj", {"test_f.py::test_obj[obj0]"}},
        /* fixtures in pytest's order (the closure, broadest scope first), then marks */
        {"test_f.py::test_two", {"test_f.py::test_two[one-obj0]", "test_f.py::test_two[a b-obj0]",
                                 "test_f.py::test_two[three-obj0]"}},
        {"test_f.py::test_scoped", {"test_f.py::test_scoped[m1-obj0]", "test_f.py::test_scoped[m2-obj0]"}},
        {"test_f.py::test_mark_fixture", {"test_f.py::test_mark_fixture[obj0-9]"}},
        {"test_f.py::test_indirect", {"test_f.py::test_indirect[m1-5]", "test_f.py::test_indirect[m2-5]"}},
        {"test_f.py::test_loaded", {NULL}}, /* params from a call */
        {"sub/test_s.py::test_over", {NULL}}, /* overridden in sub/ */
        {"test_f.py::test_range", {"test_f.py::test_range[7]", "test_f.py::test_range[4]"}},
        /* duplicates numbered as pytest 7 does (a counter per ID) */
        {"test_f.py::test_dup", {"test_f.py::test_dup[a0]", "test_f.py::test_dup[a1]", "test_f.py::test_dup[b]"}},
        {"test_f.py::TestStatic::test_static",
         {"test_f.py::TestStatic::test_static[one]", "test_f.py::TestStatic::test_static[a b]",
          "test_f.py::TestStatic::test_static[three]"}},
    };
    assert_expecting(&c, root, want, sizeof want / sizeof *want);
    /* set directly, k is no fixture: its IDs are the mark's */
    static const char *const direct[] = {"test_f.py::test_direct[5]"};
    assert_lookups(&c, direct, 1, TMD_COLLECTED_YES);
    /* all stored: nothing new; one missing: the test is reported */
    const char *stored[] = {"test_f.py::test_num[a b]", "test_f.py::test_num[one]", "test_f.py::test_num[three]",
                            "test_f.py::test_obj[obj0]"};
    char **fresh;
    size_t n;
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored, 4, NULL, 0), 0);
    for (size_t i = 0; i < n; i++) {
        if (!strcmp(fresh[i], "test_f.py::test_num") || !strcmp(fresh[i], "test_f.py::test_obj"))
            fail_msg("%s has no new test", fresh[i]);
        free(fresh[i]);
    }
    free(fresh);
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored + 1, 3, NULL, 0), 0);
    int reported = 0;
    for (size_t i = 0; i < n; i++) {
        reported |= !strcmp(fresh[i], "test_f.py::test_num");
        free(fresh[i]);
    }
    free(fresh);
    assert_true(reported);
    tmd_collection_free(&c);
}

/* Classes and functions as values (`nx.DiGraph`, `pagerank`) and range()
 * objects: pytest names them by __name__, or argname and index. tmdiff
 * expected nothing, so such tests (a fifth of networkx's) were selected on
 * every run. It now expects those IDs (never lists them exactly: a name may
 * be bound to anything); an UPPER_CASE name is rather a constant's. */
static void named_values_expect(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/named_values", tmpdir);
    write_file(root, "test_n.py", "import collections\nimport pytest\n"
                                  "def helper():\n    pass\n"
                                  "@pytest.mark.parametrize('kind', [collections.OrderedDict, helper, len])\n"
                                  "def test_kind(kind):\n    pass\n"
                                  "@pytest.mark.parametrize('n', [4, range(4)])\n"
                                  "@pytest.mark.parametrize('f', (collections.Counter,))\n"
                                  "def test_both(n, f):\n    pass\n"
                                  "@pytest.mark.parametrize('c', [collections.abc.Set, pytest.TEST_LIMIT])\n"
                                  "def test_const(c):\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const struct expecting want[] = {
        {"test_n.py::test_kind",
         {"test_n.py::test_kind[OrderedDict]", "test_n.py::test_kind[helper]", "test_n.py::test_kind[len]"}},
        {"test_n.py::test_both", {"test_n.py::test_both[Counter-4]", "test_n.py::test_both[Counter-n1]"}},
        {"test_n.py::test_const", {NULL}},
    };
    assert_prefixes_expect(&c, want, 3);
    tmd_collection_free(&c);
    write_file(root, "test_n.py", "import collections\nimport pytest\n"
                                  "def helper():\n    pass\n"
                                  "@pytest.mark.parametrize('kind', [collections.OrderedDict, helper, len])\n"
                                  "def test_kind(kind):\n    pass\n"
                                  "@pytest.mark.parametrize('n', [4, range(4)])\n"
                                  "@pytest.mark.parametrize('f', (collections.Counter,))\n"
                                  "def test_both(n, f):\n    pass\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_expecting(&c, root, want, 2);
    tmd_collection_free(&c);
}

/* pytest registers every fixture in a conftest's namespace, imported ones
 * too: tmdiff follows `from M import ...` to the modules under the root
 * that define them, through re-exports and renames, and gives each
 * conftest's folder just what it imports. */
static void conftest_imports(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/imports", tmpdir);
    write_file(root, "helpers/__init__.py", "");
    write_file(root, "helpers/fx.py", "import pytest\n"
                                      "@pytest.fixture(params=[1, 2])\ndef db(request):\n    return request.param\n"
                                      "@pytest.fixture(params=['a', 'b'])\ndef star(request):\n    return request.param\n");
    write_file(root, "helpers/reexport.py", "from .fx import db as database\nfrom .fx import *\n");
    write_file(root, "conftest.py", "from helpers.reexport import database, db as d2\n");
    write_file(root, "t2/conftest.py", "from helpers.fx import *\n");
    /* an imported autouse fixture applies to every test of the folder */
    write_file(root, "helpers/auto.py", "import pytest\n"
                                        "@pytest.fixture(autouse=True, params=['x'])\ndef auto(request):\n"
                                        "    return request.param\n");
    write_file(root, "t3/conftest.py", "from helpers.auto import auto\n");
    write_file(root, "t3/test_c.py", "def test_auto():\n    pass\n");
    write_file(root, "test_a.py", "from helpers.fx import db\n"
                                  "def test_db(db):\n    pass\n"
                                  "def test_database(database):\n    pass\n"
                                  "def test_d2(d2):\n    pass\n"
                                  "def test_star(star):\n    pass\n");
    write_file(root, "t2/test_b.py", "def test_star2(star):\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const struct expecting want[] = {
        {"test_a.py::test_database", {"test_a.py::test_database[1]", "test_a.py::test_database[2]"}},
        {"test_a.py::test_d2", {"test_a.py::test_d2[1]", "test_a.py::test_d2[2]"}},
        {"t2/test_b.py::test_star2", {"t2/test_b.py::test_star2[a]", "t2/test_b.py::test_star2[b]"}},
        {"test_a.py::test_db", {NULL}}, /* imported by the test module: not followed */
    };
    assert_expecting(&c, root, want, sizeof want / sizeof *want);
    /* only t2/ imports star */
    static const char *const exact[] = {"test_a.py::test_star"};
    assert_lookups(&c, exact, 1, TMD_COLLECTED_YES);
    static const char *const autoused[] = {"t3/test_c.py::test_auto[x]"};
    assert_lookups(&c, autoused, 1, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
}

/* Where Debian's pytest is present: it collects `nids` IDs from `root`,
 * and the static listing agrees with each (check_against). */
static void assert_pytest_agrees(const char *root, const char *label, size_t nids)
{
    if (run("/usr/bin/python3 -c 'import pytest' 2>/dev/null") != 0)
        return;
    size_t n;
    char **ids = pytest_collect(root, &n);
    assert_non_null(ids);
    struct tally t = {0};
    check_against(root, ids, n, NULL, 0, &t, label);
    assert_int_equal(t.ids, nids);
    for (size_t i = 0; i < n; i++)
        free(ids[i]);
    free(ids);
}

/* pytest collects a unittest.TestCase subclass under any name: one
 * imported (`from helpers import Base`), made by a decorator (IPython's
 * `@as_unittest def trivial()`), bound to another name, or a class whose
 * base is elsewhere. tmdiff listed none of them, so their stored tests
 * looked deleted and were dropped (four of IPython's). Such names are now
 * prefixes that keep their stored tests; with none stored they add none. */
static void testcase_under_any_name(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/testcase_names", tmpdir);
    write_file(root, "helpers.py", "import unittest\n"
                                   "class Base(unittest.TestCase):\n    def test_x(self):\n        pass\n"
                                   "def as_unittest(func):\n"
                                   "    class Tester(unittest.TestCase):\n        def test(self):\n            func()\n"
                                   "    Tester.__name__ = func.__name__\n    return Tester\n");
    write_file(root, "test_a.py", "import helpers\nfrom helpers import Base, as_unittest\n"
                                  "@as_unittest\ndef trivial():\n    pass\n"
                                  "alias = helpers.Base\n"
                                  "class Derived(helpers.Base):\n    pass\n"
                                  "def helper():\n    pass\n"
                                  "def test_plain():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const maybe[] = {"test_a.py::Base::test_x", "test_a.py::trivial::test",
                                        "test_a.py::alias::test_x", "test_a.py::Derived::test_x"};
    assert_lookups(&c, maybe, 4, TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "test_a.py::helper"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "test_a.py::test_plain"), TMD_COLLECTED_YES);
    char **fresh;
    size_t n;
    const char *stored[] = {"test_a.py::Base::test_x", "test_a.py::test_plain"};
    const char *other[] = {"helpers.py"}, *edited[] = {"test_a.py"};
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored, 2, other, 1), 0);
    assert_int_equal(n, 1); /* Base holds tests: more may have come */
    assert_string_equal(fresh[0], "test_a.py::Base");
    free(fresh[0]);
    free(fresh);
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored, 2, edited, 1), 0);
    assert_int_equal(n, 1); /* nothing stored under trivial: taken for no TestCase */
    assert_string_equal(fresh[0], "test_a.py::Base");
    free(fresh[0]);
    free(fresh);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "TestCase under any name", 5);
}

/* A mark bound to a name of the module (`slow = pytest.mark.skipif(...)`,
 * then `@slow`) was an unknown decorator: the test a prefix selected on
 * every run. It acts as the mark does now, parametrize included; anyio's
 * mark, which its plugin turns into IDs, and names bound twice stay
 * unknown, as do those of a class body. */
static void mark_aliases(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/mark_aliases", tmpdir);
    write_file(root, "test_m.py", "import sys\nimport pytest\n"
                                  "slow = pytest.mark.skipif(sys.platform == 'win32', reason='slow')\n"
                                  "plain = pytest.mark.plain\n"
                                  "pairs = pytest.mark.parametrize('a', [1, 2])\n"
                                  "anyio_mark = pytest.mark.anyio\n"
                                  "twice = pytest.mark.skip\ntwice = wrap(twice)\n"
                                  "@slow\n@plain\ndef test_a():\n    pass\n"
                                  "@pairs\ndef test_p(a):\n    pass\n"
                                  "@anyio_mark\nasync def test_io():\n    pass\n"
                                  "@twice\ndef test_t():\n    pass\n"
                                  "class TestK:\n    @slow\n    def test_k(self):\n        pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const exact[] = {"test_m.py::test_a", "test_m.py::test_p[1]", "test_m.py::test_p[2]"};
    assert_lookups(&c, exact, 3, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"test_m.py::test_io[asyncio]", "test_m.py::TestK::test_k",
                                        "test_m.py::test_t"};
    assert_lookups(&c, maybe, 3, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    write_file(root, "test_m.py", "import sys\nimport pytest\n"
                                  "slow = pytest.mark.skipif(sys.platform == 'win32', reason='slow')\n"
                                  "pairs = pytest.mark.parametrize('a', [1, 2])\n"
                                  "@slow\ndef test_a():\n    pass\n"
                                  "@pairs\n@slow\ndef test_p(a):\n    pass\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_lookups(&c, exact, 3, TMD_COLLECTED_YES);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "mark aliases", 3);
}

/* pytest accepts pytest_plugins in every conftest it loads at start-up
 * (those above the paths it is given, and in test* folders of where it
 * runs), and the plugins apply everywhere. Only the root conftest's list
 * was read, so tests requesting a parametrized fixture of a plugin named
 * in tests/conftest.py were listed without parameters, and their stored
 * IDs looked deleted. A list computed at run time makes the listing
 * inexact (it missed tests before). */
static void plugins_of_inner_conftests(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/inner_plugins", tmpdir);
    write_file(root, "tests/__init__.py", "");
    write_file(root, "tests/conftest.py", "pytest_plugins = [\"tests.fixtures.db\"]\n");
    write_file(root, "tests/fixtures/__init__.py", "");
    write_file(root, "tests/fixtures/db.py", "import pytest\n"
                                             "@pytest.fixture(params=[\"lite\", \"pg\"])\n"
                                             "def db(request):\n    return request.param\n");
    /* no __init__.py: pytest puts the folder itself on sys.path */
    write_file(root, "tests_int/conftest.py", "pytest_plugins = \"int_fixtures\"\n");
    write_file(root, "tests_int/int_fixtures.py", "import pytest\n"
                                                  "@pytest.fixture(params=[7])\n"
                                                  "def seven(request):\n    return request.param\n");
    write_file(root, "tests/test_a.py", "def test_db(db):\n    pass\ndef test_plain():\n    pass\n");
    write_file(root, "tests_int/test_b.py", "def test_seven(seven):\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    static const char *const exact[] = {"tests/test_a.py::test_plain"};
    assert_lookups(&c, exact, 1, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"tests/test_a.py::test_db[lite]", "tests/test_a.py::test_db[pg]",
                                        "tests_int/test_b.py::test_seven[7]"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "inner conftests' plugins", 4);

    write_file(root, "tests/conftest.py", "import os\n"
                                          "pytest_plugins = [os.environ.get(\"DB\", \"tests.fixtures.db\")]\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_non_null(c.inexact); /* naming the file to fix */
    assert_non_null(strstr(c.inexact, "tests/conftest.py: pytest_plugins"));
    tmd_collection_free(&c);
}

/* `--noconftest` in addopts: pytest loads no conftest.py, so their
 * collect_ignore, fixtures and plugins do not apply. tmdiff applied them:
 * test_b.py looked ignored (its stored tests deleted). */
static void noconftest_option(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/noconftest", tmpdir);
    write_file(root, "pytest.ini", "[pytest]\naddopts = --noconftest\n");
    write_file(root, "conftest.py", "import pytest\ncollect_ignore = [\"test_b.py\"]\n"
                                    "@pytest.fixture(params=[1, 2])\ndef db(request):\n    return request.param\n");
    write_file(root, "sub/conftest.py", "collect_ignore = [\"test_c.py\"]\n");
    write_file(root, "test_a.py", "def test_db(db):\n    pass\n");
    write_file(root, "test_b.py", "def test_b():\n    pass\n");
    write_file(root, "sub/test_c.py", "def test_c():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    static const char *const exact[] = {"sub/test_c.py::test_c", "test_a.py::test_db", "test_b.py::test_b"};
    assert_lookups(&c, exact, 3, TMD_COLLECTED_YES);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "--noconftest", 3);
}

/* `-o KEY=VALUE` in addopts overriding an ini option that changes the
 * IDs makes the listing inexact: only python_*, testpaths and
 * norecursedirs were caught, not `-o usefixtures=db` (a parametrized
 * fixture for every test: test_a[1], test_a[2] where pytest applies it;
 * Debian's pytest 7.2 reads -o before addopts and does not, others may). */
static void override_ini_options(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/override_ini", tmpdir);
    write_file(root, "conftest.py", "import pytest\n@pytest.fixture(params=[1, 2])\n"
                                    "def db(request):\n    return request.param\n");
    write_file(root, "test_a.py", "def test_a():\n    pass\n");
    static const struct { const char *opts; int inexact; } cases[] = {
        {"-o usefixtures=db", 1}, {"--override-ini=usefixtures=db", 1}, {"-ousefixtures=db", 1},
        {"-o python_files=check_*.py", 1}, {"-o xfail_strict=true", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char ini[200];
        snprintf(ini, sizeof ini, "[pytest]\naddopts = %s\n", cases[i].opts);
        write_file(root, "pytest.ini", ini);
        tmd_collection c;
        assert_int_equal(tmd_collect_project(&c, root), 0);
        if (cases[i].inexact)
            assert_non_null(c.inexact);
        else
            assert_null(c.inexact);
        tmd_collection_free(&c);
    }
}

/* `--confcutdir DIR` in addopts: pytest loads no conftest.py of a folder
 * above DIR (the root's here); DIR's own, those below it and those beside
 * it still load. tmdiff applied the root's collect_ignore. */
static void confcutdir_option(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/confcutdir", tmpdir);
    write_file(root, "pytest.ini", "[pytest]\naddopts = --confcutdir ./tests/\n");
    write_file(root, "conftest.py", "collect_ignore = [\"tests/test_b.py\"]\n");
    write_file(root, "tests/conftest.py", "import pytest\n@pytest.fixture(params=[1, 2])\n"
                                          "def db(request):\n    return request.param\n");
    write_file(root, "other/conftest.py", "collect_ignore = [\"test_o.py\"]\n");
    write_file(root, "tests/test_a.py", "def test_a(db):\n    pass\n");
    write_file(root, "tests/test_b.py", "def test_b():\n    pass\n");
    write_file(root, "other/test_o.py", "def test_o():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    static const char *const exact[] = {"tests/test_b.py::test_b"};
    assert_lookups(&c, exact, 1, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"tests/test_a.py::test_a[1]"};
    assert_lookups(&c, maybe, 1, TMD_COLLECTED_MAYBE);
    static const char *const ignored[] = {"other/test_o.py::test_o"};
    assert_lookups(&c, ignored, 1, TMD_COLLECTED_NO);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "--confcutdir", 3);
}

/* collect_ignore built under conditions from str literals (networkx's
 * conftest: `collect_ignore += needs_numpy` under `if not has_numpy:`)
 * made every module of the conftest's folder a prefix, so every run
 * selected them all. Only the paths the literals name may be ignored now;
 * a value computed, aliased or changed in a function still leaves the
 * folder uncertain. */
static void collect_ignore_from_literals(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/collect_ignore_literals", tmpdir);
    write_file(root, "pkg/conftest.py",
               "import sys\n"
               "collect_ignore: list = [\"setup.py\"]\n"
               "needs_numpy = [\"tests/test_numeric.py\", \"linalg\"]\n"
               "needs_old = (\"tests/test_py2.py\",)\n"
               "if sys.version_info < (3, 0):\n    collect_ignore += needs_numpy\n"
               "    collect_ignore.extend(needs_old + (\"x.py\",))\n"
               "elif sys.platform == \"win32\":\n    collect_ignore.append(\"tests/test_win.py\")\n"
               "collect_ignore_glob = []\n"
               "if sys.platform == \"win32\":\n    collect_ignore_glob = [\"tests/posix/*.py\"]\n");
    write_file(root, "pkg/tests/test_plain.py", "def test_p():\n    pass\n");
    write_file(root, "pkg/tests/test_numeric.py", "def test_n():\n    pass\n");
    write_file(root, "pkg/tests/test_py2.py", "def test_2():\n    pass\n");
    write_file(root, "pkg/tests/test_win.py", "def test_w():\n    pass\n");
    write_file(root, "pkg/tests/posix/test_fork.py", "def test_f():\n    pass\n");
    write_file(root, "pkg/linalg/test_lin.py", "def test_l():\n    pass\n");
    write_file(root, "pkg/linalgebra/test_alg.py", "def test_a():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    static const char *const exact[] = {"pkg/tests/test_plain.py::test_p", "pkg/linalgebra/test_alg.py::test_a"};
    assert_lookups(&c, exact, 2, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"pkg/tests/test_numeric.py::test_n", "pkg/tests/test_py2.py::test_2",
                                        "pkg/tests/test_win.py::test_w", "pkg/tests/posix/test_fork.py::test_f",
                                        "pkg/linalg/test_lin.py::test_l"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "collect_ignore from literals", 7); /* nothing ignored on Linux */

    /* beyond literals: the folder stays uncertain */
    static const char *const unbounded[] = {
        "collect_ignore = []\nfor name in ['tests/test_win.py']:\n    collect_ignore.append(name)\n",
        "base = ['tests/test_win.py']\ncollect_ignore = base\nbase.append(compute())\n",
        "base = ['a.py']\ncollect_ignore = ['b.py']\nalias = (base)\nalias.append(compute())\ncollect_ignore += base\n",
        "collect_ignore = ['a.py']\ndef pytest_configure(config):\n    collect_ignore.append('b.py')\n",
        "from helpers import *\ncollect_ignore += ['a.py']\n",
        "extra = ['a.py']\ncollect_ignore = ['b.py'] + extra\nregister(extra)\n",
        "collect_ignore = ['a.py']\nglobals()['collect_ignore'].append(x)\n",
        "import os\ncollect_ignore = ['a.py']\ncollect_ignore += os.environ.get('SKIP', '').split()\n",
        "collect_ignore = ['../../elsewhere']\nif x:\n    collect_ignore.append('a.py')\n",
    };
    for (size_t i = 0; i < sizeof unbounded / sizeof *unbounded; i++) {
        write_file(root, "pkg/conftest.py", unbounded[i]);
        assert_int_equal(tmd_collect_project(&c, root), 0);
        assert_int_equal(tmd_collection_lookup(&c, "pkg/tests/test_plain.py::test_p"), TMD_COLLECTED_MAYBE);
        tmd_collection_free(&c);
    }
}

/* The common recipe naming every module of a fixtures folder:
 * `pytest_plugins = [f.replace("/", ".")[:-3] for f in glob(...)]`. It made
 * the listing inexact (select ran everything); tmdiff now reads every .py
 * file under the pattern's fixed folder as a plugin, and the str literals
 * naming modules beside it. A computed part it cannot see through (the
 * environment, a global computed elsewhere) keeps the listing inexact. */
static void plugins_from_globs(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/plugin_globs", tmpdir);
    write_file(root, "tests/__init__.py", "");
    write_file(root, "tests/fixtures/__init__.py", "");
    write_file(root, "tests/fixtures/db.py", "import pytest\n"
                                             "@pytest.fixture(params=[\"lite\", \"pg\"])\n"
                                             "def db(request):\n    return request.param\n");
    write_file(root, "tests/fixtures/deep/__init__.py", "");
    write_file(root, "tests/fixtures/deep/web.py", "import pytest\n"
                                                   "@pytest.fixture(params=[1, 2])\n"
                                                   "def web(request):\n    return request.param\n");
    write_file(root, "other/plug.py", "import pytest\n"
                                      "@pytest.fixture(params=[7])\n"
                                      "def seven(request):\n    return request.param\n");
    write_file(root, "tests/test_a.py", "def test_db(db):\n    pass\ndef test_web(web):\n    pass\n"
                                        "def test_seven(seven):\n    pass\ndef test_plain():\n    pass\n");
    write_file(root, "conftest.py",
               "from glob import glob\n"
               "def refactor(string: str) -> str:\n"
               "    return string.replace(\"/\", \".\").replace(\".py\", \"\")\n"
               "pytest_plugins = [\"other.plug\"] + [\n"
               "    refactor(f) for f in glob(\"tests/fixtures/**/*.py\", recursive=True) if \"__\" not in f\n"
               "]\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    static const char *const exact[] = {"tests/test_a.py::test_plain"};
    assert_lookups(&c, exact, 1, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"tests/test_a.py::test_db[lite]", "tests/test_a.py::test_web[2]",
                                        "tests/test_a.py::test_seven[7]"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "pytest_plugins from globs", 6);

    /* the loop form; Path(__file__).parent is the conftest's folder */
    write_file(root, "conftest.py", "from pathlib import Path\n"
                                    "pytest_plugins = []\n"
                                    "for p in Path(__file__).parent.glob(\"tests/fixtures/[!_]*.py\"):\n"
                                    "    pytest_plugins.append(\"tests.fixtures.\" + p.stem)\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    assert_lookups(&c, maybe, 1, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);

    /* a literal base folder, one joined to the conftest's folder, a pattern
     * joined by os.path.join */
    static const char *const folders[] = {
        "from pathlib import Path\n"
        "pytest_plugins = [\"tests.fixtures.\" + p.stem for p in Path(\"tests/fixtures\").glob(\"*.py\")]\n",
        "import pathlib\n"
        "pytest_plugins = [\".\".join(p.with_suffix(\"\").parts)\n"
        "                  for p in pathlib.Path(\"tests\", \"fixtures\").rglob(\"[!_]*.py\")]\n",
        "from pathlib import Path\n"
        "pytest_plugins = [str(p.relative_to(Path(__file__).parent).with_suffix(\"\")).replace(\"/\", \".\")\n"
        "                  for p in (Path(__file__).resolve().parent / \"tests\" / \"fixtures\").glob(\"*.py\")]\n",
        "import os\nfrom glob import glob\n"
        "pytest_plugins = [os.path.relpath(f, os.path.dirname(__file__))[:-3].replace(\"/\", \".\")\n"
        "                  for f in glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), \"tests\",\n"
        "                                             \"fixtures\", \"[!_]*.py\"))]\n",
    };
    for (size_t i = 0; i < sizeof folders / sizeof *folders; i++) {
        write_file(root, "conftest.py", folders[i]);
        assert_int_equal(tmd_collect_project(&c, root), 0);
        assert_null(c.inexact);
        assert_lookups(&c, maybe, 1, TMD_COLLECTED_MAYBE);
        tmd_collection_free(&c);
        if (i == 1)
            assert_pytest_agrees(root, "pytest_plugins globbed from a literal folder", 6);
    }

    static const char *const unseen[] = {
        "import os\nfrom glob import glob\n"
        "pytest_plugins = [f[:-3] for f in glob(\"tests/*.py\")] + os.environ.get(\"P\", \"\").split()\n",
        "from glob import glob\nEXTRA = load()\npytest_plugins = [f[:-3] for f in glob(\"tests/*.py\")] + EXTRA\n",
        "from glob import glob\npytest_plugins = [f[:-3] for f in glob(\"../elsewhere/*.py\")]\n",
        "from glob import glob\npytest_plugins = sorted((f[:-3] for f in glob(\"t/*.py\")), key=ORDER)\n",
        "from pathlib import Path\npytest_plugins = [p.stem for p in Path(\"tests/../x\").glob(\"*.py\")]\n",
        "from pathlib import Path\npytest_plugins = [p.stem for p in Path(ROOT).glob(\"*.py\")]\n",
        "from pathlib import Path\npytest_plugins = [p.stem for p in (Path.home() / \"x\").glob(\"*.py\")]\n",
    };
    for (size_t i = 0; i < sizeof unseen / sizeof *unseen; i++) {
        write_file(root, "conftest.py", unseen[i]);
        assert_int_equal(tmd_collect_project(&c, root), 0);
        assert_non_null(c.inexact);
        assert_non_null(strstr(c.inexact, "conftest.py: pytest_plugins"));
        tmd_collection_free(&c);
    }
}

/* anyio's pytest plugin (installed with anyio) parametrizes its
 * anyio_backend fixture with every backend and makes a coroutine test
 * marked anyio request it. tmdiff listed such tests, and those requesting
 * anyio_backend, as one exact ID; pytest gives test_x[asyncio] (and
 * [trio] upstream; Debian's anyio has asyncio only). A project's own
 * anyio_backend overrides the plugin's, a parametrize mark sets it, and
 * an unmarked coroutine does not request it. */
static void anyio_plugin(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/anyio", tmpdir);
    write_file(root, "plain/test_p.py",
               "import pytest\n"
               "@pytest.mark.anyio\nasync def test_marked():\n    pass\n"
               "def test_sync(anyio_backend):\n    pass\n"
               "def test_name(anyio_backend_name):\n    pass\n"
               "@pytest.mark.anyio\n@pytest.mark.parametrize(\"anyio_backend\", [\"asyncio\"])\n"
               "async def test_direct():\n    pass\n"
               "@pytest.mark.anyio\nclass TestK:\n    async def test_m(self):\n        pass\n"
               "@pytest.fixture(params=[1, 2])\ndef num(request):\n    return request.param\n"
               "@pytest.mark.anyio\nasync def test_both(num):\n    pass\n"
               "def test_plain():\n    pass\n"
               "async def test_unmarked():\n    pass\n");
    write_file(root, "marked/test_m.py", "import pytest\npytestmark = [pytest.mark.anyio]\n"
                                         "async def test_m():\n    pass\n");
    write_file(root, "over/conftest.py", "import pytest\n"
                                         "@pytest.fixture\ndef anyio_backend():\n    return \"asyncio\"\n");
    write_file(root, "over/test_o.py", "import pytest\npytestmark = pytest.mark.anyio\n"
                                       "async def test_o():\n    pass\n");
    write_file(root, "wrap/conftest.py", "import pytest\n"
                                         "@pytest.fixture\ndef anyio_backend(anyio_backend):\n"
                                         "    return anyio_backend\n");
    write_file(root, "wrap/test_w.py", "import pytest\n@pytest.mark.anyio\nasync def test_w():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const exact[] = {"over/test_o.py::test_o", "plain/test_p.py::test_direct[asyncio]",
                                        "plain/test_p.py::test_plain", "plain/test_p.py::test_unmarked"};
    assert_lookups(&c, exact, sizeof exact / sizeof *exact, TMD_COLLECTED_YES);
    static const struct expecting want[] = {
        {"plain/test_p.py::test_marked",
         {"plain/test_p.py::test_marked[asyncio]", "plain/test_p.py::test_marked[trio]"}},
        {"plain/test_p.py::test_sync", {"plain/test_p.py::test_sync[asyncio]", "plain/test_p.py::test_sync[trio]"}},
        {"plain/test_p.py::test_name", {"plain/test_p.py::test_name[asyncio]", "plain/test_p.py::test_name[trio]"}},
        {"plain/test_p.py::TestK::test_m",
         {"plain/test_p.py::TestK::test_m[asyncio]", "plain/test_p.py::TestK::test_m[trio]"}},
        {"marked/test_m.py::test_m", {"marked/test_m.py::test_m[asyncio]", "marked/test_m.py::test_m[trio]"}},
        {"wrap/test_w.py::test_w", {NULL}}, /* an override using the plugin's: not followed */
    };
    assert_prefixes_expect(&c, want, sizeof want / sizeof *want); /* Debian's anyio has no trio */
    static const char *const maybe[] = {"plain/test_p.py::test_both[asyncio-1]",
                                        "wrap/test_w.py::test_w[asyncio]"};
    assert_lookups(&c, maybe, 2, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "anyio", 12);
}

/* Installed plugins' marks that parametrize. pytest-repeat's repeat mark
 * (on a test, a class or in pytestmark): test_r[1-3], test_r[2-3],
 * test_r[3-3]; pytest-golden's golden_test: a test per matching file.
 * tmdiff took them for marks without effect and listed test_r alone.
 * pytest-repeat's --count option in addopts repeats every test: the
 * listing is inexact. */
static void plugin_marks(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/plugin_marks", tmpdir);
    write_file(root, "test_r.py", "import pytest\n"
                                  "@pytest.mark.repeat(3)\ndef test_r():\n    pass\n"
                                  "@pytest.mark.repeat(2)\nclass TestC:\n    def test_m(self):\n        pass\n"
                                  "@pytest.mark.slow\ndef test_plain():\n    pass\n"
                                  "@pytest.mark.golden_test(\"data/*.yml\")\ndef test_g(golden):\n    pass\n");
    write_file(root, "data/a.yml", "input: 1\n");
    write_file(root, "data/b.yml", "input: 2\n");
    write_file(root, "sub/test_s.py", "import pytest\npytestmark = [pytest.mark.repeat(2)]\n"
                                      "def test_s():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    static const char *const exact[] = {"test_r.py::test_plain"};
    assert_lookups(&c, exact, 1, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"test_r.py::test_r[1-3]", "test_r.py::TestC::test_m[2-2]",
                                        "sub/test_s.py::test_s[1-2]", "test_r.py::test_g[data/a.yml]"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    /* with Debian's python3-pytest-repeat and python3-pytest-golden: 8 + 2 */
    size_t nids = run("/usr/bin/python3 -c 'import pytest_repeat' 2>/dev/null") ? 4 : 8;
    nids += run("/usr/bin/python3 -c 'import pytest_golden' 2>/dev/null") ? 1 : 2;
    assert_pytest_agrees(root, "plugin marks", nids);

    write_file(root, "pytest.ini", "[pytest]\naddopts = --count 2 -q\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_non_null(c.inexact);
    assert_non_null(strstr(c.inexact, "--count"));
    tmd_collection_free(&c);
}

/* pytest-bdd's scenarios("features") binds a test per scenario into the
 * calling module: tmdiff listed nothing there, so the stored
 * test_add_two_numbers looked deleted. The module is now named whole; one
 * using the scenario decorator is a prefix per test. */
static void pytest_bdd_scenarios(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/bdd", tmpdir);
    write_file(root, "features/a.feature", "Feature: Adding\n    Scenario: Add two numbers\n"
                                           "        Given I have 1\n        Then I get 1\n");
    static const char steps[] = "@given(\"I have 1\")\ndef have():\n    pass\n"
                                "@then(\"I get 1\")\ndef get():\n    pass\n";
    char text[400];
    snprintf(text, sizeof text, "from pytest_bdd import scenarios, given, then\nscenarios(\"features\")\n%s", steps);
    write_file(root, "test_all.py", text);
    snprintf(text, sizeof text, "from pytest_bdd import scenario, given, then\n"
                                "@scenario(\"features/a.feature\", \"Add two numbers\")\n"
                                "def test_add():\n    pass\n%s", steps);
    write_file(root, "test_one.py", text);
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const maybe[] = {"test_all.py::test_add_two_numbers", "test_one.py::test_add"};
    assert_lookups(&c, maybe, 2, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    if (run("/usr/bin/python3 -c 'import pytest_bdd' 2>/dev/null") == 0) /* Debian's python3-pytest-bdd */
        assert_pytest_agrees(root, "pytest-bdd", 2);
}

/* An autouse fixture applies to every test in its conftest's folder under
 * whatever name the conftest binds it to. Bound through a module
 * attribute (`auto = h.auto_fx`) or made by a call (a factory in the
 * conftest, a helper or the test module; `pytest.fixture(autouse=True)(impl)`),
 * its params were unseen: tmdiff listed test_x where pytest collects
 * test_x[1] and test_x[2]. A comment naming autouse, and an alias of a
 * helper's plain value, change nothing. */
static void autouse_bound_otherwise(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/autouse_bound", tmpdir);
    static const char fixture[] = "@pytest.fixture(autouse=True, params=[1, 2])\n"
                                  "def auto_fx(request):\n    return request.param\n";
    static const char factory[] = "def make():\n"
                                  "    @pytest.fixture(autouse=True, params=[1, 2])\n"
                                  "    def made(request):\n        return request.param\n"
                                  "    return made\n";
    char text[400];
    snprintf(text, sizeof text, "import pytest\n%s", fixture);
    write_file(root, "alias/alias_fx.py", text);
    write_file(root, "alias/conftest.py", "import alias_fx as h\nauto = h.auto_fx\n");
    write_file(root, "alias/test_al.py", "def test_al():\n    pass\n");
    write_file(root, "dotted/dotted_pkg/__init__.py", "");
    write_file(root, "dotted/dotted_pkg/fx.py", text);
    write_file(root, "dotted/conftest.py", "import dotted_pkg.fx\nauto = (dotted_pkg.fx.auto_fx)\n");
    write_file(root, "dotted/test_do.py", "def test_do():\n    pass\n");
    snprintf(text, sizeof text, "import pytest\n%sauto = make()\n", factory);
    write_file(root, "factory/conftest.py", text);
    write_file(root, "factory/test_fa.py", "def test_fa():\n    pass\n");
    snprintf(text, sizeof text, "import pytest\n%s", factory);
    write_file(root, "helper_factory/hf_make.py", text);
    write_file(root, "helper_factory/conftest.py", "import hf_make\nauto = hf_make.make()\n");
    write_file(root, "helper_factory/test_hf.py", "def test_hf():\n    pass\n");
    write_file(root, "wrapped/conftest.py", "import pytest\ndef impl(request):\n    return request.param\n"
                                            "auto = pytest.fixture(autouse=True, params=[1, 2])(impl)\n");
    write_file(root, "wrapped/test_wr.py", "def test_wr():\n    pass\n");
    snprintf(text, sizeof text, "import pytest\n%sauto = make()\ndef test_mo():\n    pass\n", factory);
    write_file(root, "module/test_mo.py", text); /* the test module's own */
    write_file(root, "quiet/quiet_vals.py", "LIMIT = 3\n");
    write_file(root, "quiet/conftest.py", "# autouse fixtures: none here\nimport quiet_vals\n"
                                          "limit = quiet_vals.LIMIT\n");
    write_file(root, "quiet/test_qu.py", "def test_qu():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const char *const exact[] = {"quiet/test_qu.py::test_qu"};
    assert_lookups(&c, exact, 1, TMD_COLLECTED_YES);
    static const char *const maybe[] = {"alias/test_al.py::test_al[1]", "dotted/test_do.py::test_do[2]",
                                        "factory/test_fa.py::test_fa[1]", "helper_factory/test_hf.py::test_hf[2]",
                                        "wrapped/test_wr.py::test_wr[1]", "module/test_mo.py::test_mo[2]"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "autouse bound otherwise", 13);
}

/* pytest registers every fixture object a namespace holds, however it got
 * there: a fixture defined under if/try, or assigned (`db = fx.db`), in a
 * conftest, a module it imports from, the test module or a test class. Each makes
 * the tests requesting it prefixes expecting nothing (Debian's pytest
 * collects test_x[1] and test_x[2] for every one); an assignment that a
 * later def rebinds, and a conftest's other globals, change nothing. */
static void fixtures_bound_otherwise(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/bound", tmpdir);
    write_file(root, "helpers/__init__.py", "");
    write_file(root, "helpers/fx.py", "import pytest\n"
                                      "@pytest.fixture(params=[1, 2])\ndef db(request):\n    return request.param\n");
    write_file(root, "helpers/shim.py", "from helpers import fx as F\nshimmed = F.db\n");
    write_file(root, "conftest.py", "import sys, pytest\n"
                                    "from helpers import fx\n"
                                    "from helpers.shim import shimmed\n"
                                    "assigned = fx.db\n"
                                    "if sys.version_info > (3,):\n"
                                    "    @pytest.fixture(params=[1, 2])\n"
                                    "    def branch(request):\n        return request.param\n"
                                    "else:\n"
                                    "    @pytest.fixture\n"
                                    "    def branch():\n        return 0\n"
                                    "plain = fx.db\n"
                                    "@pytest.fixture\ndef plain():\n    return 0\n"
                                    "collect_ignore = []\n"
                                    "@pytest.fixture\ndef data():\n    return 0\n");
    write_file(root, "test_a.py", "import pytest\n"
                                  "from helpers import fx\n"
                                  "here = fx.db\n"
                                  "try:\n"
                                  "    @pytest.fixture(params=[1, 2])\n"
                                  "    def tried(request):\n        return request.param\n"
                                  "except ImportError:\n    pass\n"
                                  "def test_assigned(assigned):\n    pass\n"
                                  "def test_branch(branch):\n    pass\n"
                                  "def test_shimmed(shimmed):\n    pass\n"
                                  "def test_here(here):\n    pass\n"
                                  "def test_tried(tried):\n    pass\n"
                                  "def test_plain(plain):\n    pass\n"
                                  /* data is no fixture; a mark setting `here` leaves the fixture unused */
                                  "data = [1, 2]\n"
                                  "def test_data(data):\n    pass\n"
                                  "@pytest.mark.parametrize('here', [5])\n"
                                  "def test_direct(here):\n    pass\n");
    write_file(root, "test_c.py", "import pytest\n"
                                  "from helpers import fx\n"
                                  "class TestAttr:\n"
                                  "    attr = fx.db\n"
                                  "    def test_attr(self, attr):\n        pass\n"
                                  "class TestCond:\n"
                                  "    if True:\n"
                                  "        @pytest.fixture(params=[1, 2])\n"
                                  "        def cond(self, request):\n            return request.param\n"
                                  "    def test_cond(self, cond):\n        pass\n");
    /* a decorator tmdiff does not know may make a fixture */
    write_file(root, "deco/conftest.py", "import pytest\nmy_fixture = pytest.fixture(params=[1, 2])\n"
                                         "@my_fixture\ndef decorated(request):\n    return request.param\n");
    write_file(root, "deco/test_d.py", "def test_decorated(decorated):\n    pass\n");
    /* a namespace filled at import time may hold any fixture; runtime
     * calls inside fixtures (monkeypatch.setattr) are not import time */
    write_file(root, "dyn/conftest.py", "from helpers import fx\nglobals()['dynamic'] = fx.db\n");
    write_file(root, "dyn/test_e.py", "def test_dynamic(dynamic):\n    pass\n");
    write_file(root, "auto/conftest.py", "import pytest\n"
                                         "auto = pytest.fixture(autouse=True, params=[1, 2])(lambda request: 0)\n");
    write_file(root, "auto/test_g.py", "def test_autoused():\n    pass\n");
    write_file(root, "calm/conftest.py", "import logging, pytest\nlog = logging.getLogger(__name__)\n"
                                         "@pytest.fixture\ndef patched(monkeypatch):\n"
                                         "    monkeypatch.setattr('os.sep', '/')\n    return 1\n");
    write_file(root, "calm/test_f.py", "def test_patched(patched):\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    static const struct expecting want[] = {
        {"deco/test_d.py::test_decorated", {NULL}},
        {"test_a.py::test_assigned", {NULL}}, {"test_a.py::test_branch", {NULL}},
        {"test_a.py::test_shimmed", {NULL}},  {"test_a.py::test_here", {NULL}},
        {"test_a.py::test_tried", {NULL}},    {"test_c.py::TestAttr::test_attr", {NULL}},
        {"test_c.py::TestCond::test_cond", {NULL}},
    };
    assert_expecting(&c, root, want, sizeof want / sizeof *want);
    static const char *const ids[] = {"test_a.py::test_assigned[1]", "test_a.py::test_branch[2]",
                                      "test_a.py::test_shimmed[1]", "test_a.py::test_here[2]",
                                      "test_a.py::test_tried[1]"};
    assert_lookups(&c, ids, 5, TMD_COLLECTED_MAYBE);
    static const char *const exact[] = {"test_a.py::test_plain", "calm/test_f.py::test_patched",
                                        "test_a.py::test_data", "test_a.py::test_direct[5]"};
    assert_lookups(&c, exact, 4, TMD_COLLECTED_YES);
    static const char *const dynamic[] = {"dyn/test_e.py::test_dynamic[1]", "dyn/test_e.py::test_dynamic[2]",
                                          "auto/test_g.py::test_autoused[1]"};
    assert_lookups(&c, dynamic, 3, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "bound", 24); /* two of each of the ten and four single ones */
}

/* pytest follows symlinked folders: one folder linked under another name is
 * collected under both paths (Debian's pytest lists real/test_t.py::test_t
 * and linked/test_t.py::test_t); a link back into its own walk makes pytest
 * nest the loop until the OS refuses, which tmdiff does not try to list. */
static void symlinked_folders(void **state)
{
    (void)state;
    char root[400], link[500];
    snprintf(root, sizeof root, "%s/symlinks", tmpdir);
    write_file(root, "real/test_t.py", "def test_t():\n    pass\n");
    snprintf(link, sizeof link, "%s/linked", root);
    assert_int_equal(symlink("real", link), 0);
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    assert_int_equal(tmd_collection_lookup(&c, "real/test_t.py::test_t"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "linked/test_t.py::test_t"), TMD_COLLECTED_YES);
    tmd_collection_free(&c);
    snprintf(link, sizeof link, "%s/real/up", root);
    assert_int_equal(symlink("..", link), 0);
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_non_null(c.inexact);
    assert_non_null(strstr(c.inexact, "symlink"));
    tmd_collection_free(&c);
}

/* pytest 7 skips a folder with an activate script in bin/, pytest 8 one
 * with pyvenv.cfg or conda-meta/history: a real venv has both and is
 * skipped; tests in a folder with only one mark exist for one version, so
 * they are prefixes (Debian's pytest 7.2 collects only_cfg/test_c.py). */
static void virtualenv_folders(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/venvs", tmpdir);
    write_file(root, "real/pyvenv.cfg", "home = /usr/bin\n");
    write_file(root, "real/bin/activate", "");
    write_file(root, "real/test_r.py", "def test_r():\n    pass\n");
    write_file(root, "only_cfg/pyvenv.cfg", "home = /usr/bin\n");
    write_file(root, "only_cfg/test_c.py", "def test_c():\n    pass\n");
    write_file(root, "only_script/bin/Activate.bat", "");
    write_file(root, "only_script/test_s.py", "def test_s():\n    pass\n");
    write_file(root, "conda/conda-meta/history", "");
    write_file(root, "conda/sub/test_h.py", "def test_h():\n    pass\n");
    write_file(root, "plain/test_p.py", "def test_p():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    assert_int_equal(tmd_collection_lookup(&c, "real/test_r.py::test_r"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "plain/test_p.py::test_p"), TMD_COLLECTED_YES);
    static const char *const disputed[] = {"only_cfg/test_c.py::test_c", "only_script/test_s.py::test_s",
                                           "conda/sub/test_h.py::test_h"};
    assert_lookups(&c, disputed, 3, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    /* --collect-in-virtualenv: every folder walked as any other */
    char opted[500];
    snprintf(opted, sizeof opted, "%s/venvs-opted", tmpdir);
    assert_int_equal(run("cp -r '%s' '%s'", root, opted), 0);
    write_file(opted, "pytest.ini", "[pytest]\naddopts = --collect-in-virtualenv\n");
    assert_int_equal(tmd_collect_project(&c, opted), 0);
    assert_int_equal(tmd_collection_lookup(&c, "real/test_r.py::test_r"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "only_cfg/test_c.py::test_c"), TMD_COLLECTED_YES);
    tmd_collection_free(&c);
    if (run("/usr/bin/python3 -c 'import pytest' 2>/dev/null") == 0) {
        size_t n;
        char **want = pytest_collect(root, &n);
        assert_non_null(want);
        assert_true(n >= 2); /* plain/, and only_cfg/ or only_script/ */
        assert_int_equal(tmd_collect_project(&c, root), 0);
        for (size_t i = 0; i < n; i++) {
            if (tmd_collection_lookup(&c, want[i]) == TMD_COLLECTED_NO)
                fail_msg("pytest collects %s, the static listing misses it", want[i]);
            free(want[i]);
        }
        tmd_collection_free(&c);
        free(want);
    }
}

/* A conftest's pytest_ignore_collect whose every return gives True or None
 * only skips: the tests it does not skip are exact. One that may return
 * False overrules collect_ignore and the virtualenv check in its folder
 * (Debian's pytest collects loose/test_i.py and loose/env/test_v.py), so
 * the walk lists those too, as prefixes. */
static void ignore_collect_hooks(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/ignorehooks", tmpdir);
    write_file(root, "conftest.py",
               "import pytest\n"
               "@pytest.hookimpl(tryfirst=True)\n"
               "def pytest_ignore_collect(collection_path, config):\n"
               "    def not_the_hooks(): return False\n"
               "    if 'legacy' in str(collection_path):\n"
               "        return True\n"
               "    return\n"
               "collect_ignore = ['test_gone.py']\n");
    write_file(root, "test_a.py", "def test_a():\n    pass\n");
    write_file(root, "test_gone.py", "def test_gone():\n    pass\n");
    write_file(root, "loose/conftest.py",
               "def pytest_ignore_collect(collection_path, config):\n"
               "    return 'legacy' in str(collection_path)\n"
               "collect_ignore = ['test_i.py']\n");
    write_file(root, "loose/test_i.py", "def test_i():\n    pass\n");
    write_file(root, "loose/env/pyvenv.cfg", "home = /usr/bin\n");
    write_file(root, "loose/env/bin/activate", "");
    write_file(root, "loose/env/test_v.py", "def test_v():\n    pass\n");
    write_file(root, "wrapped/conftest.py",
               "import pytest\n"
               "@pytest.hookimpl(hookwrapper=True)\n"
               "def pytest_ignore_collect(collection_path, config):\n"
               "    outcome = yield\n");
    write_file(root, "wrapped/test_w.py", "def test_w():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_null(c.inexact);
    assert_int_equal(tmd_collection_lookup(&c, "test_a.py::test_a"), TMD_COLLECTED_YES);
    assert_int_equal(tmd_collection_lookup(&c, "test_gone.py::test_gone"), TMD_COLLECTED_NO);
    static const char *const unsure[] = {"loose/test_i.py::test_i", "loose/env/test_v.py::test_v",
                                         "wrapped/test_w.py::test_w"};
    assert_lookups(&c, unsure, 3, TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);
    assert_pytest_agrees(root, "ignore hooks", 4); /* test_a, test_i, test_v, test_w */
}

/* Doctests (IDs from Debian's pytest on this tree): test*.txt files always,
 * every module's docstrings with --doctest-modules. New ones are the bare
 * file; a module's stored doctests stand while its bytes are as recorded. */
static void doctests(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/doctests", tmpdir);
    write_file(root, "pytest.ini", "[pytest]\naddopts = --doctest-modules\n");
    write_file(root, "tests/test_a.py", "def test_one():\n    \"\"\"\n    >>> 1\n    1\n    \"\"\"\n");
    write_file(root, "pkg/__init__.py", "");
    write_file(root, "pkg/mod.py", "def f():\n    \"\"\"\n    >>> f()\n    2\n    \"\"\"\n    return 2\n");
    write_file(root, "pkg/plain.py", "def g():\n    return 1\n");
    write_file(root, "pkg/conftest.py", "\"\"\"\n>>> 3\n3\n\"\"\"\n"); /* a conftest's too */
    write_file(root, "setup.py", "\"\"\"\n>>> 1\n1\n\"\"\"\n");
    write_file(root, "sub/setup.py", "import setuptools\n\"\"\"\n>>> 1\n1\n\"\"\"\n");
    write_file(root, "tests/test_notes.txt", ">>> 2\n2\n");
    write_file(root, "tests/other.txt", ">>> 2\n2\n");
    write_file(root, "docs/test_x.txt", "nothing\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(c.doctest_modules, 1);
    static const char *const maybe[] = {"setup.py::setup", "pkg/mod.py::pkg.mod.f", "pkg/conftest.py::pkg.conftest",
                                        "tests/test_a.py::test_a.test_one",
                                        "tests/test_notes.txt::test_notes.txt"};
    assert_lookups(&c, maybe, sizeof maybe / sizeof *maybe, TMD_COLLECTED_MAYBE);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_a.py::test_one"), TMD_COLLECTED_YES);
    static const char *const no[] = {"tests/other.txt::other.txt", "docs/test_x.txt::test_x.txt",
                                     "pkg/plain.py::pkg.plain.g", "sub/setup.py::setup"};
    assert_lookups(&c, no, sizeof no / sizeof *no, TMD_COLLECTED_NO);
    const char *stored[] = {"pkg/mod.py::pkg.mod.f", "tests/test_a.py::test_one",
                            "tests/test_notes.txt::test_notes.txt", "pkg/conftest.py::pkg.conftest"};
    const char *unchanged[] = {"other.py"}, *changed[] = {"pkg/mod.py"};
    const char *want[][3] = {{"setup.py", "tests/test_a.py", NULL}, {"pkg/mod.py", "setup.py", "tests/test_a.py"}};
    for (int round = 0; round < 2; round++) {
        char **fresh;
        size_t n;
        assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored, 4, round ? changed : unchanged, 1), 0);
        assert_int_equal(n, round ? 3 : 2);
        for (size_t i = 0; i < n; i++) {
            assert_string_equal(fresh[i], want[round][i]);
            free(fresh[i]);
        }
        free(fresh);
    }
    tmd_collection_free(&c);
    /* without --doctest-modules only the text file's */
    write_file(root, "pytest.ini", "[pytest]\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(tmd_collection_lookup(&c, "pkg/mod.py::pkg.mod.f"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "pkg/conftest.py::pkg.conftest"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_notes.txt::test_notes.txt"), TMD_COLLECTED_MAYBE);
    char **fresh;
    size_t n;
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored, 2, NULL, 0), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fresh[0], "tests/test_notes.txt");
    free(fresh[0]);
    free(fresh);
    tmd_collection_free(&c);
    /* -p no:doctest: none at all (pytest collects nothing from the text file) */
    write_file(root, "pytest.ini", "[pytest]\naddopts = -p no:doctest\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_notes.txt::test_notes.txt"), TMD_COLLECTED_NO);
    tmd_collection_free(&c);
}

/* New tests: exact IDs the database lacks; prefixes unless the stored IDs
 * are exactly the expected ones; uncertain names reported as their file. */
static void new_tests_rules(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/newtests", tmpdir);
    write_file(root, "tests/test_a.py",
               "import pytest\nfrom decimal import Decimal\n"
               "def test_old():\n    pass\n"
               "def test_new():\n    pass\n"
               "@pytest.mark.parametrize('d', [Decimal(1), Decimal(2)])\n"
               "def test_obj(d):\n    pass\n"
               "@pytest.mark.parametrize('d', [Decimal(1)])\n"
               "def test_obj_changed(d):\n    pass\n"
               "try:\n    def test_maybe():\n        pass\nexcept ImportError:\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    const char *stored[] = {"tests/test_a.py::test_old", "tests/test_a.py::test_obj[d0]",
                            "tests/test_a.py::test_obj[d1]", "tests/test_a.py::test_obj_changed[x]",
                            "tests/gone.py::test_gone"};
    char **fresh;
    size_t n;
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored, 5, NULL, 0), 0);
    const char *want[] = {"tests/test_a.py"}; /* test_maybe's file covers test_new too */
    assert_int_equal(n, 1);
    assert_string_equal(fresh[0], want[0]);
    for (size_t i = 0; i < n; i++)
        free(fresh[i]);
    free(fresh);
    assert_int_equal(tmd_collection_lookup(&c, "tests/gone.py::test_gone"), TMD_COLLECTED_NO);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_a.py::test_obj[d0]"), TMD_COLLECTED_MAYBE);
    tmd_collection_free(&c);

    /* without the conditional definition: the exact new test and the
     * changed object parametrization are reported, the matching one not */
    write_file(root, "tests/test_a.py",
               "import pytest\nfrom decimal import Decimal\n"
               "def test_old():\n    pass\n"
               "def test_new():\n    pass\n"
               "@pytest.mark.parametrize('d', [Decimal(1), Decimal(2)])\n"
               "def test_obj(d):\n    pass\n"
               "@pytest.mark.parametrize('d', [Decimal(1)])\n"
               "def test_obj_changed(d):\n    pass\n");
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, stored, 5, NULL, 0), 0);
    assert_int_equal(n, 2);
    assert_string_equal(fresh[0], "tests/test_a.py::test_new");
    assert_string_equal(fresh[1], "tests/test_a.py::test_obj_changed");
    for (size_t i = 0; i < n; i++)
        free(fresh[i]);
    free(fresh);
    tmd_collection_free(&c);
}

/* Files outside testpaths that hold stored tests (CI named them) are
 * collected when passed as `also`; unsafe paths are ignored. A class whose
 * tests may come from a base elsewhere is reported as its file unless the
 * database shows tests under it. */
static void also_files_and_uncertain_classes(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/also", tmpdir);
    write_file(root, "pytest.ini", "[pytest]\ntestpaths = tests\n");
    write_file(root, "tests/test_a.py", "from base import Mixin\nclass TestX(Mixin):\n    pass\n");
    write_file(root, "integration/test_b.py", "def test_b():\n    pass\n");
    write_file(root, "integration/helper.py", "def test_helper():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(tmd_collection_lookup(&c, "integration/test_b.py::test_b"), TMD_COLLECTED_NO);
    tmd_collection_free(&c);
    const char *also[] = {"integration/test_b.py", "integration/helper.py", "../also/integration/test_b.py",
                          "/etc/passwd", "integration/missing.py", NULL};
    assert_int_equal(tmd_collect_project_also(&c, root, also, 6), 0);
    assert_int_equal(tmd_collection_lookup(&c, "integration/test_b.py::test_b"), TMD_COLLECTED_YES);
    /* named explicitly, pytest collects a file whatever its name */
    assert_int_equal(tmd_collection_lookup(&c, "integration/helper.py::test_helper"), TMD_COLLECTED_YES);
    assert_int_equal(c.nfiles, 3);
    assert_int_equal(tmd_collection_lookup(&c, "tests/test_a.py::TestX::test_inherited"), TMD_COLLECTED_MAYBE);
    char **fresh;
    size_t n;
    const char *none[] = {"integration/test_b.py::test_b", "integration/helper.py::test_helper"};
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, none, 2, NULL, 0), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fresh[0], "tests/test_a.py"); /* TestX may hold nothing */
    free(fresh[0]);
    free(fresh);
    const char *some[] = {"integration/test_b.py::test_b", "integration/helper.py::test_helper",
                          "tests/test_a.py::TestX::test_inherited"};
    assert_int_equal(tmd_collection_new_tests(&fresh, &n, &c, some, 3, NULL, 0), 0);
    assert_int_equal(n, 1);
    assert_string_equal(fresh[0], "tests/test_a.py::TestX"); /* it holds tests: more may have come */
    free(fresh[0]);
    free(fresh);
    tmd_collection_free(&c);
}

/* Config files in pytest's order and syntax. */
static void config_files(void **state)
{
    (void)state;
    char root[400];
    snprintf(root, sizeof root, "%s/cfg", tmpdir);
    write_file(root, "setup.cfg", "[tool:pytest]\npython_files = check_*.py\n");
    write_file(root, "tox.ini", "[tox]\nenvlist = py3\n");
    write_file(root, "pyproject.toml",
               "[project]\nname = \"x\"\n\n[tool.pytest.ini_options]\n"
               "python_files = [\"spec_*.py\", 'it_*.py']  # comment\n"
               "python_functions = \"it_ should_\"\n"
               "addopts = \"-ra --ignore=skip --deselect spec_a.py::it_two\"\n");
    pytest_config cfg;
    assert_int_equal(pytest_config_load(&cfg, root), 0);
    assert_string_equal(cfg.inifile, "pyproject.toml");
    assert_int_equal(cfg.python_files.n, 2);
    assert_string_equal(cfg.python_files.v[1], "it_*.py");
    assert_int_equal(cfg.python_functions.n, 2);
    assert_string_equal(cfg.python_functions.v[1], "should_");
    assert_int_equal(cfg.ignore.n, 1);
    assert_string_equal(cfg.deselect.v[0], "spec_a.py::it_two");
    pytest_config_free(&cfg);
    write_file(root, "spec_a.py", "def it_one():\n    pass\ndef it_two():\n    pass\ndef should_x():\n    pass\ndef test_no():\n    pass\n");
    write_file(root, "skip/spec_b.py", "def it_hidden():\n    pass\n");
    tmd_collection c;
    assert_int_equal(tmd_collect_project(&c, root), 0);
    assert_int_equal(c.count, 2);
    assert_string_equal(c.items[0].nodeid, "spec_a.py::it_one");
    assert_string_equal(c.items[1].nodeid, "spec_a.py::should_x");
    tmd_collection_free(&c);
    /* multi-line strings (a crash before: the value was left unread) and a
     * value tmdiff does not read (marked, not a crash) */
    write_file(root, "pyproject.toml",
               "[project]\ndescription = \"\"\"two\nlines\"\"\"\n[tool.pytest.ini_options]\n"
               "addopts = \"\"\"\n  -ra\n  --doctest-modules\n\"\"\"\n"
               "python_functions = \"\"\"it_ \\\n    should_\"\"\"\n"
               "python_files = '''spec_*.py'''\n");
    assert_int_equal(pytest_config_load(&cfg, root), 0);
    assert_null(cfg.inexact);
    assert_int_equal(cfg.doctest_modules, 1);
    assert_int_equal(cfg.python_functions.n, 2);
    assert_string_equal(cfg.python_functions.v[1], "should_");
    assert_string_equal(cfg.python_files.v[0], "spec_*.py");
    pytest_config_free(&cfg);
    write_file(root, "pyproject.toml", "[tool.pytest.ini_options]\naddopts = \"\\u002dq\"\n");
    assert_int_equal(pytest_config_load(&cfg, root), 0);
    assert_non_null(cfg.inexact);
    pytest_config_free(&cfg);
    /* the same under an option that does not change collection: read past */
    write_file(root, "pyproject.toml", "[tool.pytest.ini_options]\nfilterwarnings = [\"ignore:\\u2026\",\n"
                                       "  \"a\\\"b # [\", # ]\n  1]\nmarkers = \"\"\"x\"y\n[z\"\"\"\n"
                                       "required_plugins = '\"'\npython_files = \"spec_*.py\"\n");
    assert_int_equal(pytest_config_load(&cfg, root), 0);
    assert_null(cfg.inexact);
    assert_string_equal(cfg.python_files.v[0], "spec_*.py");
    pytest_config_free(&cfg);
    /* pytest.ini wins even without a [pytest] section: defaults */
    write_file(root, "pytest.ini", "# empty\n");
    assert_int_equal(pytest_config_load(&cfg, root), 0);
    assert_string_equal(cfg.inifile, "pytest.ini");
    assert_string_equal(cfg.python_files.v[0], "test_*.py");
    pytest_config_free(&cfg);
}

/* The import scanner reads every form Python allows: blanks between
 * dots, parentheses with comments and newlines, backslash continuations,
 * renames, stars, several statements on a line; `yield from` is none. */
static void import_scanner(void **state)
{
    (void)state;
    static const char src[] = "import os\n"
                              "from . pkg . mod import (a,  # first\n    b as c,\n)\n"
                              "x = 1; from .. import *\n"
                              "from os \\\n  import path as p, sep\n"
                              "def gen():\n    yield from range(2)\n"
                              "async def helper(): pass\n"
                              "from x import y  # from z import w\n";
    module_names m = {0};
    assert_int_equal(module_names_read(&m, src, sizeof src - 1), 0);
    static const char *const want[][3] = {{".pkg.mod", "a", "a"}, {".pkg.mod", "b", "c"}, {"..", "*", "*"},
                                          {"os", "path", "p"},     {"os", "sep", "sep"}, {"x", "y", "y"},
                                          {"z", "w", "w"}}; /* the comment's: more, never less */
    assert_int_equal(m.specs.n, sizeof want / sizeof *want);
    for (size_t i = 0; i < m.specs.n; i++) {
        assert_string_equal(m.specs.v[i], want[i][0]);
        assert_string_equal(m.origs.v[i], want[i][1]);
        assert_string_equal(m.binds.v[i], want[i][2]);
    }
    assert_true(strvec_contains(&m.defs, "gen") && strvec_contains(&m.defs, "helper"));
    module_names_free(&m);
}

static void float_repr_matches_python(void **state)
{
    (void)state;
    const struct { double v; const char *s; } cases[] = {
        {0.5, "0.5"}, {2.0, "2.0"}, {1e16, "1e+16"}, {1e15, "1000000000000000.0"}, {1e-5, "1e-05"},
        {0.0001, "0.0001"}, {0.1, "0.1"}, {123456789.125, "123456789.125"}, {-0.0, "-0.0"},
        {1.7976931348623157e308, "1.7976931348623157e+308"}, {5e-324, "5e-324"}, {1.5e-7, "1.5e-07"},
        {0.30000000000000004, "0.30000000000000004"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tmd_buf b = TMD_BUF_INIT;
        param_float_repr(&b, cases[i].v);
        assert_string_equal(b.data, cases[i].s);
        tmd_buf_free(&b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(float_repr_matches_python),
        cmocka_unit_test(import_scanner),
        cmocka_unit_test(config_files),
        cmocka_unit_test(new_tests_rules),
        cmocka_unit_test(lone_cr_line_ends),
        cmocka_unit_test(line_continuations),
        cmocka_unit_test(ini_usefixtures),
        cmocka_unit_test(names_bound_at_runtime),
        cmocka_unit_test(names_bound_through_calls),
        cmocka_unit_test(symlinked_folders),
        cmocka_unit_test(virtualenv_folders),
        cmocka_unit_test(ignore_collect_hooks),
        cmocka_unit_test(fixtures_bound_otherwise),
        cmocka_unit_test(conftest_collect_ignore),
        cmocka_unit_test(collect_ignore_from_literals),
        cmocka_unit_test(generate_hooks),
        cmocka_unit_test(plugin_modules),
        cmocka_unit_test(plugins_of_inner_conftests),
        cmocka_unit_test(plugins_from_globs),
        cmocka_unit_test(noconftest_option),
        cmocka_unit_test(override_ini_options),
        cmocka_unit_test(confcutdir_option),
        cmocka_unit_test(anyio_plugin),
        cmocka_unit_test(plugin_marks),
        cmocka_unit_test(pytest_bdd_scenarios),
        cmocka_unit_test(autouse_bound_otherwise),
        cmocka_unit_test(fixture_params_expect),
        cmocka_unit_test(named_values_expect),
        cmocka_unit_test(mark_aliases),
        cmocka_unit_test(testcase_under_any_name),
        cmocka_unit_test(conftest_imports),
        cmocka_unit_test(data_named_like_tests),
        cmocka_unit_test(doctests),
        cmocka_unit_test(also_files_and_uncertain_classes),
        cmocka_unit_test(awkward_cases_against_pytest),
        cmocka_unit_test(conformance_projects),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
