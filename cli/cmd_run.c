/* cmd_run.c: `tmdiff run [select options] -- PYTEST_ARGS...`: runs pytest on
 * the selection, through the project's interpreter (the one the environment
 * check reads). The node IDs go into a private folder beside a small pytest
 * plugin: pytest gets the IDs' files as arguments and the plugin (loaded
 * with -p, so pytest-xdist's workers load it too) keeps the tests the IDs
 * name. So any number of IDs works on every pytest version (no command-line
 * length limit, no @argfile, which only pytest >= 8.2 reads), and an ID
 * pytest does not collect (a prefix for a test that turned out not to be
 * one, a doctest whose examples were removed) is a warning instead of
 * pytest's "not found", which would stop the whole run. */
#define _GNU_SOURCE /* nftw */
#include "buf.h"
#include "cli.h"
#include "select_common.h"

#include <errno.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char run_usage[] =
    "usage: tmdiff run [select options] -- PYTEST_ARGS...\n"
    "Runs pytest (as `python -m pytest PYTEST_ARGS... FILES...`, with the\n"
    "project's interpreter: --python-exe, $VIRTUAL_ENV, ROOT/.venv, ROOT/venv or\n"
    "python3) on the tests `tmdiff select` names: a plugin keeps those of the\n"
    "files' tests (and warns about a name pytest does not collect). Paths in\n"
    "PYTEST_ARGS run whole. Exits 0 without starting pytest when no test is\n"
    "affected. Exit status: pytest's (3 when the interpreter cannot import\n"
    "pytest), or 2 for a usage error.\n"
    "When the selection cannot be decided, every test runs.\n\n";

#define PLUGIN_MODULE "tmdiff_run_plugin"

/* Starts pytest: argv[1] is the file of node IDs, the rest are pytest's own
 * arguments; the IDs' files are added to them. The plugin is left to pytest
 * to import: one imported earlier cannot be assertion-rewritten, and pytest
 * warns about it. */
static const char bootstrap[] =
    "import os, sys\n"
    "with open(sys.argv[1], encoding='utf-8') as f:\n"
    "    ids = [line for line in f.read().split('\\n') if line]\n"
    "files = list(dict.fromkeys(i.split('::', 1)[0] for i in ids))\n"
    "os.environ['TMDIFF_RUN_IDS'] = sys.argv[1]\n"
    "os.environ['TMDIFF_RUN_FILES'] = '\\n'.join(files)\n"
    "try:\n"
    "    import pytest\n"
    "except ImportError as e:\n"
    "    sys.stderr.write('tmdiff: %s: cannot import pytest: %s (install it there, activate the '\n"
    "                     'project virtualenv or give --python-exe)\\n' % (sys.executable, e))\n"
    "    sys.exit(3)\n"
    "args, sys.argv = ['-p', '" PLUGIN_MODULE "'] + sys.argv[2:] + files, ['pytest']\n"
    "sys.exit(int(pytest.main(args)))\n";

/* The plugin: a test is kept when a tmdiff ID names it (equal, ID[...] or
 * ID::...), when it lies under a path the user gave (pytest's own reading
 * of its arguments tells paths from option values), or when its file is
 * not one of the IDs' files. A test collected twice (its file named by the
 * user too) runs once. Keys are paths relative to the folder pytest was
 * started in (the root), as tmdiff's IDs are, whatever rootdir pytest
 * picks. If no ID matched anything, every collected test runs: never fewer
 * than asked. */
