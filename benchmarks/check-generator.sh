#!/usr/bin/env bash
# Checks the load generator against an independent client on a known server: redis-server pub/sub at
# 1 publisher -> SUBSCRIBERS subscribers and RATE msg/s. The generator runs SUBSCRIBERS - PROBES
# subscribers; benchmarks/native/fanout_probe.c runs PROBES more, in C, timing the same payloads over
# the same window. If the two latency distributions agree, the generator measures the server and not
# itself. Also prints the generator's and Redis's CPU-seconds per million deliveries.
#
# Usage: benchmarks/check-generator.sh
#   env: SUBSCRIBERS=1000 PROBES=10 RATE=1000 DURATION=6 WARMUP=2 ROUNDS=1
#        LOAD_THREADS= (the generator's --threads; empty = its default)  INSTALL=1 (apt-get redis-server if missing)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUBSCRIBERS=${SUBSCRIBERS:-1000}
PROBES=${PROBES:-10}
RATE=${RATE:-1000}
DURATION=${DURATION:-6}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-1}
LOAD_THREADS=${LOAD_THREADS:-}
INSTALL=${INSTALL:-1}
CC=${CC:-cc}
JAVA=${JAVA:-java}
HOST=127.0.0.1
OUT=${OUT:-$ROOT/benchmarks/target/check-generator-$(date +%Y%m%d-%H%M%S)}
SERVER_JAR=${SERVER_JAR:-$ROOT/server/target/chorus-server.jar}
BENCH_JAR=${BENCH_JAR:-$ROOT/benchmarks/target/chorus-bench.jar}
# shellcheck source=benchmarks/lib.sh
. "$ROOT/benchmarks/lib.sh"

ensure_tool redis-server redis-server || { echo "check-generator.sh: redis-server is missing (apt-get install redis-server)" >&2; exit 2; }
for tool in "$CC" python3; do
  command -v "$tool" >/dev/null || { echo "check-generator.sh: $tool is missing (apt-get install gcc python3)" >&2; exit 2; }
done
mkdir -p "$OUT"
prepare_run "$OUT"
"$CC" -O2 -o "$OUT/fanout_probe" "$ROOT/benchmarks/native/fanout_probe.c"

REDIS_PID=""
trap '[ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null; wait 2>/dev/null || true' EXIT

for round in $(seq "$ROUNDS"); do
  port=$(pick_port)
  redis-server --port "$port" --bind "$HOST" --save "" --appendonly no --maxclients $((SUBSCRIBERS + 1000)) \
      --protected-mode no --daemonize no > "$OUT/redis-$round.log" 2>&1 &
  REDIS_PID=$!
  wait_port "$REDIS_PID" "$port" 30 || { echo "check-generator.sh: redis-server did not start (see $OUT/redis-$round.log)" >&2; exit 1; }
  before=$(loadavg)
  # The probe's clock starts with the first payload, when the generator starts publishing: it then
  # skips the same warmup and measures the same window.
  "$OUT/fanout_probe" "$port" "$PROBES" "$WARMUP" "$DURATION" 'SUBSCRIBE bench\r\n' > "$OUT/probe-$round.json" &
  probe=$!
  "$JAVA" -jar "$BENCH_JAR" load fanout --port "$port" --subscribers $((SUBSCRIBERS - PROBES)) --rate "$RATE" \
      --subscribe-line 'SUBSCRIBE {room}' --publisher-line '' --publish-format 'PUBLISH {room} {payload}' \
      --ready-line-contains subscribe --duration "$DURATION" --warmup "$WARMUP" --server-pid "$REDIS_PID" --json \
      ${LOAD_THREADS:+--threads "$LOAD_THREADS"} \
      > "$OUT/generator-$round.json" 2> "$OUT/generator-$round.progress" || true
  wait "$probe" || true
  kill "$REDIS_PID"; wait "$REDIS_PID" 2>/dev/null || true
  REDIS_PID=""
  python3 - "$OUT/generator-$round.json" "$OUT/probe-$round.json" "$round" "$before" "$(loadavg)" "${LOAD_THREADS:-default}" <<'PY'
import json, sys
gen = json.loads([l for l in open(sys.argv[1]) if l.startswith("{")][-1])
probe = json.load(open(sys.argv[2]))
lat = gen["latency_us"]
def f(v): return "-" if v is None else f"{v:.2f}"
print(f"round {sys.argv[3]} (load average {sys.argv[4]} -> {sys.argv[5]}): published/s {gen['publish_rate']:.0f}, "
      f"deliveries/s {gen['delivery_rate']:,.0f}, lost {gen['lost']}")
print(f"  generator ({gen['subscribers']} subs, subscriber loops: {sys.argv[6]}): p50 {lat['p50']/1000:.1f} ms  p99 {lat['p99']/1000:.1f} ms  p99.9 {lat['p999']/1000:.1f} ms"
      f"   CPU-s per million deliveries: generator {f(gen.get('generator_cpu_s_per_million'))}, redis {f(gen.get('server_cpu_s_per_million'))}")
print(f"  C probe   ({probe.get('probe_samples', 0)} samples): p50 {probe.get('p50_us', 0)/1000:.1f} ms  "
      f"p99 {probe.get('p99_us', 0)/1000:.1f} ms  p99.9 {probe.get('p999_us', 0)/1000:.1f} ms")
PY
done
echo "details: $OUT" >&2
