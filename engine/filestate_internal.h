/* filestate_internal.h: the scan's cheaper way through filestate.c
 * (internal; used by scan.c).
 *
 * tmd_filestate_get gives every file bytes of its own. A scan that drops
 * the bytes of every unchanged file peeks instead: the bytes stay in the
 * filestate's reusable read buffer, and only a changed file is copied out
 * (memory follows the change; no allocation or fresh pages per file). */
#ifndef TMD_FILESTATE_INTERNAL_H
#define TMD_FILESTATE_INTERNAL_H

#include "blobcache.h"
#include "select_internal.h"

/* tmd_filestate_get, except that out->bytes (when present) belong to `fs`
 * and stay valid only until the next call on `fs`. Before that, the caller
 * calls filestate_keep (the bytes become out's, as tmd_filestate_get gives
 * them) or filestate_drop (releases out without touching the bytes); never
 * tmd_file_now_free on a peeked state. */
int filestate_peek(tmd_file_now *out, tmd_filestate *fs, const char *relpath);
/* Gives a peeked state bytes of its own. TMD_ENOMEM: out is released. */
int filestate_keep(tmd_file_now *out);
void filestate_drop(tmd_file_now *out);

/* A filestate for another thread, on the root of `parent`: git's index as
 * `parent` read it (shared, read-only; `parent` must outlive it), its own
 * read buffer, directory and libgit2 handles. Release with
 * tmd_filestate_close. */
int filestate_open_sibling(tmd_filestate **out, const tmd_filestate *parent);

/* Lets `fs` find blob ids in `bc` (shared, read-only) and collect the ids it
 * computes; NULL merges what it collected into the cache attached before
 * (one thread at a time) and detaches it. */
void filestate_use_blobcache(tmd_filestate *fs, blobcache *bc);

#endif
