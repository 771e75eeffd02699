"""torch_ref.py - the peers of tests/gpu/device.sh, measured in the same run: cuBLAS SGEMM through
torch.matmul with TF32 off, and the device-to-device copy bandwidth; CUDA events, medians."""
import statistics
import sys

import torch


def median_seconds(fn, runs):
    fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(runs):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        times.append(a.elapsed_time(b) * 1e-3)
    return statistics.median(times)


def main():
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    print("device:", torch.cuda.get_device_name(0))
    for n in [int(a) for a in sys.argv[1:]]:
        x = torch.randn(n, n, device="cuda")
        y = torch.randn(n, n, device="cuda")
        t = median_seconds(lambda: torch.matmul(x, y), 50)
        print(f"torch.matmul fp32 (TF32 off) {n}: {2 * n ** 3 / t / 1e9:.0f} GFLOP/s ({t * 1e3:.3f} ms)")
    src = torch.empty(1 << 28, dtype=torch.uint8, device="cuda")
    dst = torch.empty_like(src)
    t = median_seconds(lambda: dst.copy_(src), 50)
    print(f"device copy: {2 * src.numel() / t / 1e9:.0f} GB/s read+write")


if __name__ == "__main__":
    main()
