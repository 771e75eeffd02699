/* test_parser.c - table-driven tests of parser/: snippets whose AST is printed as compact text
 * and compared, locations of a few nodes, and the exact first line of each syntax error; for
 * functions, schedule blocks and single schedule statements (parse_schedule_stmt). */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "parser/parser.h"

#include "check.h"

/* One parse of "src" (len bytes) as "t.tir"; the diagnostics land in "diags" (malloc'd). */
typedef struct parsed {
  tir_arena *a;
  ast_file *file;
  char *diags;
  int errors;
} parsed;

static parsed parse_bytes(const char *src, size_t len) {
  parsed p = {0};
  size_t dlen = 0;
  FILE *out = open_memstream(&p.diags, &dlen);
  diag_engine *d = diag_engine_make(out);
  int file = diag_file_add(d, "t.tir", src, len);
  p.a = tir_arena_make();
  p.file = parse_file(d, file, p.a);
  p.errors = diag_error_count(d);
  diag_engine_free(d);
  fclose(out);
  return p;
}

static parsed parse_text(const char *src) { return parse_bytes(src, strlen(src)); }

static void parsed_free(parsed *p) {
  tir_arena_free(p->a);
  free(p->diags);
}

/* ---- AST to compact text ---- */

static void dump_expr(tir_str *b, const ast_expr *e);

static void dump_list(tir_str *b, ast_expr *const *v, int n) {
  for (int i = 0; i < n; i++) {
    if (i) tir_str_putc(b, ',');
    dump_expr(b, v[i]);
  }
}

static void dump_expr(tir_str *b, const ast_expr *e) {
  switch (e->kind) {
  case AST_E_INT:
    tir_str_printf(b, "%llu", (unsigned long long)e->u.i.value);
    break;
  case AST_E_FLOAT: tir_str_printf(b, "%gf", e->u.f); break;
  case AST_E_BOOL: tir_str_puts(b, e->u.b ? "true" : "false"); break;
  case AST_E_NAME: tir_str_puts(b, e->u.name); break;
  case AST_E_ACCESS:
    tir_str_printf(b, "%s[", e->u.access.name);
    dump_list(b, e->u.access.idx, e->u.access.n);
    tir_str_putc(b, ']');
    break;
  case AST_E_CALL:
    tir_str_printf(b, "%s(", e->u.call.name);
    dump_list(b, e->u.call.args, e->u.call.n);
    tir_str_putc(b, ')');
    break;
  case AST_E_CAST:
    tir_str_printf(b, "(cast %s ", ir_dtype_name(e->u.cast.to));
    dump_expr(b, e->u.cast.e);
    tir_str_putc(b, ')');
    break;
  case AST_E_BIN:
    tir_str_printf(b, "(%s ", ast_binop_names[e->u.bin.op]);
    dump_expr(b, e->u.bin.a);
    tir_str_putc(b, ' ');
    dump_expr(b, e->u.bin.b);
    tir_str_putc(b, ')');
    break;
  case AST_E_UN:
    tir_str_puts(b, e->u.un.op == AST_NEG ? "(neg " : "(not ");
    dump_expr(b, e->u.un.a);
    tir_str_putc(b, ')');
    break;
  case AST_E_REDUCE:
    tir_str_printf(b, "%s[", e->u.reduce.op);
    for (int i = 0; i < e->u.reduce.n; i++) {
      const ast_binder *bd = &e->u.reduce.binders[i];
      tir_str_printf(b, "%s%s", i ? "," : "", bd->name);
      if (bd->lo) {
        tir_str_puts(b, " in ");
        dump_expr(b, bd->lo);
        tir_str_puts(b, "..");
        dump_expr(b, bd->hi);
      }
    }
    tir_str_puts(b, "](");
    dump_expr(b, e->u.reduce.body);
    tir_str_putc(b, ')');
    break;
  case AST_E_STRING: tir_str_printf(b, "\"%s\"", e->u.str); break;
  case AST_E_KWARG:
    tir_str_printf(b, "%s=", e->u.kwarg.name);
    dump_expr(b, e->u.kwarg.value);
    break;
  case AST_E_LIST:
    tir_str_putc(b, '[');
    dump_list(b, e->u.call.args, e->u.call.n);
    tir_str_putc(b, ']');
    break;
  }
}

static void dump_type(tir_str *b, const ast_type *t) {
  tir_str_printf(b, "%s[", ir_dtype_name(t->dtype));
  dump_list(b, t->dims, t->ndim);
  tir_str_putc(b, ']');
}

static void dump_stmts(tir_str *b, const ast_stmts *s);

static void dump_stmt(tir_str *b, const ast_stmt *s) {
  static const char *const scopes[] = {"global", "shared", "local"};
  static const char *const kinds[] = {"", "parallel ", "vectorized ", "unrolled "};
  static const char *const iters[] = {"spatial", "reduce", "opaque"};
  switch (s->kind) {
  case AST_S_LET:
  case AST_S_ALLOC:
    tir_str_printf(b, "%s %s:", s->kind == AST_S_LET ? "let" : "alloc", s->u.decl.name);
    dump_type(b, &s->u.decl.type);
    if (s->kind == AST_S_ALLOC) tir_str_printf(b, " in %s", scopes[s->u.decl.scope]);
    break;
  case AST_S_ASSIGN:
    if (s->u.assign.block_name) tir_str_printf(b, "block \"%s\": ", s->u.assign.block_name);
    tir_str_printf(b, "%s[", s->u.assign.target);
    dump_list(b, s->u.assign.idx, s->u.assign.n);
    tir_str_puts(b, "]=");
    dump_expr(b, s->u.assign.value);
    break;
  case AST_S_CALL:
    tir_str_puts(b, s->u.call.let ? "let " : "");
    for (int i = 0; i < s->u.call.n_outs; i++)
      tir_str_printf(b, "%s%s", i ? "," : "", s->u.call.outs[i]);
    tir_str_putc(b, '=');
    dump_expr(b, s->u.call.value);
    break;
  case AST_S_FOR:
    tir_str_printf(b, "%sfor ", kinds[s->u.loop.kind]);
    for (int i = 0; i < s->u.loop.n; i++)
      tir_str_printf(b, "%s%s", i ? "," : "", s->u.loop.vars[i].name);
    tir_str_puts(b, s->u.loop.grid ? " in grid(" : " in range(");
    for (int i = 0; i < s->u.loop.n; i++) {
      if (i) tir_str_putc(b, ',');
      if (s->u.loop.vars[i].lo) {
        dump_expr(b, s->u.loop.vars[i].lo);
        tir_str_putc(b, ',');
      }
      dump_expr(b, s->u.loop.vars[i].hi);
    }
    tir_str_putc(b, ')');
    if (s->u.loop.thread) tir_str_printf(b, " bind(%s)", s->u.loop.thread);
    tir_str_puts(b, " {");
    dump_stmts(b, &s->u.loop.body);
    tir_str_putc(b, '}');
    break;
  case AST_S_BLOCK:
    tir_str_printf(b, "block \"%s\"(", s->u.block.name);
    for (int i = 0; i < s->u.block.n; i++) {
      tir_str_printf(b, "%s%s %s=", i ? "," : "", iters[s->u.block.iters[i].kind],
                     s->u.block.iters[i].name);
      dump_expr(b, s->u.block.iters[i].binding);
    }
    tir_str_putc(b, ')');
    if (s->u.block.where) {
      tir_str_puts(b, " where ");
      dump_expr(b, s->u.block.where);
    }
    tir_str_puts(b, " {");
    if (s->u.block.has_init) {
      tir_str_puts(b, "init{");
      dump_stmts(b, &s->u.block.init);
      tir_str_puts(b, "} ");
    }
    dump_stmts(b, &s->u.block.body);
    tir_str_putc(b, '}');
    break;
  }
}

