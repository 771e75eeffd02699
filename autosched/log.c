/* log.c - tuning logs as JSON Lines through jansson: a line per measured candidate, written
 * whole with one fputs so that an interrupted run leaves at most one truncated last line, and
 * read back with every field checked, so that a corrupt or foreign line is an error naming its
 * line instead of a crash. */
#include "log.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifndef TIR_VERSION
#define TIR_VERSION "0.1"
#endif

const char *as_tirc_version(void) { return TIR_VERSION; }

void as_machine_name(char *buf, size_t n) {
  snprintf(buf, n, "unknown");
  FILE *fp = fopen("/proc/cpuinfo", "r");
  if (!fp) return;
  char line[512];
  while (fgets(line, sizeof line, fp)) {
    if (strncmp(line, "model name", 10) != 0) continue;
    const char *c = strchr(line, ':');
    if (!c) continue;
    c++;
    while (*c == ' ' || *c == '\t') c++;
    snprintf(buf, n, "%s", c);
    size_t len = strlen(buf);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == ' ')) buf[--len] = 0;
    break;
  }
  fclose(fp);
}

/* ---- writing ---- */

static json_t *params_json(const as_params *p) {
  return json_pack("{s:i, s:i, s:b, s:b, s:b, s:i, s:i, s:b, s:b, s:i, s:b, s:i, s:i, s:b, s:i, "
                   "s:i}",
                   "tile_rows", p->tile_rows, "tile_vectors", p->tile_vectors, "pack", p->pack,
                   "inline", p->inline_producers, "rfactor", p->vectorize_reductions,
                   "elem_vectors", p->elem_vectors, "parallel", p->parallel, "vo_inner",
                   p->vo_inner, "rows_outer", p->rows_outer, "pack_at", p->pack_at,
                   "unroll_tile", p->unroll_tile, "unroll_k", p->unroll_k, "reduce_vectors",
                   p->reduce_vectors, "fuse_rows", p->fuse_rows, "window_rows", p->window_rows,
                   "window_vectors", p->window_vectors);
}

/* The fields every line has, in the order they are written; "kind" names a candidate. */
static json_t *entry_json(const as_log_entry *e, bool candidate) {
  json_t *o = json_object();
  json_object_set_new(o, "version", json_integer(AS_LOG_VERSION));
  if (candidate) json_object_set_new(o, "kind", json_string("candidate"));
  if (e->id) json_object_set_new(o, "id", json_string(e->id));
  json_object_set_new(o, "tirc", json_string(e->tirc));
  json_object_set_new(o, "func", json_string(e->func));
  json_object_set_new(o, "target", json_string(e->target));
  json_t *sizes = json_object(), *classes = json_object();
  for (int i = 0; i < e->n_sizes; i++) {
    json_object_set_new(sizes, e->size_names[i], json_integer(e->size_vals[i]));
    json_object_set_new(classes, e->size_names[i], json_integer(as_size_class(e->size_vals[i])));
  }
  json_object_set_new(o, "sizes", sizes);
  if (candidate) json_object_set_new(o, "size_class", classes);
  else json_decref(classes);
  json_object_set_new(o, "machine", json_string(e->machine));
  json_object_set_new(o, "trace", json_string(e->trace));
  json_object_set_new(o, "params", params_json(&e->params));
  return o;
}

/* Write "o" (consumed) as one line, whole, flushed. */
static int put_line(FILE *fp, json_t *o, char *err, size_t errlen) {
  char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  json_decref(o);
  if (!line) {
    snprintf(err, errlen, "cannot print the log entry");
    return -1;
  }
  bool ok = fputs(line, fp) >= 0 && fputc('\n', fp) != EOF && fflush(fp) == 0;
  free(line);
  if (!ok) snprintf(err, errlen, "cannot write the log: %s", strerror(errno));
  return ok ? 0 : -1;
}

int as_log_write(FILE *fp, const as_log_entry *e, char *err, size_t errlen) {
  json_t *o = entry_json(e, false);
  if (e->error) {
    json_object_set_new(o, "error", json_string(e->error));
  } else {
    json_object_set_new(o, "median_s", json_real(e->median_s));
    json_object_set_new(o, "gflops", json_real(e->gflops));
  }
  return put_line(fp, o, err, errlen);
}

int as_cand_write(FILE *fp, const as_log_entry *e, char *err, size_t errlen) {
  json_t *o = entry_json(e, true);
  json_object_set_new(o, "predicted", json_real(e->predicted));
  json_object_set_new(o, "source_path", json_string(e->source_path));
  json_object_set_new(o, "source", json_string(e->source));
  return put_line(fp, o, err, errlen);
}

