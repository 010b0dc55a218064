#!/usr/bin/env bash
# Compares Chorus with reference servers on loopback, one server at a time:
#   echo    : Chorus TCP echo vs the bare Netty echo baseline (chorus-bench baseline)
#             loads: pipelined (100 connections x 16 in flight) and ping-pong (100 x 1), 64 B
#   fan-out : Chorus chat vs `ncat --chat` vs redis-server pub/sub
#             1 publisher -> 1000 subscribers at 1000 and 2000 msg/s, 64 B
# Every run is bounded (warmup + duration + drain timeout) and every server is stopped by a trap.
# Results: one table on stdout; JSON, progress and server logs under $OUT.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  cat <<EOF
Usage: benchmarks/compare.sh [--duration S] [--warmup S] [--echo-only|--fanout-only] [--no-install] [--out DIR]

Environment (flags win):
  DURATION=10          measured seconds per run            WARMUP=2       unmeasured seconds first
  TIMEOUT=10           connect timeout and drain wait      PARTS=echo,fanout
  SUBSCRIBERS=1000     fan-out subscribers                 FANOUT_RATES="1000 2000"   msg/s, one run each
  ECHO_CONNECTIONS=100 echo connections                    SIZE=64        bytes per message
  INSTALL=1            apt-get install ncat/redis-server when missing (needs root)
  ROUNDS=1             repeat the echo part, alternating server order, to show run-to-run noise
  SERVER_CPUS / LOAD_CPUS   optional taskset CPU lists for the servers / the load generator
  SERVER_JAVA_OPTS / LOAD_JAVA_OPTS   extra JVM flags      STRICT=1       exit 1 if Chorus echo < 95% of baseline
  CHORUS_ECHO_PORT=17007 BASELINE_PORT=17100 CHORUS_CHAT_PORT=17000 NCAT_PORT=17200 REDIS_PORT=17300
  OUT=benchmarks/target/compare-<time>

Quick look: DURATION=3 WARMUP=1 benchmarks/compare.sh --echo-only
EOF
}

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
TIMEOUT=${TIMEOUT:-10}
PARTS=${PARTS:-echo,fanout}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
FANOUT_RATES=${FANOUT_RATES:-"1000 2000"}
ECHO_CONNECTIONS=${ECHO_CONNECTIONS:-100}
SIZE=${SIZE:-64}
INSTALL=${INSTALL:-1}
STRICT=${STRICT:-0}
ROUNDS=${ROUNDS:-1}
SERVER_CPUS=${SERVER_CPUS:-}
LOAD_CPUS=${LOAD_CPUS:-}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:-}
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS:-}
HOST=127.0.0.1
CHORUS_ECHO_PORT=${CHORUS_ECHO_PORT:-17007}
BASELINE_PORT=${BASELINE_PORT:-17100}
CHORUS_CHAT_PORT=${CHORUS_CHAT_PORT:-17000}
NCAT_PORT=${NCAT_PORT:-17200}
REDIS_PORT=${REDIS_PORT:-17300}
OUT=${OUT:-$ROOT/benchmarks/target/compare-$(date +%Y%m%d-%H%M%S)}
SERVER_JAR=${SERVER_JAR:-$ROOT/server/target/chorus-server.jar}
BENCH_JAR=${BENCH_JAR:-$ROOT/benchmarks/target/chorus-bench.jar}
JAVA=${JAVA:-java}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --echo-only) PARTS=echo; shift ;;
    --fanout-only) PARTS=fanout; shift ;;
    --no-install) INSTALL=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "compare.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

mkdir -p "$OUT"
SUMMARY="$OUT/runs.tsv"
: > "$SUMMARY"
log() { printf '\n== %s\n' "$*" >&2; }

# ---------------------------------------------------------------- servers
SERVER_PID=""
SERVER_NAME=""

stop_server() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  SERVER_PID=""
  SERVER_NAME=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

pin() {  # pin CPUS CMD... : run CMD, under taskset when CPUS is set
  local cpus=$1; shift
  if [ -n "$cpus" ]; then taskset -c "$cpus" "$@"; else "$@"; fi
}