static void dump_stmts(tir_str *b, const ast_stmts *s) {
  for (int i = 0; i < s->n; i++) {
    if (i) tir_str_puts(b, "; ");
    dump_stmt(b, s->v[i]);
  }
}

static void dump_params(tir_str *b, const ast_param *p, int n) {
  for (int i = 0; i < n; i++) {
    tir_str_printf(b, "%s%s:", i ? "," : "", p[i].name);
    dump_type(b, &p[i].type);
  }
}

/* ---- expressions: `C[] = EXPR;` in a function, the value printed ---- */

typedef struct expr_case {
  const char *src, *want;
} expr_case;

static const expr_case expr_cases[] = {
  {"1 + 2 * 3", "(+ 1 (* 2 3))"},
  {"(1 + 2) * 3", "(* (+ 1 2) 3)"},
  {"a - b - c", "(- (- a b) c)"},
  {"a / b % c * d", "(* (% (/ a b) c) d)"},
  {"-a * b", "(* (neg a) b)"},
  {"-1", "(neg 1)"},
  {"- -x", "(neg (neg x))"},
  {"!a && b || c && !d", "(|| (&& (not a) b) (&& c (not d)))"},
  {"a + 1 < b * 2", "(< (+ a 1) (* b 2))"},
  {"a <= b && c >= d", "(&& (<= a b) (>= c d))"},
  {"a == b || c != d", "(|| (== a b) (!= c d))"},
  {"a > b", "(> a b)"},
  {"0x1F + 18446744073709551615", "(+ 31 18446744073709551615)"},
  {"1.5 + 2e3 + 2.5E+3 + 1e-3", "(+ (+ (+ 1.5f 2000f) 2500f) 0.001f)"},
  {"inf + nan", "(+ inff nanf)"},
  {"true || false", "(|| true false)"},
  {"A[i, j + 1]", "A[i,(+ j 1)]"},
  {"S[]", "S[]"},
  {"X[n, c, h*2 + r, w*2 + s]", "X[n,c,(+ (* h 2) r),(+ (* w 2) s)]"},
  {"sum[k](A[i, k] * B[k, j])", "sum[k]((* A[i,k] B[k,j]))"},
  {"max[k in 0..K](A[k])", "max[k in 0..K](A[k])"},
  {"sum[c, r, s](X[c, r, s])", "sum[c,r,s](X[c,r,s])"},
  {"min[r in 1..R - 1, s](X[r, s])", "min[r in 1..(- R 1),s](X[r,s])"},
  {"sqrt(sum[d](X[n, d] * X[n, d]))", "sqrt(sum[d]((* X[n,d] X[n,d])))"},
  {"select(h >= 1, X[h - 1], 0.0)", "select((>= h 1),X[(- h 1)],0f)"},
  {"f16(x) + bool(y)", "(+ (cast f16 x) (cast bool y))"},
  {"f32(i) * 2.0", "(* (cast f32 i) 2f)"},
  {"nn.relu(x)", "nn.relu(x)"},
  {"a.b.c", "a.b.c"},
  {"rand()", "rand()"},
  {"pow(a, b) - exp(-c)", "(- pow(a,b) exp((neg c)))"},
};

static void test_exprs(void) {
  for (size_t i = 0; i < sizeof expr_cases / sizeof expr_cases[0]; i++) {
    const expr_case *c = &expr_cases[i];
    tir_str src = {0};
    tir_str_printf(&src, "func f() -> (C: f32[]) { C[] = %s; }", c->src);
    parsed p = parse_text(tir_str_cstr(&src));
    tir_str got = {0};
    bool shaped = p.file->n_funcs == 1 && p.file->funcs[0]->body.n == 1 &&
                  p.file->funcs[0]->body.v[0]->kind == AST_S_ASSIGN;
    if (shaped) dump_expr(&got, p.file->funcs[0]->body.v[0]->u.assign.value);
    CHECK(shaped && strcmp(tir_str_cstr(&got), c->want) == 0 && p.errors == 0,
          "%s: got '%s', want '%s'; diagnostics:\n%s", c->src, tir_str_cstr(&got), c->want,
          p.diags);
    tir_str_free(&got);
    tir_str_free(&src);
    parsed_free(&p);
  }
}

/* ---- statements: a whole function body printed ---- */

typedef struct stmt_case {
  const char *body, *want;
} stmt_case;

