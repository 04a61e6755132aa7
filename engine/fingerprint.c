/* fingerprint.c: testmon's block checksums of a prepared Python text: parse
 * with tree-sitter, dump as CPython's ast would (dump_*.c), CRC-32 each block. */
#include "dump_common.h"
#include "parse_arena.h"
#include "parse_guard.h"
#include "dump_symbols.h"
#include "error.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Far beyond CPython's 200: no valid file comes near. */
#define BRACKETS_NOT_PARSED 5000
/* Star tuples: rounds of fixes per file (each costs a parse of the whole
 * file; a nested one may show only once its outer one is fixed), tuples
 * fixed per round. */
#define STAR_TUPLE_FIXES 4
#define STAR_TUPLES_PER_ROUND 64
/* dump_respell.c's sites per round (one round must fix them all) */
#define RESPELLINGS_PER_ROUND 256

int32_t tmd_checksum(const char *bytes, size_t len)
{
    uLong crc = crc32(0L, Z_NULL, 0);
    /* zlib takes uInt lengths: feed huge inputs in pieces */
    while (len > 0) {
        uInt n = len > 0x40000000u ? 0x40000000u : (uInt)len;
        crc = crc32(crc, (const Bytef *)bytes, n);
        bytes += n;
        len -= n;
    }
    /* testmon stores (crc ^ 0x80000000) - 0x80000000: the signed view */
    return (int32_t)(uint32_t)crc;
}

/* A fresh parser per file: tree-sitter-python 0.23.6's scanner does not
 * reset its `inside_f_string` flag when a reused parser starts over
 * (deserialize with length 0), so one file's unterminated f-string changed
 * how the next file parsed. A parser costs microseconds; a parse far more. */
static TSParser *new_parser(void)
{
    TSParser *p = ts_parser_new();
    if (p && !ts_parser_set_language(p, dump_language())) {
        ts_parser_delete(p);
        return NULL;
    }
    return p;
}

void tmd_fingerprint_free(tmd_fingerprint *fp)
{
    if (!fp)
        return;
    if (fp->blocks)
        for (size_t i = 0; i < fp->count; i++)
            free(fp->blocks[i]);
    free(fp->blocks);
    free(fp->checksums);
    fp->blocks = NULL;
    fp->checksums = NULL;
    fp->count = 0;
}

static void set_status(tmd_fingerprint *out, tmd_fp_status status, const char *why)
{
    out->status = status;
    snprintf(out->reason, sizeof out->reason, "%s", why);
}

/* A NUL byte: CPython up to 3.11.3 raises ValueError from compile()
 * (testmon crashes: inexact); 3.11.4 and later raise SyntaxError (gh-96670
 * backported; no blocks). */
static tmd_fp_status nul_status(const tmd_dialect *dialect)
{
    if (dialect->minor >= 12)
        return TMD_FP_NO_PARSE;
    if (dialect->minor == 11 && (dialect->micro < 0 || dialect->micro >= 4))
        return TMD_FP_NO_PARSE;
    return TMD_FP_INEXACT;
}

/* Moves the dumper's blocks into *out with their checksums. */
static int take_blocks(tmd_fingerprint *out, dumper *d, int want_text)
{
    if (d->nblocks == 0)
        return TMD_OK;
    out->checksums = malloc(d->nblocks * sizeof *out->checksums);
    if (!out->checksums)
        return tmd_error(TMD_ENOMEM, "fingerprint: out of memory (%zu blocks)", d->nblocks);
    for (size_t i = 0; i < d->nblocks; i++)
        out->checksums[i] = tmd_checksum(d->blocks[i], d->block_lens[i]);
    out->count = d->nblocks;
    if (want_text) {
        out->blocks = d->blocks; /* hand the strings over */
        d->blocks = NULL;
        d->nblocks = 0;
    }
    return TMD_OK;
}

/* CPython's tokenizer reads "\r\n" and a lone "\r" as one newline. testmon
 * replaced CRLF in the bytes already, but "\r\r\n" leaves a "\r\n" behind,
 * and a file ending in a lone "\r" gets testmon's "\n" after it. Up to 3.11
 * translate_newlines() then adds a "\n" when the text ends in "\r\n" (it
 * stops on the "\n" it skips and takes the last character for "\0"): a
 * final backslash continuation is then followed by a blank line, and
 * parses. Rewrites text in place (the "\r" it drops makes room); returns
 * the new length. */
