"""test_editors.py - the editor grammars in editors/ (the TextMate grammar for VS Code and
others, the Vim syntax file) against the language as tirc's lexer defines it.

The word lists come from the sources, so the grammars cannot drift from the language: the
keywords and dtypes of parser/lexer.re, the schedule primitives of schedule/script.c, the math
functions of ir/ir.h and the reducers of lang/expr.c must each be highlighted.  Then every
example and golden file is tokenized by a small TextMate engine (the subset of the format the
grammar uses: match, begin/end, captures, includes) and, when vim is installed, by Vim's own
syntax engine, and each token that tirc's lexer sees (a reimplementation of lexer.re's rules
below) must get the class it belongs to: comments, strings, keywords, dtypes, numbers,
primitives and functions.

    test_editors.py ROOT
"""
import glob
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else ".")


def read(*path):
    with open(os.path.join(ROOT, *path)) as f:
        return f.read()


# --- the language, from the sources ---------------------------------------------------------

LEXER = read("parser", "lexer.re")
KEYWORDS = set(re.findall(r'^\s*"(\w+)"\s*\{ return lex_token\(', LEXER, re.M))
DTYPES = set(re.findall(r'^\s*"(\w+)"\s*\{ return lex_dtype\(', LEXER, re.M))
PRIMS = set(re.findall(r'X\(\w+, "(\w+)", \d+, \d+, -?\d+\)', read("schedule", "script.c")))
MATH = set(re.findall(r'X\(\w+, "(\w+)", [12]\)', read("ir", "ir.h"))) | {"select"}
EXPR = read("lang", "expr.c")
REDUCERS = set(re.findall(r'\{"(\w+)", IR_(?:ADD|MUL|MAX|MIN)\}', EXPR)) | \
    set(re.findall(r'strcmp\(op, "(arg\w+)"\)', EXPR))
assert len(KEYWORDS) > 20 and len(DTYPES) == 13 and len(PRIMS) > 20, (KEYWORDS, DTYPES, PRIMS)
assert {"exp", "erf", "pow"} <= MATH and {"sum", "argmax"} <= REDUCERS, (MATH, REDUCERS)
CONSTANTS = {"true", "false", "inf", "nan"}

# tirc's tokens (parser/lexer.re), in the lexer's order of preference
TOKEN = re.compile(r"""
  (?P<ws>[ \t\r\n]+)
| (?P<comment>//[^\n]*|/\*.*?\*/)
| (?P<string>"(?:[^"\\\n]|\\.)*")
| (?P<float>[0-9]+\.[0-9]+(?:[eE][+-]?[0-9]+)?|[0-9]+[eE][+-]?[0-9]+)
| (?P<int>0x[0-9a-fA-F]+|[0-9]+)
| (?P<word>[A-Za-z_][A-Za-z0-9_]*)
| (?P<op>->|\*\*|\.\.|\|\||&&|==|!=|<=|>=|[-+*/%<>!=,;:.(){}\[\]])
""", re.S | re.X)


def tokens(text):
    """(kind, text, offset) of each token; kind: comment, string, float, int, keyword, dtype,
    constant, funcname (after func or schedule), primitive, reducer, math, word or op.  A name counts as a call (primitive, math,
    reducer) when a bracket follows, as the grammars decide."""
    out, p = [], 0
    while p < len(text):
        m = TOKEN.match(text, p)
        assert m, f"tirc's lexer would refuse {text[p:p + 20]!r}"
        kind, s = m.lastgroup, m.group()
        if kind == "word":
            after = text[m.end():].lstrip(" \t")
            call = after[:1] == "("
            if out and out[-1][1] in ("func", "schedule") and out[-1][0] == "keyword":
                kind = "funcname"
            elif s in CONSTANTS:
                kind = "constant"
            elif s in KEYWORDS:
                kind = "keyword"
            elif s in DTYPES:
                kind = "dtype"
            elif s in PRIMS and call:
                kind = "primitive"
            elif s in REDUCERS and after[:1] in "([" and after:
                kind = "reducer"
            elif s in MATH and call:
                kind = "math"
        if kind != "ws":
            out.append((kind, s, p))
        p = m.end()
    return out


