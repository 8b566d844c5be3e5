#!/usr/bin/env bash
# Measures transferlab against the PyTorch reference (Debian's python3-torch,
# the same libtorch) in one run, on this machine, with the same thread count,
# and prints each pair and its ratio (Go / PyTorch; above 1 is faster).
#
#   bench/run.sh            # threads = CPUs
#   THREADS=1 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-$(nproc)}"
steps="${STEPS:-20}"
py=/usr/bin/python3
"$py" -c 'import torch' 2>/dev/null || { echo "bench: python3-torch is missing: run ./setup-libtorch.sh" >&2; exit 1; }

echo "bench: $(date -u +%FT%TZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads"
echo "bench: PyTorch reference..."
ref=$("$py" bench/reference.py "$threads" "$steps")
# transferlab keeps large buffers in glibc's heap (internal/torchenv); the
# same settings given to PyTorch show how much of each ratio is that.
echo "bench: PyTorch reference with transferlab's allocator settings..."
ref_heap=$(GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824 "$py" bench/reference.py "$threads" "$steps")
echo "bench: Go (go test -bench ./transfer)..."
go_out=$(TRANSFERLAB_THREADS="$threads" go test -run '^$' -bench 'CNNTrainBatch128|CNNEvalBatch1024|FFNTrainBatch2048|LastLayerEpoch6500' \
  -benchtime "${steps}x" ./transfer)
rss_out=$(TRANSFERLAB_THREADS="$threads" go test -run '^$' -bench 'TrainingRSS|LastTenEpochs' -benchtime 1x ./transfer)

REF="$ref" REF_HEAP="$ref_heap" GO_OUT="$go_out" RSS_OUT="$rss_out" "$py" - <<'PY'
import json, os, re
ref = json.loads(os.environ["REF"])
heap = json.loads(os.environ["REF_HEAP"])
go = {}
for line in (os.environ["GO_OUT"] + "\n" + os.environ["RSS_OUT"]).splitlines():
    m = re.match(r"Benchmark(\w+?)(-\d+)?\s+\d+\s+.*", line)
    if not m:
        continue
    for value, unit in re.findall(r"([\d.]+) (img/s|MiB-epoch2|MiB-epoch10|s/10epochs)", line):
        go[m.group(1) + ("" if unit == "img/s" else ":" + unit)] = float(value)
print(f"{'workload':24} {'Go img/s':>10} {'PyTorch':>10} {'ratio':>7}   {'PyTorch, heap':>14} {'ratio':>7}")
# BF16: bfloat16 autocast; CL: channels_last memory format. Each is compared
# with the reference's fp32 in the standard layout, the seed's own way.
for k in ["CNNTrainBatch128", "CNNTrainBatch128CL", "CNNTrainBatch128BF16", "CNNTrainBatch128BF16CL",
          "CNNEvalBatch1024", "CNNEvalBatch1024CL", "CNNEvalBatch1024BF16", "CNNEvalBatch1024BF16CL",
          "FFNTrainBatch2048", "LastLayerEpoch6500"]:
    base = re.sub(r"(BF16)?(CL)?$", "", k)
    g, p, h = go.get(k), ref.get(base), heap.get(base)
    if g and p and h:
        print(f"{k:24} {g:10.0f} {p:10.0f} {g / p:7.2f}x   {h:14.0f} {g / h:7.2f}x")
    else:
        print(f"{k:24} missing (go {g}, python {p}, python heap {h})")
# transferlab evaluates in forward chunks of 128 (transfer.EvalBatch); the
# same chunking in PyTorch shows how much of the eval ratio is that choice.
g, p, h = go.get("CNNEvalBatch1024"), ref.get("CNNEvalBatch1024Chunk128"), heap.get("CNNEvalBatch1024Chunk128")
if g and p and h:
    print(f"{'  PyTorch in chunks of 128':24} {g:10.0f} {p:10.0f} {g / p:7.2f}x   {h:14.0f} {g / h:7.2f}x")
naive, cached = go.get("LastTenEpochsNaive:s/10epochs"), go.get("LastTenEpochsCached:s/10epochs")
if naive and cached:
    print(f"'last' finetune, 10 epochs on 6,500 images: naive loop {naive:.1f}s, feature cache {cached:.1f}s ({naive / cached:.1f}x)")
r2, r10 = go.get("TrainingRSS:MiB-epoch2"), go.get("TrainingRSS:MiB-epoch10")
if r2 and r10:
    print(f"RSS of a training run: epoch 2 {r2:.0f} MiB, epoch 10 {r10:.0f} MiB ({100 * (r10 - r2) / r2:+.1f}%)")
print(f"PyTorch reference: torch {ref['torch']}, {ref['threads']} threads, max RSS {ref['maxrss_mib']:.0f} MiB")
PY
