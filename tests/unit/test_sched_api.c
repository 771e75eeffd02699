/* test_sched_api.c - the typed schedule API (schedule/sched.h) used as a program uses it: the
 * queries (blocks, loops, iterators, accesses, producers and consumers, parallel loops), the
 * primitives over handles with fresh names and no names given, refusals that change nothing
 * and name the argument at fault, undo, and the trace: printed with the bindings a script
 * needs, and replayed through the schedule language to the same IR. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ir/print.h"
#include "lang/lang.h"
#include "schedule/script.h"

static const char *const src =
    "func f(A: f32[N, M], W: f32[M, K]) -> (B: f32[N, M], C: f32[N, K]) {\n"
    "  let S: f32[N, M];\n"
    "  S[i, j] = A[i, j] * 2.0;\n"
    "  B[i, j] = S[i, j] + 1.0;\n"
    "  C[i, k] = sum[j](A[i, j] * W[j, k]);\n"
    "}\n";

static ir_module *compile(diag_engine *d) {
  return lang_compile_source(d, "api.tir", src, strlen(src));
}

static void print_func(ir_func *f, tir_str *out) {
  ir_module m = {&f, 1};
  ir_module_print(&m, out);
}

/* The trace of "s" replayed by the schedule language on a fresh compile gives f's IR. */
static void check_replay(sched_state *s, ir_func *f) {
  tir_str trace = {0}, want = {0}, got = {0};
  sched_trace_print(s, NULL, &trace);
  print_func(f, &want);
  diag_engine *d = diag_engine_make(stderr);
  ir_module *m = compile(d);
  lang_unit *u = lang_compile_unit(d, "trace.tir", tir_str_cstr(&trace), trace.n);
  int errs = m && u ? sched_apply_file(m, u->ast, (const char *const[]){"host", NULL}, d, NULL,
                                       NULL, NULL, NULL)
                    : -1;
  CHECK(errs == 0, "the trace does not replay:\n%s", tir_str_cstr(&trace));
  if (errs == 0) {
    print_func(ir_module_find(m, "f"), &got);
    CHECK(strcmp(tir_str_cstr(&want), tir_str_cstr(&got)) == 0, "replay differs:\n%s\n%s",
          tir_str_cstr(&trace), tir_str_cstr(&got));
  }
  ir_module_free(m);
  lang_unit_free(u);
  diag_engine_free(d);
  tir_str_free(&trace);
  tir_str_free(&want);
  tir_str_free(&got);
}

static void test_queries(sched_state *s) {
  sched_block bl[16];
  int nb = sched_blocks(s, bl, 16);
  CHECK(nb == 3 && strcmp(bl[0].name, "S") == 0 && strcmp(bl[1].name, "B") == 0 &&
            strcmp(bl[2].name, "C") == 0,
        "blocks: %d", nb);
  sched_block c;
  CHECK(sched_find(s, "C", &c) && !sched_find(s, "nope", &c), "find");
  sched_loop l[8];
  int nl = sched_loops(s, c, l, 8);
  CHECK(nl == 3, "C has %d loops", nl);
  if (nl != 3) return;
  CHECK(strcmp(l[0].var->name, "i") == 0 && strcmp(l[2].var->name, "j") == 0, "loop names");
  sched_loop_info li;
  CHECK(sched_loop_get_info(s, l[2], &li) && li.innermost && li.depth == 2 && !li.constant &&
            li.kind == IR_LOOP_SERIAL,
        "info of j: depth %d", li.depth);
  sched_block_info bi;
  CHECK(sched_block_get_info(s, c, &bi) && bi.n_spatial == 2 && bi.n_reduce == 1 && bi.has_init &&
            bi.n_loops == 3 && !bi.nested,
        "info of C");
  sched_access acc[16];
  int na = sched_block_accesses(s, c, acc, 16), reads = 0, writes = 0;
  for (int i = 0; i < na && i < 16; i++) {
    if (acc[i].write) writes++;
    else reads++;
  }
  /* init C = 0, then C = C + A * W */
  CHECK(na == 5 && writes == 2 && reads == 3, "C's accesses: %d (%d writes)", na, writes);
  CHECK(sched_loop_is_parallel(s, l[0]) == 1 && sched_loop_is_parallel(s, l[1]) == 1 &&
            sched_loop_is_parallel(s, l[2]) == 0,
        "parallel loops of C");
  sched_block b, sb, out[8];
  sched_find(s, "B", &b);
  sched_find(s, "S", &sb);
  int np = sched_producers(s, b, out, 8);
  CHECK(np == 1 && strcmp(out[0].name, "S") == 0, "producers of B: %d", np);
  int ncons = sched_consumers(s, sb, out, 8);
  CHECK(ncons == 1 && strcmp(out[0].name, "B") == 0, "consumers of S: %d", ncons);
  ncons = sched_consumers(s, c, out, 8);
  CHECK(ncons == 0, "consumers of C: %d", ncons);
}

