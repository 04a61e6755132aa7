/* pyliteral_ucd.h: the Unicode database of each dialect's CPython, as the
 * literal code needs it (internal; pyliteral_ucd.c over tables generated at
 * build time by gen/gen_unicode_tables.py). */
#ifndef TMD_PYLITERAL_UCD_H
#define TMD_PYLITERAL_UCD_H

#include "tmdiff.h"

#include <stddef.h>
#include <stdint.h>

/* Property bits of a code point in a dialect. LIT_U_UNKNOWN: the build had no
 * exact data for this code point in this dialect (callers answer LIT_INEXACT). */
enum {
    LIT_U_PRINTABLE = 1,    /* str.isprintable() */
    LIT_U_ASSIGNED = 2,     /* general category other than Cn */
    LIT_U_XID_START = 4,    /* chr(cp).isidentifier() */
    LIT_U_XID_CONTINUE = 8, /* ("a" + chr(cp)).isidentifier() */
    LIT_U_UNKNOWN = 16,
    LIT_U_XID_UNKNOWN = 32, /* not XID as far as the build knows, but the
                               dialect's newer Unicode may make it one */
};

int lit_ucd_props(const tmd_dialect *dialect, uint32_t cp);

/* Resolves the NAME of a "\N{NAME}" escape as the dialect's CPython does
 * (case-insensitive names and aliases, algorithmic Hangul syllable and CJK
 * unified ideograph names). LIT_OK with *cp, LIT_SYNTAX for a name CPython
 * does not know, LIT_INEXACT when the build has no exact name data. */
int lit_ucd_lookup(const tmd_dialect *dialect, const char *name, size_t len, uint32_t *cp);

/* 1 when the build's tables came from an interpreter with the dialect's
 * Unicode version (every answer exact), 0 when from the UCD fallback (some
 * answers are LIT_INEXACT instead). */
int lit_ucd_is_exact(const tmd_dialect *dialect);

/* The Unicode version of the dialect's tables ("12.1.0"). */
const char *lit_ucd_version(const tmd_dialect *dialect);

#endif
