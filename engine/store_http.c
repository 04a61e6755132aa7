/* store_http.c: a store behind HTTP(S), with libcurl.
 *
 * Look-ups are HEAD requests for both forms of every candidate, run together
 * through one curl multi handle (bounded, connections reused) and stopped as
 * soon as the nearest present candidate is known, so finding it costs about
 * one round trip. Transient failures (connection, timeout, 5xx, 429, a cut
 * body) are retried with a doubling delay. Credentials (a bearer token from
 * TMDIFF_STORE_TOKEN, ~/.netrc, or user:password in the URL) go to curl only:
 * every message names the URL without them. */
#include "store.h"
#include "error.h"

#include "lazy_curl.h"
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum { BACKOFF_MS = 250 };

struct tmd_http {
    char *base;          /* the prefix as given, no trailing '/' */
    char *display;       /* the prefix without user, password, query */
    struct curl_slist *headers;
    long timeout_ms;
    int retries;
    int parallel;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_status = CURLE_FAILED_INIT;

static void init_curl(void) { curl_init_status = curl_global_init(CURL_GLOBAL_DEFAULT); }

/* libcurl's global state, set up once per process (never torn down: other
 * threads may still use it). */
static int ensure_curl(void)
{
    int rc = tmd_curl_load();
    if (rc != 0)
        return rc;
    pthread_once(&curl_once, init_curl);
    return curl_init_status == CURLE_OK ? 0 : tmd_error(TMD_ENET, "libcurl: initialisation failed");
}

static char *strip_credentials(const char *url)
{
    CURLU *u = curl_url();
    char *clean = NULL, *out = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK) {
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_QUERY, NULL, 0);
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &clean, 0) == CURLUE_OK)
            out = strdup(clean);
    }
    curl_free(clean);
    curl_url_cleanup(u);
    if (out) {
        size_t n = strlen(out);
        while (n > 0 && out[n - 1] == '/')
            out[--n] = '\0';
    }
    return out;
}

int tmd_store_http_new(tmd_http **out, const char *url, const tmd_store_options *opts)
{
    *out = NULL;
    int rc = ensure_curl();
    if (rc != 0)
        return rc;
    tmd_http *h = calloc(1, sizeof *h);
    if (!h)
        return tmd_error(TMD_ENOMEM, "store: out of memory");
    h->base = strdup(url);
    h->display = strip_credentials(url);
    if (!h->base || !h->display) {
        tmd_store_http_free(h);
        return tmd_error(TMD_EINVAL, "store: not a valid URL (give http(s)://host/path)");
    }
    size_t n = strlen(h->base);
    while (n > 0 && h->base[n - 1] == '/')
        h->base[--n] = '\0';
    h->timeout_ms = (long)(opts->timeout * 1000.0);
    if (h->timeout_ms < 1)
        h->timeout_ms = 1;
    h->retries = opts->retries < 0 ? 0 : opts->retries;
    h->parallel = opts->parallel < 1 ? 1 : opts->parallel;
    const char *token = getenv("TMDIFF_STORE_TOKEN");
    if (token && *token) {
        size_t len = strlen(token) + 32;
        char *line = malloc(len);
        if (line) {
            snprintf(line, len, "Authorization: Bearer %s", token);
            h->headers = curl_slist_append(NULL, line);
            memset(line, 0, len);
            free(line);
        }
        if (!h->headers) {
            tmd_store_http_free(h);
            return tmd_error(TMD_ENOMEM, "store: out of memory");
        }
    }
    *out = h;
    return 0;
}

void tmd_store_http_free(tmd_http *h)
{
    if (!h)
        return;
    free(h->base);
    free(h->display);
    curl_slist_free_all(h->headers);
    free(h);
}

const char *tmd_store_http_display(const tmd_http *h) { return h->display; }

static const char *form_ext(int form)
{
    return form == TMD_FORM_ZST ? ".testmondata.zst" : ".testmondata";
}