# start_server NAME CMD... : starts CMD in the background, logging to $OUT/server-NAME.log
start_server() {
  local name=$1; shift
  stop_server
  SERVER_NAME=$name
  # A simple command in the background is exec'd by the forked shell, so $! is the server itself.
  if [ -n "$SERVER_CPUS" ]; then
    taskset -c "$SERVER_CPUS" "$@" > "$OUT/server-$name.log" 2>&1 &
  else
    "$@" > "$OUT/server-$name.log" 2>&1 &
  fi
  SERVER_PID=$!
}

# wait_port PORT SECONDS : true once something accepts on HOST:PORT
wait_port() {
  local port=$1 deadline=$((SECONDS + $2))
  while [ $SECONDS -lt $deadline ]; do
    if [ -n "$SERVER_PID" ] && ! kill -0 "$SERVER_PID" 2>/dev/null; then
      return 1
    fi
    if (exec 3<>"/dev/tcp/$HOST/$port") 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# ready_or_skip LABEL PORT : waits for the current server; on failure records a skip and stops it
ready_or_skip() {
  local label=$1 port=$2
  if wait_port "$port" 30; then
    return 0
  fi
  echo "SKIP: $label did not answer on $HOST:$port within 30 s (log: $OUT/server-$SERVER_NAME.log)" >&2
  tail -n 5 "$OUT/server-$SERVER_NAME.log" >&2 2>/dev/null || true
  stop_server
  return 1
}

# ---------------------------------------------------------------- loads
# run_load ID KIND SERVER LABEL ARGS... : one bounded load run, JSON to $OUT/ID.json, progress to stderr and $OUT/ID.progress
run_load() {
  local id=$1 kind=$2 server=$3 label=$4; shift 4
  local rc=0
  log "$label against $server"
  pin "$LOAD_CPUS" "$JAVA" $LOAD_JAVA_OPTS -jar "$BENCH_JAR" load "$kind" --host "$HOST" \
      --duration "$DURATION" --warmup "$WARMUP" --timeout "$TIMEOUT" --json "$@" \
      > "$OUT/$id.json" 2> >(tee "$OUT/$id.progress" >&2) || rc=$?
  printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$label" "$server" "$OUT/$id.json" "$rc" >> "$SUMMARY"
}

skip_run() {  # skip_run KIND LABEL SERVER REASON
  printf '%s\t%s\t%s\t-\tskipped: %s\n' "$1" "$2" "$3" "$4" >> "$SUMMARY"
}

# ---------------------------------------------------------------- setup
ensure_jars() {
  if [ ! -f "$SERVER_JAR" ] || [ ! -f "$BENCH_JAR" ]; then
    log "building the server and benchmark jars"
    (cd "$ROOT" && mvn -B -q -pl server,benchmarks -am package -DskipTests)
  fi
}

ensure_tool() {  # ensure_tool BINARY PACKAGE
  command -v "$1" >/dev/null 2>&1 && return 0
  if [ "$INSTALL" = 1 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log "installing $2"
    if [ -z "${APT_UPDATED:-}" ]; then
      apt-get update -qq >&2 && APT_UPDATED=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$2" >&2 || true
  fi
  command -v "$1" >/dev/null 2>&1
}

# 1000 subscribers need more descriptors than the usual soft limit of 1024.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
ensure_jars
# Run from private copies: a rebuild of target/ while a server runs from its jar kills that server.
cp "$SERVER_JAR" "$OUT/chorus-server.jar" && SERVER_JAR="$OUT/chorus-server.jar"
cp "$BENCH_JAR" "$OUT/chorus-bench.jar" && BENCH_JAR="$OUT/chorus-bench.jar"

# Chorus's abuse limits are off: the whole load comes from one address, and one publisher sends
# thousands of lines per second (the defaults allow 256 connections per address and 20 lines/s).
# shellcheck disable=SC2206 # SERVER_JAVA_OPTS is meant to split
CHORUS=("$JAVA" $SERVER_JAVA_OPTS -jar "$SERVER_JAR" --host "$HOST" --udp-port off --log-level warn
        --chat-tls-port off --echo-tls-port off --rate-limit 0 --max-connections 0 --max-connections-per-ip 0)

# ---------------------------------------------------------------- echo
ECHO_LOADS=("pipelined ${ECHO_CONNECTIONS}x16|--pipeline 16" "ping-pong ${ECHO_CONNECTIONS}x1|--pipeline 1")

if [[ ",$PARTS," == *",echo,"* ]]; then
  for round in $(seq "$ROUNDS"); do
    # Alternate the order each round, so drift on a shared machine does not always favour one server.
    if [ $((round % 2)) = 1 ]; then order="chorus baseline"; else order="baseline chorus"; fi
    suffix=""
    [ "$ROUNDS" -gt 1 ] && suffix=" #$round"
    for server in $order; do
      if [ "$server" = chorus ]; then
        port=$CHORUS_ECHO_PORT
        start_server chorus-echo "${CHORUS[@]}" --echo-port "$CHORUS_ECHO_PORT" --chat-port off
      else
        port=$BASELINE_PORT
        start_server baseline "$JAVA" $SERVER_JAVA_OPTS -jar "$BENCH_JAR" baseline --host "$HOST" --port "$BASELINE_PORT"
      fi
      if ! ready_or_skip "$server echo" "$port"; then
        for load in "${ECHO_LOADS[@]}"; do skip_run echo "${load%%|*}$suffix" "$server" "no answer on port $port"; done
        continue
      fi
      n=0
      for load in "${ECHO_LOADS[@]}"; do
        n=$((n + 1))
        # shellcheck disable=SC2086 # the load's extra flags are meant to split
        run_load "echo-$server-$n-r$round" echo "$server" "${load%%|*}$suffix" --port "$port" \
            --connections "$ECHO_CONNECTIONS" --size "$SIZE" ${load#*|}
      done
      stop_server
    done
  done
fi

# ---------------------------------------------------------------- fan-out
if [[ ",$PARTS," == *",fanout,"* ]]; then
  for server in ${FANOUT_SERVERS:-chorus ncat redis}; do
    case $server in
      chorus)
        port=$CHORUS_CHAT_PORT
        args=(--subscribe-line '/join {room}' --publisher-line '/join {room}' --publish-format '{payload}'
              --ready-line-contains 'joined #{room}')
        ;;
      ncat)
        port=$NCAT_PORT
        # ncat listens with a backlog of 10 and never serves connects that overflowed it: connect slowly,
        # and count a subscriber ready only once ncat greeted it.
        args=(--subscribe-line '' --publisher-line '' --publish-format '{payload}'
              --ready-line-contains 'already connected' --connect-concurrency 8)
        ;;
      redis)
        port=$REDIS_PORT
        args=(--subscribe-line 'SUBSCRIBE {room}' --publisher-line '' --publish-format 'PUBLISH {room} {payload}'
              --ready-line-contains 'subscribe')
        ;;
    esac
    if [ "$server" = ncat ] && ! ensure_tool ncat ncat; then
      for rate in $FANOUT_RATES; do skip_run fanout "1->$SUBSCRIBERS @$rate/s" ncat "ncat not installed"; done
      echo "SKIP: ncat is not installed (apt-get install ncat)" >&2
      continue
    fi
    if [ "$server" = redis ] && ! ensure_tool redis-server redis-server; then
      for rate in $FANOUT_RATES; do skip_run fanout "1->$SUBSCRIBERS @$rate/s" redis "redis-server not installed"; done
      echo "SKIP: redis-server is not installed (apt-get install redis-server)" >&2
      continue
    fi
    for rate in $FANOUT_RATES; do
      label="1->$SUBSCRIBERS @$rate/s"
      # A fresh server per run, so one run's leftovers never slow the next.
      case $server in
        chorus) start_server chorus-chat "${CHORUS[@]}" --echo-port off --chat-port "$CHORUS_CHAT_PORT" ;;
        ncat) start_server ncat ncat --listen --chat --keep-open --max-conns $((SUBSCRIBERS + 100)) "$HOST" "$NCAT_PORT" ;;
        redis) start_server redis redis-server --port "$REDIS_PORT" --bind "$HOST" --save "" --appendonly no \
                 --maxclients $((SUBSCRIBERS + 1000)) --protected-mode no --daemonize no ;;
      esac
      if ! ready_or_skip "$server fan-out" "$port"; then
        skip_run fanout "$label" "$server" "no answer on port $port"
        continue
      fi
      run_load "fanout-$server-$rate" fanout "$server" "$label" --port "$port" --subscribers "$SUBSCRIBERS" \
          --publishers 1 --rate "$rate" --size "$SIZE" --room bench --settle 1 "${args[@]}"
      stop_server
    done
  done
