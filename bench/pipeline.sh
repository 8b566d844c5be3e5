#!/usr/bin/env bash
# The whole homework as a user runs it, Go against PyTorch: `transferlab
# reproduce --retrain` (Q4, both pretrainings, the five transfers), then the
# PyTorch reference pipeline doing the same work (bench/pipeline_reference.py
# through `reference.py --full`), one after the other on this machine with
# the same thread count (transferlab's --threads, torch.set_num_threads; the
# binary reads no TRANSFERLAB_THREADS, only the Go benchmarks do), and a
# table of seconds per stage (ratio Go / PyTorch: below 1 means Go is
# faster here).
#
#   bench/pipeline.sh --quick                      # reproduce --quick's subsets: minutes
#   bench/pipeline.sh --quick --precision bf16
#   bench/pipeline.sh [--target mnist] [--threads N]   # full scale: hours, by hand
#   bench/pipeline.sh --reuse-pretrained           # full scale but the pretrainings: under an hour
#
# --reuse-pretrained runs `reproduce` without --retrain on a copy of the
# committed pretrained/ folder, so both pretrainings are reused (fp32, seed
# 42: their recipe), and the reference starts its transfers from the same
# two networks and skips its pretrainings: Q4 and the five transfers at full
# scale, the stages whose per-epoch evaluation is the largest share.
#
# --keep DIR keeps both sides' logs, transferlab's results folder and the
# reference's JSON in DIR.
#
# Where the times come from. Whole runs: each process's wall clock, taken
# here (Go's includes libtorch's start, the EMNIST check and the report
# pages; PyTorch's the import of torch). Go's stages: each run's
# metrics.json, written by the run itself: wall_seconds (from the run's
# start to its checkpoint: data, network, epochs, resume points, final test
# pass); its epochs' seconds (training and the per-epoch evaluation); and
# of each epoch the evaluation's seconds, eval_seconds (or, in runs from
# before it was recorded, its seconds less its training images over its
# training images per second). PyTorch's stages: the same
# spans, timed by the reference (perf_counter). The final test pass is
# final.test.seconds, or 0 where it is the last epoch's test pass taken
# over (final.test.from_epoch; the reference does the same); "other" is
# what is left of a stage: reading the data,
# setting up (Go: the "last" feature cache), saving (Go: also a resume point
# after every epoch).
#
# transferlab writes into a temporary results and pretrained folder, so
# nothing committed is replaced. It sets its own allocator settings; the
# reference gets the same ones through GLIBC_TUNABLES (bench/run.sh's "heap"
# column). The transfers' target is EMNIST letters when it is in the data
# folder, else --target (default mnist); the reference is given the target
# transferlab's runs used.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=() precision=fp32 target=mnist threads=$(nproc) keep="" reuse=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=(--quick) ;;
    --precision) precision="$2"; shift ;;
    --target) target="$2"; shift ;;
    --threads) threads="$2"; shift ;;
    --keep) keep="$2"; shift ;;
    --reuse-pretrained) reuse=1 ;;
    *) echo "usage: bench/pipeline.sh [--quick | --reuse-pretrained] [--precision fp32|bf16] [--target T] [--threads N] [--keep DIR]" >&2; exit 2 ;;
  esac
  shift