static const stmt_case stmt_cases[] = {
  {"let T: f32[M, N];", "let T:f32[M,N]"},
  {"let S: f64[];", "let S:f64[]"},
  {"alloc T: f16[4, 2*N] in shared;", "alloc T:f16[4,(* 2 N)] in shared"},
  {"alloc T: i8[8] in local; alloc U: u8[8] in global;",
   "alloc T:i8[8] in local; alloc U:u8[8] in global"},
  {"C[i, j] = sum[k](A[i, k] * B[k, j]);", "C[i,j]=sum[k]((* A[i,k] B[k,j]))"},
  {"block \"mm\": C[i, j] = 0.0;", "block \"mm\": C[i,j]=0f"},
  {"S[] = 1;", "S[]=1"},
  /* the loop-nest form of docs/language.md §2 */
  {"for i, j, k in grid(M, N, K) {\n"
   "  block \"C\" (spatial vi = i, spatial vj = j, reduce vk = k) {\n"
   "    init { C[vi, vj] = 0.0; }\n"
   "    C[vi, vj] = C[vi, vj] + A[vi, vk] * B[vk, vj];\n"
   "  }\n"
   "}",
   "for i,j,k in grid(M,N,K) {block \"C\"(spatial vi=i,spatial vj=j,reduce vk=k) "
   "{init{C[vi,vj]=0f} C[vi,vj]=(+ C[vi,vj] (* A[vi,vk] B[vk,vj]))}}"},
  /* prefix sum */
  {"block \"first\" () { Y[0] = X[0]; }\n"
   "for i in range(1, N) { block \"scan\" (opaque vi = i) { Y[vi] = Y[vi - 1] + X[vi]; } }",
   "block \"first\"() {Y[0]=X[0]}; for i in range(1,N) {block \"scan\"(opaque vi=i) "
   "{Y[vi]=(+ Y[(- vi 1)] X[vi])}}"},
  {"for i in range(N) { }", "for i in range(N) {}"},
  {"for i in grid(N) { }", "for i in grid(N) {}"},
  {"parallel for io in grid(4) { vectorized for ii in range(0, 8) { } }",
   "parallel for io in grid(4) {vectorized for ii in range(0,8) {}}"},
  {"unrolled for i in range(4) { }", "unrolled for i in range(4) {}"},
  {"for bx in grid(N) bind(blockIdx.x) { for tx in range(32) bind(threadIdx.x) { } }",
   "for bx in grid(N) bind(blockIdx.x) {for tx in range(32) bind(threadIdx.x) {}}"},
  {"for i in grid(N) { block \"b\" (spatial v = i) where v < N - 1 { Y[v] = X[v]; } }",
   "for i in grid(N) {block \"b\"(spatial v=i) where (< v (- N 1)) {Y[v]=X[v]}}"},
  {"block \"e\" () { init { } }", "block \"e\"() {init{} }"},
};

static void test_stmts(void) {
  for (size_t i = 0; i < sizeof stmt_cases / sizeof stmt_cases[0]; i++) {
    const stmt_case *c = &stmt_cases[i];
    tir_str src = {0};
    tir_str_printf(&src, "func f(A: f32[N]) -> (C: f32[N]) {\n%s\n}\n", c->body);
    parsed p = parse_text(tir_str_cstr(&src));
    tir_str got = {0};
    if (p.file->n_funcs == 1) dump_stmts(&got, &p.file->funcs[0]->body);
    CHECK(p.errors == 0 && strcmp(tir_str_cstr(&got), c->want) == 0,
          "%s:\n got  '%s'\n want '%s'\ndiagnostics:\n%s", c->body, tir_str_cstr(&got),
          c->want, p.diags);
    tir_str_free(&got);
    tir_str_free(&src);
    parsed_free(&p);
  }
}

/* ---- files: signatures, imports, locations ---- */

static void test_file(void) {
  const char *src =
      "import \"nn\";\n"
      "// examples/matmul.tir\n"
      "func matmul(A: f32[M, K], B: f32[K, N]) -> (C: f32[M, N]) {\n"
      "  C[i, j] = sum[k](A[i, k] * B[k, j]);\n"
      "}\n"
      "/* a comment\n   over lines */ func g(X: bf16[N, C, 2*H, 2*W]) -> (Y: u64[], Z: bool[4]) {\n"
      "\tY[] = X[0, 0, 0, 0] + 1;\n"
      "}\n";
  parsed p = parse_text(src);
  CHECK(p.errors == 0, "diagnostics:\n%s", p.diags);
  CHECK(p.file->n_imports == 1 && strcmp(p.file->imports[0].path, "nn") == 0 &&
            p.file->imports[0].loc.line == 1 && p.file->imports[0].loc.col == 1,
        "import");
  CHECK(p.file->n_funcs == 2, "%d funcs", p.file->n_funcs);
  if (p.file->n_funcs != 2) {
    parsed_free(&p);
    return;
  }
  const ast_func *f = p.file->funcs[0];
  tir_str b = {0};
  dump_params(&b, f->ins, f->n_ins);
  tir_str_puts(&b, " -> ");
  dump_params(&b, f->outs, f->n_outs);
  CHECK(strcmp(f->name, "matmul") == 0 &&
            strcmp(tir_str_cstr(&b), "A:f32[M,K],B:f32[K,N] -> C:f32[M,N]") == 0,
        "signature %s", tir_str_cstr(&b));
  CHECK(f->loc.line == 3 && f->loc.col == 1 && f->loc.len == 4, "func loc %d:%d", f->loc.line,
        f->loc.col);
  CHECK(f->ins[1].loc.line == 3 && f->ins[1].loc.col == 27, "param B at %d:%d",
        f->ins[1].loc.line, f->ins[1].loc.col);
  CHECK(f->ins[1].type.loc.col == 30 && f->ins[1].type.loc.len == 3, "type loc col %d",
        f->ins[1].type.loc.col);
  CHECK(f->end_loc.line == 5 && f->end_loc.col == 1, "end loc %d:%d", f->end_loc.line,
        f->end_loc.col);
  const ast_stmt *s = f->body.v[0];
  CHECK(s->loc.line == 4 && s->loc.col == 3 && s->u.assign.target_loc.col == 3, "stmt loc");
  const ast_expr *red = s->u.assign.value;
  CHECK(red->kind == AST_E_REDUCE && red->loc.col == 13 && red->loc.len == 3 &&
            red->u.reduce.binders[0].loc.col == 17,
        "reduce loc %d", red->loc.col);
  const ast_expr *mul = red->u.reduce.body;
  CHECK(mul->kind == AST_E_BIN && mul->loc.line == 4 && mul->loc.col == 28 && mul->loc.len == 1,
        "binary op loc %d:%d", mul->loc.line, mul->loc.col);
  const ast_expr *acc = mul->u.bin.b;
  CHECK(acc->kind == AST_E_ACCESS && acc->u.access.name_loc.col == 30 &&
            acc->u.access.idx[1]->loc.col == 35,
        "access loc %d", acc->u.access.name_loc.col);

  const ast_func *g = p.file->funcs[1];
  CHECK(g->loc.line == 7 && g->loc.col == 18, "g at %d:%d", g->loc.line, g->loc.col);
  tir_str_free(&b);
  dump_params(&b, g->ins, g->n_ins);
  tir_str_puts(&b, " -> ");
  dump_params(&b, g->outs, g->n_outs);
  CHECK(strcmp(tir_str_cstr(&b), "X:bf16[N,C,(* 2 H),(* 2 W)] -> Y:u64[],Z:bool[4]") == 0,
        "signature %s", tir_str_cstr(&b));
  const ast_stmt *t = g->body.v[0];
  CHECK(t->loc.line == 8 && t->loc.col == 2, "tab column %d", t->loc.col);
  CHECK(t->u.assign.value->loc.col == 22, "'+' col %d", t->u.assign.value->loc.col);
  tir_str_free(&b);
  parsed_free(&p);

  p = parse_text("");
  CHECK(p.errors == 0 && p.file->n_funcs == 0 && p.file->n_imports == 0, "empty file");
  parsed_free(&p);
  p = parse_text("func f() -> (C: f32[]) { C[] = nn.relu(x); }");
  const ast_expr *call = p.file->n_funcs ? p.file->funcs[0]->body.v[0]->u.assign.value : NULL;
  CHECK(call && call->kind == AST_E_CALL && call->loc.col == 32 && call->loc.len == 7,
        "dotted call loc");
  parsed_free(&p);
  /* calls of functions as statements: into new locals (let) or existing tensors */
  p = parse_text("func f(x: f32[N]) -> (y: f32[N]) {\n  let h, g = nn.split(x);\n"
                 "  y = nn.add(nn.relu(h), g);\n}");
  CHECK(p.errors == 0 && p.file->n_funcs == 1 && p.file->funcs[0]->body.n == 2, "call stmts:\n%s",
        p.diags);
  if (p.errors == 0 && p.file->n_funcs == 1 && p.file->funcs[0]->body.n == 2) {
    dump_stmt(&b, p.file->funcs[0]->body.v[0]);
    tir_str_putc(&b, ';');
    dump_stmt(&b, p.file->funcs[0]->body.v[1]);
    CHECK(strcmp(tir_str_cstr(&b), "let h,g=nn.split(x);y=nn.add(nn.relu(h),g)") == 0, "dump %s",
          tir_str_cstr(&b));
    const ast_stmt *cs = p.file->funcs[0]->body.v[1];
    CHECK(cs->kind == AST_S_CALL && !cs->u.call.let && cs->loc.line == 3 && cs->loc.col == 3 &&
              cs->u.call.out_locs[0].col == 3 && p.file->funcs[0]->body.v[0]->u.call.out_locs[1].col == 10,
          "call stmt locs");
    tir_str_free(&b);
  }
  parsed_free(&p);
}

