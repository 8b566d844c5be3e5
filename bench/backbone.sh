#!/usr/bin/env bash
# A backbone's feature extraction at 224 (ResNet-18, or ARCH=mobilenet_v2) (a "last" transfer's backbone pass,
# in channels_last as transferlab runs it on a CPU),
# transferlab against PyTorch (Debian's python3-torch and
# python3-torchvision, the same libtorch) on this machine with the same
# thread count (libtorch's default: one per CPU), alternating so that a busy neighbour hits both sides:
# images/s and the ratio (Go / PyTorch; above 1 is faster).
#
#   bench/backbone.sh            # 3 rounds of 8 batches of 16 images
#   ROUNDS=5 BATCHES=20 bench/backbone.sh
#   ARCH=mobilenet_v2 bench/backbone.sh
set -euo pipefail
cd "$(dirname "$0")/.."
threads=$(nproc) rounds="${ROUNDS:-3}" batches="${BATCHES:-8}" arch="${ARCH:-resnet18}"
case "$arch" in
resnet18) gobench=BenchmarkResNet18FeaturesCL ;;
mobilenet_v2) gobench=BenchmarkMobileNetV2FeaturesCL ;;
*) echo "bench: ARCH=$arch: want resnet18 or mobilenet_v2" >&2; exit 2 ;;
esac
py=/usr/bin/python3
"$py" -c 'import torchvision' 2>/dev/null || { echo "bench: python3-torchvision is missing: run ./setup-libtorch.sh" >&2; exit 1; }
echo "bench: $arch, $(date -u +%FT%TZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $threads threads, commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
go test -c -o /tmp/transferlab-model.test ./model
for r in $(seq "$rounds"); do
  g=$(/tmp/transferlab-model.test -test.run '^$' -test.bench "^$gobench\$" -test.benchtime "${batches}x" | awk '/img\/s/{for(i=1;i<=NF;i++) if($i=="img/s") print $(i-1)}')
  p=$("$py" bench/backbone_reference.py "$threads" "$batches" nchw "$arch" | "$py" -c 'import json,sys; print(round(json.load(sys.stdin)["img_s"], 1))')
  # transferlab keeps large buffers in glibc's heap (internal/torchenv);
  # PyTorch with the same settings ("heap") shows how much of a ratio is that.
  ph=$(GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824 "$py" bench/backbone_reference.py "$threads" "$batches" nchw "$arch" | "$py" -c 'import json,sys; print(round(json.load(sys.stdin)["img_s"], 1))')
  pc=$(GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=1073741824 "$py" bench/backbone_reference.py "$threads" "$batches" cl "$arch" | "$py" -c 'import json,sys; print(round(json.load(sys.stdin)["img_s"], 1))')
  "$py" -c "g,p,ph,pc=float('$g'),float('$p'),float('$ph'),float('$pc'); print(f'round $r: transferlab {g:.1f} img/s; PyTorch {p:.1f} as installed ({g/p:.2f}x), {ph:.1f} heap ({g/ph:.2f}x), {pc:.1f} heap channels_last ({g/pc:.2f}x); load average $(cut -d' ' -f1 /proc/loadavg)')"
done
