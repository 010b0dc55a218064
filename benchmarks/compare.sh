#!/usr/bin/env bash
# Compares Chorus with reference servers on loopback, one server at a time:
#   echo    : a one-thread C epoll echo server (benchmarks/native/echo_epoll.c) vs Chorus at --threads 1
#             (default echo mode, and --echo-mode line when the server has it), and the bare Netty
#             baseline vs Chorus at default settings
#             loads: pipelined (100 connections x 16 in flight) and ping-pong (100 x 1), 64 B
#   fan-out : Chorus chat (default and --threads 1) vs redis-server pub/sub vs a one-thread C broadcast
#             server (benchmarks/native/broadcast_epoll.c), optionally `ncat --chat`
#             1 publisher -> 1000 subscribers at 1000, 8000 and 16000 msg/s offered, 64 B
# Every run reports the CPU the load generator and the server used in the measured window, as
# CPU-seconds per million messages, and the load average before and after it.
# Every run is bounded (warmup + duration + drain timeout) and every server is stopped by a trap.
# Results: one table on stdout; JSON, progress and server logs under $OUT.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  cat <<EOF
Usage: benchmarks/compare.sh [--duration S] [--warmup S] [--echo-only|--fanout-only] [--no-install] [--out DIR]

Environment (flags win):
  DURATION=10          measured seconds per run            WARMUP=6       unmeasured seconds first
                       (a fresh JVM server needs about 6 s of JIT at 16,000 msg/s; docs/BENCHMARKS.md)
  TIMEOUT=10           connect timeout and drain wait      PARTS=echo,fanout
  SUBSCRIBERS=1000     fan-out subscribers                 FANOUT_RATES="1000 8000 16000"   msg/s, one run each
  ECHO_CONNECTIONS=100 echo connections                    SIZE=64        bytes per message
  FANOUT_LOAD_THREADS= the generator's subscriber loops in fan-out (its --threads; empty = its default)
  ECHO_SERVERS="c chorus-t1 chorus-t1-line baseline chorus"   (chorus-t1-line only if --echo-mode exists)
  FANOUT_SERVERS="chorus chorus-t1 redis cbroadcast"          (add ncat to include ncat --chat, chorus-t2 for two loops)
  INSTALL=1            apt-get install ncat/redis-server when missing (needs root)
  ROUNDS=1             repeat each part, alternating server order, to show run-to-run noise
  CC=cc                C compiler for the C servers; without one they are skipped with a note
  SERVER_CPUS / LOAD_CPUS   optional taskset CPU lists for the servers / the load generator
  SERVER_JAVA_OPTS / LOAD_JAVA_OPTS   extra JVM flags      STRICT=1       exit 1 if Chorus echo < 95% of baseline
  CHORUS_ECHO_PORT BASELINE_PORT CHORUS_CHAT_PORT NCAT_PORT REDIS_PORT C_ECHO_PORT C_BROADCAST_PORT
                       default: a free port below 32000 for each server start
  OUT=benchmarks/target/compare-<time>

Quick look: DURATION=3 WARMUP=1 benchmarks/compare.sh --echo-only
EOF
}

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-6}
TIMEOUT=${TIMEOUT:-10}
PARTS=${PARTS:-echo,fanout}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
FANOUT_RATES=${FANOUT_RATES:-"1000 8000 16000"}
ECHO_SERVERS=${ECHO_SERVERS:-"c chorus-t1 chorus-t1-line baseline chorus"}
FANOUT_SERVERS=${FANOUT_SERVERS:-"chorus chorus-t1 redis cbroadcast"}
CC=${CC:-cc}
ECHO_CONNECTIONS=${ECHO_CONNECTIONS:-100}
FANOUT_LOAD_THREADS=${FANOUT_LOAD_THREADS:-}
SIZE=${SIZE:-64}
INSTALL=${INSTALL:-1}
STRICT=${STRICT:-0}
ROUNDS=${ROUNDS:-1}
SERVER_CPUS=${SERVER_CPUS:-}
LOAD_CPUS=${LOAD_CPUS:-}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:-}
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS:-}
HOST=127.0.0.1
CHORUS_ECHO_PORT=${CHORUS_ECHO_PORT:-}
BASELINE_PORT=${BASELINE_PORT:-}
CHORUS_CHAT_PORT=${CHORUS_CHAT_PORT:-}
NCAT_PORT=${NCAT_PORT:-}
REDIS_PORT=${REDIS_PORT:-}
C_ECHO_PORT=${C_ECHO_PORT:-}
C_BROADCAST_PORT=${C_BROADCAST_PORT:-}
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
# shellcheck source=benchmarks/lib.sh
. "$ROOT/benchmarks/lib.sh"

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

