#!/usr/bin/env bash
# Idle-connection memory: RSS and live heap (after two full GCs) of one Chorus server before, and
# while, it holds N idle chat connections from the load generator. Every connection is greeted and
# joins #lobby, which is quiet above --quiet-room-size. The server and the load generator are two
# processes, so each needs only N + 100 descriptors. Run from anywhere after a package build:
#   benchmarks/idle-memory.sh                              (3 runs through bin/chorus-server)
#   RUNS=5 LAUNCH=jar benchmarks/idle-memory.sh            (plain `java -jar`, the JVM's defaults)
#   SERVER_JAVA_OPTS=-Xmx256m benchmarks/idle-memory.sh    (extra JVM options for the server)
# Environment: N=15000 connections, RUNS=3, LAUNCH=script|jar, SERVER_JAVA_OPTS, LABEL (a name for
# the summary line), PORT=17500, SETTLE=45 (idle seconds once all connections are open, before the
# first reading; longer than the launcher's 30 s periodic GC). Each run prints the machine's load
# (`uptime`), since the machine may be shared; the last line is the median and the spread (min..max).
set -euo pipefail
N=${N:-15000}
RUNS=${RUNS:-3}
LAUNCH=${LAUNCH:-script}
PORT=${PORT:-17500}
SETTLE=${SETTLE:-45}
SERVER_JAVA_OPTS=${SERVER_JAVA_OPTS:-}
LABEL=${LABEL:-"$LAUNCH ${SERVER_JAVA_OPTS:-(no extra options)}"}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
JAR=${JAR:-$ROOT/server/target/chorus-server.jar}
BENCH=${BENCH:-$ROOT/benchmarks/target/chorus-bench.jar}
case $LAUNCH in script|jar) ;; *) echo "idle-memory.sh: LAUNCH must be script or jar, not '$LAUNCH'" >&2; exit 2 ;; esac
for f in "$JAR" "$BENCH"; do
  [ -f "$f" ] || { echo "idle-memory.sh: $f is missing; run mvn -B -q package -DskipTests first" >&2; exit 2; }
done
if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt $((N + 100)) ]; then
  ulimit -n $((N + 100)) 2>/dev/null || { echo "idle-memory.sh: ulimit -n is below N + 100 = $((N + 100))" >&2; exit 2; }
fi

WORK=$(mktemp -d)
pid=""
lp=""
cleanup() {
  for p in $lp $pid; do kill "$p" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT
# Private copies: a rebuild of target/ while the server runs from its jar would kill the server.
cp "$JAR" "$WORK/chorus-server.jar"
cp "$BENCH" "$WORK/chorus-bench.jar"

SERVER_ARGS=(--host 127.0.0.1 --echo-port off --udp-port off --chat-port "$PORT" --chat-tls-port off
             --echo-tls-port off --max-connections 0 --max-connections-per-ip 0 --idle-timeout 0 --rate-limit 0)

start_server() {
  : > "$WORK/server.log"
  if [ "$LAUNCH" = script ]; then
    # The launcher execs java, so $! is the JVM itself.
    # shellcheck disable=SC2086 # SERVER_JAVA_OPTS is meant to split
    CHORUS_JAR="$WORK/chorus-server.jar" JAVA_OPTS="$SERVER_JAVA_OPTS" "$ROOT/bin/chorus-server" "${SERVER_ARGS[@]}" \
      > "$WORK/server.log" 2>&1 &
  else
    # shellcheck disable=SC2086
    java $SERVER_JAVA_OPTS -jar "$WORK/chorus-server.jar" "${SERVER_ARGS[@]}" > "$WORK/server.log" 2>&1 &
  fi
  pid=$!
  for _ in $(seq 300); do
    grep -q "listening: chat tcp" "$WORK/server.log" && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  echo "idle-memory.sh: the server did not start:" >&2
  tail -n 20 "$WORK/server.log" >&2
  exit 1
}

rss() { awk '/VmRSS/ {print $2}' "/proc/$pid/status"; }

# Prints "RSS HEAP" in KiB after two full GCs: what stays once the garbage of the set-up is gone.
measure() {
  jcmd "$pid" GC.run > /dev/null; sleep 1; jcmd "$pid" GC.run > /dev/null; sleep 1
  local heap
  # Whole-heap lines only: G1's "garbage-first heap", Serial's two generations, Parallel's PS*Gen.
  heap=$(jcmd "$pid" GC.heap_info | awk '/heap|generation|PSYoungGen|ParOldGen/ && match($0, /used [0-9]+K/) {
    s += substr($0, RSTART + 5, RLENGTH - 6) } END { print s + 0 }')
  echo "$(rss) ${heap:-0}"
}

results=()
for run in $(seq "$RUNS"); do
  load=$(uptime | sed 's/.*load average: //')
  start_server
  sleep 2
  read -r rss0 heap0 < <(measure)
  java -jar "$WORK/chorus-bench.jar" load connections --host 127.0.0.1 --port "$PORT" --connections "$N" \
    --rate 3000 --duration 120 --warmup 0 --timeout 30 --json > "$WORK/load.json" 2> "$WORK/load.err" &
  lp=$!
  # 5 s of connecting at 3,000/s on an idle machine (a busy one drops SYNs, hence the long connect
  # timeout); wait up to 60 s for all, then SETTLE s of quiet.
  for _ in $(seq 60); do
    sleep 1
    open=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
    [ "$open" -ge "$N" ] && break
  done
  sleep "$SETTLE"
  open=$(find "/proc/$pid/fd" -mindepth 1 -maxdepth 1 | wc -l)
  rss_idle=$(rss)
  read -r rss1 heap1 < <(measure)
  kill "$lp" 2>/dev/null || true
  wait "$lp" 2>/dev/null || true
  lp=""
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  pid=""
  if [ "$open" -lt "$N" ]; then
    echo "run $run: only $open descriptors open, fewer than $N connections; not counted" >&2
    tail -n 5 "$WORK/load.err" >&2 || true
    continue
  fi
  line=$(python3 -c "n=$N; print('%.2f %.2f %.2f' % (($rss1-$rss0)/n, ($heap1-$heap0)/n, ($rss_idle-$rss0)/n))")
  read -r per_rss per_heap per_idle <<< "$line"
  results+=("$per_rss $per_heap")
  echo "run $run [load $load]: baseline rss ${rss0} KiB heap ${heap0} KiB; holding $open fds, rss ${rss1} KiB" \
       "heap ${heap1} KiB; per connection: rss ${per_rss} KiB, heap ${per_heap} KiB (rss before the forced GCs ${per_idle} KiB)"
done

[ "${#results[@]}" -gt 0 ] || { echo "idle-memory.sh: no run completed" >&2; exit 1; }
printf '%s\n' "${results[@]}" | python3 -c '
import statistics, sys
label = sys.argv[1]
rows = [tuple(map(float, l.split())) for l in sys.stdin if l.strip()]
rss = sorted(r[0] for r in rows); heap = sorted(r[1] for r in rows)
print("%s: %d runs, rss per connection median %.2f KiB (%.2f..%.2f), heap median %.2f KiB (%.2f..%.2f)" % (
    label, len(rows), statistics.median(rss), rss[0], rss[-1], statistics.median(heap), heap[0], heap[-1]))
' "$LABEL"
