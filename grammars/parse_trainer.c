/* parse_trainer.c: the workload that profile-guided optimisation of
 * tree-sitter's core and the Python grammar learns from (parse_pgo.cmake).
 * Parses every file named in the list file argv[1] and walks each tree with
 * a cursor, as the dumper does. A build-time tool, not part of tmdiff. */
#include "python_language.h"

#include <tree_sitter/api.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *data = NULL;
    size_t cap = 0, n = 0, got;
    do {
        if (n == cap) {
            char *grown = realloc(data, cap = cap ? cap * 2 : 65536);
            if (!grown)
                break;
            data = grown;
        }
        got = fread(data + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    *len = n;
    return data;
}

/* Visits every node; returns how many. */
static size_t walk(TSNode root)
{
    size_t nodes = 0;
    TSTreeCursor c = ts_tree_cursor_new(root);
    for (;;) {
        nodes += ts_node_symbol(ts_tree_cursor_current_node(&c)) != 0;
        if (ts_tree_cursor_goto_first_child(&c))
            continue;
        while (!ts_tree_cursor_goto_next_sibling(&c))
            if (!ts_tree_cursor_goto_parent(&c)) {
                ts_tree_cursor_delete(&c);
                return nodes;
            }
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: parse_trainer LIST_FILE\n");
        return 2;
    }
    FILE *list = fopen(argv[1], "r");
    if (!list) {
        fprintf(stderr, "parse_trainer: %s: cannot open\n", argv[1]);
        return 1;
    }
    TSParser *parser = ts_parser_new();
    ts_parser_set_language(parser, tmd_python_language());
    char path[4096];
    size_t files = 0, bytes = 0, nodes = 0;
    while (fgets(path, sizeof path, list)) {
        path[strcspn(path, "\n")] = '\0';
        size_t len = 0;
        char *text = read_all(path, &len);
        if (!text || len > UINT32_MAX) {
            free(text);
            continue; /* gone since the list was made: train on the rest */
        }
        TSTree *tree = ts_parser_parse_string(parser, NULL, text, (uint32_t)len);
        if (tree) {
            nodes += walk(ts_tree_root_node(tree));
            ts_tree_delete(tree);
            files++;
            bytes += len;
        }
        free(text);
    }
    fclose(list);
    ts_parser_delete(parser);
    printf("parse_trainer: %zu files, %zu bytes, %zu nodes\n", files, bytes, nodes);
    return files ? 0 : 1;
}
