#!/usr/bin/env bash
# Measures transferlab against the PyTorch reference (Debian's python3-torch,
# the same libtorch) in one run, on this machine, with the same thread count,
# and prints each pair and its ratio (Go / PyTorch; above 1 is faster).
#
#   bench/run.sh              # 20 steps per workload, threads = CPUs
#   bench/run.sh 3 1          # 3 steps per workload, 1 step per bf16 workload
#   THREADS=1 bench/run.sh
#   LONG=0 bench/run.sh 3 1   # without the 10-epoch and RSS benchmarks (minutes)
#
# The bf16 step count defaults to the fp32 one on a CPU with bf16
# instructions (avx512_bf16, amx_bf16) and to 1 without: there bf16 takes
# slow paths (on an AVX2-only CPU libtorch's portable bf16 matrix product
# instead of oneDNN), a CNN training step of 128 images takes seconds and an
# evaluation of 1024 images tens of seconds. On such a CPU the reference
# "as installed" also leaves bf16 out; the reference with transferlab's
# allocator settings, the column the targets are judged on, measures it.
set -euo pipefail
cd "$(dirname "$0")/.."
threads="${THREADS:-$(nproc)}"
steps="${1:-${STEPS:-20}}"
if grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo; then
  bf16_cpu=1 bf16_steps="${2:-${BF16_STEPS:-$steps}}" as_installed_bf16=()
else
  bf16_cpu=0 bf16_steps="${2:-${BF16_STEPS:-1}}" as_installed_bf16=(--no-bf16)
fi
py=/usr/bin/python3
"$py" -c 'import torch' 2>/dev/null || { echo "bench: python3-torch is missing: run ./setup-libtorch.sh" >&2; exit 1; }

echo "bench: $(date -u +%FT%TZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "bench: $steps steps per workload, $bf16_steps per bf16 workload; bf16 instructions: $([ "$bf16_cpu" = 1 ] && echo yes || echo 'none (slow bf16 paths)')"
echo "bench: PyTorch reference..."
ref=$("$py" bench/reference.py "$threads" "$steps" "$bf16_steps" "${as_installed_bf16[@]}")
# transferlab keeps large buffers in glibc's heap (internal/torchenv); the
# same settings given to PyTorch show how much of each ratio is that.
echo "bench: PyTorch reference with transferlab's allocator settings, and the matrix-product peak..."
ref_heap=$(GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824 "$py" bench/reference.py "$threads" "$steps" "$bf16_steps" --peak)
echo "bench: Go (go test -bench ./train)..."
go_out=$(TRANSFERLAB_THREADS="$threads" go test -run '^$' -bench '^Benchmark(CNNTrainBatch128|CNNTrainBatch128CL|CNNEvalBatch1024|CNNEvalBatch1024CL|FFNTrainBatch2048|LastLayerEpoch6500)$' \
  -benchtime "${steps}x" ./train)
go_out+=$'\n'$(TRANSFERLAB_THREADS="$threads" go test -run '^$' -bench '^Benchmark(CNNTrainBatch128|CNNEvalBatch1024)BF16(CL)?$' \
  -benchtime "${bf16_steps}x" ./train)
# The evaluation pass sizes are fixed rules (train/evaluate.go: EvalBatch,
# 128 images, for the CNN; FFNEvalBatch, 2048, for the FFN); this checks
# them on this machine: each evaluated in passes of 64 to 4096.
chunk_out=$(TRANSFERLAB_THREADS="$threads" go test -run '^$' -bench '^BenchmarkEvalChunk$' -benchtime "$(( steps < 3 ? steps : 3 ))x" ./train)
rss_out=""
if [ "${LONG:-1}" != 0 ]; then
  rss_out=$(TRANSFERLAB_THREADS="$threads" go test -run '^$' -bench 'TrainingRSS|LastTenEpochs' -benchtime 1x ./train)
fi

REF="$ref" REF_HEAP="$ref_heap" GO_OUT="$go_out" RSS_OUT="$rss_out" CHUNK_OUT="$chunk_out" "$py" - <<'PY'
import json, os, re
ref = json.loads(os.environ["REF"])
heap = json.loads(os.environ["REF_HEAP"])
go = {}
for line in (os.environ["GO_OUT"] + "\n" + os.environ["RSS_OUT"]).splitlines():
    m = re.match(r"Benchmark(\w+?)(-\d+)?\s+\d+\s+.*", line)
    if not m:
        continue
    for value, unit in re.findall(r"([\d.]+) (img/s|MFLOP/img|MiB-epoch2|MiB-epoch10|s/10epochs)", line):
        go[m.group(1) + ("" if unit == "img/s" else ":" + unit)] = float(value)

def num(v, fmt, suffix=""):
    if v is None:
        return "-".rjust(int(re.match(r"\d*", fmt).group() or 0) + len(suffix))
    return format(v, fmt) + suffix

def ratio(g, p):
    return "-" if g is None or not p else f"{g / p:.2f}x"

