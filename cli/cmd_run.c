/* cmd_run.c: `tmdiff run [select options] -- PYTEST_ARGS...`: runs pytest on
 * the selection, through the project's interpreter (the one the environment
 * check reads). The node IDs reach pytest through a file read by a two-line
 * bootstrap that hands them to pytest's own main() as arguments, so any
 * number of IDs works on every pytest version (no command-line length limit,
 * no @argfile, which only pytest >= 8.2 reads). */
#include "cli.h"
#include "select_common.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static const char run_usage[] =
    "usage: tmdiff run [select options] -- PYTEST_ARGS...\n"
    "Runs pytest (as `python -m pytest PYTEST_ARGS... NODEIDS...`, with the\n"
    "project's interpreter: --python-exe, $VIRTUAL_ENV, ROOT/.venv, ROOT/venv or\n"
    "python3) on the tests `tmdiff select` names; exits 0 without starting pytest\n"
    "when no test is affected. Exit status: pytest's (3 when the interpreter\n"
    "cannot import pytest), or 2 for a usage error.\n"
    "When the selection cannot be decided, every test runs.\n\n";

/* argv[1] is the file of node IDs; the rest are pytest's own arguments. */
static const char bootstrap[] =
    "import sys\n"
    "with open(sys.argv[1], encoding='utf-8') as f:\n"
    "    ids = [line for line in f.read().split('\\n') if line]\n"
    "sys.argv = ['pytest'] + sys.argv[2:] + ids\n"
    "try:\n"
    "    import pytest\n"
    "except ImportError as e:\n"
    "    sys.stderr.write('tmdiff: %s: cannot import pytest: %s (install it there, activate the '\n"
    "                     'project virtualenv or give --python-exe)\\n' % (sys.executable, e))\n"
    "    sys.exit(3)\n"
    "main = getattr(pytest, 'console_main', None)\n"
    "sys.exit(main() if main else pytest.main(sys.argv[1:]))\n";

/* Writes the IDs, one a line, into a new private file; returns its path. */
static char *write_ids(const char *const *ids, size_t n)
{
    const char *tmp = getenv("TMPDIR");
    char *path = malloc(4096);
    if (!path)
        return NULL;
    snprintf(path, 4096, "%s/tmdiff-run-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    if (fd < 0) {
        free(path);
        return NULL;
    }
    FILE *f = fdopen(fd, "w");
    int ok = f != NULL;
    for (size_t i = 0; ok && i < n; i++)
        ok = fputs(ids[i], f) >= 0 && fputc('\n', f) != EOF;
    if (f)
        ok = fclose(f) == 0 && ok;
    else
        close(fd);
    if (!ok) {
        unlink(path);
        free(path);
        return NULL;
    }
    return path;
}

/* Runs python -c bootstrap IDS_FILE ARGS... in `root`; returns pytest's exit
 * status (or 1 when it could not start). */
static int run_pytest(const char *python, const char *root, const char *ids_file, char **args, int nargs)
{
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
    char *ids_file = write_ids(ids, everything ? 0 : n);
    int rc;
    if (!ids_file)
        rc = cli_fail("run", "cannot write the list of node IDs", "check $TMPDIR");
    else
        rc = run_pytest(python, root, ids_file, argv + o.rest, argc - o.rest);
    if (ids_file)
        unlink(ids_file);
    free(ids_file);
    free(ids);
    tmd_selection_free(sel);
    free(python);
    return rc;
}
