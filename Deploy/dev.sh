#!/usr/bin/env bash
# Builds Keel (release) and starts a local cluster: 3 meta members, 3 data nodes and a
# router on http://127.0.0.1:8080, with everything kept under ./keel-data.
# Extra arguments go to `keel dev` (see `keel dev --help`), e.g. --data-nodes 5.
set -euo pipefail
cd "$(dirname "$0")/.."
Deploy/install-deps.sh
echo "keel: building (the first build takes several minutes)…" >&2
swift build -c release --product keel
swift build -c release --product keelctl
echo "keel: keelctl is at $(swift build -c release --show-bin-path)/keelctl" >&2
exec "$(swift build -c release --show-bin-path)/keel" dev "$@"
