#!/usr/bin/env bash
# Unpacks Debian 13 (trixie)'s libtorch 2.6 headers into a folder, without
# installing anything, so that code meant for libtorch 2.6 can be compiled
# (-fsyntax-only) on a Debian 12 machine whose /usr/include holds 1.13's:
#
#   tools/libtorch-headers.sh DIR [PACKAGE...]
#
# apt runs with a private sources list, state and cache (nothing of the
# host's apt changes) against the trixie suites of the mirror the host uses
# (tools/host-apt-mirror.sh), downloads libtorch-dev (and any PACKAGEs named)
# and unpacks each .deb with dpkg -x into DIR. libtorch-dev alone is enough:
# its public headers (torch/torch.h, torch/script.h, the JIT and autograd
# headers gotch includes) need no other -dev package's headers (Debian builds
# c10 without glog and gflags; protobuf and Python headers are not reached).
#
# Then it checks the result: this host's g++ compiles
#   #include <torch/torch.h> / <torch/optim/adam.h> / <ATen/autocast_mode.h>
# with -fsyntax-only and the flags printed at the end, and every torch, ATen,
# c10 and caffe2 header it read (g++ -H) lies in DIR, at TORCH_VERSION 2.6.
#
# Idempotent: a package DIR already holds (DIR/.libtorch-headers/PKG) is not
# downloaded again. TORCH_SERIES (default 2.6) is the libtorch-dev version
# the check expects.
set -euo pipefail

say() { printf 'libtorch-headers: %s\n' "$*"; }
die() { printf 'libtorch-headers: %s\n' "$*" >&2; exit 1; }

if [ $# -lt 1 ] || [ -z "$1" ] || [ "${1#-}" != "$1" ]; then
  die "usage: $0 DIR [PACKAGE...] (DIR receives usr/include/...)"
fi
here="$(cd "$(dirname "$0")" && pwd)"
dir="$(realpath -m "$1")"
shift
packages=(libtorch-dev "$@")
series="${TORCH_SERIES:-2.6}"
suite=trixie
stamps="$dir/.libtorch-headers"

for tool in apt-get dpkg-deb g++; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is missing: this script needs apt, dpkg and g++ (Debian)."
done
mkdir -p "$stamps" || die "cannot create $dir"

missing=()
for p in "${packages[@]}"; do
  if [ -f "$stamps/$p" ]; then
    say "$p $(cat "$stamps/$p") already in $dir"
  else
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -gt 0 ]; then
  mirror="$("$here/host-apt-mirror.sh")" || die "cannot tell this machine's Debian mirror from its apt sources."
  security="$("$here/host-apt-mirror.sh" -security 2>/dev/null)" || security=""
  work="$(mktemp -d "${TMPDIR:-/tmp}/libtorch-headers.XXXXXX")"
  trap 'rm -rf "$work"' EXIT
  mkdir -p "$work/lists/partial" "$work/cache/archives/partial" "$work/parts" "$work/prefs" "$work/debs"
  : > "$work/status"
  {
    printf 'deb %s %s main\n' "$mirror" "$suite"
    printf 'deb %s %s-updates main\n' "$mirror" "$suite"
    [ -z "$security" ] || printf 'deb %s %s-security main\n' "$security" "$suite"
  } > "$work/sources.list"
  # Private everything: sources, lists, dpkg status (empty), cache, pinning.
  apt_opts=(
    -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=$work/parts"
    -o "Dir::State::Lists=$work/lists" -o "Dir::State::status=$work/status"
    -o "Dir::Cache=$work/cache" -o "Dir::Etc::Preferences=/dev/null" -o "Dir::Etc::PreferencesParts=$work/prefs"
    -o "Debug::NoLocking=true" -o "APT::Sandbox::User=root" -o "Acquire::Languages=none"
    -o "Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-small::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::DEP-11-icons-hidpi::DefaultEnabled=false"
    -o "Acquire::IndexTargets::deb::Contents-deb::DefaultEnabled=false"
  )
  say "reading the $suite package lists from $mirror${security:+ and $security} (private apt state in $work)"
  apt-get "${apt_opts[@]}" -q update >"$work/update.log" 2>&1 \
    || { cat "$work/update.log" >&2; die "apt-get update for $suite failed (see above): is $mirror reachable?"; }
  for p in "${missing[@]}"; do
    (cd "$work/debs" && apt-get "${apt_opts[@]}" -q download "$p" >"$work/download.log" 2>&1) \
      || { cat "$work/download.log" >&2; die "apt-get download $p from $suite failed (see above)."; }
    debs=("$work/debs/${p}"_*.deb)
    deb="${debs[0]}"
    [ -f "$deb" ] || die "apt-get download $p left no .deb in $work/debs."
    version="$(dpkg-deb -f "$deb" Version)"
    dpkg -x "$deb" "$dir" || die "dpkg -x $deb $dir failed."
    printf '%s\n' "$version" > "$stamps/$p"
    say "unpacked $p $version ($suite, $(du -h "$deb" | cut -f1) .deb) into $dir"
  done
fi

version="$(cat "$stamps/libtorch-dev")"
case "$version" in
  "$series".*) ;;
  *) die "libtorch-dev in $dir is $version, not $series.x: set TORCH_SERIES or use another DIR." ;;
esac

# The check: the 2.6 headers compile with this g++, and none of 1.13's
# (the host's /usr/include) is read.
flags=(-std=c++17 -I "$dir/usr/include" -I "$dir/usr/include/torch/csrc/api/include")
probe="$(mktemp -d "${TMPDIR:-/tmp}/libtorch-headers-check.XXXXXX")"
printf '#include <torch/torch.h>\n#include <torch/optim/adam.h>\n#include <ATen/autocast_mode.h>\nstatic const char *torch_version_is = TORCH_VERSION;\nint main(){ return torch_version_is[0] == 0; }\n' \
  > "$probe/check.cpp"
say "checking: g++ -fsyntax-only ${flags[*]} (torch.h, optim/adam.h, ATen/autocast_mode.h)"
if ! g++ "${flags[@]}" -fsyntax-only -H "$probe/check.cpp" 2>"$probe/H.txt"; then
  grep -v '^\.\|^Multiple include guards\|^/' "$probe/H.txt" | head -n 20 >&2
  rm -rf "$probe"
  die "g++ $(g++ -dumpfullversion) cannot compile against the headers in $dir (errors above)."
fi
wrong="$(sed -n 's/^\.\{1,\} //p' "$probe/H.txt" | grep -E '/(torch|ATen|c10|caffe2)/' | { grep -v "^$dir/" || true; } | sort -u | head -n 5)"
[ -z "$wrong" ] || { rm -rf "$probe"; die "the compile read libtorch headers outside $dir (e.g. $(echo "$wrong" | head -n 1)): check the include order."; }
seen="$(g++ "${flags[@]}" -E "$probe/check.cpp" 2>/dev/null | sed -n 's/.*torch_version_is = "\([^"]*\)".*/\1/p' | head -n 1)"
rm -rf "$probe"
case "$seen" in
  "$series".*) ;;
  *) die "the preprocessed check says TORCH_VERSION $seen, not $series.x." ;;
esac
say "ok: libtorch-dev $version, TORCH_VERSION $seen (torch/version.h at $dir/usr/include/torch/csrc/api/include/torch/version.h)"
say "g++ flags: ${flags[*]}"
