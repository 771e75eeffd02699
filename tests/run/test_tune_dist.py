"""test_tune_dist.py - tuning beyond one machine (docs/tuning.md), on tiny sizes and a few
candidates, asserting on content and round trips, never on timing: the GNU parallel example
of docs/tuning.md run as written; candidates that fail to replay or compile recorded as
failed results; malformed candidates and results files named by file and line; --resume
learning from results without measuring their traces again.

    test_tune_dist.py --tirc TIRC --examples DIR [CASE...]
"""
import json
import os
import shutil
import subprocess
import tempfile

import tirtest

DOC = os.path.join(os.path.dirname(tirtest.tests_dir()), "docs", "tuning.md")
SIZES = "M=40,N=72,K=24"


def tirc_ok(args, cwd=None):
    status, out, err = tirtest.tirc(args, cwd=cwd, timeout=300)
    assert status == 0, f"tirc {' '.join(args)}: status {status}\n{out}\n{err}"
    return out, err


def lines(path):
    return [json.loads(l) for l in open(path).read().splitlines()]


def emit(args, tmp, name, extra=(), trials=4, seed=1):
    """Candidates of examples/matmul.tir (its own schedule set aside) at SIZES for avx2."""
    path = os.path.join(tmp, name)
    out, _ = tirc_ok(["tune", os.path.join(args.examples, "matmul.tir"), "--func", "matmul",
                      "--size", SIZES, "--target", "avx2", "--schedule", os.devnull,
                      "--trials", str(trials), "--seed", str(seed), "--jobs", "2",
                      "--emit-candidates", path] + list(extra))
    return path, out


def doc_example():
    """The shell block of docs/tuning.md marked as tested."""
    text = open(DOC).read()
    start = text.index("```sh\n", text.index("<!-- tested:")) + len("```sh\n")
    return text[start:text.index("```", start)]


