/* dump_symbols.h: tree-sitter-python's symbol and field ids, resolved once
 * by name when the grammar is loaded (generated list of the grammar's
 * node-types.json; internal). Use d->sym->S_<name> / F_<name>. */
#ifndef TMD_DUMP_SYMBOLS_H
#define TMD_DUMP_SYMBOLS_H

#include <tree_sitter/api.h>

/* Named node types. */
#define DUMP_NAMED_SYMBOLS(X) \
    X(aliased_import) \
    X(argument_list) \
    X(as_pattern) \
    X(assert_statement) \
    X(assignment) \
    X(attribute) \
    X(augmented_assignment) \
    X(await) \
    X(binary_operator) \
    X(block) \
    X(boolean_operator) \
    X(break_statement) \
    X(call) \
    X(case_clause) \
    X(case_pattern) \
    X(chevron) \
    X(class_definition) \
    X(class_pattern) \
    X(comment) \
    X(comparison_operator) \
    X(complex_pattern) \
    X(concatenated_string) \
    X(conditional_expression) \
    X(constrained_type) \
    X(continue_statement) \
    X(decorated_definition) \
    X(decorator) \
    X(default_parameter) \
    X(delete_statement) \
    X(dict_pattern) \
    X(dictionary) \
    X(dictionary_comprehension) \
    X(dictionary_splat) \
    X(dictionary_splat_pattern) \
    X(dotted_name) \
    X(elif_clause) \
    X(ellipsis) \
    X(else_clause) \
    X(escape_interpolation) \
    X(escape_sequence) \
    X(except_clause) \
    X(except_group_clause) \
    X(exec_statement) \
    X(expression) \
    X(expression_list) \
    X(expression_statement) \
    X(false) \
    X(finally_clause) \
    X(float) \
    X(for_in_clause) \
    X(for_statement) \
    X(format_expression) \
    X(format_specifier) \
    X(function_definition) \
    X(future_import_statement) \
    X(generator_expression) \
    X(generic_type) \
    X(global_statement) \
    X(identifier) \
    X(if_clause) \
    X(if_statement) \
    X(import_from_statement) \
    X(import_prefix) \
    X(import_statement) \
    X(integer) \
    X(interpolation) \
    X(keyword_argument) \
    X(keyword_pattern) \
    X(keyword_separator) \
    X(lambda) \
    X(lambda_parameters) \
    X(line_continuation) \
    X(list) \
    X(list_comprehension) \
    X(list_pattern) \
    X(list_splat) \
    X(list_splat_pattern) \
    X(match_statement) \
    X(member_type) \
    X(module) \
    X(named_expression) \
    X(none) \
    X(nonlocal_statement) \
    X(not_operator) \
    X(pair) \
    X(parameter) \
    X(parameters) \
    X(parenthesized_expression) \
    X(parenthesized_list_splat) \
    X(pass_statement) \
    X(pattern) \
    X(pattern_list) \
    X(positional_separator) \
    X(primary_expression) \
    X(print_statement) \
    X(raise_statement) \
    X(relative_import) \
    X(return_statement) \
    X(set) \
    X(set_comprehension) \
    X(slice) \
    X(splat_pattern) \
    X(splat_type) \
    X(string) \
    X(string_content) \
    X(string_end) \
    X(string_start) \
    X(subscript) \
    X(true) \
    X(try_statement) \
    X(tuple) \
    X(tuple_pattern) \
    X(type) \
    X(type_alias_statement) \
    X(type_conversion) \
    X(type_parameter) \
    X(typed_default_parameter) \
    X(typed_parameter) \
    X(unary_operator) \
    X(union_pattern) \
    X(union_type) \
    X(while_statement) \
    X(wildcard_import) \
    X(with_clause) \
    X(with_item) \
    X(with_statement) \
    X(yield)