static void test_primitives(sched_state *s, ir_func *f) {
  sched_error e;
  sched_block b, c;
  sched_find(s, "B", &b);
  sched_find(s, "C", &c);
  sched_loop lb[4], lc[4];
  CHECK(sched_loops(s, b, lb, 4) == 2 && sched_loops(s, c, lc, 4) == 3, "loops");

  /* a refusal changes nothing and names the call */
  ir_stmt *body = f->body;
  int n0 = sched_trace_length(s);
  CHECK(sched_parallel(s, lc[2], &e) == -1, "parallel(j) of C applied");
  CHECK(strcmp(e.msg, "parallel(j) is illegal: loop j carries a dependence") == 0 && e.arg == -1,
        "message: %s", e.msg);
  CHECK(f->body == body && sched_trace_length(s) == n0, "a refusal changed the state");
  CHECK(sched_split(s, lc[0], 0, &lc[0], &lc[1], &e) == -1 &&
            strcmp(e.msg, "split factor must be positive, got 0") == 0,
        "split by 0: %s", e.msg);

  /* no names given: fresh ones after the loops split (B's i is not the only loop named i) */
  sched_loop o, in, o2, in2;
  CHECK(sched_split(s, lb[0], 4, &o, &in, &e) == 0, "split: %s", e.msg);
  CHECK(strcmp(o.var->name, "i_o") == 0 && strcmp(in.var->name, "i_i") == 0, "names %s %s",
        o.var->name, in.var->name);
  CHECK(sched_split(s, lc[0], 8, &o2, &in2, &e) == 0, "split: %s", e.msg);
  CHECK(strcmp(o2.var->name, "i_o_1") == 0 && strcmp(in2.var->name, "i_i_1") == 0,
        "fresh names %s %s", o2.var->name, in2.var->name);
  CHECK(!sched_loop_exists(s, lc[0]) && sched_loop_exists(s, o2), "the split loop is gone");
  CHECK(sched_split(s, lc[0], 2, &o2, &in2, &e) == -1 && e.arg == 0 &&
            strstr(e.msg, "no longer exists"),
        "dead handle: %s", e.msg);

  /* names given */
  const char *names[] = {"jo", "ji"};
  sched_loop jo, ji;
  sched_name_next(s, names, 2);
  CHECK(sched_split(s, lb[1], 8, &jo, &ji, &e) == 0 && strcmp(ji.var->name, "ji") == 0,
        "named split: %s", e.msg);
  sched_loop h;
  CHECK(sched_lookup(s, "ji", &h, NULL) == 'l' && h.var == ji.var, "lookup ji");
  CHECK(sched_vectorize(s, ji, &e) == 0, "vectorize: %s", e.msg);
  sched_block sb;
  sched_find(s, "S", &sb);
  CHECK(sched_compute_at(s, sb, o, &e) == 0, "compute_at: %s", e.msg);
  sched_block cl;
  CHECK(sched_cache_write(s, c, IR_SCOPE_LOCAL, &cl, &e) == 0 && strcmp(cl.name, "C_local") == 0,
        "cache_write: %s", e.msg);
  /* the argument at fault */
  CHECK(sched_storage_align(s, sb, "S", 5, 4, 0, &e) == -1 && e.arg == 2 &&
            strstr(e.msg, "axis 5 is out of range"),
        "storage_align: %d %s", e.arg, e.msg);
  CHECK(sched_cache_read(s, c, "B", IR_SCOPE_LOCAL, &cl, &e) == -1 && e.arg == 1 &&
            strstr(e.msg, "does not read B"),
        "cache_read of a buffer C does not read: %s", e.msg);
  sched_annot_value v = {0, "x"};
  CHECK(sched_annotate_loop(s, o, "note", v, &e) == 0, "annotate: %s", e.msg);

  tir_str t = {0};
  sched_trace_print(s, NULL, &t);
  /* B's i was named by nothing and is not the only i: the trace names it first */
  CHECK(strstr(tir_str_cstr(&t), "  i, j = loops(\"B\");\n  i_o, i_i = split(i, 4);\n"),
        "trace:\n%s", tir_str_cstr(&t));
  CHECK(strstr(tir_str_cstr(&t), "  jo, ji = split(j, 8);\n"), "trace:\n%s", tir_str_cstr(&t));
  CHECK(strstr(tir_str_cstr(&t), "  compute_at(\"S\", i_o);\n"), "trace:\n%s", tir_str_cstr(&t));
  CHECK(strstr(tir_str_cstr(&t), "  C_local = cache_write(\"C\", local);\n"), "trace:\n%s",
        tir_str_cstr(&t));
  if (getenv("TIR_VERBOSE")) fputs(tir_str_cstr(&t), stderr);
  tir_str_free(&t);
  check_replay(s, f);

  /* undo takes back one step at a time */
  int n = sched_trace_length(s);
  CHECK(sched_undo(s) && sched_trace_length(s) == n - 1, "undo");
  check_replay(s, f);
  sched_reset(s);
  CHECK(sched_trace_length(s) == 0 && !sched_undo(s), "reset");
}