static size_t universal_newlines(char *text, size_t len, const tmd_dialect *dialect)
{
    char *p = memchr(text, '\r', len);
    if (!p)
        return len;
    char *out = p, *end = text + len;
    int crlf_at_end = len >= 2 && end[-2] == '\r' && end[-1] == '\n';
    for (; p < end; p++) {
        if (*p != '\r')
            *out++ = *p;
        else if (p + 1 < end && p[1] == '\n')
            continue; /* the "\n" that follows is kept */
        else
            *out++ = '\n';
    }
    if (crlf_at_end && dialect->minor <= 11)
        *out++ = '\n';
    *out = '\0';
    return (size_t)(out - text);
}

/* Parses `text` and dumps it into *d (blocks: dump_free_blocks); *tree is
 * the caller's to delete. d->src points into `text`; scan is its
 * dump_scan_text. */
static int parse_and_dump(dumper *d, TSTree **tree, const char *text, size_t len, const dump_scan *scan,
                          const tmd_dialect *dialect)
{
    TSParser *parser = new_parser();
    if (!parser)
        return tmd_error(TMD_ENOMEM, "fingerprint: cannot create a tree-sitter parser (out of memory?)");
    *tree = ts_parser_parse_string(parser, NULL, text, (uint32_t)len);
    ts_parser_delete(parser);
    if (!*tree)
        return tmd_error(TMD_ENOMEM, "fingerprint: tree-sitter failed to parse (out of memory?)");
    memset(d, 0, sizeof *d);
    d->src = text;
    d->dialect = dialect;
    d->sym = dump_symbols_get();
    d->status = TMD_FP_BLOCKS;
    d->bare_backslash = scan->bare_backslash;
    d->tab_mid_stop = scan->tab_mid_stop;
    TSNode root = ts_tree_root_node(*tree);
    dump_check_limits(d, root, scan);
    dump_check_text(d, root, len);
    if (d->status != TMD_FP_NO_PARSE) /* a reject is final: nothing to dump */
        dump_module(d, root);
    return TMD_OK;
}

static int fingerprint_text(tmd_fingerprint *out, char *text, size_t len,
                            const tmd_dialect *dialect, int flags)
{
    if (memchr(text, '\0', len)) {
        set_status(out, nul_status(dialect), "the source holds a NUL byte");
        return TMD_OK;
    }
    len = universal_newlines(text, len, dialect);

    /* CPython stops at 200 nested brackets; tree-sitter 0.20.7 frees memory
     * twice on a tree 65536 brackets deep, so absurd nesting is not parsed */
    dump_scan scan;
    dump_scan_text(text, len, &scan);
    if (scan.brackets > BRACKETS_NOT_PARSED || parse_guard_too_deep(text, len)) {
        set_status(out, TMD_FP_INEXACT, "brackets nested too deeply to parse safely");
        return TMD_OK;
    }
    if (len > UINT32_MAX)
        return tmd_error(TMD_EINVAL, "fingerprint: source of %zu bytes is too large to parse", len);
    dumper d;
    TSTree *tree = NULL;
    int rc = parse_and_dump(&d, &tree, text, len, &scan, dialect);
    if (rc != TMD_OK)
        return rc;
    /* tuples such as `match *[a], b:` need parentheses to parse: fixed in
     * a copy of the text that is parsed again. The broken tree may also
     * have led to a reject (`case _: pass` read as `_: pass`); the fixed
     * text means the same, so its clean dump is the answer. */
    char *fixed = NULL;
    unsigned renamed = 0; /* `from __future__ import *` respelled */
    for (int round = 0; round < STAR_TUPLE_FIXES && d.status != TMD_FP_BLOCKS &&
                        ts_node_has_error(ts_tree_root_node(tree)); round++) {
        size_t next_len;
        dump_span spans[STAR_TUPLES_PER_ROUND];
        unsigned nspans;
        char *next = dump_star_tuple_fix(&d, ts_tree_root_node(tree), len, &next_len, spans,
                                         STAR_TUPLES_PER_ROUND, &nspans);
        /* else what dump_respell.c respells: the new tree must be clean */
        dump_respelling sites[RESPELLINGS_PER_ROUND];
        unsigned nsites = 0;
        if (!next)
            next = dump_respell_fix(&d, ts_tree_root_node(tree), len, &next_len, sites, RESPELLINGS_PER_ROUND,
                                    &nsites);
        if (!next)
            break;
        dumper again;
        TSTree *again_tree = NULL;
        dump_scan next_scan;
        dump_scan_text(next, next_len, &next_scan);
        if (parse_and_dump(&again, &again_tree, next, next_len, &next_scan, dialect) != TMD_OK ||
            again.status == TMD_FP_NO_PARSE ||
            !(nsites ? dump_respell_fixed(&again, ts_tree_root_node(again_tree), sites, nsites)
                     : dump_star_tuple_fixed(&again, ts_tree_root_node(again_tree), spans, nspans))) {
            /* out of memory, not the tuple we meant, or a reject the bare
             * text may not deserve (CPython's 200-bracket limit): the file
             * stays inexact */
            if (again_tree) {
                dump_free_blocks(&again);
                parse_arena_tree_delete(again_tree);
            }
            free(next);
            break;
        }
        dump_free_blocks(&d);
        parse_arena_tree_delete(tree);
        free(fixed);
        d = again;
        tree = again_tree;
        fixed = next;
        len = next_len;
        for (unsigned k = 0; k < nsites; k++)
            renamed += sites[k].kind == DUMP_RESPELL_FUTURE;
    }
    parse_arena_tree_delete(tree);
    if (renamed && d.status == TMD_FP_BLOCKS)
        dump_respell_restore(&d, renamed);

    if (d.status == TMD_FP_INEXACT && !strcmp(d.reason, DUMP_OOM_REASON))
        rc = tmd_error(TMD_ENOMEM, "fingerprint: out of memory while dumping");
    else if (d.status != TMD_FP_BLOCKS)
        set_status(out, d.status, d.reason);
    else
        rc = take_blocks(out, &d, flags & TMD_FP_WANT_TEXT);
    dump_free_blocks(&d);
    free(fixed);
    return rc;
}