# ready_or_skip LABEL PORT : waits for the current server; on failure records a skip and stops it
ready_or_skip() {
  local label=$1 port=$2
  if wait_port "$SERVER_PID" "$port" 30; then
    # Something answered; make sure it is our server and not one that was there already.
    sleep 0.3
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      return 0
    fi
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
  local rc=0 before
  before=$(loadavg)
  log "$label against $server (load average $before)"
  # --server-pid: the generator reads the server's CPU time from /proc at the edges of the window.
  pin "$LOAD_CPUS" "$JAVA" $LOAD_JAVA_OPTS -jar "$BENCH_JAR" load "$kind" --host "$HOST" \
      --duration "$DURATION" --warmup "$WARMUP" --timeout "$TIMEOUT" --server-pid "$SERVER_PID" --json "$@" \
      > "$OUT/$id.json" 2> >(tee "$OUT/$id.progress" >&2) || rc=$?
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$label" "$server" "$OUT/$id.json" "$rc" "$before" "$(loadavg)" >> "$SUMMARY"
}

skip_run() {  # skip_run KIND LABEL SERVER REASON
  printf '%s\t%s\t%s\t-\tskipped: %s\t-\t-\n' "$1" "$2" "$3" "$4" >> "$SUMMARY"
}

# ---------------------------------------------------------------- setup
# More descriptors, the jars, and private copies of them (see lib.sh).
prepare_run "$OUT"

# The C reference servers: built into $OUT from benchmarks/native with $CC, or skipped with a note.
C_ECHO=""
C_BROADCAST=""
if command -v "$CC" >/dev/null 2>&1; then
  for prog in echo_epoll broadcast_epoll; do
    if ! "$CC" -O2 -o "$OUT/$prog" "$ROOT/benchmarks/native/$prog.c" 2> "$OUT/$prog.cc.log"; then
      echo "NOTE: $CC could not build $prog (see $OUT/$prog.cc.log); its rows are skipped" >&2
    fi
  done
  [ -x "$OUT/echo_epoll" ] && C_ECHO="$OUT/echo_epoll"
  [ -x "$OUT/broadcast_epoll" ] && C_BROADCAST="$OUT/broadcast_epoll"
else
  echo "NOTE: no C compiler ($CC); the C echo and C broadcast rows are skipped" >&2
fi

# Chorus's abuse limits are off: the whole load comes from one address, and one publisher sends
# thousands of lines per second (the defaults allow 256 connections per address and 20 lines/s).
# shellcheck disable=SC2206 # SERVER_JAVA_OPTS is meant to split
CHORUS=("$JAVA" $SERVER_JAVA_OPTS -jar "$SERVER_JAR" --host "$HOST" --udp-port off --log-level warn
        --chat-tls-port off --echo-tls-port off --http-port off --rate-limit 0 --max-connections 0 --max-connections-per-ip 0)

# ---------------------------------------------------------------- echo
ECHO_LOADS=("pipelined ${ECHO_CONNECTIONS}x16|--pipeline 16" "ping-pong ${ECHO_CONNECTIONS}x1|--pipeline 1")
# Chorus gets --echo-mode (raw|line) in issue 10; measure line mode as its own row only where it exists.
HAS_ECHO_MODE=0
if "$JAVA" -jar "$SERVER_JAR" --help 2>/dev/null | grep -q -- '--echo-mode'; then HAS_ECHO_MODE=1; fi

