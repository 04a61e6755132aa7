/* literal_probe.c: evaluates Python literals with engine/pyliteral*.c, for
 * literal_differential.py to hold against CPython's ast. Not installed.
 *
 * stdin, one case a line:  <3.Y[.Z]> <kind> <hex>[,<hex>...]
 *   kind s: string tokens (implicitly concatenated) -> Constant(<repr>, <kind>)
 *   kind n: a number token -> repr() of its value
 *   kind i: an identifier -> repr() of the name CPython stores
 * stdout, one answer a line: "OK <hex of the output>", "SYNTAX", "INEXACT"
 * or "NOMEM"; the hex keeps any byte (UTF-8 of non-ASCII) intact. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "pyliteral.h"

static int unhex(char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n % 2)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(s + 2 * i, "%2x", &v) != 1)
            return -1;
        s[i] = (char)v;
    }
    *len = n / 2;
    return 0;
}

static int eval_case(tmd_buf *out, char kind, char *arg, const tmd_dialect *d, char *why)
{
    size_t len;
    if (kind == 'n' || kind == 'i') {
        if (unhex(arg, &len))
            return -1;
        if (kind == 'n')
            return lit_repr_number(out, arg, len, d, why);
        tmd_buf_putc(out, '\'');
        int r = lit_identifier_repr(out, arg, len, d, 0, why);
        tmd_buf_putc(out, '\'');
        return r;
    }
    if (kind != 's')
        return -1;
    lit_str acc = {0};
    int r = LIT_OK;
    for (char *tok = strtok(arg, ","); tok && r == LIT_OK; tok = strtok(NULL, ",")) {
        if (unhex(tok, &len)) {
            lit_str_free(&acc);
            return -1;
        }
        r = lit_str_append_token(&acc, tok, len, d, why);
    }
    if (r == LIT_OK)
        r = lit_dump_constant(out, &acc, d, why);
    lit_str_free(&acc);
    return r;
}

int main(void)
{
    static char line[1 << 20];
    while (fgets(line, sizeof line, stdin)) {
        char ver[16], kind[4];
        int used = 0;
        line[strcspn(line, "\n")] = '\0';
        tmd_dialect d;
        if (sscanf(line, "%15s %3s %n", ver, kind, &used) != 2 || tmd_dialect_parse(&d, ver)) {
            fprintf(stderr, "literal_probe: bad line '%.60s'\n", line);
            return 2;
        }
        tmd_buf out = TMD_BUF_INIT;
        char why[LIT_WHY_SIZE] = "";
        int r = eval_case(&out, kind[0], line + used, &d, why);
        if (r < 0) {
            fprintf(stderr, "literal_probe: bad case '%.60s'\n", line);
            return 2;
        }
        if (r == LIT_OK) {
            fputs("OK ", stdout);
            for (size_t i = 0; i < out.len; i++)
                printf("%02x", (unsigned char)out.data[i]);
            putchar('\n');
        } else {
            for (char *w = why; *w; w++) /* one answer, one line */
                if ((unsigned char)*w < 0x20)
                    *w = '?';
            printf("%s %s\n", r == LIT_SYNTAX ? "SYNTAX" : r == LIT_INEXACT ? "INEXACT" : "NOMEM", why);
        }
        tmd_buf_free(&out);
    }
    return 0;
}
