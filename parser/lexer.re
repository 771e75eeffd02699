/* lexer.re - the tokens of docs/language.md §7.1 (re2c 3.0, generated into build/gen/lexer.c):
 * the bytes of one registered file in, token kinds with values and locations out. */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "parser/parse_private.h"

/* The location of the bytes [tok, end), which lie on the current line. */
static tir_loc lex_loc(const parse_state *ps, const unsigned char *tok,
                       const unsigned char *end) {
  size_t n = (size_t)(end - tok);
  tir_loc l;
  l.file = ps->file;
  l.line = ps->line;
  l.col = (int)(tok - ps->line_start) + 1;
  l.len = n < 1 ? 1 : n > INT_MAX ? INT_MAX : (int)n;
  return l;
}

/* Return token "kind" spanning [tok, ps->cur), remembering it as the last token. */
static int lex_token(parse_state *ps, PARSE_LTYPE *lloc, const unsigned char *tok, int kind) {
  *lloc = lex_loc(ps, tok, ps->cur);
  ps->last = *lloc;
  ps->any_token = true;
  return kind;
}

/* End of file, or a parse that must stop: the location is the last byte of the last token,
 * so a report about it points at something in the file. */
static int lex_eof(parse_state *ps, PARSE_LTYPE *lloc) {
  if (ps->any_token) {
    *lloc = ps->last;
    lloc->col += ps->last.len - 1;
    lloc->len = 1;
  } else {
    *lloc = (tir_loc){.file = ps->file, .line = 1, .col = 1, .len = 1};
  }
  return TOK_YYEOF;
}

/* An opening bracket: remembered for the "to match this" note, and counted because deeper
 * nesting than PARSE_MAX_NESTING would let the recursive passes overflow the C stack. */
static int lex_open(parse_state *ps, PARSE_LTYPE *lloc, const unsigned char *tok) {
  tir_loc loc = lex_loc(ps, tok, ps->cur);
  if (ps->depth == PARSE_MAX_NESTING) {
    diag_error(ps->d, loc, "nesting is too deep (more than %d levels)", PARSE_MAX_NESTING);
    ps->stop = true;
    return lex_eof(ps, lloc);
  }
  ps->open_loc[ps->depth] = loc;
  ps->open_ch[ps->depth] = (char)*tok;
  ps->depth++;
  return lex_token(ps, lloc, tok, *tok);
}

/* A closing bracket closes the innermost open one of its kind; a stray one closes nothing
 * (the parser reports it). */
static int lex_close(parse_state *ps, PARSE_LTYPE *lloc, const unsigned char *tok) {
  char open = *tok == ')' ? '(' : *tok == ']' ? '[' : '{';
  for (int i = ps->depth - 1; i >= 0; i--)
    if (ps->open_ch[i] == open) {
      ps->depth = i;
      break;
    }
  return lex_token(ps, lloc, tok, *tok);
}

/* A byte no token starts with.  A well-formed UTF-8 sequence is skipped whole so that one
 * character gives one error. */
static int lex_invalid(parse_state *ps, PARSE_LTYPE *lloc, const unsigned char *tok) {
  unsigned char c = *tok;
  int more = c >= 0xc2 && c <= 0xdf   ? 1
             : c >= 0xe0 && c <= 0xef ? 2
             : c >= 0xf0 && c <= 0xf4 ? 3
                                      : 0;
  if (ps->lim - ps->cur >= more) {
    int i = 0;
    while (i < more && (ps->cur[i] & 0xc0) == 0x80) i++;
    if (i == more) ps->cur += more;
  }
  *lloc = lex_loc(ps, tok, ps->cur);
  if (c >= 0x20 && c < 0x7f)
    diag_error(ps->d, *lloc, "invalid character '%c'", c);
  else
    diag_error(ps->d, *lloc, "invalid byte 0x%02x", c);
  return TOK_PARSE_error;
}

/* A block comment after its opening slash-star, which is at "open"; comments do not nest.
 * Returns 0, or the error token when the file ends first. */
static int lex_block_comment(parse_state *ps, PARSE_LTYPE *lloc, tir_loc open) {
  for (const unsigned char *p = ps->cur; p < ps->lim; p++) {
    if (*p == '\n') {
      ps->line++;
      ps->line_start = p + 1;
    } else if (*p == '*' && p + 1 < ps->lim && p[1] == '/') {
      ps->cur = p + 2;
      return 0;
    }
  }
  ps->cur = ps->lim;
  *lloc = open;
  diag_error(ps->d, open, "unterminated comment");
  return TOK_PARSE_error;
}

