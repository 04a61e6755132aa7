/* pyliteral.h: Python literals as CPython's parser evaluates them, and their
 * repr() as the ast dump prints them (internal; pyliteral*.c).
 *
 * Every function returns LIT_OK, LIT_SYNTAX (CPython's parser rejects the
 * literal, e.g. a bad \N{name}, a str/bytes mix, non-ASCII in bytes) or
 * LIT_INEXACT (tmdiff cannot reproduce CPython here); `why` (may be NULL,
 * LIT_WHY_SIZE bytes) then says what. Values are built as code points so lone
 * surrogates from "\ud800" survive until repr() escapes them. */
#ifndef TMD_PYLITERAL_H
#define TMD_PYLITERAL_H

#include "buf.h"
#include "tmdiff.h"

#include <stddef.h>
#include <stdint.h>

enum { LIT_OK = 0, LIT_SYNTAX = 1, LIT_INEXACT = 2, LIT_NOMEM = 3 };
#define LIT_WHY_SIZE 128

/* A str or bytes value under construction (implicit concatenation appends). */
typedef struct lit_str {
    uint32_t *cp;     /* code points (bytes values: 0..255) */
    size_t n, cap;
    int is_bytes;     /* set by the first piece */
    int has_pieces;   /* at least one piece appended */
    int kind_u;       /* the first piece's prefix was a lower-case u (CPython
                         ignores 'U' here): Constant(..., 'u') */
} lit_str;

/* Frees the code points and zeroes *s. */
void lit_str_free(lit_str *s);
/* Empties *s for the next literal, keeping its memory (no allocation per
 * literal when one lit_str is reused). */
void lit_str_reset(lit_str *s);

/* Parses a literal's prefix (the letters before the first quote of `tok`).
 * Flags of the prefix, or -1 for a prefix Python 3 rejects (ur, bu, ...). */
enum { LIT_P_RAW = 1, LIT_P_BYTES = 2, LIT_P_U = 4, LIT_P_F = 8 };
int lit_prefix_flags(const char *tok, size_t len, size_t *prefix_len);

/* Appends the value of one whole non-f string token (prefix, quotes, body,
 * quotes exactly as in the source) to `acc`. */
int lit_str_append_token(lit_str *acc, const char *tok, size_t len,
                         const tmd_dialect *dialect, char *why);

/* Appends the value of a fragment of a literal body (no quotes), decoding
 * escapes unless `prefix_flags` has LIT_P_RAW (LIT_P_BYTES: bytes rules).
 * In an f-string fragment (`in_fstring`) "{{" and "}}" stand for one brace
 * and a single brace is LIT_INEXACT. A CR in the text reads as "\n", as
 * CPython's tokenizer reads it. Sets none of acc's flags. */
int lit_str_append_fragment(lit_str *acc, const char *text, size_t len,
                            int prefix_flags, int in_fstring,
                            const tmd_dialect *dialect, char *why);

/* repr() of a str value in the dialect's Unicode version, or of bytes. */
int lit_repr_str(tmd_buf *out, const uint32_t *cp, size_t n, const tmd_dialect *dialect,
                 char *why);
void lit_repr_bytes(tmd_buf *out, const uint32_t *cp, size_t n);
/* `Constant(<repr>, <kind>)` for a finished lit_str. */
int lit_dump_constant(tmd_buf *out, const lit_str *s, const tmd_dialect *dialect, char *why);

/* Number tokens exactly as written ("0x_1F", "1_000.5e-3", "2J"), appended
 * as repr() of their value: an int in decimal (any size; LIT_INEXACT past
 * CPython's 4300-digit str() limit, where testmon crashes), a float's
 * shortest round-trip repr, an imaginary literal as "1.5j". */
int lit_repr_number(tmd_buf *out, const char *tok, size_t len, const tmd_dialect *dialect,
                    char *why);

/* An identifier as CPython stores it: NFKC-normalised when not ASCII. */
int lit_identifier(tmd_buf *out, const char *name, size_t len, const tmd_dialect *dialect,
                   char *why);
/* The same identifier as repr() prints it, without the quotes (no identifier
 * holds a quote or a backslash, so ' is always repr's quote): characters
 * repr() escapes are escaped (3.13 admits U+200D in names). With
 * `as_written`, the name is kept as written, not normalised: Python 3.8
 * stores a dotted import name ("a.b") that way. */
int lit_identifier_repr(tmd_buf *out, const char *name, size_t len, const tmd_dialect *dialect,
                        int as_written, char *why);

#endif
