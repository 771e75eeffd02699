/* repl_cmd.c - the REPL's commands (show, trace, undo, reset, func, target, size, save, load,
 * help, quit; check, bench and emit live in repl_exec.c) and the tables that help, Tab
 * completion and suggestions read. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/apply.h"
#include "../autosched/log.h"
#include "../autosched/rules.h"
#include "../backend/be.h"
#include "../ir/print.h"
#include "outfile.h"
#include "repl_private.h"


/* docs/language.md §7.7, one line each. */
const repl_prim repl_prims[] = {
    {"block", "C = block(\"NAME\")", "names block NAME as the handle C"},
    {"loops", "i, j, k = loops(C)", "names the loops around block C, outermost first"},
    {"split", "io, ii = split(LOOP, FACTOR)",
     "LOOP = min + io*FACTOR + ii; a factor that does not divide the extent adds a `where`; "
     "LOOP must be serial"},
    {"fuse", "f = fuse(OUTER, INNER)",
     "one loop for two: INNER is OUTER's only statement, both serial from 0, INNER's extent "
     "constant"},
    {"reorder", "reorder(A, B, ...)",
     "the named loops of one perfect nest swap places; ISL checks every dependence stays in "
     "order"},
    {"tile", "xo, yo, xi, yi = tile(X, Y, FX, FY)", "split X and Y, then reorder(xo, yo, xi, yi)"},
    {"parallel", "parallel(LOOP)", "runs LOOP's iterations on threads; LOOP carries no dependence"},
    {"vectorize", "vectorize(LOOP)", "as parallel, in vector lanes; LOOP is innermost"},
    {"unroll", "unroll(LOOP)", "unrolls a serial LOOP; always legal"},
    {"bind", "bind(LOOP, threadIdx.x)",
     "binds LOOP to a GPU thread axis (blockIdx.x/y/z, threadIdx.x/y/z); as parallel"},
    {"compute_at", "compute_at(P, LOOP)",
     "moves producer P under LOOP, computing per iteration the region its readers there need"},
    {"reverse_compute_at", "reverse_compute_at(C, LOOP)",
     "moves consumer C under LOOP, right after the block there that writes what C reads"},
    {"compute_inline", "compute_inline(B)",
     "replaces every read of what B writes (a local) by B's expression; B goes"},
    {"reverse_compute_inline", "reverse_compute_inline(C)",
     "folds consumer C into the producer of the local it reads; C goes"},
    {"cache_read", "A_s = cache_read(C, A, shared[, [LOOP, ...]])",
     "C reads a copy of A in a new buffer of that scope, made just before C's nest; with "
     "loops, stored in their order ([k, j]: W[j, k] kept as [k, j])"},
    {"cache_write", "C_l = cache_write(C, local)",
     "C writes a new buffer of that scope, copied back right after C's nest"},
    {"rfactor", "C_rf = rfactor(K)",
     "reduction loop K becomes a spatial axis of a new partial-result buffer, reduced after"},
    {"decompose_reduction", "C_init = decompose_reduction(C, LOOP)",
     "C's init becomes block C_init just before LOOP"},
    {"storage_align", "storage_align(C, T, AXIS, FACTOR, OFFSET)",
     "pads the stride of dim AXIS of local T to FACTOR*k + OFFSET"},
    {"set_scope", "set_scope(C, [T,] SCOPE)", "puts the local buffer C writes in global, shared or local memory"},
    {"transform_layout", "transform_layout(C, T, [LOOP, ...])",
     "the local T that C writes stored in the order of those loops ([j, i]: transposed)"},
    {"annotate", "annotate(LOOP or BLOCK, \"key\", VALUE)",
     "attaches a hint (an integer or a string); never changes meaning"},
};
const int repl_n_prims = sizeof repl_prims / sizeof *repl_prims;

static bool no_args(repl *r, const char *cmd, const char *args) {
  if (!*args) return true;
  repl_error(r, "%s takes no arguments", cmd);
  return false;
}

/* ---- show, trace ---- */

