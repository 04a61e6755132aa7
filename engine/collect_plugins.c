/* collect_plugins.c: fixtures of installed pytest plugins that change test
 * IDs. tmdiff does not read installed packages, but one plugin's fixtures
 * are common enough to model: anyio's (loaded wherever anyio is installed, as FastAPI
 * and httpx projects have it). Its `anyio_backend` fixture is parametrized
 * with every backend, so a test reaching it is test_x[asyncio] and
 * test_x[trio] unless the project overrides the fixture. Where anyio is
 * not installed, the names are unknown fixtures and pytest gives plain IDs;
 * the modelled ones then only make tmdiff select more (a prefix covers the
 * plain ID). */
#include "collect_internal.h"

#include <string.h>

/* anyio's pytest_plugin.py: scope="module" since anyio 4 (function scope
 * before: the IDs only differ in order beside other parametrized
 * fixtures, which makes a prefix's expectation miss: more, not fewer) */
int collect_installed_fixtures(collect_facts *f)
{
    static const char backend[] = "anyio_backend";
    strvec args = {0}, ids = {0};
    int rc = strvec_push(&args, "request") || strvec_push(&ids, "asyncio") || strvec_push(&ids, "trio");
    rc = rc || fixture_record_add(&f->fixture_ids, backend, sizeof backend - 1, "", 0, COLLECT_INSTALLED_FILE,
                                  'm', &args, NULL, &ids);
    strvec_free(&args);
    rc = rc || strvec_push(&args, backend);
    static const char *const derived[] = {"anyio_backend_name", "anyio_backend_options"};
    for (size_t i = 0; i < 2 && !rc; i++) {
        rc = fixture_record_add(&f->fixture_ids, derived[i], strlen(derived[i]), "", 0, COLLECT_INSTALLED_FILE,
                                'f', &args, FIXTURE_NO_PARAMS, NULL);
        tmd_buf edge = TMD_BUF_INIT; /* "name\0dep", as collect_facts_finish reads them */
        tmd_buf_puts(&edge, derived[i]);
        tmd_buf_putc(&edge, '\0');
        tmd_buf_puts(&edge, backend);
        rc = rc || edge.oom || strvec_push_n(&f->fixture_edges, edge.data, edge.len);
        tmd_buf_free(&edge);
    }
    rc = rc || (!strvec_contains(&f->param_fixtures, backend) && strvec_push(&f->param_fixtures, backend));
    strvec_free(&args);
    strvec_free(&ids);
    return rc ? TMD_ENOMEM : 0;
}

int collect_anyio_requests_backend(int marked, TSNode fn)
{
    TSNode first = ts_node_child(fn, 0);
    return marked && !ts_node_is_null(first) && !strcmp(ts_node_type(first), "async");
}