static const char plugin[] =
    "import os, sys\n"
    "def read_ids(path):\n"
    "    with open(path, encoding='utf-8') as f:\n"
    "        return [line for line in f.read().split('\\n') if line]\n"
    "def heads(key):\n"
    "    return [key] + [key[:n] for n, c in enumerate(key) if c == '[' or key.startswith('::', n)]\n"
    "def under(key, path):\n"
    "    return key == path or path in ('', '.') or key.startswith(path) and key[len(path)] in '/:['\n"
    "def lines(name):\n"
    "    return [f for f in os.environ.get(name, '').split('\\n') if f]\n"
    "def pytest_load_initial_conftests(early_config, parser, args):\n"
    "    if 'TMDIFF_RUN_USER' in os.environ:\n"
    "        return  # an xdist worker: its controller did this\n"
    "    files, given = lines('TMDIFF_RUN_FILES'), early_config.known_args_namespace.file_or_dir or []\n"
    "    here = os.getcwd()\n"
    "    user = [os.path.relpath(os.path.abspath(a.split('::', 1)[0]), here).replace(os.sep, '/')\n"
    "            + a[len(a.split('::', 1)[0]):] for a in given[:len(given) - len(files)]]\n"
    "    os.environ['TMDIFF_RUN_USER'] = '\\n'.join(user)\n"
    "    # a file also under a path the user gave would be collected twice, and\n"
    "    # pytest names the second copy's parameters differently: drop tmdiff's\n"
    "    for f in files:\n"
    "        if any(under(f, u) for u in user) and f in args:\n"
    "            del args[len(args) - 1 - args[::-1].index(f)]\n"
    "def pytest_collection_modifyitems(config, items):\n"
    "    if not os.environ.get('TMDIFF_RUN_IDS'):\n"
    "        return\n"
    "    ids, named, user = read_ids(os.environ['TMDIFF_RUN_IDS']), set(lines('TMDIFF_RUN_FILES')), lines('TMDIFF_RUN_USER')\n"
    "    here = str(config.invocation_params.dir)\n"
    "    rel = lambda p: os.path.relpath(p, here).replace(os.sep, '/')\n"
    "    wanted, hits, seen, keep, drop = set(ids), set(), set(), [], []\n"
    "    for item in items:\n"
    "        path = rel(str(getattr(item, 'path', None) or item.fspath))\n"
    "        key = path + item.nodeid[item.nodeid.find('::'):] if '::' in item.nodeid else path\n"
    "        mine = [h for h in heads(key) if h in wanted]\n"
    "        hits.update(mine)\n"
    "        ok = mine or path not in named or any(under(key, u) for u in user)\n"
    "        (keep if ok and key not in seen else drop).append(item)\n"
    "        seen.add(key)\n"
    "    lost = [i for i in ids if i not in hits]\n"
    "    if lost:\n"
    "        sys.stderr.write('tmdiff run: %d selected IDs match no test pytest collected: %s\\n'\n"
    "                         % (len(lost), ' '.join(lost[:5]) + (' ...' if len(lost) > 5 else '')))\n"
    "    if drop and hits:\n"
    "        config.hook.pytest_deselected(items=drop)\n"
    "        items[:] = keep\n";

static int write_text(const char *path, const char *const *lines, size_t n)
{
    FILE *f = fopen(path, "w");
    int ok = f != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = fputs(lines[i], f) >= 0 && fputc('\n', f) != EOF;
    if (f)
        ok = fclose(f) == 0 && ok;
    return ok ? 0 : -1;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    remove(path);
    return 0;
}

/* A new private folder holding the plugin and the IDs (one a line);
 * returns its path, NULL on failure. Remove it with remove_tree. */
