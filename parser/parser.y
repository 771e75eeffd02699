/* parser.y - the grammar of docs/language.md §7.2 and §3 (Bison 3.8, pure, LAC): tokens from
 * lexer.re in, the AST of lang/ast.h out, recovering at ';' and '}' so one run reports several
 * errors.  Two start symbols: a whole file, or one schedule statement (the REPL's line), chosen
 * by the first token the lexer gives. */
%require "3.8"
%define api.pure full
%define api.prefix {parse_}
%define api.token.prefix {TOK_}
%define api.location.type {tir_loc}
%define parse.error custom
%define parse.lac full
%locations
%param {parse_state *ps}

%code requires {
#include "lang/ast.h"
#include "lang/diag.h"

typedef struct parse_state parse_state;

/* A growable array of pointers in the parse's arena: semantic values that error recovery
 * discards then need no destructor. */
typedef struct parse_list {
  void **v;
  int n, cap;
} parse_list;

/* One entry of `NAME[...]` before the token after `]` tells an access (expressions only)
 * from a reducer (names and `k in lo..hi` ranges). */
typedef struct parse_item {
  ast_expr *e;      /* a plain expression, or NULL for a range */
  const char *name; /* range: `name in lo..hi` */
  tir_loc loc, in_loc;
  ast_expr *lo, *hi;
} parse_item;

typedef struct parse_body {
  parse_list stmts;
  tir_loc end; /* the closing brace */
} parse_body;

typedef struct parse_block_body {
  bool has_init;
  parse_list init, stmts;
} parse_block_body;

typedef struct parse_bind {
  const char *thread; /* "threadIdx.x", or NULL without bind(...) */
  tir_loc loc;
} parse_bind;
}

%code {
#include <math.h>
#include <string.h>

#include "parser/parse_private.h"

/* A node's location is its first token's; an empty rule takes the previous symbol's, which
 * no action reads. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) ((Cur) = (N) ? YYRHSLOC(Rhs, 1) : YYRHSLOC(Rhs, 0))

static void parse_error(tir_loc *loc, parse_state *ps, const char *msg);
}

%union {
  const char *str;
  struct { uint64_t value; bool too_big; const char *text; } ival; /* text: in the file */
  double fval;
  ir_dtype dtype;
  int num;
  ast_expr *expr;
  ast_stmt *stmt;
  ast_func *func;
  ast_sstmt *sstmt;
  ast_schedule *sched;
  ast_param *param;
  ast_type type;
  ast_iter *iter;
  ast_loopvar *var;
  ast_annot *annot;
  parse_item *item;
  parse_list list;
  parse_body body;
  parse_block_body bbody;
  parse_bind bind;
}

/* Declaration order is the order in which "expected ..." lists alternatives. */
%token ',' ';' ')' ']' '}' ':' '=' '(' '[' '{' '.'
%token <str> IDENT "identifier"
%token <ival> INT "integer literal"
%token <fval> FLOAT "float literal"
%token <str> STRING "string"
%token <dtype> DTYPE "dtype"
%token FUNC "'func'" LET "'let'" ALLOC "'alloc'" BLOCK "'block'" FOR "'for'" IN "'in'"
%token GRID "'grid'" RANGE "'range'" SPATIAL "'spatial'" REDUCE "'reduce'" OPAQUE "'opaque'"
%token INIT "'init'" WHERE "'where'" PARALLEL "'parallel'" VECTORIZED "'vectorized'"
%token UNROLLED "'unrolled'" BIND "'bind'" IMPORT "'import'" SCHEDULE "'schedule'"
%token TRUE "'true'" FALSE "'false'" INF "'inf'" NAN "'nan'"
%token GLOBAL "'global'" SHARED "'shared'" LOCAL "'local'"
%token ANNOTATE "'annotate'" ALIGN "'align'"
%token ARROW "'->'" DOTDOT "'..'" POW "'**'"
%token OROR "'||'" ANDAND "'&&'" EQ "'=='" NE "'!='" LE "'<='" GE "'>='"
/* The first token of every parse, from ps->start: never in a message. */
%token START_FILE "start of file" START_SSTMT "start of schedule statement"