static int cmd_show(repl *r, char *args) {
  if (!no_args(r, "show", args)) return 0;
  repl_func *rf = repl_cur(r);
  char sizes[512];
  repl_sizes_str(rf->f, rf->sizes, sizes, sizeof sizes);
  int n = rf->s ? sched_trace_length(rf->s) : 0;
  printf("// %s at %s; target %s; %d schedule statement%s\n", rf->f->name, sizes, r->target, n,
         n == 1 ? "" : "s");
  tir_str s = {0};
  ir_func_print(rf->f, &s);
  fputs(tir_str_cstr(&s), stdout);
  tir_str_free(&s);
  return 0;
}

/* The trace of "rf" as a block, `for TARGET` when "target" is not NULL. */
static void trace_block(repl_func *rf, const char *target, tir_str *out) {
  if (rf->s) sched_trace_print(rf->s, target, out);
  else tir_str_printf(out, "schedule %s%s%s {\n}\n", rf->f->name, target ? " for " : "",
                      target ? target : "");
}

static int cmd_trace(repl *r, char *args) {
  if (!no_args(r, "trace", args)) return 0;
  tir_str s = {0};
  trace_block(repl_cur(r), NULL, &s);
  fputs(tir_str_cstr(&s), stdout);
  tir_str_free(&s);
  return 0;
}

/* ---- undo, reset ---- */

/* The last statement of the trace of "s" into "out". */
static void last_stmt(sched_state *s, tir_str *out) {
  tir_str t = {0};
  sched_trace_print(s, NULL, &t);
  const char *txt = tir_str_cstr(&t), *end = strrchr(txt, '}');
  const char *start = end;
  while (start > txt && start[-1] == '\n') start--;
  const char *eol = start;
  while (start > txt && start[-1] != '\n') start--;
  while (*start == ' ') start++;
  for (const char *c = start; c < eol; c++) tir_str_putc(out, *c);
  tir_str_free(&t);
}

static bool have_state(repl *r, repl_func *rf) {
  if (rf->s) return true;
  repl_error(r, "%s cannot be scheduled: %s", rf->f->name, rf->s_err);
  return false;
}

static int cmd_undo(repl *r, char *args) {
  repl_func *rf = repl_cur(r);
  if (!have_state(r, rf)) return 0;
  long n = 1;
  if (*args) {
    char *end;
    n = strtol(args, &end, 10);
    if (*end || n < 1 || n > 1000000) {
      repl_error(r, "undo takes a number of statements to undo (1 or more), got '%.40s'", args);
      return 0;
    }
  }
  if (sched_trace_length(rf->s) == 0) {
    repl_error(r, "nothing to undo: the schedule of %s is empty", rf->f->name);
    return 0;
  }
  repl_paths before = {0}, after = {0};
  repl_paths_get(rf->f, &before);
  tir_str line = {0};
  for (long i = 0; i < n && sched_trace_length(rf->s) > 0; i++) {
    if (line.n) printf("%s\n", tir_str_cstr(&line));
    line.n = 0;
    tir_str_puts(&line, "undid ");
    last_stmt(rf->s, &line);
    TIR_ASSERT(sched_undo(rf->s));
  }
  repl_paths_get(rf->f, &after);
  tir_str_puts(&line, "  ->  ");
  repl_paths_diff(&before, &after, NULL, 0, &line);
  int left = sched_trace_length(rf->s);
  printf("%s  [%d statement%s left]\n", tir_str_cstr(&line), left, left == 1 ? "" : "s");
  tir_str_free(&line);
  repl_paths_free(&before);
  repl_paths_free(&after);
  return 0;
}

static int cmd_reset(repl *r, char *args) {
  repl_func *rf = repl_cur(r);
  if (!no_args(r, "reset", args) || !have_state(r, rf)) return 0;
  repl_paths before = {0}, after = {0};
  repl_paths_get(rf->f, &before);
  int n = sched_trace_length(rf->s);
  sched_reset(rf->s);
  repl_paths_get(rf->f, &after);
  tir_str line = {0};
  repl_paths_diff(&before, &after, NULL, 0, &line);
  printf("reset %s: dropped %d statement%s  ->  %s\n", rf->f->name, n, n == 1 ? "" : "s",
         tir_str_cstr(&line));
  tir_str_free(&line);
  repl_paths_free(&before);
  repl_paths_free(&after);
  return 0;
}

/* ---- auto: the default rules ---- */

