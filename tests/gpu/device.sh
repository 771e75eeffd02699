#!/bin/sh
# device.sh - on a machine with an NVIDIA GPU: every case of cases.txt checked against the
# interpreter (run.sh), the PTX load time, and matmul's GFLOP/s beside torch.matmul (TF32 off)
# and the copy bandwidth measured in the same run (torch_ref.py).  The one command that runs
# the GPU tests there, from a tirc built with -DTIR_LLVM_STATIC=ON (docs/language.md, CUDA):
#   sh tests/gpu/device.sh TIRC ROOT      (ROOT: a copy of the repository, or of its examples/
#                                          and tests/gpu/)
set -u
tirc=$1 root=$2
ex=$root/examples
here=$root/tests/gpu
fails=0 passes=0
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
grep -v '^#' "$here/cases.txt" | while read -r file func sizes; do
  [ -n "$file" ] || continue
  echo "== $file $func $sizes"
  if sh "$here/run.sh" "$tirc" "$root/$file" "$func" "$sizes"; then echo "PASS"; else echo "FAIL"; fi
done
echo "== matmul with a register tile per thread (matmul_regtile.sched)"
"$tirc" run "$ex/matmul.tir" --schedule "$here/matmul_regtile.sched" --target cuda --check \
  --size M=130,N=97,K=45 && echo PASS || echo FAIL
echo "== matmul, tirc beside torch"
for n in 1024 2048 4096; do
  "$tirc" run "$ex/matmul.tir" --target cuda --bench --size M=$n,N=$n,K=$n | grep -v '^C:'
  "$tirc" run "$ex/matmul.tir" --schedule "$here/matmul_regtile.sched" --target cuda --bench \
    --size M=$n,N=$n,K=$n | grep -v '^C:'
done
echo "== matmul and an MLP layer with no cuda schedule: the default rules (autosched/rules_cuda.c)"
for n in 1024 4096; do
  "$tirc" run "$ex/matmul.tir" --schedule /dev/null --target cuda --bench \
    --size M=$n,N=$n,K=$n | grep -v '^C:'
done
"$tirc" run "$root/bench/nn/kernels.tir" --func mlp_layer --target cuda --bench \
  --size B=32,K=768,N=3072 | grep -v '^Y:'
"$tirc" run "$root/bench/nn/kernels.tir" --func gelu --target cuda --bench \
  --size N=8192,D=8192 | grep -v '^Y:'
echo "== memory-bound kernels at 8192 x 8192 (bytes moved: see the report)"
"$tirc" run "$ex/transpose.tir" --target cuda --bench --size M=8192,N=8192 | grep -v '^Y:'
"$tirc" run "$ex/softmax.tir" --target cuda --bench --size N=8192,D=8192 | grep -v '^Y:'
"$tirc" run "$ex/layernorm.tir" --target cuda --bench --size N=8192,D=8192 | grep -v '^Y:'
python3 "$here/torch_ref.py" 1024 2048 4096