static CURL *make_easy(const tmd_http *h, const char *commit, int form, char *errbuf)
{
    char url[8192];
    snprintf(url, sizeof url, "%s/%s%s", h->base, commit, form_ext(form));
    CURL *e = curl_easy_init();
    if (!e)
        return NULL;
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "tmdiff");
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
    curl_easy_setopt(e, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
    /* HTTP/2 servers: share one connection instead of opening many. */
    curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->timeout_ms);
    /* A transfer that stalls for the timeout fails; a slow but moving one
     * of a large database does not. */
    long stall = (h->timeout_ms + 999) / 1000;
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, stall);
    if (h->headers)
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
    errbuf[0] = '\0';
    return e;
}

/* What a finished transfer means for the caller. */
enum outcome { OUT_OK, OUT_ABSENT, OUT_RETRY, OUT_FAIL };

static enum outcome classify(CURLcode code, long status)
{
    switch (code) {
    case CURLE_OK:
        break;
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return OUT_RETRY;
    case CURLE_HTTP_RETURNED_ERROR:
        break; /* decided by the status below */
    default:
        return OUT_FAIL;
    }
    if (status >= 200 && status < 300)
        return OUT_OK;
    if (status == 404 || status == 410)
        return OUT_ABSENT;
    if (status == 408 || status == 429 || status >= 500)
        return OUT_RETRY;
    return OUT_FAIL;
}