/* ---- errors: the exact first line, and how many errors ---- */

typedef struct error_case {
  const char *src;
  size_t len;       /* of src, which may hold NUL bytes */
  const char *want; /* the first diagnostic line, NULL for none */
  int errors;       /* expected error count */
} error_case;

#define E(src, want, errors) {src, sizeof(src) - 1, want, errors}

#define F(body) "func f(A: f32[N]) -> (C: f32[N]) {\n" body "\n}\n"

static const error_case error_cases[] = {
  E(F("  C[i] = A[i]\n  C[i] = 1;"), "t.tir:3:3: error: unexpected identifier, expected ';'", 1),
  E(F("  C[i] = A[i] +;"), "t.tir:2:16: error: unexpected ';', expected expression", 1),
  E(F("  C[i] = ;"), "t.tir:2:10: error: unexpected ';', expected expression", 1),
  E(F("  C[i] = f(a b);"), "t.tir:2:14: error: unexpected identifier, expected ',' or ')'", 1),
  E(F("  C[i] = a < b < c;"), "t.tir:2:16: error: unexpected '<', expected ';'", 1),
  E(F("  C[i] = A[i] @ 2;"), "t.tir:2:15: error: invalid character '@'", 1),
  E(F("  C[i] = 1;\x01"), "t.tir:2:12: error: invalid byte 0x01", 1),
  E(F("  C[i] = 1; \xc3\xa9"), "t.tir:2:13: error: invalid byte 0xc3", 1),
  E("func f() -> (C: f32[N]) { C[i] = 1; }\n\0\n", "t.tir:2:1: error: invalid byte 0x00", 1),
  E(F("  C[i] = 99999999999999999999;"), "t.tir:2:10: error: integer literal is too large", 1),
  E(F("  C[i] = 0x10000000000000000;"), "t.tir:2:10: error: integer literal is too large", 1),
  E(F("  C[i] = 1e400;"), "t.tir:2:10: error: float literal is too large", 1),
  E(F("  C[i] = 1; /* never closed"), "t.tir:2:13: error: unterminated comment", 1),
  E("import \"nn;\nfunc f() -> (C: f32[]) { C[] = 1; }",
   "t.tir:1:8: error: unterminated string", 1),
  E("import \"n\\n\";", "t.tir:1:10: error: invalid character in string", 1),
  E(F("  C[i] = 1;"), NULL, 0),
  E("func f(A: f32[N]) -> (C: f32[N]) {\n  C[i] = A[i];\n",
   "t.tir:2:14: error: unexpected end of file, expected statement or '}'", 1),
  E("func f(A: f32[N]) -> (C: f32[N]) {\n  C[i] = (A[i] + 1", "t.tir:2:18: error: unexpected "
   "end of file, expected ')'", 1),
  E("func f(A: f32[N]) -> (C: f32[N]) {\n  C[i] = 1;\n}\n}",
   "t.tir:4:1: error: unexpected '}', expected 'func', 'import' or 'schedule'", 1),
  E("func f(A: f32[N]) -> C: f32[N] { C[i] = 1; }",
   "t.tir:1:22: error: unexpected identifier, expected '('", 1),
  E("func f(A: f32[N]) -> () { }", "t.tir:1:23: error: unexpected ')', expected identifier", 1),
  E("func f(A: f32) -> (C: f32[N]) { }", "t.tir:1:14: error: unexpected ')', expected '['", 1),
  E("func f(A: x[N]) -> (C: f32[N]) { }", "t.tir:1:11: error: unexpected identifier, "
   "expected dtype", 1),
  E(F("  for i, j in range(N) { }"), "t.tir:2:15: error: unexpected 'range', expected 'grid'", 1),
  E(F("  for i, j in grid(N) { }"), "t.tir:2:15: error: grid has 1 extent for 2 loop variables", 1),
  E(F("  for i in grid(N) bind(x) { }"), "t.tir:2:26: error: unexpected ')', expected '.'", 1),
  E(F("  block \"b\" () { C[0] = 1; init { } }"),
    "t.tir:2:28: error: unexpected 'init', expected statement or '}'", 1),
  E(F("  block \"b\" (vi = 1) { }"), "t.tir:2:14: error: unexpected identifier, expected "
   "')', 'spatial', 'reduce' or 'opaque'", 1),
  E(F("  C[i] = sum[i + 1](A[i]);"), "t.tir:2:16: error: a reducer's index must be a name, as in "
   "sum[k](...)", 1),
  E(F("  C[i] = A[k in 0..N];"), "t.tir:2:14: error: index range 'k in ...' is only allowed in "
   "a reducer", 1),
  E(F("  C[i] = sum[](A[i]);"), "t.tir:2:15: error: unexpected '(', expected ';'", 1),
  E(F("  let T: f32[N]"), "t.tir:3:1: error: unexpected '}', expected ';'", 1),
  E("func f(A: f32[N]) -> (C: f32[N]) { schedule }",
   "t.tir:1:36: error: unexpected 'schedule', expected statement or '}'", 1),
  E("C[i] = 1;", "t.tir:1:1: error: unexpected identifier, expected 'func', 'import' or "
   "'schedule'", 1),
  E(F("  C[i] = \"x\";"), "t.tir:2:10: error: unexpected string, expected expression", 1),
  /* schedules */
  E("schedule f { io, ii = split(i, 32; }",
    "t.tir:1:34: error: unexpected ';', expected ',' or ')'", 1),
  E("schedule f {\n  vectorize(ji)\n  parallel(io);\n}",
    "t.tir:3:3: error: unexpected 'parallel', expected ';'", 1),
  E("schedule f { vectorize(ji) }", "t.tir:1:28: error: unexpected '}', expected ';'", 1),
  E("schedule f { vectorize; }", "t.tir:1:23: error: unexpected ';', expected '('", 1),
  E("schedule f { C = block; }", "t.tir:1:23: error: unexpected ';', expected '('", 1),
  E("schedule f { split(i, ); }", "t.tir:1:23: error: unexpected ')', expected argument", 1),
  E("schedule f { 3; }",
    "t.tir:1:14: error: unexpected integer literal, expected schedule statement or '}'", 1),
  E("schedule f { for i in grid(4) { } }",
    "t.tir:1:14: error: unexpected 'for', expected schedule statement or '}'", 1),
  E("schedule { vectorize(i); }", "t.tir:1:10: error: unexpected '{', expected identifier", 1),
  E("schedule f avx2 { }", "t.tir:1:12: error: unexpected identifier, expected '{' or 'for'", 1),
  E("schedule f for { }", "t.tir:1:16: error: unexpected '{', expected identifier", 1),
  E("schedule f for x86- { }",
    "t.tir:1:21: error: unexpected '{', expected identifier or integer literal", 1),
  E("schedule f for avx2 ( }", "t.tir:1:21: error: unexpected '(', expected '{'", 1),
  E("schedule f { vectorize(i);", "t.tir:1:26: error: unexpected end of file, expected schedule "
    "statement or '}'", 1),
  E("schedule f { C = block(\"C\", \"D); }", "t.tir:1:29: error: unterminated string", 1),
  E("schedule f {\n  split(i 4);\n  vectorize(;\n  parallel(io)\n}\n"
    "func g() -> (C: f32[]) { C[] = 1; }\nschedule 3 { }",
    "t.tir:2:11: error: unexpected integer literal, expected ',' or ')'", 4),
  /* several errors in one file are all reported */
  E(F("  C[i] = ;\n  C[i] = 1 1;\n  for i in grid(N { C[i] = 2 }\n  let T f32[N];"),
   "t.tir:2:10: error: unexpected ';', expected expression", 5),
  E("func f( { C[i] = ; }\nfunc g() -> (C: f32[]) { C[] = ); }",
   "t.tir:1:9: error: unexpected '{', expected ')' or identifier", 3),
};

