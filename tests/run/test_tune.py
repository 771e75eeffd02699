"""test_tune.py - `tirc tune` on a tiny fixed-seed budget, nothing that depends on timing: the
log it writes is JSON Lines of version-2 entries that tirc reads back (the best by median is
what --tuning-log applies), the rules' own params come first and replay to the rules' IR, the
best trace agrees with the interpreter through --tuning-log, sizes of another class fall back
to the rules, and corrupt, truncated or foreign logs are errors naming their line.

    test_tune.py --tirc TIRC --examples DIR [CASE...]
"""
import json
import os
import re
import tempfile

import tirtest

SIZES = {"matmul": "M=40,N=72,K=24", "softmax": "N=24,D=70"}


def tirc_ok(args):
    status, out, err = tirtest.tirc(args, timeout=300)
    assert status == 0, f"tirc {' '.join(args)}: status {status}\n{out}\n{err}"
    return out, err


def target():
    flags = open("/proc/cpuinfo").read()
    return "avx2" if re.search(r"\bavx2\b", flags) and re.search(r"\bfma\b", flags) else "x86-64"


def tune(args, tmp, func, trials=4):
    """Tune "func" of its example (its own schedule set aside); the log's entries and stdout."""
    tir = os.path.join(args.examples, func + ".tir")
    empty = os.path.join(tmp, "empty.sched")
    open(empty, "w").close()
    log = os.path.join(tmp, func + ".jsonl")
    out, err = tirc_ok(["tune", tir, "--func", func, "--size", SIZES[func], "--target", target(),
                        "--trials", str(trials), "--seed", "3", "--jobs", "2", "--schedule", empty,
                        "--log", log])
    lines = open(log).read().splitlines()
    return tir, empty, log, [json.loads(l) for l in lines], out, err


def check_entries(entries, func, trials):
    """"trials" entries, then the final round: the baseline and the fastest (at most 3) others
    measured once more."""
    assert len(entries) == trials + min(trials - 1, 3) + 1, entries
    assert entries[trials]["trace"] == entries[0]["trace"]
    for e in entries:
        assert e["version"] == 2 and e["func"] == func and e["target"] == target(), e
        assert set(e) == {"version", "tirc", "func", "target", "sizes", "machine", "trace",
                          "params", "median_s", "gflops"}, e
        assert e["trace"].startswith(f"schedule {func} for {target()} {{\n"), e
        assert e["median_s"] > 0 and e["machine"], e
        assert set(e["params"]) == {"tile_rows", "tile_vectors", "pack", "inline", "rfactor",
                                    "elem_vectors", "parallel", "vo_inner", "rows_outer",
                                    "pack_at", "unroll_tile", "unroll_k", "reduce_vectors",
                                    "fuse_rows", "window_rows", "window_vectors"}, e
    traces = [e["trace"] for e in entries[:trials]]
    assert len(set(traces)) == len(traces), "traces are deduplicated"


def best_of(entries):
    return min(entries, key=lambda e: e["median_s"])