if [[ ",$PARTS," == *",echo,"* ]]; then
  for round in $(seq "$ROUNDS"); do
    # Alternate the order each round, so drift on a shared machine does not always favour one server.
    order=$ECHO_SERVERS
    if [ $((round % 2)) = 0 ]; then order=$(echo "$ECHO_SERVERS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
    suffix=""
    [ "$ROUNDS" -gt 1 ] && suffix=" #$round"
    for server in $order; do
      case $server in
        c)
          port=$(pick_port "$C_ECHO_PORT")
          if [ -z "$C_ECHO" ]; then
            for load in "${ECHO_LOADS[@]}"; do skip_run echo "${load%%|*}$suffix" c "no C compiler or build failed"; done
            continue
          fi
          start_server c-echo "$C_ECHO" "$port" "$HOST" ;;
        chorus-t1)
          port=$(pick_port "$CHORUS_ECHO_PORT")
          start_server chorus-echo-t1 "${CHORUS[@]}" --threads 1 --echo-port "$port" --chat-port off ;;
        chorus-t1-line)
          port=$(pick_port "$CHORUS_ECHO_PORT")
          if [ "$HAS_ECHO_MODE" != 1 ]; then
            for load in "${ECHO_LOADS[@]}"; do skip_run echo "${load%%|*}$suffix" chorus-t1-line "no --echo-mode in this server: chorus-t1 is line mode"; done
            continue
          fi
          start_server chorus-echo-t1-line "${CHORUS[@]}" --threads 1 --echo-mode line --echo-port "$port" --chat-port off ;;
        chorus)
          port=$(pick_port "$CHORUS_ECHO_PORT")
          start_server chorus-echo "${CHORUS[@]}" --echo-port "$port" --chat-port off ;;
        baseline)
          port=$(pick_port "$BASELINE_PORT")
          start_server baseline "$JAVA" $SERVER_JAVA_OPTS -jar "$BENCH_JAR" baseline --host "$HOST" --port "$port" ;;
        *) echo "compare.sh: unknown echo server: $server" >&2; exit 2 ;;
      esac
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
  for round in $(seq "$ROUNDS"); do
    order=$FANOUT_SERVERS
    if [ $((round % 2)) = 0 ]; then order=$(echo "$FANOUT_SERVERS" | tr ' ' '\n' | tac | tr '\n' ' '); fi
    suffix=""
    [ "$ROUNDS" -gt 1 ] && suffix=" #$round"
    for server in $order; do
      case $server in
        chorus|chorus-t1|chorus-t2)
          fixed_port=$CHORUS_CHAT_PORT
          args=(--subscribe-line '/join {room}' --publisher-line '/join {room}' --publish-format '{payload}'
                --ready-line-contains 'joined #{room}')
          ;;
        ncat)
          fixed_port=$NCAT_PORT
          # ncat listens with a backlog of 10 and never serves connects that overflowed it: connect slowly,
          # and count a subscriber ready only once ncat greeted it.
          args=(--subscribe-line '' --publisher-line '' --publish-format '{payload}'
                --ready-line-contains 'already connected' --connect-concurrency 8)
          ;;
        redis)
          fixed_port=$REDIS_PORT
          args=(--subscribe-line 'SUBSCRIBE {room}' --publisher-line '' --publish-format 'PUBLISH {room} {payload}'
                --ready-line-contains 'subscribe')
          ;;
        cbroadcast)
          fixed_port=$C_BROADCAST_PORT
          # Every byte goes to every other connection: nothing to subscribe to, ready once connected.
          args=(--subscribe-line '' --publisher-line '' --publish-format '{payload}' --ready-line-contains '')
          ;;
        *) echo "compare.sh: unknown fan-out server: $server" >&2; exit 2 ;;
      esac
      if [ "$server" = ncat ] && ! ensure_tool ncat ncat; then
        for rate in $FANOUT_RATES; do skip_run fanout "1->$SUBSCRIBERS @$rate/s$suffix" ncat "ncat not installed"; done
        echo "SKIP: ncat is not installed (apt-get install ncat)" >&2
        continue
      fi
      if [ "$server" = redis ] && ! ensure_tool redis-server redis-server; then
        for rate in $FANOUT_RATES; do skip_run fanout "1->$SUBSCRIBERS @$rate/s$suffix" redis "redis-server not installed"; done
        echo "SKIP: redis-server is not installed (apt-get install redis-server)" >&2
        continue
      fi
      if [ "$server" = cbroadcast ] && [ -z "$C_BROADCAST" ]; then
        for rate in $FANOUT_RATES; do skip_run fanout "1->$SUBSCRIBERS @$rate/s$suffix" cbroadcast "no C compiler or build failed"; done
        continue
      fi
      for rate in $FANOUT_RATES; do
        label="1->$SUBSCRIBERS @$rate/s$suffix"
        port=$(pick_port "$fixed_port")
        # A fresh server per run, so one run's leftovers never slow the next.
        case $server in
          chorus) start_server chorus-chat "${CHORUS[@]}" --echo-port off --chat-port "$port" ;;
          chorus-t1) start_server chorus-chat-t1 "${CHORUS[@]}" --threads 1 --echo-port off --chat-port "$port" ;;
          chorus-t2) start_server chorus-chat-t2 "${CHORUS[@]}" --threads 2 --echo-port off --chat-port "$port" ;;
          ncat) start_server ncat ncat --listen --chat --keep-open --max-conns $((SUBSCRIBERS + 100)) "$HOST" "$port" ;;
          redis) start_server redis redis-server --port "$port" --bind "$HOST" --save "" --appendonly no \
                   --maxclients $((SUBSCRIBERS + 1000)) --protected-mode no --daemonize no ;;
          cbroadcast) start_server cbroadcast "$C_BROADCAST" "$port" "$HOST" ;;
        esac
        if ! ready_or_skip "$server fan-out" "$port"; then
          skip_run fanout "$label" "$server" "no answer on port $port"
          continue
        fi
        run_load "fanout-$server-$rate-r$round" fanout "$server" "$label" --port "$port" --subscribers "$SUBSCRIBERS" \
            --publishers 1 --rate "$rate" --size "$SIZE" --room bench --settle 1 \
            ${FANOUT_LOAD_THREADS:+--threads "$FANOUT_LOAD_THREADS"} "${args[@]}"
        stop_server
      done
    done
  done