/* The first line of "diags", or "" when there is none. */
static char *first_line(const char *diags) {
  size_t n = strcspn(diags, "\n");
  char *s = malloc(n + 1);
  memcpy(s, diags, n);
  s[n] = 0;
  return s;
}

static void test_errors(void) {
  for (size_t i = 0; i < sizeof error_cases / sizeof error_cases[0]; i++) {
    const error_case *c = &error_cases[i];
    parsed p = parse_bytes(c->src, c->len);
    char *got = first_line(p.diags);
    CHECK(strcmp(got, c->want ? c->want : "") == 0, "%s:\n got  '%s'\n want '%s'\nall:\n%s",
          c->src, got, c->want ? c->want : "", p.diags);
    CHECK(p.errors == c->errors, "%s: %d errors, want %d:\n%s", c->src, p.errors, c->errors,
          p.diags);
    free(got);
    parsed_free(&p);
  }
}

/* Recovery: a function with an error is left out, the others stay; at most
 * DIAG_MAX_ERRORS errors are produced before the parse stops. */
static void test_recovery(void) {
  parsed p = parse_text("func f() -> (C: f32[]) { C[] = ; }\n"
                        "func g() -> (C: f32[]) { C[] = 1; }\n"
                        "func h() -> (C: f32[]) { C[] = 1 }\n");
  CHECK(p.errors == 2 && p.file->n_funcs == 1 && strcmp(p.file->funcs[0]->name, "g") == 0,
        "%d errors, %d funcs:\n%s", p.errors, p.file->n_funcs, p.diags);
  parsed_free(&p);

  /* and so is a schedule with an error */
  p = parse_text("schedule f { vectorize(i) }\n"
                 "func g() -> (C: f32[]) { C[] = 1; }\n"
                 "schedule g { unroll(i); }\n"
                 "schedule { }\n"
                 "schedule h { split(; unroll(i); }\n");
  CHECK(p.errors == 3 && p.file->n_funcs == 1 && p.file->n_scheds == 1 &&
            strcmp(p.file->scheds[0]->func, "g") == 0,
        "%d errors, %d schedules:\n%s", p.errors, p.file->n_scheds, p.diags);
  parsed_free(&p);

  tir_str src = {0};
  tir_str_puts(&src, "func f(A: f32[N]) -> (C: f32[N]) {\n");
  for (int i = 0; i < 100; i++) tir_str_puts(&src, "  C[i] = ;\n");
  tir_str_puts(&src, "}\n");
  p = parse_text(tir_str_cstr(&src));
  CHECK(p.errors == DIAG_MAX_ERRORS, "%d errors", p.errors);
  parsed_free(&p);
  tir_str_free(&src);
}

