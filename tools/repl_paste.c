/* repl_paste.c - a `schedule F [for T] { ... }` block typed or pasted into the REPL, such as
 * the one `trace` prints: collected over its lines, then applied as the whole schedule of F,
 * replacing the statements applied so far, or refused as a whole. */
#include <stdio.h>
#include <string.h>

#include "../parser/parser.h"
#include "repl_private.h"

/* The change in brace depth over "text", braces inside strings not counted. */
static int depth_change(const char *text, size_t len) {
  int d = 0;
  bool str = false;
  for (size_t i = 0; i < len; i++) {
    char c = text[i];
    if (str) {
      if (c == '\\' && i + 1 < len) i++;
      else if (c == '"') str = false;
    } else if (c == '"') {
      str = true;
    } else if (c == '/' && i + 1 < len && text[i + 1] == '/') {
      break;
    } else {
      d += (c == '{') - (c == '}');
    }
  }
  return d;
}

/* Apply the statements of "sc" to "rf" (already reset); 0, or -1 with "e" filled. */
static int apply_block(repl_func *rf, const ast_schedule *sc, sched_error *e) {
  for (int k = 0; k < sc->n; k++)
    if (sched_apply(rf->s, &sc->stmts[k], e)) return -1;
  return 0;
}

/* Parse "text" (the block starting at the REPL's line "first") and run it. */
static void run_block(repl *r, const char *text, size_t len, int first) {
  /* pad with newlines so that diagnostics name the REPL's own line numbers */
  tir_str src = {0};
  for (int i = 1; i < first; i++) tir_str_putc(&src, '\n');
  for (size_t i = 0; i < len; i++) tir_str_putc(&src, text[i]);
  fflush(stdout);
  diag_engine *d = diag_engine_make(stderr);
  int file = diag_file_add(d, "<repl>", tir_str_cstr(&src), src.n);
  tir_arena *a = tir_arena_make();
  ast_file *ast = parse_file(d, file, a);
  const ast_schedule *sc = NULL;
  if (ast && !diag_error_count(d)) {
    if (ast->n_funcs || ast->n_imports || ast->n_scheds != 1)
      repl_error(r, "the REPL takes one schedule block at a time (functions and imports "
                    "belong in the file: load FILE)");
    else
      sc = ast->scheds[0];
  }
  int fi = -1;
  for (int i = 0; sc && i < r->n_funcs && fi < 0; i++)
    if (strcmp(r->funcs[i].f->name, sc->func) == 0) fi = i;
  if (sc && fi < 0) {
    diag_error(d, sc->func_loc, "schedule for unknown function '%s'", sc->func);
    sc = NULL;
  }
  if (sc && sc->target && lang_target_find(sc->target) < 0) {
    diag_error(d, sc->target_loc, "schedule for unknown target '%s' (targets: %s)", sc->target,
               lang_targets_list());
    sc = NULL;
  }
  repl_func *rf = sc ? &r->funcs[fi] : NULL;
  if (rf && !rf->s) {
    repl_error(r, "%s cannot be scheduled: %s", rf->f->name, rf->s_err);
    rf = NULL;
  }
  if (rf) {
    /* what was applied, as text that replays, to go back to when the block is refused */
    tir_str old = {0};
    sched_trace_print(rf->s, NULL, &old);
    int n_old = sched_trace_length(rf->s);
    repl_paths before = {0}, after = {0};
    repl_paths_get(rf->f, &before);
    sched_reset(rf->s);
    sched_error e;
    double t0 = tool_now();
    if (apply_block(rf, sc, &e)) {
      sched_error_report(d, &e);
      sched_reset(rf->s);
      diag_engine *dq = diag_engine_make(r->quiet);
      int qf = diag_file_add(dq, "<trace>", tir_str_cstr(&old), old.n);
      ast_file *back = parse_file(dq, qf, a);
      TIR_ASSERT(back && back->n_scheds == 1 && !apply_block(rf, back->scheds[0], &e));
      diag_engine_free(dq);
      fprintf(stderr, "note: the block was not applied; %s keeps its %d statement%s\n",
              rf->f->name, n_old, n_old == 1 ? "" : "s");
    } else {
      double secs = tool_now() - t0;
      if (fi != r->cur) r->cur = fi;
      if (sc->target) r->target = lang_targets[lang_target_find(sc->target)];
      repl_paths_get(rf->f, &after);
      tir_str line = {0};
      repl_paths_diff(&before, &after, NULL, 0, &line);
      char t[32];
      tool_time_str(secs, t, sizeof t);
      printf("schedule %s%s%s: %d statement%s (replacing %d)  ->  %s  [%sok%s, %s]\n",
             rf->f->name, sc->target ? " for " : "", sc->target ? sc->target : "", sc->n,
             sc->n == 1 ? "" : "s", n_old, tir_str_cstr(&line), r->color ? "\033[32m" : "",
             r->color ? "\033[0m" : "", t);
      tir_str_free(&line);
    }
    repl_paths_free(&before);
    repl_paths_free(&after);
    tir_str_free(&old);
  }
  tir_arena_free(a);
  diag_engine_free(d);
  tir_str_free(&src);
}

bool repl_paste_line(repl *r, const char *line, size_t len, bool starts) {
  if (!r->paste.n && !starts) return false;
  if (!r->paste.n) {
    r->paste_line = r->line;
    r->paste_depth = 0;
  }
  for (size_t i = 0; i < len; i++) tir_str_putc(&r->paste, line[i]);
  tir_str_putc(&r->paste, '\n');
  r->paste_depth += depth_change(line, len);
  /* a block is complete when its braces close (or a stray `}` closes more than it opened) */
  bool opened = memchr(r->paste.s, '{', r->paste.n) != NULL;
  if ((opened && r->paste_depth <= 0) || (!opened && memchr(line, ';', len))) {
    tir_str text = r->paste;
    r->paste = (tir_str){0};
    run_block(r, text.s, text.n, r->paste_line);
    tir_str_free(&text);
  }
  return true;
}

void repl_paste_end(repl *r) {
  if (!r->paste.n) return;
  repl_error(r, "the schedule block begun at line %d is not closed: it was not applied",
             r->paste_line);
  tir_str_free(&r->paste);
}
