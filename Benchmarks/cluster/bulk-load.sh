#!/usr/bin/env bash
# Bulk-load benchmark: a local release cluster (3 meta, 3 data, 1 router, 2 replicas), then
#   1. 100 B values:  RECORDS_SMALL records through POST /v1/bulk
#   2. 64 KiB values: RECORDS_LARGE records
#   3. a 1 GiB body streamed through the router, with the router's peak RSS (VmHWM)
# Prints records/s and MB/s (of request body) for each, and the router's peak memory.
# Usage: Benchmarks/cluster/bulk-load.sh [keel-binary]   (default: a release build)
set -euo pipefail
cd "$(dirname "$0")/../.."
KEEL=${1:-}
if [ -z "$KEEL" ]; then
  swift build -c release --product keel >/dev/null
  KEEL="$(swift build -c release --show-bin-path)/keel"
fi
RECORDS_SMALL=${RECORDS_SMALL:-200000}
RECORDS_LARGE=${RECORDS_LARGE:-2000}
STREAM_BYTES=${STREAM_BYTES:-$((1 << 30))}
DIR=$(mktemp -d /tmp/keel-bench-XXXXXX)
PORT=${PORT:-18480}
BASE=${BASE:-18400}
trap 'kill $DEV 2>/dev/null; wait $DEV 2>/dev/null; rm -rf "$DIR"' EXIT

"$KEEL" dev --dir "$DIR/cluster" --http-port "$PORT" --base-port "$BASE" --initial-shards 8 > "$DIR/dev.log" 2>&1 &
DEV=$!
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null && break; sleep 0.2; done
ROUTER_PID=$(pgrep -f "router --listen 127.0.0.1:$PORT" | head -1)

generate() {  # generate KIND COUNT > file ; KIND = small | large
  python3 - "$1" "$2" <<'PY'
import base64, os, sys
kind, count = sys.argv[1], int(sys.argv[2])
out = sys.stdout
if kind == "small":
    value = "v" * 100
    for i in range(count):
        out.write('{"key":"small/%08d","value":"%s"}\n' % (i, value))
else:
    blob = base64.b64encode(os.urandom(64 * 1024)).decode()
    for i in range(count):
        out.write('{"key":"large/%06d","value_b64":"%s"}\n' % (i, blob))
PY
}

load() {  # load NAME FILE RECORDS
  local bytes start end
  bytes=$(stat -c %s "$2")
  start=$(date +%s.%N)
  curl -sf -X POST -H 'Content-Type: application/x-ndjson' --data-binary @"$2" "http://127.0.0.1:$PORT/v1/bulk" > "$DIR/$1.json"
  end=$(date +%s.%N)
  python3 - "$1" "$3" "$bytes" "$start" "$end" "$DIR/$1.json" <<'PY'
import json, sys
name, records, size, start, end, result = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4]), float(sys.argv[5]), sys.argv[6]
answer = json.load(open(result))
seconds = end - start
print(f"{name:>12}: {records} records, {size/1e6:.1f} MB body, {seconds:.2f} s -> {answer['written']/seconds:,.0f} records/s, {size/seconds/1e6:.1f} MB/s (written {answer['written']}, failed {answer['failed']})")
PY
}

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