/* End of file inside a bracket: the error points at the last token, a note at the opener. */
static void test_eof_note(void) {
  parsed p = parse_text("func f(A: f32[N]) -> (C: f32[N]) {\n  for i in grid(N) {\n    C[i] = 1;");
  const char *want =
      "t.tir:3:13: error: unexpected end of file, expected statement or '}'\n"
      "    3 |     C[i] = 1;\n"
      "      |             ^\n"
      "t.tir:2:20: note: to match this '{'\n"
      "    2 |   for i in grid(N) {\n"
      "      |                    ^\n";
  CHECK(strcmp(p.diags, want) == 0, "got:\n%s", p.diags);
  parsed_free(&p);
}

/* 20,000 nested parentheses: one error, quickly, at the 257th. */
static void test_deep_nesting(void) {
  int n = 20000;
  tir_str src = {0};
  tir_str_puts(&src, "func f() -> (C: f32[]) { C[] = ");
  for (int i = 0; i < n; i++) tir_str_putc(&src, '(');
  tir_str_putc(&src, '1');
  for (int i = 0; i < n; i++) tir_str_putc(&src, ')');
  tir_str_puts(&src, "; }\n");
  clock_t t0 = clock();
  parsed p = parse_text(tir_str_cstr(&src));
  double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
  char *got = first_line(p.diags);
  /* '{' at column 24 is level 1, so the 256th '(' is level 257 */
  CHECK(p.errors == 1 && strcmp(got, "t.tir:1:287: error: nesting is too deep (more than 256 "
                                     "levels)") == 0,
        "%d errors: %s", p.errors, p.diags);
  CHECK(secs < 1.0, "took %.2f s", secs);
  free(got);
  parsed_free(&p);

  /* brackets of every kind count alike; unary operators and long chains hit the tree limit */
  tir_str_free(&src);
  tir_str_puts(&src, "func f() -> (C: f32[]) { C[] = ");
  for (int i = 0; i < 5000; i++) tir_str_puts(&src, "-");
  tir_str_puts(&src, "1; }\n");
  p = parse_text(tir_str_cstr(&src));
  CHECK(p.errors == 1 && strstr(p.diags, "nested too deeply"), "unary chain: %s", p.diags);
  parsed_free(&p);
  tir_str_free(&src);
  tir_str_puts(&src, "func f() -> (C: f32[]) { C[] = ");
  for (int i = 0; i < 30000; i++) tir_str_puts(&src, "!");
  tir_str_puts(&src, "1; }\n");
  p = parse_text(tir_str_cstr(&src));
  CHECK(p.errors == 1 && strstr(p.diags, "nested too deeply"), "30000 '!': %s", p.diags);
  parsed_free(&p);
  tir_str_free(&src);
  tir_str_puts(&src, "func f() -> (C: f32[]) { C[] = 1");
  for (int i = 0; i < 3000; i++) tir_str_puts(&src, " + 1");
  tir_str_puts(&src, "; }\n");
  p = parse_text(tir_str_cstr(&src));
  CHECK(p.errors == 1 && strstr(p.diags, "nested too deeply"), "long sum: %s", p.diags);
  parsed_free(&p);
  tir_str_free(&src);
  for (int i = 0; i < 300; i++) tir_str_puts(&src, "[{(");
  p = parse_text(tir_str_cstr(&src));
  CHECK(p.errors == 2 && strstr(p.diags, "nesting is too deep"), "mixed: %s", p.diags);
  parsed_free(&p);
  tir_str_free(&src);
}

/* Binary garbage: errors (at most the limit printed), no crash, and the parse stops. */
static void test_garbage(void) {
  unsigned char buf[4096];
  unsigned x = 12345;
  for (size_t i = 0; i < sizeof buf; i++) {
    x = x * 1103515245u + 12345u;
    buf[i] = (unsigned char)(x >> 16);
  }
  buf[0] = 0xff;
  parsed p = parse_bytes((const char *)buf, sizeof buf);
  char *got = first_line(p.diags);
  CHECK(strcmp(got, "t.tir:1:1: error: invalid byte 0xff") == 0, "got '%s'", got);
  CHECK(p.errors >= 1 && p.errors <= DIAG_MAX_ERRORS + 1 && p.file->n_funcs == 0, "%d errors",
        p.errors);
  free(got);
  parsed_free(&p);

  /* every prefix of a valid file parses or fails cleanly */
  const char *src = F("  for i in grid(N) { block \"C\" (spatial v = i) { C[v] = A[v] * 2.0; } }");
  for (size_t n = 0; n <= strlen(src); n++) {
    parsed q = parse_bytes(src, n);
    CHECK(q.errors <= 1 || n == strlen(src), "prefix %zu: %d errors:\n%s", n, q.errors, q.diags);
    parsed_free(&q);
  }
}

/* ---- schedules (docs/language.md §3) ---- */

static void dump_sstmt(tir_str *b, const ast_sstmt *st) {
  for (int i = 0; i < st->n_lhs; i++) tir_str_printf(b, "%s%s", i ? "," : "", st->lhs[i]);
  if (st->n_lhs) tir_str_putc(b, '=');
  tir_str_printf(b, "%s(", st->prim);
  dump_list(b, st->args, st->n_args);
  tir_str_putc(b, ')');
}

static void dump_schedule(tir_str *b, const ast_schedule *s) {
  tir_str_printf(b, "schedule %s", s->func);
  if (s->target) tir_str_printf(b, " for %s", s->target);
  tir_str_puts(b, " {");
  for (int i = 0; i < s->n; i++) {
    if (i) tir_str_puts(b, "; ");
    dump_sstmt(b, &s->stmts[i]);
  }
  tir_str_putc(b, '}');
}

/* Every schedule of "f", one per line. */
static void dump_schedules(tir_str *b, const ast_file *f) {
  for (int i = 0; i < f->n_scheds; i++) {
    if (i) tir_str_putc(b, '\n');
    dump_schedule(b, f->scheds[i]);
  }
}

typedef struct sched_case {
  const char *src, *want; /* a whole file; its schedules printed */
} sched_case;