/* "URL: HTTP 500 after 3 attempts (hint)" or "URL: <curl's reason> ...". */
static int report(const tmd_http *h, const char *commit, int form, CURLcode code, long status,
                  const char *errbuf, int attempts)
{
    const char *hint = status == 401 || status == 403
                           ? "set TMDIFF_STORE_TOKEN or add the host to ~/.netrc"
                       : code == CURLE_OPERATION_TIMEDOUT
                           ? "the server is slow or unreachable: raise TMDIFF_STORE_TIMEOUT or check the network"
                           : "check the store URL and the server";
    if (code == CURLE_OK || code == CURLE_HTTP_RETURNED_ERROR)
        return tmd_error(TMD_ENET, "%s/%s%s: HTTP %ld after %d attempt%s (%s)", h->display, commit,
                         form_ext(form), status, attempts, attempts == 1 ? "" : "s", hint);
    return tmd_error(TMD_ENET, "%s/%s%s: %s%s after %d attempt%s (%s)", h->display, commit,
                     form_ext(form), code == CURLE_OPERATION_TIMEDOUT ? "timed out: " : "",
                     errbuf[0] ? errbuf : curl_easy_strerror(code), attempts,
                     attempts == 1 ? "" : "s", hint);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)(ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* ---- look-ups ------------------------------------------------------------ */

typedef struct probe {
    size_t index;       /* candidate */
    int form;
    int attempts;
    long retry_at;      /* ms, when waiting for a retry */
    enum { P_WAITING, P_ACTIVE, P_PRESENT, P_ABSENT, P_FAILED } state;
    CURL *easy;
    char errbuf[CURL_ERROR_SIZE];
} probe;

/* Present form of candidate i, TMD_FORM_NONE when absent, -1 undecided,
 * -2 failed. A present .zst wins over plain, as in a directory store. */
static int candidate_state(const probe *p, const unsigned char *skip, size_t i, size_t *first)
{
    if (skip[i])
        return TMD_FORM_NONE;
    const probe *z = &p[first[i]], *pl = &p[first[i] + 1];
    if (z->state == P_PRESENT)
        return TMD_FORM_ZST;
    if (z->state == P_FAILED || pl->state == P_FAILED)
        return -2;
    if (z->state == P_ABSENT && pl->state == P_PRESENT)
        return TMD_FORM_PLAIN;
    if (z->state == P_ABSENT && pl->state == P_ABSENT)
        return TMD_FORM_NONE;
    return -1;
}

int tmd_store_http_find(size_t *out_index, int *out_form, tmd_http *h,
                        const char (*commits)[41], size_t n, const unsigned char *skip,
                        unsigned char *missing)
{
    *out_form = TMD_FORM_NONE;
    *out_index = 0;
    size_t nprobes = 0;
    probe *p = calloc(2 * n + 1, sizeof *p);
    size_t *first = calloc(n + 1, sizeof *first);
    CURLM *m = curl_multi_init();
    int rc = p && first && m ? 0 : tmd_error(TMD_ENOMEM, "store: out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        first[i] = nprobes;
        if (skip[i])
            continue;
        p[nprobes++] = (probe){.index = i, .form = TMD_FORM_ZST, .state = P_WAITING};
        p[nprobes++] = (probe){.index = i, .form = TMD_FORM_PLAIN, .state = P_WAITING};
    }
    if (rc == 0) {
        curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)h->parallel);
        curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    }
    int decided = 0, active = 0, fail = 0;
    while (rc == 0 && !decided) {
        long now = now_ms(), wake = -1;
        /* Start the nearest waiting probes first, at most `parallel` at once. */
        for (size_t k = 0; k < nprobes && active < h->parallel; k++) {
            if (p[k].state != P_WAITING)
                continue;
            if (p[k].retry_at > now) {
                wake = wake < 0 || p[k].retry_at - now < wake ? p[k].retry_at - now : wake;
                continue;
            }
            p[k].easy = make_easy(h, commits[p[k].index], p[k].form, p[k].errbuf);
            if (!p[k].easy) {
                rc = tmd_error(TMD_ENOMEM, "store: out of memory");
                break;
            }
            curl_easy_setopt(p[k].easy, CURLOPT_NOBODY, 1L);
            curl_easy_setopt(p[k].easy, CURLOPT_FAILONERROR, 0L);
            curl_easy_setopt(p[k].easy, CURLOPT_TIMEOUT_MS, h->timeout_ms);
            curl_easy_setopt(p[k].easy, CURLOPT_PRIVATE, (void *)&p[k]);
            curl_multi_add_handle(m, p[k].easy);
            p[k].state = P_ACTIVE;
            p[k].attempts++;
            active++;
        }
        if (rc != 0)
            break;
        if (active == 0 && wake < 0)
            break; /* everything answered */
        int running = 0;
        curl_multi_perform(m, &running);
        CURLMsg *msg;
        int left, finished = 0;
        while ((msg = curl_multi_info_read(m, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            finished++;
            probe *q = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&q);
            long status = 0;
            CURLcode code = msg->data.result;
            curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &status);
            curl_multi_remove_handle(m, q->easy);
            active--;
            enum outcome o = classify(code, status);
            if (o == OUT_RETRY && q->attempts <= h->retries) {
                q->state = P_WAITING;
                q->retry_at = now_ms() + ((long)BACKOFF_MS << (q->attempts - 1));
            } else if (o == OUT_OK) {
                q->state = P_PRESENT;
            } else if (o == OUT_ABSENT) {
                q->state = P_ABSENT;
            } else {
                q->state = P_FAILED;
                if (fail == 0)
                    fail = report(h, commits[q->index], q->form, code, status, q->errbuf, q->attempts);
            }
            curl_easy_cleanup(q->easy);
            q->easy = NULL;
        }
        /* Decided once every nearer candidate is known absent. */
        for (size_t i = 0; i < n; i++) {
            int s = candidate_state(p, skip, i, first);
            if (s == TMD_FORM_NONE)
                continue;
            if (s == -1)
                break;
            decided = 1;
            if (s == -2) {
                rc = fail; /* a nearer one might exist: say why we cannot know */
                break;
            }
            *out_index = i;
            *out_form = s;
            break;
        }
        int unanswered = 0;
        for (size_t k = 0; k < nprobes && !unanswered; k++)
            unanswered = p[k].state == P_WAITING || p[k].state == P_ACTIVE;
        if (!unanswered)
            break;
        /* After completions, start the next probes at once rather than
         * waiting on sockets that may all be idle. */
        if (!decided && !finished)
            curl_multi_poll(m, NULL, 0, wake >= 0 && wake < 1000 ? (int)wake + 1 : 1000, NULL);
    }
    for (size_t i = 0; rc == 0 && missing && i < n; i++)
        if (!skip[i] && p[first[i]].state == P_ABSENT && p[first[i] + 1].state == P_ABSENT)
            missing[i] = 1;
    for (size_t k = 0; p && k < nprobes; k++)
        if (p[k].easy) {
            curl_multi_remove_handle(m, p[k].easy);
            curl_easy_cleanup(p[k].easy);
        }
    curl_multi_cleanup(m);
    free(p);
    free(first);
    return rc;
}

