#!/usr/bin/env bash
# Installs the echarts JavaScript library the HTML reports use, so that they
# render with no internet. transferlab renders charts with go-echarts v2.6.7,
# which is written for echarts 5.4.3; this script installs exactly that
# version from npm into a cache folder:
#
#   ${TRANSFERLAB_ECHARTS:-${XDG_CACHE_HOME:-$HOME/.cache}/transferlab/echarts}
#
# 'transferlab report' (and every page a run writes) copies
# node_modules/echarts/dist/echarts.min.js from there into
# results/assets/. Idempotent: a second run checks the version and exits.
set -euo pipefail

ECHARTS_VERSION=5.4.3
dir="${TRANSFERLAB_ECHARTS:-${XDG_CACHE_HOME:-$HOME/.cache}/transferlab/echarts}"
pkg="$dir/node_modules/echarts/package.json"
js="$dir/node_modules/echarts/dist/echarts.min.js"

say() { printf 'setup-echarts: %s\n' "$*"; }
die() { printf 'setup-echarts: %s\n' "$*" >&2; exit 1; }

installed_version() {
  [ -f "$pkg" ] || return 0
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pkg" | head -n 1
}

if [ -f "$js" ] && [ "$(installed_version)" = "$ECHARTS_VERSION" ]; then
  say "echarts $ECHARTS_VERSION present in $dir"
  exit 0
fi

command -v npm >/dev/null 2>&1 || die "npm is missing: install Node.js and npm (Debian: apt-get install npm) and re-run, or copy an echarts $ECHARTS_VERSION echarts.min.js to $js."

mkdir -p "$dir" || die "cannot create $dir: set TRANSFERLAB_ECHARTS to a writable folder and re-run."
say "installing echarts $ECHARTS_VERSION with npm into $dir"
npm install --prefix "$dir" --save-exact --no-audit --no-fund --loglevel=error "echarts@$ECHARTS_VERSION" \
  || die "npm install echarts@$ECHARTS_VERSION failed: see the messages above (the npm registry must be reachable)."

[ -f "$js" ] || die "npm finished but $js is missing: remove $dir and re-run."
[ "$(installed_version)" = "$ECHARTS_VERSION" ] || die "npm installed echarts $(installed_version), not $ECHARTS_VERSION: remove $dir and re-run."
say "echarts $ECHARTS_VERSION installed: $js"