%left OROR
%left ANDAND
%nonassoc EQ NE '<' LE '>' GE
%left '+' '-'
%left '*' '/' '%'
%precedence UNARY
%right POW

%type <num> func_kw sched_kw loop_kw iter_kind scope
%type <func> func
%type <sched> schedule
%type <sstmt> sstmt sched_call
%type <list> params_opt params exprs stmts idents iters_opt iters items sched_body sstmts
%type <list> sargs_opt sargs annots_opt annots aligns_opt
%type <annot> annot
%type <param> param
%type <type> type
%type <body> body
%type <bbody> block_body
%type <stmt> stmt assign loop_head
%type <bind> bind_opt
%type <iter> iter
%type <expr> expr primary where_opt sarg
%type <str> dotted target_opt target prim
%type <item> item

%start top

%%

top:
  START_FILE file
| START_SSTMT sched_line
;

file:
  %empty
| file decl
;

/* Recovery at file level: skip to a ';', a '}', or over a whole braced body. */
decl:
  IMPORT STRING ';'     { parse_import_add(ps, @1, $2); }
| func                  { if ($1) parse_list_push(ps, &ps->funcs, $1); }
| schedule              { if ($1) parse_list_push(ps, &ps->scheds, $1); }
| error ';'
| error '}'
| error body
;

func:
  func_kw IDENT '(' params_opt ')' ARROW '(' params ')' body
    { $$ = parse_func_make(ps, $1, $2, @1, &$4, &$8, &$10); }
  /* A broken header: still parse the body for its own errors. */
| func_kw error body    { $$ = NULL; }
;

/* The error count when the function starts, to drop it if it had any. */
func_kw:
  FUNC                  { $$ = diag_error_count(ps->d); }
;

params_opt:
  %empty                { $$ = (parse_list){0}; }
| params
;

params:
  param                 { $$ = parse_list_one(ps, $1); }
| params ',' param      { $$ = $1; parse_list_push(ps, &$$, $3); }
;

param:
  IDENT ':' type        { $$ = parse_param_make(ps, $1, @1, $3); }
;

type:
  DTYPE '[' ']'         { $$ = parse_type_make(ps, $1, @1, NULL); }
| DTYPE '[' exprs ']'   { $$ = parse_type_make(ps, $1, @1, &$3); }
;

exprs:
  expr                  { $$ = parse_list_one(ps, $1); }
| exprs ',' expr        { $$ = $1; parse_list_push(ps, &$$, $3); }
;

/* Recovery inside braces: an error skips to the closing '}' when no ';' or '{' comes first. */
body:
  '{' stmts '}'         { $$.stmts = $2; $$.end = @3; }
| '{' stmts error '}'   { $$.stmts = $2; $$.end = @4; }
;

stmts:
  %empty                { $$ = (parse_list){0}; }
| stmts stmt            { $$ = $1; if ($2) parse_list_push(ps, &$$, $2); }
;

stmt:
  LET IDENT ':' type ';'
    {
      $$ = parse_stmt_make(ps, AST_S_LET, @1);
      $$->u.decl.name = $2;
      $$->u.decl.name_loc = @2;
      $$->u.decl.type = $4;
    }
| ALLOC IDENT ':' type IN scope aligns_opt ';'
    {
      $$ = parse_stmt_make(ps, AST_S_ALLOC, @1);
      $$->u.decl.name = $2;
      $$->u.decl.name_loc = @2;
      $$->u.decl.type = $4;
      $$->u.decl.scope = (ast_scope)$6;
      $$->u.decl.aligns = parse_aligns_finish(ps, &$7, &$$->u.decl.n_aligns);
    }