# what each class of token must be highlighted as: TextMate scope prefixes, Vim groups
EXPECT = {
    "comment": (("comment.",), ("tirComment",)),
    "string": (("string.",), ("tirString",)),
    "float": (("constant.numeric",), ("tirFloat",)),
    "int": (("constant.numeric",), ("tirNumber",)),
    "constant": (("constant.language",), ("tirConstant",)),
    "keyword": (("keyword.", "storage.modifier"),
                ("tirDeclaration", "tirControl", "tirKeyword", "tirScope")),
    "dtype": (("storage.type",), ("tirType",)),
    "primitive": (("support.function.schedule", "keyword."),
                  ("tirPrimitive", "tirKeyword", "tirControl")),
    "reducer": (("support.function.reducer",), ("tirReducer",)),
    "math": (("support.function.math",), ("tirMath",)),
    "funcname": (("entity.name.function",), ("tirFuncName",)),
}

# --- a TextMate engine for the subset the grammar uses --------------------------------------


class Grammar:
    def __init__(self, path):
        with open(path) as f:
            self.g = json.load(f)
        self.cache = {}

    def flatten(self, patterns):
        """The rules of "patterns" with includes resolved, in order."""
        out = []
        for p in patterns:
            if "include" in p:
                ref = self.g["repository"][p["include"].lstrip("#")]
                out += self.flatten(ref["patterns"]) if "patterns" in ref and \
                    "match" not in ref and "begin" not in ref else self.flatten([ref])
            else:
                out.append(p)
        return out

    def rx(self, s):
        if s not in self.cache:
            self.cache[s] = re.compile(s)
        return self.cache[s]

    def scopes(self, text):
        """The scope name of each character of "text" (None where no rule names it)."""
        names = [None] * len(text)
        stack = []  # open begin/end rules
        top = self.flatten(self.g["patterns"])
        p = 0
        while p < len(text):
            rules = self.flatten(stack[-1].get("patterns", [])) if stack else top
            best = None  # (start, order, match, rule, is_end)
            line_end = text.find("\n", p)
            line_end = len(text) if line_end < 0 else line_end
            if stack:
                m = self.rx(stack[-1]["end"]).search(text, p, line_end)
                if m:
                    best = (m.start(), -1, m, stack[-1], True)
            for i, r in enumerate(rules):
                m = self.rx(r.get("match") or r["begin"]).search(text, p, line_end)
                if m and (best is None or m.start() < best[0]):
                    best = (m.start(), i, m, r, False)
            if best is None or best[2].end() == best[2].start() == line_end:
                if stack:
                    for k in range(p, line_end + 1 if line_end < len(text) else line_end):
                        names[k] = stack[-1].get("name")
                p = line_end + 1
                continue
            start, _, m, r, is_end = best
            if stack:
                for k in range(p, start):
                    names[k] = stack[-1].get("name")
            if is_end:
                for k in range(m.start(), m.end()):
                    names[k] = r.get("name")
                stack.pop()
            elif "match" in r:
                for k in range(m.start(), m.end()):
                    names[k] = r.get("name")
                for gi, cap in r.get("captures", {}).items():
                    if m.group(int(gi)) is not None:
                        for k in range(m.start(int(gi)), m.end(int(gi))):
                            names[k] = cap["name"]
            else:
                for k in range(m.start(), m.end()):
                    names[k] = r.get("name")
                stack.append(r)
            p = max(m.end(), p + 1) if m.end() == m.start() else m.end()
        return names


def files():
    fs = sorted(glob.glob(os.path.join(ROOT, "examples", "*.tir")) +
                glob.glob(os.path.join(ROOT, "tests", "golden", "*.tir")))
    assert len(fs) > 20, fs
    return fs


