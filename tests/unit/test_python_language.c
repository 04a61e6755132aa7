/* test_python_language.c: grammars/python_language.c, the grammar with one
 * dense parse table, parses every text into exactly the tree the grammar as
 * generated gives: valid Python (the conformance kit, this repository's own
 * Python) and broken Python (the same files cut short or with bytes
 * dropped), where tree-sitter's error recovery searches the table most. */
#include "support.h"

#include "python_language.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const TSLanguage *tree_sitter_python(void);

static char *tree_string(const TSLanguage *lang, const char *text, size_t len)
{
    TSParser *p = ts_parser_new();
    assert_non_null(p);
    assert_true(ts_parser_set_language(p, lang));
    TSTree *t = ts_parser_parse_string(p, NULL, text, (uint32_t)len);
    ts_parser_delete(p);
    assert_non_null(t);
    char *s = ts_node_string(ts_tree_root_node(t));
    ts_tree_delete(t);
    return s;
}

/* The two grammars agree on text; returns 1 when the tree holds an error. */
static int same_tree(const char *what, const char *text, size_t len)
{
    char *plain = tree_string(tree_sitter_python(), text, len);
    char *dense = tree_string(tmd_python_language(), text, len);
    if (strcmp(plain, dense) != 0)
        fail_msg("%s: the dense table parses differently\n  generated: %.300s\n  dense:     %.300s", what,
                 plain, dense);
    int broken = strstr(plain, "ERROR") || strstr(plain, "MISSING");
    free(plain);
    free(dense);
    return broken;
}

/* The file as it is, its first half, and with every 97th byte dropped. */
static void check_file(const char *path, unsigned *files, unsigned *broken)
{
    size_t len = 0;
    char *text = support_read_file(path, &len);
    assert_non_null(text);
    same_tree(path, text, len);
    *broken += same_tree(path, text, len / 2);
    size_t kept = 0;
    for (size_t i = 0; i < len; i++)
        if (i % 97 != 96)
            text[kept++] = text[i];
    *broken += same_tree(path, text, kept);
    free(text);
    ++*files;
}

/* Every .py file directly in dir (recursing into sub-folders when deep). */
static void check_folder(const char *dir, int deep, unsigned *files, unsigned *broken)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        if (n > 3 && !strcmp(e->d_name + n - 3, ".py"))
            check_file(path, files, broken);
        else if (deep && e->d_type == DT_DIR)
            check_folder(path, deep, files, broken);
    }
    closedir(d);
}

static void test_dense_language_is_in_use(void **state)
{
    (void)state;
    assert_ptr_not_equal(tmd_python_language(), tree_sitter_python());
    assert_ptr_equal(tmd_python_language(), tmd_python_language());
}

static void test_same_trees_as_the_generated_grammar(void **state)
{
    (void)state;
    unsigned files = 0, broken = 0;
    check_folder(support_shared_path("conformance/syntax"), 0, &files, &broken);
    check_folder(TMDIFF_SOURCE_DIR "/tests", 1, &files, &broken);
    check_folder(TMDIFF_SOURCE_DIR "/bench", 1, &files, &broken);
    check_folder(TMDIFF_SOURCE_DIR "/examples", 1, &files, &broken);
    print_message("%u files, %u broken variants with parse errors: same trees\n", files, broken);
    assert_true(files >= 50);     /* the repository alone has that many */
    assert_true(broken >= files); /* error recovery really ran */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_language_is_in_use),
        cmocka_unit_test(test_same_trees_as_the_generated_grammar),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
