/* dump_pattern.c: match-statement patterns as CPython's ast dump. */
#include "dump_common.h"

void dump_pattern(dumper *d, TSNode pattern, tmd_buf *out)
{
    dump_inexact(d, pattern, "match patterns are not dumped yet");
}