fi

# ---------------------------------------------------------------- table
python3 - "$SUMMARY" "$DURATION" "$WARMUP" "$STRICT" <<'PY'
import json, sys

summary, duration, warmup, strict = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "1"
runs = []
for line in open(summary):
    kind, label, server, path, rc, load_before, load_after = line.rstrip("\n").split("\t")
    result = None
    if path != "-":
        try:
            text = [l for l in open(path) if l.startswith("{")]
            result = json.loads(text[-1]) if text else None
        except (OSError, ValueError):
            result = None
    runs.append((kind, label, server, result, rc, f"{load_before}->{load_after}"))

def find(kind, label, server):
    for k, l, s, r, _, _ in runs:
        if (k, l, s) == (kind, label, server) and r is not None:
            return r
    return None

def fmt(v, digits=0):
    return "-" if v is None else f"{v:,.{digits}f}"

def ms(us):
    return "-" if us is None else f"{us / 1000:,.1f}"

def lat_ms(r, key):
    lat = r["latency_us"]
    return ms(lat[key]) if lat.get("samples") else "-"

def ratio(a, b):
    return f"{a / b:.2f}" if a is not None and b else "-"

below_target = False
print(f"\nChorus comparison on loopback: {duration} s measured after {warmup} s warmup per run")
print("CPU columns: CPU-seconds per million messages (echo) or deliveries (fan-out) in the measured window;")
print("gen = the load generator, srv = the server. load = 1-minute load average before->after the run.\n")
# Each echo row is compared with its reference: Chorus at --threads 1 with the C server, Chorus at default
# settings with the bare Netty baseline (its goal: >= 0.95).
ECHO_REF = {"chorus-t1": "c", "chorus-t1-line": "c", "chorus": "baseline"}
ECHO_GOAL = {"chorus": 0.95}
echo = [r for r in runs if r[0] == "echo"]
if echo:
    print("ECHO (64 B lines unless SIZE was set)")
    print(f"{'load':<24} {'server':<15} {'msg/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} {'gen cpu':>8} {'srv cpu':>8} {'ratio':>12} {'load':>11}")
    for kind, label, server, r, rc, load in echo:
        if r is None:
            print(f"{label:<24} {server:<15} {rc}")
            continue
        ref = ECHO_REF.get(server)
        base = find("echo", label, ref) if ref else None
        rr = r["rate"] / base["rate"] if base and base["rate"] else None
        lat = r["latency_us"]
        shown = f"{rr:.2f} vs {ref}" if rr is not None else "-"
        print(f"{label:<24} {server:<15} {fmt(r['rate']):>10} {lat_ms(r, 'p50'):>8} {lat_ms(r, 'p99'):>8} {r['errors']:>4} "
              f"{fmt(r.get('generator_cpu_s_per_million'), 2):>8} {fmt(r.get('server_cpu_s_per_million'), 2):>8} {shown:>12} {load:>11}")
        if server in ECHO_GOAL and rr is not None and rr < ECHO_GOAL[server]:
            below_target = True
    print("goals (issue 10): chorus-t1 >= 0.90 x c (raw), chorus-t1-line >= 0.85 x c, chorus >= 0.95 x baseline"
          + ("  -> chorus BELOW 0.95 x baseline in at least one load" if below_target else ""))
    print()
