/* repl_private.h - what the files of `tirc repl` share: the session (the file, its functions
 * with their schedule states and sizes, the target, the cached JIT) and the helpers every
 * command uses.  repl.c: session and input loop; repl_cmd.c: commands; repl_exec.c: check,
 * bench, emit; repl_edit.c: libedit line editing, history and completion; repl_rewrite.c:
 * edit. */
#ifndef TIR_TOOLS_REPL_PRIVATE_H
#define TIR_TOOLS_REPL_PRIVATE_H

#include <stdio.h>

#include "../backend/be.h"
#include "../lang/lang.h"
#include "../schedule/script.h"
#include "exec.h"
#include "tools.h"

/* One function of the session's file. */
typedef struct repl_func {
  ir_func *f;                /* scheduled in place by s (in the session's unit) */
  ir_func *f0;               /* the same function never scheduled: the oracle, the flops */
  sched_state *s;            /* NULL when f cannot be analysed; why in s_err */
  char s_err[512];
  int64_t *sizes;            /* f->n_sizes values for check and bench */
  const ast_schedule *block; /* the file's schedule block replayed at load, or NULL */
  bool benched;              /* the previous bench, for the change the next one prints */
  double bench_median;
  int64_t *bench_sizes;
  const ir_stmt *warned_body; /* the schedule (and target) bench last printed warnings for */
  be_target warned_target;
} repl_func;

typedef struct repl {
  bool tty;     /* stdin is a terminal: prompt, libedit */
  bool color;   /* and stdout too: colours */
  FILE *quiet;  /* /dev/null: parsing a line first without printing anything */
  int line;     /* number of the input line being run, from 1 */
  char *path;   /* the session's file */
  char *src;    /* its text, for save */
  size_t src_len;
  lang_unit *unit;  /* its functions, scheduled in place */
  lang_unit *unit0; /* the same, never scheduled */
  repl_func *funcs;
  int n_funcs, cur;
  const char *target; /* host, x86-64, avx2, avx512, cuda (a static string) */
  uint64_t seed;      /* of the random inputs of check and bench */
  bool no_schedule;   /* start without the file's schedule blocks */
  be_jit *jit; /* the JIT of jit_f as its body was jit_body (IR is immutable) */
  const ir_func *jit_f;
  const ir_stmt *jit_body;
  be_target jit_target;
  tir_str paste;   /* the lines of a schedule block being typed or pasted (repl_paste.c) */
  int paste_line;  /* where it began */
  int paste_depth; /* its open braces */
  int check_differs; /* checks whose outputs differed from the interpreter's (fuzz_repl) */
} repl;

/* A command: `name args`; run returns 1 to end the session. */
typedef struct repl_command {
  const char *name, *args, *help;
  int (*run)(repl *r, char *args);
} repl_command;
extern const repl_command repl_commands[];
extern const int repl_n_commands;

/* Schedule primitives with their usage and what they do (help, completion, suggestions). */
typedef struct repl_prim {
  const char *name, *usage, *help;
} repl_prim;
extern const repl_prim repl_prims[];
extern const int repl_n_prims;

/* ---- repl_stop.c ---- */

/* Work that Ctrl-C may stop: fills out[0 .. n) and returns 0, or prints why and returns
 * 2 (a result that differs from the reference interpreter's) or another non-zero value. */
typedef int (*repl_job)(void *user, double *out);
/* Run "job" in a child process (Ctrl-C kills it; a crash takes only the child) and copy its
 * "out" back: 0 when it succeeded, 1 when interrupted, 2 when the job returned 2, -1 when it
 * failed otherwise or crashed ("what" names it in messages).  Without fork it runs here. */
int repl_stoppable(repl *r, const char *what, repl_job job, void *user, double *out, int n_out);

/* ---- repl_paste.c ---- */

/* Take line "line" when it begins a `schedule F [for T] {` block ("starts") or continues one;
 * a block whose braces close is applied as the whole schedule of F.  False: not a block's. */
bool repl_paste_line(repl *r, const char *line, size_t len, bool starts);
/* At the end of input: a block still open is reported, not applied. */
void repl_paste_end(repl *r);

/* ---- repl.c ---- */

/* Start session "r" (its target, tty and colour set) on "path" as repl_load; 0, or -1 after
 * printing why. */
int repl_open(repl *r, const char *path, const char *func, const char *sizes);
/* Run input line "line" (len bytes, modified in place) as if typed; 1 when it ends the
 * session. */
int repl_line(repl *r, char *line, size_t len);
/* End the session: a schedule block still open is reported; everything is freed. */
void repl_close(repl *r);

static inline repl_func *repl_cur(repl *r) { return &r->funcs[r->cur]; }
/* `error: MSG` on stderr (after flushing stdout, so the two interleave in order). */
void repl_error(repl *r, const char *fmt, ...) TIR_PRINTF(2, 3);
/* Load "path" as the new session (choosing function "func", NULL: the first; sizes "sizes",
 * NULL: 64 each); on failure print why and keep the session as it was.  0 or -1. */
int repl_load(repl *r, const char *path, const char *func, const char *sizes);
/* Set sizes of the current function from "spec" (`M=64,N=32`; "what" names the command in
 * messages); 0, or -1 after printing why, changing nothing. */
int repl_set_sizes(repl *r, repl_func *rf, const char *spec, const char *what);
/* The block `tirc --target TARGET` applies to "func": its `for TARGET` block, else its
 * untargeted one; NULL when it has neither. */
const ast_schedule *repl_pick_block(const ast_file *ast, const char *func, const char *target);
/* One line on the current function: its signature, sizes and how many statements apply. */
void repl_describe(repl *r);
/* The closest of cands[0..n) to "word" (optimal string alignment distance at most 2 and less
 * than word's length, or a unique prefix), or NULL. */
const char *repl_suggest(const char *word, const char *const *cands, int n);
/* The names of the current function's loops and blocks, each once (malloc'd array of
 * strings owned by the function's arena). */
int repl_names(repl *r, const char ***out);
/* "M=64, K=64, N=64" */
void repl_sizes_str(const ir_func *f, const int64_t *vals, char *buf, size_t n);
/* The loops around every block, in order: "io(parallel) jo k ii ji(vectorized)". */
typedef struct repl_path {
  const char *block; /* in the function's arena */
  char *loops;       /* malloc'd */
} repl_path;
typedef TIR_VEC(repl_path) repl_paths;
void repl_paths_get(const ir_func *f, repl_paths *out);
void repl_paths_free(repl_paths *p);
/* Append "C: io ii j k | D: removed" to "out": the blocks whose loops differ between "before"
 * and "after", or, when none does, those named in names[0..n) ("no loop changed" when none
 * of them is a block). */
void repl_paths_diff(const repl_paths *before, const repl_paths *after, const char *const *names,
                     int n_names, tir_str *out);

/* ---- repl_exec.c ---- */

int repl_check(repl *r, char *args);
int repl_bench(repl *r, char *args);
/* edit [N [STATEMENT]] (repl_rewrite.c) */
int repl_edit(repl *r, char *args);
int repl_emit(repl *r, char *args);
void repl_jit_drop(repl *r);

/* ---- repl_edit.c ---- */

/* Start line editing with history in ~/.tirc_history; completion from the session "r". */
void repl_edit_start(repl *r);
/* The next line (malloc'd, without its newline), or NULL at end of input. */
char *repl_edit_read(repl *r, const char *prompt);
void repl_edit_add(repl *r, const char *line);
void repl_edit_stop(repl *r);

#endif