fi

# ---------------------------------------------------------------- table
python3 - "$SUMMARY" "$DURATION" "$WARMUP" "$STRICT" <<'PY'
import json, sys

summary, duration, warmup, strict = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
runs = []
for line in open(summary):
    kind, label, server, path, rc = line.rstrip("\n").split("\t")
    result = None
    if path != "-":
        try:
            text = [l for l in open(path) if l.startswith("{")]
            result = json.loads(text[-1]) if text else None
        except (OSError, ValueError):
            result = None
    runs.append((kind, label, server, result, rc))

def find(kind, label, server):
    for k, l, s, r, _ in runs:
        if (k, l, s) == (kind, label, server) and r is not None:
            return r
    return None

def fmt(v, digits=0):
    return "-" if v is None else f"{v:,.{digits}f}"

below_target = False
print(f"\nChorus comparison on loopback: {duration} s measured after {warmup} s warmup per run\n")
echo = sorted((r for r in runs if r[0] == "echo"), key=lambda r: (r[1], r[2] != "chorus"))
if echo:
    print("ECHO (64 B lines unless SIZE was set)")
    print(f"{'load':<22} {'server':<9} {'msg/s':>12} {'p50 us':>9} {'p99 us':>9} {'p99.9 us':>9} {'errors':>7} {'vs baseline':>12}")
    for kind, label, server, r, rc in echo:
        if r is None:
            print(f"{label:<22} {server:<9} {rc}")
            continue
        base = find("echo", label, "baseline")
        ratio = r["rate"] / base["rate"] if base and base["rate"] else None
        lat = r["latency_us"]
        print(f"{label:<22} {server:<9} {fmt(r['rate']):>12} {fmt(lat['p50'],1):>9} {fmt(lat['p99'],1):>9} "
              f"{fmt(lat['p999'],1):>9} {r['errors']:>7} {('%.3f' % ratio) if ratio else '-':>12}")
        if server == "chorus" and ratio is not None and ratio < 0.95:
            below_target = True
    print("target: Chorus >= 0.95 x baseline msg/s" + ("  -> BELOW TARGET in at least one load" if below_target else ""))
    print()