void as_cand_id(const as_log_entry *e, char out[17]) {
  /* FNV-1a over the fields that make two candidates the same measurement */
  uint64_t h = 0xcbf29ce484222325ull;
  const char *parts[3] = {e->func, e->target, e->trace};
  for (int k = 0; k < 3 + e->n_sizes; k++) {
    char num[32];
    const char *p = k < 3 ? parts[k] : num;
    if (k >= 3) snprintf(num, sizeof num, "%s=%lld", e->size_names[k - 3], (long long)e->size_vals[k - 3]);
    for (; *p; p++) h = (h ^ (unsigned char)*p) * 0x100000001b3ull;
    h = (h ^ 0xff) * 0x100000001b3ull; /* a separator no text holds */
  }
  snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- reading ---- */

void as_log_entry_free(as_log_entry *e) {
  free(e->tirc);
  free(e->func);
  free(e->target);
  free(e->machine);
  free(e->trace);
  free(e->id);
  free(e->error);
  free(e->source);
  free(e->source_path);
  for (int i = 0; i < e->n_sizes; i++) free(e->size_names[i]);
  memset(e, 0, sizeof *e);
}

void as_log_free(as_log *l) {
  for (int i = 0; i < l->n; i++) as_log_entry_free(&l->v[i]);
  free(l->v);
  memset(l, 0, sizeof *l);
}

/* The string field "key" of "o" copied into "*out"; false with "msg" otherwise. */
static bool get_str(json_t *o, const char *key, char **out, char *msg, size_t n) {
  json_t *v = json_object_get(o, key);
  if (!json_is_string(v)) {
    snprintf(msg, n, "field \"%s\" is %s", key, v ? "not a string" : "missing");
    return false;
  }
  *out = tir_xstrdup(json_string_value(v));
  return true;
}

/* The number "key" (non-negative unless "any_sign") into "*out". */
static bool get_num(json_t *o, const char *key, bool any_sign, double *out, char *msg, size_t n) {
  json_t *v = json_object_get(o, key);
  if (!json_is_number(v) || !isfinite(json_number_value(v)) ||
      (!any_sign && json_number_value(v) < 0)) {
    snprintf(msg, n, "field \"%s\" is %s", key,
             !v ? "missing" : any_sign ? "not a finite number" : "not a non-negative number");
    return false;
  }
  *out = json_number_value(v);
  return true;
}

/* What a line holds beyond the common fields: a candidate's source, id and prediction; an
 * entry's measurement, or the error that stopped it. */
static bool get_rest(json_t *o, bool candidate, as_log_entry *e, char *msg, size_t n) {
  json_t *id = json_object_get(o, "id"), *error = json_object_get(o, "error");
  if (candidate)
    return get_str(o, "id", &e->id, msg, n) && get_str(o, "source_path", &e->source_path, msg, n) &&
           get_str(o, "source", &e->source, msg, n) &&
           get_num(o, "predicted", true, &e->predicted, msg, n);
  if (id && !get_str(o, "id", &e->id, msg, n)) return false;
  if (error) return get_str(o, "error", &e->error, msg, n);
  return get_num(o, "median_s", false, &e->median_s, msg, n) &&
         get_num(o, "gflops", false, &e->gflops, msg, n);
}

static bool get_param(json_t *o, const char *key, bool boolean, int lo, int hi, int *out,
                      char *msg, size_t n) {
  json_t *v = json_object_get(o, key);
  if (boolean ? !json_is_boolean(v) : !json_is_integer(v) || json_integer_value(v) < lo ||
                                          json_integer_value(v) > hi) {
    if (boolean)
      snprintf(msg, n, "field \"params.%s\" is %s, expected true or false", key,
               v ? "not a boolean" : "missing");
    else
      snprintf(msg, n, "field \"params.%s\" is %s, expected an integer from %d to %d", key,
               v ? "out of range" : "missing", lo, hi);
    return false;
  }
  *out = boolean ? json_is_true(v) : (int)json_integer_value(v);
  return true;
}

/* The params of "o" for "target"; those a log written before they existed lacks (the rules'
 * row fusion and convolution tiles) take the rules' defaults for the target. */
static bool get_params(json_t *o, const char *target, as_params *p, char *msg, size_t n) {
  json_t *v = json_object_get(o, "params");
  if (!json_is_object(v)) {
    snprintf(msg, n, "field \"params\" is %s, expected an object", v ? "not an object" : "missing");
    return false;
  }
  /* fields added after version 1 may be absent: the rules' own choice for the target */
  as_target t;
  if (!as_target_from_name(target, &t)) as_target_from_name(NULL, &t);
  as_params_default(&t, p);
  int fuse = p->fuse_rows, ro = p->rows_outer, ut = p->unroll_tile;
  if ((json_object_get(v, "reduce_vectors") &&
       !get_param(v, "reduce_vectors", false, 1, 64, &p->reduce_vectors, msg, n)) ||
      (json_object_get(v, "fuse_rows") && !get_param(v, "fuse_rows", true, 0, 1, &fuse, msg, n)) ||
      (json_object_get(v, "window_rows") &&
       !get_param(v, "window_rows", false, 1, 64, &p->window_rows, msg, n)) ||
      (json_object_get(v, "window_vectors") &&
       !get_param(v, "window_vectors", false, 1, 64, &p->window_vectors, msg, n)))
    return false;
  p->fuse_rows = fuse;
  int pack, inl, rf, vo;
  if (!get_param(v, "tile_rows", false, 1, 64, &p->tile_rows, msg, n) ||
      !get_param(v, "tile_vectors", false, 1, 64, &p->tile_vectors, msg, n) ||
      !get_param(v, "pack", true, 0, 1, &pack, msg, n) ||
      !get_param(v, "inline", true, 0, 1, &inl, msg, n) ||
      !get_param(v, "rfactor", true, 0, 1, &rf, msg, n) ||
      !get_param(v, "elem_vectors", false, 1, 64, &p->elem_vectors, msg, n) ||
      !get_param(v, "parallel", false, -1, 64, &p->parallel, msg, n) ||
      !get_param(v, "vo_inner", true, 0, 1, &vo, msg, n) ||
      (json_object_get(v, "rows_outer") && !get_param(v, "rows_outer", true, 0, 1, &ro, msg, n)) ||
      (json_object_get(v, "pack_at") && !get_param(v, "pack_at", false, 0, 64, &p->pack_at, msg, n)) ||
      (json_object_get(v, "unroll_tile") &&
       !get_param(v, "unroll_tile", true, 0, 1, &ut, msg, n)) ||
      (json_object_get(v, "unroll_k") && !get_param(v, "unroll_k", false, 1, 64, &p->unroll_k, msg, n)))
    return false;
  p->pack = pack, p->inline_producers = inl, p->vectorize_reductions = rf, p->vo_inner = vo;
  p->rows_outer = ro, p->unroll_tile = ut;
  return true;
}

/* Parse one line into "e": a candidate when "candidate", else a log entry; false with "msg". */
static bool parse_entry(const char *line, size_t len, bool complete, bool candidate,
                        as_log_entry *e, char *msg, size_t n) {
  json_error_t je;
  json_t *o = json_loadb(line, len, 0, &je);
  if (!o) {
    if (!complete)
      snprintf(msg, n, "truncated entry: the file ends inside it");
    else
      snprintf(msg, n, "not valid JSON at column %d: %s", je.column, je.text);
    return false;
  }
  bool ok = false;
  json_t *ver = json_object_get(o, "version");
  json_t *sizes = json_object_get(o, "sizes"), *kind = json_object_get(o, "kind");
  bool is_cand = json_is_string(kind) && strcmp(json_string_value(kind), "candidate") == 0;
  if (!json_is_object(o)) {
    snprintf(msg, n, "not a tuning log entry: a JSON %s, expected an object",
             json_is_array(o) ? "array" : "value");
  } else if (!ver || !json_object_get(o, "trace")) {
    snprintf(msg, n, "not a tirc tuning log entry (it has no \"version\" and \"trace\")");
  } else if (!json_is_integer(ver) || json_integer_value(ver) < 1 ||
             json_integer_value(ver) > AS_LOG_VERSION) {
    if (json_is_integer(ver))
      snprintf(msg, n, "log version %lld is not supported (this tirc reads versions 1 to %d)",
               (long long)json_integer_value(ver), AS_LOG_VERSION);
    else
      snprintf(msg, n, "field \"version\" is not an integer");
  } else if (candidate && !is_cand) {
    snprintf(msg, n, "not a candidate but a measured entry (tirc tune --resume reads those)");
  } else if (!candidate && is_cand) {
    snprintf(msg, n, "a candidate, not a measured entry (tirc measure measures it)");
  } else if (!json_is_object(sizes) || json_object_size(sizes) > AS_LOG_MAX_SIZES) {
    snprintf(msg, n, "field \"sizes\" is %s, expected an object of at most %d sizes",
             sizes ? "not such an object" : "missing", AS_LOG_MAX_SIZES);
  } else if (get_str(o, "tirc", &e->tirc, msg, n) && get_str(o, "func", &e->func, msg, n) &&
             get_str(o, "target", &e->target, msg, n) &&
             get_str(o, "machine", &e->machine, msg, n) &&
             get_str(o, "trace", &e->trace, msg, n) &&
             get_params(o, e->target, &e->params, msg, n) && get_rest(o, candidate, e, msg, n)) {
    const char *key;
    json_t *v;
    ok = true;
    json_object_foreach(sizes, key, v) {
      if (!json_is_integer(v) || json_integer_value(v) < 0) {
        snprintf(msg, n, "size \"%s\" is not a non-negative integer", key);
        ok = false;
        break;
      }
      e->size_names[e->n_sizes] = tir_xstrdup(key);
      e->size_vals[e->n_sizes++] = json_integer_value(v);
    }
  }
  json_decref(o);
  if (!ok) as_log_entry_free(e);
  return ok;
}

/* Read "path" line by line into "out": candidates or log entries. */
static int read_lines(const char *path, bool candidate, as_log *out, char *err, size_t errlen) {
  const char *what = candidate ? "candidates" : "tuning log";
  FILE *fp = fopen(path, "r");
  if (!fp) {
    snprintf(err, errlen, "%s: error: cannot read the %s: %s", path, what, strerror(errno));
    return -1;
  }
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  int lineno = 0, rc = 0;
  while ((len = getline(&line, &cap, fp)) >= 0) {
    lineno++;
    bool complete = len > 0 && line[len - 1] == '\n';
    size_t n = (size_t)len - complete;
    size_t k = 0;
    while (k < n && (line[k] == ' ' || line[k] == '\t' || line[k] == '\r')) k++;
    if (k == n) continue; /* blank lines are allowed */
    if (memchr(line, 0, (size_t)len)) {
      snprintf(err, errlen, "%s:%d: error: a NUL byte: not a text file", path, lineno);
      rc = -1;
      break;
    }
    as_log_entry e = {0};
    char msg[512];
    if (!parse_entry(line, n, complete, candidate, &e, msg, sizeof msg)) {
      snprintf(err, errlen, "%s:%d: error: %s", path, lineno, msg);
      rc = -1;
      break;
    }
    if (out->n == out->cap) {
      out->cap = out->cap ? 2 * out->cap : 16;
      out->v = tir_xrealloc(out->v, (size_t)out->cap * sizeof *out->v);
    }
    out->v[out->n++] = e;
  }
  if (!rc && ferror(fp)) {
    snprintf(err, errlen, "%s: error: cannot read the %s: %s", path, what, strerror(errno));
    rc = -1;
  }
  free(line);
  fclose(fp);
  return rc;
}

int as_log_read(const char *path, as_log *out, char *err, size_t errlen) {
  return read_lines(path, false, out, err, errlen);
}

int as_cands_read(const char *path, as_log *out, char *err, size_t errlen) {
  return read_lines(path, true, out, err, errlen);
}

int64_t as_size_class(int64_t v) {
  if (v <= 0) return 0;
  int64_t p = 1;
  while (p < v && p < ((int64_t)1 << 61)) p <<= 1;
  /* p is the power of two at or above v, p/2 the one below: the nearer by ratio */
  if (p > 1 && (double)p / (double)v > (double)v / (double)(p / 2)) p /= 2;
  return p;
}

const as_log_entry *as_log_best(const as_log *l, const char *func, const char *target,
                                const char *const *names, const int64_t *vals, int n) {
  const as_log_entry *best = NULL;
  for (int i = 0; i < l->n; i++) {
    const as_log_entry *e = &l->v[i];
    if (e->error || strcmp(e->func, func) != 0 || strcmp(e->target, target) != 0 ||
        (names && e->n_sizes != n))
      continue;
    bool same = true;
    for (int k = 0; k < n && same && names; k++) {
      int j = 0;
      while (j < e->n_sizes && strcmp(e->size_names[j], names[k]) != 0) j++;
      same = j < e->n_sizes && as_size_class(e->size_vals[j]) == as_size_class(vals[k]);
    }
    if (same && (!best || e->median_s < best->median_s)) best = e;
  }
  return best;
}
