/* pyenv.c: the local interpreter's version and installed packages, as
 * pytest-testmon records them (rule 1: any difference reruns everything).
 *
 * testmon computes `system_packages` as
 *     drop_patch_version(", ".join(sorted({f"{d.metadata['Name']} {d.version}"
 *         for d in importlib.metadata.distributions() if Name != "pytest-testmon"})))
 * Starting Python costs tens of ms, so the interpreter is asked once for its
 * version and sys.path (cached, keyed by everything sys.path depends on), and
 * on every run the *.dist-info / *.egg-info entries of those folders are read
 * directly, the way importlib.metadata finds them. Anything irregular there
 * (no METADATA, folded Name header, a zip on sys.path...) makes tmdiff ask the
 * interpreter for the package string itself. */
#include "buf.h"
#include "cache_dir.h"
#include "error.h"
#include "pyenv_internal.h"
#include "slurp.h"
#include "tmdiff.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

/* What the interpreter is asked: its version, sys.path, and (for the cases
 * the direct read refuses) testmon's package string computed its own way. */
static const char query_script[] =
    "import sys, json, re, importlib.metadata as m\n"
    "v = '%d.%d.%d' % sys.version_info[:3]\n"
    "p = ', '.join(sorted({'%s %s' % (d.metadata['Name'], d.version)\n"
    "    for d in m.distributions() if d.metadata['Name'] != 'pytest-testmon'}))\n"
    "p = re.sub(r'\\b([\\w_-]+\\s\\d+\\.\\d+)\\.\\w+\\b', r'\\1', p)\n"
    "print(json.dumps({'version': v, 'path': sys.path, 'packages': p}))\n";

static int is_executable(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

static char *join2(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    char *s = malloc(la + lb + 2);
    if (!s)
        return NULL;
    memcpy(s, a, la);
    s[la] = '/';
    memcpy(s + la + 1, b, lb + 1);
    return s;
}

int tmd_pyenv_find(char **out, const tmd_pyenv_options *opts)
{
    *out = NULL;
    if (opts && opts->python_exe && *opts->python_exe) {
        if (!strchr(opts->python_exe, '/'))
            goto search_path_for_given;
        if (!is_executable(opts->python_exe))
            return tmd_error(TMD_ENOTFOUND, "%s: not an executable file (check --python-exe)",
                             opts->python_exe);
        *out = strdup(opts->python_exe);
        return *out ? 0 : tmd_error(TMD_ENOMEM, "pyenv: out of memory");
    }
    const char *venv = getenv("VIRTUAL_ENV");
    if (venv && *venv) {
        char *p = join2(venv, "bin/python");
        if (p && is_executable(p)) {
            *out = p;
            return 0;
        }
        free(p);
    }
    const char *root = opts && opts->root ? opts->root : ".";
    static const char *const local[] = {".venv/bin/python", "venv/bin/python"};
    for (size_t i = 0; i < 2; i++) {
        char *p = join2(root, local[i]);
        if (p && is_executable(p)) {
            *out = p;
            return 0;
        }
        free(p);
    }
search_path_for_given:;
    const char *name = opts && opts->python_exe && *opts->python_exe ? opts->python_exe : "python3";
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        const char *colon = strchr(path, ':');
        size_t n = colon ? (size_t)(colon - path) : strlen(path);
        char *dir = strndup(n ? path : ".", n ? n : 1);
        char *p = dir ? join2(dir, name) : NULL;
        free(dir);
        if (p && is_executable(p)) {
            *out = p;
            return 0;
        }
        free(p);
        path += n + (colon ? 1 : 0);
    }
    return tmd_error(TMD_ENOTFOUND,
                     "python: no interpreter found ($VIRTUAL_ENV, ROOT/.venv, ROOT/venv, %s on PATH) "
                     "(give --python-exe PATH or --no-env-check)", name);
}

/* ---- asking the interpreter --------------------------------------------- */