static int cmd_auto(repl *r, char *args) {
  repl_func *rf = repl_cur(r);
  if (!no_args(r, "auto", args) || !have_state(r, rf)) return 0;
  as_target t;
  if (!as_target_from_name(api_rules_target(r->target), &t)) {
    repl_error(r, "auto: the default rules do not schedule for %s yet", r->target);
    return 0;
  }
  as_params p;
  as_params_default(&t, &p);
  repl_paths before = {0}, after = {0};
  repl_paths_get(rf->f, &before);
  int n0 = sched_trace_length(rf->s);
  double t0 = tool_now();
  tir_str why = {0};
  as_rules_apply(rf->s, &t, &p, &why);
  double secs = tool_now() - t0;
  fputs(tir_str_cstr(&why), stdout);
  int n = sched_trace_length(rf->s);
  tir_str steps = {0};
  sched_trace_print_from(rf->s, n0, "  ", &steps);
  fputs(tir_str_cstr(&steps), stdout);
  tir_str_free(&steps);
  repl_paths_get(rf->f, &after);
  tir_str line = {0};
  repl_paths_diff(&before, &after, NULL, 0, &line);
  char tm[32];
  tool_time_str(secs, tm, sizeof tm);
  printf("auto: %d statement%s for %s  ->  %s  [%s; undo %d takes them back]\n", n - n0,
         n - n0 == 1 ? "" : "s", r->target, tir_str_cstr(&line), tm, n - n0);
  tir_str_free(&line);
  tir_str_free(&why);
  repl_paths_free(&before);
  repl_paths_free(&after);
  return 0;
}

/* ---- func, target, size ---- */

static int cmd_func(repl *r, char *args) {
  if (!*args) {
    printf("functions of %s:", r->path);
    for (int i = 0; i < r->n_funcs; i++)
      printf(" %s%s", r->funcs[i].f->name, i == r->cur ? " (current)" : "");
    printf("\n");
    return 0;
  }
  const char **names = tir_xcalloc((size_t)r->n_funcs, sizeof *names);
  int k = 0;
  for (; k < r->n_funcs && strcmp(r->funcs[k].f->name, args) != 0; k++)
    names[k] = r->funcs[k].f->name;
  if (k == r->n_funcs) {
    char w[64];
    snprintf(w, sizeof w, "%.40s", args);
    const char *s = repl_suggest(w, names, r->n_funcs);
    repl_error(r, "no function '%s' in %s%s%s%s", w, r->path, s ? "; did you mean '" : "",
               s ? s : "", s ? "'?" : " (func lists them)");
  } else {
    r->cur = k;
    repl_describe(r);
  }
  free(names);
  return 0;
}

static int cmd_target(repl *r, char *args) {
  if (!*args) {
    printf("target %s (targets: %s)\n", r->target, lang_targets_list());
    return 0;
  }
  int t = lang_target_find(args);
  if (t >= 0) {
    r->target = lang_targets[t];
    be_target bt;
    printf("target %s%s\n", r->target,
           !t ? ""
           : be_target_from_name(r->target, &bt) ? ": emit, save, check and bench use it"
                                                 : ": emit and save use it; check and bench "
                                                   "run on this CPU");
    return 0;
  }
  char w[64];
  snprintf(w, sizeof w, "%.40s", args);
  const char *s = repl_suggest(w, lang_targets, LANG_N_TARGETS);
  repl_error(r, "unknown target '%s'%s%s%s (targets: %s)", w, s ? "; did you mean '" : "",
             s ? s : "", s ? "'?" : "", lang_targets_list());
  return 0;
}

static int cmd_size(repl *r, char *args) {
  repl_func *rf = repl_cur(r);
  if (*args) {
    /* NAME=VALUE items separated by commas or spaces */
    tir_str spec = {0};
    for (char *c = args; *c; c++) {
      bool sep = *c == ',' || isspace((unsigned char)*c);
      if (!sep) tir_str_putc(&spec, *c);
      else if (spec.n && spec.s[spec.n - 1] != ',') tir_str_putc(&spec, ',');
    }
    int rc = spec.n ? repl_set_sizes(r, rf, tir_str_cstr(&spec), "size") : 0;
    tir_str_free(&spec);
    if (rc) return 0;
  }
  char sizes[512];
  repl_sizes_str(rf->f, rf->sizes, sizes, sizeof sizes);
  printf("sizes of %s: %s\n", rf->f->name, sizes);
  return 0;
}

