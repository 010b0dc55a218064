#!/usr/bin/env bash
# Measures what cluster mode costs, on loopback, in one run (so the ratios come from the same minutes):
#   fan-out : 1 publisher -> 1000 subscribers at 1000 msg/s, 64 B, in one room:
#               single   one Chorus node, no cluster, every subscriber on it
#               cluster  two Chorus nodes linked through a private redis-server; the publisher on node A,
#                        the subscribers split 500 + 500 over A and B (load fanout --subscriber-ports)
#               redis    redis-server sharded pub/sub alone (SSUBSCRIBE/SPUBLISH, what the nodes use)
#   latency : 1 publisher -> 1 subscriber at 1000 msg/s, 64 B:
#               single       both on one node, no cluster
#               same-node    both on node A of a two-node cluster
#               cross-node   publisher on node A, subscriber on node B: the hop through Redis
#             goal: cross-node p50 at most 1 ms above one node's p50 on loopback (both one-node rows)
# Every row reports the load generator's CPU and the servers' CPU (all nodes plus Redis, added up) in
# CPU-seconds per million deliveries, and the 1-minute load average before and after it.
# Every run is bounded (warmup + duration + drain timeout) and every process is stopped by a trap.
# Results: one table on stdout; JSON, progress and server logs under $OUT.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

usage() {
  cat <<EOF
Usage: benchmarks/cluster.sh [--duration S] [--warmup S] [--fanout-only|--latency-only] [--no-install] [--out DIR]

Environment (flags win):
  DURATION=10          measured seconds per run            WARMUP=2       unmeasured seconds first
  TIMEOUT=10           connect timeout and drain wait      SETTLE=2       wait after subscribers are ready
  SUBSCRIBERS=1000     fan-out subscribers (split over the two nodes in the cluster row)
  FANOUT_RATE=1000     fan-out msg/s                       LATENCY_RATE=1000   msg/s of the 1 -> 1 runs
  SIZE=64              bytes per message                   PARTS=fanout,latency
  FANOUT_SETUPS="single cluster redis"   LATENCY_SETUPS="single same-node cross-node"
  ROUNDS=1             repeat both parts, reversing the order every other round, to show the noise
  INSTALL=1            apt-get install redis-server when missing (needs root)
  SERVER_JAVA_OPTS / LOAD_JAVA_OPTS   extra JVM flags
  OUT=benchmarks/target/cluster-<time>

Cluster rows need a server with --cluster (cluster mode, issue 12); without it they are skipped with a
note and the single-node and Redis rows still run.

Quick look: DURATION=3 WARMUP=1 SUBSCRIBERS=200 benchmarks/cluster.sh
EOF
}

DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
TIMEOUT=${TIMEOUT:-10}
SETTLE=${SETTLE:-2}
SUBSCRIBERS=${SUBSCRIBERS:-1000}
FANOUT_RATE=${FANOUT_RATE:-1000}
LATENCY_RATE=${LATENCY_RATE:-1000}
SIZE=${SIZE:-64}
PARTS=${PARTS:-fanout,latency}
FANOUT_SETUPS=${FANOUT_SETUPS:-"single cluster redis"}
LATENCY_SETUPS=${LATENCY_SETUPS:-"single same-node cross-node"}
ROUNDS=${ROUNDS:-1}
INSTALL=${INSTALL:-1}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:-}
LOAD_JAVA_OPTS=${LOAD_JAVA_OPTS:-}
HOST=127.0.0.1
OUT=${OUT:-$ROOT/benchmarks/target/cluster-$(date +%Y%m%d-%H%M%S)}
SERVER_JAR=${SERVER_JAR:-$ROOT/server/target/chorus-server.jar}
BENCH_JAR=${BENCH_JAR:-$ROOT/benchmarks/target/chorus-bench.jar}
JAVA=${JAVA:-java}

