/* trace.c - the trace as text: each step printed as the schedule statement that replays it.
 * The printer replays the names a script would bind (the results of each step, by the names
 * the caller gave or else by the loops' and blocks' own names), and where a step uses a
 * handle no name reaches, it first binds one the way a user would: `i, j = loops("C");`. */
#include <string.h>

#include "sched_private.h"

typedef struct pname {
  const char *name;
  handle_kind kind;
  const ir_var *loop;
  const char *block;
} pname;

typedef struct printer {
  const sched_state *s;
  TIR_VEC(pname) env; /* the names bound so far, latest last */
  const char *indent;
  tir_str *out;
  bool emit; /* print, or only follow the names */
} printer;

static const pname *env_find(const printer *p, const char *name) {
  for (int i = p->env.n - 1; i >= 0; i--)
    if (strcmp(p->env.v[i].name, name) == 0) return &p->env.v[i];
  return NULL;
}

static void env_bind(printer *p, const char *name, handle_kind kind, const ir_var *loop,
                     const char *block) {
  pname n = {name, kind, loop, block};
  tir_vec_push(&p->env, n);
}

/* A name that refers to loop "v" now, or NULL: the first one bound that still does, which is
 * the name a script gave the loop when it made it. */
static const char *loop_name(const printer *p, const ir_var *v) {
  for (int i = 0; i < p->env.n; i++) {
    const pname *n = &p->env.v[i];
    if (n->kind == HANDLE_LOOP && n->loop == v && env_find(p, n->name) == n) return n->name;
  }
  return NULL;
}

static const char *block_name(const printer *p, const char *block) {
  for (int i = 0; i < p->env.n; i++) {
    const pname *n = &p->env.v[i];
    if (n->kind == HANDLE_BLOCK && strcmp(n->block, block) == 0 && env_find(p, n->name) == n)
      return n->name;
  }
  return NULL;
}

/* The first block under "s", or NULL. */
static ir_stmt *first_block(ir_stmt *s) {
  if (!s) return NULL;
  switch (s->kind) {
  case IR_S_BLOCK: return s;
  case IR_S_FOR: return first_block(s->u.loop.body);
  case IR_S_SEQ:
    for (int i = 0; i < s->u.seq.n; i++) {
      ir_stmt *b = first_block(s->u.seq.v[i]);
      if (b) return b;
    }
    return NULL;
  default: return NULL;
  }
}

static void line_start(printer *p) {
  if (p->emit) tir_str_puts(p->out, p->indent);
}

/* Bind names to the loops around a block under loop "v" in "body": `a, b = loops("B");`. */
static void bind_loops(printer *p, ir_stmt *body, const ir_var *v) {
  ir_stmt *loop = sched_find_loop(body, v);
  ir_stmt *b = loop ? first_block(loop->u.loop.body) : NULL;
  if (!b) { /* no block under it: only its own name can reach it */
    env_bind(p, v->name, HANDLE_LOOP, v, NULL);
    return;
  }
  ir_stmt *path[256];
  int n = sched_path(body, b, path, 256);
  line_start(p);
  int k = 0;
  for (int i = 0; i < n; i++) {
    if (path[i]->kind != IR_S_FOR) continue;
    const ir_var *lv = path[i]->u.loop.var;
    const char *name = loop_name(p, lv);
    char buf[300];
    if (!name) {
      snprintf(buf, sizeof buf, "%s", lv->name);
      for (int j = 1; env_find(p, buf) && (env_find(p, buf)->kind != HANDLE_LOOP ||
                                           env_find(p, buf)->loop != lv);
           j++)
        snprintf(buf, sizeof buf, "%s_%d", lv->name, j);
      name = tir_arena_strdup(p->s->f->arena, buf);
    }
    if (p->emit) tir_str_printf(p->out, "%s%s", k++ ? ", " : "", name);
    env_bind(p, name, HANDLE_LOOP, lv, NULL);
  }
  const char *bn = block_name(p, b->u.block->name);
  if (p->emit) {
    if (bn) tir_str_printf(p->out, " = loops(%s);\n", bn);
    else tir_str_printf(p->out, " = loops(\"%s\");\n", b->u.block->name);
  }
}