| assign
  /* `let h = nn.relu(x);`, `y = nn.dense(h, w, b);`, `let a, b = f(x);`: a call of a function
   * (the checker insists the right side is one) into new locals or existing tensors. */
| LET idents '=' expr ';' { $$ = parse_stmt_call(ps, @1, true, &$2, $4); }
| idents '=' expr ';'   { $$ = parse_stmt_call(ps, @1, false, &$1, $3); }
  /* `block "C": C[i] = ...;` names the compute statement's block. */
| BLOCK STRING ':' assign
    {
      $$ = $4;
      $$->loc = @1;
      $$->u.assign.block_name = $2;
      $$->u.assign.block_loc = @2;
    }
| loop_kw loop_head bind_opt annots_opt body
    {
      $$ = $2;
      $$->loc = @1;
      $$->u.loop.kind = (ast_loop_kind)$1;
      $$->u.loop.thread = $3.thread;
      $$->u.loop.thread_loc = $3.loc;
      $$->u.loop.annots = parse_annots_finish(ps, &$4, &$$->u.loop.n_annots);
      $$->u.loop.annots_loc = @4;
      $$->u.loop.body = parse_stmts_finish(&$5.stmts);
    }
| BLOCK STRING '(' iters_opt ')' where_opt annots_opt block_body
    {
      $$ = parse_stmt_make(ps, AST_S_BLOCK, @1);
      $$->u.block.name = $2;
      $$->u.block.name_loc = @2;
      $$->u.block.iters = tir_arena_alloc(ps->a, (size_t)$4.n * sizeof(ast_iter));
      for (int i = 0; i < $4.n; i++) $$->u.block.iters[i] = *(ast_iter *)$4.v[i];
      $$->u.block.n = $4.n;
      $$->u.block.where = $6;
      $$->u.block.annots = parse_annots_finish(ps, &$7, &$$->u.block.n_annots);
      $$->u.block.annots_loc = @7;
      $$->u.block.has_init = $8.has_init;
      $$->u.block.init = parse_stmts_finish(&$8.init);
      $$->u.block.body = parse_stmts_finish(&$8.stmts);
    }
| error ';'             { $$ = NULL; }
| error body            { $$ = NULL; }
;

scope:
  GLOBAL                { $$ = AST_SCOPE_GLOBAL; }
| SHARED                { $$ = AST_SCOPE_SHARED; }
| LOCAL                 { $$ = AST_SCOPE_LOCAL; }
;

assign:
  IDENT '[' ']' '=' expr ';'        { $$ = parse_stmt_assign(ps, $1, @1, NULL, $5); }
| IDENT '[' exprs ']' '=' expr ';'  { $$ = parse_stmt_assign(ps, $1, @1, &$3, $6); }
;

loop_kw:
  FOR                   { $$ = AST_LOOP_SERIAL; }
| PARALLEL FOR          { $$ = AST_LOOP_PARALLEL; }
| VECTORIZED FOR        { $$ = AST_LOOP_VECTORIZED; }
| UNROLLED FOR          { $$ = AST_LOOP_UNROLLED; }
;

/* The first name is matched alone so that `for i in` needs no decision between grid and
 * range before the keyword. */
loop_head:
  IDENT IN GRID '(' exprs ')'
    { parse_list v = parse_list_one(ps, parse_loopvar_make(ps, $1, @1));
      $$ = parse_loop_grid(ps, @3, &v, &$5); }
| IDENT ',' idents IN GRID '(' exprs ')'
    { parse_list v = parse_list_one(ps, parse_loopvar_make(ps, $1, @1));
      for (int i = 0; i < $3.n; i++) parse_list_push(ps, &v, $3.v[i]);
      $$ = parse_loop_grid(ps, @5, &v, &$7); }
| IDENT IN RANGE '(' expr ')'
    { $$ = parse_loop_range(ps, parse_loopvar_make(ps, $1, @1), NULL, $5); }
