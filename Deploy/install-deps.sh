#!/usr/bin/env bash
# Installs the C libraries Keel links against (SQLite and LZ4 headers, pkg-config)
# when they are missing. Safe to run again: it does nothing when all are present.
set -euo pipefail

missing=()
for pkg in libsqlite3-dev liblz4-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "keel: please install ${missing[*]} (SQLite and LZ4 development files, pkg-config)" >&2
  exit 1
fi
as_root=()
[ "$(id -u)" -ne 0 ] && as_root=(sudo)
echo "keel: installing ${missing[*]}" >&2
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