/* Anonymous tokens (keywords, operators): X(c_name, "text"). */
#define DUMP_ANON_SYMBOLS(X) \
    X(is_not, "is not") \
    X(not_in, "not in") \
    X(except_star, "except*") \
    X(ne, "!=") \
    X(percent, "%") \
    X(percent_assign, "%=") \
    X(amp, "&") \
    X(amp_assign, "&=") \
    X(lparen, "(") \
    X(rparen, ")") \
    X(star, "*") \
    X(starstar, "**") \
    X(starstar_assign, "**=") \
    X(star_assign, "*=") \
    X(plus, "+") \
    X(plus_assign, "+=") \
    X(comma, ",") \
    X(minus, "-") \
    X(minus_assign, "-=") \
    X(arrow, "->") \
    X(dot, ".") \
    X(slash, "/") \
    X(slashslash, "//") \
    X(slashslash_assign, "//=") \
    X(slash_assign, "/=") \
    X(colon, ":") \
    X(walrus, ":=") \
    X(semicolon, ";") \
    X(lt, "<") \
    X(lshift, "<<") \
    X(lshift_assign, "<<=") \
    X(le, "<=") \
    X(ltgt, "<>") \
    X(assign, "=") \
    X(eq, "==") \
    X(gt, ">") \
    X(ge, ">=") \
    X(rshift, ">>") \
    X(rshift_assign, ">>=") \
    X(at, "@") \
    X(at_assign, "@=") \
    X(lbracket, "[") \
    X(backslash, "\\") \
    X(rbracket, "]") \
    X(caret, "^") \
    X(caret_assign, "^=") \
    X(_, "_") \
    X(future, "__future__") \
    X(and, "and") \
    X(as, "as") \
    X(assert, "assert") \
    X(async, "async") \
    X(await, "await") \
    X(break, "break") \
    X(case, "case") \
    X(class, "class") \
    X(continue, "continue") \
    X(def, "def") \
    X(del, "del") \
    X(elif, "elif") \
    X(else, "else") \
    X(except, "except") \
    X(exec, "exec") \
    X(finally, "finally") \
    X(for, "for") \
    X(from, "from") \
    X(global, "global") \
    X(if, "if") \
    X(import, "import") \
    X(in, "in") \
    X(is, "is") \
    X(lambda, "lambda") \
    X(match, "match") \
    X(nonlocal, "nonlocal") \
    X(not, "not") \
    X(or, "or") \
    X(pass, "pass") \
    X(print, "print") \
    X(raise, "raise") \
    X(return, "return") \
    X(try, "try") \
    X(type, "type") \
    X(while, "while") \
    X(with, "with") \
    X(yield, "yield") \
    X(lbrace, "{") \
    X(pipe, "|") \
    X(pipe_assign, "|=") \
    X(rbrace, "}") \
    X(tilde, "~")

/* Fields. */
#define DUMP_FIELDS(X) \
    X(alias) \
    X(alternative) \
    X(argument) \
    X(arguments) \
    X(attribute) \
    X(body) \
    X(cause) \
    X(code) \
    X(condition) \
    X(consequence) \
    X(definition) \
    X(expression) \
    X(format_specifier) \
    X(function) \
    X(guard) \
    X(key) \
    X(left) \
    X(module_name) \
    X(name) \
    X(object) \
    X(operator) \
    X(operators) \
    X(parameters) \
    X(return_type) \
    X(right) \
    X(subject) \
    X(subscript) \
    X(superclasses) \
    X(type) \
    X(type_conversion) \
    X(type_parameters) \
    X(value)

typedef struct dump_symbols {
#define X(name) TSSymbol S_##name;
    DUMP_NAMED_SYMBOLS(X)
#undef X
#define X(name, text) TSSymbol A_##name;
    DUMP_ANON_SYMBOLS(X)
#undef X
#define X(name) TSFieldId F_##name;
    DUMP_FIELDS(X)
#undef X
} dump_symbols;

/* The grammar and its ids (thread-safe, resolved on first use). */
const TSLanguage *dump_language(void);
const dump_symbols *dump_symbols_get(void);

#endif
