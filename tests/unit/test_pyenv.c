/* test_pyenv.c: the environment check reproduces testmon's python_version and
 * system_packages: the patch-dropping rule against Python's own re.sub, the
 * kit's recorded string, and the direct metadata read against the
 * interpreter's importlib.metadata answer for /usr/bin/python3 and venvs. */
#include "pyenv_internal.h"
#include "support.h"
#include "tmdiff.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char tmpdir[256];

static int make_tmpdir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof tmpdir, "/tmp/tmdiff-pyenv-XXXXXX");
    return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
    (void)state;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    return system(cmd) == 0 ? 0 : -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* Python's own answer for re.sub(testmon's pattern) over `s`. */
static char *python_drop_patch(const char *s)
{
    char *out = NULL;
    const char *argv[] = {"/usr/bin/python3", "-c",
                          "import re, sys\n"
                          "sys.stdout.write(re.sub(r'\\b([\\w_-]+\\s\\d+\\.\\d+)\\.\\w+\\b', r'\\1', sys.argv[1]))",
                          s, NULL};
    if (pyenv_run_capture(&out, argv, NULL) != 0)
        return NULL;
    return out;
}

/* Assumed: testmon applies drop_patch_version to the joined string with
 * re.sub(r"\b([\w_-]+\s\d+\.\d+)\.\w+\b", r"\1"): the first word run after
 * MAJOR.MINOR is dropped, so "1.0.0+repack" keeps "+repack" and "1.2.3.4"
 * becomes "1.2.4". Checked against Python itself on tricky strings. */
static void drop_patch_matches_python_re_sub(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        skip();
    static const char *const cases[] = {
        "attrs 22.2.0, coverage 6.5.0, iniconfig 1.1.1, packaging 23.0, pluggy 1.0.0+repack, pytest 7.2.1",
        "a 1.2.3.4, b 10.20.30rc1, c 1.2, d 1.2.post1, e 2023.10.1.dev0",
        "lazr.uri 1.0.6, zope.interface 5.4.0, my_pkg 0.0.1a1, x-y 3.4.5-6",
        "pkg 1.2.3, pkg 1.2.3, None 1.0.0, name\t1.2.3, name  1.2.3",
        "-dash 1.2.3, a-b_c 7.8.9_1, q 1..2.3, r 1.2..3, s .1.2.3, t 1.2.3+local.4",
        "caf\xc3\xa9 1.2.3, \xc3\xa9t\xc3\xa9 4.5.6\xc3\xa9, u 1.2.\xc3\xa9",
        "", "solo", "p 1.2.3",
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *want = python_drop_patch(cases[i]);
        assert_non_null(want);
        char *got = pyenv_drop_patch(cases[i]);
        assert_non_null(got);
        assert_string_equal(got, want);
        free(want);
        free(got);
    }
}

/* The raw versions of the kit's environment give exactly the string the
 * kit's database recorded (pytest-testmon itself left out, duplicates once). */
static void format_reproduces_the_kit_database(void **state)
{
    (void)state;
    const char *path = support_shared_path("conformance/projects/invoicing/base.dump.json");
    char *dump = support_read_file(path, NULL);
    if (!dump)
        skip();
    const char *raw[] = {"pytest 7.2.1", "pluggy 1.0.0+repack", "iniconfig 1.1.1", "attrs 22.2.0",
                         "packaging 23.0", "coverage 6.5.0", "pytest-testmon 2.2.0",
                         "attrs 22.2.0"};
    char *got = NULL;
    assert_int_equal(tmd_pyenv_format_packages(&got, raw, 8), 0);
    char needle[512];
    snprintf(needle, sizeof needle, "\"system_packages\": \"%s\"", got);
    assert_non_null(strstr(dump, needle));
    assert_string_equal(got, "attrs 22.2, coverage 6.5, iniconfig 1.1, packaging 23.0, "
                             "pluggy 1.0+repack, pytest 7.2");
    free(got);
    free(dump);
}

/* Loads `exe`'s environment directly (no cache) and asks the interpreter
 * the way testmon computes it; both must agree. */
