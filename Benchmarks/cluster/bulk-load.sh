#!/usr/bin/env bash
# Bulk-load benchmark: a local release cluster (3 meta, 3 data, 1 router, 2 replicas), then
#   1. 100 B values:  RECORDS_SMALL records through POST /v1/bulk
#   2. 64 KiB values: RECORDS_LARGE records
#   3. a 1 GiB body streamed through the router, with the router's peak RSS (VmHWM)
# Prints records/s and MB/s (of request body) for each, and the router's peak memory.
# Usage: Benchmarks/cluster/bulk-load.sh [keel-binary]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=lib.sh
source Benchmarks/cluster/lib.sh
KEEL=$(keel_binary "${1:-}")
RECORDS_SMALL=${RECORDS_SMALL:-200000}
RECORDS_LARGE=${RECORDS_LARGE:-2000}
STREAM_BYTES=${STREAM_BYTES:-$((1 << 30))}
DIR=$(mktemp -d /tmp/keel-bench-XXXXXX)
PORT=${PORT:-18480}
BASE=${BASE:-18400}
DEV=
trap 'stop_cluster; rm -rf "$DIR"' EXIT

start_cluster "$PORT" "$BASE" --initial-shards 8

generate small "$RECORDS_SMALL" > "$DIR/small.ndjson"
load "100 B values" "$DIR/small.ndjson" "$RECORDS_SMALL"
generate large "$RECORDS_LARGE" > "$DIR/large.ndjson"
load "64 KiB values" "$DIR/large.ndjson" "$RECORDS_LARGE"
rm -f "$DIR/small.ndjson" "$DIR/large.ndjson"

# 1 GiB streamed from a generator (never on disk), chunked, while the router's RSS is sampled.
LINES=$(( STREAM_BYTES / (64 * 1024 * 4 / 3 + 40) ))
before=$(grep VmRSS /proc/$ROUTER_PID/status | awk '{print $2}')
start=$(date +%s.%N)
generate large "$LINES" | curl -sf -X POST -H 'Content-Type: application/x-ndjson' -H 'Transfer-Encoding: chunked' \
  --data-binary @- "http://127.0.0.1:$PORT/v1/bulk" > "$DIR/stream.json"
end=$(date +%s.%N)
peak=$(grep VmHWM /proc/$ROUTER_PID/status | awk '{print $2}')
python3 - "$LINES" "$start" "$end" "$before" "$peak" "$DIR/stream.json" <<'PY'
import json, sys
lines, start, end, before, peak, result = int(sys.argv[1]), float(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6]
answer = json.load(open(result))
size = lines * (65536 * 4 // 3 + 40)
print(f"{'1 GiB stream':>12}: {lines} records, ~{size/2**30:.2f} GiB body, {end-start:.1f} s -> {answer['written']/(end-start):,.0f} records/s, {size/(end-start)/1e6:.1f} MB/s (written {answer['written']}, failed {answer['failed']})")
print(f"{'router RSS':>12}: {before/1024:.0f} MiB before, {peak/1024:.0f} MiB peak (VmHWM) while streaming")
PY