/* Queries by name are trace steps, printed with the names given. */
static void test_named_queries(sched_state *s, ir_func *f) {
  sched_error e;
  sched_block c;
  const char *bn[] = {"CC"};
  sched_name_next(s, bn, 1);
  CHECK(sched_get_block(s, "C", &c, &e) == 0, "get_block: %s", e.msg);
  CHECK(sched_get_block(s, "D", &c, &e) == -1 && strcmp(e.msg, "no block named \"D\" in f") == 0,
        "get_block D: %s", e.msg);
  const char *ln[] = {"a", "b", "r"};
  sched_loop l[3];
  int n;
  sched_name_next(s, ln, 3);
  CHECK(sched_get_loops(s, c, l, 3, &n, &e) == 0 && n == 3, "get_loops: %s", e.msg);
  CHECK(sched_reorder(s, (sched_loop[]){l[1], l[0]}, 2, &e) == 0, "reorder: %s", e.msg);
  tir_str t = {0};
  sched_trace_print(s, NULL, &t);
  CHECK(strcmp(tir_str_cstr(&t), "schedule f {\n  CC = block(\"C\");\n  a, b, r = loops(CC);\n"
                                 "  reorder(b, a);\n}\n") == 0,
        "trace:\n%s", tir_str_cstr(&t));
  tir_str_free(&t);
  check_replay(s, f);
  sched_reset(s);
}

int main(void) {
  diag_engine *d = diag_engine_make(stderr);
  ir_module *m = compile(d);
  CHECK(m != NULL, "the kernel does not compile");
  if (!m) return check_report("test_sched_api");
  ir_func *f = ir_module_find(m, "f");
  char err[512];
  sched_state *s = sched_state_make(f, err, sizeof err);
  CHECK(s != NULL, "state: %s", err);
  if (s) {
    test_queries(s);
    test_primitives(s, f);
    test_named_queries(s, f);
    sched_state_free(s);
  }
  ir_module_free(m);
  diag_engine_free(d);
  return check_report("test_sched_api");
}
