#!/usr/bin/env bash
# Primary-backup against the Raft baseline, in one run on one machine (DESIGN.md §5):
# the same local cluster (3 meta, 3 data, 1 router, 4 shards) once per configuration,
#   pb-2   primary-backup, 2 copies (survives 1 failure: the meta group arbitrates)
#   pb-3   primary-backup, 3 copies
#   raft-3 the Raft baseline, 3 copies (survives 1 failure: a majority of 3)
# and for each: a bulk load of RECORDS records of 100 B, a bulk load of LARGE records of
# 4 KiB, and COUNT sequential single PUTs (latency). Ratios are the point; these machines
# are noisy, so compare figures from one run only.
# Usage: Benchmarks/cluster/compare-replication.sh [keel-binary]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source Benchmarks/cluster/lib.sh
KEEL=$(keel_binary "${1:-}")
RECORDS=${RECORDS:-100000}
LARGE=${LARGE:-20000}
COUNT=${COUNT:-2000}
DIR=$(mktemp -d /tmp/keel-compare-XXXXXX)
DEV=
trap 'stop_cluster; rm -rf "$DIR"' EXIT

generate small "$RECORDS" > "$DIR/small.ndjson"
python3 - "$LARGE" > "$DIR/medium.ndjson" <<'PY'
import sys
value = "m" * 4096
for i in range(int(sys.argv[1])):
    sys.stdout.write('{"key":"medium/%08d","value":"%s"}\n' % (i, value))
PY

port=18580
for setup in "pb-2 --replication primary-backup --replicas 2" "pb-3 --replication primary-backup --replicas 3" "raft-3 --replication raft --replicas 3"; do
  read -r name args <<< "$setup"
  # shellcheck disable=SC2086
  start_cluster "$port" $((port - 100)) --initial-shards 4 $args
  echo "== $name ($args)"
  load "$name 100 B" "$DIR/small.ndjson" "$RECORDS"
  load "$name 4 KiB" "$DIR/medium.ndjson" "$LARGE"
  put_latency "$name PUT" "$COUNT"
  stop_cluster
  port=$((port + 200))
done