while [ $# -gt 0 ]; do
  case "$1" in
    --duration) DURATION=$2; shift 2 ;;
    --warmup) WARMUP=$2; shift 2 ;;
    --fanout-only) PARTS=fanout; shift ;;
    --latency-only) PARTS=latency; shift ;;
    --no-install) INSTALL=0; shift ;;
    --out) OUT=$2; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "cluster.sh: unknown argument: $1" >&2; usage >&2; exit 2 ;;
  esac
done

mkdir -p "$OUT"
SUMMARY="$OUT/runs.tsv"
: > "$SUMMARY"
# shellcheck source=benchmarks/lib.sh
. "$ROOT/benchmarks/lib.sh"

# ---------------------------------------------------------------- processes
# Every process this script starts: "NAME PID" lines, stopped in reverse order by stop_all.
PROCS=()

# start NAME CMD... : starts CMD in the background, logging to $OUT/NAME.log; sets STARTED_PID
start() {
  local name=$1; shift
  # A simple command in the background is exec'd by the forked shell, so $! is the process itself.
  "$@" > "$OUT/$name.log" 2>&1 &
  STARTED_PID=$!
  PROCS+=("$name $STARTED_PID")
}

# One at a time, newest first: the nodes drain and leave the cluster (removing their nicks and presence
# from Redis) before Redis itself stops.
stop_all() {
  local i name pid
  for ((i = ${#PROCS[@]} - 1; i >= 0; i--)); do
    read -r name pid <<< "${PROCS[$i]}"
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 100); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  PROCS=()
}
trap stop_all EXIT
trap 'stop_all; exit 130' INT TERM

# wait_log PID FILE PATTERN SECONDS : true once FILE has a line matching PATTERN while PID lives
wait_log() {
  local pid=$1 file=$2 pattern=$3 deadline=$((SECONDS + $4))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pid" 2>/dev/null || return 1
    grep -q -- "$pattern" "$file" 2>/dev/null && return 0
    sleep 0.2
  done
  return 1
}

# not_ready NAME : says why a setup is skipped, with the tail of the log that tells
not_ready() {
  echo "SKIP: $1 did not come up (log: $OUT/$1.log)" >&2
  tail -n 5 "$OUT/$1.log" >&2 2>/dev/null || true
}

# ---------------------------------------------------------------- setup
prepare_run "$OUT"

HAS_REDIS=1
ensure_tool redis-server redis-server || { HAS_REDIS=0; echo "NOTE: redis-server is not installed (apt-get install redis-server); the cluster and Redis rows are skipped" >&2; }
HAS_CLUSTER=0
if "$JAVA" -jar "$SERVER_JAR" --help 2>/dev/null | grep -q -- '--cluster'; then HAS_CLUSTER=1; fi
if [ "$HAS_CLUSTER" = 0 ]; then
  echo "NOTE: this chorus-server has no --cluster option (cluster mode not built in); the cluster rows are skipped" >&2
fi

# As in compare.sh, Chorus's abuse limits are off: the whole load comes from one address, and one
# publisher sends a thousand lines per second. Log level info shows the cluster's link lines and
# nothing per message.
# shellcheck disable=SC2206 # SERVER_JAVA_OPTS is meant to split
CHORUS=("$JAVA" $SERVER_JAVA_OPTS -jar "$SERVER_JAR" --host "$HOST" --udp-port off --echo-port off --log-level info
        --chat-tls-port off --echo-tls-port off --http-port off --rate-limit 0 --max-connections 0 --max-connections-per-ip 0)

# Set by the start_* functions: the publisher's port, the subscriber ports, the pids to measure.
PUB_PORT=""
NODE_B_PORT=""
SERVER_PIDS=""

# start_redis NAME : a private, empty redis-server on a free port; sets REDIS_PORT and REDIS_PID
start_redis() {
  REDIS_PORT=$(pick_port)
  start "$1" redis-server --port "$REDIS_PORT" --bind "$HOST" --save "" --appendonly no \
      --maxclients $((SUBSCRIBERS + 1000)) --protected-mode no --daemonize no
  REDIS_PID=$STARTED_PID
  wait_port "$REDIS_PID" "$REDIS_PORT" 30 || { not_ready "$1"; return 1; }
}

start_single() {
  PUB_PORT=$(pick_port)
  start chorus-single "${CHORUS[@]}" --chat-port "$PUB_PORT"
  SERVER_PIDS=$STARTED_PID
  wait_port "$STARTED_PID" "$PUB_PORT" 30 || { not_ready chorus-single; return 1; }
}

# start_cluster : redis-server plus nodes a and b linked to it; every node must log its link first.
start_cluster() {
  start_redis redis-backplane || return 1
  local uri="redis://$HOST:$REDIS_PORT" node port pid pids=""
  for node in a b; do
    port=$(pick_port)
    start "chorus-node-$node" "${CHORUS[@]}" --chat-port "$port" --cluster "$uri" --node-id "$node"
    pid=$STARTED_PID
    pids="$pids,$pid"
    if [ "$node" = a ]; then PUB_PORT=$port; else NODE_B_PORT=$port; fi
    # The link first: a connection made before it (the port probe joins #lobby) counts a failed send.
    wait_log "$pid" "$OUT/chorus-node-$node.log" "cluster: node $node linked to" 30 || { not_ready "chorus-node-$node"; return 1; }
    wait_port "$pid" "$port" 30 || { not_ready "chorus-node-$node"; return 1; }
  done
  SERVER_PIDS="${pids#,},$REDIS_PID"
}

# ---------------------------------------------------------------- loads
# run_load ID PART SETUP ARGS... : one bounded fan-out run, JSON to $OUT/ID.json, progress to stderr and $OUT/ID.progress
run_load() {
  local id=$1 part=$2 setup=$3; shift 3
  local rc=0 before
  before=$(loadavg)
  log "$part: $setup (load average $before)"
  # shellcheck disable=SC2086 # LOAD_JAVA_OPTS is meant to split
  "$JAVA" $LOAD_JAVA_OPTS -jar "$BENCH_JAR" load fanout --host "$HOST" \
      --duration "$DURATION" --warmup "$WARMUP" --timeout "$TIMEOUT" --settle "$SETTLE" --size "$SIZE" \
      --server-pid "$SERVER_PIDS" --json "$@" \
      > "$OUT/$id.json" 2> >(tee "$OUT/$id.progress" >&2) || rc=$?
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$part" "$setup" "$ROUND" "$OUT/$id.json" "$rc" "$before" "$(loadavg)" >> "$SUMMARY"
}

skip_run() {  # skip_run PART SETUP REASON
  printf '%s\t%s\t%s\t-\tskipped: %s\t-\t-\n' "$1" "$2" "$ROUND" "$3" >> "$SUMMARY"
}

CHAT=(--subscribe-line '/join {room}' --publisher-line '/join {room}' --publish-format '{payload}'
      --ready-line-contains 'joined #{room}')
REDIS_PUBSUB=(--subscribe-line 'SSUBSCRIBE {room}' --publisher-line '' --publish-format 'SPUBLISH {room} {payload}'
              --ready-line-contains 'subscribe')

# one_setup PART SETUP ROUND : starts what SETUP needs, runs its load, stops everything
one_setup() {
  local part=$1 setup=$2 round=$3 id="$1-$2-r$3"
  local subs=$SUBSCRIBERS rate=$FANOUT_RATE
  if [ "$part" = latency ]; then subs=1; rate=$LATENCY_RATE; fi
  case $setup in
    single) ;;
    redis)
      if [ "$HAS_REDIS" = 0 ]; then skip_run "$part" "$setup" "redis-server not installed"; return; fi ;;
    cluster|same-node|cross-node)
      if [ "$HAS_REDIS" = 0 ]; then skip_run "$part" "$setup" "redis-server not installed"; return; fi
      if [ "$HAS_CLUSTER" = 0 ]; then skip_run "$part" "$setup" "no --cluster in this server"; return; fi ;;
    *) echo "cluster.sh: unknown $part setup: $setup" >&2; exit 2 ;;
  esac
  local ok=1
  case $setup in
    single) start_single || ok=0 ;;
    redis) { start_redis redis-alone && PUB_PORT=$REDIS_PORT && SERVER_PIDS=$REDIS_PID; } || ok=0 ;;
    *) start_cluster || ok=0 ;;
  esac
  if [ "$ok" = 0 ]; then
    skip_run "$part" "$setup" "did not start (see $OUT/*.log)"
    stop_all
    return
  fi
  case $setup in
    single) run_load "$id" "$part" "$setup" --port "$PUB_PORT" --subscribers "$subs" --rate "$rate" --room bench "${CHAT[@]}" ;;
    redis) run_load "$id" "$part" "$setup" --port "$PUB_PORT" --subscribers "$subs" --rate "$rate" --room bench "${REDIS_PUBSUB[@]}" ;;
    cluster) run_load "$id" "$part" "$setup" --port "$PUB_PORT" --subscriber-ports "$PUB_PORT,$NODE_B_PORT" \
               --subscribers "$subs" --rate "$rate" --room bench "${CHAT[@]}" ;;
    same-node) run_load "$id" "$part" "$setup" --port "$PUB_PORT" --subscriber-ports "$PUB_PORT" \
               --subscribers "$subs" --rate "$rate" --room bench "${CHAT[@]}" ;;
    cross-node) run_load "$id" "$part" "$setup" --port "$PUB_PORT" --subscriber-ports "$NODE_B_PORT" \
               --subscribers "$subs" --rate "$rate" --room bench "${CHAT[@]}" ;;
  esac
  # A fresh set of processes per run, so one run's leftovers (rooms, streams, queues) never slow the next.
  stop_all
}