| IDENT IN RANGE '(' expr ',' expr ')'
    { $$ = parse_loop_range(ps, parse_loopvar_make(ps, $1, @1), $5, $7); }
;

idents:
  IDENT                 { $$ = parse_list_one(ps, parse_loopvar_make(ps, $1, @1)); }
| idents ',' IDENT      { $$ = $1; parse_list_push(ps, &$$, parse_loopvar_make(ps, $3, @3)); }
;

/* `bind(threadIdx.x)`: the thread is kept as written; the checker validates it. */
bind_opt:
  %empty                { $$.thread = NULL; $$.loc = tir_loc_none; }
| BIND '(' IDENT '.' IDENT ')'
    { $$.thread = tir_arena_printf(ps->a, "%s.%s", $3, $5); $$.loc = parse_loc_span(@3, @5); }
;

iters_opt:
  %empty                { $$ = (parse_list){0}; }
| iters
;

iters:
  iter                  { $$ = parse_list_one(ps, $1); }
| iters ',' iter        { $$ = $1; parse_list_push(ps, &$$, $3); }
;

iter:
  iter_kind IDENT '=' expr { $$ = parse_iter_make(ps, (ast_iter_kind)$1, $2, @2, $4); }
;

iter_kind:
  SPATIAL               { $$ = AST_ITER_SPATIAL; }
| REDUCE                { $$ = AST_ITER_REDUCE; }
| OPAQUE                { $$ = AST_ITER_OPAQUE; }
;

where_opt:
  %empty                { $$ = NULL; }
| WHERE expr            { $$ = $2; }
;

/* `annotate("pragma_unroll" = 4, "note" = "x")`: hints on a loop or block (ast_annot *). */
annots_opt:
  %empty                { $$ = (parse_list){0}; }
| ANNOTATE '(' annots ')' { $$ = $3; @$ = @1; }
;

annots:
  annot                 { $$ = parse_list_one(ps, $1); }
| annots ',' annot      { $$ = $1; parse_list_push(ps, &$$, $3); }
;

annot:
  STRING '=' INT        { $$ = parse_annot_int(ps, $1, @1, false, $3.value, $3.too_big, @3); }
| STRING '=' '-' INT    { $$ = parse_annot_int(ps, $1, @1, true, $4.value, $4.too_big, @3); }
| STRING '=' STRING     { $$ = parse_annot_str(ps, $1, @1, $3); }
;

/* `align(0, 32, 8) align(1, 16, 0)` after an alloc's scope (ast_align *). */
aligns_opt:
  %empty                { $$ = (parse_list){0}; }
| aligns_opt ALIGN '(' INT ',' INT ',' INT ')'
    { $$ = $1; parse_list_push(ps, &$$, parse_align_make(ps, @2, $4.value, $6.value, $8.value)); }
;

/* `init { ... }` may only open a block's body. */
block_body:
  body
    { $$.has_init = false; $$.init = (parse_list){0}; $$.stmts = $1.stmts; }
| '{' INIT body stmts '}'
    { $$.has_init = true; $$.init = $3.stmts; $$.stmts = $4; }
| '{' INIT body stmts error '}'
    { $$.has_init = true; $$.init = $3.stmts; $$.stmts = $4; }
;

/* A binary node's location is its operator's. */
expr:
  expr OROR expr        { $$ = parse_expr_bin(ps, @2, AST_OR, $1, $3); }