/* ---- save, load ---- */

/* Byte offset of line "line", column "col" (both from 1) in "text". */
static size_t offset_of(const char *text, size_t len, int line, int col) {
  size_t o = 0;
  for (int l = 1; l < line && o < len; o++)
    if (text[o] == '\n') l++;
  return o + (size_t)(col - 1) <= len ? o + (size_t)(col - 1) : len;
}

/* The end of the schedule block starting at "start": just after its closing brace.  The file
 * parsed, so braces balance once comments and strings are skipped. */
static size_t block_end(const char *t, size_t len, size_t start) {
  int depth = 0;
  for (size_t i = start; i < len; i++) {
    if (t[i] == '/' && i + 1 < len && t[i + 1] == '/') {
      while (i < len && t[i] != '\n') i++;
    } else if (t[i] == '/' && i + 1 < len && t[i + 1] == '*') {
      for (i += 2; i + 1 < len && !(t[i] == '*' && t[i + 1] == '/'); i++) {
      }
      i++;
    } else if (t[i] == '"') {
      for (i++; i < len && t[i] != '"'; i++) {
      }
    } else if (t[i] == '{') {
      depth++;
    } else if (t[i] == '}' && --depth == 0) {
      return i + 1;
    }
  }
  return len;
}

typedef struct edit {
  size_t start, end; /* the bytes replaced: a block, or len..len to append */
  char *text;
} edit;

static int edit_cmp(const void *a, const void *b) {
  const edit *x = a, *y = b;
  return (x->start > y->start) - (x->start < y->start);
}

/* The session's file with a schedule block for each scheduled function, so that `tirc
 * --target T` compiles it as the REPL has it: at host the block host compiles with is
 * replaced (else an untargeted one appended); at another target its `for T` block (else a
 * new `for T` block appended, leaving the others' blocks as they were). */
static void saved_text(repl *r, tir_str *out) {
  TIR_VEC(edit) edits = {0};
  bool host = strcmp(r->target, "host") == 0;
  for (int i = 0; i < r->n_funcs; i++) {
    repl_func *rf = &r->funcs[i];
    if (!rf->s) continue;
    const ast_schedule *b = host ? repl_pick_block(r->unit->ast, rf->f->name, "host") : NULL;
    for (int k = 0; !host && k < r->unit->ast->n_scheds; k++) {
      const ast_schedule *a = r->unit->ast->scheds[k];
      if (strcmp(a->func, rf->f->name) == 0 && a->target && strcmp(a->target, r->target) == 0)
        b = a;
    }
    if (!b && sched_trace_length(rf->s) == 0) continue;
    tir_str t = {0};
    edit e;
    if (b) {
      trace_block(rf, b->target, &t);
      t.s[--t.n] = 0; /* the block's own line end stays */
      e.start = offset_of(r->src, r->src_len, b->loc.line, b->loc.col);
      e.end = block_end(r->src, r->src_len, e.start);
    } else {
      bool nl = r->src_len && r->src[r->src_len - 1] != '\n';
      tir_str_puts(&t, nl ? "\n\n" : "\n");
      trace_block(rf, host ? NULL : r->target, &t);
      e.start = e.end = r->src_len;
    }
    e.text = t.s ? t.s : tir_xstrdup("");
    tir_vec_push(&edits, e);
  }
  if (edits.n) qsort(edits.v, (size_t)edits.n, sizeof *edits.v, edit_cmp);
  size_t at = 0;
  for (int i = 0; i < edits.n; i++) {
    for (; at < edits.v[i].start; at++) tir_str_putc(out, r->src[at]);
    tir_str_puts(out, edits.v[i].text);
    at = edits.v[i].end;
    free(edits.v[i].text);
  }
  for (; at < r->src_len; at++) tir_str_putc(out, r->src[at]);
  tir_vec_free(&edits);
}

