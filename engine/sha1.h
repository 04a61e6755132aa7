/* sha1.h: SHA-1 of two concatenated parts, for git blob ids (internal). */
#ifndef TMD_SHA1_H
#define TMD_SHA1_H

#include <stddef.h>
#include <stdint.h>

/* out = SHA-1(a[0..an) + b[0..bn)). Cannot fail. */
void tmd_sha1_two(uint8_t out[20], const void *a, size_t an, const void *b, size_t bn);

#endif
