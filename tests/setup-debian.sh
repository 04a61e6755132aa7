#!/usr/bin/env bash
# Installs the Debian packages of tests/debian-packages.txt that are missing.
# As root it runs apt-get; otherwise it names the command to run.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mapfile -t wanted < <(grep -v '^#' "$here/debian-packages.txt" | sed '/^$/d')
missing=()
for entry in "${wanted[@]}"; do
  pkg=${entry%%|*}
  cmd=${entry#*|}
  if [ "$cmd" != "$entry" ] && command -v "$cmd" >/dev/null 2>&1; then continue; fi
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
  echo "tmdiff: missing Debian packages: ${missing[*]}" >&2
  echo "  install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
echo "tmdiff: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
