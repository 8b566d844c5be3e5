#!/usr/bin/env bash
# A "last" transfer from ResNet-18 on a 1,000-image colour folder, end to
# end (decode and prepare at 224, one backbone pass, 10 epochs of the new
# head, the test pass, the checkpoint and the report), timed. The backbone
# is a seeded random one (bench/colour_folder.py): the time does not
# depend on the weights, the accuracy does and is not measured here.
#
#   bench/backbone_last.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-1000}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
/usr/bin/python3 bench/colour_folder.py "$work" "$n"
echo "bench: $(date -u +%FT%TZ) on $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown), $n images"
start=$(date +%s.%N)
./transferlab finetune --from "$work/resnet18-random.pth" --layers last --target "folder:$work/photos" --per-class all \
  --results-dir "$work/results" --data-dir "$work/data" --name last-1000
echo "bench: finetune --layers last, end to end: $(echo "$(date +%s.%N) - $start" | bc) s"