/* ---- download ------------------------------------------------------------ */

typedef struct get_ctx {
    tmd_sink *sink;
    CURL *easy;
    int failed; /* the sink's status, kept when curl aborts */
} get_ctx;

static size_t on_body(char *data, size_t size, size_t nmemb, void *user)
{
    get_ctx *g = user;
    if (g->sink->total == 0) {
        curl_off_t len = -1;
        curl_easy_getinfo(g->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &len);
        if (len > 0)
            g->sink->total = (uint64_t)len;
    }
    g->failed = tmd_sink_write(g->sink, data, size * nmemb);
    return g->failed == 0 ? size * nmemb : 0;
}

int tmd_store_http_download(tmd_http *h, tmd_sink *sink, const char *commit, int form)
{
    char errbuf[CURL_ERROR_SIZE];
    for (int attempt = 1;; attempt++) {
        get_ctx g = {sink, NULL, 0};
        CURL *e = make_easy(h, commit, form, errbuf);
        if (!e)
            return tmd_error(TMD_ENOMEM, "store: out of memory");
        g.easy = e;
        curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &g);
        CURLcode code = curl_easy_perform(e);
        long status = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(e);
        if (g.failed)
            return g.failed;
        enum outcome o = classify(code, status);
        if (o == OUT_OK) {
            int rc = tmd_sink_finish(sink);
            if (rc == 0)
                return 0;
            o = OUT_RETRY; /* a body cut inside a frame with no Content-Length */
            if (attempt > h->retries)
                return rc;
        }
        if (o != OUT_RETRY || attempt > h->retries)
            return report(h, commit, form, code, status, errbuf, attempt);
        int rc = tmd_sink_restart(sink);
        if (rc != 0)
            return rc;
        sleep_ms((long)BACKOFF_MS << (attempt - 1));
    }
}

/* ---- publish ------------------------------------------------------------- */

int tmd_store_http_upload(char **out_where, tmd_http *h, const char *commit,
                          const char *local, int form)
{
    char errbuf[CURL_ERROR_SIZE];
    FILE *f = fopen(local, "rb");
    if (!f)
        return tmd_error(TMD_EIO, "%s: %s", local, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return tmd_error(TMD_EIO, "%s: %s", local, strerror(errno));
    }
    int rc = 0;
    for (int attempt = 1;; attempt++) {
        rewind(f);
        CURL *e = make_easy(h, commit, form, errbuf);
        if (!e) {
            rc = tmd_error(TMD_ENOMEM, "store: out of memory");
            break;
        }
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READDATA, f);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)st.st_size);
        curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
        CURLcode code = curl_easy_perform(e);
        long status = 0;
        curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(e);
        enum outcome o = classify(code, status);
        if (o == OUT_OK)
            break;
        if (o != OUT_RETRY || attempt > h->retries) {
            rc = report(h, commit, form, code, status, errbuf, attempt);
            break;
        }
        sleep_ms((long)BACKOFF_MS << (attempt - 1));
    }
    fclose(f);
    if (rc == 0) {
        /* One form per commit: drop the other so readers never get an older
         * file. Best effort: a server without DELETE keeps it. */
        CURL *e = make_easy(h, commit, form == TMD_FORM_ZST ? TMD_FORM_PLAIN : TMD_FORM_ZST, errbuf);
        if (e) {
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, "DELETE");
            curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
            curl_easy_perform(e);
            curl_easy_cleanup(e);
        }
        size_t len = strlen(h->display) + 64;
        if (out_where && (*out_where = malloc(len)) != NULL)
            snprintf(*out_where, len, "%s/%s%s", h->display, commit, form_ext(form));
    }
    return rc;
}
