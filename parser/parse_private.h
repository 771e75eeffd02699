/* parse_private.h - what the lexer (lexer.re), the grammar (parser.y) and the AST builders
 * (parse.c) share: the state of one parse and the helpers the grammar actions call. */
#ifndef TIR_PARSER_PARSE_PRIVATE_H
#define TIR_PARSER_PARSE_PRIVATE_H

#include "parser.tab.h" /* generated: token kinds, PARSE_STYPE, parse_list, parse_item */

enum {
  PARSE_MAX_NESTING = 256,     /* open ( [ { at once (docs/language.md §7.1) */
  PARSE_MAX_EXPR_DEPTH = 1000, /* expression tree depth, so the checker's recursion is bounded */
};

/* One parse: the lexer's position, the open brackets, and the top-level lists being built.
 * Everything lives here (no globals), so several parses may run at once. */
struct parse_state {
  diag_engine *d;
  tir_arena *a;
  int file;
  const unsigned char *cur;        /* next byte to lex */
  const unsigned char *lim;        /* end of the text (the byte there is the NUL sentinel) */
  const unsigned char *line_start; /* first byte of the current line */
  int line;
  tir_loc last;   /* the last token returned; end-of-file errors point at its last byte */
  bool any_token; /* "last" is valid */
  int depth;      /* brackets open now */
  tir_loc open_loc[PARSE_MAX_NESTING];
  char open_ch[PARSE_MAX_NESTING];
  bool stop;          /* nesting too deep or too many errors: the lexer only says end of file */
  int start;          /* TOK_START_FILE or TOK_START_SSTMT: the first token, then 0 */
  parse_list funcs;   /* ast_func * */
  parse_list imports; /* ast_import * */
  parse_list scheds;  /* ast_schedule * */
  ast_sstmt *sstmt;   /* the statement of parse_schedule_stmt */
};

/* The lexer (lexer.re): the next token's kind, its value in "lval" and place in "lloc". */
int parse_lex(PARSE_STYPE *lval, PARSE_LTYPE *lloc, parse_state *ps);

/* Arena lists. */
void parse_list_push(parse_state *ps, parse_list *l, void *x);
parse_list parse_list_one(parse_state *ps, void *x);

/* Locations: "a" widened to end where "b" ends when both are on one line. */
tir_loc parse_loc_span(tir_loc a, tir_loc b);

/* Expression builders; each checks the depth limit and stops the parse past it. */
ast_expr *parse_expr_int(parse_state *ps, tir_loc loc, uint64_t value, bool too_big);
ast_expr *parse_expr_float(parse_state *ps, tir_loc loc, double f);
ast_expr *parse_expr_bool(parse_state *ps, tir_loc loc, bool b);
ast_expr *parse_expr_name(parse_state *ps, tir_loc loc, const char *name);
ast_expr *parse_expr_access(parse_state *ps, tir_loc loc, const char *name, parse_list *items);
ast_expr *parse_expr_call(parse_state *ps, tir_loc loc, const char *name, parse_list *args);
ast_expr *parse_expr_cast(parse_state *ps, tir_loc loc, ir_dtype to, ast_expr *e);
ast_expr *parse_expr_bin(parse_state *ps, tir_loc loc, ast_binop op, ast_expr *a, ast_expr *b);
ast_expr *parse_expr_pow(parse_state *ps, tir_loc loc, ast_expr *a, ast_expr *b);
ast_expr *parse_expr_un(parse_state *ps, tir_loc loc, ast_unop op, ast_expr *a);
ast_expr *parse_expr_reduce(parse_state *ps, tir_loc loc, const char *op, parse_list *items,
                            ast_expr *body);
parse_item *parse_item_expr(parse_state *ps, ast_expr *e);
parse_item *parse_item_range(parse_state *ps, const char *name, tir_loc loc, tir_loc in_loc,
                             ast_expr *lo, ast_expr *hi);

/* Statement and declaration builders. */
ast_stmt *parse_stmt_make(parse_state *ps, ast_stmt_kind kind, tir_loc loc);
/* `let a, b = f(x);` (let) or `a, b = f(x);`: "names" holds ast_loopvar * (name and loc). */
ast_stmt *parse_stmt_call(parse_state *ps, tir_loc loc, bool let, parse_list *names,
                          ast_expr *value);
ast_stmt *parse_stmt_assign(parse_state *ps, const char *target, tir_loc target_loc,
                            parse_list *idx, ast_expr *value);
ast_type parse_type_make(parse_state *ps, ir_dtype dtype, tir_loc loc, parse_list *dims);
ast_param *parse_param_make(parse_state *ps, const char *name, tir_loc loc, ast_type type);
ast_loopvar *parse_loopvar_make(parse_state *ps, const char *name, tir_loc loc);
ast_stmt *parse_loop_grid(parse_state *ps, tir_loc grid_loc, parse_list *vars, parse_list *ext);
ast_stmt *parse_loop_range(parse_state *ps, ast_loopvar *var, ast_expr *lo, ast_expr *hi);
ast_iter *parse_iter_make(parse_state *ps, ast_iter_kind kind, const char *name, tir_loc loc,
                          ast_expr *binding);
ast_stmts parse_stmts_finish(parse_list *l);
/* `"key" = 4` / `"key" = -4` (INT's value, too_big and the minus sign) and `"key" = "text"`. */
ast_annot *parse_annot_int(parse_state *ps, const char *key, tir_loc loc, bool neg,
                           uint64_t value, bool too_big, tir_loc value_loc);
ast_annot *parse_annot_str(parse_state *ps, const char *key, tir_loc loc, const char *text);
ast_align *parse_align_make(parse_state *ps, tir_loc loc, uint64_t dim, uint64_t factor,
                            uint64_t offset);
/* The entries of a list of ast_annot * (ast_align *) as an exact-size array; *n the count. */
ast_annot *parse_annots_finish(parse_state *ps, const parse_list *l, int *n);
ast_align *parse_aligns_finish(parse_state *ps, const parse_list *l, int *n);
/* A function made of what parsed; NULL (dropped) when "errors_before" no longer matches the
 * error count, so the checker never sees a half-parsed function. */
ast_func *parse_func_make(parse_state *ps, int errors_before, const char *name, tir_loc loc,
                          parse_list *ins, parse_list *outs, parse_body *body);
void parse_import_add(parse_state *ps, tir_loc loc, const char *path);

/* Schedule builders.  "lhs" holds ast_loopvar * (names and locations), or is NULL; "args"
 * holds ast_expr *. */
ast_expr *parse_expr_string(parse_state *ps, tir_loc loc, const char *text);
/* A keyword argument `name = value` of a schedule primitive. */
ast_expr *parse_expr_kwarg(parse_state *ps, tir_loc loc, const char *name, ast_expr *value);
/* `[a, b]`: a list argument of a schedule primitive (AST_E_LIST). */
ast_expr *parse_expr_list(parse_state *ps, tir_loc loc, parse_list *items);
ast_sstmt *parse_sstmt_make(parse_state *ps, tir_loc loc, parse_list *lhs, const char *prim,
                            tir_loc prim_loc, parse_list *args);
/* A schedule of the statements "stmts" (ast_sstmt *); NULL (dropped) when "errors_before" no
 * longer matches the error count, as for parse_func_make.  "target" may be NULL. */
ast_schedule *parse_schedule_make(parse_state *ps, int errors_before, tir_loc loc,
                                  const char *func, tir_loc func_loc, const char *target,
                                  tir_loc target_loc, parse_list *stmts);

#endif