static int cmd_save(repl *r, char *args) {
  if (!*args) {
    repl_error(r, "save needs a file name: save FILE.tir");
    return 0;
  }
  tir_str text = {0};
  saved_text(r, &text);
  tool_out o = {.hold_fd = -1};
  char err[1024];
  bool ok = tool_out_begin(&o, args, err, sizeof err) == 0;
  if (ok) {
    FILE *fp = fopen(o.path, "w");
    ok = fp && fwrite(text.s ? text.s : "", 1, text.n, fp) == text.n;
    if (fp) ok &= fclose(fp) == 0;
    if (!ok) snprintf(err, sizeof err, "%s", strerror(errno));
    ok = ok && tool_out_commit(&o, err, sizeof err) == 0;
  }
  if (ok) {
    repl_func *rf = repl_cur(r);
    int k = rf->s ? sched_trace_length(rf->s) : 0;
    printf("saved %s: %s with its schedule (%d statement%s)\n", args, rf->f->name, k,
           k == 1 ? "" : "s");
  } else {
    repl_error(r, "cannot write '%s': %s", args, err);
  }
  tool_out_end(&o);
  tir_str_free(&text);
  return 0;
}

/* `load FILE.jsonl`: the fastest trace of the tuning log for the current function, target and
 * the size class of its sizes (as --tuning-log picks), replacing the function's schedule;
 * statements the state refuses are reported and the others kept, as at load. */
static void load_log(repl *r, const char *path) {
  repl_func *rf = repl_cur(r);
  if (!have_state(r, rf)) return;
  as_log log = {0};
  char err[1024];
  if (as_log_read(path, &log, err, sizeof err)) {
    fflush(stdout);
    fprintf(stderr, "%s\n", err); /* `PATH:LINE: error: ...`, as tirc --tuning-log says it */
    as_log_free(&log);
    return;
  }
  const char *names[AS_LOG_MAX_SIZES];
  int n = rf->f->n_sizes < AS_LOG_MAX_SIZES ? rf->f->n_sizes : AS_LOG_MAX_SIZES;
  for (int k = 0; k < n; k++) names[k] = rf->f->sizes[k]->name;
  const as_log_entry *e = as_log_best(&log, rf->f->name, r->target, names, rf->sizes, n);
  char sizes[512];
  repl_sizes_str(rf->f, rf->sizes, sizes, sizeof sizes);
  diag_engine *d = diag_engine_make(stderr);
  lang_unit *u = e ? lang_compile_unit(d, path, e->trace, strlen(e->trace)) : NULL;
  const ast_schedule *b = u ? repl_pick_block(u->ast, rf->f->name, r->target) : NULL;
  if (!e)
    repl_error(r, "%s has no measured trace of %s for target %s in the size class of %s", path,
               rf->f->name, r->target, sizes);
  else if (!b)
    repl_error(r, "the trace in %s is not a schedule of %s", path, rf->f->name);
  if (!b) {
    diag_engine_free(d);
    lang_unit_free(u);
    as_log_free(&log);
    return;
  }
  repl_paths before = {0}, after = {0};
  repl_paths_get(rf->f, &before);
  int dropped = sched_trace_length(rf->s), refused = 0;
  sched_reset(rf->s);
  for (int k = 0; k < b->n; k++) {
    sched_error se;
    if (sched_apply(rf->s, &b->stmts[k], &se)) {
      fflush(stdout);
      sched_error_report(d, &se);
      refused++;
    }
  }
  repl_paths_get(rf->f, &after);
  tir_str line = {0};
  repl_paths_diff(&before, &after, NULL, 0, &line);
  char tm[32];
  tool_time_str(e->median_s, tm, sizeof tm);
  printf("load %s: the fastest of %s for %s (%s, measured on %s): %d statement%s, %d dropped"
         "%s  ->  %s\n", path, rf->f->name, r->target, tm, e->machine, b->n - refused,
         b->n - refused == 1 ? "" : "s", dropped, refused ? " (some refused, above)" : "",
         tir_str_cstr(&line));
  repl_jit_drop(r);
  tir_str_free(&line);
  repl_paths_free(&before);
  repl_paths_free(&after);
  diag_engine_free(d);
  lang_unit_free(u);
  as_log_free(&log);
}

