/* import.c - modules: `import "nn";` found on the search path (docs/language.md §4), each file
 * parsed and checked once per compile, import cycles refused, qualified names resolved. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../parser/parser.h"
#include "lang_private.h"

/* The directories of -I, in the order given, searched after the standard library. */
static TIR_VEC(char *) import_dirs;

void lang_import_dir_add(const char *dir) {
  size_t n = strlen(dir);
  char *s = tir_xmalloc(n + 1);
  memcpy(s, dir, n + 1);
  while (n > 1 && s[n - 1] == '/') s[--n] = 0; /* "lib/" and "lib" name one directory */
  tir_vec_push(&import_dirs, s);
}

void lang_import_dirs_clear(void) {
  for (int i = 0; i < import_dirs.n; i++) free(import_dirs.v[i]);
  tir_vec_free(&import_dirs);
}

lang_prog *lang_prog_make(diag_engine *d, tir_arena *a) {
  lang_prog *p = tir_xcalloc(1, sizeof *p);
  p->d = d;
  p->a = a;
  return p;
}

void lang_prog_free(lang_prog *p) {
  if (!p) return;
  for (int i = 0; i < p->mods.n; i++) {
    tir_strmap_free(&p->mods.v[i]->imports);
    tir_strmap_free(&p->mods.v[i]->funcs);
    free(p->mods.v[i]);
  }
  tir_vec_free(&p->mods);
  tir_vec_free(&p->stack);
  tir_strmap_free(&p->by_key);
  free(p);
}

