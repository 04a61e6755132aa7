/* dump_fstring.c: f-strings as CPython's JoinedStr/FormattedValue dump, per
 * dialect (see dump-notes.md, "f-strings"). */
#include "dump.h"

void dump_joined_str(dumper *d, TSNode str, tmd_buf *out)
{
    dump_inexact(d, str, "f-string (not yet supported)");
    tmd_buf_puts(out, "JoinedStr()");
}
