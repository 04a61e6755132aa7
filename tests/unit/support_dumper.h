/* support_dumper.h: a dumper over one parsed text, for tests that call the
 * dumper's internal steps (dump_common.h) directly. */
#ifndef TMD_SUPPORT_DUMPER_H
#define TMD_SUPPORT_DUMPER_H

#include "support.h"

#include "dump_common.h"
#include "dump_symbols.h"

#include <string.h>

typedef struct dumper_fixture {
    TSParser *parser;
    TSTree *tree;
    tmd_dialect dialect;
    dumper d;
} dumper_fixture;

/* Parses `src` (kept by the caller until dumper_fixture_done) for dialect
 * 3.<minor>; returns the root. */
static inline TSNode dumper_fixture_parse(dumper_fixture *f, const char *src, int minor)
{
    memset(f, 0, sizeof *f);
    f->parser = ts_parser_new();
    assert_true(ts_parser_set_language(f->parser, dump_language()));
    f->tree = ts_parser_parse_string(f->parser, NULL, src, (uint32_t)strlen(src));
    assert_non_null(f->tree);
    f->dialect.minor = minor;
    f->d.src = src;
    f->d.dialect = &f->dialect;
    f->d.sym = dump_symbols_get();
    f->d.status = TMD_FP_BLOCKS;
    return ts_tree_root_node(f->tree);
}

static inline void dumper_fixture_done(dumper_fixture *f)
{
    ts_tree_delete(f->tree);
    ts_parser_delete(f->parser);
}

#endif
