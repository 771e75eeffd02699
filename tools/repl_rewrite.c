/* repl_rewrite.c - `edit`: change an earlier statement of the session without undoing by hand
 * everything after it.  The statements after it are taken back, the new one applied, and the
 * rest replayed from their printed form (the trace's own text, with the handle bindings it
 * needs), each through the checked API like a typed line; one that no longer applies (its
 * loop is gone, or it is now illegal) is reported and left out. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../parser/parser.h"
#include "repl_private.h"

/* Parse and apply the statement "text" quietly: 0, -1 refused (e filled), -2 not a statement
 * (the parser's first message in e->msg). */
static int apply_text(repl *r, repl_func *rf, const char *text, size_t len, sched_error *e) {
  tir_arena *a = tir_arena_make();
  diag_engine *d = diag_engine_make(r->quiet);
  int file = diag_file_add(d, "<repl>", text, len);
  ast_sstmt *st = parse_schedule_stmt(d, file, a);
  int rc = -2;
  if (!st) snprintf(e->msg, sizeof e->msg, "not a schedule statement");
  else rc = sched_apply(rf->s, st, e) ? -1 : 0;
  diag_engine_free(d);
  tir_arena_free(a);
  return rc;
}

/* The statements of "text", one a line. */
static int split_lines(char *text, char ***out) {
  int n = 0, cap = 8;
  char **v = tir_xmalloc((size_t)cap * sizeof *v);
  for (char *p = text; *p;) {
    char *nl = strchr(p, '\n');
    if (nl) *nl = 0;
    if (*p) {
      if (n == cap) v = tir_xrealloc(v, (size_t)(cap *= 2) * sizeof *v);
      v[n++] = p;
    }
    if (!nl) break;
    p = nl + 1;
  }
  *out = v;
  return n;
}

static void list_steps(repl_func *rf, int from, int to) {
  for (int i = from; i < to; i++) {
    tir_str t = {0};
    sched_step_print(rf->s, i, &t);
    printf("%3d  %s\n", i + 1, tir_str_cstr(&t));
    tir_str_free(&t);
  }
}

int repl_edit(repl *r, char *args) {
  repl_func *rf = repl_cur(r);
  if (!rf->s) {
    repl_error(r, "%s cannot be scheduled: %s", rf->f->name, rf->s_err);
    return 0;
  }
  int len = sched_trace_length(rf->s);
  if (!*args) {
    if (!len) printf("the schedule of %s is empty\n", rf->f->name);
    list_steps(rf, 0, len);
    return 0;
  }
  char *rest;
  long n = strtol(args, &rest, 10);
  if (rest == args || (*rest && *rest != ' ')) {
    repl_error(r, "edit takes a statement number, then the statement that replaces it "
                  "(edit 3 io, ii = split(i, 16)), got '%.40s'", args);
    return 0;
  }
  if (n < 1 || n > len) {
    repl_error(r, "edit: no statement %ld: the schedule of %s has %d", n, rf->f->name, len);
    return 0;
  }
  while (*rest == ' ') rest++;
  if (!*rest) {
    list_steps(rf, (int)n - 1, (int)n);
    return 0;
  }
  int k = (int)n - 1;
  /* what follows statement n, and (to restore on a refusal) n itself, as replayable text */
  tir_str later = {0}, old = {0};
  sched_trace_print_from(rf->s, k + 1, "", &later);
  sched_trace_print_from(rf->s, k, "", &old);
  repl_paths before = {0}, after = {0};
  repl_paths_get(rf->f, &before);
  for (int i = len; i > k; i--) TIR_ASSERT(sched_undo(rf->s));
  sched_error e;
  int rc = apply_text(r, rf, rest, strlen(rest), &e);
  char **lines;
  if (rc) {
    /* put back exactly what was there */
    char *text = tir_xstrdup(tir_str_cstr(&old));
    int m = split_lines(text, &lines);
    for (int i = 0; i < m; i++) {
      sched_error e2;
      TIR_ASSERT(apply_text(r, rf, lines[i], strlen(lines[i]), &e2) == 0);
    }
    free(lines);
    free(text);
    repl_error(r, "edit %ld: %s; nothing changed", n, e.msg);
  } else {
    char *text = tir_xstrdup(tir_str_cstr(&later));
    int m = split_lines(text, &lines), dropped = 0;
    for (int i = 0; i < m; i++) {
      sched_error e2;
      if (apply_text(r, rf, lines[i], strlen(lines[i]), &e2)) {
        printf("  no longer applies, left out: %s  (%s)\n", lines[i], e2.msg);
        dropped++;
      }
    }
    free(lines);
    free(text);
    repl_paths_get(rf->f, &after);
    tir_str line = {0};
    repl_paths_diff(&before, &after, NULL, 0, &line);
    tir_str now = {0};
    sched_step_print(rf->s, k, &now);
    printf("edit %ld: %s  ->  %s  [%d later statement%s replayed, %d left out]\n", n,
           tir_str_cstr(&now), tir_str_cstr(&line), m - dropped, m - dropped == 1 ? "" : "s",
           dropped);
    tir_str_free(&now);
    tir_str_free(&line);
  }
  repl_paths_free(&before);
  repl_paths_free(&after);
  tir_str_free(&later);
  tir_str_free(&old);
  return 0;
}