def check_words(grammar_text, vim_text):
    """Every keyword, dtype, primitive, math function and reducer is named in both grammars."""
    for word in sorted(KEYWORDS | DTYPES | PRIMS | MATH | REDUCERS):
        w = re.compile(r"(?<![A-Za-z0-9_])" + re.escape(word) + r"(?![A-Za-z0-9_])")
        assert w.search(grammar_text), f"the TextMate grammar does not name '{word}'"
        assert w.search(vim_text), f"the Vim syntax file does not name '{word}'"


def check_textmate(grammar, path):
    text = open(path).read()
    names = grammar.scopes(text)
    n = 0
    for kind, s, off in tokens(text):
        if kind not in EXPECT:
            continue
        want = EXPECT[kind][0]
        for k in range(off, off + len(s)):
            got = names[k] or ""
            assert got.startswith(want), \
                (f"{os.path.relpath(path, ROOT)}: {kind} {s!r} at offset {off}: "
                 f"TextMate scope {got!r}, expected {' or '.join(want)}")
        n += 1
    return n


def check_vim(paths):
    """Vim's syntax group at the first character of each classified token."""
    vim = shutil.which("vim")
    if not vim:
        print("note: vim is not installed: the Vim syntax file is checked for its word lists "
              "only")
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        script, want = [], []
        script += ["set nocompatible", f"let &rtp = '{ROOT}/editors/vim,' . &rtp",
                   "filetype on", "syntax on", "let out = []"]
        for path in paths:
            text = open(path).read()
            script.append(f"edit {path}")
            script.append("if &filetype != 'tir' | call add(out, 'FILETYPE:' . &filetype) | endif")
            pos = []
            for kind, s, off in tokens(text):
                if kind not in EXPECT:
                    continue
                line = text.count("\n", 0, off) + 1
                col = off - (text.rfind("\n", 0, off) + 1) + 1
                pos.append(f"[{line},{col}]")
                want.append((path, kind, s, line, col))
            for i in range(0, len(pos), 200):
                script.append("for [l, c] in [" + ",".join(pos[i:i + 200]) + "]")
                script.append("  call add(out, synIDattr(synID(l, c, 1), 'name'))")
                script.append("endfor")
        result = os.path.join(tmp, "out.txt")
        script += [f"call writefile(out, '{result}')", "qa!"]
        vs = os.path.join(tmp, "check.vim")
        with open(vs, "w") as f:
            f.write("\n".join(script) + "\n")
        subprocess.run([vim, "-N", "-u", "NONE", "-i", "NONE", "-es", "-S", vs],
                       check=False, timeout=120, stdin=subprocess.DEVNULL)
        got = open(result).read().splitlines()
    bad = [g for g in got if g.startswith("FILETYPE:")]
    assert not bad, f"vim did not detect .tir files (editors/vim/ftdetect): {bad[:3]}"
    assert len(got) == len(want), (len(got), len(want))
    for g, (path, kind, s, line, col) in zip(got, want):
        assert g in EXPECT[kind][1], \
            (f"{os.path.relpath(path, ROOT)}:{line}:{col}: {kind} {s!r}: Vim group {g!r}, "
             f"expected {' or '.join(EXPECT[kind][1])}")
    return len(got)


def main():
    gpath = os.path.join(ROOT, "editors", "vscode", "syntaxes", "tir.tmLanguage.json")
    vim_text = read("editors", "vim", "syntax", "tir.vim")
    check_words(read("editors", "vscode", "syntaxes", "tir.tmLanguage.json"), vim_text)
    pkg = json.loads(read("editors", "vscode", "package.json"))
    assert pkg["contributes"]["grammars"][0]["path"] == "./syntaxes/tir.tmLanguage.json"
    grammar = Grammar(gpath)
    paths = files()
    n_tm = sum(check_textmate(grammar, p) for p in paths)
    n_vim = check_vim(paths)
    print(f"{len(paths)} files: {n_tm} tokens checked against the TextMate grammar, "
          f"{n_vim} against Vim's syntax file")


if __name__ == "__main__":
    main()
