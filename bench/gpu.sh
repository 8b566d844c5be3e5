#!/usr/bin/env bash
# transferlab on a GPU against PyTorch on the same GPU, in one run: the
# seed's CNN (batch 128) and the Q4 FFN (batch 2048), training steps and an
# evaluation of 1024 images, fp32 and bf16 autocast; images per second and
# the ratio (Go / PyTorch; above 1 is faster). PyTorch is measured with the
# images resident on the GPU (as transferlab keeps them) and with each
# batch copied from host memory (as a DataLoader feeds a GPU).
#
#   bench/gpu.sh               # cuda, 200 steps per workload
#   DEVICE=cuda:1 bench/gpu.sh 50
#
# Needs a transferlab built against a CUDA libtorch (doctor lists the GPU)
# and a python3 whose torch sees the same GPU (PYTHON=...).
set -euo pipefail
cd "$(dirname "$0")/.."
device="${DEVICE:-cuda}"
steps="${1:-${STEPS:-200}}"
py="${PYTHON:-python3}"
"$py" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' \
  || { echo "bench/gpu: $py's torch sees no GPU" >&2; exit 1; }
echo "bench/gpu: $(date -u +%FT%TZ), $device, $steps steps per workload, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "bench/gpu: PyTorch..."
ref=$("$py" bench/gpu_reference.py "$device" "$steps")
echo "bench/gpu: Go (go test -bench ./train on $device)..."
go_out=$(TRANSFERLAB_BENCH_DEVICE="$device" go test -run '^$' \
  -bench '^Benchmark(CNNTrainBatch128|CNNTrainBatch128BF16|CNNEvalBatch1024|CNNEvalBatch1024BF16)$' -benchtime "${steps}x" ./train)
go_out+=$'\n'$(TRANSFERLAB_BENCH_DEVICE="$device" go test -run '^$' \
  -bench '^BenchmarkFFNTrainBatch2048(BF16)?$' -benchtime "$(( steps / 4 > 0 ? steps / 4 : 1 ))x" ./train)
REF="$ref" GO_OUT="$go_out" "$py" - <<'PY'
import json, os, re
ref = json.loads(os.environ["REF"])
go = {}
for line in os.environ["GO_OUT"].splitlines():
    m = re.match(r"Benchmark(\w+?)(-\d+)?\s+\d+\s+.*?([\d.]+) img/s", line)
    if m:
        go[m.group(1)] = float(m.group(3))
print(f"PyTorch {ref['torch']} on {ref['device']}")
print(f"{'workload':<26}{'Go img/s':>12}{'PyTorch resident':>18}{'ratio':>8}{'PyTorch copied':>16}{'ratio':>8}")
for name in ["CNNTrainBatch128", "CNNTrainBatch128BF16", "FFNTrainBatch2048", "FFNTrainBatch2048BF16",
             "CNNEvalBatch1024", "CNNEvalBatch1024BF16"]:
    g, r, c = go.get(name), ref.get(name), ref.get(name + "Copied")
    cell = lambda v: f"{v:.0f}" if v else "-"
    ratio = lambda a, b: f"{a / b:.2f}x" if a and b else "-"
    print(f"{name:<26}{cell(g):>12}{cell(r):>18}{ratio(g, r):>8}{cell(c):>16}{ratio(g, c):>8}")
PY