| expr ANDAND expr      { $$ = parse_expr_bin(ps, @2, AST_AND, $1, $3); }
| expr EQ expr          { $$ = parse_expr_bin(ps, @2, AST_EQ, $1, $3); }
| expr NE expr          { $$ = parse_expr_bin(ps, @2, AST_NE, $1, $3); }
| expr '<' expr         { $$ = parse_expr_bin(ps, @2, AST_LT, $1, $3); }
| expr LE expr          { $$ = parse_expr_bin(ps, @2, AST_LE, $1, $3); }
| expr '>' expr         { $$ = parse_expr_bin(ps, @2, AST_GT, $1, $3); }
| expr GE expr          { $$ = parse_expr_bin(ps, @2, AST_GE, $1, $3); }
| expr '+' expr         { $$ = parse_expr_bin(ps, @2, AST_ADD, $1, $3); }
| expr '-' expr         { $$ = parse_expr_bin(ps, @2, AST_SUB, $1, $3); }
| expr '*' expr         { $$ = parse_expr_bin(ps, @2, AST_MUL, $1, $3); }
| expr '/' expr         { $$ = parse_expr_bin(ps, @2, AST_DIV, $1, $3); }
| expr '%' expr         { $$ = parse_expr_bin(ps, @2, AST_MOD, $1, $3); }
  /* `a ** b` is `pow(a, b)`; as in Python it binds tighter than a unary minus on its left
   * (`-x ** 2` is `-(x ** 2)`) and groups to the right (`a ** b ** c` is `a ** (b ** c)`). */
| expr POW expr         { $$ = parse_expr_pow(ps, @2, $1, $3); }
  /* `-1` stays a negation of a literal: the checker folds it once it knows the dtype. */
| '-' expr %prec UNARY  { $$ = parse_expr_un(ps, @1, AST_NEG, $2); }
| '!' expr %prec UNARY  { $$ = parse_expr_un(ps, @1, AST_NOT, $2); }
| primary
;

primary:
  INT                   { $$ = parse_expr_int(ps, @1, $1.value, $1.too_big); }
| FLOAT                 { $$ = parse_expr_float(ps, @1, $1); }
| INF                   { $$ = parse_expr_float(ps, @1, (double)INFINITY); }
| NAN                   { $$ = parse_expr_float(ps, @1, (double)NAN); }
| TRUE                  { $$ = parse_expr_bool(ps, @1, true); }
| FALSE                 { $$ = parse_expr_bool(ps, @1, false); }
| dotted                { $$ = parse_expr_name(ps, @1, $1); }
| dotted '(' ')'        { $$ = parse_expr_call(ps, @1, $1, NULL); }
| dotted '(' exprs ')'  { $$ = parse_expr_call(ps, @1, $1, &$3); }
| IDENT '[' ']'         { $$ = parse_expr_access(ps, @1, $1, NULL); }
| IDENT '[' items ']'   { $$ = parse_expr_access(ps, @1, $1, &$3); }
  /* `sum[k, r in 0..R](e)`: the '(' after ']' makes the brackets a reducer's binders. */
| IDENT '[' items ']' '(' expr ')'
    { $$ = parse_expr_reduce(ps, @1, $1, &$3, $6); }
| DTYPE '(' expr ')'    { $$ = parse_expr_cast(ps, @1, $1, $3); }
| '(' expr ')'          { $$ = $2; }
;

/* `nn.relu`: a dotted name is one NAME (or CALL name), its location spanning all parts. */
dotted:
  IDENT                 { $$ = $1; }
| dotted '.' IDENT
    { $$ = tir_arena_printf(ps->a, "%s.%s", $1, $3); @$ = parse_loc_span(@1, @3); }
;

items:
  item                  { $$ = parse_list_one(ps, $1); }
| items ',' item        { $$ = $1; parse_list_push(ps, &$$, $3); }
;

item:
  expr                  { $$ = parse_item_expr(ps, $1); }
| IDENT IN expr DOTDOT expr
    { $$ = parse_item_range(ps, $1, @1, @2, $3, $5); }
;

/* ---- schedules (docs/language.md §3) ---- */

schedule:
  sched_kw IDENT target_opt sched_body
    { $$ = parse_schedule_make(ps, $1, @1, $2, @2, $3, @3, &$4); }
  /* A broken header: still parse the statements for their own errors. */
| sched_kw error sched_body { $$ = NULL; }
;

