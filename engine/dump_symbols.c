/* dump_symbols.c: resolves dump_symbols.h's names to ids once per process. */
#include "dump_symbols.h"

#include "python_language.h"

#include <pthread.h>
#include <string.h>

static dump_symbols symbols;
static pthread_once_t symbols_once = PTHREAD_ONCE_INIT;

static void resolve(void)
{
    const TSLanguage *lang = tmd_python_language();
#define X(name) symbols.S_##name = ts_language_symbol_for_name(lang, #name, strlen(#name), true);
    DUMP_NAMED_SYMBOLS(X)
#undef X
#define X(name, text) symbols.A_##name = ts_language_symbol_for_name(lang, text, strlen(text), false);
    DUMP_ANON_SYMBOLS(X)
#undef X
#define X(name) symbols.F_##name = ts_language_field_id_for_name(lang, #name, strlen(#name));
    DUMP_FIELDS(X)
#undef X
}

const TSLanguage *dump_language(void) { return tmd_python_language(); }

const dump_symbols *dump_symbols_get(void)
{
    pthread_once(&symbols_once, resolve);
    return &symbols;
}