ROUND=1
for round in $(seq "$ROUNDS"); do
  ROUND=$round
  for part in fanout latency; do
    [[ ",$PARTS," == *",$part,"* ]] || continue
    setups=$FANOUT_SETUPS
    [ "$part" = latency ] && setups=$LATENCY_SETUPS
    # Reverse the order every other round, so drift on a shared machine does not always favour one setup.
    if [ $((round % 2)) = 0 ]; then setups=$(echo "$setups" | tr ' ' '\n' | tac | tr '\n' ' '); fi
    for setup in $setups; do
      one_setup "$part" "$setup" "$round"
    done
  done
done

# ---------------------------------------------------------------- table
python3 - "$SUMMARY" "$DURATION" "$WARMUP" "$SUBSCRIBERS" "$FANOUT_RATE" "$LATENCY_RATE" "$SIZE" "$ROUNDS" <<'PY'
import json, sys

summary, duration, warmup, subscribers, fanout_rate, latency_rate, size, rounds = sys.argv[1:9]
runs = []
for line in open(summary):
    part, setup, rnd, path, rc, load_before, load_after = line.rstrip("\n").split("\t")
    # With several rounds each row is named by its round and compared with the rows of the same round.
    if rounds != "1":
        setup = f"{setup} #{rnd}"
    result = None
    if path != "-":
        try:
            text = [l for l in open(path) if l.startswith("{")]
            result = json.loads(text[-1]) if text else None
        except (OSError, ValueError):
            result = None
    runs.append((part, setup, result, rc, f"{load_before}->{load_after}", rnd))