# Each Go row is set against the PyTorch row of the same precision (BF16:
# bfloat16 autocast) and layout (CL: channels_last), then against the best
# PyTorch row of any precision and layout on the same workload, both with
# transferlab's allocator settings ("heap"), the column the targets are
# judged on. PyTorch evaluates in chunks of 128 as transferlab does; its
# one pass of 1024, the seed's way, is a line of its own below.
variants = {"": "fp32", "CL": "fp32 CL", "BF16": "bf16", "BF16CL": "bf16 CL"}
peaks = {"fp32": heap.get("peak_gflops_fp32"), "bf16": heap.get("peak_gflops_bf16")}

def pykey(base, suffix):
    return ("CNNEvalBatch1024Chunk128" if base == "CNNEvalBatch1024" else base) + suffix

print(f"{'workload':24} {'Go img/s':>8} {'GFLOP/s':>7} {'peak':>6} {'PyTorch':>8} {'ratio':>6}"
      f" {'heap':>8} {'ratio':>6} {'peak':>6} {'best heap':>9} {'of':>8} {'ratio':>6}")
for k in ["CNNTrainBatch128", "CNNTrainBatch128CL", "CNNTrainBatch128BF16", "CNNTrainBatch128BF16CL",
          "CNNEvalBatch1024", "CNNEvalBatch1024CL", "CNNEvalBatch1024BF16", "CNNEvalBatch1024BF16CL",
          "FFNTrainBatch2048", "LastLayerEpoch6500"]:
    base, suffix = re.match(r"(\w+?)((?:BF16)?(?:CL)?)$", k).groups()
    g, p, h = go.get(k), ref.get(pykey(base, suffix)), heap.get(pykey(base, suffix))
    mflop = go.get(k + ":MFLOP/img")
    peak = peaks["bf16" if "BF16" in suffix else "fp32"]
    gflops = g * mflop / 1e3 if g and mflop else None
    frac = lambda ips: 100 * ips * mflop / 1e3 / peak if ips and mflop and peak else None
    family = {pykey(base, s): variants[s] for s in variants}
    if base == "CNNEvalBatch1024":
        family["CNNEvalBatch1024"] = "fp32 1024"
    best = max((heap[key], name) for key, name in family.items() if key in heap)
    print(f"{k:24} {num(g, '8.0f')} {num(gflops, '7.1f')} {num(frac(g), '5.1f', '%')} {num(p, '8.0f')} {ratio(g, p):>6}"
          f" {num(h, '8.0f')} {ratio(g, h):>6} {num(frac(h), '5.1f', '%')} {best[0]:9.0f} {best[1]:>8} {ratio(g, best[0]):>6}")
g, p, h = go.get("CNNEvalBatch1024"), ref.get("CNNEvalBatch1024"), heap.get("CNNEvalBatch1024")
print(f"{'  PyTorch in one pass of 1024 (the seed):':42} {num(p, '8.0f')} {ratio(g, p):>6} {num(h, '8.0f')} {ratio(g, h):>6}")
print(f"roofline: torch.mm 2048x2048 on {heap['threads']} threads peaks at {num(peaks['fp32'], '.1f')} GFLOP/s in fp32"
      f" and {num(peaks['bf16'], '.1f')} in bf16; \"peak\" is the row's GFLOP/s as a share of its precision's."
      f" FLOPs per image (model/flops.go): training {num(go.get('CNNTrainBatch128:MFLOP/img'), '.1f')} M,"
      f" evaluation {num(go.get('CNNEvalBatch1024:MFLOP/img'), '.1f')} M")
chunks = {}
for net, size, ips in re.findall(r"BenchmarkEvalChunk/(\w+)/(\d+)(?:-\d+)?\s+\d+\s+.*?([\d.]+) img/s", os.environ["CHUNK_OUT"]):
    chunks.setdefault(net, {})[int(size)] = float(ips)
names = {"cnn": "CNN, fp32, 1024 images", "cnnCL": "CNN, fp32, channels_last, 1024 images", "ffn": "FFN, fp32, 4096 images"}
rules = {"cnn": ("EvalBatch", 128), "cnnCL": ("EvalBatch", 128), "ffn": ("FFNEvalBatch", 2048)}
for net, row in chunks.items():
    best = max(row, key=row.get)
    rule, size = rules.get(net, ("EvalBatch", 128))
    print(f"evaluation in passes of N images (Go, {names.get(net, net)}), img/s: "
          + ", ".join(f"{n}: {v:.0f}" for n, v in sorted(row.items()))
          + (f"; the best, {best}, is {row[best] / row[size]:.2f}x {rule}'s {size}" if size in row else ""))
naive, cached = go.get("LastTenEpochsNaive:s/10epochs"), go.get("LastTenEpochsCached:s/10epochs")
if naive and cached:
    print(f"'last' finetune, 10 epochs on 6,500 images: naive loop {naive:.1f}s, feature cache {cached:.1f}s ({naive / cached:.1f}x)")
r2, r10 = go.get("TrainingRSS:MiB-epoch2"), go.get("TrainingRSS:MiB-epoch10")
if r2 and r10:
    print(f"RSS of a training run: epoch 2 {r2:.0f} MiB, epoch 10 {r10:.0f} MiB ({100 * (r10 - r2) / r2:+.1f}%)")
print(f"PyTorch reference: torch {ref['torch']}, {ref['threads']} threads, max RSS {ref['maxrss_mib']:.0f} MiB")
PY