static const sched_case sched_cases[] = {
  /* the example of docs/language.md §3 */
  {"schedule matmul for avx512 {\n"
   "  C = block(\"C\");\n"
   "  i, j, k = loops(C);\n"
   "  io, ii = split(i, 32);          // inner factor; non-dividing factors add a `where`\n"
   "  jo, ji = split(j, 64);\n"
   "  reorder(io, jo, k, ii, ji);\n"
   "  vectorize(ji);\n"
   "  parallel(io);\n"
   "}\n",
   "schedule matmul for avx512 {C=block(\"C\"); i,j,k=loops(C); io,ii=split(i,32); "
   "jo,ji=split(j,64); reorder(io,jo,k,ii,ji); vectorize(ji); parallel(io)}"},
  {"schedule f { }", "schedule f {}"},
  {"schedule f for x86-64 { unroll(i); }", "schedule f for x86-64 {unroll(i)}"},
  {"schedule f for x86-64-v3 { }", "schedule f for x86-64-v3 {}"},
  {"schedule f for x86 - 64 { }", "schedule f for x86-64 {}"},
  {"schedule f for cuda { bx, tx = split(i, 256); bind(bx, blockIdx.x); bind(tx, threadIdx.x); }",
   "schedule f for cuda {bx,tx=split(i,256); bind(bx,blockIdx.x); bind(tx,threadIdx.x)}"},
  /* every argument form */
  {"schedule f { annotate(1, 0x10, i, \"C\", global, shared, local, threadIdx.x, -1, 2 * 4, "
   "g(i)); }",
   "schedule f {annotate(1,16,i,\"C\",global,shared,local,threadIdx.x,(neg 1),(* 2 4),g(i))}"},
  {"schedule f { C_l = cache_write(C, 0, \"local\"); set_scope(C_l, 0, shared); }",
   "schedule f {C_l=cache_write(C,0,\"local\"); set_scope(C_l,0,shared)}"},
  {"schedule f { storage_align(C, 0, -2, 8, 1); get_loops(); }",
   "schedule f {storage_align(C,0,(neg 2),8,1); get_loops()}"},
  /* primitives named by reserved words; several names on the left */
  {"schedule f { C = block(\"C\"); parallel(io); bind(i, blockIdx.x);\n"
   "  xo, yo, xi, yi = tile(x, y, 8, 8); }",
   "schedule f {C=block(\"C\"); parallel(io); bind(i,blockIdx.x); xo,yo,xi,yi=tile(x,y,8,8)}"},
  /* a file of schedules only (what --schedule reads), and schedules among functions */
  {"// schedules only\nschedule f { vectorize(i); }\nschedule f for avx2 { }\n"
   "schedule g for host { compute_inline(T); }\n",
   "schedule f {vectorize(i)}\nschedule f for avx2 {}\nschedule g for host {compute_inline(T)}"},
  {"func f() -> (C: f32[4]) { C[i] = 1.0; }\nschedule f { unroll(i); }\n"
   "func g() -> (C: f32[4]) { C[i] = 2.0; }\nschedule g { }\n",
   "schedule f {unroll(i)}\nschedule g {}"},
};

static void test_schedules(void) {
  for (size_t i = 0; i < sizeof sched_cases / sizeof sched_cases[0]; i++) {
    const sched_case *c = &sched_cases[i];
    parsed p = parse_text(c->src);
    tir_str got = {0};
    dump_schedules(&got, p.file);
    CHECK(p.errors == 0 && strcmp(tir_str_cstr(&got), c->want) == 0,
          "%s:\n got  '%s'\n want '%s'\ndiagnostics:\n%s", c->src, tir_str_cstr(&got), c->want,
          p.diags);
    tir_str_free(&got);
    parsed_free(&p);
  }

  /* functions and schedules are kept apart, each in file order */
  parsed p = parse_text(sched_cases[sizeof sched_cases / sizeof sched_cases[0] - 1].src);
  CHECK(p.file->n_funcs == 2 && p.file->n_scheds == 2 && strcmp(p.file->funcs[1]->name, "g") == 0,
        "%d funcs, %d schedules", p.file->n_funcs, p.file->n_scheds);
  parsed_free(&p);
  p = parse_text(sched_cases[sizeof sched_cases / sizeof sched_cases[0] - 2].src);
  CHECK(p.file->n_funcs == 0 && p.file->n_scheds == 3, "schedules only: %d funcs, %d schedules",
        p.file->n_funcs, p.file->n_scheds);
  parsed_free(&p);
}

/* Locations: a schedule's, its function's and target's; a statement's first token, its
 * names and its primitive; arguments. */
static void test_schedule_locs(void) {
  parsed p = parse_text("func f() -> (C: f32[4]) { C[i] = 1.0; }\n"
                        "schedule f for x86-64 {\n"
                        "  io, ii = split(i, 4);\n"
                        "\tparallel(io);  bind(ii, threadIdx.x);\n"
                        "}\n"
                        "schedule f { C = block(\"C\"); }\n");
  CHECK(p.errors == 0 && p.file->n_scheds == 2, "diagnostics:\n%s", p.diags);
  if (p.errors || p.file->n_scheds != 2) {
    parsed_free(&p);
    return;
  }
  const ast_schedule *s = p.file->scheds[0];
  CHECK(s->loc.line == 2 && s->loc.col == 1 && s->loc.len == 8, "schedule at %d:%d+%d",
        s->loc.line, s->loc.col, s->loc.len);
  CHECK(s->func_loc.line == 2 && s->func_loc.col == 10 && s->func_loc.len == 1, "func at %d:%d",
        s->func_loc.line, s->func_loc.col);
  CHECK(s->target_loc.line == 2 && s->target_loc.col == 16 && s->target_loc.len == 6,
        "target at %d:%d+%d", s->target_loc.line, s->target_loc.col, s->target_loc.len);
  CHECK(s->n == 3, "%d statements", s->n);
  if (s->n == 3) {
    const ast_sstmt *a = &s->stmts[0], *b = &s->stmts[1], *c = &s->stmts[2];
    CHECK(a->loc.line == 3 && a->loc.col == 3 && a->n_lhs == 2 && a->lhs_locs[0].col == 3 &&
              a->lhs_locs[1].col == 7 && a->lhs_locs[1].len == 2,
          "split's names at %d:%d", a->loc.line, a->loc.col);
    CHECK(a->prim_loc.line == 3 && a->prim_loc.col == 12 && a->prim_loc.len == 5,
          "split at %d:%d+%d", a->prim_loc.line, a->prim_loc.col, a->prim_loc.len);
    CHECK(a->n_args == 2 && a->args[0]->loc.col == 18 && a->args[1]->kind == AST_E_INT &&
              a->args[1]->loc.col == 21,
          "split's arguments");
    CHECK(b->loc.line == 4 && b->loc.col == 2 && b->prim_loc.col == 2 && b->prim_loc.len == 8 &&
              b->n_lhs == 0 && !b->lhs && strcmp(b->prim, "parallel") == 0,
          "parallel at %d:%d+%d", b->loc.line, b->loc.col, b->prim_loc.len);
    CHECK(c->loc.col == 17 && c->prim_loc.len == 4 && c->n_args == 2 &&
              c->args[1]->kind == AST_E_NAME && strcmp(c->args[1]->u.name, "threadIdx.x") == 0 &&
              c->args[1]->loc.col == 26 && c->args[1]->loc.len == 11,
          "bind's thread at col %d+%d", c->args[1]->loc.col, c->args[1]->loc.len);
  }
  s = p.file->scheds[1];
  CHECK(!s->target && s->target_loc.line == tir_loc_none.line && s->n == 1, "untargeted");
  if (s->n == 1) {
    const ast_sstmt *a = &s->stmts[0];
    CHECK(a->loc.line == 6 && a->loc.col == 14 && a->prim_loc.col == 18 &&
              strcmp(a->prim, "block") == 0 && a->args[0]->kind == AST_E_STRING &&
              strcmp(a->args[0]->u.str, "C") == 0 && a->args[0]->loc.col == 24 &&
              a->args[0]->loc.len == 3,
          "block at %d:%d", a->loc.line, a->loc.col);
  }
  parsed_free(&p);
}