def fmt(v, digits=0):
    return "-" if v is None else f"{v:,.{digits}f}"

def ms(us):
    return "-" if us is None else f"{us / 1000:,.2f}"

def pct(lat, key):
    return lat[key] if lat and lat.get("samples") else None

def first(part, setup, rnd):
    """The result of SETUP in the same round, or None."""
    label = setup if rounds == "1" else f"{setup} #{rnd}"
    for p, s, r, _, _, _ in runs:
        if (p, s) == (part, label) and r is not None:
            return r
    return None

print(f"\nChorus cluster on loopback: {duration} s measured after {warmup} s warmup per run, {size} B messages")
print("CPU columns: CPU-seconds per million deliveries in the measured window; gen = the load generator,")
print("srv = the servers (cluster: both nodes plus redis-server). load = 1-minute load average before->after.\n")

fan = [r for r in runs if r[0] == "fanout"]
if fan:
    print(f"FAN-OUT: 1 publisher -> {subscribers} subscribers at {fanout_rate} msg/s "
          "(cluster: publisher on node A, subscribers split over A and B)")
    print(f"{'setup':<22} {'deliv/s':>10} {'lost':>7} {'p50 ms':>8} {'p99 ms':>8} {'err':>4} "
          f"{'gen cpu':>8} {'srv cpu':>8} {'srv/single':>10} {'load':>11}")
    for part, setup, r, rc, load, rnd in fan:
        single = first("fanout", "single", rnd)
        if r is None:
            print(f"{setup:<22} {rc}")
            continue
        lat = r["latency_us"]
        srv = r.get("server_cpu_s_per_million")
        base = single and single.get("server_cpu_s_per_million")
        rel = f"{srv / base:.2f}" if srv is not None and base else "-"
        print(f"{setup:<22} {fmt(r['delivery_rate']):>10} {r['lost']:>7} {ms(pct(lat, 'p50')):>8} {ms(pct(lat, 'p99')):>8} "
              f"{r['errors']:>4} {fmt(r.get('generator_cpu_s_per_million'), 2):>8} {fmt(srv, 2):>8} {rel:>10} {load:>11}")
        for i, port in enumerate(r.get("by_subscriber_port") or []):
            node = "node A (publisher's)" if i == 0 else "node B (via Redis)"
            plat = port["latency_us"]
            print(f"  {node:<20} {port['ready']:>6} subs {port['lost']:>7} {ms(pct(plat, 'p50')):>8} {ms(pct(plat, 'p99')):>8}")
    print()