int tmd_fingerprint_python(tmd_fingerprint *out, const tmd_source *src,
                           const tmd_dialect *dialect, int flags)
{
    memset(out, 0, sizeof *out);
    if (!src->decodable) {
        /* testmon raises while detecting the encoding: it has no answer */
        set_status(out, TMD_FP_INEXACT, "testmon cannot decode this file");
        return TMD_OK;
    }
    char *text = NULL;
    size_t len = 0;
    if (flags & TMD_FP_DEDENT) {
        int rc = tmd_source_dedent(&text, &len, src->text, src->len);
        if (rc != TMD_OK)
            return rc;
    } else {
        text = malloc(src->len + 1);
        if (!text)
            return tmd_error(TMD_ENOMEM, "fingerprint: out of memory (%zu bytes)", src->len);
        memcpy(text, src->text, src->len + 1);
        len = src->len;
    }
    /* tree-sitter's memory for this file comes from an arena and goes
     * at once (parse_arena.h) */
    int arena = parse_arena_begin();
    int rc = fingerprint_text(out, text, len, dialect, flags);
    parse_arena_end(arena);
    free(text);
    if (rc != TMD_OK)
        tmd_fingerprint_free(out);
    return rc;
}

int tmd_fingerprint_whole_text(tmd_fingerprint *out, const tmd_source *src, int flags)
{
    memset(out, 0, sizeof *out);
    if (!src->decodable) {
        set_status(out, TMD_FP_INEXACT, "testmon cannot decode this file");
        return TMD_OK;
    }
    out->checksums = malloc(sizeof *out->checksums);
    if (!out->checksums)
        return tmd_error(TMD_ENOMEM, "fingerprint: out of memory");
    out->checksums[0] = tmd_checksum(src->text, src->len);
    out->count = 1;
    if (flags & TMD_FP_WANT_TEXT) {
        out->blocks = malloc(sizeof *out->blocks);
        if (out->blocks)
            out->blocks[0] = strdup(src->text);
        if (!out->blocks || !out->blocks[0]) {
            tmd_fingerprint_free(out);
            return tmd_error(TMD_ENOMEM, "fingerprint: out of memory");
        }
    }
    return TMD_OK;
}
