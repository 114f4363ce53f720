# Shared by the cluster benchmarks: start a `keel dev` cluster, generate NDJSON bodies,
# time a bulk load, time single puts. Source it; its functions expect KEEL and DIR to be set.

keel_binary() {  # keel_binary [path]: the given binary, or a fresh release build of keel
  if [ -n "${1:-}" ]; then echo "$1"; return; fi
  swift build -c release --product keel >/dev/null
  echo "$(swift build -c release --show-bin-path)/keel"
}

start_cluster() {  # start_cluster PORT BASE [keel dev arguments…]; sets DEV and ROUTER_PID
  local port=$1 base=$2
  shift 2
  "$KEEL" dev --dir "$DIR/cluster-$port" --http-port "$port" --base-port "$base" "$@" > "$DIR/dev-$port.log" 2>&1 &
  DEV=$!
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null || { echo "cluster on $port not ready; see $DIR/dev-$port.log" >&2; exit 1; }
  ROUTER_PID=$(pgrep -f "router --listen 127.0.0.1:$port" | head -1)
  PORT=$port
}

stop_cluster() {
  kill "$DEV" 2>/dev/null || true
  wait "$DEV" 2>/dev/null || true
}

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

put_latency() {  # put_latency NAME COUNT: sequential single-key PUTs on one connection
  python3 - "$1" "$2" "$PORT" <<'PY'
import http.client, sys, time
name, count, port = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
connection = http.client.HTTPConnection("127.0.0.1", port)
samples = []
for i in range(count):
    start = time.perf_counter()
    connection.request("PUT", "/v1/kv/latency/%08d" % i, body=b"v" * 100)
    response = connection.getresponse()
    response.read()
    if response.status != 200:
        raise SystemExit(f"PUT answered {response.status}")
    samples.append(time.perf_counter() - start)
samples.sort()
pick = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))] * 1000
print(f"{name:>12}: {count} sequential PUTs, p50 {pick(0.5):.2f} ms, p99 {pick(0.99):.2f} ms, p99.9 {pick(0.999):.2f} ms, {count/sum(samples):,.0f} PUTs/s")
PY
}