lat = [r for r in runs if r[0] == "latency"]
if lat:
    print(f"LATENCY: 1 publisher -> 1 subscriber at {latency_rate} msg/s, publish->delivery")
    print(f"{'setup':<22} {'p50 ms':>8} {'p99 ms':>8} {'p99.9 ms':>9} {'lost':>6} {'err':>4} "
          f"{'p50 +ms vs single':>18} {'p50 +ms vs same-node':>21} {'load':>11}")
    def added(r, base):
        if r is None or base is None:
            return None
        a, b = pct(r["latency_us"], "p50"), pct(base["latency_us"], "p50")
        return None if a is None or b is None else (a - b) / 1000
    for part, setup, r, rc, load, rnd in lat:
        single, same = first("latency", "single", rnd), first("latency", "same-node", rnd)
        if r is None:
            print(f"{setup:<22} {rc}")
            continue
        l = r["latency_us"]
        vs_single, vs_same = added(r, single), added(r, same)
        print(f"{setup:<22} {ms(pct(l, 'p50')):>8} {ms(pct(l, 'p99')):>8} {ms(pct(l, 'p999')):>9} {r['lost']:>6} {r['errors']:>4} "
              f"{fmt(vs_single, 2) if vs_single is not None else '-':>18} {fmt(vs_same, 2) if vs_same is not None else '-':>21} {load:>11}")
    def verdict(cross, base, name):
        gap = added(cross, base)
        return f"{name} " + ("-" if gap is None else ("met" if gap <= 1.0 else "MISSED") + f" ({gap:+.2f} ms)")
    for rnd in sorted({r[5] for r in lat}, key=int):
        cross = first("latency", "cross-node", rnd)
        print("goal (issue 12): cross-node p50 at most 1 ms above one node's p50 on loopback"
              + ("" if rounds == "1" else f", round {rnd}") + ": "
              + verdict(cross, first("latency", "single", rnd), "vs single") + ", "
              + verdict(cross, first("latency", "same-node", rnd), "vs same-node"))
    print()
PY
echo "details: $OUT" >&2