def t_parallel_example(args):
    """The example of docs/tuning.md runs as written (tirc on PATH, examples/ beside it): four
    candidates, measured in two parts by GNU parallel into results that are a tuning log
    (one measured entry per candidate id), and a next round of four others."""
    assert shutil.which("parallel"), "GNU parallel is not installed (make deps installs it)"
    tmp = tempfile.mkdtemp()
    try:
        os.makedirs(os.path.join(tmp, "examples"))
        os.makedirs(os.path.join(tmp, "bin"))
        shutil.copy(os.path.join(args.examples, "matmul.tir"), os.path.join(tmp, "examples"))
        os.symlink(tirtest.TIRC, os.path.join(tmp, "bin", "tirc"))
        env = dict(os.environ, LC_ALL="C", PATH=os.path.join(tmp, "bin") + ":" + os.environ["PATH"])
        p = subprocess.run(["sh", "-e", "-c", doc_example()], cwd=tmp, env=env,
                           capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, (p.stdout, p.stderr)
        cands = lines(os.path.join(tmp, "cand.jsonl"))
        assert len(cands) == 4 and all(c["kind"] == "candidate" for c in cands), cands
        assert cands[0]["params"]["tile_rows"] == 6, "the rules' own params come first"
        assert all(c["source"] == open(os.path.join(args.examples, "matmul.tir")).read()
                   for c in cands)
        assert len({c["id"] for c in cands}) == 4
        parts = [lines(os.path.join(tmp, f"part-0{k}.results.jsonl")) for k in (0, 1)]
        assert [len(p) for p in parts] == [2, 2], parts
        # split -n r/2 deals the lines round robin: candidates 0 and 2, then 1 and 3
        results = lines(os.path.join(tmp, "results.jsonl"))
        assert [r["id"] for r in results] == [cands[k]["id"] for k in (0, 2, 1, 3)]
        for r, c in zip(results, [cands[k] for k in (0, 2, 1, 3)]):
            assert "error" not in r and r["median_s"] > 0, r
            assert r["trace"] == c["trace"] and r["params"] == c["params"], (r, c)
            assert r["version"] == 2 and r["sizes"] == {"M": 64, "N": 64, "K": 64}, r
        nxt = lines(os.path.join(tmp, "next.jsonl"))
        assert len(nxt) == 4 and not {c["trace"] for c in nxt} & {c["trace"] for c in cands}
        assert "learnt from 4 earlier measurements" in p.stdout, p.stdout
        assert "check C: ok" in p.stdout, p.stdout
        # the results are a tuning log: --tuning-log applies their fastest trace
        best = min(results, key=lambda r: r["median_s"])
        picked, _ = tirc_ok(["examples/matmul.tir", "--target", "avx2", "--tuning-log",
                             "results.jsonl", "--size", "M=64,N=64,K=64", "--emit", "trace"],
                            cwd=tmp)
        assert picked == best["trace"], (picked, best["trace"])
    finally:
        shutil.rmtree(tmp)


def t_emit_is_reproducible(args):
    """The same seed writes the same candidates (ids hash function, target, sizes, trace);
    --trials bounds how many."""
    with tempfile.TemporaryDirectory() as tmp:
        a, out = emit(args, tmp, "a.jsonl", trials=3)
        b, _ = emit(args, tmp, "b.jsonl", trials=3)
        assert open(a).read() == open(b).read()
        assert out.startswith("tune matmul: wrote 3 candidates to "), out
        c = lines(a)
        assert c[0]["size_class"] == {"M": 32, "N": 64, "K": 32}, c[0]
        assert c[0]["sizes"] == {"M": 40, "N": 72, "K": 24}, c[0]


def t_measure_failures(args):
    """A trace that does not replay, a target of another name and a source that does not
    compile are results with their error; the other candidates are measured."""
    with tempfile.TemporaryDirectory() as tmp:
        path, _ = emit(args, tmp, "cand.jsonl", trials=3)
        c = lines(path)
        c[1]["trace"] = c[1]["trace"].replace("{\n", "{\n  bogus(i);\n", 1)
        c[2]["source"] = c[2]["source"].replace("A[i, k]", "Q[i, k]")
        open(path, "w").write("".join(json.dumps(x) + "\n" for x in c))
        res = os.path.join(tmp, "res.jsonl")
        status, out, err = tirtest.tirc(["measure", path, "-o", res, "--jobs", "2"], timeout=300)
        assert status == 0, (out, err)
        assert out == f"measured 3 candidates (2 failed) into {res}\n", out
        assert err == ("measure: matmul for avx2: 2 candidates, 1 measured, 1 failed\n"
                       "measure: matmul for avx2: 1 candidates, 0 measured, 1 failed\n"), err
        r = lines(res)
        assert [x["id"] for x in r] == [x["id"] for x in c]
        assert r[0]["median_s"] > 0 and "error" not in r[0], r[0]
        assert r[1]["error"] == ("the trace does not replay: trace:2:3: error: unknown "
                                 "primitive 'bogus'"), r[1]
        assert "median_s" not in r[1], r[1]
        tir = os.path.join(args.examples, "matmul.tir")
        assert r[2]["error"].startswith("the source does not compile or has no function "
                                         f"matmul: {tir}:3:"), r[2]
        assert r[2]["error"].endswith("error: undefined tensor 'Q'"), r[2]
        # a results file with failures is still a tuning log; failures are never picked
        picked, _ = tirc_ok([os.path.join(args.examples, "matmul.tir"), "--target", "avx2",
                             "--tuning-log", res, "--size", SIZES, "--emit", "trace"])
        assert picked == r[0]["trace"]


BAD = [
    ("truncated", lambda good: good + "\n" + good[:80],
     "2: error: truncated entry: the file ends inside it"),
    ("foreign", lambda good: '{"name": "resnet"}\n',
     '1: error: not a tirc tuning log entry (it has no "version" and "trace")'),
    ("result", lambda good: good.replace('"kind": "candidate", ', '') + "\n",
     "1: error: not a candidate but a measured entry (tirc tune --resume reads those)"),
    ("predicted", lambda good: good.replace('"predicted": ', '"predicted": "x", "p": ') + "\n",
     '1: error: field "predicted" is not a finite number'),
    ("source", lambda good: good.replace('"source": ', '"src": ') + "\n",
     '1: error: field "source" is missing'),
]


def t_bad_candidates(args):
    """Malformed candidates files are one error naming file and line, nothing measured and
    no results file written; a candidates file given to --resume is an error too."""
    with tempfile.TemporaryDirectory() as tmp:
        path, _ = emit(args, tmp, "cand.jsonl", trials=1)
        good = json.dumps(lines(path)[0])
        res = os.path.join(tmp, "res.jsonl")
        for name, make, msg in BAD:
            bad = os.path.join(tmp, name + ".jsonl")
            open(bad, "w").write(make(good))
            status, out, err = tirtest.tirc(["measure", bad, "-o", res])
            assert status == 1 and err == f"{bad}:{msg}\n", (name, err)
            assert not os.path.exists(res)
        status, _, err = tirtest.tirc(["tune", os.path.join(args.examples, "matmul.tir"),
                                       "--size", SIZES, "--resume", path, "--log", res])
        assert status == 1 and err == (f"{path}:1: error: a candidate, not a measured entry "
                                       "(tirc measure measures it)\n"), err
        # measure never writes over its input
        status, _, err = tirtest.tirc(["measure", path, "-o", path])
        assert status == 1 and "cannot write" in err, err
        assert lines(path)[0]["kind"] == "candidate"
        status, _, err = tirtest.tirc(["measure", path])
        assert status == 1 and err.startswith("tirc: error: usage: tirc measure"), err


def t_resume_measures_only_new(args):
    """tune --resume RESULTS --log LOG measures none of the results' traces again, except the
    baseline (measured in every run, for the comparison) and the final round's fastest."""
    with tempfile.TemporaryDirectory() as tmp:
        cands, _ = emit(args, tmp, "cand.jsonl", trials=3)
        res = os.path.join(tmp, "res.jsonl")
        tirc_ok(["measure", cands, "-o", res, "--jobs", "2"])
        log = os.path.join(tmp, "log.jsonl")
        out, _ = tirc_ok(["tune", os.path.join(args.examples, "matmul.tir"), "--func", "matmul",
                          "--size", SIZES, "--target", "avx2", "--schedule", os.devnull,
                          "--trials", "3", "--seed", "5", "--jobs", "2", "--resume", res,
                          "--log", log])
        assert "learnt from 3 earlier measurements (0 of other functions, targets or sizes " \
               "ignored; 0 failed there, 0 no longer replay)" in out, out
        assert "check: agrees with the interpreter" in out, out
        measured = lines(res)
        entries = lines(log)
        rounds = entries[:3]
        assert rounds[0]["trace"] == measured[0]["trace"], "the baseline first"
        old = {m["trace"] for m in measured}
        assert not {e["trace"] for e in rounds[1:]} & old, "resumed traces are not measured again"
        # the final round: the baseline and the 3 fastest, earlier runs' included
        final = entries[3:]
        assert len(final) == 4 and final[0]["trace"] == measured[0]["trace"], final
        best = out[out.index("schedule matmul"):]
        assert best in {e["trace"] for e in entries}, best


CASES = {name[2:]: fn for name, fn in list(globals().items()) if name.startswith("t_")}

if __name__ == "__main__":
    tirtest.main(CASES, __doc__)