static bool is_file(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* The directory part of "path" with its '/', or "" for a bare name. */
static const char *dir_of(lang_prog *p, const char *path) {
  const char *slash = strrchr(path, '/');
  if (!slash) return "";
  return tir_arena_printf(p->a, "%.*s", (int)(slash - path + 1), path);
}

/* Where `import "spec"` in the file "from" leads: the importing file's directory, the
 * installed standard library, the source tree's stdlib/, then each -I directory; the first
 * that holds the file wins.  NULL when none does. */
/* The standard library installed beside the running program (PREFIX/bin/tirc reads
 * PREFIX/share/tirc/stdlib), so that an installed tree still finds it after it moves; "" when
 * the program's path is unknown. */
static const char *installed_stdlib(lang_prog *p) {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return "";
  exe[n] = 0;
  char *slash = strrchr(exe, '/');
  if (!slash) return "";
  *slash = 0;
  return tir_arena_printf(p->a, "%s/../share/tirc/stdlib", exe);
}

static const char *resolve(lang_prog *p, const char *from, const char *spec) {
  size_t n = strlen(spec);
  const char *file = n > 4 && strcmp(spec + n - 4, ".tir") == 0
                         ? spec
                         : tir_arena_printf(p->a, "%s.tir", spec);
  if (file[0] == '/') return is_file(file) ? file : NULL;
  const char *c = tir_arena_printf(p->a, "%s%s", dir_of(p, from), file);
  if (is_file(c)) return c;
  const char *std[] = {
      installed_stdlib(p),
#ifdef TIRC_STDLIB_DIR
      TIRC_STDLIB_DIR,
#endif
#ifdef TIRC_SOURCE_STDLIB_DIR
      TIRC_SOURCE_STDLIB_DIR,
#endif
      NULL};
  for (int i = 0; std[i]; i++)
    if (*std[i] && is_file(c = tir_arena_printf(p->a, "%s/%s", std[i], file))) return c;
  for (int i = 0; i < import_dirs.n; i++)
    if (is_file(c = tir_arena_printf(p->a, "%s/%s", import_dirs.v[i], file))) return c;
  return NULL;
}

/* The qualifier of a module file: its name without directories and ".tir". */
static const char *qual_of(lang_prog *p, const char *path) {
  const char *base = strrchr(path, '/');
  base = base ? base + 1 : path;
  size_t n = strlen(base);
  if (n > 4 && strcmp(base + n - 4, ".tir") == 0) n -= 4;
  return tir_arena_printf(p->a, "%.*s", (int)n, base);
}

static bool is_ident(const char *s) {
  if (!(s[0] == '_' || (s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) return false;
  for (const char *q = s + 1; *q; q++)
    if (!(*q == '_' || (*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') ||
          (*q >= '0' && *q <= '9')))
      return false;
  return true;
}

static const char *key_of(lang_prog *p, const char *path) {
  char buf[PATH_MAX];
  return tir_arena_strdup(p->a, realpath(path, buf) ? buf : path);
}

static lang_module *module_add(lang_prog *p, const char *path, const char *key) {
  lang_module *m = tir_xcalloc(1, sizeof *m);
  m->path = tir_arena_strdup(p->a, path);
  m->qual = qual_of(p, path);
  m->key = key;
  m->state = LANG_MOD_LOADING;
  tir_vec_push(&p->mods, m);
  tir_strmap_set(&p->by_key, key, p->mods.n - 1);
  return m;
}

/* Index the functions of "m" by name, reporting one defined twice. */
static bool index_funcs(lang_prog *p, lang_module *m) {
  bool ok = true;
  for (int i = 0; i < m->ast->n_funcs; i++) {
    const ast_func *af = m->ast->funcs[i];
    int j;
    if (tir_strmap_get(&m->funcs, af->name, &j)) {
      diag_error(p->d, af->loc, "duplicate function '%s'", af->name);
      diag_note(p->d, m->ast->funcs[j]->loc, "'%s' was defined here", af->name);
      ok = false;
      continue;
    }
    tir_strmap_set(&m->funcs, af->name, i);
  }
  return ok;
}

static bool load_imports(lang_prog *p, lang_module *m);

/* "import cycle: a -> b -> a", from the module at stack position "from" to the top. */
static void report_cycle(lang_prog *p, tir_loc loc, int from, const lang_module *again) {
  tir_str msg = {0};
  tir_str_printf(&msg, "import cycle:");
  for (int i = from; i < p->stack.n; i++)
    tir_str_printf(&msg, " %s ->", p->mods.v[p->stack.v[i]]->qual);
  tir_str_printf(&msg, " %s", again->qual);
  diag_error(p->d, loc, "%s", tir_str_cstr(&msg));
  tir_str_free(&msg);
}

/* The module of the file at "path", loaded, checked and its imports with it, or found among
 * those already loaded; NULL after reporting at "loc" (a cycle, an unreadable file). */
static lang_module *load(lang_prog *p, const char *path, tir_loc loc) {
  const char *key = key_of(p, path);
  int i;
  if (tir_strmap_get(&p->by_key, key, &i)) {
    lang_module *m = p->mods.v[i];
    if (m->state == LANG_MOD_LOADING) {
      for (int k = 0; k < p->stack.n; k++)
        if (p->stack.v[k] == i) report_cycle(p, loc, k, m);
      return NULL;
    }
    return m->state == LANG_MOD_READY ? m : NULL;
  }
  size_t len;
  char *text = tir_read_file(path, &len);
  if (!text) {
    diag_error(p->d, loc, "cannot read '%s': %s", path, strerror(errno));
    return NULL;
  }
  lang_module *m = module_add(p, path, key);
  int file = diag_file_add(p->d, m->path, text, len);
  free(text);
  int errs = diag_error_count(p->d);
  m->ast = parse_file(p->d, file, p->a);
  tir_vec_push(&p->stack, p->mods.n - 1);
  bool ok = diag_error_count(p->d) == errs && load_imports(p, m) && index_funcs(p, m);
  /* every function is checked here once, so that an error in a library points at the library
   * whether or not the importer calls that function */
  for (int f = 0; ok && f < m->ast->n_funcs; f++) {
    ir_func *fn = lang_func_lower(p->d, p, m, m->ast->funcs[f]);
    ok = fn != NULL;
    ir_func_free(fn);
  }
  p->stack.n--;
  m->state = ok ? LANG_MOD_READY : LANG_MOD_FAILED;
  return ok ? m : NULL;
}

static bool load_imports(lang_prog *p, lang_module *m) {
  bool ok = true;
  for (int i = 0; i < m->ast->n_imports && !diag_too_many(p->d); i++) {
    const ast_import *im = &m->ast->imports[i];
    const char *path = resolve(p, m->path, im->path);
    if (!path) {
      size_t n = strlen(im->path);
      bool ext = n > 4 && strcmp(im->path + n - 4, ".tir") == 0;
      diag_error(p->d, im->loc,
                 "cannot find module \"%s\": no %s%s next to this file, in the standard "
                 "library or in a directory given with -I",
                 im->path, im->path, ext ? "" : ".tir");
      ok = false;
      continue;
    }
    const char *qual = qual_of(p, path);
    if (!is_ident(qual)) {
      diag_error(p->d, im->loc, "cannot import \"%s\": module name '%s' is not an identifier",
                 im->path, qual);
      ok = false;
      continue;
    }
    int j;
    if (tir_strmap_get(&m->imports, qual, &j)) {
      diag_error(p->d, im->loc, "module '%s' is imported twice", qual);
      ok = false;
      continue;
    }
    lang_module *dep = load(p, path, im->loc);
    if (!dep) {
      ok = false;
      continue;
    }
    int k;
    tir_strmap_get(&p->by_key, dep->key, &k);
    tir_strmap_set(&m->imports, dep->qual, k);
  }
  return ok;
}

lang_module *lang_prog_root(lang_prog *p, const char *path, const ast_file *ast) {
  lang_module *m = module_add(p, path, *path && is_file(path) ? key_of(p, path) : "");
  m->ast = ast;
  tir_vec_push(&p->stack, p->mods.n - 1);
  bool ok = load_imports(p, m);
  p->stack.n--;
  ok = index_funcs(p, m) && ok;
  m->state = LANG_MOD_READY; /* its functions are lowered by the caller */
  return ok ? m : NULL;
}

const ast_func *lang_func_find(lang_prog *p, const lang_module *from, const char *name,
                               tir_loc loc, bool report, const lang_module **mod) {
  const char *dot = strrchr(name, '.');
  const lang_module *m = from;
  const char *fname = name;
  int i;
  if (dot) {
    const char *qual = tir_arena_printf(p->a, "%.*s", (int)(dot - name), name);
    if (!tir_strmap_get(&from->imports, qual, &i)) {
      if (report)
        diag_error(p->d, loc, "unknown module '%s' in '%s' (this file has no import \"%s\")",
                   qual, name, qual);
      return NULL;
    }
    m = p->mods.v[i];
    fname = dot + 1;
  }
  if (!tir_strmap_get(&m->funcs, fname, &i)) {
    if (report) {
      if (dot) diag_error(p->d, loc, "module '%s' has no function '%s'", m->qual, fname);
      else diag_error(p->d, loc, "unknown function '%s'", name);
    }
    return NULL;
  }
  *mod = m;
  return m->ast->funcs[i];
}
