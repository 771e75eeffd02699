/* repl_edit.c - the REPL at a terminal: libedit (through its readline interface) for line
 * editing, history kept in ~/.tirc_history, and Tab completion of commands, primitives,
 * and the names of the current function's blocks and loops. */
#include <ctype.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <editline/readline.h>

#include "repl_private.h"

enum { HISTORY_LINES = 1000 };

/* libedit's callbacks take no user pointer: the one session at a terminal. */
static repl *session;
static char *history_path;
static volatile sig_atomic_t interrupted;
static TIR_VEC(const char *) cands; /* what the current completion chooses from */

static void on_sigint(int sig) {
  (void)sig;
  interrupted = 1;
}

static char *generate(const char *text, int state) {
  static int next;
  static size_t len;
  if (!state) {
    next = 0;
    len = strlen(text);
  }
  while (next < cands.n) {
    const char *c = cands.v[next++];
    if (strncmp(c, text, len) == 0) return strdup(c);
  }
  return NULL;
}

static void add_cand(const char *c) { tir_vec_push(&cands, c); }

static void add_commands(bool prims_only) {
  if (!prims_only)
    for (int i = 0; i < repl_n_commands; i++) add_cand(repl_commands[i].name);
  for (int i = 0; i < repl_n_prims; i++) add_cand(repl_prims[i].name);
}

/* The candidates for the word at "start" of the line, by what precedes it: a command or a
 * primitive first; a primitive after `names =`; a command's argument; inside a call, the
 * names of the current function's loops and blocks, scopes and thread axes. */
static char **complete(const char *text, int start, int end) {
  (void)end;
  static const char *const emits[] = {"llvm", "asm", "ptx", "ir", "trace"};
  static const char *const args[] = {"global", "shared", "local", "blockIdx.x", "blockIdx.y",
                                     "blockIdx.z", "threadIdx.x", "threadIdx.y", "threadIdx.z"};
  static char size_names[64][72];
  rl_attempted_completion_over = 1;
  rl_completion_append_character = ' ';
  cands.n = 0;
  const char *line = rl_line_buffer ? rl_line_buffer : "";
  int p = 0;
  while (p < start && isspace((unsigned char)line[p])) p++;
  int w = p;
  while (w < start && (isalnum((unsigned char)line[w]) || line[w] == '_')) w++;
  const char *paren = memchr(line, '(', (size_t)start), *eq = memchr(line, '=', (size_t)start);
  const char **names = NULL;
  if (p == start) {
    add_commands(false);
  } else if (paren) {
    rl_completion_append_character = '\0';
    int n = repl_names(session, &names);
    for (int i = 0; i < n; i++) add_cand(names[i]);
    for (size_t i = 0; i < sizeof args / sizeof *args; i++) add_cand(args[i]);
  } else if (eq) {
    rl_completion_append_character = '(';
    add_commands(true);
  } else {
    size_t wl = (size_t)(w - p);
    const char *cmd = line + p;
#define IS(s) (wl == strlen(s) && strncmp(cmd, s, wl) == 0)
    if (IS("save") || IS("load")) {
      rl_completion_append_character = '\0';
      rl_attempted_completion_over = 0;
      return rl_completion_matches(text, rl_filename_completion_function);
    } else if (IS("func")) {
      for (int i = 0; i < session->n_funcs; i++) add_cand(session->funcs[i].f->name);
    } else if (IS("target")) {
      for (int i = 0; i < LANG_N_TARGETS; i++) add_cand(lang_targets[i]);
    } else if (IS("emit")) {
      for (size_t i = 0; i < sizeof emits / sizeof *emits; i++) add_cand(emits[i]);
    } else if (IS("help")) {
      add_commands(false);
    } else if (IS("size")) {
      const ir_func *f = repl_cur(session)->f;
      rl_completion_append_character = '\0';
      for (int k = 0; k < f->n_sizes && k < 64; k++) {
        snprintf(size_names[k], sizeof size_names[k], "%.64s=", f->sizes[k]->name);
        add_cand(size_names[k]);
      }
    }
#undef IS
  }
  /* a primitive completes to its call: `spl` Tab gives `split(` */
  const char *only = NULL;
  int n_match = 0;
  for (int i = 0; i < cands.n; i++)
    if (strncmp(cands.v[i], text, strlen(text)) == 0 && (!only || strcmp(only, cands.v[i]))) {
      only = cands.v[i];
      n_match++;
    }
  if (n_match == 1 && (p == start || (eq && !paren)))
    for (int i = 0; i < repl_n_prims; i++)
      if (strcmp(repl_prims[i].name, only) == 0) rl_completion_append_character = '(';
  char **m = n_match ? rl_completion_matches(text, generate) : NULL;
  free(names);
  return m;
}

void repl_edit_start(repl *r) {
  session = r;
  rl_readline_name = "tirc";
  rl_attempted_completion_function = complete;
  rl_basic_word_break_characters = " \t\n\"(),=;";
  /* Ctrl-C empties the line instead of ending the session: we take SIGINT, not libedit */
  rl_catch_signals = 0;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_sigint;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  const char *home = getenv("HOME");
  if (home && *home) {
    size_t n = strlen(home) + 32;
    history_path = tir_xmalloc(n);
    snprintf(history_path, n, "%s/.tirc_history", home);
    using_history();
    stifle_history(HISTORY_LINES);
    read_history(history_path);
  }
}

char *repl_edit_read(repl *r, const char *prompt) {
  (void)r;
  for (;;) {
    interrupted = 0;
    char *line = readline(prompt);
    if (line || !interrupted) return line;
    /* Ctrl-C: a fresh prompt */
    fputc('\n', stdout);
  }
}

void repl_edit_add(repl *r, const char *line) {
  (void)r;
  const char *p = line;
  while (isspace((unsigned char)*p)) p++;
  if (!*p) return;
  HIST_ENTRY *last = history_length > 0 ? history_get(history_base + history_length - 1) : NULL;
  if (last && last->line && strcmp(last->line, line) == 0) return;
  add_history(line);
  /* written at once, so that a session that is killed keeps it too */
  if (history_path) write_history(history_path);
}

void repl_edit_stop(repl *r) {
  (void)r;
  free(history_path);
  history_path = NULL;
  tir_vec_free(&cands);
  session = NULL;
}