/* The error count when the schedule starts, to drop it if it had any. */
sched_kw:
  SCHEDULE              { $$ = diag_error_count(ps->d); }
;

target_opt:
  %empty                { $$ = NULL; }
| FOR target            { $$ = $2; @$ = @2; }
;

/* `avx512`, `x86-64`, `x86-64-v3`: parts joined by '-' as written, spaces dropped. */
target:
  IDENT                 { $$ = $1; }
| target '-' IDENT
    { $$ = tir_arena_printf(ps->a, "%s-%s", $1, $3); @$ = parse_loc_span(@1, @3); }
| target '-' INT
    {
      $$ = tir_arena_printf(ps->a, "%s-%.*s", $1, @3.len, $3.text);
      @$ = parse_loc_span(@1, @3);
    }
;

/* Recovery as in a function body: at ';', else at the closing '}'. */
sched_body:
  '{' sstmts '}'        { $$ = $2; }
| '{' sstmts error '}'  { $$ = $2; }
;

sstmts:
  %empty                { $$ = (parse_list){0}; }
| sstmts sstmt          { $$ = $1; if ($2) parse_list_push(ps, &$$, $2); }
;

sstmt:
  sched_call ';'
| error ';'             { $$ = NULL; }
;

/* The REPL's line: one statement, its ';' optional, then nothing. */
sched_line:
  sched_call            { ps->sstmt = $1; }
| sched_call ';'        { ps->sstmt = $1; }
;

/* `io, ii = split(i, 32)` or `vectorize(ji)`; the names on the left are kept as loop
 * variables (a name and its location). */
sched_call:
  prim '(' sargs_opt ')'
    { $$ = parse_sstmt_make(ps, @1, NULL, $1, @1, &$3); }
| idents '=' prim '(' sargs_opt ')'
    { $$ = parse_sstmt_make(ps, @1, &$1, $3, @3, &$5); }
;

/* A primitive's name; `parallel`, `bind` and `block` are reserved words elsewhere. */
prim:
  IDENT                 { $$ = $1; }
| PARALLEL              { $$ = "parallel"; }
| BIND                  { $$ = "bind"; }
| BLOCK                 { $$ = "block"; }
| ANNOTATE              { $$ = "annotate"; }
;

sargs_opt:
  %empty                { $$ = (parse_list){0}; }
| sargs
;

sargs:
  sarg                  { $$ = parse_list_one(ps, $1); }
| sargs ',' sarg        { $$ = $1; parse_list_push(ps, &$$, $3); }
;

/* An argument: any expression (names, `threadIdx.x`, `-1`), a string, a scope word, which
 * becomes a NAME, a nested `block("C")`, a CALL, or a list `[k, j]`. */
sarg:
  expr
| STRING                { $$ = parse_expr_string(ps, @1, $1); }
| BLOCK '(' sargs_opt ')' { $$ = parse_expr_call(ps, @1, "block", &$3); }
| IDENT '=' sarg        { $$ = parse_expr_kwarg(ps, @1, $1, $3); }
| '[' sargs ']'         { $$ = parse_expr_list(ps, @1, &$2); }
| GLOBAL                { $$ = parse_expr_name(ps, @1, "global"); }
| SHARED                { $$ = parse_expr_name(ps, @1, "shared"); }
| LOCAL                 { $$ = parse_expr_name(ps, @1, "local"); }
;

%%

/* Pseudo-kinds for groups of tokens in "expected ..." lists. */
enum {
  PARSE_EXPECT_EXPR = -100,
  PARSE_EXPECT_ARG = -101,
  PARSE_EXPECT_STMT = -102,
  PARSE_EXPECT_SSTMT = -103,
};