done
if [ -n "$reuse" ] && { [ ${#quick[@]} -gt 0 ] || [ "$precision" != fp32 ]; }; then
  echo "bench/pipeline.sh: --reuse-pretrained reuses the committed fp32 networks at full scale: not with --quick or bf16" >&2
  exit 2
fi
py=/usr/bin/python3
bin="${TRANSFERLAB_BIN:-./transferlab}"
[ -x "$bin" ] || go build -o "$bin" ./cmd/transferlab
tmp=$(mktemp -d)
trap 'if [ -n "$keep" ]; then mkdir -p "$keep" && cp -r "$tmp"/. "$keep"; fi; rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { print b - a }'; }

echo "pipeline: $(date -u +%FT%TZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
echo "pipeline: $("$bin" --version), built $(date -u -r "$bin" +%FT%TZ); $precision${quick:+, quick}; bf16 instructions: $(grep -qwE 'avx512_bf16|amx_bf16' /proc/cpuinfo && echo yes || echo 'none (slow bf16 paths)')"
echo "pipeline: load before: $(uptime)"
retrain=(--retrain) ref_pretrained=()
if [ -n "$reuse" ]; then
  cp -r pretrained "$tmp/pretrained"
  retrain=() ref_pretrained=(--pretrained "$tmp/pretrained")
fi
# --no-embed: the feature-space pages reproduce draws after the transfers
# are not part of the homework, and the reference does not draw them.
go_cmd=("$bin" --threads "$threads" reproduce "${retrain[@]}" --no-embed "${quick[@]}" --precision "$precision" --target "$target"
  --results-dir "$tmp/results" --pretrained-dir "$tmp/pretrained")
echo "pipeline: ${go_cmd[*]}"
start=$(now)
env -u GLIBC_TUNABLES "${go_cmd[@]}" >"$tmp/go.log" 2>&1 || { tail -30 "$tmp/go.log" >&2; exit 1; }
go_total=$(elapsed "$start")
if [ -n "$reuse" ] && ! grep -q "pretrain-mnist: .*reus" "$tmp/go.log"; then
  echo "bench/pipeline.sh: transferlab did not reuse the committed pretrainings (see its log):" >&2
  grep -i "pretrain" "$tmp/go.log" | head -5 >&2
  exit 1
fi
ref_target=$("$py" -c '
import glob, json, sys
ds = {json.load(open(f))["config"]["dataset"] for f in glob.glob(sys.argv[1] + "/*/metrics.json")
      if json.load(open(f))["kind"] == "finetune"}
print(ds.pop() if len(ds) == 1 else sys.argv[2])' "$tmp/results" "$target")
echo "pipeline: load between: $(uptime)"
ref_cmd=("$py" bench/reference.py --full --threads "$threads" --precision "$precision" "${quick[@]}" "${ref_pretrained[@]}" --target "$ref_target")
echo "pipeline: GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824 ${ref_cmd[*]}"
start=$(now)
GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824 "${ref_cmd[@]}" >"$tmp/ref.json" 2>"$tmp/ref.log" ||
  { tail -30 "$tmp/ref.log" >&2; exit 1; }
ref_total=$(elapsed "$start")
echo "pipeline: load after: $(uptime)"

GO_TOTAL="$go_total" REF_TOTAL="$ref_total" "$py" - "$tmp/results" "$tmp/ref.json" <<'PY'
import glob, json, os, sys

def go_stage(run):
    c, h, final = run["config"], run["history"], run["final"]
    name = {"overfit": "overfit", "pretrain": "pretrain-" + c["dataset"]}.get(run["kind"], f"transfer-{c.get('source')}-{c.get('layers')}")
    n = final["train"]["n"]
    return name, {
        "dataset": c["dataset"], "epochs": len(h), "train_n": n, "eval_split": c["eval_split"],
        "eval_n": (final.get("val") or final["test"])["n"], "test_n": final["test"]["n"],
        "seconds": run["wall_seconds"], "epoch_seconds": sum(e["seconds"] for e in h),
        "epoch_eval_seconds": sum(e.get("eval_seconds") or e["seconds"] - n / e["images_per_sec"] for e in h),
        # A final test pass taken over from the last epoch (from_epoch) took
        # no time of its own: its seconds are in that epoch's.
        "test_seconds": 0.0 if final["test"].get("from_epoch") else final["test"]["seconds"],
        "test_acc": final["test"]["accuracy"],
        "feature_cache": c.get("feature_cache", False),
    }

go = dict(go_stage(r) for r in map(lambda f: json.load(open(f)), glob.glob(sys.argv[1] + "/*/metrics.json")) if r["status"] == "done")
ref = json.load(open(sys.argv[2]))
totals = {"go": float(os.environ["GO_TOTAL"]), "ref": float(os.environ["REF_TOTAL"])}

def cells(s):
    """A stage's seconds, its per-epoch evaluation (and share of the epochs), final test pass, other."""
    share = 100 * s["epoch_eval_seconds"] / s["epoch_seconds"]
    other = s["seconds"] - s["epoch_seconds"] - s["test_seconds"]
    return f"{s['epoch_eval_seconds']:7.1f} {share:3.0f}%", f"{s['test_seconds']:6.1f}", f"{other:6.1f}"

print(f"{'stage':22} {'data':8} {'Go s':>7} {'PyT s':>7} {'ratio':>6} | {'eval/epoch Go':>13} {'PyT':>12}"
      f" | {'test Go':>7} {'PyT':>6} | {'other Go':>8} {'PyT':>6} | {'acc Go':>6} {'PyT':>5}")
sums = {"go": 0.0, "ref": 0.0}
for p in ref["stages"]:
    g = go.get(p["name"])
    if g is None:
        print(f"{p['name']:22} missing from transferlab's results")
        continue
    differ = [k for k in ("dataset", "epochs", "train_n", "eval_split", "eval_n", "test_n") if g[k] != p[k]]
    if differ:
        print(f"WARNING {p['name']}: not the same work: " + ", ".join(f"{k} Go {g[k]} PyTorch {p[k]}" for k in differ))
    sums["go"] += g["seconds"]
    sums["ref"] += p["seconds"]
    (ge, gt, go_), (pe, pt, po) = cells(g), cells(p)
    print(f"{p['name'] + ('*' if g['feature_cache'] else ''):22} {p['dataset']:8} {g['seconds']:7.1f} {p['seconds']:7.1f}"
          f" {g['seconds'] / p['seconds']:5.2f}x | {ge:>13} {pe:>12} | {gt:>7} {pt:>6} | {go_:>8} {po:>6}"
          f" | {g['test_acc']:6.1f} {p['test_acc']:5.1f}")
print(f"{'stages':31} {sums['go']:7.1f} {sums['ref']:7.1f} {sums['go'] / sums['ref']:5.2f}x")
print(f"{'outside the stages':31} {totals['go'] - sums['go']:7.1f} {totals['ref'] - sums['ref']:7.1f}")
print(f"{'total (process wall)':31} {totals['go']:7.1f} {totals['ref']:7.1f} {totals['go'] / totals['ref']:5.2f}x")
print("eval/epoch: seconds of the per-epoch evaluation passes, and their share of the epochs' seconds; test: the final")
print("test pass; other: data, setup, checkpoint (Go: and a resume point per epoch); acc: final test accuracy, %.")
if any(g["feature_cache"] for g in go.values()):
    print("*: transferlab computed the frozen backbone's features once; the reference runs the plain loop (the seed's notebook).")
print(f"transfers' target: {ref['target']}; PyTorch {ref['torch']}, {ref['threads']} threads, {ref['precision']},"
      f" max RSS {ref['maxrss_mib']:.0f} MiB")
PY