static void assert_direct_read_equals_interpreter(const char *exe, const char *root)
{
    tmd_pyenv_options o = TMD_PYENV_OPTIONS_INIT;
    o.python_exe = exe;
    o.root = root;
    o.no_cache = 1;
    tmd_pyenv env;
    int rc = tmd_pyenv_load(&env, &o);
    if (rc)
        fail_msg("%s", tmd_error_message());
    struct pyenv_facts facts;
    assert_int_equal(pyenv_query(&facts, exe, root), 0);
    assert_non_null(facts.packages);
    assert_string_equal(env.python_version, facts.version);
    assert_string_equal(env.packages, facts.packages);
    assert_string_equal(env.how, "metadata");
    free(facts.packages);
    for (size_t i = 0; i < facts.npath; i++)
        free(facts.path[i]);
    free(facts.path);
    tmd_pyenv_free(&env);
}

static void direct_read_equals_system_python(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        skip();
    assert_direct_read_equals_interpreter("/usr/bin/python3", tmpdir);
}

static int run(const char *cmd)
{
    return system(cmd);
}

/* A venv with awkward distributions: a duplicate, a 4-part version, an
 * egg-info file, pytest-testmon, a PKG-INFO-only folder, case variants. */
static void make_venv(const char *python, const char *dir, int system_site)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "'%s' -m venv --without-pip %s '%s'", python,
             system_site ? "--system-site-packages" : "", dir);
    assert_int_equal(run(cmd), 0);
    snprintf(cmd, sizeof cmd, "ls -d '%s'/lib/python3.*/site-packages", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char site[400];
    assert_non_null(fgets(site, sizeof site, p));
    pclose(p);
    site[strcspn(site, "\n")] = '\0';
    struct { const char *entry, *file, *text; } dists[] = {
        {"Alpha-1.2.3.4.dist-info", "METADATA", "Metadata-Version: 2.1\nName: Alpha\nVersion: 1.2.3.4\nSummary: x\n\nName: Wrong\n"},
        {"beta.egg-info", "PKG-INFO", "Metadata-Version: 1.0\r\nName: beta\r\nVersion: 0.9.0+local\r\n"},
        {"pytest_testmon-2.2.0.dist-info", "METADATA", "Name: pytest-testmon\nVersion: 2.2.0\n"},
        {"Gamma-3.0.DIST-INFO", "METADATA", "name: Gamma\nversion: 3.0\n"},
        {"dup-1.0.1.dist-info", "METADATA", "Name: dup\nVersion: 1.0.1\n"},
    };
    for (size_t i = 0; i < sizeof dists / sizeof dists[0]; i++) {
        char path[800];
        snprintf(path, sizeof path, "%s/%s", site, dists[i].entry);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof path, "%s/%s/%s", site, dists[i].entry, dists[i].file);
        write_file(path, dists[i].text);
    }
    char path[800];
    snprintf(path, sizeof path, "%s/delta-2.1.0.egg-info", site);
    write_file(path, "Metadata-Version: 1.1\nName: delta\nVersion: 2.1.0\n");
    /* a .pth folder holding another copy of dup */
    snprintf(path, sizeof path, "%s/extra.pth", site);
    char extra[700];
    snprintf(extra, sizeof extra, "%s/extra\n", dir);
    write_file(path, extra);
    snprintf(path, sizeof path, "%s/extra", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/extra/dup-1.0.1.dist-info", dir);
    assert_int_equal(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/extra/dup-1.0.1.dist-info/METADATA", dir);
    write_file(path, "Name: dup\nVersion: 1.0.1\n");
}

static void direct_read_equals_venv(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        skip();
    char dir[400], exe[450];
    snprintf(dir, sizeof dir, "%s/venv-plain", tmpdir);
    make_venv("/usr/bin/python3", dir, 0);
    snprintf(exe, sizeof exe, "%s/bin/python", dir);
    assert_direct_read_equals_interpreter(exe, tmpdir);

    snprintf(dir, sizeof dir, "%s/venv-system", tmpdir);
    make_venv("/usr/bin/python3", dir, 1);
    snprintf(exe, sizeof exe, "%s/bin/python", dir);
    assert_direct_read_equals_interpreter(exe, tmpdir);
}

/* Other interpreters (pyenv's 3.8 to 3.13 when present): the same agreement. */
static void direct_read_equals_other_pythons(void **state)
{
    (void)state;
    const char *home = getenv("HOME");
    const char *versions[] = {"3.8.18", "3.9.18", "3.10.13", "3.12.1", "3.13.0"};
    int ran = 0;
    for (size_t i = 0; home && i < sizeof versions / sizeof versions[0]; i++) {
        char py[400], dir[400], exe[450];
        snprintf(py, sizeof py, "%s/.pyenv/versions/%s/bin/python", home, versions[i]);
        if (access(py, X_OK) != 0)
            continue;
        snprintf(dir, sizeof dir, "%s/venv-%s", tmpdir, versions[i]);
        make_venv(py, dir, 0);
        snprintf(exe, sizeof exe, "%s/bin/python", dir);
        assert_direct_read_equals_interpreter(exe, tmpdir);
        ran++;
    }
    if (!ran)
        skip();
}

/* The second load answers from the cache; a changed pyvenv.cfg asks again;
 * a new distribution shows up without asking. */
static void cache_is_used_and_invalidated(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        skip();
    char dir[400], exe[450], cache[400], cfg[450];
    snprintf(dir, sizeof dir, "%s/venv-cache", tmpdir);
    snprintf(cache, sizeof cache, "%s/cache", tmpdir);
    make_venv("/usr/bin/python3", dir, 0);
    snprintf(exe, sizeof exe, "%s/bin/python", dir);
    tmd_pyenv_options o = TMD_PYENV_OPTIONS_INIT;
    o.python_exe = exe;
    o.root = tmpdir;
    o.cache_dir = cache;
    tmd_pyenv a, b, c;
    assert_int_equal(tmd_pyenv_load(&a, &o), 0);
    assert_string_equal(a.how, "metadata");
    assert_int_equal(tmd_pyenv_load(&b, &o), 0);
    assert_string_equal(b.how, "cache");
    assert_string_equal(a.packages, b.packages);
    assert_string_equal(a.python_version, b.python_version);

    char site[600];
    snprintf(site, sizeof site, "%s/lib/python3.11/site-packages/zeta-4.5.6.dist-info", dir);
    assert_int_equal(mkdir(site, 0755), 0);
    strcat(site, "/METADATA");
    write_file(site, "Name: zeta\nVersion: 4.5.6\n");
    snprintf(cfg, sizeof cfg, "%s/pyvenv.cfg", dir);
    FILE *f = fopen(cfg, "a");
    assert_non_null(f);
    fputs("prompt = changed\n", f);
    fclose(f);
    assert_int_equal(tmd_pyenv_load(&c, &o), 0);
    assert_string_equal(c.how, "metadata");
    assert_non_null(strstr(c.packages, "zeta 4.5"));
    assert_null(strstr(a.packages, "zeta"));
    tmd_pyenv_free(&a);
    tmd_pyenv_free(&b);
    tmd_pyenv_free(&c);
}

/* A folded Version header is not read directly: the interpreter answers. */
static void irregular_metadata_asks_the_interpreter(void **state)
{
    (void)state;
    if (access("/usr/bin/python3", X_OK) != 0)
        skip();
    char dir[400], exe[450], meta[600];
    snprintf(dir, sizeof dir, "%s/venv-odd", tmpdir);
    make_venv("/usr/bin/python3", dir, 0);
    snprintf(meta, sizeof meta, "%s/lib/python3.11/site-packages/odd-1.0.dist-info", dir);
    assert_int_equal(mkdir(meta, 0755), 0);
    strcat(meta, "/METADATA");
    write_file(meta, "Name: odd\nVersion: 1.0\n .5\n");
    snprintf(exe, sizeof exe, "%s/bin/python", dir);
    tmd_pyenv_options o = TMD_PYENV_OPTIONS_INIT;
    o.python_exe = exe;
    o.root = tmpdir;
    o.no_cache = 1;
    tmd_pyenv env;
    assert_int_equal(tmd_pyenv_load(&env, &o), 0);
    assert_string_equal(env.how, "interpreter");
    /* importlib.metadata reads it as "       1.0\n.5": not worth imitating */
    assert_non_null(strstr(env.packages, "odd "));
    assert_null(strstr(env.packages, "odd 1.0"));
    tmd_pyenv_free(&env);
}

/* $VIRTUAL_ENV first, then ROOT/.venv, then ROOT/venv; --python-exe wins. */
static void interpreter_search_order(void **state)
{
    (void)state;
    char root[400], path[500];
    snprintf(root, sizeof root, "%s/proj", tmpdir);
    assert_int_equal(mkdir(root, 0755), 0);
    const char *dirs[] = {"venv", "venv/bin", ".venv", ".venv/bin", "active", "active/bin"};
    for (size_t i = 0; i < 6; i++) {
        snprintf(path, sizeof path, "%s/%s", root, dirs[i]);
        assert_int_equal(mkdir(path, 0755), 0);
    }
    const char *exes[] = {"venv/bin/python", ".venv/bin/python", "active/bin/python"};
    for (size_t i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s", root, exes[i]);
        write_file(path, "#!/bin/sh\n");
        assert_int_equal(chmod(path, 0755), 0);
    }
    tmd_pyenv_options o = TMD_PYENV_OPTIONS_INIT;
    o.root = root;
    char *found = NULL;
    char active[450];
    snprintf(active, sizeof active, "%s/active", root);
    setenv("VIRTUAL_ENV", active, 1);
    assert_int_equal(tmd_pyenv_find(&found, &o), 0);
    assert_non_null(strstr(found, "/active/bin/python"));
    free(found);
    unsetenv("VIRTUAL_ENV");
    assert_int_equal(tmd_pyenv_find(&found, &o), 0);
    assert_non_null(strstr(found, "/.venv/bin/python"));
    free(found);
    snprintf(path, sizeof path, "%s/.venv/bin/python", root);
    unlink(path);
    assert_int_equal(tmd_pyenv_find(&found, &o), 0);
    assert_non_null(strstr(found, "/venv/bin/python"));
    free(found);
    o.python_exe = "/usr/bin/python3";
    assert_int_equal(tmd_pyenv_find(&found, &o), 0);
    assert_string_equal(found, "/usr/bin/python3");
    free(found);
    o.python_exe = "/nonexistent/python";
    assert_int_equal(tmd_pyenv_find(&found, &o), TMD_ENOTFOUND);
    assert_null(found);
}

static void compare_names_the_difference(void **state)
{
    (void)state;
    tmd_pyenv env = {0};
    snprintf(env.python_version, sizeof env.python_version, "3.11.2");
    env.packages = "attrs 22.2, pytest 7.4";
    char why[256];
    assert_int_equal(tmd_pyenv_compare(&env, "3.11.2", "attrs 22.2, pytest 7.4", why, sizeof why), 0);
    assert_int_equal(tmd_pyenv_compare(&env, "3.11.7", "attrs 22.2, pytest 7.4", why, sizeof why), 1);
    assert_non_null(strstr(why, "3.11.7"));
    assert_int_equal(tmd_pyenv_compare(&env, "3.11.2", "attrs 22.2, pytest 7.2", why, sizeof why), 1);
    assert_non_null(strstr(why, "pytest 7"));
    assert_int_equal(tmd_pyenv_compare(&env, "3.11.2", "attrs 22.2", why, sizeof why), 1);
    assert_non_null(strstr(why, "\"pytest 7.4\" here"));
    assert_int_equal(tmd_pyenv_compare(&env, "3.11.2", "attrs 22.2, pytest 7.4, zz 1.0", why, sizeof why), 1);
    assert_non_null(strstr(why, "\"zz 1.0\""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(drop_patch_matches_python_re_sub),
        cmocka_unit_test(format_reproduces_the_kit_database),
        cmocka_unit_test(direct_read_equals_system_python),
        cmocka_unit_test(direct_read_equals_venv),
        cmocka_unit_test(direct_read_equals_other_pythons),
        cmocka_unit_test(cache_is_used_and_invalidated),
        cmocka_unit_test(irregular_metadata_asks_the_interpreter),
        cmocka_unit_test(interpreter_search_order),
        cmocka_unit_test(compare_names_the_difference),
    };
    return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
