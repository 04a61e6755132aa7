/* fuzz_fingerprint.c: tmd_fingerprint_python in every dialect, with and
 * without TMD_FP_DEDENT, and tmd_fingerprint_whole_text.
 *
 * The input is the source file itself, so seeds stay ordinary Python files:
 * its first byte also picks the dialect (fuzz_dialect_from_byte) and bit 0
 * of its last byte the dedent path (with FUZZ_ALL_DIALECTS set in the
 * environment, as the ctest replay sets it, every dialect and both paths
 * for inputs up to 64 KiB).
 * Invariants: a BLOCKS result with block texts has each checksum equal to
 * tmd_checksum of its text, every text strict UTF-8; the same call without
 * TMD_FP_WANT_TEXT gives the same status and checksums; a result that is not
 * BLOCKS has no blocks and a reason; the whole-text fingerprint is one block,
 * the checksum of the prepared text. */
#include "fuzz_common.h"
#include "tmdiff.h"

#include <string.h>

static void check_python(const tmd_source *src, const tmd_dialect *d, int dedent)
{
    int flags = dedent ? TMD_FP_DEDENT : 0;
    tmd_fingerprint with, without;
    if (tmd_fingerprint_python(&with, src, d, flags | TMD_FP_WANT_TEXT) != TMD_OK)
        return; /* engine failure (memory), reported, not a wrong answer */
    FUZZ_CHECK(with.status == TMD_FP_BLOCKS || with.status == TMD_FP_NO_PARSE ||
                   with.status == TMD_FP_INEXACT,
               "status %d", (int)with.status);
    if (with.status == TMD_FP_BLOCKS) {
        FUZZ_CHECK(with.count == 0 || (with.checksums && with.blocks), "blocks missing");
        for (size_t i = 0; i < with.count; i++) {
            size_t n = strlen(with.blocks[i]);
            FUZZ_CHECK(with.checksums[i] == tmd_checksum(with.blocks[i], n),
                       "3.%d dedent=%d block %zu: checksum %d does not match its text",
                       d->minor, dedent, i, (int)with.checksums[i]);
            FUZZ_CHECK(fuzz_utf8_valid((const uint8_t *)with.blocks[i], n),
                       "3.%d block %zu is not strict UTF-8", d->minor, i);
        }
    } else {
        FUZZ_CHECK(with.count == 0, "status %d with %zu blocks", (int)with.status, with.count);
        FUZZ_CHECK(with.reason[0] != '\0', "status %d without a reason", (int)with.status);
    }
    /* Known bug, fixed by ee7a5f5 (regressions/fingerprint): tree-sitter-python's scanner
     * keeps state across parses, so a thread's first parse of a broken file
     * may say INEXACT and later ones NO_PARSE. FUZZ_ALLOW_STALE_PARSER=1
     * lets a fuzzing session look past that pair to find other bugs. */
    int stale_ok = getenv("FUZZ_ALLOW_STALE_PARSER") != NULL;
    if (tmd_fingerprint_python(&without, src, d, flags) == TMD_OK) {
        FUZZ_CHECK(without.status == with.status ||
                       (stale_ok && without.status != TMD_FP_BLOCKS &&
                        with.status != TMD_FP_BLOCKS), "3.%d dedent=%d: status %d vs %d with text",
                   d->minor, dedent, (int)without.status, (int)with.status);
        FUZZ_CHECK(without.count == with.count && without.blocks == NULL,
                   "3.%d: %zu blocks vs %zu with text", d->minor, without.count, with.count);
        FUZZ_CHECK(with.count == 0 ||
                       !memcmp(without.checksums, with.checksums,
                               with.count * sizeof *with.checksums),
                   "3.%d: checksums differ with and without text", d->minor);
        tmd_fingerprint_free(&without);
    }
    tmd_fingerprint_free(&with);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    tmd_dialect d;
    fuzz_dialect_from_byte(&d.minor, &d.micro, data[0]);
    int dedent = data[size - 1] & 1;
    tmd_source src;
    if (tmd_source_prepare(&src, data, size) != TMD_OK)
        return 0;
    if (getenv("FUZZ_ALL_DIALECTS") && size <= 65536) {
        /* the ctest replay: every dialect and both paths for each seed
         * (huge hostile inputs only once, to stay fast under ASan) */
        for (int minor = 8; minor <= 13; minor++) {
            tmd_dialect each = {minor, d.micro};
            check_python(&src, &each, 0);
            check_python(&src, &each, 1);
        }
    } else {
        check_python(&src, &d, dedent);
    }

    tmd_fingerprint whole;
    if (tmd_fingerprint_whole_text(&whole, &src, TMD_FP_WANT_TEXT) == TMD_OK) {
        if (src.decodable) {
            FUZZ_CHECK(whole.status == TMD_FP_BLOCKS && whole.count == 1, "whole text: %zu blocks",
                       whole.count);
            FUZZ_CHECK(whole.checksums[0] == tmd_checksum(src.text, src.len),
                       "whole text checksum");
        } else {
            FUZZ_CHECK(whole.status == TMD_FP_INEXACT && whole.count == 0,
                       "undecodable whole text has blocks");
        }
        tmd_fingerprint_free(&whole);
    }
    tmd_source_free(&src);
    return 0;
}