static int cmd_load(repl *r, char *args) {
  if (!*args) {
    repl_error(r, "load needs a file name: load FILE.tir, or a tuning log: load FILE.jsonl");
    return 0;
  }
  size_t n = strlen(args);
  if (n > 6 && strcmp(args + n - 6, ".jsonl") == 0) {
    load_log(r, args);
    return 0;
  }
  if (repl_load(r, args, NULL, NULL) == 0) {
    printf("loaded %s: ", r->path);
    repl_describe(r);
  }
  return 0;
}

/* ---- help, quit ---- */

static int cmd_help(repl *r, char *args) {
  if (!*args) {
    printf("commands:\n");
    for (int i = 0; i < repl_n_commands; i++) {
      char head[64];
      snprintf(head, sizeof head, "%s %s", repl_commands[i].name, repl_commands[i].args);
      printf("  %-22s %s\n", head, repl_commands[i].help);
    }
    printf("schedule statements (docs/language.md §3), one per line; help NAME for one:\n");
    int col = 0;
    for (int i = 0; i < repl_n_prims; i++) {
      int w = (int)strlen(repl_prims[i].name) + 1;
      if (col && col + w > 90) col = 0, printf("\n");
      printf("%s%s", col ? " " : "  ", repl_prims[i].name);
      col += col ? w : w + 1;
    }
    printf("\nfor example:\n  C = block(\"C\")\n  i, j, k = loops(C)\n  io, ii = split(i, 32)\n");
    return 0;
  }
  for (int i = 0; i < repl_n_prims; i++)
    if (strcmp(args, repl_prims[i].name) == 0) {
      printf("%s\n  %s\n", repl_prims[i].usage, repl_prims[i].help);
      return 0;
    }
  for (int i = 0; i < repl_n_commands; i++)
    if (strcmp(args, repl_commands[i].name) == 0) {
      printf("%s %s\n  %s\n", repl_commands[i].name, repl_commands[i].args, repl_commands[i].help);
      return 0;
    }
  const char *names[96];
  int n = 0;
  for (int i = 0; i < repl_n_commands; i++) names[n++] = repl_commands[i].name;
  for (int i = 0; i < repl_n_prims; i++) names[n++] = repl_prims[i].name;
  char w[64];
  snprintf(w, sizeof w, "%.40s", args);
  const char *s = repl_suggest(w, names, n);
  repl_error(r, "no command or primitive '%s'%s%s%s", w, s ? "; did you mean '" : "", s ? s : "",
             s ? "'?" : " (help lists them)");
  return 0;
}

static int cmd_quit(repl *r, char *args) { return no_args(r, "quit", args) ? 1 : 0; }

const repl_command repl_commands[] = {
    {"show", "", "the loop nest of the current function now", cmd_show},
    {"trace", "", "the applied statements as a replayable schedule block", cmd_trace},
    {"undo", "[N]", "take back the last statement (or the last N)", cmd_undo},
    {"reset", "", "back to the unscheduled function", cmd_reset},
    {"edit", "[N [STMT]]", "list the statements; replace statement N, replaying the later ones",
     repl_edit},
    {"auto", "", "the default rules for the blocks no statement touched",
     cmd_auto},
    {"func", "[NAME]", "switch to function NAME (without NAME: list them)", cmd_func},
    {"target", "[NAME]", "host, x86-64, avx2, avx512 or cuda, for emit, save, check and bench",
     cmd_target},
    {"size", "[M=64,N=32|512]", "show or set the sizes that check and bench use", cmd_size},
    {"check", "", "run on seeded random inputs, compare with the reference interpreter",
     repl_check},
    {"bench", "[RUNS]", "JIT-compile, time, GFLOP/s and the change since the previous bench",
     repl_bench},
    {"emit", "llvm|asm|ptx", "the compiled code for the target (emit ir, emit trace too)",
     repl_emit},
    {"save", "FILE", "write the .tir file with this schedule block", cmd_save},
    {"load", "FILE", "start over with another file; FILE.jsonl: the best trace of a tuning log",
     cmd_load},
    {"help", "[NAME]", "this list, or what a command or primitive does", cmd_help},
    {"quit", "", "leave (Ctrl-D too)", cmd_quit},
};
const int repl_n_commands = sizeof repl_commands / sizeof *repl_commands;