fan = [r for r in runs if r[0] == "fanout"]
if fan:
    print("FAN-OUT (1 publisher -> N subscribers; deliveries/s sustained in the window, loss after the drain)")
    print(f"{'load':<22} {'server':<7} {'pub/s':>8} {'deliv/s':>11} {'loss %':>7} {'p50 us':>9} {'p99 us':>10} {'errors':>7} {'deliv vs redis':>15} {'p99 vs redis':>13}")
    for kind, label, server, r, rc in fan:
        if r is None:
            print(f"{label:<22} {server:<7} {rc}")
            continue
        redis = find("fanout", label, "redis")
        lat = r["latency_us"]
        dr = r["delivery_rate"] / redis["delivery_rate"] if redis and redis["delivery_rate"] else None
        pr = lat["p99"] / redis["latency_us"]["p99"] if redis and redis["latency_us"]["p99"] else None
        print(f"{label:<22} {server:<7} {fmt(r['publish_rate']):>8} {fmt(r['delivery_rate']):>11} {r['loss_percent']:>7.2f} "
              f"{fmt(lat['p50'],1):>9} {fmt(lat['p99'],1):>10} {r['errors']:>7} "
              f"{('%.3f' % dr) if dr else '-':>15} {('%.2f' % pr) if pr else '-':>13}")
    print()
sys.exit(1 if strict and below_target else 0)
PY
echo "details: $OUT" >&2