static void print_value(printer *p, ir_stmt *body, const sched_value *v, tir_str *out) {
  if (v->key) tir_str_printf(out, "%s=", v->key);
  switch (v->kind) {
  case SV_LOOP: {
    const char *n = loop_name(p, v->loop);
    int count;
    if (!n && !env_find(p, v->loop->name) && sched_loop_named(body, v->loop->name, &count))
      n = v->loop->name;
    if (!n) {
      bind_loops(p, body, v->loop);
      n = loop_name(p, v->loop);
    }
    tir_str_puts(out, n ? n : v->loop->name);
    break;
  }
  case SV_BLOCK: {
    const char *n = block_name(p, v->block);
    if (n) tir_str_puts(out, n);
    else tir_str_printf(out, "\"%s\"", v->block);
    break;
  }
  case SV_INT: tir_str_printf(out, "%lld", (long long)v->i); break;
  case SV_STR: tir_str_printf(out, "\"%s\"", v->s); break;
  case SV_WORD: tir_str_puts(out, v->s); break;
  }
}

/* Step "k": bindings it needs, then the statement (both only when p->emit). */
static void print_step(printer *p, int k) {
  const step *st = &p->s->steps.v[k];
  tir_str args = {0};
  for (int i = 0; i < st->n_args; i++) {
    if (i) tir_str_puts(&args, ", ");
    if (st->args[i].list & 1) tir_str_putc(&args, '[');
    print_value(p, st->body, &st->args[i], &args);
    if (st->args[i].list & 2) tir_str_putc(&args, ']');
  }
  line_start(p);
  for (int i = 0; i < st->n_results; i++) {
    const sched_value *r = &st->results[i];
    const char *name = i < st->n_names ? st->names[i] : r->kind == SV_LOOP ? r->loop->name : r->block;
    if (p->emit) tir_str_printf(p->out, "%s%s", i ? ", " : "", name);
  }
  if (p->emit) {
    tir_str_printf(p->out, "%s%s(%s);\n", st->n_results ? " = " : "", st->prim,
                   tir_str_cstr(&args));
  }
  tir_str_free(&args);
  for (int i = 0; i < st->n_results; i++) {
    const sched_value *r = &st->results[i];
    const char *name = i < st->n_names ? st->names[i] : r->kind == SV_LOOP ? r->loop->name : r->block;
    env_bind(p, name, r->kind == SV_LOOP ? HANDLE_LOOP : HANDLE_BLOCK, r->loop, r->block);
  }
}

void sched_trace_print_from(const sched_state *s, int from, const char *indent, tir_str *out) {
  printer p = {s, {0}, indent, out, false};
  for (int k = 0; k < s->steps.n; k++) {
    p.emit = k >= from;
    print_step(&p, k);
  }
  tir_vec_free(&p.env);
}

void sched_trace_print(const sched_state *s, const char *target, tir_str *out) {
  tir_str_printf(out, "schedule %s%s%s {\n", s->f->name, target ? " for " : "",
                 target ? target : "");
  sched_trace_print_from(s, 0, "  ", out);
  tir_str_puts(out, "}\n");
}

void sched_step_print(const sched_state *s, int i, tir_str *out) {
  printer p = {s, {0}, "", out, false};
  for (int k = 0; k < i; k++) print_step(&p, k);
  tir_str line = {0};
  p.out = &line;
  p.emit = true;
  print_step(&p, i);
  /* the statement is the last line; bindings before it are not part of it */
  const char *t = tir_str_cstr(&line);
  size_t len = strlen(t);
  while (len && t[len - 1] == '\n') len--;
  size_t start = len;
  while (start && t[start - 1] != '\n') start--;
  tir_str_printf(out, "%.*s", (int)(len - start), t + start);
  tir_str_free(&line);
  tir_vec_free(&p.env);
}
