/* sha1.c: OpenSSL's SHA-1 through its low-level interface. EVP's first use
 * sets up the default library context, providers and the config file:
 * ~0.8 ms of CPU in every run for one hash of a few small files. The
 * low-level functions are deprecated in OpenSSL 3 but compute the same
 * digest with no set-up. */
#define OPENSSL_SUPPRESS_DEPRECATED
#include "sha1.h"

#include <openssl/sha.h>

void tmd_sha1_two(uint8_t out[20], const void *a, size_t an, const void *b, size_t bn)
{
    SHA_CTX ctx;
    SHA1_Init(&ctx);
    SHA1_Update(&ctx, a, an);
    SHA1_Update(&ctx, b, bn);
    SHA1_Final(out, &ctx);
}