/* A string after its opening quote at "tok": one line of printable ASCII without '"' or '\'. */
static int lex_string(parse_state *ps, PARSE_STYPE *lval, PARSE_LTYPE *lloc,
                      const unsigned char *tok) {
  const unsigned char *p = ps->cur, *bad = NULL;
  for (; p < ps->lim && *p != '"' && *p != '\n'; p++)
    if (!bad && (*p < 0x20 || *p >= 0x7f || *p == '\\')) bad = p;
  if (p == ps->lim || *p == '\n') {
    const unsigned char *end = p > tok + 1 && p[-1] == '\r' ? p - 1 : p;
    ps->cur = p;
    *lloc = lex_loc(ps, tok, end);
    diag_error(ps->d, *lloc, "unterminated string");
    return TOK_PARSE_error;
  }
  ps->cur = p + 1;
  if (bad) diag_error(ps->d, lex_loc(ps, bad, bad + 1), "invalid character in string");
  lval->str = tir_arena_strndup(ps->a, (const char *)tok + 1, (size_t)(p - tok - 1));
  return lex_token(ps, lloc, tok, TOK_STRING);
}

/* A decimal or 0x hexadecimal literal [tok, ps->cur); past UINT64_MAX it is an error but
 * still an INT token, so that parsing goes on undisturbed.  Its text stays in the file's bytes
 * (a schedule's target `x86-64` is joined from it). */
static int lex_int(parse_state *ps, PARSE_STYPE *lval, PARSE_LTYPE *lloc,
                   const unsigned char *tok) {
  bool hex = ps->cur - tok > 2 && tok[1] == 'x';
  unsigned base = hex ? 16 : 10;
  uint64_t v = 0;
  bool too_big = false;
  for (const unsigned char *p = tok + (hex ? 2 : 0); p < ps->cur; p++) {
    unsigned d = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
    if (v > (UINT64_MAX - d) / base) too_big = true;
    v = v * base + d;
  }
  int kind = lex_token(ps, lloc, tok, TOK_INT);
  if (too_big) diag_error(ps->d, *lloc, "integer literal is too large");
  lval->ival.value = too_big ? UINT64_MAX : v;
  lval->ival.too_big = too_big;
  lval->ival.text = (const char *)tok;
  return kind;
}

/* A float literal [tok, ps->cur) (digits on both sides of '.', or an exponent). */
static int lex_float(parse_state *ps, PARSE_STYPE *lval, PARSE_LTYPE *lloc,
                     const unsigned char *tok) {
  size_t n = (size_t)(ps->cur - tok);
  char buf[64], *s = n < sizeof buf ? buf : tir_xmalloc(n + 1);
  memcpy(s, tok, n);
  s[n] = 0;
  errno = 0;
  lval->fval = strtod(s, NULL);
  bool huge = errno == ERANGE && isinf(lval->fval);
  if (s != buf) free(s);
  int kind = lex_token(ps, lloc, tok, TOK_FLOAT);
  if (huge) diag_error(ps->d, *lloc, "float literal is too large");
  return kind;
}

static int lex_dtype(parse_state *ps, PARSE_STYPE *lval, PARSE_LTYPE *lloc,
                     const unsigned char *tok, ir_dtype t) {
  lval->dtype = t;
  return lex_token(ps, lloc, tok, TOK_DTYPE);
}

