/* fuzz_source.c: tmd_source_prepare and tmd_source_dedent on arbitrary bytes.
 *
 * Invariants: prepared text is strict UTF-8 ending in "\n" (when not empty),
 * NUL-terminated at len; git_sha is git's blob id of the raw bytes; fsha is 40
 * hex digits exactly when decodable; an ASCII LF file without form feeds or a
 * coding cookie is its own text and its fsha equals git's; dedent removes only
 * spaces and tabs, keeps every newline, and is idempotent. */
#include "fuzz_common.h"
#include "tmdiff.h"

#include <openssl/evp.h>
#include <string.h>

static void git_blob_sha(char out[41], const uint8_t *data, size_t n)
{
    char hdr[40];
    int h = snprintf(hdr, sizeof hdr, "blob %zu", n);
    unsigned char md[20];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    FUZZ_CHECK(ctx != NULL, "out of memory");
    EVP_DigestInit_ex(ctx, EVP_sha1(), NULL);
    EVP_DigestUpdate(ctx, hdr, (size_t)h + 1); /* with its NUL */
    EVP_DigestUpdate(ctx, data, n);
    EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    for (int i = 0; i < 20; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* text without its spaces and tabs, into a new buffer (free() it) */
static char *strip_blanks(const char *text, size_t len, size_t *out_len)
{
    char *s = malloc(len + 1);
    FUZZ_CHECK(s != NULL, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] != ' ' && text[i] != '\t')
            s[k++] = text[i];
    *out_len = k;
    return s;
}

static void check_dedent(const char *text, size_t len)
{
    char *once = NULL, *twice = NULL;
    size_t n1 = 0, n2 = 0;
    if (tmd_source_dedent(&once, &n1, text, len) != TMD_OK)
        return; /* out of memory is no bug */
    FUZZ_CHECK(n1 <= len, "dedent grew %zu -> %zu bytes", len, n1);
    FUZZ_CHECK(once[n1] == '\0', "dedent result not NUL-terminated");
    size_t a, b;
    char *sa = strip_blanks(text, len, &a), *sb = strip_blanks(once, n1, &b);
    FUZZ_CHECK(a == b && !memcmp(sa, sb, a), "dedent changed more than spaces and tabs");
    free(sa), free(sb);
    if (tmd_source_dedent(&twice, &n2, once, n1) == TMD_OK) {
        FUZZ_CHECK(n1 == n2 && !memcmp(once, twice, n1), "dedent is not idempotent");
        free(twice);
    }
    free(once);
}

static int plain_ascii(const uint8_t *d, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (d[i] >= 0x80 || d[i] == '\f' || d[i] == '\r' || d[i] == '\0')
            return 0;
    /* a PEP 263 cookie may name a codec that maps ASCII elsewhere (cp037) */
    for (size_t i = 0; i + 6 <= n; i++)
        if (!memcmp(d + i, "coding", 6))
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tmd_source src;
    if (tmd_source_prepare(&src, data, size) != TMD_OK)
        return 0;
    FUZZ_CHECK(src.text != NULL, "prepared text is NULL");
    FUZZ_CHECK(src.text[src.len] == '\0', "prepared text not NUL-terminated");
    FUZZ_CHECK(fuzz_is_hex40(src.git_sha), "git_sha '%s'", src.git_sha);
    char want[41];
    git_blob_sha(want, data, size);
    FUZZ_CHECK(!strcmp(want, src.git_sha), "git_sha %s, git says %s", src.git_sha, want);
    if (src.decodable) {
        FUZZ_CHECK(src.why_undecodable == NULL, "decodable with a reason");
        FUZZ_CHECK(fuzz_is_hex40(src.fsha), "fsha '%s'", src.fsha);
        FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)src.text, src.len),
                   "prepared text is not strict UTF-8");
        FUZZ_CHECK(src.len == 0 || src.text[src.len - 1] == '\n',
                   "non-empty prepared text does not end with a newline");
        FUZZ_CHECK(!memchr(src.text, '\f', src.len), "form feed left in prepared text");
        if (plain_ascii(data, size)) {
            int nl = size == 0 || data[size - 1] == '\n';
            FUZZ_CHECK(src.len == size + !nl && !memcmp(src.text, data, size),
                       "plain ASCII text changed by preparation");
            FUZZ_CHECK(!strcmp(src.fsha, src.git_sha), "plain ASCII: fsha %s != git %s",
                       src.fsha, src.git_sha);
        }
        check_dedent(src.text, src.len);
    } else {
        FUZZ_CHECK(src.len == 0 && src.text[0] == '\0', "undecodable but has text");
        FUZZ_CHECK(src.fsha[0] == '\0', "undecodable but has an fsha");
        FUZZ_CHECK(src.why_undecodable && *src.why_undecodable, "undecodable without a reason");
    }
    tmd_source_free(&src);
    /* dedent also takes raw bytes: it must not care what they are */
    check_dedent((const char *)data, size);
    return 0;
}