/* One parse_schedule_stmt of "src" as "t.tir"; the statement printed into "got" (empty for
 * NULL), the diagnostics into "diags" (malloc'd). */
static ast_sstmt *parse_stmt_text(const char *src, tir_str *got, char **diags, int *errors) {
  size_t dlen = 0;
  FILE *out = open_memstream(diags, &dlen);
  diag_engine *d = diag_engine_make(out);
  int file = diag_file_add(d, "t.tir", src, strlen(src));
  tir_arena *a = tir_arena_make();
  ast_sstmt *st = parse_schedule_stmt(d, file, a);
  if (st) dump_sstmt(got, st);
  *errors = diag_error_count(d);
  tir_arena_free(a);
  diag_engine_free(d);
  fclose(out);
  return st;
}

typedef struct line_case {
  const char *src;
  const char *want; /* the statement printed, or the first diagnostic line when it fails */
  int errors;
} line_case;

static const line_case line_cases[] = {
  {"io, ii = split(i, 32);", "io,ii=split(i,32)", 0},
  {"io, ii = split(i, 32)", "io,ii=split(i,32)", 0},
  {"  vectorize(ji) ;  // comment\n", "vectorize(ji)", 0},
  {"parallel(io)", "parallel(io)", 0},
  {"bind(i, blockIdx.x);", "bind(i,blockIdx.x)", 0},
  {"C = block(\"C\")", "C=block(\"C\")", 0},
  {"set_scope(C, 0, shared)", "set_scope(C,0,shared)", 0},
  {"fuse()", "fuse()", 0},
  {"split(i, 4); vectorize(j);", "t.tir:1:14: error: unexpected identifier, expected end of file",
   1},
  {"split(i, 4) vectorize(j)", "t.tir:1:13: error: unexpected identifier, expected ';'", 1},
  {"split(i, 4);;", "t.tir:1:13: error: unexpected ';', expected end of file", 1},
  {"vectorize", "t.tir:1:9: error: unexpected end of file, expected '('", 1},
  {"vectorize;", "t.tir:1:10: error: unexpected ';', expected '('", 1},
  {"split(i, 4", "t.tir:1:10: error: unexpected end of file, expected ',' or ')'", 1},
  {"split(i, )", "t.tir:1:10: error: unexpected ')', expected argument", 1},
  {"split(i 4)", "t.tir:1:9: error: unexpected integer literal, expected ',' or ')'", 1},
  {"io ii = split(i, 4)", "t.tir:1:4: error: unexpected identifier, expected '('", 1},
  {"io, = split(i, 4)", "t.tir:1:5: error: unexpected '=', expected identifier", 1},
  {"", "t.tir:1:1: error: unexpected end of file, expected schedule statement", 1},
  {"for i in grid(4) { }", "t.tir:1:1: error: unexpected 'for', expected schedule statement", 1},
  {"split(i, @)", "t.tir:1:10: error: invalid character '@'", 1},
  {"block(\"C)", "t.tir:1:7: error: unterminated string", 1},
};

static void test_schedule_stmt(void) {
  for (size_t i = 0; i < sizeof line_cases / sizeof line_cases[0]; i++) {
    const line_case *c = &line_cases[i];
    tir_str got = {0};
    char *diags = NULL;
    int errors = 0;
    ast_sstmt *st = parse_stmt_text(c->src, &got, &diags, &errors);
    char *first = first_line(diags);
    const char *have = c->errors ? first : tir_str_cstr(&got);
    CHECK(strcmp(have, c->want) == 0 && errors == c->errors && !st == (c->errors > 0),
          "'%s':\n got  '%s' (%d errors)\n want '%s'\nall:\n%s", c->src, have, errors, c->want,
          diags);
    free(first);
    free(diags);
    tir_str_free(&got);
  }

  /* the statement's locations */
  char *diags = NULL;
  size_t dlen = 0;
  FILE *out = open_memstream(&diags, &dlen);
  diag_engine *d = diag_engine_make(out);
  int file = diag_file_add(d, "<repl>", " a, b = fuse(x, y);", 19);
  tir_arena *a = tir_arena_make();
  ast_sstmt *st = parse_schedule_stmt(d, file, a);
  CHECK(st && st->loc.col == 2 && st->lhs_locs[1].col == 5 && st->prim_loc.col == 9 &&
            st->prim_loc.len == 4 && st->args[1]->loc.col == 17 && st->loc.file == file,
        "statement locations");
  tir_arena_free(a);
  diag_engine_free(d);
  fclose(out);
  free(diags);
}

int main(void) {
  test_exprs();
  test_stmts();
  test_file();
  test_errors();
  test_recovery();
  test_eof_note();
  test_deep_nesting();
  test_garbage();
  test_schedules();
  test_schedule_locs();
  test_schedule_stmt();
  return check_report("test_parser");
}