def t_matmul_log_round_trip(args):
    """The log holds one entry per trial, the rules' defaults first; --tuning-log reads it back
    and applies the fastest entry's trace, which agrees with the interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        tir, empty, log, entries, out, _ = tune(args, tmp, "matmul")
        check_entries(entries, "matmul", 4)
        assert entries[0]["params"] == {"tile_rows": 6, "tile_vectors": 2, "pack": True, "inline": True, "rfactor": True,
                                        "elem_vectors": 1, "parallel": 0, "vo_inner": False,
                                        "rows_outer": False, "pack_at": 0, "unroll_tile": True,
                                        "unroll_k": 1, "reduce_vectors": 4, "fuse_rows": True,
                                        "window_rows": 12, "window_vectors": 1}
        assert "check: agrees with the interpreter" in out, out
        best = best_of(entries)
        assert out.endswith(best["trace"]), (out, best)
        # the rules' defaults are the rules: same trace as `--emit trace`
        rules, _ = tirc_ok([tir, "--schedule", empty, "--target", target(), "--emit", "trace"])
        assert entries[0]["trace"] == rules, (entries[0]["trace"], rules)
        # --tuning-log picks the best entry (read back through the C reader)
        picked, _ = tirc_ok([tir, "--target", target(), "--tuning-log", log, "--size",
                             SIZES["matmul"], "--emit", "trace"])
        assert picked == best["trace"], (picked, best["trace"])
        run, _ = tirc_ok(["run", tir, "--target", target(), "--tuning-log", log, "--size",
                          "M=37,N=70,K=29", "--check"])
        assert "check C: ok" in run, run


def t_best_trace_replays(args):
    """The best trace, given as a --schedule file with the rules off, gives the IR that
    --tuning-log gives; the rules' entry replays to the rules' IR."""
    with tempfile.TemporaryDirectory() as tmp:
        tir, empty, log, entries, _, _ = tune(args, tmp, "matmul")
        sched = os.path.join(tmp, "best.sched")
        open(sched, "w").write(best_of(entries)["trace"])
        replay, _ = tirc_ok([tir, "--target", target(), "--schedule", sched,
                             "--no-auto-schedule", "--emit", "ir"])
        picked, _ = tirc_ok([tir, "--target", target(), "--tuning-log", log, "--size",
                             SIZES["matmul"], "--emit", "ir"])
        assert replay == picked
        open(sched, "w").write(entries[0]["trace"])
        replay, _ = tirc_ok([tir, "--target", target(), "--schedule", sched,
                             "--no-auto-schedule", "--emit", "ir"])
        rules, _ = tirc_ok([tir, "--target", target(), "--schedule", empty, "--emit", "ir"])
        assert replay == rules


def t_softmax(args):
    """A row reduction tunes too; its best trace agrees with the interpreter."""
    with tempfile.TemporaryDirectory() as tmp:
        tir, _, log, entries, out, _ = tune(args, tmp, "softmax")
        check_entries(entries, "softmax", 4)
        run, _ = tirc_ok(["run", tir, "--target", target(), "--tuning-log", log, "--size",
                          "N=23,D=67", "--check"])
        assert "check Y: ok" in run, run


def t_size_class_fallback(args):
    """Sizes of another size class (powers of two by ratio) keep the file's schedule and the
    rules."""
    with tempfile.TemporaryDirectory() as tmp:
        tir, _, log, entries, _, _ = tune(args, tmp, "matmul", trials=2)
        own, _ = tirc_ok([tir, "--target", target(), "--emit", "trace"])
        other, _ = tirc_ok([tir, "--target", target(), "--tuning-log", log, "--size",
                            "M=400,N=72,K=24", "--emit", "trace"])
        assert other == own
        near, _ = tirc_ok([tir, "--target", target(), "--tuning-log", log, "--size",
                           "M=33,N=64,K=30", "--emit", "trace"])
        assert near == best_of(entries)["trace"]


def t_space_holds_hand_schedule(args):
    """The tuner's baseline, the rules' own params, is examples/matmul.tir's hand-written
    schedule for avx512 and for avx2: the same IR up to the names of the loops."""
    tir = os.path.join(args.examples, "matmul.tir")
    for t in ("avx512", "avx2"):
        hand, _ = tirc_ok([tir, "--target", t, "--emit", "ir"])
        rules, _ = tirc_ok([tir, "--target", t, "--schedule", os.devnull, "--emit", "ir"])
        assert hand != rules and re.sub(r"\b([ij])_([oi])", r"\1\2", rules) == hand, (t, rules)


def t_search_space(args):
    """Candidates sample the tile's loop order, where its panel is packed, whether its rows are
    unrolled and the unroll depth of its reduction; each is a trace of typed-API steps that
    replays to its IR and agrees with the interpreter (tirc measure checks every one)."""
    with tempfile.TemporaryDirectory() as tmp:
        tir = os.path.join(args.examples, "matmul.tir")
        cands = os.path.join(tmp, "c.jsonl")
        tirc_ok(["tune", tir, "--func", "matmul", "--size", SIZES["matmul"], "--target",
                 target(), "--schedule", os.devnull, "--trials", "12", "--seed", "7", "--jobs",
                 "2", "--emit-candidates", cands])
        c = [json.loads(l) for l in open(cands)]
        assert len(c) == 12
        seen = {k: {e["params"][k] for e in c} for k in ("rows_outer", "unroll_k", "pack_at")}
        assert seen["rows_outer"] == {False, True} and len(seen["unroll_k"]) > 2 and \
            len(seen["pack_at"]) > 1, seen
        deep = [e for e in c if e["params"]["unroll_k"] > 1]
        assert deep and all(re.search(r"k_o, k_i = split\(k, %d\);" % e["params"]["unroll_k"],
                                      e["trace"]) and "unroll(k_i);" in e["trace"] for e in deep)
        res = os.path.join(tmp, "r.jsonl")
        tirc_ok(["measure", cands, "-o", res, "--jobs", "2"])
        r = [json.loads(l) for l in open(res)]
        assert [e.get("error") for e in r] == [None] * 12, r


GOOD = ('{"version":1,"tirc":"0.1.0","func":"matmul","target":"avx2","sizes":{"M":8},'
        '"machine":"x","trace":"schedule matmul for avx2 {\\n}\\n","params":{"tile_rows":6,'
        '"tile_vectors":2,"pack":true,"inline":true,"rfactor":true,"elem_vectors":1,'
        '"parallel":0,"vo_inner":false},"median_s":0.001,"gflops":1.5}')

BAD_LOGS = [
    ("corrupt", GOOD + "\n" + GOOD + "\n{\"version\": 1, oops}\n",
     "3: error: not valid JSON at column 19: string or '}' expected near 'oops'"),
    ("truncated", GOOD + "\n" + GOOD[:60],
     "2: error: truncated entry: the file ends inside it"),
    ("foreign", '{"name": "resnet", "epochs": 3}\n',
     '1: error: not a tirc tuning log entry (it has no "version" and "trace")'),
    ("version", GOOD.replace('"version":1', '"version":7') + "\n",
     "1: error: log version 7 is not supported (this tirc reads versions 1 to 2)"),
    ("array", "[1, 2]\n", "1: error: not a tuning log entry: a JSON array, expected an object"),
    ("median", GOOD.replace('0.001', '"fast"') + "\n",
     '1: error: field "median_s" is not a non-negative number'),
    ("params", GOOD.replace('"tile_rows":6', '"tile_rows":0') + "\n",
     '1: error: field "params.tile_rows" is out of range, expected an integer from 1 to 64'),
]


def t_bad_logs(args):
    """Every malformed log is one error line naming the file and line, status 1."""
    tir = os.path.join(args.examples, "matmul.tir")
    with tempfile.TemporaryDirectory() as tmp:
        for name, text, msg in BAD_LOGS:
            path = os.path.join(tmp, name + ".jsonl")
            open(path, "w").write(text)
            for cmd in ([tir], ["run", tir, "--size", "M=8,N=8,K=8"]):
                status, out, err = tirtest.tirc(cmd + ["--tuning-log", path])
                assert status == 1 and err == f"{path}:{msg}\n", (name, err)
        missing = os.path.join(tmp, "none.jsonl")
        status, _, err = tirtest.tirc([tir, "--tuning-log", missing])
        assert status == 1 and err == (f"{missing}: error: cannot read the tuning log: No such "
                                       "file or directory\n"), err
        # a good line passes and applies (an empty trace for avx2: no schedule at all)
        good = os.path.join(tmp, "good.jsonl")
        open(good, "w").write(GOOD + "\n\n")
        out, _ = tirc_ok([tir, "--target", "avx2", "--tuning-log", good, "--size", "M=8",
                          "--emit", "trace"])


def t_tune_usage(args):
    tir = os.path.join(args.examples, "matmul.tir")
    status, _, err = tirtest.tirc(["tune", tir, "--func", "matmul", "--size", "M=8,N=8,K=8"])
    assert status == 1 and err == ("tirc: error: tirc tune needs --log FILE.jsonl, where the "
                                   "measurements go (or --emit-candidates FILE.jsonl)\n"), err
    status, _, err = tirtest.tirc(["tune", tir, "--size", "M=8,N=8", "--log", os.devnull])
    assert status == 1 and err == ("tirc: error: size 'K' of matmul is not known; give it with "
                                   "--size K=...\n"), err
    status, _, err = tirtest.tirc(["tune", tir, "--trials", "0", "--log", os.devnull])
    assert status == 1 and "--trials expects" in err, err
    # --time takes the budget in seconds (not the stage-timing flag of the other commands)
    status, _, err = tirtest.tirc(["tune", tir, "--time", "soon", "--log", os.devnull])
    assert status == 1 and err == ("tirc: error: --time expects seconds (a positive number), "
                                   "got 'soon'\n"), err


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
