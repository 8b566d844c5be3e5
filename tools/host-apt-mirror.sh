#!/usr/bin/env bash
# Prints the archive URI this machine's apt uses for one of its Debian suites,
# so that scripts reach the same mirror as the host without naming one:
#
#   tools/host-apt-mirror.sh             the URI of the host's main suite (e.g. bookworm)
#   tools/host-apt-mirror.sh -security   the URI of <codename>-security
#   tools/host-apt-mirror.sh -updates    the URI of <codename>-updates
#
# Reads /etc/apt/sources.list and /etc/apt/sources.list.d/*.list (one-line
# format) and /etc/apt/sources.list.d/*.sources (deb822 format), the files apt
# itself reads; 'Enabled: no' stanzas, deb-src and non-http(s) URIs are
# skipped. APT_SOURCES_ROOT (default /) lets a test point it at another tree.
# Exits 1 with one line on stderr when no source carries the suite.
set -euo pipefail

root="${APT_SOURCES_ROOT:-/}"
suffix="${1:-}"
# shellcheck disable=SC1091
codename="$(. "$root/etc/os-release" 2>/dev/null && printf '%s' "${VERSION_CODENAME:-}")" || true
[ -n "$codename" ] || { echo "host-apt-mirror: no VERSION_CODENAME in $root/etc/os-release" >&2; exit 1; }
suite="$codename$suffix"

files=()
[ -f "$root/etc/apt/sources.list" ] && files+=("$root/etc/apt/sources.list")
for f in "$root"/etc/apt/sources.list.d/*.list "$root"/etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && files+=("$f")
done

uri=""
for f in "${files[@]}"; do
  case "$f" in
    *.sources)
      # deb822: blank-line separated stanzas of "Key: value" fields.
      uri="$(awk -v want="$suite" '
        function flush() {
          if (!done && types ~ /(^| )deb( |$)/ && tolower(enabled) != "no") {
            ns = split(suites, s, " "); nu = split(uris, u, " ")
            for (i = 1; i <= ns; i++) if (s[i] == want)
              for (j = 1; j <= nu; j++) if (u[j] ~ /^https?:\/\//) { print u[j]; done = 1; exit }
          }
          types = ""; suites = ""; uris = ""; enabled = ""; key = ""
        }
        /^[ \t]*#/ { next }
        /^[ \t]*$/ { flush(); next }
        /^[ \t]/ { v = $0; sub(/^[ \t]+/, "", v)
                   if (key == "types") types = types " " v; else if (key == "suites") suites = suites " " v; else if (key == "uris") uris = uris " " v
                   next }
        { k = tolower($0); sub(/:.*/, "", k); v = $0; sub(/^[^:]*:[ \t]*/, "", v); key = k
          if (k == "types") types = v; else if (k == "suites") suites = v; else if (k == "uris") uris = v; else if (k == "enabled") enabled = v }
        END { flush() }
      ' "$f")"
      ;;
    *)
      # One-line format: deb [options] URI SUITE COMPONENT...
      uri="$(awk -v want="$suite" '
        { sub(/#.*/, "") }
        $1 != "deb" { next }
        { i = 2
          if ($i ~ /^\[/) { while (i <= NF && $i !~ /\]$/) i++; i++ }
          if ($(i + 1) == want && $i ~ /^https?:\/\//) { print $i; exit } }
      ' "$f")"
      ;;
  esac
  [ -n "$uri" ] && break
done

[ -n "$uri" ] || { echo "host-apt-mirror: no enabled 'deb' source for suite $suite in ${files[*]:-$root/etc/apt}" >&2; exit 1; }
printf '%s\n' "${uri%/}"