static char *write_run_folder(const char *const *ids, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    char *dir = malloc(4096), file[4200];
    if (!dir)
        return NULL;
    snprintf(dir, 4096, "%s/tmdiff-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
        free(dir);
        return NULL;
    }
    const char *source = plugin;
    snprintf(file, sizeof file, "%s/" PLUGIN_MODULE ".py", dir);
    int rc = write_text(file, &source, 1);
    snprintf(file, sizeof file, "%s/ids", dir);
    if (rc || write_text(file, ids, n)) {
        nftw(dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
        free(dir);
        return NULL;
    }
    return dir;
}

/* Runs python -c bootstrap IDS_FILE ARGS... in `root`; returns pytest's exit
 * status (or 1 when it could not start). */
static int run_pytest(const char *python, const char *root, const char *run_dir, char **args, int nargs)
{
    char ids_file[4200];
    snprintf(ids_file, sizeof ids_file, "%s/ids", run_dir);
    /* the plugin is imported from the run folder, by workers too */
    const char *old = getenv("PYTHONPATH");
    tmd_buf path = TMD_BUF_INIT;
    tmd_buf_printf(&path, "%s%s%s", run_dir, old && *old ? ":" : "", old && *old ? old : "");
    if (path.oom || setenv("PYTHONPATH", path.data, 1) != 0) {
        tmd_buf_free(&path);
        return cli_fail("run", "out of memory", NULL);
    }
    tmd_buf_free(&path);
    char **argv = calloc((size_t)nargs + 5, sizeof *argv);
    if (!argv)
        return cli_fail("run", "out of memory", NULL);
    int k = 0;
    argv[k++] = (char *)python;
    argv[k++] = "-c";
    argv[k++] = (char *)bootstrap;
    argv[k++] = (char *)ids_file;
    for (int i = 0; i < nargs; i++)
        argv[k++] = args[i];
    argv[k] = NULL;
    fflush(stdout);
    fflush(stderr);
    /* Ctrl-C goes to pytest (same process group); tmdiff waits for it */
    struct sigaction ign = {0}, old_int, old_quit;
    ign.sa_handler = SIG_IGN;
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGQUIT, &ign, &old_quit);
    pid_t pid = fork();
    if (pid == 0) {
        sigaction(SIGINT, &old_int, NULL);
        sigaction(SIGQUIT, &old_quit, NULL);
        if (chdir(root) != 0) {
            fprintf(stderr, "tmdiff: %s: %s (check --root)\n", root, strerror(errno));
            _exit(1);
        }
        execv(python, argv);
        fprintf(stderr, "tmdiff: %s: %s (give --python-exe PATH)\n", python, strerror(errno));
        _exit(1);
    }
    int status = 0, rc;
    if (pid < 0) {
        rc = cli_fail("run", strerror(errno), "cannot start pytest");
    } else {
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        rc = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGQUIT, &old_quit, NULL);
    free(argv);
    return rc;
}

int cmd_run(int argc, char **argv)
{
    select_options o;
    int prc = select_parse_options(&o, argc, argv, "run", 0);
    if (prc < 0) {
        fputs(run_usage, stdout);
        fputs(select_options_help, stdout);
        return EXIT_OK;
    }
    if (prc != EXIT_OK)
        return prc;
    if (o.rest < argc && !o.dashdash)
        return cli_usage_error("run", "pytest's arguments go after \"--\"");
    const char *root = o.root ? o.root : ".";

    tmd_pyenv_options po = TMD_PYENV_OPTIONS_INIT;
    po.root = root;
    po.python_exe = o.python_exe;
    char *python = NULL;
    if (tmd_pyenv_find(&python, &po) != TMD_OK)
        return cli_fail_engine();

    tmd_selection *sel = NULL;
    const char **ids = NULL;
    size_t n = 0;
    int everything = 0;
    if (select_compute(&sel, &o) != EXIT_OK) {
        /* the reason is printed: the safe answer is the whole suite */
        fputs("tmdiff run: the tests to run could not be decided; running all of them\n", stderr);
        everything = 1;
    } else if (sel->everything && o.shard_n == 0) {
        fprintf(stderr, "tmdiff run: every test runs: %s\n", sel->reason);
        everything = 1;
    } else if (select_node_ids(&ids, &n, sel, &o) != EXIT_OK) {
        fputs("tmdiff run: running all tests instead\n", stderr);
        everything = 1;
    }
    if (!everything && n == 0) {
        if (o.shard_n)
            fprintf(stderr, "tmdiff run: nothing to run in shard %d/%d; pytest not started\n", o.shard_k,
                    o.shard_n);
        else
            fputs("tmdiff run: nothing to run: no test is affected by the changes; pytest not started\n",
                  stderr);
        free(ids);
        tmd_selection_free(sel);
        free(python);
        return EXIT_OK;
    }
    if (!everything)
        fprintf(stderr, "tmdiff run: %zu of %zu known tests selected%s\n", n, sel->nknown,
                o.shard_n ? " (this shard)" : "");
    char *run_dir = write_run_folder(ids, everything ? 0 : n);
    int rc;
    if (!run_dir) {
        rc = cli_fail("run", "cannot write the list of node IDs", "check $TMPDIR");
    } else {
        rc = run_pytest(python, root, run_dir, argv + o.rest, argc - o.rest);
        nftw(run_dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS); /* with the plugin's __pycache__ */
    }
    free(run_dir);
    free(ids);
    tmd_selection_free(sel);
    free(python);
    return rc;
}
