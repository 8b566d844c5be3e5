#!/usr/bin/env bash
# Checks the README's two commands on a fresh Debian 13 (trixie): a minbase
# chroot made with debootstrap, this machine's Go and CA bundle copied in, a
# clean git clone of one commit. Run as root on a Debian host; CI does not
# run it (it takes a while and needs root).
#
#   tools/debian13-check.sh [--setup-only] [--clean] [--chroot DIR] [--commit REV] [--repo PATH]
#
#   --setup-only   stop after ./setup-libtorch.sh (apt, gotchpatch, go build)
#   --clean        empty the chroot's Go module and build caches and
#                  ~/.cache/transferlab first, so that a reused chroot times
#                  gotchpatch and the build as a fresh machine would (the apt
#                  packages stay installed: remove DIR for a fresh apt step)
#   --chroot DIR   the chroot, created on first use and reused after (default /work/trixie)
#   --commit REV   the commit to check (default HEAD of --repo)
#   --repo PATH    the git repository (default the one holding the current folder)
#
# In the chroot it runs, timing each step:
#   ./setup-libtorch.sh && ./transferlab reproduce --quick --target mnist
#   the README's test command (the line after <!-- test-command -->)
# and exits non-zero if any step fails. The mirror is the host's own
# (tools/host-apt-mirror.sh): debootstrap and the chroot's apt use it.
#
# Where the chroot differs from a real Debian 13 machine:
#  - minbase: no ca-certificates package at first (the host's CA bundle is
#    copied in, to /etc/ssl/host-ca-bundle.crt, and named by SSL_CERT_FILE
#    and NODE_EXTRA_CA_CERTS; setup's packages pull ca-certificates in later);
#    git is installed before the check, as a user who cloned the repository
#    has it;
#  - Go is this host's /usr/local/go (a real machine installs Go itself);
#  - npm/nodejs come from Debian (setup installs npm when none is on PATH);
#  - no GPU, no systemd: policy-rc.d stops packages from starting services;
#  - /proc, /dev, /dev/pts and /sys are the host's (bind mounts), and the
#    kernel, network and CPU count are the host's.
set -euo pipefail

say() { printf 'debian13-check: %s\n' "$*"; }
die() { printf 'debian13-check: %s\n' "$*" >&2; exit 1; }

here="$(cd "$(dirname "$0")" && pwd)"
chroot_dir=/work/trixie
setup_only=0
clean=0
commit=HEAD
repo=""
while [ $# -gt 0 ]; do
  case "$1" in
    --setup-only) setup_only=1 ;;
    --clean) clean=1 ;;
    --chroot) [ $# -ge 2 ] || die "--chroot needs a folder"; chroot_dir="$2"; shift ;;
    --chroot=*) chroot_dir="${1#*=}" ;;
    --commit) [ $# -ge 2 ] || die "--commit needs a revision"; commit="$2"; shift ;;
    --commit=*) commit="${1#*=}" ;;
    --repo) [ $# -ge 2 ] || die "--repo needs a folder"; repo="$2"; shift ;;
    --repo=*) repo="${1#*=}" ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument '$1' (see --help)" ;;
  esac
  shift
done

[ "$(id -u)" -eq 0 ] || die "needs root (debootstrap, chroot and mounts): re-run as root."
[ -x /usr/local/go/bin/go ] || die "no Go in /usr/local/go to copy into the chroot: install Go there and re-run."
[ -f /etc/ssl/certs/ca-certificates.crt ] || die "no CA bundle at /etc/ssl/certs/ca-certificates.crt to copy into the chroot."
if [ -z "$repo" ]; then
  repo="$(git rev-parse --show-toplevel 2>/dev/null)" || repo="$(git -C "$here" rev-parse --show-toplevel)" \
    || die "no git repository here: run it inside the repository or pass --repo."