fan = [r for r in runs if r[0] == "fanout"]
if fan:
    print("FAN-OUT (1 publisher -> N subscribers; deliveries/s in the window, lost after the drain)")
    print(f"{'load':<24} {'server':<10} {'pub/s':>7} {'deliv/s':>10} {'lost':>8} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} "
          f"{'gen cpu':>8} {'srv cpu':>8} {'vs redis':>8} {'vs C':>6} {'p99/redis':>9} {'load':>11}")
    for kind, label, server, r, rc, load in fan:
        if r is None:
            print(f"{label:<24} {server:<10} {rc}")
            continue
        redis = find("fanout", label, "redis")
        cb = find("fanout", label, "cbroadcast")
        lat = r["latency_us"]
        print(f"{label:<24} {server:<10} {fmt(r['publish_rate']):>7} {fmt(r['delivery_rate']):>10} {r['lost']:>8} "
              f"{lat_ms(r, 'p50'):>8} {lat_ms(r, 'p99'):>8} {r['errors']:>4} "
              f"{fmt(r.get('generator_cpu_s_per_million'), 2):>8} {fmt(r.get('server_cpu_s_per_million'), 2):>8} "
              f"{ratio(r['delivery_rate'], redis and redis['delivery_rate']):>8} {ratio(r['delivery_rate'], cb and cb['delivery_rate']):>6} "
              f"{ratio(lat['p99'] if lat.get('samples') else None, redis and redis['latency_us'].get('samples') and redis['latency_us']['p99']):>9} {load:>11}")
    print("goals (issue 10): @1000/s chorus p99 <= redis p99, nothing lost; @8000/s chorus >= 2.5 x redis;"
          " @16000/s chorus >= 0.90 x C broadcast")
    print()
sys.exit(1 if strict and below_target else 0)
PY
echo "details: $OUT" >&2