/* The name of token kind "k" (or of a group) in messages. */
static const char *parse_token_name(int k) {
  return k == PARSE_EXPECT_EXPR    ? "expression"
         : k == PARSE_EXPECT_ARG   ? "argument"
         : k == PARSE_EXPECT_STMT  ? "statement"
         : k == PARSE_EXPECT_SSTMT ? "schedule statement"
                                   : yysymbol_name((yysymbol_kind_t)k);
}

static bool parse_is_binop(int k) {
  static const int chars[] = {'<', '>', '+', '-', '*', '/', '%'};
  for (size_t i = 0; i < sizeof chars / sizeof chars[0]; i++)
    if (k == YYTRANSLATE(chars[i])) return true;
  return k == YYSYMBOL_OROR || k == YYSYMBOL_ANDAND || k == YYSYMBOL_EQ || k == YYSYMBOL_NE ||
         k == YYSYMBOL_LE || k == YYSYMBOL_GE || k == YYSYMBOL_POW;
}

/* Tokens that may extend a complete operand: binary operators, and '(' '[' '.' after a name. */
static bool parse_is_continuation(int k) {
  return parse_is_binop(k) || k == YYTRANSLATE('(') || k == YYTRANSLATE('[') ||
         k == YYTRANSLATE('.');
}

static bool parse_is_expr_start(int k) {
  return k == YYSYMBOL_IDENT || k == YYSYMBOL_INT || k == YYSYMBOL_FLOAT || k == YYSYMBOL_DTYPE ||
         k == YYSYMBOL_TRUE || k == YYSYMBOL_FALSE || k == YYSYMBOL_INF || k == YYSYMBOL_NAN ||
         k == YYTRANSLATE('(') || k == YYTRANSLATE('-') || k == YYTRANSLATE('!');
}

/* A schedule primitive's argument: an expression, a string or a scope word. */
static bool parse_is_arg_start(int k) {
  return parse_is_expr_start(k) || k == YYSYMBOL_STRING || k == YYSYMBOL_GLOBAL ||
         k == YYSYMBOL_SHARED || k == YYSYMBOL_LOCAL || k == YYSYMBOL_BLOCK;
}

static bool parse_is_stmt_start(int k) {
  return k == YYSYMBOL_IDENT || k == YYSYMBOL_LET || k == YYSYMBOL_ALLOC || k == YYSYMBOL_BLOCK ||
         k == YYSYMBOL_FOR || k == YYSYMBOL_PARALLEL || k == YYSYMBOL_VECTORIZED ||
         k == YYSYMBOL_UNROLLED;
}

static bool parse_is_sstmt_start(int k) {
  return k == YYSYMBOL_IDENT || k == YYSYMBOL_BLOCK || k == YYSYMBOL_PARALLEL ||
         k == YYSYMBOL_BIND || k == YYSYMBOL_ANNOTATE;
}
enum {
  PARSE_EXPR_STARTS = 11,
  PARSE_ARG_STARTS = 16,
  PARSE_STMT_STARTS = 8,
  PARSE_SSTMT_STARTS = 5,
};

/* The alternatives worth naming among the expected tokens "exp[0..n)", into "out" (room for
 * n + 1); returns their count.  Every token that starts an expression (an argument, a
 * statement, a schedule statement) reads as one "expression" ("argument", ...).  After a
 * complete operand, operators and other ways to go on are left out when something else could
 * also come, since the missing ';' or ')' is what the user needs to hear about; so is end of
 * file.  After a name that may begin a schedule statement's left side or its primitive call,
 * only '(' is named. */