int pyenv_run_capture(char **out, const char *const *argv, const char *cwd)
{
    *out = NULL;
    int fds[2];
    if (pipe(fds) != 0)
        return tmd_error(TMD_EIO, "%s: pipe: %s", argv[0], strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return tmd_error(TMD_EIO, "%s: fork: %s", argv[0], strerror(errno));
    }
    if (pid == 0) {
        close(fds[0]);
        dup2(fds[1], 1);
        close(fds[1]);
        int devnull = open("/dev/null", O_RDWR);
        if (devnull >= 0) {
            dup2(devnull, 0);
            dup2(devnull, 2);
        }
        if (cwd && chdir(cwd) != 0)
            _exit(126);
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    close(fds[1]);
    tmd_buf b = TMD_BUF_INIT;
    char chunk[4096];
    for (;;) {
        ssize_t r = read(fds[0], chunk, sizeof chunk);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        tmd_buf_put(&b, chunk, (size_t)r);
    }
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (b.oom) {
        tmd_buf_free(&b);
        return tmd_error(TMD_ENOMEM, "%s: out of memory", argv[0]);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        tmd_buf_free(&b);
        return tmd_error(TMD_EIO, "%s: exited with status %d (run it by hand to see why)", argv[0],
                         WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    tmd_buf_putc(&b, '\0');
    *out = tmd_buf_detach(&b, NULL);
    return *out ? 0 : tmd_error(TMD_ENOMEM, "%s: out of memory", argv[0]);
}

/* Frees the facts' strings. */
static void facts_free(struct pyenv_facts *f)
{
    for (size_t i = 0; i < f->npath; i++)
        free(f->path[i]);
    free(f->path);
    free(f->packages);
    memset(f, 0, sizeof *f);
}

static int facts_from_json(struct pyenv_facts *f, const char *json, const char *exe)
{
    int rc = 0;
    memset(f, 0, sizeof *f);
    cJSON *doc = cJSON_Parse(json);
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "version");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(doc, "path");
    const cJSON *pk = cJSON_GetObjectItemCaseSensitive(doc, "packages");
    if (!cJSON_IsString(v) || !cJSON_IsArray(p) || strlen(v->valuestring) >= sizeof f->version) {
        rc = tmd_error(TMD_EFORMAT, "%s: unexpected answer to the environment query "
                                    "(is it a Python 3.8+ interpreter?)", exe);
        goto done;
    }
    snprintf(f->version, sizeof f->version, "%s", v->valuestring);
    size_t n = (size_t)cJSON_GetArraySize(p);
    f->path = calloc(n ? n : 1, sizeof *f->path);
    if (!f->path) {
        rc = tmd_error(TMD_ENOMEM, "pyenv: out of memory");
        goto done;
    }
    const cJSON *item;
    cJSON_ArrayForEach(item, p) {
        if (!cJSON_IsString(item))
            continue;
        if (!(f->path[f->npath] = strdup(item->valuestring))) {
            rc = tmd_error(TMD_ENOMEM, "pyenv: out of memory");
            goto done;
        }
        f->npath++;
    }
    if (cJSON_IsString(pk) && !(f->packages = strdup(pk->valuestring)))
        rc = tmd_error(TMD_ENOMEM, "pyenv: out of memory");
done:
    cJSON_Delete(doc);
    if (rc)
        facts_free(f);
    return rc;
}

int pyenv_query(struct pyenv_facts *out, const char *exe, const char *root)
{
    const char *argv[] = {exe, "-c", query_script, NULL};
    char *answer;
    int rc = pyenv_run_capture(&answer, argv, root);
    if (rc)
        return rc;
    rc = facts_from_json(out, answer, exe);
    free(answer);
    return rc;
}

/* ---- the cached answer -------------------------------------------------- */

static void hash_file(XXH3_state_t *h, const char *path)
{
    size_t n;
    char *bytes = tmd_slurp(path, (size_t)1 << 20, &n, NULL);
    if (bytes) {
        XXH3_64bits_update(h, bytes, n);
        free(bytes);
    }
    XXH3_64bits_update(h, "\0", 1);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The .pth files of a folder, sorted: they extend sys.path at startup. */
static void hash_pth_files(XXH3_state_t *h, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t len = strlen(e->d_name);
        if (len < 4 || strcmp(e->d_name + len - 4, ".pth") != 0)
            continue;
        if (n == cap) {
            cap = cap ? 2 * cap : 8;
            char **grown = realloc(names, cap * sizeof *names);
            if (!grown)
                break;
            names = grown;
        }
        if ((names[n] = strdup(e->d_name)))
            n++;
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, cmp_cstr);
    for (size_t i = 0; i < n; i++) {
        XXH3_64bits_update(h, names[i], strlen(names[i]) + 1);
        char *p = join2(dir, names[i]);
        if (p)
            hash_file(h, p);
        free(p);
        free(names[i]);
    }
    free(names);
}

/* Everything the interpreter's version and sys.path depend on: the
 * executable's identity, pyvenv.cfg, the variables Python reads, the root
 * (sys.path[0] of `python -m pytest`), the .pth files of every folder. */
static uint64_t facts_key(const char *exe, const char *root, const struct pyenv_facts *f)
{
    XXH3_state_t *h = XXH3_createState();
    if (!h)
        return 0;
    XXH3_64bits_reset(h);
    XXH3_64bits_update(h, TMDIFF_PYENV_CACHE_VERSION, sizeof TMDIFF_PYENV_CACHE_VERSION);
    XXH3_64bits_update(h, exe, strlen(exe) + 1);
    XXH3_64bits_update(h, root, strlen(root) + 1);
    char *real = realpath(exe, NULL);
    struct stat st;
    if (real && stat(real, &st) == 0) {
        XXH3_64bits_update(h, real, strlen(real) + 1);
        int64_t id[5] = {(int64_t)st.st_dev, (int64_t)st.st_ino, (int64_t)st.st_size,
                         (int64_t)st.st_mtim.tv_sec, (int64_t)st.st_mtim.tv_nsec};
        XXH3_64bits_update(h, id, sizeof id);
    }
    free(real);
    /* pyvenv.cfg sits beside bin/ (or beside the executable) */
    char *dir = strdup(exe);
    if (dir) {
        char *slash = strrchr(dir, '/');
        if (slash) {
            *slash = '\0';
            char *cfg = join2(dir, "../pyvenv.cfg");
            if (cfg)
                hash_file(h, cfg);
            free(cfg);
            cfg = join2(dir, "pyvenv.cfg");
            if (cfg)
                hash_file(h, cfg);
            free(cfg);
        }
        free(dir);
    }
    static const char *const vars[] = {"PYTHONPATH", "PYTHONHOME", "PYTHONNOUSERSITE",
                                       "PYTHONSAFEPATH", "PYTHONUSERBASE", "HOME"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++) {
        const char *v = getenv(vars[i]);
        XXH3_64bits_update(h, v ? v : "\1", v ? strlen(v) + 1 : 1);
    }
    for (size_t i = 0; f && i < f->npath; i++)
        hash_pth_files(h, f->path[i][0] ? f->path[i] : root);
    uint64_t key = XXH3_64bits_digest(h);
    XXH3_freeState(h);
    return key;
}

char *pyenv_cache_dir(const char *given)
{
    char *dir = cache_dir_path(given, NULL);
    if (dir && cache_dir_make(dir) != 0) {
        free(dir);
        return NULL;
    }
    return dir;
}

/* Cache file name: one per (interpreter path, root). */
static char *facts_cache_path(const char *dir, const char *exe, const char *root)
{
    XXH3_state_t *h = XXH3_createState();
    if (!h)
        return NULL;
    XXH3_64bits_reset(h);
    XXH3_64bits_update(h, exe, strlen(exe) + 1);
    XXH3_64bits_update(h, root, strlen(root) + 1);
    char name[64];
    snprintf(name, sizeof name, "pyenv-%016llx.json", (unsigned long long)XXH3_64bits_digest(h));
    XXH3_freeState(h);
    return join2(dir, name);
}

static int facts_load_cached(struct pyenv_facts *out, const char *file, const char *exe,
                             const char *root)
{
    char *text = tmd_slurp(file, (size_t)1 << 20, NULL, NULL);
    if (!text)
        return -1;
    cJSON *doc = cJSON_Parse(text);
    const cJSON *key = cJSON_GetObjectItemCaseSensitive(doc, "key");
    int rc = -1;
    if (cJSON_IsString(key) && facts_from_json(out, text, exe) == 0) {
        char want[32];
        snprintf(want, sizeof want, "%016llx", (unsigned long long)facts_key(exe, root, out));
        if (strcmp(want, key->valuestring) == 0)
            rc = 0;
        else
            facts_free(out);
    }
    cJSON_Delete(doc);
    free(text);
    return rc;
}

/* Best effort: a cache that cannot be written only costs time. */
static void facts_store_cached(const struct pyenv_facts *f, const char *file, const char *exe,
                               const char *root)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON *arr = cJSON_AddArrayToObject(doc, "path");
    for (size_t i = 0; i < f->npath; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(f->path[i]));
    cJSON_AddStringToObject(doc, "version", f->version);
    char key[32];
    snprintf(key, sizeof key, "%016llx", (unsigned long long)facts_key(exe, root, f));
    cJSON_AddStringToObject(doc, "key", key);
    char *text = cJSON_PrintUnformatted(doc);
    cJSON_Delete(doc);
    if (!text)
        return;
    size_t len = strlen(file);
    char *tmp = malloc(len + 32);
    if (tmp) {
        snprintf(tmp, len + 32, "%s.%ld.tmp", file, (long)getpid());
        FILE *fp = fopen(tmp, "w");
        if (fp) {
            int ok = fputs(text, fp) >= 0;
            ok = (fclose(fp) == 0) && ok;
            if (!ok || rename(tmp, file) != 0)
                unlink(tmp);
        }
        free(tmp);
    }
    free(text);
}

/* ---- loading -------------------------------------------------------------- */

void tmd_pyenv_free(tmd_pyenv *env)
{
    if (!env)
        return;
    free(env->python_exe);
    free(env->packages);
    memset(env, 0, sizeof *env);
}

int tmd_pyenv_load(tmd_pyenv *out, const tmd_pyenv_options *opts)
{
    memset(out, 0, sizeof *out);
    tmd_pyenv_options defaults = TMD_PYENV_OPTIONS_INIT;
    if (!opts)
        opts = &defaults;
    char *rootabs = realpath(opts->root ? opts->root : ".", NULL);
    if (!rootabs)
        return tmd_error(TMD_ENOTFOUND, "%s: %s (give an existing --root)",
                         opts->root ? opts->root : ".", strerror(errno));
    struct pyenv_facts facts;
    memset(&facts, 0, sizeof facts);
    char *exe = NULL, *dir = NULL, *file = NULL;
    int rc = tmd_pyenv_find(&exe, opts);
    if (rc)
        goto done;
    int cached = 0;
    if (!opts->no_cache && (dir = pyenv_cache_dir(opts->cache_dir)) &&
        (file = facts_cache_path(dir, exe, rootabs)))
        cached = facts_load_cached(&facts, file, exe, rootabs) == 0;
    if (!cached) {
        if ((rc = pyenv_query(&facts, exe, rootabs)))
            goto done;
        if (file)
            facts_store_cached(&facts, file, exe, rootabs);
    }
    snprintf(out->python_version, sizeof out->python_version, "%s", facts.version);
    int minor = 0;
    sscanf(facts.version, "3.%d", &minor);
    rc = pyenv_scan_packages(&out->packages, (const char *const *)facts.path, facts.npath,
                             rootabs, minor);
    if (rc == 0) {
        out->how = cached ? "cache" : "metadata";
    } else if (rc == PYENV_IRREGULAR) {
        /* the direct read refuses: take the interpreter's own answer */
        if (cached) {
            facts_free(&facts);
            if ((rc = pyenv_query(&facts, exe, rootabs)))
                goto done;
        }
        if (!facts.packages) {
            rc = tmd_error(TMD_EFORMAT, "%s: no package list in its answer", exe);
            goto done;
        }
        out->packages = facts.packages;
        facts.packages = NULL;
        out->how = "interpreter";
        rc = 0;
    } else {
        goto done;
    }
    out->python_exe = exe;
    exe = NULL;
done:
    facts_free(&facts);
    free(exe);
    free(dir);
    free(file);
    free(rootabs);
    if (rc)
        tmd_pyenv_free(out);
    return rc;
}

int tmd_pyenv_compare(const tmd_pyenv *env, const char *db_python_version,
                      const char *db_packages, char *why, size_t why_size)
{
    if (why && why_size)
        why[0] = '\0';
    const char *dbv = db_python_version ? db_python_version : "";
    const char *dbp = db_packages ? db_packages : "";
    if (strcmp(env->python_version, dbv) != 0) {
        if (why)
            snprintf(why, why_size, "Python %s here, %s in the database", env->python_version, dbv);
        return 1;
    }
    if (strcmp(env->packages ? env->packages : "", dbp) == 0)
        return 0;
    if (why)
        pyenv_describe_package_diff(why, why_size, env->packages ? env->packages : "", dbp);
    return 1;
}