int parse_lex(PARSE_STYPE *lval, PARSE_LTYPE *lloc, parse_state *ps) {
  const unsigned char *mar;
  if (ps->start) { /* the start symbol's token, before the file's first */
    int kind = ps->start;
    ps->start = 0;
    *lloc = (tir_loc){.file = ps->file, .line = 1, .col = 1, .len = 1};
    return kind;
  }
  for (;;) {
    if (ps->stop || diag_too_many(ps->d)) {
      ps->stop = true;
      return lex_eof(ps, lloc);
    }
    const unsigned char *tok = ps->cur;
    /*!re2c
      re2c:define:YYCTYPE = "unsigned char";
      re2c:define:YYCURSOR = "ps->cur";
      re2c:define:YYLIMIT = "ps->lim";
      re2c:define:YYMARKER = "mar";
      re2c:yyfill:enable = 0;
      re2c:eof = 0;

      dec = [0-9];
      hex = [0-9a-fA-F];
      exp = [eE] [+-]? dec+;

      $               { return lex_eof(ps, lloc); }
      [ \t\r]+        { continue; }
      "\n"            { ps->line++; ps->line_start = ps->cur; continue; }
      "//" [^\n]*     { continue; }
      "/*"            {
                        int r = lex_block_comment(ps, lloc, lex_loc(ps, tok, ps->cur));
                        if (r) return r;
                        continue;
                      }
      ["]             { return lex_string(ps, lval, lloc, tok); }

      "func"          { return lex_token(ps, lloc, tok, TOK_FUNC); }
      "let"           { return lex_token(ps, lloc, tok, TOK_LET); }
      "alloc"         { return lex_token(ps, lloc, tok, TOK_ALLOC); }
      "block"         { return lex_token(ps, lloc, tok, TOK_BLOCK); }
      "for"           { return lex_token(ps, lloc, tok, TOK_FOR); }
      "in"            { return lex_token(ps, lloc, tok, TOK_IN); }
      "grid"          { return lex_token(ps, lloc, tok, TOK_GRID); }
      "range"         { return lex_token(ps, lloc, tok, TOK_RANGE); }
      "spatial"       { return lex_token(ps, lloc, tok, TOK_SPATIAL); }
      "reduce"        { return lex_token(ps, lloc, tok, TOK_REDUCE); }
      "opaque"        { return lex_token(ps, lloc, tok, TOK_OPAQUE); }
      "init"          { return lex_token(ps, lloc, tok, TOK_INIT); }
      "where"         { return lex_token(ps, lloc, tok, TOK_WHERE); }
      "parallel"      { return lex_token(ps, lloc, tok, TOK_PARALLEL); }
      "vectorized"    { return lex_token(ps, lloc, tok, TOK_VECTORIZED); }
      "unrolled"      { return lex_token(ps, lloc, tok, TOK_UNROLLED); }
      "bind"          { return lex_token(ps, lloc, tok, TOK_BIND); }
      "import"        { return lex_token(ps, lloc, tok, TOK_IMPORT); }
      "schedule"      { return lex_token(ps, lloc, tok, TOK_SCHEDULE); }
      "true"          { return lex_token(ps, lloc, tok, TOK_TRUE); }
      "false"         { return lex_token(ps, lloc, tok, TOK_FALSE); }
      "inf"           { return lex_token(ps, lloc, tok, TOK_INF); }
      "nan"           { return lex_token(ps, lloc, tok, TOK_NAN); }
      "global"        { return lex_token(ps, lloc, tok, TOK_GLOBAL); }
      "shared"        { return lex_token(ps, lloc, tok, TOK_SHARED); }
      "local"         { return lex_token(ps, lloc, tok, TOK_LOCAL); }
      "annotate"      { return lex_token(ps, lloc, tok, TOK_ANNOTATE); }
      "align"         { return lex_token(ps, lloc, tok, TOK_ALIGN); }

      "bool"          { return lex_dtype(ps, lval, lloc, tok, IR_BOOL); }
      "i8"            { return lex_dtype(ps, lval, lloc, tok, IR_I8); }
      "i16"           { return lex_dtype(ps, lval, lloc, tok, IR_I16); }
      "i32"           { return lex_dtype(ps, lval, lloc, tok, IR_I32); }
      "i64"           { return lex_dtype(ps, lval, lloc, tok, IR_I64); }
      "u8"            { return lex_dtype(ps, lval, lloc, tok, IR_U8); }
      "u16"           { return lex_dtype(ps, lval, lloc, tok, IR_U16); }
      "u32"           { return lex_dtype(ps, lval, lloc, tok, IR_U32); }
      "u64"           { return lex_dtype(ps, lval, lloc, tok, IR_U64); }
      "f16"           { return lex_dtype(ps, lval, lloc, tok, IR_F16); }
      "bf16"          { return lex_dtype(ps, lval, lloc, tok, IR_BF16); }
      "f32"           { return lex_dtype(ps, lval, lloc, tok, IR_F32); }
      "f64"           { return lex_dtype(ps, lval, lloc, tok, IR_F64); }

      [A-Za-z_][A-Za-z0-9_]* {
                        lval->str = tir_arena_strndup(ps->a, (const char *)tok,
                                                      (size_t)(ps->cur - tok));
                        return lex_token(ps, lloc, tok, TOK_IDENT);
                      }
      dec+ | "0x" hex+ { return lex_int(ps, lval, lloc, tok); }
      dec+ "." dec+ exp? | dec+ exp { return lex_float(ps, lval, lloc, tok); }

      "->"            { return lex_token(ps, lloc, tok, TOK_ARROW); }
      "**"            { return lex_token(ps, lloc, tok, TOK_POW); }
      ".."            { return lex_token(ps, lloc, tok, TOK_DOTDOT); }
      "||"            { return lex_token(ps, lloc, tok, TOK_OROR); }
      "&&"            { return lex_token(ps, lloc, tok, TOK_ANDAND); }
      "=="            { return lex_token(ps, lloc, tok, TOK_EQ); }
      "!="            { return lex_token(ps, lloc, tok, TOK_NE); }
      "<="            { return lex_token(ps, lloc, tok, TOK_LE); }
      ">="            { return lex_token(ps, lloc, tok, TOK_GE); }
      [-+*/%<>!=,;:.] { return lex_token(ps, lloc, tok, *tok); }
      [([{]           { return lex_open(ps, lloc, tok); }
      [)\]}]          { return lex_close(ps, lloc, tok); }
      *               { return lex_invalid(ps, lloc, tok); }
    */
  }
}