static int parse_simplify_expected(const yysymbol_kind_t *exp, int n, int *out) {
  int expr = 0, arg = 0, stmt = 0, sstmt = 0;
  bool binop = false, paren = false, assign = false, rparen = false;
  for (int i = 0; i < n; i++) {
    expr += parse_is_expr_start(exp[i]);
    arg += parse_is_arg_start(exp[i]);
    stmt += parse_is_stmt_start(exp[i]);
    sstmt += parse_is_sstmt_start(exp[i]);
    binop |= parse_is_binop(exp[i]);
    paren |= exp[i] == YYTRANSLATE('(');
    assign |= exp[i] == YYTRANSLATE('=');
    rparen |= exp[i] == YYTRANSLATE(')');
  }
  bool group_arg = arg == PARSE_ARG_STARTS;
  bool group_expr = expr == PARSE_EXPR_STARTS && !group_arg;
  bool group_stmt = stmt == PARSE_STMT_STARTS, group_sstmt = sstmt == PARSE_SSTMT_STARTS;
  /* a name inside an argument list may also be a keyword (`nparts = 4`): say ',' or ')' */
  bool call_only = paren && assign && !rparen;
  bool in_args = assign && rparen;
  int m = 0;
  if (group_expr) out[m++] = PARSE_EXPECT_EXPR;
  if (group_arg) out[m++] = PARSE_EXPECT_ARG;
  if (group_stmt) out[m++] = PARSE_EXPECT_STMT;
  if (group_sstmt) out[m++] = PARSE_EXPECT_SSTMT;
  for (int i = 0; i < n; i++) {
    int k = exp[i];
    if ((group_expr && parse_is_expr_start(k)) || (group_arg && parse_is_arg_start(k)) ||
        (group_stmt && parse_is_stmt_start(k)) || (group_sstmt && parse_is_sstmt_start(k)))
      continue;
    if (binop && parse_is_continuation(k)) continue;
    if (call_only && (k == YYTRANSLATE(',') || k == YYTRANSLATE('='))) continue;
    if (in_args && k == YYTRANSLATE('=')) continue;
    out[m++] = k;
  }
  if (m == 0) /* nothing but operators: name them after all */
    for (int i = 0; i < n; i++) out[m++] = exp[i];
  if (m > 1) { /* end of file only when it is the one way on */
    int k = 0;
    for (int i = 0; i < m; i++)
      if (out[i] != YYSYMBOL_YYEOF) out[k++] = out[i];
    m = k;
  }
  return m;
}

/* `unexpected TOKEN, expected A, B or C` (alternatives only when there are at most four),
 * plus a note at the innermost open bracket when the file ended inside it. */
static int yyreport_syntax_error(const yypcontext_t *ctx, parse_state *ps) {
  if (ps->stop || diag_too_many(ps->d)) {
    ps->stop = true;
    return 0;
  }
  yysymbol_kind_t tok = yypcontext_token(ctx);
  yysymbol_kind_t exp[YYNTOKENS];
  int alt[YYNTOKENS + 1];
  int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
  n = n < 0 ? 0 : parse_simplify_expected(exp, n, alt);
  tir_str msg = {0};
  tir_str_printf(&msg, "unexpected %s", parse_token_name(tok));
  if (n >= 1 && n <= 4)
    for (int i = 0; i < n; i++)
      tir_str_printf(&msg, "%s%s", i == 0 ? ", expected " : i == n - 1 ? " or " : ", ",
                     parse_token_name(alt[i]));
  diag_error(ps->d, *yypcontext_location(ctx), "%s", tir_str_cstr(&msg));
  tir_str_free(&msg);
  if (tok == YYSYMBOL_YYEOF && ps->depth > 0)
    diag_note(ps->d, ps->open_loc[ps->depth - 1], "to match this '%c'",
              ps->open_ch[ps->depth - 1]);
  return 0;
}

/* Bison calls this only when its stacks would pass YYMAXDEPTH ("memory exhausted"), which
 * takes thousands of nested unary operators. */
static void parse_error(tir_loc *loc, parse_state *ps, const char *msg) {
  if (!ps->stop && !diag_too_many(ps->d)) {
    if (strcmp(msg, "memory exhausted") == 0)
      diag_error(ps->d, *loc, "expression is nested too deeply (parser stack exhausted)");
    else
      diag_error(ps->d, *loc, "%s", msg);
  }
  ps->stop = true;
}