fi
sha="$(git -C "$repo" rev-parse --verify "$commit^{commit}" 2>/dev/null)" || die "'$commit' is not a commit in $repo."
chroot_dir="$(realpath -m "$chroot_dir")"
case "$chroot_dir" in /|/usr|/usr/*|/etc|/etc/*|/bin|/sbin|/lib*|/proc*|/sys*|/dev*) die "refusing chroot folder $chroot_dir" ;; esac

mirror="$("$here/host-apt-mirror.sh")" || die "cannot tell this machine's Debian mirror from its apt sources (see above)."
security="$("$here/host-apt-mirror.sh" -security 2>/dev/null)" || security=""

now() { date +%s; }
fmt() { printf '%dm%02ds' $(($1 / 60)) $(($1 % 60)); }
results=()
record() { results+=("$(printf '%-34s %8s  %s' "$1" "$(fmt "$2")" "$3")"); say "$1: $3 in $(fmt "$2")"; }
summary() {
  say "summary (chroot $chroot_dir, commit ${sha:0:12}):"
  local r
  for r in "${results[@]}"; do printf '  %s\n' "$r"; done
}

# --- the chroot -----------------------------------------------------------
stamp="$chroot_dir/.debian13-check-debootstrap"
if [ -f "$stamp" ]; then
  say "reusing the trixie chroot in $chroot_dir (made $(cat "$stamp"))"
else
  if [ -d "$chroot_dir" ] && [ -n "$(ls -A "$chroot_dir" 2>/dev/null)" ]; then
    die "$chroot_dir exists but is not a finished chroot of this script (no $stamp): remove it (after unmounting anything under it) and re-run."
  fi
  if ! command -v debootstrap >/dev/null 2>&1; then
    say "installing debootstrap with apt-get"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends debootstrap \
      || die "apt-get install debootstrap failed: see the messages above."
  fi
  say "debootstrap --variant=minbase trixie $chroot_dir $mirror"
  t0=$(now)
  debootstrap --variant=minbase trixie "$chroot_dir" "$mirror" \
    || die "debootstrap failed (log: $chroot_dir/debootstrap/debootstrap.log)."
  record "debootstrap (minbase trixie)" $(($(now) - t0)) ok
  date -u '+%Y-%m-%d %H:%M UTC' > "$stamp"
fi

# apt: the host's mirror for trixie, trixie-updates and trixie-security,
# and the host's acquire settings (proxies, Check-Valid-Until) so that it
# reaches the mirror the way the host does.
{
  printf 'Types: deb\nURIs: %s\nSuites: trixie trixie-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$mirror"
  [ -z "$security" ] || printf '\nTypes: deb\nURIs: %s\nSuites: trixie-security\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' "$security"
} > "$chroot_dir/etc/apt/sources.list.d/debian.sources"
rm -f "$chroot_dir/etc/apt/sources.list"
apt-config dump 2>/dev/null | grep -E '^Acquire::(https?::Proxy|Check-Valid-Until|Check-Date)[ :]' \
  > "$chroot_dir/etc/apt/apt.conf.d/99debian13-check-host" || true
printf '#!/bin/sh\nexit 101\n' > "$chroot_dir/usr/sbin/policy-rc.d"
chmod 755 "$chroot_dir/usr/sbin/policy-rc.d"
cp -L /etc/resolv.conf "$chroot_dir/etc/resolv.conf" 2>/dev/null || true
cp /etc/hosts "$chroot_dir/etc/hosts"

# Go and the CA bundle. The bundle also goes to its own path, which a
# ca-certificates package installed later in the chroot would not rewrite.
if [ "$(cat "$chroot_dir/usr/local/go/VERSION" 2>/dev/null)" != "$(cat /usr/local/go/VERSION)" ]; then
  say "copying Go ($(/usr/local/go/bin/go version | awk '{print $3}')) into the chroot"
  rm -rf "$chroot_dir/usr/local/go"
  cp -a /usr/local/go "$chroot_dir/usr/local/go"
fi
mkdir -p "$chroot_dir/etc/ssl/certs"
cp /etc/ssl/certs/ca-certificates.crt "$chroot_dir/etc/ssl/host-ca-bundle.crt"
[ -f "$chroot_dir/etc/ssl/certs/ca-certificates.crt" ] || cp /etc/ssl/certs/ca-certificates.crt "$chroot_dir/etc/ssl/certs/ca-certificates.crt"

# --- mounts, undone on exit -------------------------------------------------
mounted=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount "${mounted[i]}" 2>/dev/null || umount -l "${mounted[i]}" 2>/dev/null \
      || printf 'debian13-check: could not unmount %s\n' "${mounted[i]}" >&2
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mnt() { # mnt TARGET MOUNT-ARGS...
  local target="$chroot_dir$1"; shift
  mountpoint -q "$target" && return 0
  mkdir -p "$target"
  mount "$@" "$target" || die "mount $* $target failed."
  mounted+=("$target")
}
mnt /proc -t proc proc
mnt /sys --bind /sys
mnt /dev --bind /dev
mnt /dev/pts --bind /dev/pts
mnt /dev/shm --bind /dev/shm

if [ "$clean" -eq 1 ]; then
  say "--clean: emptying the chroot's Go caches (/root/go, /root/.cache/go-build) and /root/.cache/transferlab"
  chmod -R u+w "$chroot_dir/root/go" 2>/dev/null || true
  rm -rf "$chroot_dir/root/go" "$chroot_dir/root/.cache/go-build" "$chroot_dir/root/.cache/transferlab"
fi

# --- the clean clone ----------------------------------------------------------
src=/root/transferlab
say "cloning $repo at ${sha:0:12} into $chroot_dir$src"
rm -rf "$chroot_dir$src"
git clone -q --no-checkout --no-hardlinks "$repo" "$chroot_dir$src" \
  || die "git clone $repo failed."
if ! git -C "$chroot_dir$src" checkout -q --detach "$sha" 2>/dev/null; then
  if ! { git -C "$chroot_dir$src" fetch -q "$repo" "$sha" && git -C "$chroot_dir$src" checkout -q --detach "$sha"; }; then
    die "commit $sha is not reachable in a clone of $repo."
  fi
fi

test_cmd="$(awk '/<!-- test-command -->/ { f = 1; next } f && /^```/ { next } f && NF { print; exit }' "$chroot_dir$src/README.md")"
[ -n "$test_cmd" ] || die "README.md at ${sha:0:12} has no line after <!-- test-command -->."

# Runs a command in the chroot as a fresh login would, with the copied Go
# and CA bundle; output lines carry the seconds since the step began.
in_chroot() {
  local go_env=()
  local v
  for v in GOPROXY GOSUMDB GONOSUMDB GOPRIVATE GONOPROXY GOINSECURE; do
    [ -z "${!v:-}" ] || go_env+=("$v=${!v}")
  done
  chroot "$chroot_dir" /usr/bin/env -i \
    HOME=/root USER=root LOGNAME=root SHELL=/bin/bash TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/go/bin:/root/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    SSL_CERT_FILE=/etc/ssl/host-ca-bundle.crt NODE_EXTRA_CA_CERTS=/etc/ssl/host-ca-bundle.crt \
    DEBIAN_FRONTEND=noninteractive "${go_env[@]}" \
    /bin/bash -c "cd $src && $1" 2>&1 | {
      local s; s=$(now)
      while IFS= read -r line; do printf '[%4ds] %s\n' $(($(now) - s)) "$line"; done
    }
  return "${PIPESTATUS[0]}"
}

status=0
# shellcheck disable=SC2016  # ${Status} is dpkg-query's, not the shell's
if ! chroot "$chroot_dir" dpkg-query -W -f '${Status}' git 2>/dev/null | grep -q 'install ok installed'; then
  say "installing git in the chroot (a user who cloned the repository has it)"
  t0=$(now)
  if in_chroot "apt-get update -q && apt-get install -y -q --no-install-recommends git"; then
    record "chroot prerequisite: git" $(($(now) - t0)) ok
  else
    record "chroot prerequisite: git" $(($(now) - t0)) FAILED; summary; exit 1
  fi
fi

setup_log="$chroot_dir/root/debian13-check-setup.log"
say "step 1: ./setup-libtorch.sh (log also in $setup_log)"
t0=$(now)
if in_chroot ./setup-libtorch.sh | tee "$setup_log"; then
  record "./setup-libtorch.sh" $(($(now) - t0)) ok
else
  record "./setup-libtorch.sh" $(($(now) - t0)) FAILED; status=1
fi
# The setup's phases, from the times of its 'setup:' lines.
awk '
  /\] setup: / { t = $0; sub(/^\[ */, "", t); sub(/s\].*/, "", t); msg = $0; sub(/^[^]]*\] setup: /, "", msg)
                 if (n) printf "  setup phase %-58.58s %4ds\n", last, t - prev
                 last = msg; prev = t; n++ }
  { t = $0; sub(/^\[ */, "", t); sub(/s\].*/, "", t); end = t }
  END { if (n) printf "  setup phase %-58.58s %4ds (to the end of setup)\n", last, end - prev }
' "$setup_log" || true

if [ "$status" -ne 0 ]; then
  say "setup failed; its last lines:"
  tail -n 15 "$setup_log" | sed 's/^/  /'
  summary; exit 1
fi
if [ "$setup_only" -eq 1 ]; then
  summary; say "--setup-only: stopping after setup and build"; exit 0
fi

say "step 2: ./transferlab reproduce --quick --target mnist"
t0=$(now)
if in_chroot "./transferlab reproduce --quick --target mnist"; then
  record "reproduce --quick --target mnist" $(($(now) - t0)) ok
else
  record "reproduce --quick --target mnist" $(($(now) - t0)) FAILED; status=1
fi

say "step 3: the README's test command: $test_cmd"
t0=$(now)
if in_chroot "$test_cmd"; then
  record "test: $test_cmd" $(($(now) - t0)) ok
else
  record "test: $test_cmd" $(($(now) - t0)) FAILED; status=1
fi

summary
exit "$status"
