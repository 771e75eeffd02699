"""bench/nn: the pieces of a transformer's MLP as a user writes them in .tir (kernels.tir, no
schedule: the default rules schedule them), in one run against PyTorch on the CPU (eager and
torch.compile), oneDNN's fused matmul + bias + GELU (onednn_mlp.c) and this machine's FMA peak
and copy bandwidth, measured in the same run.

    run.py TIRC CEILINGS ONEDNN_MLP [--only mlp,gelu]

Every tirc kernel is first checked against the interpreter at small sizes (`--check`)."""
import argparse
import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
# the timing helpers of bench/autosched/run.py (its peers' way of timing, shared)
sys.path.insert(0, os.path.join(HERE, "..", "autosched"))
_spec = importlib.util.spec_from_file_location("autosched_run",
                                               os.path.join(HERE, "..", "autosched", "run.py"))
_autosched = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_autosched)
bench_time, median_time, tirc = _autosched.bench_time, _autosched.median_time, _autosched.tirc

try:
    import torch
except ImportError:
    torch = None

KERNELS = os.path.join(HERE, "kernels.tir")


def torch_mlp(B, K, N, compiled):
    x, w, b = torch.rand(B, K) - 0.5, torch.rand(N, K) - 0.5, torch.rand(N) - 0.5

    def f(x, w, b):
        return torch.nn.functional.gelu(torch.nn.functional.linear(x, w, b))
    if compiled:
        f = torch.compile(f)
    return lambda: f(x, w, b)


def torch_gelu(N, D, compiled):
    x = torch.rand(N, D) - 0.5
    f = torch.nn.functional.gelu
    if compiled:
        f = torch.compile(f)
    return lambda: f(x)


def torch_times(builder, *shape):
    """(eager, torch.compile) median seconds; None where torch or its compiler is missing."""
    if torch is None:
        return None, None
    eager = median_time(builder(*shape, False))
    try:
        comp = median_time(builder(*shape, True))
    except Exception as e:  # inductor needs a C++ compiler; say why there is no column
        print(f"note: torch.compile failed: {str(e).splitlines()[0][:200]}")
        comp = None
    return eager, comp


def ms(x):
    return f"{x * 1e3:9.3f}m" if x else f"{'-':>10}"


def ratio(a, b):
    return f"{b / a:7.2f}x" if a and b else f"{'-':>8}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tirc")
    ap.add_argument("ceilings")
    ap.add_argument("onednn")
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    ceil = dict(line.split() for line in tirc([args.ceilings]).splitlines())
    peak, bw = float(ceil["fma_gflops_T"]), float(ceil["copy_gbs_T"])
    threads = int(ceil["threads"])
    print(f"this machine ({threads} threads): FMA peak {peak:.1f} GFLOP/s, copy bandwidth "
          f"{bw:.1f} GB/s (memcpy)")
    if torch is None:
        print("note: PyTorch is not installed for this python3 (make bench-peers): no torch "
              "columns")
    else:
        torch.set_num_threads(threads)
        print(f"torch {torch.__version__} on {torch.get_num_threads()} threads")
    only = [o for o in args.only.split(",") if o]
    print(f"{'kernel':30} {'tirc':>10} {'torch':>10} {'compiled':>10} {'oneDNN':>10}  "
          f"{'vs torch':>8} {'vs comp':>8} {'vs dnnl':>8}  tirc vs ceiling")

    if not only or "mlp" in only:
        for B, K, N in ((32, 768, 3072), (1, 768, 3072)):
            size = f"B={B},K={K},N={N}"
            out = tirc([args.tirc, "run", KERNELS, "--func", "mlp_layer", "--size",
                        "B=5,K=37,N=19", "--check"])
            assert "check Y: ok" in out, out
            t = bench_time([args.tirc, "run", KERNELS, "--func", "mlp_layer", "--size", size])
            eager, comp = torch_times(torch_mlp, B, K, N)
            env = dict(os.environ, OMP_NUM_THREADS=str(threads))
            dnnl = float(subprocess.run([args.onednn, str(B), str(K), str(N), "1"], env=env,
                                        capture_output=True, text=True, check=True).stdout)
            gf = 2.0 * B * K * N / t * 1e-9
            print(f"{'mlp layer ' + f'{B}x{K}->{N} gelu':30} {ms(t)} {ms(eager)} {ms(comp)} "
                  f"{ms(dnnl)}  {ratio(t, eager)} {ratio(t, comp)} {ratio(t, dnnl)}  "
                  f"{gf:.1f} GFLOP/s = {gf / peak:.0%} of FMA peak", flush=True)

    if not only or "gelu" in only:
        N = D = 4096
        out = tirc([args.tirc, "run", KERNELS, "--func", "gelu", "--size", "N=7,D=37",
                    "--check"])
        assert "check Y: ok" in out, out
        t = bench_time([args.tirc, "run", KERNELS, "--func", "gelu", "--size", f"N={N},D={D}"])
        eager, comp = torch_times(torch_gelu, N, D)
        gbs = 2 * 4 * N * D / t * 1e-9
        print(f"{'gelu 4096^2 (erf)':30} {ms(t)} {ms(eager)} {ms(comp)} {ms(None)}  "
              f"{ratio(t, eager)} {ratio(t, comp)} {'-':>8}  "
              f"{gbs:.1f} GB/s = {gbs / bw:.0%} of copy bandwidth", flush=True)


if __name__ == "__main__":
    main()
